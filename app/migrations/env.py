"""Alembic's entry: migrations run on the connection `app.migrate` hands over (the service,
`python -m app migrate`), or, from the `alembic` command, on `-x url=...`, else
`PROMPTGEN_DATABASE_URL`, else the embedded SQLite file of the configured data directory.

SAQ's own tables (`saq_*`, made by SAQ when the job queue is in this database,
`PROMPTGEN_QUEUE_URL=database`) are SAQ's to migrate: autogenerate and `alembic check` leave
them out."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import configured_url, database_url
from app.schema import metadata

config = context.config
SAQ_TABLES = "saq_"  # saq_jobs, saq_stats, saq_versions


def ours(name: str | None, type_: str, _parent: Any) -> bool:
    """Whether a database object is the service's (SAQ's tables are not)."""
    return not (type_ == "table" and (name or "").startswith(SAQ_TABLES))


def run(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, include_name=ours
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


def target_url() -> str:
    given = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if given:
        return database_url(given)
    from app.settings import load_settings

    settings = load_settings()
    return configured_url(settings.database_url, settings.data_path)


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
elif context.is_offline_mode():
    context.configure(url=target_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_on(target_url()))
