"""The command line: `python -m app prompt | config | serve`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict[str, str] | None = None, tmp_path: Path) -> subprocess.CompletedProcess:
    full_env = {
        **os.environ,
        "PROMPTGEN_LM_BACKEND": "scripted",
        "PROMPTGEN_DATA_DIR": str(tmp_path),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_prompt_prints_one_prompt_per_line(tmp_path):
    result = run_cli(
        "prompt", "a paper boat", "--mode", "completion", "-n", "3", "--seed", "4", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("a paper boat") for line in lines)


def test_prompt_json_prints_the_api_body(tmp_path):
    result = run_cli("prompt", "a paper boat", "--json", "--seed", "4", tmp_path=tmp_path)
    body = json.loads(result.stdout)
    assert body["mode"] == "structured" and body["job"]["jobId"].startswith("job_")


def test_prompt_errors_exit_non_zero_with_the_problem_detail(tmp_path):
    result = run_cli("prompt", "a boat", "-n", "9", tmp_path=tmp_path)
    assert result.returncode == 1 and "numResults" in result.stderr


def test_config_prints_effective_configuration_with_secrets_masked(tmp_path):
    result = run_cli("config", env={"PROMPTGEN_OPENAI_API_KEY": "sk-very-secret"}, tmp_path=tmp_path)
    config = json.loads(result.stdout)
    assert config["openai_api_key"] == "***" and config["lm_backend"] == "scripted"
    assert "sk-very-secret" not in result.stdout + result.stderr


def test_invalid_configuration_stops_with_a_message_naming_the_variable(tmp_path):
    result = run_cli("config", env={"PROMPTGEN_PORT": "eighty"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "PROMPTGEN_" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_loopback(tmp_path):
    port = _free_port()
    env = {**os.environ, "PROMPTGEN_LM_BACKEND": "scripted", "PROMPTGEN_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        response = httpx.post(
            base + "/v1/generate/prompt", json={"prompt": "a kite", "numResults": 2}, timeout=30
        )
        assert response.status_code == 200 and len(response.json()["prompts"]) == 2
    finally:
        proc.terminate()
        proc.wait(timeout=10)
