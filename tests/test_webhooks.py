"""Webhooks: HMAC-SHA256 signatures, delivery to a receiver on loopback, retries with backoff,
and deliveries that survive a restart. Delivery (one signed webhook per event, retries under one
delivery id) runs on every profile and queue engine (tests/profiles.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.db import Database
from app.jobs import JobStore
from app.webhooks import sign, verify_signature
from tests.chain_helpers import (
    WEBHOOK_SECRET,
    Receiver,
    assert_problem,
    chain_settings,
    client_for,
    wait_for_job,
    wait_until,
)
from tests.db_helpers import app_call, rows, with_database
from tests.fakes.image_providers import FakeOpenAI, Recorded, Reply, closed_port_url
from tests.profiles import ON_EVERY_QUEUE, with_profile

GENERATE = "/v1/generate/image"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def client(tmp_path: Path, fake_openai: FakeOpenAI, profile_settings: dict[str, Any]) -> Iterator[Any]:
    settings = with_profile(chain_settings(tmp_path / "data", fake_openai.base_url), profile_settings)
    with client_for(settings) as c:
        yield c


def signature_is_valid(delivery: Recorded, secret: str = WEBHOOK_SECRET) -> bool:
    """The receiver's check, written from the contract rather than with the service's code."""
    fields = dict(item.split("=", 1) for item in delivery.headers["x-promptgen-signature"].split(","))
    signed = f"{fields['t']}.".encode() + delivery.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) < 60


# ------------------------------------------------------------------------------- signatures


def test_the_signature_is_hmac_sha256_over_timestamp_and_raw_body() -> None:
    body = b'{"event":"job.succeeded"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", 1_700_000_000, body) == f"t=1700000000,v1={expected}"


def test_verify_accepts_a_fresh_signature_and_refuses_tampering() -> None:
    body = b'{"a":1}'
    now = time.time()
    header = sign("s3cret", int(now), body)
    assert verify_signature("s3cret", header, body, now=now)
    assert not verify_signature("s3cret", header, b'{"a":2}', now=now)
    assert not verify_signature("other", header, body, now=now)
    assert not verify_signature("s3cret", header, body, now=now + 3600)  # a replay, an hour later
    assert not verify_signature("s3cret", "garbage", body, now=now)


# ------------------------------------------------------------------------------- delivery


@ON_EVERY_QUEUE
def test_a_finished_job_posts_a_signed_webhook(client: Any, receiver: Receiver) -> None:
    body = {"prompt": "a fox", "async": True, "webhook_url": receiver.hook_url}
    job = client.post(GENERATE, json=body).json()["job"]
    wait_for_job(client, job["jobId"], {"success"})
    wait_until(lambda: receiver.deliveries(), what="the webhook")
    (delivery,) = receiver.deliveries()
    assert signature_is_valid(delivery)
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.headers["x-promptgen-event"] == "job.succeeded"
    payload = json.loads(delivery.body)
    assert (
        payload["event"] == "job.succeeded"
        and payload["deliveryId"] == delivery.headers["x-promptgen-delivery"]
    )
    assert payload["job"]["jobId"] == job["jobId"] and payload["job"]["status"] == "success"
    assert payload["job"]["metadata"]["output"]["images"][0]["assetId"].startswith("asset_")


@ON_EVERY_QUEUE
def test_a_synchronous_request_notifies_too(client: Any, receiver: Receiver) -> None:
    response = client.post(GENERATE, json={"prompt": "a fox", "webhook_url": receiver.hook_url})
    assert response.status_code == 200
    wait_until(lambda: receiver.deliveries(), what="the webhook")
    assert json.loads(receiver.deliveries()[0].body)["job"]["jobId"] == response.json()["job"]["jobId"]


def test_a_failed_job_posts_a_job_failed_webhook(tmp_path: Path, receiver: Receiver) -> None:
    with client_for(chain_settings(tmp_path / "data", closed_port_url() + "/v1")) as c:
        body = assert_problem(
            c.post(GENERATE, json={"prompt": "a fox", "webhook_url": receiver.hook_url}), 502
        )
        wait_until(lambda: receiver.deliveries(), what="the webhook")
    delivery = receiver.deliveries()[0]
    payload = json.loads(delivery.body)
    assert signature_is_valid(delivery) and payload["event"] == "job.failed"
    assert payload["job"]["jobId"] == body["jobId"]
    assert payload["job"]["metadata"]["error"]["status"] == 502


@ON_EVERY_QUEUE
def test_a_failing_receiver_is_retried_with_backoff_under_one_delivery_id(
    client: Any, receiver: Receiver
) -> None:
    receiver.script("POST", Receiver.HOOK, Reply(500), Reply(503))
    client.post(GENERATE, json={"prompt": "a fox", "webhook_url": receiver.hook_url})
    wait_until(lambda: len(receiver.deliveries()) == 3, what="three attempts")
    attempts = receiver.deliveries()
    assert len({d.headers["x-promptgen-delivery"] for d in attempts}) == 1
    assert [d.headers["x-promptgen-attempt"] for d in attempts] == ["1", "2", "3"]
    assert all(signature_is_valid(d) for d in attempts)
    sender = client.app.state.chain.webhooks
    wait_until(
        lambda: (
            app_call(client, sender.status, attempts[0].headers["x-promptgen-delivery"])["status"]
            == "delivered"
        ),
        what="the delivery to be recorded",
    )


def test_a_receiver_that_never_answers_2xx_is_given_up_after_the_attempts(
    tmp_path: Path, fake_openai: FakeOpenAI, receiver: Receiver
) -> None:
    receiver.script("POST", Receiver.HOOK, *[Reply(500)] * 5)
    settings = chain_settings(tmp_path / "data", fake_openai.base_url, webhook_max_attempts=3)
    with client_for(settings) as c:
        c.post(GENERATE, json={"prompt": "a fox", "webhook_url": receiver.hook_url})
        wait_until(lambda: len(receiver.deliveries()) == 3, what="three attempts")
        delivery_id = receiver.deliveries()[0].headers["x-promptgen-delivery"]
        sender = c.app.state.chain.webhooks
        wait_until(
            lambda: app_call(c, sender.status, delivery_id)["status"] == "failed", what="the delivery to fail"
        )
        assert "HTTP 500" in app_call(c, sender.status, delivery_id)["last_error"]
    assert len(receiver.deliveries()) == 3


def test_webhooks_need_a_configured_secret(
    tmp_path: Path, fake_openai: FakeOpenAI, receiver: Receiver
) -> None:
    settings = chain_settings(tmp_path / "data", fake_openai.base_url, webhook_secret="")
    with client_for(settings) as c:
        body = assert_problem(
            c.post(GENERATE, json={"prompt": "a fox", "webhook_url": receiver.hook_url}), 501
        )
    assert body["setting"] == "PROMPTGEN_WEBHOOK_SECRET"
    assert fake_openai.requests == []


# ------------------------------------------------------------------------------- restarts


def test_a_pending_delivery_is_sent_after_a_restart(
    tmp_path: Path, fake_openai: FakeOpenAI, receiver: Receiver
) -> None:
    settings = chain_settings(tmp_path / "data", fake_openai.base_url)
    settings.data_path.mkdir(parents=True)
    with_database(  # a process stopped before delivering
        settings.data_path / "promptgen.sqlite3",
        lambda db: db.execute(
            "INSERT INTO webhook_deliveries(delivery_id, job_id, url, event, body, status, attempts, created_at, "
            "updated_at) VALUES ('whd_left', 'job_x', :url, 'job.succeeded', :body, 'pending', 1, 'now', 'now')",
            {"url": receiver.hook_url, "body": b'{"event":"job.succeeded"}'},
        ),
    )
    with client_for(settings):
        wait_until(lambda: receiver.deliveries(), what="the resumed delivery")
        wait_until(
            lambda: (
                rows(settings.data_path / "promptgen.sqlite3", "SELECT status FROM webhook_deliveries")[0][0]
                == "delivered"
            ),
            what="delivered",
        )
    (delivery,) = receiver.deliveries()
    assert delivery.headers["x-promptgen-attempt"] == "2" and signature_is_valid(delivery)


def test_a_job_interrupted_by_a_restart_notifies_its_webhook(
    tmp_path: Path, fake_openai: FakeOpenAI, receiver: Receiver
) -> None:
    settings = chain_settings(tmp_path / "data", fake_openai.base_url)
    settings.data_path.mkdir(parents=True)
    orphan = JobStore(Database("sqlite://")).new(
        "generate-image", {"prompt": "a fox", "webhook_url": receiver.hook_url}, status="in-progress"
    )
    with_database(settings.data_path / "promptgen.sqlite3", lambda db: JobStore(db).save(orphan))
    with client_for(settings):
        wait_until(lambda: receiver.deliveries(), what="the webhook")
    payload = json.loads(receiver.deliveries()[0].body)
    assert payload["event"] == "job.failed" and payload["job"]["jobId"] == orphan.job_id
    assert payload["job"]["metadata"]["error"]["type"].endswith("/interrupted")
