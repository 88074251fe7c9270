"""Webhooks: a signed POST to a job's `webhook_url` when it succeeds, fails or is canceled.

Signing (what a receiver checks):

    X-Promptgen-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

The timestamp is part of what is signed, so a receiver that also refuses old timestamps
(`verify_signature`'s `tolerance_s`) cannot be fed a replay. `X-Promptgen-Delivery` is the
same on every attempt of one delivery (receivers de-duplicate on it), `X-Promptgen-Event`
is `job.succeeded`, `job.failed` or `job.canceled`.

Delivery is an outbox: each delivery is a SQLite row written before the first attempt and
updated after every attempt, so a delivery still pending when the service stops is resumed
when it starts again. A non-2xx answer or a transport failure is retried with exponential
backoff (jittered, capped) until `webhook_max_attempts` is spent. `sweep` keeps delivered and
failed rows to an age and a count (the service runs it periodically); pending ones stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import secrets
import time
from typing import Any

import httpx
import msgspec

from app import __version__
from app.db import Database
from app.errors import NotConfigured, ValidationFailed
from app.fetch import FetchError, FetchPolicy, check_url, fetch_url, new_client
from app.jobs import iso_at, now_iso
from app.protocol import Job
from app.settings import Settings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Promptgen-Signature"
EVENTS = {"success": "job.succeeded", "failure": "job.failed", "canceled": "job.canceled"}
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS webhook_deliveries (
        delivery_id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL,
        url TEXT NOT NULL,
        event TEXT NOT NULL,
        body BLOB NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_status ON webhook_deliveries(status)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_created ON webhook_deliveries(created_at)",
)
SWEEP_BATCH = 500  # deliveries deleted per statement by a sweep
_DONE = "status IN ('delivered', 'failed')"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Promptgen-Signature` value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str, header: str, body: bytes, tolerance_s: float = 300.0, now: float | None = None
) -> bool:
    """A receiver's check: the header signs `body` with `secret` and is at most `tolerance_s` old."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", []))


def check_webhook_url(
    url: str, secret: str, field: str = "webhook_url", policy: FetchPolicy | None = None
) -> None:
    """Refuse a webhook the service could not deliver: not http(s), an internal address
    written out (names are checked at each delivery), or no secret to sign with."""
    problem = check_url(url)
    if problem is not None:
        raise ValidationFailed(f"`{field}` {problem}", field=field)
    try:
        (policy or FetchPolicy()).check_literal(url)
    except FetchError as exc:
        raise ValidationFailed(f"`{field}` is refused: {exc}", field=field) from None
    if not secret:
        raise NotConfigured(
            "webhooks are not enabled on this server: set PROMPTGEN_WEBHOOK_SECRET to sign them",
            setting="PROMPTGEN_WEBHOOK_SECRET",
        )


class Delivery(msgspec.Struct, kw_only=True):
    delivery_id: str
    job_id: str
    url: str
    event: str
    body: bytes
    attempts: int = 0


