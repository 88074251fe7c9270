"""Admission control: a bounded number of requests in flight per model backend, refused at once
with 503 and Retry-After beyond it, and checked before any image is decoded or URL fetched."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.admission import Gate
from app.errors import Overloaded, UpstreamTimeout, headers_of
from app.server import create_app
from app.settings import load_settings
from benchmarks.common import LiveServer
from models.lm.scripted import ScriptedLanguageModel
from tests.chain_helpers import chain_settings, client_for
from tests.conftest import make_client
from tests.fakes.image_providers import FakeOpenAI, FakeServer, Reply, png_bytes

BROKEN_IMAGE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"  # a PNG cut short


class SlowScripted(ScriptedLanguageModel):
    """The scripted model, `delay_s` slower per call; `entered` is set once a call is under way."""

    def __init__(self, delay_s: float) -> None:
        super().__init__()
        self.delay_s = delay_s
        self.entered = threading.Event()

    async def generate(self, requests: Any, deadline_s: float) -> Any:
        self.entered.set()
        await asyncio.sleep(self.delay_s)
        return await super().generate(requests, deadline_s)


def settings_for(tmp_path: Path, **extra: Any) -> Any:
    return load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted", **extra)


# ----------------------------------------------------------------------------- the gate


def test_a_gate_admits_its_capacity_and_refuses_the_next_at_once() -> None:
    gate = Gate("lm", concurrency=2, queue=1)
    slots = [gate.acquire() for _ in range(3)]
    with pytest.raises(Overloaded) as refused:
        gate.acquire()
    assert headers_of(refused.value)["Retry-After"] == str(refused.value.extensions["retryAfter"])
    assert gate.rejected == 1 and gate.in_flight == 3
    slots[0].release()
    slots[0].release()  # idempotent
    assert gate.in_flight == 2
    gate.acquire()


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def served(
    gate: Gate, clock: Clock, batches: int, per_batch: int, batch_s: float, units: float = 1.0
) -> None:
    """Run `batches` batches of `per_batch` requests through `gate`, each batch `batch_s` long."""
    for _ in range(batches):
        slots = [gate.acquire(units) for _ in range(per_batch)]
        clock.now += batch_s
        for slot in slots:
            slot.release()


def test_retry_after_follows_the_measured_service_rate() -> None:
    clock = Clock()
    gate = Gate("lm", concurrency=1, queue=3, initial_hold_s=0.1, clock=clock)
    served(gate, clock, batches=30, per_batch=1, batch_s=4.0)
    assert gate.cost_s == 4.0
    for _ in range(4):
        gate.acquire()
    with pytest.raises(Overloaded) as refused:
        gate.acquire()
    assert refused.value.retry_after == 4  # one request must finish first: 4 s


def test_the_service_rate_counts_a_batch_as_the_requests_it_served() -> None:
    clock = Clock()
    gate = Gate("lm", concurrency=1, queue=100, clock=clock)
    served(gate, clock, batches=8, per_batch=4, batch_s=2.0)  # four requests every two seconds
    assert gate.cost_s == 0.5
    clock.now += 3600  # idle time between bursts is no service time
    served(gate, clock, batches=1, per_batch=4, batch_s=2.0)
    assert gate.cost_s == 0.5


def test_a_request_that_could_not_finish_before_the_deadline_is_refused_at_once() -> None:
    clock = Clock()
    gate = Gate("lm", concurrency=1, queue=100, deadline_s=10.0, clock=clock)
    served(gate, clock, batches=8, per_batch=1, batch_s=1.0)  # 1 s a request
    admitted = []
    with pytest.raises(Overloaded) as refused:
        while True:
            admitted.append(gate.acquire())
    # Admitted while the estimate fits in the deadline's headroom (8 of 10 s): 8 requests of 1 s.
    assert len(admitted) == 8 and gate.rejected_for_deadline == 1
    assert refused.value.retry_after == 1  # one second of that work must drain for a ninth
    assert "10s deadline" in refused.value.detail
    assert headers_of(refused.value)["Retry-After"] == "1"
    for slot in admitted[:3]:
        clock.now += 1.0
        slot.release()  # done as estimated: room for three more
    assert gate.lateness_s == 0.0
    assert [gate.acquire() for _ in range(3)]
    with pytest.raises(Overloaded):
        gate.acquire()


def test_queued_requests_finishing_later_than_estimated_make_the_estimate_longer() -> None:
    clock = Clock()
    gate = Gate("lm", concurrency=1, queue=100, deadline_s=10.0, clock=clock)
    served(gate, clock, batches=8, per_batch=1, batch_s=1.0)  # 1 s a request
    first, second = gate.acquire(), gate.acquire()  # the second estimated done in 2 s
    assert gate.estimated_wait() == 3.0
    clock.now += 4.0  # both finish together, 2 s later than estimated (they shared a batch)
    first.release()
    second.release()
    assert gate.lateness_s == pytest.approx(0.4)  # 0.2 of the 2 s: an EWMA
    assert gate.estimated_wait() == pytest.approx(gate.cost_s + 0.4)


def test_retry_after_is_the_time_the_queue_needs_to_drain_into_the_deadline() -> None:
    clock = Clock()
    gate = Gate("lm", concurrency=1, queue=100, deadline_s=100.0, clock=clock)
    served(gate, clock, batches=4, per_batch=1, batch_s=1.0)
    served(gate, clock, batches=4, per_batch=1, batch_s=5.0)  # the model slowed down
    assert gate.cost_s == 3.0  # over the window: 24 s for 8 requests
    slots = [gate.acquire() for _ in range(20)]  # 60 s of work, within the 80 s of headroom
    with pytest.raises(Overloaded) as refused:
        gate.acquire(units=10.0)  # 90 s: fits once 10 s of the work ahead has drained
    assert refused.value.retry_after == 10
    with pytest.raises(Overloaded) as refused:
        gate.acquire(units=30.0)  # never fits behind others: once the 60 s ahead are done
    assert refused.value.retry_after == 60
    assert len(slots) == 20


def test_bigger_requests_count_for_more_work() -> None:
    clock = Clock()
    gate = Gate("lm", concurrency=1, queue=100, deadline_s=10.0, clock=clock)
    served(gate, clock, batches=4, per_batch=1, batch_s=1.0, units=2.0)  # 0.5 s a unit
    slots = [gate.acquire(units=6.0) for _ in range(2)]  # 12 units: 6 s
    gate.acquire(units=2.0)  # 7 s: fits in 8
    with pytest.raises(Overloaded):
        gate.acquire(units=6.0)  # 10 s: does not
    assert slots


def test_an_idle_gate_admits_whatever_it_measured_before() -> None:
    clock = Clock()
    gate = Gate("lm", concurrency=1, queue=100, deadline_s=1.0, clock=clock)
    served(gate, clock, batches=4, per_batch=1, batch_s=30.0)  # far slower than the deadline
    slot = gate.acquire()  # nothing in flight: admitted, and measured again
    with pytest.raises(Overloaded):
        gate.acquire()
    clock.now += 0.1
    slot.release()
    assert gate.cost_s < 30.0


# ----------------------------------------------------------------------------- over HTTP


def test_a_burst_of_20x_the_concurrency_gets_200s_and_503s_with_retry_after_never_a_500(
    tmp_path: Path,
) -> None:
    lm = SlowScripted(delay_s=0.3)
    app = create_app(settings_for(tmp_path, lm_concurrency=1, lm_queue=1), lm=lm)
    with LiveServer(app) as server, ThreadPoolExecutor(max_workers=20) as pool:

        def call(i: int) -> httpx.Response:
            return httpx.post(server.url + "/v1/generate/prompt", json={"prompt": f"fox {i}"}, timeout=30)

        started = time.monotonic()
        answers = list(pool.map(call, range(20)))
        took = time.monotonic() - started
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) == {200, 503}, statuses
    assert 2 <= statuses.count(200) <= 6  # two at once, a few more as places free up
    for answer in answers:
        if answer.status_code == 503:
            assert int(answer.headers["retry-after"]) >= 1
            assert answer.json()["type"].endswith("/overloaded")
    assert took < 10


def test_a_full_gate_refuses_before_the_images_are_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.images

    decoded: list[str] = []
    original = app.images.check_image_bytes  # the first step of every image's validation

    def spy(data: bytes, declared: Any, field: str, limits: Any) -> Any:
        decoded.append(field)
        return original(data, declared, field, limits)

    monkeypatch.setattr(app.images, "check_image_bytes", spy)
    body = {"prompt": "a fox", "images": [BROKEN_IMAGE]}
    with make_client(settings_for(tmp_path, lm_concurrency=1, lm_queue=0), ScriptedLanguageModel()) as client:
        assert client.post("/v1/generate/prompt", json=body).status_code == 400  # with room: the image is bad
        assert decoded == ["images[0]"]
        place = client.app.state.service.admission.acquire()  # the model is busy
        try:
            refused = client.post("/v1/generate/prompt", json=body)
        finally:
            place.release()
    assert refused.status_code == 503 and refused.headers["retry-after"]
    assert decoded == ["images[0]"]  # the second request never reached the validator


def test_a_cached_answer_is_served_even_when_the_gate_is_full(tmp_path: Path) -> None:
    body = {"prompt": "a fox", "seed": 7}
    with make_client(settings_for(tmp_path, lm_concurrency=1, lm_queue=0), ScriptedLanguageModel()) as client:
        first = client.post("/v1/generate/prompt", json=body).json()
        place = client.app.state.service.admission.acquire()
        try:
            again = client.post("/v1/generate/prompt", json=body)
            other = client.post("/v1/generate/prompt", json={**body, "seed": 8})
        finally:
            place.release()
    assert again.status_code == 200 and again.json()["prompts"] == first["prompts"]
    assert other.status_code == 503


def test_a_full_image_queue_refuses_before_references_are_fetched_or_images_decoded(tmp_path: Path) -> None:
    target = FakeServer()
    target.route("GET", r"/ref.png", lambda r, m: Reply(200, body=png_bytes(), content_type="image/png"))
    with FakeOpenAI() as provider, target:
        settings = chain_settings(tmp_path / "data", provider.base_url, image_queue=1)
        with client_for(settings) as client:
            place = client.app.state.chain.admission.acquire()  # one generation already running
            try:
                fetching = client.post(
                    "/v1/generate/image",
                    json={"prompt": "a fox", "input_references": [target.url + "/ref.png"]},
                )
                decoding = client.post("/v1/generate/image", json={"prompt": "a fox", "image": BROKEN_IMAGE})
                openai_style = client.post("/v1/images/generations", json={"prompt": "a fox"})
            finally:
                place.release()
            after = client.post("/v1/generate/image", json={"prompt": "a fox", "image": BROKEN_IMAGE})
        assert target.requests == [] and provider.requests == []
    for refused in (fetching, decoding, openai_style):
        assert refused.status_code == 503 and refused.headers["retry-after"], refused.text
    assert openai_style.json()["error"]["code"] == "overloaded"
    assert after.status_code == 400  # with room again, the broken image is what is wrong


def test_an_async_job_keeps_its_place_until_it_ends(tmp_path: Path) -> None:
    with FakeOpenAI() as provider:
        provider.script(
            "POST", FakeOpenAI.GENERATIONS, Reply(200, FakeOpenAI.images_response("m", 1), delay=0.5)
        )
        settings = chain_settings(tmp_path / "data", provider.base_url, image_queue=1)
        with client_for(settings) as client:
            body = {"prompt": "a fox", "promptGeneration": {"mode": "none"}, "async": True}
            accepted = client.post("/v1/generate/image", json=body)
            refused = client.post("/v1/generate/image", json=body)
            gate = client.app.state.chain.admission
            deadline = time.monotonic() + 10
            while gate.in_flight and time.monotonic() < deadline:
                time.sleep(0.02)
            again = client.post("/v1/generate/image", json=body)
    assert (accepted.status_code, refused.status_code, again.status_code) == (202, 503, 202)


def test_a_full_describer_gate_refuses_captions(tmp_path: Path) -> None:
    with make_client(settings_for(tmp_path, describer_queue=1), ScriptedLanguageModel()) as client:
        place = client.app.state.describer_gate.acquire()
        try:
            response = client.post("/v1/generate/caption", json={"images": [BROKEN_IMAGE]})
        finally:
            place.release()
    assert response.status_code == 503 and response.headers["retry-after"]


def test_gates_are_reported_in_the_metrics(tmp_path: Path) -> None:
    with make_client(settings_for(tmp_path, lm_concurrency=1, lm_queue=0), ScriptedLanguageModel()) as client:
        place = client.app.state.service.admission.acquire()
        client.post("/v1/generate/prompt", json={"prompt": "a fox"})
        text = client.get("/metrics").text
        place.release()
    assert 'promptgen_admission_in_flight{gate="scripted"} 1' in text
    assert 'promptgen_admission_capacity{gate="scripted"} 1' in text
    assert 'promptgen_admission_rejected_total{gate="scripted"} 1' in text
    assert 'promptgen_admission_capacity{gate="image"}' in text


# ----------------------------------------------------------------------------- the deadline, over HTTP


def test_a_request_the_model_could_not_finish_in_time_is_refused_at_once_with_an_honest_retry_after(
    tmp_path: Path,
) -> None:
    lm = ScriptedLanguageModel()  # records its calls
    settings = settings_for(tmp_path, lm_concurrency=1, lm_queue=100, lm_timeout_s=10.0)
    with make_client(settings, lm) as client:
        gate = client.app.state.service.admission
        clock = Clock()
        gate.clock = clock
        served(gate, clock, batches=8, per_batch=1, batch_s=2.0, units=2.0)  # 1 s a candidate
        # A request of numResults 1 is two candidates (its result and the engine's spare): 2 s.
        held = [gate.acquire(units=2.0) for _ in range(4)]  # 8 s queued: all the headroom
        calls = len(lm.calls)
        refused = client.post("/v1/generate/prompt", json={"prompt": "a fox"})
        bigger = client.post("/v1/generate/prompt", json={"prompt": "a fox", "numResults": 5})
        assert len(lm.calls) == calls  # neither reached the model
        clock.now += 2.0
        held.pop().release()  # one done in 2 s: 6 s queued, a request of 2 s fits again
        fits = client.post("/v1/generate/prompt", json={"prompt": "a fox"})
        for slot in held:
            slot.release()
    assert fits.status_code == 200 and len(lm.calls) > calls
    assert refused.status_code == 503 and refused.json()["type"].endswith("/overloaded")
    # (8 + 2) s of work against 8 s of headroom: back once 2 s of it have drained.
    assert refused.headers["retry-after"] == "2" and refused.json()["retryAfter"] == 2
    assert "10s deadline" in refused.json()["detail"] and "jobId" not in refused.json()
    assert bigger.status_code == 503 and bigger.headers["retry-after"] == "6"  # 8 + 6 - 8 s


class SerialScripted(ScriptedLanguageModel):
    """The scripted model serving one call at a time, each `service_s` long: a model whose
    capacity is known."""

    def __init__(self, service_s: float) -> None:
        super().__init__()
        self.service_s = service_s
        self.lock: asyncio.Lock | None = None

    async def generate(self, requests: Any, deadline_s: float) -> Any:
        if self.lock is None:
            self.lock = asyncio.Lock()
        lock = self.lock

        async def served() -> Any:
            async with lock:
                await asyncio.sleep(self.service_s)
                return await ScriptedLanguageModel.generate(self, requests, deadline_s)

        try:  # like a real backend, it gives up at the deadline
            return await asyncio.wait_for(served(), deadline_s)
        except TimeoutError:
            raise UpstreamTimeout(
                "the model did not finish before the deadline", backend="scripted"
            ) from None


def test_under_a_burst_what_is_admitted_finishes_and_the_rest_is_refused_at_once(tmp_path: Path) -> None:
    """Before: every request within `lm_concurrency + lm_queue` was admitted, and the queue took
    longer than the deadline, so admitted requests failed with 504 after waiting all of it."""
    lm = SerialScripted(service_s=0.1)
    settings = settings_for(tmp_path, lm_concurrency=1, lm_queue=200, lm_timeout_s=2.0)
    app = create_app(settings, lm=lm)
    with LiveServer(app) as server:

        async def burst() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                for i in range(5):  # the gate measures the model's pace
                    assert (
                        await client.post("/v1/generate/prompt", json={"prompt": f"owl {i}"})
                    ).status_code == 200
                return await asyncio.gather(
                    *(client.post("/v1/generate/prompt", json={"prompt": f"fox {i}"}) for i in range(60))
                )

        answers = asyncio.run(burst())
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 503}, statuses  # no 504: nothing admitted times out
    assert statuses.count(200) >= 2 and statuses.count(503) >= 1
    for answer in answers:
        if answer.status_code == 503:
            assert int(answer.headers["retry-after"]) >= 1
