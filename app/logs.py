"""Structured logs and the request observer.

- `JsonFormatter`: one JSON object per line (`ts`, `level`, `logger`, `msg`, the request id of
  the request being served, and the record's extra fields); `TextFormatter`: one line a person
  reads (time, level, logger, message, an access line's duration, the request id).
  `configure_logging` installs one of them on the root logger; `auto` (the default of
  `PROMPTGEN_LOG_FORMAT`) picks text when the stream is a terminal and JSON otherwise.
- Secrets never reach a log line: every formatter here replaces the configured secrets (API
  keys, provider keys, the webhook secret; `register_secrets`) and anything that looks like an
  `Authorization` credential with `***`, whatever code logged them.
- `RequestObserver` wraps the whole application (every response, 404s and 401s included):
  it honours a well-formed incoming `X-Request-ID` (else makes one), echoes it on the
  response, keeps it in a context variable for the log records of the request, writes one
  access line per request (method, route, status, duration, key id; never a body, a header
  value or a query string), and records the request in `Metrics`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import STATE_KEY_ID
from app.metrics import Metrics

access_log = logging.getLogger("app.access")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

HEADER = b"x-request-id"
VALID_ID = re.compile(r"^[A-Za-z0-9._:@+=-]{1,128}$")
CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=:-]+")
_SECRETS: set[str] = set()
# LogRecord attributes that are not "extra" fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}


def register_secrets(values: Iterable[str]) -> None:
    """Strings no log line may contain (keys of comma lists and `key:secret` pairs too)."""
    for value in values:
        for entry in value.split(","):
            entry = entry.strip()
            if len(entry) >= 4:
                _SECRETS.add(entry)
            for part in entry.split(":"):  # each half of a `key:secret` pair
                if len(part.strip()) >= 8 and part.strip().lower() != "sha256":
                    _SECRETS.add(part.strip())


def redact(text: str) -> str:
    text = CREDENTIAL.sub(lambda m: f"{m.group(1)} ***", text)
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per record, secrets redacted."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """One line a person reads: `12:04:31 INFO  app.access  POST /v1/generate/prompt 200 (41.2 ms)
    [request id]`, secrets redacted."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-5s %(name)s  %(message)s", datefmt="%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        duration = getattr(record, "duration_ms", None)
        if isinstance(duration, int | float):
            line = f"{line} ({duration:g} ms)"
        rid = request_id.get()
        return f"{line} [{rid}]" if rid else line

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))  # the traceback too


def resolve_format(fmt: str, stream: TextIO) -> str:
    """`json` or `text`: `auto` (or empty) is text on a terminal, JSON otherwise."""
    fmt = fmt.strip().lower()
    if fmt in ("", "auto"):
        isatty = getattr(stream, "isatty", None)
        return "text" if callable(isatty) and isatty() else "json"
    return "json" if fmt == "json" else "text"


def configure_logging(level: str = "INFO", fmt: str = "json", stream: TextIO | None = None) -> None:
    """Route every logger (uvicorn's too) through one handler on the root logger, in `fmt`
    (`json`, `text`, or `auto`: see `resolve_format`)."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if resolve_format(fmt, stream) == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)  # the root's level decides (uvicorn.run may set its own after)
        logger.disabled = False
        logger.propagate = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            text = value.decode("latin-1").strip()
            return text if VALID_ID.match(text) else None
    return None


class RequestObserver:
    """Wraps the application; see the module docstring."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or secrets.token_hex(12)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails without answering
        self.metrics.in_flight += 1

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message["headers"] = [*headers, (HEADER, rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.metrics.in_flight -= 1
            seconds = time.perf_counter() - started
            route = str(scope.get("path_template") or "unmatched")
            method = str(scope.get("method", ""))
            self.metrics.observe(method, route, status, seconds)
            client = scope.get("client")
            access_log.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "event": "request",
                    "method": method,
                    "route": route,
                    "path": str(scope.get("path", ""))[:300],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "key_id": scope.get("state", {}).get(STATE_KEY_ID),
                    "client": str(client[0]) if client else None,
                },
            )
            request_id.reset(token)
