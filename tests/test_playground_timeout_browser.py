"""Issue 22, item 1, in the browser: the embedded model's timeouts read as advice, not as
"Upstream backend timed out (504)". The scripted model raises exactly what the local model
raises (`LocalLanguageModel._timed_out`), so the page gets the same problem body; Chromium
and Playwright as in `test_playground_browser.py` (skipped, saying why, without them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.server import create_app
from app.settings import load_settings
from benchmarks.common import LiveServer
from models.lm.local import LocalLanguageModel
from models.lm.scripted import ScriptedLanguageModel
from tests.test_playground_browser import ARGS, ARTIFACTS, CHROMIUM, TIMEOUT_MS, expect, sync_api

pytestmark = pytest.mark.timeout(120)


class TimingOut(ScriptedLanguageModel):
    """Times out as the local model does: alone on a slow machine, or behind other requests."""

    alone = True

    async def generate(self, requests: list[Any], deadline_s: float) -> list[Any]:
        raise LocalLanguageModel(alone_limit_s=120)._timed_out(self.alone, 118)


@pytest.fixture(scope="module")
def lm() -> TimingOut:
    return TimingOut()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, lm: TimingOut) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("playground-timeout") / "data"
    settings = load_settings(env={}, dotenv=None, data_dir=str(data), lm_backend="scripted")
    with LiveServer(create_app(settings, lm=lm)) as live:
        yield live


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, server: LiveServer) -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS, timeout=30_000
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            tab.goto(server.url + "/")
            expect(tab.locator("#server-status")).to_contain_text("ready")
            yield tab
            assert not errors, f"script errors on the page: {errors}"
        finally:
            context.close()


@pytest.mark.parametrize(
    ("alone", "advice", "meta"),
    [
        (True, "raise PROMPTGEN_REQUEST_TIMEOUT_S", "setting: PROMPTGEN_REQUEST_TIMEOUT_S"),
        (False, "the local model is busy", "try again in"),
    ],
)
def test_a_timeout_of_the_embedded_model_shows_what_to_do(
    page: Any, lm: TimingOut, alone: bool, advice: str, meta: str
) -> None:
    lm.alone = alone
    page.get_by_label("Spark", exact=True).fill("a lighthouse keeper's cat watching a storm")
    page.get_by_role("button", name="Generate prompts").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(page.locator("#error-title")).to_have_text("The model took too long")
    expect(alert).not_to_contain_text("Upstream backend timed out")
    expect(page.locator("#error-detail")).to_contain_text(advice)
    expect(page.locator("#error-meta")).to_contain_text(meta)
    expect(page.locator("#error-meta")).to_contain_text("HTTP 504")
    page.screenshot(
        path=str(Path(ARTIFACTS) / f"22-timeout-{'alone' if alone else 'busy'}.png"), full_page=True
    )
