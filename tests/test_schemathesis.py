"""Schemathesis against the service's own OpenAPI document: every operation, valid and invalid
requests generated from the schema, sent over HTTP to a real server on loopback (scripted
language model, fake image provider). No answer may be a 5xx, and every answer must match
the document: its status, content type and body schema.

Bounded: a fixed number of examples per operation (`POSITIVE`, `NEGATIVE`), no shrinking,
no example database; the whole run takes well under a minute.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

import httpx  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis import checks as st_checks  # noqa: E402

import app.fetch  # noqa: E402
from app.server import create_app  # noqa: E402
from benchmarks.common import LiveServer  # noqa: E402
from models.lm.scripted import ScriptedLanguageModel  # noqa: E402
from tests.chain_helpers import chain_settings  # noqa: E402
from tests.fakes.image_providers import FakeOpenAI  # noqa: E402

POSITIVE = int(os.environ.get("PROMPTGEN_SCHEMATHESIS_EXAMPLES", "25"))
NEGATIVE = max(5, POSITIVE // 2)
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
]


async def _documentation_only(host: str, port: int) -> list[str]:
    """Every name resolves to TEST-NET-1, which the fetch policy refuses: no test reaches out."""
    return ["192.0.2.1"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    patch = pytest.MonkeyPatch()
    patch.setattr(app.fetch, "system_resolver", _documentation_only)
    fake = FakeOpenAI().start()
    data = Path(tmp_path_factory.mktemp("schemathesis")) / "data"
    settings_ = chain_settings(
        data,
        fake.base_url,
        image_models="openai:*",  # no request may pick a real provider
        fetch_allow_hosts="",
        webhook_max_attempts=1,
    )
    try:
        with LiveServer(create_app(settings_, lm=ScriptedLanguageModel())) as live:
            yield live.url
    finally:
        fake.stop()
        patch.undo()


@pytest.fixture(scope="module")
def schema(server: str) -> Any:
    raw = httpx.get(server + "/schema/openapi.json", timeout=10).json()
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.config.update(base_url=server)
    return loaded


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _run(operation: Any, mode: GenerationMode, examples: int, server: str) -> list[str]:
    failures: list[str] = []
    checks = CHECKS + ([st_checks.negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def exercise(case: Any) -> None:
        response = case.call(base_url=server, timeout=30)
        try:
            case.validate_response(response, checks=checks)
        except Exception as exc:  # a FailureGroup: keep the first line of each, go on
            failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")

    try:
        exercise()
    except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters, no body)
        assert mode == GenerationMode.NEGATIVE, operation.label
    return failures


def test_no_operation_answers_a_5xx_or_breaks_its_schema(schema: Any, server: str) -> None:
    failures: list[str] = []
    operations = _operations(schema)
    assert len(operations) >= 15, [op.label for op in operations]
    for operation in operations:
        failures += _run(operation, GenerationMode.POSITIVE, POSITIVE, server)
        failures += _run(operation, GenerationMode.NEGATIVE, NEGATIVE, server)
    assert not failures, "\n\n".join(failures[:10]) + f"\n\n({len(failures)} failures)"


def test_every_post_operation_documents_its_request_body(schema: Any) -> None:
    raw = schema.raw_schema
    for path, item in raw["paths"].items():
        for method, operation in item.items():
            if method == "post":
                assert "requestBody" in operation, f"POST {path} has no request body in the document"
            assert "default" in operation["responses"], (
                f"{method.upper()} {path} documents no problem details"
            )
