"""Schema migrations (Alembic, `app/migrations/`): `upgrade` brings a database to the newest
revision; the embedded profile runs it at every start, `python -m app migrate` runs it for a
shared database (`alembic upgrade head` with the repository's `alembic.ini` does the same).

A data directory today's code built before migrations existed has the tables and no
`alembic_version`: it is adopted once, losing nothing: the tables and indexes that code
created lazily are completed (`CREATE ... IF NOT EXISTS`, the `assets.job_id` column filled as
that code did), then stamped at the baseline revision, and later revisions apply on top.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from app.db import Database

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema of the last release without migrations
KNOWN_TABLES = {"jobs", "assets", "asset_descriptions", "style_models", "webhook_deliveries"}
JOB_ASSET_NAME = re.compile(r"(job_[0-9a-f]{24})-\d+")  # how the chain names what it generates

# The DDL the stores ran before migrations: completes a data directory that has only some of it.
LEGACY_DDL = (
    """CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, job_type TEXT NOT NULL,
        status TEXT NOT NULL, body BLOB NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status)",
    "CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at)",
    "CREATE TABLE IF NOT EXISTS assets (asset_id TEXT PRIMARY KEY, body BLOB NOT NULL, created_at TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS asset_descriptions (asset_id TEXT NOT NULL, describer TEXT NOT NULL,
        body BLOB NOT NULL, PRIMARY KEY (asset_id, describer))""",
    "CREATE TABLE IF NOT EXISTS style_models (model_id TEXT PRIMARY KEY, body BLOB NOT NULL, created_at TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS webhook_deliveries (delivery_id TEXT PRIMARY KEY, job_id TEXT NOT NULL,
        url TEXT NOT NULL, event TEXT NOT NULL, body BLOB NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_status ON webhook_deliveries(status)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_created ON webhook_deliveries(created_at)",
)


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(db: Database) -> None:
    """Adopt a database built before migrations (once), then upgrade it to the newest revision."""
    async with db.transaction("migrating the database") as conn:
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
    """Complete the schema of a database today's code built (SQLite: the only engine it ran on)."""
    for statement in LEGACY_DDL:
        connection.execute(text(statement))
    columns = {c["name"] for c in inspect(connection).get_columns("assets")}
    if "job_id" not in columns:  # the upgrade the asset store made in place, before migrations
        connection.execute(text("ALTER TABLE assets ADD COLUMN job_id TEXT"))
        for asset_id, job_id in _job_assets(connection):
            connection.execute(
                text("UPDATE assets SET job_id = :job WHERE asset_id = :asset"), {"job": job_id, "asset": asset_id}
            )
    connection.execute(
        text("CREATE INDEX IF NOT EXISTS assets_job_created ON assets(job_id, created_at) WHERE job_id IS NOT NULL")
    )


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
