"""Nothing a request sends can stall the event loop: `/healthz` keeps answering while hostile
requests are in flight against a real `python -m app serve` on loopback.

Each hostile body is sized where the old code took seconds of CPU on the loop:
- a body of escaped quotes ahead of 40 `[`, which made the JSON nesting guard backtrack
  quadratically (48 KB froze every route for 17 s; the 256 KB one for minutes);
- 20,000 characters of leetspeak names on `POST /v1/ip/clear` (5.5 s, growing faster than
  linearly: every finding re-joined the whole text written so far);
- the same text, several at once, on both IP routes;
- 60 MiB of `[]` on the prompt route (8 s of the old guard, token by token).
`/healthz` is probed the whole time; every probe must answer within `BOUND_S`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_load import KEY, Service, service_env

BOUND_S = 1.0
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
LEET = ("M1ck3y M0u5e P1k4chu G0ku " * 1000)[:20000]


def escaped_quotes(size: int) -> bytes:
    """`"` + `\\"` repeated + 40 `[`: an unterminated string the old guard rescanned from every quote."""
    return ('"' + '\\"' * ((size - 41) // 2) + "[" * 40).encode()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("event_loop")
    env = service_env(
        tmp / "data",
        PROMPTGEN_LM_BACKEND="scripted",
        PROMPTGEN_RATE_LIMIT_PER_MINUTE="100000",
        PROMPTGEN_RATE_LIMIT_BURST="10000",
    )
    server = Service(env, tmp / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


def healthz_while(url: str, requests: list[tuple[str, bytes]]) -> tuple[list[float], list[Any]]:
    """Send `requests` at once and probe `/healthz` until all are answered (three probes at least);
    returns every probe's latency (a probe that failed counts as infinitely slow) and the answers."""
    answers: list[Any] = [None] * len(requests)

    def send(index: int, path: str, body: bytes) -> None:
        try:
            answers[index] = httpx.post(url + path, content=body, headers=HEADERS, timeout=300)
        except httpx.HTTPError as exc:
            answers[index] = exc

    threads = [
        threading.Thread(target=send, args=(i, path, body), daemon=True)
        for i, (path, body) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    latencies: list[float] = []
    with httpx.Client(timeout=30) as probe:
        while any(t.is_alive() for t in threads) or len(latencies) < 3:
            started = time.perf_counter()
            try:
                ok = probe.get(url + "/healthz").status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - started if ok else float("inf"))
            time.sleep(0.02)
    for thread in threads:
        thread.join(timeout=300)
    return latencies, answers


def status(answer: Any) -> int:
    assert isinstance(answer, httpx.Response), f"no answer: {answer!r}"
    return answer.status_code


@pytest.mark.parametrize("size", [48 * 1024, 250 * 1024])
def test_healthz_answers_while_a_body_of_escaped_quotes_is_checked_for_nesting(
    service: Service, size: int
) -> None:
    body = escaped_quotes(size)
    started = time.perf_counter()
    latencies, answers = healthz_while(service.url, [("/v1/ip/check", body), ("/v1/generate/prompt", body)])
    assert max(latencies) < BOUND_S, f"/healthz took {max(latencies):.2f} s ({len(latencies)} probes)"
    assert [status(a) for a in answers] == [400, 400]
    assert time.perf_counter() - started < 10 * BOUND_S


def test_healthz_answers_while_a_large_body_of_brackets_is_decoded(service: Service) -> None:
    """60 MiB of `[]` under the prompt route's cap: the guard took 8 s of the loop token by
    token; now it is a few C passes, and a body over 1 MiB is decoded in a worker thread."""
    body = b"[" * 20 + b"[]" * (30 * 1024 * 1024) + b"]" * 20
    latencies, answers = healthz_while(service.url, [("/v1/generate/prompt", body)])
    assert max(latencies) < BOUND_S, f"/healthz took {max(latencies):.2f} s ({len(latencies)} probes)"
    assert [status(a) for a in answers] == [400]


