"""Every 503 says when to come back: an upstream's `Retry-After` is read in seconds or as an HTTP
date, and one that is absent or unreadable gives a default rather than a 503 without it."""

from __future__ import annotations

import asyncio
import email.utils
import time

import httpx
import pytest

from app.errors import Overloaded, UpstreamUnavailable, headers_of
from models.image.retry import Retryable, error_for_status
from models.lm.base import ChatMessage, LMRequest
from models.lm.openai import OpenAILanguageModel
from models.retry_after import DEFAULT_RETRY_AFTER_S, parse_retry_after, retry_after_seconds


def http_date(seconds_from_now: float, usegmt: bool = True) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=usegmt)


def test_retry_after_in_seconds_milliseconds_and_http_dates() -> None:
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    assert 25 <= (parse_retry_after({"Retry-After": http_date(30)}) or 0) <= 31  # IMF-fixdate
    asctime = time.asctime(time.gmtime(time.time() + 30))  # the obsolete form, no zone: GMT
    assert 25 <= (parse_retry_after({"Retry-After": asctime}) or 0) <= 31
    assert parse_retry_after({"Retry-After": http_date(-60)}) == 0.0  # a date past: now


@pytest.mark.parametrize("value", ["soon", "", "  ", "nan", "inf", "Mon, 99 Foo 2026 99:99:99 GMT", "-"])
def test_an_unreadable_retry_after_gives_the_default(value: str) -> None:
    assert parse_retry_after({"Retry-After": value}) is None
    assert retry_after_seconds({"Retry-After": value}) == DEFAULT_RETRY_AFTER_S
    assert retry_after_seconds({}) == DEFAULT_RETRY_AFTER_S
    assert retry_after_seconds({"Retry-After": "0.2"}) == 1  # rounded up, at least one second


def lm_answering(status: int, headers: dict[str, str]) -> OpenAILanguageModel:
    client = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(status, json={"error": {}}, headers=headers))
    )
    return OpenAILanguageModel(
        model="m", base_url="http://fake.invalid/v1", api_key="k", max_retries=0, http_client=client
    )


ROW = LMRequest(messages=(ChatMessage("user", "Spark: a fox"),))


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, (12, 12)),
        ({"Retry-After": "HTTP-DATE"}, (55, 61)),  # an HTTP date a minute away
        ({"Retry-After": "later, please"}, (DEFAULT_RETRY_AFTER_S, DEFAULT_RETRY_AFTER_S)),
        ({}, (DEFAULT_RETRY_AFTER_S, DEFAULT_RETRY_AFTER_S)),
    ],
)
def test_the_language_model_backend_passes_on_when_to_retry(
    status: int, headers: dict[str, str], expected: tuple[int, int]
) -> None:
    if headers.get("Retry-After") == "HTTP-DATE":
        headers = {"Retry-After": http_date(60)}
    with pytest.raises(UpstreamUnavailable) as info:
        asyncio.run(lm_answering(status, headers).generate([ROW], 5))
    low, high = expected
    assert low <= int(headers_of(info.value)["Retry-After"]) <= high


def test_an_image_provider_503_without_retry_after_still_says_when() -> None:
    from models.image.retry import Deadline, RetryPolicy, call_with_retries

    async def attempt() -> None:
        failure = error_for_status("fake", 503, "busy", None)
        assert isinstance(failure, Retryable)
        raise failure

    with pytest.raises(UpstreamUnavailable) as info:
        asyncio.run(
            call_with_retries(attempt, provider="fake", policy=RetryPolicy(max_retries=0), deadline=Deadline(5))
        )
    assert headers_of(info.value)["Retry-After"] == str(DEFAULT_RETRY_AFTER_S)


def test_every_503_problem_carries_retry_after() -> None:
    bare = UpstreamUnavailable("cannot reach the language model server", backend="openai")
    assert headers_of(bare)["Retry-After"] == str(DEFAULT_RETRY_AFTER_S)
    assert headers_of(Overloaded("full", retry_after=9))["Retry-After"] == "9"  # its own estimate kept
