"""`python -m app worker`: a process that runs queued jobs and serves no HTTP.

It is the service's lifespan (`app.server.create_app`: database, blob store, language model,
image backends, webhooks) with the queue's worker on (`PROMPTGEN_WORKERS=in-process` for this
process, whatever the replicas say), held open until SIGTERM or SIGINT. Only the distributed
profile has a queue another process can feed (`PROMPTGEN_QUEUE_URL`).
"""

from __future__ import annotations

import asyncio
import signal
import sys

import msgspec

from app.settings import Settings


def run_worker(settings: Settings) -> int:
    if not settings.queue_url:
        print(
            "promptgen: a worker needs a shared queue: set PROMPTGEN_QUEUE_URL=redis://..., postgresql://... "
            "or database (without it, jobs run inside `python -m app serve`)",
            file=sys.stderr,
        )
        return 2
    from app.logs import configure_logging, register_secrets
    from app.settings import SECRET_FIELDS

    register_secrets(str(getattr(settings, name)) for name in SECRET_FIELDS if getattr(settings, name, ""))
    configure_logging(settings.log_level, settings.log_format)
    from app.preflight import unreachable

    if down := unreachable(settings):  # an engine that does not answer: one line each, no traceback
        for line in down:
            print(f"promptgen: cannot start: {line}", file=sys.stderr)
        return 1
    asyncio.run(_work(msgspec.structs.replace(settings, workers="in-process")))
    return 0


async def _work(settings: Settings) -> None:
    from app.server import create_app

    app = create_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with app.lifespan():
        await stop.wait()
