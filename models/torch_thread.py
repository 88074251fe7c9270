"""One thread for the process's CPU torch work.

Each OS thread that runs a parallel torch operation gets its own OpenMP team. Once a second
team exists on this 2-core machine, libgomp counts more managed threads than CPUs and stops
spinning between parallel regions, so every one of a decoding step's ~500 small operations
pays a wake-up: measured here, batch-one decoding fell from 27 to 16 tokens/s for the rest of
the process after a single `torch.rand(...).sum()` on another thread (`asyncio.to_thread` picks
any thread of its pool). So the local language model, its loading and the local image
describer all run their torch work here, one team for the whole process.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="promptgen-torch")
_ident: int | None = None


def _mark() -> None:
    global _ident
    _ident = threading.get_ident()


_executor.submit(_mark).result()


async def run(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on the torch thread, awaited without blocking the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_executor, fn, *args)


def call(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on the torch thread, from synchronous code (directly when already on it)."""
    if threading.get_ident() == _ident:
        return fn(*args)
    return _executor.submit(fn, *args).result()
