"""`openai`: any OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama, llama.cpp).

Rows run concurrently (bounded), each with its own seed, temperature and top-p. The whole
call has one deadline; upstream failures become 502/503/504 problems whose text never
contains the API key.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import openai

from core.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from models.lm.base import ChatMessage, LanguageModel, LMOutput, LMRequest
from models.retry_after import retry_after_seconds


class OpenAILanguageModel(LanguageModel):
    """Chat completions over the `openai` client; the seam for tests is `http_client`."""

    backend = "openai"
    supports_prefill = False
    translates = True  # a chat model: `app.spark_language` asks it for an English spark

    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str = "",
        concurrency: int = 8,
        max_retries: int = 1,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.model_id = model or "gpt-4o-mini"
        self._api_key = api_key
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "unused",
            max_retries=max_retries,
            http_client=http_client,  # type: ignore[arg-type]
        )
        self._semaphore = asyncio.Semaphore(max(1, concurrency))

    @classmethod
    def from_settings(cls, settings: Any) -> OpenAILanguageModel:
        return cls(
            model=settings.lm_model,
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            concurrency=max(settings.lm_concurrency, 8),
            max_retries=settings.openai_max_retries,
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def generate(self, requests: list[LMRequest], deadline_s: float) -> list[LMOutput]:
        try:
            return await asyncio.wait_for(
                asyncio.gather(*(self._one(r, deadline_s) for r in requests)), timeout=deadline_s
            )
        except TimeoutError:
            raise UpstreamTimeout(
                f"the language model at the OpenAI-compatible endpoint did not answer within {deadline_s:g}s",
                backend=self.backend,
            ) from None

    async def _one(self, row: LMRequest, deadline_s: float) -> LMOutput:
        messages = _with_prefill_instruction(row)
        params: dict[str, Any] = {
            "model": self.model_id,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": row.max_new_tokens,
            "temperature": row.temperature,
            "top_p": row.top_p if row.top_p > 0 else 1.0,
            "seed": row.seed,
            "n": 1,
        }
        if row.stop_at_newline:
            params["stop"] = ["\n"]
        async with self._semaphore:
            try:
                response = await self._client.chat.completions.create(**params, timeout=deadline_s)
            except openai.APITimeoutError:
                raise UpstreamTimeout("the language model timed out", backend=self.backend) from None
            except openai.APIConnectionError:
                raise UpstreamUnavailable(
                    "cannot reach the language model server", backend=self.backend
                ) from None
            except openai.APIStatusError as exc:
                raise self._status_error(exc) from None
            except openai.OpenAIError as exc:
                raise UpstreamError(
                    f"the language model failed: {self._redact(str(exc))}", backend=self.backend
                ) from None
            except ValueError:  # a 2xx whose body is not JSON (the client's parser gives up)
                raise UpstreamError(
                    "the language model server returned a malformed response (not JSON)", backend=self.backend
                ) from None
        try:
            choice = response.choices[0]
            text = choice.message.content or ""
        except (AttributeError, IndexError, TypeError):
            raise UpstreamError(
                "the language model returned a malformed response", backend=self.backend
            ) from None
        if row.prefill:
            stripped = text.lstrip()
            if stripped.startswith(row.prefill.strip()):
                text = stripped[len(row.prefill.strip()) :]
            elif stripped and stripped[0].isalnum():
                text = " " + stripped  # a fresh answer, not a mid-word continuation of the prefill
        usage = getattr(response, "usage", None)
        return LMOutput(
            text=text,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            finished=getattr(choice, "finish_reason", "stop") != "length",
        )

    def _status_error(self, exc: openai.APIStatusError) -> UpstreamError:
        code = exc.status_code
        detail = f"the language model server answered {code}"
        if code in (401, 403):
            return UpstreamError(
                detail + " (credentials rejected; check PROMPTGEN_OPENAI_API_KEY)",
                backend=self.backend,
                upstreamStatus=code,
            )
        if code == 429 or code == 503:
            return UpstreamUnavailable(
                detail + " (busy or rate limited)",
                backend=self.backend,
                upstreamStatus=code,
                # seconds or an HTTP date; a default when absent or unreadable
                retryAfter=retry_after_seconds(exc.response.headers if exc.response is not None else None),
            )
        if code in (408, 504):
            return UpstreamTimeout(detail, backend=self.backend, upstreamStatus=code)
        return UpstreamError(detail, backend=self.backend, upstreamStatus=code)

    def _redact(self, text: str) -> str:
        if self._api_key:
            text = text.replace(self._api_key, "***")
        return text[:300]


def _with_prefill_instruction(row: LMRequest) -> list[ChatMessage]:
    """Backends without assistant prefill are asked to begin their answer with it."""
    messages = list(row.messages)
    if row.prefill and messages and messages[-1].role == "user":
        last = messages[-1]
        messages[-1] = ChatMessage(
            "user", f"{last.content}\nBegin your answer with exactly: {row.prefill.strip()}"
        )
    return messages
