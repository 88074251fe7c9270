"""The command line: `python -m app prompt | images | config | serve`.

`prompt` and `images` run against a real `python -m app serve` on 127.0.0.1 (scripted language
model, a fake OpenAI Images provider on loopback), found at the configured address
(`PROMPTGEN_PORT`) with no `--url`; the in-process fallback runs against a port nothing listens on.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import modes
from modes.editors import EDITORS
from tests.fakes.image_providers import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(
    *args: str, env: dict[str, str] | None = None, tmp_path: Path, port: int | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess; `port` is the configured service address's (default: one that
    nothing listens on, so that whatever serves on this machine's 8000 never answers a test)."""
    full_env = {
        **os.environ,
        "PROMPTGEN_LM_BACKEND": "scripted",
        "PROMPTGEN_DATA_DIR": str(tmp_path / "cli-data"),
        "PROMPTGEN_PORT": str(port or free_port()),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class Served:
    def __init__(self, port: int, log: Path, fake: FakeOpenAI) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.fake = fake

    def requests_logged(self, route: str) -> int:
        return sum(1 for line in self.log.read_text().splitlines() if f'"route": "{route}"' in line)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`python -m app serve` with the scripted model and the openai image backend at a fake."""
    tmp = tmp_path_factory.mktemp("served")
    log = tmp / "serve.log"
    port = free_port()
    with FakeOpenAI() as fake:
        env = {
            **os.environ,
            "PROMPTGEN_LM_BACKEND": "scripted",
            "PROMPTGEN_DATA_DIR": str(tmp / "data"),
            "PROMPTGEN_IMAGE_BACKEND": "openai:gpt-image-1",
            "PROMPTGEN_IMAGE_OPENAI_BASE_URL": fake.base_url,
            "PROMPTGEN_IMAGE_API_KEY": "sk-fake-images-0123456789",
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the service did not become ready"
                time.sleep(0.1)
            yield Served(port, log, fake)
        finally:
            process.terminate()
            process.wait(timeout=30)


# ----------------------------------------------------------------------------- prompt


def test_prompt_talks_to_the_running_service_and_prints_only_the_prompts(
    served: Served, tmp_path: Path
) -> None:
    before = served.requests_logged("/v1/generate/prompt")
    result = run_cli(
        "prompt",
        "a paper boat",
        "--mode",
        "completion",
        "-n",
        "3",
        "--seed",
        "4",
        tmp_path=tmp_path,
        port=served.port,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith("a paper boat") for line in lines)
    assert result.stderr == ""  # no note, no log line, no warning
    assert served.requests_logged("/v1/generate/prompt") == before + 1  # the service answered
    assert not (tmp_path / "cli-data").exists()  # nothing ran in-process


def test_prompt_verbose_logs_on_stderr_only(served: Served, tmp_path: Path) -> None:
    result = run_cli("prompt", "a kite", "-v", "--seed", "1", tmp_path=tmp_path, port=served.port)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 1
    assert f"{served.url}/v1/generate/prompt answered 200" in result.stderr


def test_prompt_json_prints_the_api_body(served: Served, tmp_path: Path) -> None:
    result = run_cli("prompt", "a paper boat", "--json", "--seed", "4", tmp_path=tmp_path, port=served.port)
    body = json.loads(result.stdout)
    assert body["mode"] == "structured" and body["job"]["jobId"].startswith("job_")


def test_an_explicit_url_is_used(served: Served, tmp_path: Path) -> None:
    result = run_cli("prompt", "a kite", "--url", served.url + "/", "-n", "2", tmp_path=tmp_path)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2 and result.stderr == ""


def test_with_no_service_it_runs_in_process_with_a_one_line_note(tmp_path: Path) -> None:
    port = free_port()
    result = run_cli("prompt", "a paper boat", "-n", "2", "--seed", "4", tmp_path=tmp_path, port=port)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    note = result.stderr.splitlines()
    assert len(note) == 1 and note[0].startswith(f"note: no service at http://127.0.0.1:{port}")


def test_local_runs_in_process_without_asking_a_service(served: Served, tmp_path: Path) -> None:
    before = served.requests_logged("/v1/generate/prompt")
    result = run_cli("prompt", "a paper boat", "--local", tmp_path=tmp_path, port=served.port)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 1 and result.stderr == ""
    assert served.requests_logged("/v1/generate/prompt") == before


def test_an_explicit_url_that_does_not_answer_is_an_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli("prompt", "a kite", "--url", url, tmp_path=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert url in result.stderr and "--local" in result.stderr


def test_a_bad_mode_lists_the_valid_modes(tmp_path: Path) -> None:
    result = run_cli("prompt", "a kite", "--mode", "bogus", tmp_path=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "bogus" in result.stderr
    for name in modes.registry.wire_names():  # names and aliases
        assert f"'{name}'" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("-n", "9"), "-n/--num-results: 9 is not between 1 and 5"),
        (("--temperature", "3"), "--temperature: 3 is not between 0 and 2"),
        (("--top-p", "x"), "--top-p: 'x' is not a number"),
        (("--seed", "-1"), "--seed: -1 is not between 0 and 4294967295"),
    ],
)
def test_a_value_out_of_range_names_the_range(tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    result = run_cli("prompt", "a kite", *args, tmp_path=tmp_path)
    assert result.returncode == 2 and says in result.stderr


def test_a_service_error_names_the_option_and_keeps_stdout_empty(served: Served, tmp_path: Path) -> None:
    result = run_cli("prompt", "--mode", "contextual", tmp_path=tmp_path, port=served.port)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("python -m app prompt: error: --image: contextual mode needs")
    assert "[400 validation-error]" in result.stderr


def test_a_bad_editor_lists_the_editors(served: Served, tmp_path: Path) -> None:
    from tests import image_samples

    image = tmp_path / "photo.png"
    image.write_bytes(image_samples.encode(image_samples.sunset()))
    result = run_cli(
        "prompt",
        "add a hat",
        "--mode",
        "image-editing",
        "--image",
        str(image),
        "--editor",
        "bogus",
        tmp_path=tmp_path,
        port=served.port,
    )
    assert result.returncode == 1 and "--model-id" in result.stderr
    assert all(editor in result.stderr for editor in EDITORS)


def test_help_lists_the_modes_the_editors_and_every_option(tmp_path: Path) -> None:
    result = run_cli("prompt", "--help", tmp_path=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # argparse wraps lines
    for name in modes.registry.wire_names():
        assert name in text
    for editor in EDITORS:
        assert editor in text.replace("- ", "-")
    for option in (
        "-n N, --num-results N",
        "--seed SEED",
        "--temperature T",
        "--top-p P",
        "--mode MODE",
        "--model-id",
        "--image FILE",
        "--url",
        "--local",
        "--json",
        "--verbose",
        "examples:",
    ):
        assert option in text, option
    top = run_cli("--help", tmp_path=tmp_path).stdout
    assert all(f"python -m app {command}" in top for command in ("serve", "prompt", "images", "config"))


# ----------------------------------------------------------------------------- images


def test_images_saves_the_generated_images_and_prints_their_paths(served: Served, tmp_path: Path) -> None:
    out = tmp_path / "pictures"
    result = run_cli(
        "images", "a red fox", "-n", "2", "--seed", "7", "-o", str(out), tmp_path=tmp_path, port=served.port
    )
    assert result.returncode == 0, result.stderr
    paths = [Path(line) for line in result.stdout.splitlines()]
    assert [p.name for p in paths] == ["a-red-fox-1.png", "a-red-fox-2.png"]
    assert all(p.parent == out and p.read_bytes().startswith(PNG_MAGIC) for p in paths)
    assert result.stderr == ""
    again = run_cli("images", "a red fox", "-o", str(out), tmp_path=tmp_path, port=served.port)
    assert again.stdout.strip().endswith("a-red-fox-3.png")  # never overwrites


def test_images_json_names_the_files_instead_of_inlining_the_bytes(served: Served, tmp_path: Path) -> None:
    result = run_cli("images", "a kite", "--json", "-o", str(tmp_path), tmp_path=tmp_path, port=served.port)
    body: dict[str, Any] = json.loads(result.stdout)
    assert body["prompts"] and body["images"]
    assert all("b64_json" not in image and Path(image["file"]).is_file() for image in body["images"])


def test_images_errors_name_the_option(served: Served, tmp_path: Path) -> None:
    result = run_cli(
        "images",
        "a kite",
        "--model",
        "nowhere:thing",
        "-o",
        str(tmp_path / "out"),
        tmp_path=tmp_path,
        port=served.port,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("python -m app images: error: --model: ")
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- config


def test_config_prints_promptgen_names_with_effective_values(tmp_path: Path) -> None:
    result = run_cli(
        "config", env={"PROMPTGEN_OPENAI_API_KEY": "sk-very-secret"}, tmp_path=tmp_path, port=8123
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "# profile: embedded"  # the profile first, as comments a .env file ignores
    values = dict(line.split("=", 1) for line in lines if not line.startswith("#"))
    assert all(name.startswith("PROMPTGEN_") for name in values)
    assert values["PROMPTGEN_LM_BACKEND"] == "scripted" and values["PROMPTGEN_PORT"] == "8123"
    assert values["PROMPTGEN_OPENAI_API_KEY"] == "***"
    # defaults computed by the image backends, shown as computed
    assert values["PROMPTGEN_IMAGE_TIMEOUT_S"] == "120" and values["PROMPTGEN_IMAGE_MAX_RETRIES"] == "2"
    assert "sk-very-secret" not in result.stdout + result.stderr
    as_json = json.loads(run_cli("config", "--json", tmp_path=tmp_path).stdout)
    assert as_json["PROMPTGEN_IMAGE_TIMEOUT_S"] == 120.0 and None not in as_json.values()


def test_invalid_configuration_stops_with_a_message_naming_the_variable(tmp_path: Path) -> None:
    result = run_cli("config", env={"PROMPTGEN_WORD_LIMIT": "eighty"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "PROMPTGEN_" in result.stderr


# ----------------------------------------------------------------------------- serve


def test_serve_answers_on_loopback(served: Served) -> None:
    response = httpx.post(
        served.url + "/v1/generate/prompt", json={"prompt": "a kite", "numResults": 2}, timeout=30
    )
    assert response.status_code == 200 and len(response.json()["prompts"]) == 2
    first = served.log.read_text().splitlines()[0]
    assert json.loads(first)["logger"]  # not a terminal: JSON lines


def test_in_process_a_failure_is_one_line_on_stderr(tmp_path: Path) -> None:
    result = run_cli("prompt", "--local", "--mode", "contextual", "--seed", "1", tmp_path=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
