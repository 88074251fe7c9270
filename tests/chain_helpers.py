"""Helpers for the chained-generation tests: settings pointing at fake providers on loopback,
clients, polling jobs, and a webhook receiver."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from app.server import create_app
from app.settings import Settings, load_settings
from models.lm.scripted import ScriptedLanguageModel
from tests.fakes.image_providers import FakeServer, Recorded, Reply

WEBHOOK_SECRET = "whsec_test_0123456789"
PROBLEM = "application/problem+json"


def chain_settings(data_dir: Path, openai_url: str | None = None, **overrides: Any) -> Settings:
    """Scripted language model, the openai image backend at `openai_url`, test-sized delays."""
    values: dict[str, Any] = {
        "data_dir": str(data_dir),
        "lm_backend": "scripted",
        "image_backend": "openai:gpt-image-1" if openai_url else "",
        "image_openai_base_url": openai_url or "",
        "image_timeout_s": 5.0,
        "image_max_retries": 2,
        "image_backoff_base_s": 0.01,
        "image_backoff_max_s": 0.05,
        "webhook_secret": WEBHOOK_SECRET,
        "webhook_backoff_base_s": 0.02,
        "webhook_backoff_max_s": 0.1,
        "webhook_timeout_s": 2.0,
        "fetch_allow_hosts": "127.0.0.1",  # the fakes and receivers listen on loopback
        "shutdown_grace_s": 0.0,  # a job running at shutdown is interrupted at once
    }
    values.update(overrides)
    return load_settings(env={}, dotenv=None, **values)


def client_for(settings: Settings) -> TestClient:
    return TestClient(
        app=create_app(settings, lm=ScriptedLanguageModel()), raise_server_exceptions=False, timeout=30
    )


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    assert body["type"].startswith("https://promptgen.dev/problems/")
    if field is not None:
        assert body.get("field") == field, body
    return body


def wait_for_job(client: Any, job_id: str, statuses: set[str], timeout_s: float = 10.0) -> dict[str, Any]:
    """Poll `GET /v1/jobs/{job_id}` until its status is one of `statuses`."""
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job.get("status") in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is still {job.get('status')} after {timeout_s}s: {job}")
        time.sleep(0.02)


def wait_until(condition: Any, timeout_s: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Receiver(FakeServer):
    """A webhook receiver on loopback: `POST /hook` answers 200 (or the scripted replies)."""

    HOOK = r"/hook"

    def __init__(self) -> None:
        super().__init__()
        self.route("POST", self.HOOK, lambda request, match: Reply(200, {"ok": True}))

    @property
    def hook_url(self) -> str:
        return self.url + "/hook"

    def deliveries(self) -> list[Recorded]:
        return self.calls("POST", self.HOOK)
