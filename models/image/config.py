"""Configuration of the image backends: endpoints, credentials, timeouts and retry policy.

Credentials live only here. `repr()` masks them, and every error message a backend builds
passes provider text through `redact`, so a key never reaches a response or a log line.
"""

from __future__ import annotations

from typing import Any

import msgspec

SECRET_FIELDS = ("openai_api_key", "openrouter_api_key", "replicate_api_token", "gemini_api_key")


class ImageBackendConfig(msgspec.Struct, kw_only=True, frozen=True):
    """Where each image provider lives, how to authenticate, and how patiently to call it."""

    openai_base_url: str = "https://api.openai.com/v1"
    openai_api_key: str = ""
    openrouter_base_url: str = "https://openrouter.ai/api/v1"
    openrouter_api_key: str = ""
    replicate_base_url: str = "https://api.replicate.com/v1"
    replicate_api_token: str = ""
    gemini_base_url: str = "https://generativelanguage.googleapis.com/v1beta"
    gemini_api_key: str = ""
    diffusers_path: str = ""  # a local diffusers pipeline folder
    diffusers_device: str = "auto"  # "auto" (cuda when available), "cpu", "cuda", "mps"

    timeout_s: float = 120.0  # one HTTP attempt; the caller's deadline bounds the whole call
    max_retries: int = 2  # retries after the first attempt, for retryable failures only
    backoff_base_s: float = 0.5  # first backoff delay; doubles each retry (with jitter)
    backoff_max_s: float = 20.0  # cap on a computed backoff delay (Retry-After may exceed it)
    poll_interval_s: float = 1.0  # Replicate: delay between status polls
    replicate_wait_s: int = 60  # Replicate: `Prefer: wait=N` (1-60); 0 disables sync mode
    max_parallel_calls: int = 4  # provider calls in flight for one generate (n split)
    max_images: int = 10  # largest `n` accepted
    max_download_bytes: int = 64 * 1024 * 1024  # cap on one downloaded image

    def __repr__(self) -> str:
        fields = []
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if name in SECRET_FIELDS and value:
                value = "***"
            fields.append(f"{name}={value!r}")
        return f"ImageBackendConfig({', '.join(fields)})"

    def secrets(self) -> tuple[str, ...]:
        """Every configured credential (non-empty), for redaction."""
        return tuple(v for v in (getattr(self, n) for n in SECRET_FIELDS) if v)

    def masked(self) -> dict[str, Any]:
        """The configuration as a dict with credentials masked."""
        out = msgspec.structs.asdict(self)
        for name in SECRET_FIELDS:
            if out[name]:
                out[name] = "***"
        return out

    @classmethod
    def from_settings(cls, settings: Any) -> ImageBackendConfig:
        """Build from the service `Settings`; fields it lacks keep their defaults.

        The `image_*` settings override the generic OpenAI-compatible ones, so the image
        backend can point at a different server than the language model.
        """
        values: dict[str, Any] = {}
        for name in cls.__struct_fields__:
            for source in (f"image_{name}", name):
                value = getattr(settings, source, None)
                if value not in (None, ""):
                    values[name] = value
                    break
        image_key = str(getattr(settings, "image_api_key", None) or "")
        if image_key and not values.get("openai_api_key"):
            values["openai_api_key"] = image_key
        return cls(**values)


def redact(text: str, secrets: tuple[str, ...] | list[str], limit: int = 300) -> str:
    """`text` with every secret masked, shortened to `limit` characters."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
