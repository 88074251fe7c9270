"""`st run --checks all` with the stateful phase, the way an outsider would point schemathesis
at the service: a real `python -m app serve` on 127.0.0.1 (scripted language model, a fake
OpenAI-compatible image provider on loopback, webhooks on), schemathesis's own command line
against `/schema/openapi.json`. Every phase runs (examples, coverage, fuzzing, stateful) and
every check (no 5xx; status, content type, headers and body as documented; schema-valid data
accepted and invalid data refused; `Allow` on a 405 and on OPTIONS; deleted resources gone),
bounded: a few examples per operation, no shrinking, a deadline on the whole run.

There is no exception: an image's bytes, which no schema can describe, are made real by
`tests/schemathesis_hooks.py` (a generated data URL of the documented form becomes a real
image of its type), so a schema-valid request must be accepted everywhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.chain_helpers import WEBHOOK_SECRET
from tests.fakes.image_providers import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("PROMPTGEN_SCHEMATHESIS_CLI_EXAMPLES", "5"))
RUN_DEADLINE_S = max(150, 30 * EXAMPLES)  # 5 examples take about 15 s here; past this, a failure
ST = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")

pytestmark = pytest.mark.skipif(ST is None, reason="schemathesis (the `st` command) is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fake = FakeOpenAI().start()
    port = _free_port()
    data = tmp_path_factory.mktemp("schemathesis-cli")
    env = {
        **os.environ,
        "PROMPTGEN_DATA_DIR": str(data),
        "PROMPTGEN_LM_BACKEND": "scripted",
        "PROMPTGEN_IMAGE_BACKEND": "openai:gpt-image-1",
        "PROMPTGEN_IMAGE_OPENAI_BASE_URL": fake.base_url,
        "PROMPTGEN_IMAGE_MODELS": "openai:*",  # no request may pick a real provider
        "PROMPTGEN_IMAGE_MAX_RETRIES": "0",
        "PROMPTGEN_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "PROMPTGEN_WEBHOOK_MAX_ATTEMPTS": "1",
        "PROMPTGEN_FETCH_ALLOW_HOSTS": "",
        "PROMPTGEN_LOG_LEVEL": "WARNING",
        "PROMPTGEN_SHUTDOWN_GRACE_S": "0",
    }
    env.pop("PROMPTGEN_API_KEYS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                pytest.fail(f"the server stopped: {process.stderr.read() if process.stderr else ''}")
            time.sleep(0.1)
        else:
            pytest.fail("the server did not get ready within 30 s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        fake.stop()


def test_schemathesis_all_checks_and_the_stateful_phase(server: str, tmp_path: Path) -> None:
    assert ST is not None
    command = [
        ST,
        "run",
        f"{server}/schema/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(EXAMPLES),
        "--no-shrink",
        "--seed",
        os.environ.get("PROMPTGEN_SCHEMATHESIS_CLI_SEED", "19"),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--report",
        "ndjson",
        "--report-dir",
        str(tmp_path),
    ]
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE_S,
        env={
            **os.environ,
            "NO_COLOR": "1",
            "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",  # real images where the form is right
            "PYTHONPATH": str(ROOT),
        },
    )
    took = time.monotonic() - started
    output = result.stdout + result.stderr
    if result.returncode != 0:
        print(output)  # the whole report (pytest shows it with the failure)
    assert result.returncode == 0, output[-6000:]
    assert "stateful" in output.lower(), output[-3000:]
    print(output[output.find("SUMMARY") :])
    print(f"schemathesis: {took:.1f} s")
