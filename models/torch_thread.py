"""One thread for the process's CPU torch work.

Each OS thread that runs a parallel torch operation gets its own OpenMP team. Once a second
team exists on this 2-core machine, libgomp counts more managed threads than CPUs and stops
spinning between parallel regions, so every one of a decoding step's ~500 small operations
pays a wake-up: batch-one decoding lost a large part of its speed for the rest of the process
after a single `torch.rand(...).sum()` on another thread (`asyncio.to_thread` picks any thread
of its pool). So the local language model, its loading and the local image describer all run
their torch work here, one team for the whole process.

The thread starts on first use (`run` or `call`), not at import: importing a backend starts
nothing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None
_ident: int | None = None  # the torch thread's, once it runs
_start_lock = threading.Lock()


def _mark() -> None:
    global _ident
    _ident = threading.get_ident()


def _pool() -> ThreadPoolExecutor:
    """The one-thread executor, made on the first call; its thread starts with the first task
    and records its ident before running any (`_mark`)."""
    global _executor
    if _executor is None:
        with _start_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="promptgen-torch", initializer=_mark
                )
    return _executor


async def run(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on the torch thread, awaited without blocking the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_pool(), fn, *args)


def call(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on the torch thread, from synchronous code (directly when already on it)."""
    if _ident is not None and threading.get_ident() == _ident:
        return fn(*args)
    return _pool().submit(fn, *args).result()
