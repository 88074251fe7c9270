"""Log lines: text a person reads on a terminal, JSON lines otherwise (`PROMPTGEN_LOG_FORMAT=auto`,
the default), secrets redacted in both."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from app.logs import configure_logging, register_secrets, request_id, resolve_format
from app.settings import Settings

SECRET = "sk-log-format-test-0123456789"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_the_default_is_auto() -> None:
    assert Settings().log_format == "auto"


@pytest.mark.parametrize(
    ("fmt", "tty", "chosen"),
    [
        ("auto", True, "text"),
        ("auto", False, "json"),
        ("", True, "text"),
        ("json", True, "json"),
        ("text", False, "text"),
    ],
)
def test_auto_is_text_on_a_terminal_and_json_otherwise(fmt: str, tty: bool, chosen: str) -> None:
    assert resolve_format(fmt, Terminal() if tty else io.StringIO()) == chosen


def emit(stream: io.StringIO, fmt: str) -> str:
    configure_logging("INFO", fmt, stream)
    register_secrets([SECRET])
    token = request_id.set("rid-42")
    try:
        logging.getLogger("app.access").info(
            "POST %s 200 key=%s", "/v1/generate/prompt", SECRET, extra={"duration_ms": 41.25}
        )
    finally:
        request_id.reset(token)
    return stream.getvalue()


def test_on_a_terminal_a_line_reads_as_text_with_duration_and_request_id(restore_root: None) -> None:
    line = emit(Terminal(), "auto").strip()
    assert line.endswith("INFO  app.access  POST /v1/generate/prompt 200 key=*** (41.25 ms) [rid-42]")
    assert line[:8].count(":") == 2  # HH:MM:SS
    assert SECRET not in line


def test_through_a_pipe_a_line_is_json_with_the_secret_redacted(restore_root: None) -> None:
    text = emit(io.StringIO(), "auto")
    entry = json.loads(text)
    assert entry["request_id"] == "rid-42" and entry["duration_ms"] == 41.25
    assert SECRET not in text and "***" in entry["msg"]


def test_a_traceback_in_text_is_redacted_too(restore_root: None) -> None:
    stream = Terminal()
    configure_logging("INFO", "text", stream)
    register_secrets([SECRET])
    try:
        raise RuntimeError(f"upstream refused {SECRET}")
    except RuntimeError:
        logging.getLogger("x").exception("failed")
    assert "RuntimeError: upstream refused ***" in stream.getvalue() and SECRET not in stream.getvalue()
