"""The deadline of the request being served, for the layers below the one that knows it.

The HTTP layer (`app.limits`) sets `request_deadline` (a `time.monotonic()` instant) around
each request; the service waits for a loading model within it, and the local model lets a
request whose rows run alone decode on until it (see `models/lm/local.py`). Unset (the CLI, a
test calling the service directly), each falls back to its own settings.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

request_deadline: ContextVar[float | None] = ContextVar("promptgen_request_deadline", default=None)


def remaining(default: float | None = None) -> float | None:
    """Seconds left before the current request's deadline (never negative); `default` when
    no deadline is set."""
    deadline = request_deadline.get()
    if deadline is None:
        return default
    return max(0.0, deadline - time.monotonic())
