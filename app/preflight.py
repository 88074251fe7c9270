"""Before a start (`serve`, `worker`): the engines the settings name answer, or the start stops
with one line that says which one and why, instead of a traceback from the lifespan.

Checked: the Postgres database (`PROMPTGEN_DATABASE_URL`), the job queue (`PROMPTGEN_QUEUE_URL`:
Redis or Postgres), the shared result cache and rate limiter (`PROMPTGEN_CACHE_URL`,
`PROMPTGEN_RATE_LIMIT_URL`: Redis). Each gets `TIMEOUT_S` to connect. The embedded profile names
none of them and checks nothing. Credentials never reach the message.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit, urlunsplit

from app.settings import Settings, plain_postgres_url

TIMEOUT_S = 5.0


def without_password(url: str) -> str:
    """`url` with its password shown as `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))


async def _postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(plain_postgres_url(url), timeout=TIMEOUT_S)
    await conn.close()


async def _redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
    try:
        await client.ping()
    finally:
        await client.aclose()


def engines(settings: Settings) -> list[tuple[str, str]]:
    """(what, URL) of every engine the settings name."""
    found = []
    if settings.database_url.startswith(("postgres://", "postgresql")):
        found.append(("the database", settings.database_url))
    if settings.queue_url:
        found.append(("the job queue", settings.queue_target))
    if settings.cache_url:
        found.append(("the shared result cache", settings.cache_url))
    if settings.rate_limit_url:
        found.append(("the shared rate limiter", settings.rate_limit_url))
    return found


async def _check(what: str, url: str) -> str | None:
    probe = _postgres if url.startswith(("postgres://", "postgresql")) else _redis
    try:
        await asyncio.wait_for(probe(url), TIMEOUT_S * 2)
    except Exception as exc:  # any failure to reach it is the answer
        reason = str(exc).replace(url, without_password(url)) or type(exc).__name__
        return f"{what} at {without_password(url)} cannot be reached ({type(exc).__name__}: {reason})"
    return None


def unreachable(settings: Settings) -> list[str]:
    """One line per engine that does not answer (empty: all do, or none is configured)."""
    named = engines(settings)
    if not named:
        return []

    async def run() -> list[str]:
        found = await asyncio.gather(*(_check(what, url) for what, url in named))
        return [line for line in found if line]

    return asyncio.run(run())
