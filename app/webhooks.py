"""Webhooks: a signed POST to a job's `webhook_url` when it succeeds, fails or is canceled.

Signing (what a receiver checks):

    X-Promptgen-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

The timestamp is part of what is signed, so a receiver that also refuses old timestamps
(`verify_signature`'s `tolerance_s`) cannot be fed a replay. `X-Promptgen-Delivery` is the
same on every attempt of one delivery (receivers de-duplicate on it), `X-Promptgen-Event`
is `job.succeeded`, `job.failed` or `job.canceled`.

Delivery is an outbox: each delivery is a database row, written in the same transaction as
the job's terminal state (`JobStore.finish`, with the row `prepare` makes) and updated after
every attempt, so a delivery still pending when the service stops is resumed
when it starts again. A non-2xx answer or a transport failure is retried with exponential
backoff (jittered, capped) until `webhook_max_attempts` is spent. `sweep` keeps delivered and
failed rows to an age and a count (the service runs it periodically); pending ones stay.

Exactly once per event, however many replicas share the database: the delivery id is derived
from (job, event), so an event has one outbox row and one `X-Promptgen-Delivery`; and a row is
sent only by the sender that holds its claim (`claimed_by` until `claimed_until`). The replica
that writes the row claims it in the same insert; every attempt first renews the claim with a
conditional `UPDATE` (refused when another sender holds it), and a failed attempt keeps it
through the backoff. A row whose sender died is claimed again once its claim lapses: at start
and every `POLL_S` each sender claims a batch of such rows (`FOR UPDATE SKIP LOCKED` on
Postgres, so two replicas never take the same row; SQLite serializes the `UPDATE` itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import random
import secrets
import socket
import time
from typing import Any

import httpx
import msgspec
from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import __version__
from app.db import Database
from app.errors import NotConfigured, ValidationFailed
from app.fetch import FetchError, FetchPolicy, check_url, fetch_url, new_client
from app.jobs import iso_at, now_iso
from app.protocol import Job
from app.schema import webhook_deliveries as outbox
from app.settings import Settings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Promptgen-Signature"
EVENTS = {"success": "job.succeeded", "failure": "job.failed", "canceled": "job.canceled"}
POLL_S = 15.0  # how often a sender looks for pending rows whose claim lapsed (a dead replica's)
CLAIM_MARGIN_S = 30.0  # a claim outlives the attempt (or the backoff) it covers by this much
CLAIM_BATCH = 100  # rows one poll claims at most
SWEEP_BATCH = 500  # deliveries deleted per statement by a sweep
_DONE = ("delivered", "failed")


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


def delivery_id_for(job_id: str, event: str) -> str:
    """The one id of a job's event, whichever replica writes or sends it."""
    return "whd_" + hashlib.sha256(f"{job_id}\n{event}".encode()).hexdigest()[:24]


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
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"  # this sender, in claims
        self._poller: asyncio.Task[None] | None = None
        self._sending: set[str] = set()  # delivery ids this sender has a task for

    def prepare(self, job: Job, url: str) -> Delivery:
        """The delivery of `job`'s terminal state to `url`, not yet written (`row` is its outbox
        row, written with the job's terminal state; `dispatch` sends it once committed)."""
        event = EVENTS.get(job.status, "job.updated")
        delivery_id = delivery_id_for(job.job_id, event)
        payload = {
            "event": event,
            "deliveryId": delivery_id,
            "createdAt": now_iso(),
            "job": msgspec.to_builtins(job),
        }
        return Delivery(
            delivery_id=delivery_id,
            job_id=job.job_id,
            url=url,
            event=event,
            body=msgspec.json.encode(payload),
        )

    def row(self, delivery: Delivery) -> dict[str, Any]:
        """Its outbox row, claimed by this sender (which sends it once the row is committed)."""
        stamp = now_iso()
        return {
            "delivery_id": delivery.delivery_id,
            "job_id": delivery.job_id,
            "url": delivery.url,
            "event": delivery.event,
            "body": delivery.body,
            "status": "pending",
            "attempts": 0,
            "last_error": "",
            "created_at": stamp,
            "updated_at": stamp,
            "claimed_by": self.owner,
            "claimed_until": self._until(self.timeout_s),
        }

    def _until(self, seconds: float) -> str:
        return iso_at(time.time() + seconds + CLAIM_MARGIN_S)

    def dispatch(self, delivery: Delivery) -> None:
        """Send a delivery whose outbox row is committed (in a background task, with retries)."""
        self._start(delivery)

    async def notify(self, job: Job, url: str) -> str:
        """Write and send the delivery of `job`'s terminal state to `url`; returns its id."""
        delivery = self.prepare(job, url)
        await self.db.execute(outbox_insert(self.db).values(**self.row(delivery)))
        self._start(delivery)
        return delivery.delivery_id

    async def resume_pending(self) -> int:
        """Claim and send the pending deliveries no live sender holds (a stopped process's);
        then keep doing so every `POLL_S`. Returns how many were claimed now."""
        claimed = await self.claim_lapsed()
        if self._poller is None:
            self._poller = asyncio.create_task(self._poll(), name="webhook outbox")
        return claimed

    async def claim_lapsed(self) -> int:
        """Claim up to `CLAIM_BATCH` pending rows whose claim lapsed, and send them."""
        c = outbox.c
        now = now_iso()
        chosen = (
            select(c.delivery_id)
            .where(c.status == "pending", or_(c.claimed_until.is_(None), c.claimed_until < now))
            .order_by(c.created_at)
            .limit(CLAIM_BATCH)
            .with_for_update(skip_locked=True)  # Postgres; SQLite serializes the UPDATE itself
        )
        statement = (
            update(outbox)
            .where(c.delivery_id.in_(chosen.scalar_subquery()))
            .values(claimed_by=self.owner, claimed_until=self._until(self.timeout_s))
            .returning(c.delivery_id, c.job_id, c.url, c.event, c.body, c.attempts)
        )
        async with self.db.transaction() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        for row in sorted(rows, key=lambda r: r["delivery_id"]):
            if row["delivery_id"] not in self._sending:
                self._start(Delivery(**dict(row)))
        return len(rows)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                await self.claim_lapsed()
            except Exception as exc:  # the database is away: the next poll tries again
                log.warning("webhook outbox poll failed: %s", getattr(exc, "detail", None) or exc)

    async def _claim(self, delivery_id: str, hold_s: float) -> bool:
        """Take or renew this sender's claim on a pending row; False when another sender holds it
        (or the row is no longer pending)."""
        c = outbox.c
        now = now_iso()
        count = await self.db.execute(
            update(outbox)
            .where(
                c.delivery_id == delivery_id,
                c.status == "pending",
                or_(c.claimed_by == self.owner, c.claimed_until.is_(None), c.claimed_until < now),
            )
            .values(claimed_by=self.owner, claimed_until=self._until(hold_s))
        )
        return count > 0

    async def status(self, delivery_id: str) -> dict[str, Any] | None:
        c = outbox.c
        row = await self.db.fetchone(
            select(c.status, c.attempts, c.last_error).where(c.delivery_id == delivery_id)
        )
        return None if row is None else dict(row)

    async def sweep(self, max_age_s: float, max_count: int, now: float | None = None) -> int:
        """Delete delivered and failed deliveries created more than `max_age_s` ago, and those
        beyond the `max_count` newest (0 turns either bound off); pending ones are never
        touched. Returns how many went."""
        c = outbox.c
        queries = []
        if max_age_s > 0:
            cutoff = iso_at((time.time() if now is None else now) - max_age_s)
            queries.append(
                select(c.delivery_id).where(c.status.in_(_DONE), c.created_at < cutoff).limit(SWEEP_BATCH)
            )
        if max_count > 0:
            queries.append(
                select(c.delivery_id)
                .where(c.status.in_(_DONE))
                .order_by(c.created_at.desc(), c.delivery_id)
                .limit(SWEEP_BATCH)
                .offset(max_count)
            )
        removed = 0
        for query in queries:
            while True:
                ids = [r["delivery_id"] for r in await self.db.fetchall(query)]
                if ids:
                    await self.db.execute(delete(outbox).where(c.delivery_id.in_(ids)))
                removed += len(ids)
                if len(ids) < SWEEP_BATCH:
                    break
        return removed

    async def drain(self, timeout_s: float) -> None:
        """Wait up to `timeout_s` for the deliveries in flight (tests, graceful shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)

    async def aclose(self) -> None:
        """Stop delivering; pending deliveries stay in the outbox for the next start."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(BaseException):
                await self._poller
            self._poller = None
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
        self._sending.add(delivery.delivery_id)

        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._sending.discard(delivery.delivery_id)

        task.add_done_callback(done)

    def backoff(self, attempt: int) -> float:
        """Delay after failed attempt number `attempt` (1-based): base * 2^(attempt-1), capped, jittered."""
        delay = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
        return delay * (0.5 + random.random() / 2)

    async def _deliver(self, delivery: Delivery) -> None:
        attempts = delivery.attempts
        while attempts < self.max_attempts:
            if not await self._claim(delivery.delivery_id, self.timeout_s):
                return  # another sender holds it (or it is done): it is theirs to send
            attempts += 1
            error = await self._attempt(delivery, attempts)
            if error is None:
                await self._record(delivery.delivery_id, "delivered", attempts, "")
                return
            final = attempts >= self.max_attempts
            delay = 0.0 if final else self.backoff(attempts)
            # the claim is kept through the backoff: no other sender retries it meanwhile
            await self._record(delivery.delivery_id, "failed" if final else "pending", attempts, error, delay)
            log.warning(
                "webhook %s for %s, attempt %d/%d: %s",
                delivery.delivery_id,
                delivery.job_id,
                attempts,
                self.max_attempts,
                error,
            )
            if not final:
                await asyncio.sleep(delay)

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

    async def _record(
        self, delivery_id: str, status: str, attempts: int, error: str, hold_s: float = 0.0
    ) -> None:
        await self.db.execute(
            update(outbox)
            .where(outbox.c.delivery_id == delivery_id)
            .values(
                status=status,
                attempts=attempts,
                last_error=error[:500],
                updated_at=now_iso(),
                claimed_until=self._until(hold_s + self.timeout_s),
            )
        )


def outbox_insert(db: Database) -> Any:
    """An outbox insert that leaves an existing row of the same id (the same event) alone."""
    insert = (pg_insert if db.dialect == "postgresql" else sqlite_insert)(outbox)
    return insert.on_conflict_do_nothing(index_elements=[outbox.c.delivery_id])