def test_healthz_answers_while_long_leetspeak_texts_are_cleared(service: Service) -> None:
    clear = json.dumps({"text": LEET}).encode()
    check = json.dumps({"text": LEET}).encode()
    requests = [("/v1/ip/clear", clear)] * 3 + [("/v1/ip/check", check)]
    latencies, answers = healthz_while(service.url, requests)
    assert max(latencies) < BOUND_S, f"/healthz took {max(latencies):.2f} s ({len(latencies)} probes)"
    assert [status(a) for a in answers] == [200] * 4
    cleared = answers[0].json()
    assert cleared["action"] == "flagged" and "P1k4chu" not in cleared["text"]
    found = {f["entities"][0] for f in answers[3].json()["findings"]}
    assert found >= {"Pikachu", "Mickey Mouse", "Son Goku"}


def test_the_hostile_bodies_are_refused_the_same_way_in_process(tmp_path: Path) -> None:
    """The guard's answer to the escaped-quote body: a 400, quickly (no server needed)."""
    from app.errors import RequestError
    from app.protocol import MAX_NESTING, _nesting_depth_exceeds, decode_strict
    from app.routes.ip import IPCheckRequest

    for size in (48 * 1024, 256 * 1024):
        body = escaped_quotes(size)
        started = time.perf_counter()
        assert _nesting_depth_exceeds(body, MAX_NESTING)  # today's answer: the 40 `[` count
        with pytest.raises(RequestError):
            decode_strict(body, IPCheckRequest)
        assert time.perf_counter() - started < 0.5


# --- the nesting guard against the scan it replaced --------------------------------------------

_OLD_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def old_nesting_depth_exceeds(body: bytes, limit: int) -> bool:
    """The guard as it was (quadratic on unterminated strings), kept as the reference."""
    depth = 0
    for match in _OLD_TOKEN.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


STRING_CHARS = st.sampled_from(["a", "[", "]", "{", "}", '\\"', "\\\\", "\\n", "\\[", ",", "é"])
JSON_STRINGS = st.lists(STRING_CHARS, max_size=8).map(lambda chars: '"' + "".join(chars) + '"')
OUTSIDE = st.sampled_from(["[", "]", "{", "}", ",", ":", "1", " ", "null"])
BODIES = st.builds(
    lambda parts, tail: ("".join(parts) + tail).encode(),
    st.lists(OUTSIDE | JSON_STRINGS, max_size=60),
    st.sampled_from(["", '"', '"[[[[', '"\\', '"\\"[[[', '"\\\\"'])
    | st.lists(STRING_CHARS, max_size=6).map(lambda chars: '"' + "".join(chars)),
)


@settings(max_examples=600, deadline=None)
@given(body=BODIES, limit=st.integers(min_value=0, max_value=4))
def test_the_linear_nesting_guard_answers_as_the_old_scan(body: bytes, limit: int) -> None:
    """Any body without a backslash outside its strings (every JSON text, and strings left open
    at the end), brackets inside and outside strings, escaped quotes and backslashes."""
    from app.protocol import _nesting_depth_exceeds

    assert _nesting_depth_exceeds(body, limit) == old_nesting_depth_exceeds(body, limit)


def test_the_nesting_guard_is_linear_on_large_hostile_bodies() -> None:
    """Bodies of the largest route cap's order, each a fraction of a second (the old scan:
    seconds for 64 MiB of `[]`, minutes for 256 KB of escaped quotes)."""
    from app.protocol import MAX_NESTING, _nesting_depth_exceeds

    mib = 1024 * 1024
    cases = [
        (escaped_quotes(256 * 1024), True),
        (b"[" * 20 + b"[]" * (8 * mib) + b"]" * 20, False),
        (b"[" * 33 + b'"",' * (5 * mib), True),
        (b"[" * 31 + b'[""],' * (3 * mib) + b"]" * 31, False),
        (b'["' + b"\\\\" * (8 * mib) + b'"' + b"[" * 40, True),
        (b'{"a": "' + b'\\"[' * (4 * mib) + b'"}', False),
    ]
    for body, exceeds in cases:
        started = time.perf_counter()
        assert _nesting_depth_exceeds(body, MAX_NESTING) is exceeds
        assert time.perf_counter() - started < 2.0, len(body)


