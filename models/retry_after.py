"""How long an upstream asks us to wait: `retry-after-ms`, or `Retry-After` in seconds or as an
HTTP date (RFC 9110 10.2.3), read the same way by every backend that talks HTTP. An upstream
that gives none, or one that cannot be read, leaves the choice to the caller
(`DEFAULT_RETRY_AFTER_S` where a number must be given)."""

from __future__ import annotations

import datetime
import email.utils
import math
import time
from collections.abc import Mapping

DEFAULT_RETRY_AFTER_S = 5  # what a 503 says when the upstream said nothing usable


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` (seconds or an HTTP date); None
    when absent or unreadable."""
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms:
        try:
            value = float(raw_ms) / 1000.0
            if math.isfinite(value):
                return max(0.0, value)
        except ValueError:
            pass
    raw = (lowered.get("retry-after") or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
        return max(0.0, value) if math.isfinite(value) else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # the asctime form carries no zone: HTTP dates are GMT
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, when.timestamp() - time.time())


def retry_after_seconds(headers: Mapping[str, str] | None, default: int = DEFAULT_RETRY_AFTER_S) -> int:
    """Whole seconds for a `Retry-After` of our own: the upstream's, rounded up (at least 1), or
    `default` when it gave none or one that cannot be read."""
    seconds = parse_retry_after(headers) if headers is not None else None
    return default if seconds is None else max(1, math.ceil(seconds))
