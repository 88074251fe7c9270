"""A start whose engines do not answer stops at once with one line per engine, naming it and
why, its password hidden: not a traceback from the lifespan."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.preflight import engines, without_password
from app.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_an_unreachable_queue_and_database_stop_the_start_in_one_line_each(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTGEN_")}
    env.update(
        PROMPTGEN_DATA_DIR=str(tmp_path / "data"),
        PROMPTGEN_DATABASE_URL="postgresql://bob:s3cret@127.0.0.1:1/promptgen",
        PROMPTGEN_QUEUE_URL="database",
        PROMPTGEN_LM_BACKEND="scripted",
    )
    done = subprocess.run(
        [sys.executable, "-m", "app", command, *(["--port", "1"] if command == "serve" else [])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert (
        lines == [line for line in lines if line.startswith("promptgen: cannot start: ")] and len(lines) == 2
    ), done.stderr
    assert "the database at postgresql://bob:***@127.0.0.1:1/promptgen cannot be reached" in lines[0]
    assert "the job queue at" in lines[1]
    assert "s3cret" not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_the_embedded_profile_names_no_engine_to_check():
    assert engines(load_settings(env={}, dotenv=None)) == []
    assert without_password("redis://:pw@cache:6379/0") == "redis://:***@cache:6379/0"
    assert without_password("redis://cache:6379") == "redis://cache:6379"