# --- IP detection and clearing: linear in the text, off the loop when long -------------------


def _best_of(fn: Any, text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize(
    "unit",
    [
        "M1ck3y M0u5e P1k4chu G0ku ",  # leetspeak names: every finding re-joined all written so far
        "Pikachu. ",  # a sentence start before each finding: a $-anchored search over all of it
        "apple ",  # an ambiguous word everywhere: its context window found by a scan of all words
        "Рikachu Мickey ",  # look-alike letters (the slow folding path)
    ],
)
def test_ip_clearing_grows_linearly_with_the_text(unit: str) -> None:
    from modes.ip import IPFilter

    ip_filter = IPFilter.default()
    small, large = ((unit * 4000)[:n] for n in (5000, 20000))
    ratio = _best_of(ip_filter.clear, large) / max(_best_of(ip_filter.clear, small), 1e-4)
    assert ratio < 8, f"4x the text took {ratio:.1f}x the time (quadratic: 16x)"


_SHORT = [
    " ",
    "\n",
    "\t",
    "\u00a0",
    ".",
    "!",
    "?",
    '"',
    "'",
    "“",
    "(",
    "[",
    "a",
    "B",
    "x.",
    "-",
    "art",
    "style",
]
TAIL_PIECES = st.sampled_from([*_SHORT, "esque", ",", "’s", "'s", " " * 90, "\n" * 70, "a" * 80, "-" * 70])


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(TAIL_PIECES, max_size=8))
def test_the_bounded_reads_of_the_clearer_answer_as_the_whole_text(pieces: list[str]) -> None:
    """`_starts_sentence` agrees with the search it replaces, and each pattern read after a
    finding matches the same in the bounded window as in the whole rest of the text."""
    from modes.ip import clear

    text = "".join(pieces)
    assert clear._starts_sentence(text) == bool(clear._SENTENCE_START.search(text))
    full = "Pikachu" + text
    window = clear._after(full, 7)
    for pattern in (clear._NEXT_WORD, clear._TAG_AFTER, clear._ESQUE, clear._STYLE_AFTER):
        whole, bounded = pattern.match(full[7:]), pattern.match(window)
        assert (whole and whole.group(0)) == (bounded and bounded.group(0)), pattern.pattern
    assert full[7:].startswith(("'s style", "’s style")) == window.startswith(("'s style", "’s style"))


def test_long_texts_are_checked_and_cleared_in_a_worker_thread() -> None:
    """`acheck`/`aclear` run a long text away from the event loop's thread, a short one on it."""
    import asyncio

    from modes.ip import IPFilter
    from modes.ip.clear import OFF_LOOP_CHARS

    ip_filter = IPFilter.default()
    seen: list[int] = []
    check, clear = ip_filter.check, ip_filter.clear

    class Spy(IPFilter):
        def check(self, text: str) -> Any:
            seen.append(threading.get_ident())
            return check(text)

        def clear(self, text: str) -> Any:
            seen.append(threading.get_ident())
            return clear(text)

    spy = Spy(ip_filter.lexicon)

    async def run() -> int:
        assert (await spy.aclear("a Pikachu")).findings
        assert await spy.acheck("a Pikachu")
        assert (await spy.aclear(LEET)).findings and len(LEET) > OFF_LOOP_CHARS
        assert await spy.acheck(LEET)
        return threading.get_ident()

    loop_thread = asyncio.run(run())
    assert [ident == loop_thread for ident in seen] == [True, True, False, False]
