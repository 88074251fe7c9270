"""Schema migrations (Alembic, `app/migrations/`): `upgrade` brings a database to the newest
revision; the embedded profile runs it at every start, `python -m app migrate` runs it for a
shared database (`alembic upgrade head` with the repository's `alembic.ini` does the same).

A data directory the code before migrations built has the tables and no `alembic_version`: it
is adopted once, losing nothing. Each of its tables is rebuilt as revision 0001 has it
(`migrations/baseline.py`; SQLite had let their text primary keys be NULL) and its rows are
copied over, the `assets.job_id` column that code added in place is filled the way it filled
it, missing tables are created; then the database is stamped at 0001 and the later revisions
apply on top. All of it in one transaction.

Concurrent starts do not race: SQLite takes its write lock first (`BEGIN IMMEDIATE`), Postgres
an advisory lock for the transaction.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import msgspec
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.migrations.baseline import metadata

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema of the last release without migrations
KNOWN_TABLES = {"jobs", "assets", "asset_descriptions", "style_models", "webhook_deliveries"}
JOB_ASSET_NAME = re.compile(r"(job_[0-9a-f]{24})-\d+")  # how the chain names what it generates


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


ADVISORY_LOCK = 0x70726F6D  # Postgres: one migration at a time across replicas


async def upgrade(conn: AsyncConnection) -> None:
    """Adopt a database built before migrations (once), then upgrade it to the newest revision,
    in the transaction open on `conn` (`app.db.Database.migrate`)."""
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql("BEGIN IMMEDIATE")  # DDL included: all or nothing
    else:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
    await conn.run_sync(_upgrade)


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables and tables & KNOWN_TABLES:
        _adopt(connection)
        command.stamp(config, BASELINE)
        log.info("adopted the existing database at schema revision %s", BASELINE)
    command.upgrade(config, "head")


def _adopt(connection: Connection) -> None:
    """Bring a database today's code built (SQLite: the only engine it ran on) to the baseline."""
    existing = set(inspect(connection).get_table_names())
    if "assets" in existing and "job_id" not in {
        c["name"] for c in inspect(connection).get_columns("assets")
    }:
        # the upgrade the asset store made in place, before migrations
        connection.execute(text("ALTER TABLE assets ADD COLUMN job_id TEXT"))
        for asset_id, job_id in _job_assets(connection) if "jobs" in existing else []:
            connection.execute(
                text("UPDATE assets SET job_id = :job WHERE asset_id = :asset"),
                {"job": job_id, "asset": asset_id},
            )
    for name in sorted(KNOWN_TABLES & existing):
        table = metadata.tables[name]
        old = inspect(connection)
        for index in old.get_indexes(name):
            connection.execute(text(f'DROP INDEX IF EXISTS "{index["name"]}"'))
        connection.execute(text(f'ALTER TABLE "{name}" RENAME TO "{name}_before_migrations"'))
        table.create(connection)
        columns = ", ".join(f'"{c.name}"' for c in table.columns)
        connection.execute(
            text(f'INSERT INTO "{name}" ({columns}) SELECT {columns} FROM "{name}_before_migrations"')
        )
        connection.execute(text(f'DROP TABLE "{name}_before_migrations"'))
    metadata.create_all(connection, checkfirst=True)  # the tables that code had not made yet


def _job_assets(connection: Connection) -> list[tuple[str, str]]:
    """(asset, job) for the assets jobs generated (named `<job id>-<n>` by a job on record)."""

    class Named(msgspec.Struct):
        name: str = ""

    decoder = msgspec.msgpack.Decoder(Named)
    jobs = {row[0] for row in connection.execute(text("SELECT job_id FROM jobs"))}
    found = []
    for asset_id, body in connection.execute(text("SELECT asset_id, body FROM assets")):
        match = JOB_ASSET_NAME.fullmatch(_name(decoder, body))
        if match and match[1] in jobs:
            found.append((asset_id, match[1]))
    return found


def _name(decoder: Any, body: bytes) -> str:
    try:
        return str(decoder.decode(body).name)
    except msgspec.DecodeError:
        return ""
