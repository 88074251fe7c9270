"""The tables of the service's database, as SQLAlchemy Core metadata: what the stores query
and what the Alembic migrations (`app/migrations/`) build. They are today's SQLite tables
column for column, so an existing data directory is stamped, not rebuilt (`app/migrate.py`).

Bodies are msgpack blobs (`LargeBinary`: BLOB on SQLite, BYTEA on Postgres); stamps are ISO
8601 text in UTC with milliseconds, which compare as text.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, LargeBinary, MetaData, Table, Text, text

metadata = MetaData()

jobs = Table(
    "jobs",
    metadata,
    Column("job_id", Text, primary_key=True),
    Column("job_type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Index("jobs_status", "status"),
    Index("jobs_created", "created_at"),
)

assets = Table(
    "assets",
    metadata,
    Column("asset_id", Text, primary_key=True),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("job_id", Text),  # the job that generated it (None: an upload)
    Index(
        "assets_job_created",
        "job_id",
        "created_at",
        sqlite_where=text("job_id IS NOT NULL"),
        postgresql_where=text("job_id IS NOT NULL"),
    ),
)

asset_descriptions = Table(
    "asset_descriptions",
    metadata,
    Column("asset_id", Text, primary_key=True),
    Column("describer", Text, primary_key=True),
    Column("body", LargeBinary, nullable=False),
)

style_models = Table(
    "style_models",
    metadata,
    Column("model_id", Text, primary_key=True),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", Text, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_id", Text, primary_key=True),
    Column("job_id", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("event", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=False, server_default=text("''")),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    # the sender holding the row (sending it, or waiting to retry) and until when; past that
    # moment any replica's sender may claim it (`app/webhooks.py`)
    Column("claimed_by", Text),
    Column("claimed_until", Text),
    Index("webhook_deliveries_status", "status"),
    Index("webhook_deliveries_created", "created_at"),
)

# Short-lived marks of the SAQ job queue on Postgres (`app/queue_marks.py`): a live process's
# lease on a job it runs, a caller's cancel; `expires_at` in seconds since the epoch
queue_marks = Table(
    "queue_marks",
    metadata,
    Column("key", Text, primary_key=True),
    Column("expires_at", Float, nullable=False),
)
