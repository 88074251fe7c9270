"""Clean-up that must not stop halfway, whatever cancels its caller.

`asyncio.shield` protects an awaitable from one cancellation of its caller, but the caller
still stops waiting: a second cancel (a job canceled, then its process stopping) lets the
process close its stores and exit while the clean-up runs, leaving, say, an asset's row deleted
and its blob kept. `settle` waits for the awaitable to end however often the caller is
canceled, then passes the cancellation on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def settle(awaitable: Awaitable[T]) -> T:
    """Await `awaitable` to its end (result or exception) even when the caller is canceled,
    once or many times; a cancellation that arrived meanwhile is raised after it ends."""
    task = asyncio.ensure_future(awaitable)
    canceled = False
    while True:
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():  # the awaitable itself was canceled (or raised CancelledError)
                raise
            canceled = True
            continue
        break
    if canceled:
        raise asyncio.CancelledError
    return result
