"""Which deployment profile a configuration makes, and on which engines (`python -m app config`).

embedded     one process on one machine: the SQLite file, jobs as tasks of the process,
             a blob folder, SQLite rate limits, all in the data directory (`make run`)
distributed  replicas sharing engines: Postgres (`PROMPTGEN_DATABASE_URL`), SAQ on Redis or
             on Postgres (`PROMPTGEN_QUEUE_URL`), S3-compatible blobs (`PROMPTGEN_BLOB_URL`), and Redis
             rate limits (`PROMPTGEN_RATE_LIMIT_URL`) when rate limits are on
mixed        some of those shared, some not: one replica runs; a second would not see
             what the unshared parts hold (`local` names them)
"""

from __future__ import annotations

import msgspec

from app.settings import Settings, plain_postgres_url


class Engine(msgspec.Struct, kw_only=True):
    """One part of the service and what keeps it."""

    part: str
    engine: str
    setting: str
    shared: bool


class Profile(msgspec.Struct, kw_only=True):
    name: str
    engines: list[Engine]
    local: list[str]  # parts only this machine sees


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""


def _queue_on(settings: Settings) -> str:
    """The queue's engine, and for Postgres whether it is the service's database."""
    if settings.queue_engine != "postgres":
        return settings.queue_engine
    same = settings.queue_target == plain_postgres_url(settings.database_url)
    return "postgres (the database's)" if same else "postgres"


def describe(settings: Settings) -> Profile:
    """The profile `settings` make (see the module docstring)."""
    db = _scheme(settings.database_url)
    engines = [
        Engine(
            part="database",
            engine="postgresql" if db.startswith("postgres") else "sqlite",
            setting="PROMPTGEN_DATABASE_URL",
            shared=db.startswith("postgres"),
        ),
        Engine(
            part="jobs",
            engine=f"saq on {_queue_on(settings)}, workers {settings.workers}"
            if settings.queue_url
            else "in-process",
            setting="PROMPTGEN_QUEUE_URL",
            shared=bool(settings.queue_url),
        ),
        Engine(
            part="blobs",
            engine="s3" if settings.blob_url.startswith("s3://") else "folder",
            setting="PROMPTGEN_BLOB_URL",
            shared=settings.blob_url.startswith("s3://"),
        ),
    ]
    if settings.rate_limit_per_minute > 0:
        engines.append(
            Engine(
                part="rate limits",
                engine="redis" if settings.rate_limit_url else settings.rate_limit_store,
                setting="PROMPTGEN_RATE_LIMIT_URL",
                shared=bool(settings.rate_limit_url),
            )
        )
    engines.append(
        Engine(
            part="result cache",
            engine="redis" if settings.cache_url else "memory",
            setting="PROMPTGEN_CACHE_URL",
            shared=bool(settings.cache_url),
        )
    )
    # the result cache is an optimisation: a replica without a shared one still answers right
    local = [e.part for e in engines if not e.shared and e.part != "result cache"]
    needed = [e for e in engines if e.part != "result cache"]
    name = "embedded" if all(not e.shared for e in needed) else "distributed" if not local else "mixed"
    return Profile(name=name, engines=engines, local=local)


def profile_lines(profile: Profile) -> list[str]:
    """The profile as comment lines (a `.env` file ignores them)."""
    lines = [f"# profile: {profile.name}"]
    for e in profile.engines:
        lines.append(f"#   {e.part}: {e.engine} ({e.setting}{', shared' if e.shared else ''})")
    if profile.name == "mixed":
        lines.append(f"#   not shared between replicas: {', '.join(profile.local)}")
    return lines