class WebhookSender:
    """Writes deliveries to the outbox and sends them in background tasks, with retries."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.secret = settings.webhook_secret
        self.timeout_s = settings.webhook_timeout_s
        self.max_attempts = max(1, settings.webhook_max_attempts)
        self.backoff_base_s = settings.webhook_backoff_base_s
        self.backoff_max_s = settings.webhook_backoff_max_s
        self.policy = FetchPolicy.from_settings(settings)  # every delivery resolves and checks anew
        db.ensure_schema(SCHEMA)
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def notify(self, job: Job, url: str) -> str:
        """Queue the delivery of `job`'s terminal state to `url`; returns the delivery id."""
        event = EVENTS.get(job.status, "job.updated")
        delivery_id = "whd_" + secrets.token_hex(12)
        payload = {
            "event": event,
            "deliveryId": delivery_id,
            "createdAt": now_iso(),
            "job": msgspec.to_builtins(job),
        }
        delivery = Delivery(
            delivery_id=delivery_id,
            job_id=job.job_id,
            url=url,
            event=event,
            body=msgspec.json.encode(payload),
        )
        stamp = now_iso()
        self.db.execute(
            "INSERT INTO webhook_deliveries(delivery_id, job_id, url, event, body, status, created_at, "
            "updated_at) VALUES (?,?,?,?,?,'pending',?,?)",
            (delivery_id, job.job_id, url, event, delivery.body, stamp, stamp),
        )
        self._start(delivery)
        return delivery_id

    def resume_pending(self) -> int:
        """Restart the deliveries a previous process left pending; returns how many."""
        rows = self.db.fetchall(
            "SELECT delivery_id, job_id, url, event, body, attempts FROM webhook_deliveries "
            "WHERE status = 'pending' ORDER BY created_at"
        )
        for row in rows:
            self._start(Delivery(**dict(row)))
        return len(rows)

    def status(self, delivery_id: str) -> dict[str, Any] | None:
        row = self.db.fetchone(
            "SELECT status, attempts, last_error FROM webhook_deliveries WHERE delivery_id = ?",
            (delivery_id,),
        )
        return None if row is None else dict(row)

    def sweep(self, max_age_s: float, max_count: int, now: float | None = None) -> int:
        """Delete delivered and failed deliveries created more than `max_age_s` ago, and those
        beyond the `max_count` newest (0 turns either bound off); pending ones are never
        touched. Returns how many went."""
        removed = 0
        queries: list[tuple[str, tuple[object, ...]]] = []
        if max_age_s > 0:
            cutoff = iso_at((time.time() if now is None else now) - max_age_s)
            queries.append((f"{_DONE} AND created_at < ? LIMIT ?", (cutoff, SWEEP_BATCH)))
        if max_count > 0:
            queries.append(
                (f"{_DONE} ORDER BY created_at DESC, delivery_id LIMIT ? OFFSET ?", (SWEEP_BATCH, max_count))
            )
        for where, params in queries:
            while True:
                count = self.db.execute(
                    "DELETE FROM webhook_deliveries WHERE delivery_id IN "
                    f"(SELECT delivery_id FROM webhook_deliveries WHERE {where})",
                    params,
                )
                removed += max(0, count)
                if count < SWEEP_BATCH:
                    break
        return removed

    async def drain(self, timeout_s: float) -> None:
        """Wait up to `timeout_s` for the deliveries in flight (tests, graceful shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)

    async def aclose(self) -> None:
        """Stop delivering; pending deliveries stay in the outbox for the next start."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _start(self, delivery: Delivery) -> None:
        task = asyncio.create_task(self._deliver(delivery), name=f"webhook {delivery.delivery_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def backoff(self, attempt: int) -> float:
        """Delay after failed attempt number `attempt` (1-based): base * 2^(attempt-1), capped, jittered."""
        delay = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
        return delay * (0.5 + random.random() / 2)

    async def _deliver(self, delivery: Delivery) -> None:
        attempts = delivery.attempts
        while attempts < self.max_attempts:
            attempts += 1
            error = await self._attempt(delivery, attempts)
            if error is None:
                self._record(delivery.delivery_id, "delivered", attempts, "")
                return
            final = attempts >= self.max_attempts
            self._record(delivery.delivery_id, "failed" if final else "pending", attempts, error)
            log.warning(
                "webhook %s for %s, attempt %d/%d: %s",
                delivery.delivery_id,
                delivery.job_id,
                attempts,
                self.max_attempts,
                error,
            )
            if not final:
                await asyncio.sleep(self.backoff(attempts))

    async def _attempt(self, delivery: Delivery, attempt: int) -> str | None:
        """One POST; None when the receiver answered 2xx, else what went wrong."""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"promptgen-webhooks/{__version__}",
            SIGNATURE_HEADER: sign(self.secret, int(time.time()), delivery.body),
            "X-Promptgen-Event": delivery.event,
            "X-Promptgen-Delivery": delivery.delivery_id,
            "X-Promptgen-Attempt": str(attempt),
        }
        if self._client is None:
            self._client = new_client()
        try:
            answer = await fetch_url(
                delivery.url,
                method="POST",
                content=delivery.body,
                headers=headers,
                timeout_s=self.timeout_s,
                max_bytes=1024 * 1024,  # the answer is read only to free the connection
                client=self._client,
                policy=self.policy,
            )
        except FetchError as exc:
            return str(exc)
        return None if answer.ok else f"the receiver answered HTTP {answer.status}"

    def _record(self, delivery_id: str, status: str, attempts: int, error: str) -> None:
        self.db.execute(
            "UPDATE webhook_deliveries SET status = ?, attempts = ?, last_error = ?, updated_at = ? "
            "WHERE delivery_id = ?",
            (status, attempts, error[:500], now_iso(), delivery_id),
        )
