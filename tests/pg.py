"""A throwaway Postgres for tests: Debian's `postgresql` package (`make system-deps`),
`initdb` + `pg_ctl` in a temporary folder, listening on 127.0.0.1 at a free port, run as the
`postgres` user when the tests run as root. One server per test session; `pg_url` gives each
test a database of its own."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRED = "PROMPTGEN_TEST_ENGINES"  # `required` (make test): a missing engine fails, never skips


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )


def _missing() -> str | None:
    """Why no Postgres can be started here, or None: the binaries, or (as root) the `postgres`
    user the Debian package makes, are missing."""
    absent = [name for name in ("initdb", "pg_ctl") if _binary(name) is None]
    if absent:
        return f"{' and '.join(absent)} not found"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "no `postgres` user to run it as (the tests run as root)"
    return None


def require_postgres() -> None:
    """Skip the calling test, with the reason, when no Postgres can be started here; fail it
    instead under `make test` (`PROMPTGEN_TEST_ENGINES=required`)."""
    why = _missing()
    if why is not None:
        reason = f"Postgres tests need Debian's postgresql package (make system-deps): {why}"
        if os.environ.get(REQUIRED) == "required":
            pytest.fail(reason)
        pytest.skip(reason)


def _tool(name: str) -> str:
    found = _binary(name)
    assert found is not None  # `_missing` said so first
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a running server's `postgres` database (superuser `postgres`, trust auth).
    Without Debian's `postgresql` package the Postgres tests are skipped, saying so, except under
    `make test` (`PROMPTGEN_TEST_ENGINES=required`, after system-deps installed it): they fail."""
    require_postgres()
    with running_postgres() as url:
        yield url


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """A throwaway server (the fixture's, and the benchmarks'); yields its `postgres` database's URL."""
    folder = Path(tempfile.mkdtemp(prefix="promptgen-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)  # noqa: E731
    run(_tool("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
    run(
        _tool("pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "-t",
        "60",
        "start",
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(Exception):
            run(_tool("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server_url: str, prefix: str) -> str:
    """A fresh database on the Postgres at `server_url`; its URL."""
    import asyncpg

    name = prefix + secrets.token_hex(6)

    async def create() -> None:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def pg_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's server."""
    return new_database(postgres_server, "t_")
