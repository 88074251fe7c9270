"""Real engines the distributed-profile tests start on loopback: `redis-server` (the Debian
package `make test`'s system-deps installs) and an S3-compatible server (`moto[server]`, in its
own virtual environment `.venv-moto`, made here when missing, as `make test` makes it)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MOTO_VENV = ROOT / ".venv-moto"
MOTO_SPEC = "moto[server]>=5.1,<6"  # the same as the Makefile's
S3_KEY, S3_SECRET = "test-access-key-0001", "test-secret-key-should-never-be-logged"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(ready: object, process: subprocess.Popen[bytes], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before answering")
        with contextlib.suppress(Exception):
            if ready():  # type: ignore[operator]
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer within {seconds:.0f} s")


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A `redis-server` on a free loopback port, persisting nothing; yields its URL."""
    import redis

    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: `make test` installs it (system-deps)"
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        _wait(client.ping, process, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def moto_binary() -> Path:
    """`.venv-moto/bin/moto_server`, the virtual environment made first when missing."""
    binary = MOTO_VENV / "bin" / "moto_server"
    if not binary.exists():
        python = shutil.which("python3.11") or sys.executable
        subprocess.run([python, "-m", "venv", str(MOTO_VENV)], check=True)
        subprocess.run(
            [str(MOTO_VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", MOTO_SPEC],
            check=True,
        )
    return binary


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """An S3-compatible server (moto) on a free loopback port; yields its endpoint URL."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(moto_binary()), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: httpx.get(endpoint + "/", timeout=1).status_code < 500, process, "moto_server", 60)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def new_bucket(endpoint: str) -> str:
    """A fresh bucket on the server at `endpoint` (moto takes an unsigned `PUT /bucket`)."""
    name = "promptgen-" + uuid.uuid4().hex[:12]
    httpx.put(f"{endpoint}/{name}", timeout=10).raise_for_status()
    return name


def bucket_keys(endpoint: str, bucket: str) -> list[str]:
    """Every key in `bucket`, sorted (ListObjectsV2)."""
    import re

    answer = httpx.get(f"{endpoint}/{bucket}", params={"list-type": "2"}, timeout=10)
    answer.raise_for_status()
    return sorted(re.findall(r"<Key>([^<]+)</Key>", answer.text))
