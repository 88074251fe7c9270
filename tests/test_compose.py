"""`compose.yaml` documents the distributed profile's production layout (issue 20, item 6): it
is valid YAML, has the services it describes, and every `PROMPTGEN_*` variable it sets is one
the service reads; the replicas' environment makes the distributed profile. No Docker here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.profile import describe
from app.settings import PREFIX, Settings, backend_fields, load_settings

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_has_the_engines_two_replicas_a_proxy_and_the_model_server() -> None:
    services = compose()["services"]
    assert {"proxy", "postgres", "redis", "minio", "vllm"} <= services.keys()
    replicas = [s for s in services.values() if s.get("command", [])[:4] == ["python", "-m", "app", "serve"]]
    assert len(replicas) >= 2
    nginx = compose()["configs"]["nginx"]["content"]
    assert all(f"server {name}:8000" in nginx for name in ("api-1", "api-2"))


def test_every_promptgen_variable_in_compose_is_one_the_service_reads() -> None:
    known = {PREFIX + name.upper() for name in (*Settings.__struct_fields__, *backend_fields())}
    for name, service in compose()["services"].items():
        for variable in service.get("environment", {}):
            if variable.startswith(PREFIX):
                assert variable in known, f"{name}: {variable} is not a setting"


def test_the_replicas_environment_makes_the_distributed_profile() -> None:
    env = compose()["services"]["api-1"]["environment"]
    filled = {k: re.sub(r"\$\{\w+\}", "placeholder", str(v)) for k, v in env.items()}
    settings = load_settings(env=filled, dotenv=None)
    profile = describe(settings)
    assert profile.name == "distributed" and profile.local == [], profile
    assert {"PROMPTGEN_DATABASE_URL", "PROMPTGEN_QUEUE_URL", "PROMPTGEN_BLOB_URL"} <= env.keys()


def test_the_defaults_make_the_embedded_profile() -> None:
    profile = describe(load_settings(env={}, dotenv=None))
    assert profile.name == "embedded"
    assert {e.part: e.engine for e in profile.engines}["jobs"] == "in-process"


@pytest.mark.parametrize(
    ("queue_url", "engine", "target"),
    [
        ("redis://cache:6379/0", "saq on redis", "redis://cache:6379/0"),
        ("postgresql+asyncpg://u:p@queue/q", "saq on postgres", "postgresql://u:p@queue/q"),
        ("database", "saq on postgres (the database's)", "postgresql://u:p@db/app"),
        ("postgres://u:p@db/app", "saq on postgres (the database's)", "postgresql://u:p@db/app"),
    ],
)
def test_the_queue_url_names_the_queue_engine(queue_url: str, engine: str, target: str) -> None:
    env = {"PROMPTGEN_DATABASE_URL": "postgresql://u:p@db/app", "PROMPTGEN_QUEUE_URL": queue_url}
    settings = load_settings(env=env, dotenv=None)
    assert settings.queue_target == target
    jobs = {e.part: e for e in describe(settings).engines}["jobs"]
    assert jobs.engine == f"{engine}, workers in-process" and jobs.shared


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"PROMPTGEN_QUEUE_URL": "amqp://rabbit/"}, "a Redis URL (redis://"),
        ({"PROMPTGEN_QUEUE_URL": "database"}, "must then be Postgres"),
    ],
)
def test_a_queue_url_that_is_no_queue_stops_the_start_with_one_line(env: dict[str, str], says: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        load_settings(env=env, dotenv=None)
    message = str(stopped.value)
    assert message.startswith("invalid configuration: ") and says in message and "\n" not in message
