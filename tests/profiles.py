"""The two deployment profiles a contract suite runs on, in-process through the same `client`.

    embedded      the SQLite file, jobs as tasks of the process, a blob folder (the default)
    distributed   Postgres (tests/pg.py), SAQ on Redis with the worker in the process, the
                  result cache on that Redis, blobs in S3 (moto): tests/engines.py
    pg-queue      the same with SAQ's Postgres queue in the database instead of Redis
                  (`PROMPTGEN_QUEUE_URL=database`)

A module runs its tests on the embedded and the distributed profile with `pytestmark =
ON_EVERY_PROFILE` (or a test with the mark); `ON_EVERY_QUEUE` adds `pg-queue`, for the tests
of what the queue engine decides (jobs: progress, cancel). The `profile` fixture takes the
profile's name, `profile_settings` the settings that
make it, which `settings` (tests/conftest.py) applies, and `with_profile` applies to settings a
module builds itself. The engines are started once per session, with one migrated database per
distributed profile; each test starts on emptied tables (TRUNCATE: a database per test would
cost a copy of Postgres's ~7 MB template each), a flushed Redis and a bucket prefix of its own. Without the engines the distributed variants skip saying why, except
under `make test` (`PROMPTGEN_TEST_ENGINES=required`), where they fail.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from app.settings import Settings
from tests.engines import S3_KEY, S3_SECRET, new_bucket, redis_server, s3_server
from tests.pg import REQUIRED, require_postgres

PROFILES = ("embedded", "distributed")
QUEUES = (*PROFILES, "pg-queue")
ON_EVERY_PROFILE = pytest.mark.parametrize("profile", PROFILES, indirect=True)
ON_EVERY_QUEUE = pytest.mark.parametrize("profile", QUEUES, indirect=True)
PROFILES_ON_ENGINES = ("distributed", "pg-queue")


class Engines(msgspec.Struct, kw_only=True):
    databases: dict[str, str]  # profile -> the URL of its database (the newest schema, SAQ's tables)
    redis_url: str
    endpoint: str  # the S3 server
    bucket: str


def require_engines() -> None:
    """Skip (or under `make test` fail) the calling test when an engine cannot start here."""
    require_postgres()
    if shutil.which("redis-server") is None:
        reason = "the distributed profile's tests need redis-server (make system-deps)"
        if os.environ.get(REQUIRED) == "required":
            pytest.fail(reason)
        pytest.skip(reason)


async def _sql(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _empty(url: str) -> None:
    """Every row of the database's tables gone (the schema's version kept)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('alembic_version', 'saq_versions')"
        )
        await conn.execute(f"TRUNCATE {', '.join(chr(34) + t['tablename'] + chr(34) for t in tables)}")
    finally:
        await conn.close()


def _database(server: str, name: str) -> str:
    return server.rsplit("/", 1)[0] + "/" + name


async def _build(url: str) -> None:
    """The service's schema (its migrations) and SAQ's tables, as a start would make them."""
    from app.db import open_database
    from app.saq_postgres import SweptPostgresQueue
    from app.settings import plain_postgres_url

    db = await open_database(url)
    await db.close()
    queue = SweptPostgresQueue(url=plain_postgres_url(url), name="template", min_size=1, max_size=2)
    await queue.connect()
    await queue.disconnect()


@pytest.fixture(scope="session")
def distributed_engines(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engines]:
    require_engines()
    server = str(request.getfixturevalue("postgres_server"))
    databases = {}
    for name in PROFILES_ON_ENGINES:
        database = f"profile_{name.replace('-', '_')}_{secrets.token_hex(4)}"
        asyncio.run(_sql(server, f'CREATE DATABASE "{database}"'))
        databases[name] = _database(server, database)
        asyncio.run(_build(databases[name]))
    with redis_server(tmp_path_factory.mktemp("profile-redis")) as redis_url, s3_server() as endpoint:
        yield Engines(
            databases=databases,
            redis_url=redis_url,
            endpoint=endpoint,
            bucket=new_bucket(endpoint),
        )


PROFILE_VARIABLE = "PROMPTGEN_TEST_PROFILE"  # the profile of every other test using `settings`


@pytest.fixture
def profile(request: pytest.FixtureRequest) -> str:
    """The profile this test runs on: the one `ON_EVERY_PROFILE` / `ON_EVERY_QUEUE` gives it,
    else `PROMPTGEN_TEST_PROFILE` (`distributed` or `pg-queue` runs every test built on the
    `settings` fixture on those engines: an exploration, not part of `make test`), else
    `embedded`."""
    chosen = getattr(request, "param", None) or os.environ.get(PROFILE_VARIABLE) or "embedded"
    if chosen not in QUEUES:
        raise pytest.UsageError(f"{PROFILE_VARIABLE}={chosen}: one of {', '.join(QUEUES)}")
    return str(chosen)


@pytest.fixture
def profile_settings(profile: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The settings that make `profile` (none for the embedded one), on engines of its own."""
    if profile == "embedded":
        return {}
    engines: Engines = request.getfixturevalue("distributed_engines")
    asyncio.run(_empty(engines.databases[profile]))
    values = {
        "database_url": engines.databases[profile],
        "blob_url": f"s3://{engines.bucket}/{secrets.token_hex(6)}",
        "blob_endpoint": engines.endpoint,
        "blob_access_key_id": S3_KEY,
        "blob_secret_access_key": S3_SECRET,
        "workers": "in-process",
    }
    if profile == "pg-queue":
        return {**values, "queue_url": "database"}
    import redis

    with redis.Redis.from_url(engines.redis_url) as client:
        client.flushdb()  # the previous test's queue and cache entries
    return {**values, "queue_url": engines.redis_url, "cache_url": engines.redis_url}


def with_profile(settings: Settings, values: dict[str, Any]) -> Settings:
    """`settings` on the profile `values` make (`profile_settings`), checked as at a start."""
    if not values:
        return settings
    fields = msgspec.structs.asdict(settings)
    return msgspec.convert({**fields, **values}, Settings, strict=False)
