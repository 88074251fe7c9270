"""Fake image providers on 127.0.0.1 (an ephemeral port), speaking each provider's protocol.

`FakeServer` is a small threaded HTTP server: routes map (method, path regex) to a handler
returning a `Reply`; `script(...)` queues replies that a route answers first (a 429 with
Retry-After, a 500, a slow reply, a malformed body), after which its handler answers
normally. Every request is recorded (`requests`) so tests can check what was sent.

The provider fakes (`FakeOpenAI`, `FakeOpenRouter`, `FakeReplicate`, `FakeGemini`) answer as
the real APIs do: bodies, status codes, error shapes, Replicate's prediction life cycle with
`Prefer: wait` and polling, and downloadable output files.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image


def png_bytes(index: int = 0, size: tuple[int, int] = (4, 4)) -> bytes:
    """A tiny PNG whose colour depends on `index` (so tests can tell images apart)."""
    colour = ((index * 40) % 256, (index * 90 + 30) % 256, (index * 150 + 60) % 256)
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass
class Reply:
    """One HTTP answer; `delay` sleeps before answering (to provoke client timeouts)."""

    status: int = 200
    json: Any = None
    _: KW_ONLY
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    delay: float = 0.0


@dataclass
class Recorded:
    """A request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[tuple[str | None, bytes]]]:
        """The parts of a multipart/form-data body: name -> [(filename, content)]."""
        raw = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode() + self.body
        message = BytesParser(policy=HTTP).parsebytes(raw)
        parts: dict[str, list[tuple[str | None, bytes]]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            parts.setdefault(str(name), []).append((part.get_filename(), payload))
        return parts


Handler = Callable[[Recorded, re.Match[str]], Reply]


class FakeServer:
    """A scriptable threaded HTTP server bound to 127.0.0.1 on an ephemeral port."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.errors: list[str] = []  # handler crashes; __exit__ turns them into a test failure
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._scripts: dict[tuple[str, str], deque[Reply]] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up -------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern), handler))

    def script(self, method: str, pattern: str, *replies: Reply) -> None:
        """Queue `replies` for the route `pattern`: answered, in order, before its handler."""
        with self._lock:
            self._scripts.setdefault((method, pattern), deque()).extend(replies)

    def start(self) -> FakeServer:
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                request = Recorded(
                    self.command,
                    split.path,
                    parse_qs(split.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                try:
                    reply = server.dispatch(request)
                except Exception as exc:  # a broken fake must fail the test, not look like an outage
                    server.errors.append(f"{request.method} {request.path}: {exc!r}")
                    reply = Reply(599, {"error": {"message": "fake handler crashed"}})
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.body is not None:
                    payload, ctype = reply.body, reply.content_type or "application/octet-stream"
                else:
                    payload = json.dumps(reply.json if reply.json is not None else {}).encode()
                    ctype = reply.content_type or "application/json"
                if not isinstance(payload, bytes):
                    server.errors.append(f"reply body for {request.path} is not bytes")
                    payload = b""
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.stop()
        if self.errors and exc_type is None:
            raise AssertionError(f"fake server handler errors: {self.errors}")

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- dispatch -------------------------------------------------------------------------
    def dispatch(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            found = None
            for method, pattern, handler in self._routes:
                match = pattern.fullmatch(request.path)
                if method == request.method and match is not None:
                    found = (pattern, handler, match)
                    break
            if found is None:
                return Reply(404, {"error": {"message": f"no route for {request.method} {request.path}"}})
            queue = self._scripts.get((request.method, found[0].pattern))
            if queue:
                return queue.popleft()
        return found[1](request, found[2])

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.fullmatch(r.path)]


# ------------------------------------------------------------------------------- OpenAI


class FakeOpenAI(FakeServer):
    """OpenAI Images: POST /v1/images/generations (JSON) and /v1/images/edits (multipart)."""

    GENERATIONS = r"/v1/images/generations"
    EDITS = r"/v1/images/edits"

    def __init__(self) -> None:
        super().__init__()
        self.route("POST", self.GENERATIONS, self._generate)
        self.route("POST", self.EDITS, self._edit)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    @staticmethod
    def images_response(model: str, n: int, output_format: str = "png") -> dict[str, Any]:
        data = []
        for i in range(n):
            entry: dict[str, Any] = {"b64_json": b64(png_bytes(i))}
            if model.startswith("dall-e-3"):
                entry["revised_prompt"] = "a revised prompt"
            data.append(entry)
        body: dict[str, Any] = {"created": 1_700_000_000, "data": data}
        if not model.startswith("dall-e"):
            body.update(output_format=output_format, size="1024x1024", quality="low", background="opaque")
            body["usage"] = {
                "input_tokens": 10,
                "output_tokens": 100 * n,
                "total_tokens": 10 + 100 * n,
                "input_tokens_details": {"image_tokens": 0, "text_tokens": 10},
            }
        return body

    def _generate(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json()
        model = body.get("model", "dall-e-2")
        if model.startswith("dall-e") and body.get("response_format") != "b64_json":
            return Reply(json={"created": 1, "data": [{"url": self.url + "/files/out.png"}]})
        return Reply(
            json=self.images_response(model, int(body.get("n") or 1)), headers={"x-request-id": "req_fake_1"}
        )

    def _edit(self, request: Recorded, match: re.Match[str]) -> Reply:
        form = request.form()
        if "image" not in form and "image[]" not in form:
            return Reply(
                400,
                {
                    "error": {
                        "message": "image is required",
                        "type": "invalid_request_error",
                        "param": "image",
                        "code": None,
                    }
                },
            )
        model = form.get("model", [(None, b"dall-e-2")])[0][1].decode()
        n = int(form.get("n", [(None, b"1")])[0][1])
        return Reply(json=self.images_response(model, n))

    @staticmethod
    def content_policy() -> Reply:
        return Reply(
            400,
            {
                "error": {
                    "message": "Your request was rejected as a result of our safety system.",
                    "type": "image_generation_user_error",
                    "param": None,
                    "code": "moderation_blocked",
                }
            },
        )


# ------------------------------------------------------------------------------- OpenRouter


class FakeOpenRouter(FakeServer):
    """OpenRouter's POST /api/v1/images: base64 images, `media_type`, usage with cost."""

    IMAGES = r"/api/v1/images"

    def __init__(self) -> None:
        super().__init__()
        self.route("POST", self.IMAGES, self._images)

    @property
    def base_url(self) -> str:
        return self.url + "/api/v1"

    def _images(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json()
        if not body.get("model") or not body.get("prompt"):
            return Reply(400, {"error": {"code": 400, "message": "model and prompt are required"}})
        fmt = body.get("output_format", "png")
        data = [
            {"b64_json": b64(png_bytes(i)), "media_type": f"image/{fmt}"}
            for i in range(int(body.get("n", 1)))
        ]
        return Reply(
            json={
                "created": 1_700_000_000,
                "data": data,
                "usage": {"cost": 0.04, "prompt_tokens": 7, "completion_tokens": 1290},
            },
            headers={"x-generation-id": "gen-fake-1"},
        )

    @staticmethod
    def moderation() -> Reply:
        return Reply(
            403,
            {
                "error": {
                    "code": 403,
                    "message": "Input was flagged by moderation",
                    "metadata": {
                        "reasons": ["violence"],
                        "flagged_input": "a ...",
                        "provider_name": "OpenAI",
                        "model_slug": "openai/gpt-image-1",
                    },
                }
            },
        )


# ------------------------------------------------------------------------------- Replicate


class FakeReplicate(FakeServer):
    """Replicate predictions: create (official model or version), `Prefer: wait`, poll, cancel.

    `polls_needed` is how many GETs a prediction stays `processing` before it succeeds (0
    answers a `Prefer: wait` create with the finished prediction). `fail_with` makes
    predictions fail with that error text. Outputs are files served from /files/.
    """

    CREATE = r"/v1/models/([^/]+)/([^/]+)/predictions"
    CREATE_VERSION = r"/v1/predictions"
    GET = r"/v1/predictions/([^/]+)"
    CANCEL = r"/v1/predictions/([^/]+)/cancel"
    FILES = r"/files/(.+)"
    SINGLE_OUTPUT = {"black-forest-labs/flux-1.1-pro-ultra", "recraft-ai/recraft-v3"}

    def __init__(self, polls_needed: int = 0, fail_with: str | None = None) -> None:
        super().__init__()
        self.polls_needed = polls_needed
        self.fail_with = fail_with
        self.predictions: dict[str, dict[str, Any]] = {}
        self._polls: dict[str, int] = {}
        self._ids = itertools.count(1)
        self.files: dict[str, bytes] = {}
        self.route("POST", self.CREATE, self._create)
        self.route("POST", self.CREATE_VERSION, self._create)
        self.route("GET", self.GET, self._get)
        self.route("POST", self.CANCEL, self._cancel)
        self.route("GET", self.FILES, self._file)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def _create(self, request: Recorded, match: re.Match[str]) -> Reply:
        body = request.json()
        if not isinstance(body.get("input"), dict):
            return Reply(
                422,
                {
                    "title": "Input validation failed",
                    "status": 422,
                    "detail": "- input: input is required",
                    "invalid_fields": [],
                },
            )
        model = f"{match.group(1)}/{match.group(2)}" if match.groups() else "version"
        pid = f"pred{next(self._ids)}"
        prediction = {
            "id": pid,
            "model": model,
            "version": body.get("version", "hidden"),
            "input": body["input"],
            "logs": "",
            "output": None,
            "error": None,
            "status": "starting",
            "created_at": "2025-01-01T00:00:00Z",
            "urls": {
                "get": f"{self.url}/v1/predictions/{pid}",
                "cancel": f"{self.url}/v1/predictions/{pid}/cancel",
                "stream": f"{self.url}/stream/{pid}",
                "web": f"https://replicate.com/p/{pid}",
            },
        }
        self.predictions[pid] = prediction
        self._polls[pid] = 0
        wait = "wait" in request.headers.get("prefer", "")
        if wait and self.polls_needed == 0:
            self._finish(pid)
        return Reply(201, prediction, headers={"Location": prediction["urls"]["get"]})

    def _get(self, request: Recorded, match: re.Match[str]) -> Reply:
        pid = match.group(1)
        if pid not in self.predictions:
            return Reply(404, {"title": "Not found", "detail": "Not found.", "status": 404})
        prediction = self.predictions[pid]
        if prediction["status"] in ("starting", "processing"):
            self._polls[pid] += 1
            if self._polls[pid] > self.polls_needed:
                self._finish(pid)
            else:
                prediction["status"] = "processing"
        return Reply(200, prediction)

    def _cancel(self, request: Recorded, match: re.Match[str]) -> Reply:
        prediction = self.predictions[match.group(1)]
        if prediction["status"] in ("starting", "processing"):
            prediction["status"] = "canceled"
        return Reply(200, prediction)

    def _file(self, request: Recorded, match: re.Match[str]) -> Reply:
        data = self.files.get(match.group(1))
        if data is None:
            return Reply(404, body=b"not found", content_type="text/plain")
        ctype = "image/webp" if match.group(1).endswith(".webp") else "image/png"
        return Reply(body=data, content_type=ctype)

    def _finish(self, pid: str) -> None:
        prediction = self.predictions[pid]
        if self.fail_with:
            prediction.update(status="failed", error=self.fail_with)
            return
        count = int(prediction["input"].get("num_outputs", 1))
        urls = []
        for i in range(count):
            name = f"{pid}_{i}.png"
            self.files[name] = png_bytes(i)
            urls.append(f"{self.url}/files/{name}")
        output: Any = urls[0] if prediction["model"] in self.SINGLE_OUTPUT else urls
        prediction.update(
            status="succeeded",
            output=output,
            completed_at="2025-01-01T00:00:02Z",
            metrics={"predict_time": 0.5},
        )

    @staticmethod
    def throttled(retry_after: str = "0") -> Reply:
        return Reply(
            429,
            {
                "title": "Request was throttled",
                "status": 429,
                "detail": "Request was throttled. Expected available in 1 second.",
            },
            headers={"Retry-After": retry_after},
        )


# ------------------------------------------------------------------------------- Gemini


class FakeGemini(FakeServer):
    """Gemini `POST /v1beta/models/{model}:generateContent` answering with inline image data."""

    GENERATE = r"/v1beta/models/([^/:]+):generateContent"

    def __init__(self) -> None:
        super().__init__()
        self.route("POST", self.GENERATE, self._generate)

    @property
    def base_url(self) -> str:
        return self.url + "/v1beta"

    def _generate(self, request: Recorded, match: re.Match[str]) -> Reply:
        if not request.headers.get("x-goog-api-key"):
            return Reply(
                403,
                {
                    "error": {
                        "code": 403,
                        "message": "Method doesn't allow unregistered callers",
                        "status": "PERMISSION_DENIED",
                    }
                },
            )
        body = request.json()
        if not body.get("contents"):
            return Reply(
                400,
                {
                    "error": {
                        "code": 400,
                        "message": "contents is not specified",
                        "status": "INVALID_ARGUMENT",
                    }
                },
            )
        return Reply(
            json={
                "candidates": [
                    {
                        "content": {
                            "role": "model",
                            "parts": [
                                {"text": "Here is your image."},
                                {
                                    "inlineData": {
                                        "mimeType": "image/png",
                                        "data": b64(png_bytes(len(self.requests))),
                                    }
                                },
                            ],
                        },
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ],
                "usageMetadata": {
                    "promptTokenCount": 12,
                    "candidatesTokenCount": 1290,
                    "totalTokenCount": 1302,
                },
                "modelVersion": match.group(1),
                "responseId": f"resp-{len(self.requests)}",
            }
        )

    @staticmethod
    def blocked_prompt() -> Reply:
        return Reply(
            json={
                "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
                "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
            }
        )

    @staticmethod
    def image_safety() -> Reply:
        return Reply(
            json={
                "candidates": [
                    {"content": {"role": "model", "parts": []}, "finishReason": "IMAGE_SAFETY", "index": 0}
                ]
            }
        )

    @staticmethod
    def exhausted(retry_delay: str = "0s") -> Reply:
        return Reply(
            429,
            {
                "error": {
                    "code": 429,
                    "message": "Resource has been exhausted (e.g. check quota).",
                    "status": "RESOURCE_EXHAUSTED",
                    "details": [
                        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}
                    ],
                }
            },
        )


# ------------------------------------------------------------------------------- helpers


def fast_config(**overrides: Any) -> Any:
    """An `ImageBackendConfig` with test-sized delays (backoff, polling, timeouts)."""
    from models.image.config import ImageBackendConfig

    values: dict[str, Any] = {
        "timeout_s": 5.0,
        "max_retries": 2,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "poll_interval_s": 0.02,
        "replicate_wait_s": 5,
    }
    values.update(overrides)
    return ImageBackendConfig(**values)


def closed_port_url() -> str:
    """A loopback URL nothing listens on (a provider that is down)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run_image_model(model_id: str, options: Any, deadline: float = 10, **config: Any) -> Any:
    """Create `model_id` through the registry with `fast_config(**config)`, run one generate, close it."""
    import asyncio

    from models.image import create_image_model

    backend = create_image_model(model_id, fast_config(**config))

    async def go() -> Any:
        try:
            return await backend.generate(options, deadline_s=deadline)
        finally:
            await backend.aclose()

    return asyncio.run(go())
