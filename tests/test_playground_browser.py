"""The playground page end to end in a real browser: Debian's Chromium driven by Playwright,
headless, against the service on 127.0.0.1 (scripted language model; images from the fake
OpenAI Images provider on loopback).

Each test leaves a screenshot of the state it reached in `test-artifacts/playground/`
(git-ignored). Skipped, saying why, when Playwright or Chromium is missing.
Set `PROMPTGEN_TEST_CHROMIUM` to use another Chromium binary.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.server import create_app
from app.settings import load_settings
from benchmarks.common import LiveServer
from models.lm.scripted import ScriptedLanguageModel
from tests import image_samples as samples
from tests.chain_helpers import chain_settings
from tests.conftest import ROOT
from tests.fakes.image_providers import FakeOpenAI

CHROMIUM = os.environ.get("PROMPTGEN_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).is_file():
    pytest.skip(
        f"Chromium not found at {CHROMIUM} (apt-get install -y chromium, or set PROMPTGEN_TEST_CHROMIUM)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the `playwright` Python package is not installed (pip install playwright)"
)
expect = sync_api.expect

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts" / "playground"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
CAT_PHOTO = samples.photo("chelsea.png")

pytestmark = pytest.mark.timeout(120)


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


class SlowScripted(ScriptedLanguageModel):
    """The scripted model, taking `delay_s` per call (so a test can watch the page wait)."""

    delay_s = 0.0

    async def generate(self, requests: list[Any], deadline_s: float) -> list[Any]:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return await super().generate(requests, deadline_s)


@pytest.fixture(scope="module")
def lm() -> SlowScripted:
    return SlowScripted()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, fake_openai: FakeOpenAI, lm: SlowScripted
) -> Iterator[LiveServer]:
    settings = chain_settings(tmp_path_factory.mktemp("playground") / "data", fake_openai.base_url)
    with LiveServer(create_app(settings, lm=lm)) as live:
        yield live


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data-dir
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport=DESKTOP,
            timeout=30_000,
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context: Any, server: LiveServer) -> Iterator[Any]:
    """A fresh tab on the playground; fails the test on any uncaught script error."""
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(server.url + "/")
    expect(tab.locator("#server-status")).to_contain_text("ready")
    yield tab
    tab.close()
    assert not errors, f"script errors on the page: {errors}"


def shot(page: Any, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def cards(page: Any) -> Any:
    return page.locator("#cards > li")


def prompt_texts(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("#cards .card-text").all_inner_texts()]


def choose_mode(page: Any, label: str) -> None:
    page.get_by_role("radio", name=label).check()


def generate(page: Any, count: int) -> list[str]:
    page.get_by_role("button", name="Generate prompts").click()
    expect(cards(page)).to_have_count(count)
    expect(page.locator("#progress")).to_be_hidden()
    return prompt_texts(page)


def curl_body(page: Any) -> dict[str, Any]:
    """The JSON body of the curl command the page shows."""
    argv = shlex.split(page.locator("#curl").inner_text().replace("\\\n", " "))
    body: dict[str, Any] = json.loads(argv[argv.index("-d") + 1])
    return body


def expect_captioned(page: Any) -> None:
    """The uploaded photo's caption shows (the describer's first use loads its classifier: on a
    busy machine that takes longer than an expectation's default 5 s)."""
    expect(page.locator("#image-caption")).to_contain_text("The service sees:", timeout=60_000)


def drop_file(page: Any, data: bytes, name: str, media_type: str) -> None:
    """Drag a file onto the drop zone, as a person dragging it from their desktop."""
    transfer = page.evaluate_handle(
        """([b64, name, type]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type }));
            return transfer;
        }""",
        [base64.b64encode(data).decode(), name, media_type],
    )
    page.dispatch_event("#drop", "dragenter", {"dataTransfer": transfer})
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})


# ------------------------------------------------------------------------------ the tests


def test_a_first_visit_gets_three_prompts_for_a_spark_with_the_keyboard_alone(page: Any) -> None:
    shot(page, "00-desktop-empty")
    spark = page.get_by_label("Spark", exact=True)
    spark.focus()
    page.keyboard.type("a lighthouse keeper's cat watching a storm")
    page.keyboard.press("Control+Enter")
    expect(cards(page)).to_have_count(3)  # three prompts by default
    texts = prompt_texts(page)
    assert len(set(texts)) == 3
    assert all(t.startswith("a lighthouse keeper's cat watching a storm") for t in texts)
    expect(page.get_by_role("heading", name="Prompt 1")).to_be_visible()
    # the same request, as a curl command
    curl = page.locator("#curl").inner_text()
    assert "/v1/generate/prompt" in curl and '"numResults":3' in curl and "'\"'\"'" in curl
    shot(page, "01-structured-desktop")

    # Tab walks the form in reading order; arrow keys pick the mode; Enter on the button generates
    page.get_by_role("radio", name="Structured").focus()
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id"))
    assert order == [
        "spark",
        "num-results",
        "ip",
        "temperature",
        "top-p",
        "seed",
        "generate",
        "generate-images",
    ]
    page.get_by_role("radio", name="Structured").focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="Completion")).to_be_checked()
    first_job = page.locator("#usage").inner_text()
    page.get_by_role("button", name="Generate prompts").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#usage")).not_to_have_text(first_job)  # a new job answered
    expect(cards(page)).to_have_count(3)
    assert '"mode":"completion"' in page.locator("#curl").inner_text()


@pytest.mark.parametrize(
    ("label", "mode", "num"),
    [("Structured", "structured", 2), ("Completion", "completion", 3), ("Inventive", "inventive", 5)],
)
def test_each_text_mode_generates_the_asked_number_of_distinct_prompts(
    page: Any, label: str, mode: str, num: int
) -> None:
    choose_mode(page, label)
    page.get_by_label("Spark", exact=True).fill("a fox in the snow")
    page.get_by_label("Prompts", exact=True).fill(str(num))
    page.get_by_label("Seed", exact=True).fill("7")
    texts = generate(page, num)
    assert len(set(texts)) == num, texts
    assert all(t.lower().startswith("a fox in the snow") for t in texts), texts
    assert f'"mode":"{mode}"' in page.locator("#curl").inner_text()
    assert "seed 7" in page.locator("#usage").inner_text()
    shot(page, f"02-mode-{mode}")


def test_a_dropped_photo_is_uploaded_captioned_and_grounds_contextual_prompts(page: Any) -> None:
    choose_mode(page, "From a photo")
    expect(page.get_by_label("Photo", exact=True)).to_be_visible()
    expect(page.get_by_label("Target editor")).to_be_hidden()
    drop_file(page, CAT_PHOTO, "chelsea.png", "image/png")
    expect_captioned(page)
    name = page.locator("#image-name").inner_text()
    assert "asset_" in name and "451×300" in name, name
    asset_id = name.rsplit(" · ", 1)[1]
    texts = generate(page, 3)
    assert len(set(texts)) == 3
    assert f'"images":["{asset_id}"]' in page.locator("#curl").inner_text()
    shot(page, "03-contextual-photo")


def test_a_chosen_file_and_an_editor_give_an_edit_instruction(page: Any) -> None:
    choose_mode(page, "Edit a photo")
    page.get_by_label("Photo to edit").set_input_files(
        files=[{"name": "sunset.png", "mimeType": "image/png", "buffer": samples.encode(samples.sunset())}]
    )
    expect_captioned(page)
    page.get_by_label("Target editor").select_option("flux-kontext")
    page.get_by_label("Edit", exact=True).fill("make it night")
    page.get_by_label("Prompts", exact=True).fill("1")
    page.get_by_label("Seed", exact=True).fill("3")
    [text] = generate(page, 1)
    assert text.startswith("Change the time of day to night") and "unchanged" in text, text
    curl = page.locator("#curl").inner_text()
    assert '"mode":"image-editing-prompt"' in curl and '"modelId":"flux-kontext"' in curl
    shot(page, "04-image-editing")


def test_protected_ip_is_reported_and_its_replacement_highlighted(page: Any) -> None:
    page.get_by_label("Spark", exact=True).fill("Mickey Mouse in the style of Van Gogh")
    page.get_by_role("switch", name="Remove protected IP").check()
    texts = generate(page, 3)
    assert not any("mickey" in t.lower() for t in texts), texts
    panel = page.locator("#ip-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Protected IP found and replaced")
    expect(panel).to_contain_text("fictional-character")
    expect(panel).to_contain_text("Mickey Mouse")
    marks = page.locator("#cards mark")
    expect(marks.first).to_be_visible()
    assert "replaces Mickey Mouse" in (marks.first.get_attribute("title") or "")
    shot(page, "05-ip-cleared")

    # without clearing, the page still points at the names it found
    page.get_by_role("switch", name="Remove protected IP").uncheck()
    generate(page, 3)
    expect(panel).to_contain_text("Protected IP in these prompts")
    expect(page.locator("#cards mark").first).to_have_text("Mickey Mouse", ignore_case=True)
    shot(page, "05-ip-found-not-cleared")


def test_a_validation_error_is_shown_as_the_problem_detail_says_it(page: Any, server: LiveServer) -> None:
    problem = httpx.post(
        server.url + "/v1/generate/prompt", json={"mode": "structured", "prompt": "a fox", "temperature": 5}
    ).json()
    assert problem["field"] == "temperature"
    page.get_by_label("Spark", exact=True).fill("a fox")
    page.get_by_label("Temperature").fill("5")
    page.get_by_role("button", name="Generate prompts").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Invalid request (400)")
    # word for word, its `code` parts set as code rather than shown with backticks
    words = problem["detail"].replace("`", "")
    expect(alert.locator("#error-detail")).to_have_text(words)
    expect(alert.locator("#error-detail code").first).to_have_text("float")
    expect(alert).to_contain_text("field: temperature")
    temperature = page.get_by_label("Temperature")
    expect(temperature).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#temperature-error")).to_have_text(words)
    expect(cards(page)).to_have_count(0)
    alert.get_by_role("link", name="Go to the field").click()
    expect(temperature).to_be_focused()
    shot(page, "06-validation-error")

    # fixing it clears the error; a missing photo is reported at the drop zone
    temperature.fill("")
    choose_mode(page, "From a photo")
    page.get_by_role("button", name="Generate prompts").click()
    expect(alert).to_contain_text("contextual mode needs images")
    expect(temperature).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#image-error")).to_be_visible()
    shot(page, "06-validation-error-missing-photo")


def test_a_progress_indicator_shows_while_the_model_works_and_cancel_stops_waiting(
    page: Any, lm: SlowScripted
) -> None:
    lm.delay_s = 1.5
    try:
        page.get_by_label("Spark", exact=True).fill("a slow loris at dawn")
        page.get_by_role("button", name="Generate prompts").click()
        progress = page.locator("#progress")
        expect(progress).to_be_visible()
        expect(page.get_by_role("progressbar")).to_be_visible()
        expect(progress).to_contain_text("Writing 3 prompts…")
        expect(page.locator("#results")).to_have_attribute("aria-busy", "true")
        expect(page.get_by_role("button", name="Generate prompts")).to_be_disabled()
        expect(progress).not_to_contain_text("… 0.0 s")  # the elapsed time ticks
        shot(page, "09-progress")
        page.get_by_role("button", name="Cancel").click()
        expect(progress).to_be_hidden()
        expect(page.locator("#announce")).to_have_text("Canceled")
        expect(cards(page)).to_have_count(0)
        expect(page.get_by_role("button", name="Generate prompts")).to_be_enabled()
    finally:
        lm.delay_s = 0.0


def test_a_broken_upload_shows_the_services_reason(page: Any) -> None:
    choose_mode(page, "From a photo")
    drop_file(page, b"this is not an image", "notes.png", "image/png")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(page.get_by_label("Photo", exact=True)).to_have_attribute("aria-invalid", "true")
    assert "image" in alert.inner_text().lower()


def test_chaining_into_images_shows_each_image_with_its_prompt(page: Any, fake_openai: FakeOpenAI) -> None:
    before = len(fake_openai.calls("POST", FakeOpenAI.GENERATIONS))
    expect(page.locator("#images-note")).to_contain_text("openai:gpt-image-1")
    page.get_by_label("Spark", exact=True).fill("a lighthouse in a storm")
    page.get_by_label("Prompts", exact=True).fill("2")
    page.get_by_label("Seed", exact=True).fill("11")
    page.get_by_role("button", name="Generate images").click()
    figures = page.locator("#cards figure.generated")
    expect(figures).to_have_count(2)
    expect(page.locator("#progress")).to_be_hidden()
    texts = prompt_texts(page)
    assert len(texts) == 2
    for n, text in enumerate(texts, start=1):
        card = page.locator("#cards > li").nth(n - 1)
        image = card.locator("img")
        expect(image).to_have_count(1)
        expect(image).to_have_attribute("alt", f"Image {n}: {text}")
        image.evaluate("img => img.decode()")
        assert image.evaluate("img => img.naturalWidth") > 0
        caption = card.locator("figcaption").inner_text()
        # gpt-image-1 takes no seed: the tile shows the seed entered, which made its prompt
        assert caption.startswith("seed 11, prompts only · image/png\nasset_"), caption
        assert "unseeded" not in caption
        assert "takes no seed" in (card.locator("figcaption .seed").get_attribute("title") or "")
    assert len(fake_openai.calls("POST", FakeOpenAI.GENERATIONS)) - before == 2
    curl = page.locator("#curl").inner_text()
    assert "/v1/generate/image" in curl and '"promptGeneration":{' in curl and '"async"' not in curl
    assert curl_body(page)["seed"] == 11  # the seed entered seeds the images too
    shot(page, "07-chain-images")

    # editing: the instruction and the photo go to the provider's edit endpoint
    edits = len(fake_openai.calls("POST", FakeOpenAI.EDITS))
    choose_mode(page, "Edit a photo")
    page.get_by_label("Photo to edit").set_input_files(
        files=[{"name": "sunset.png", "mimeType": "image/png", "buffer": samples.encode(samples.sunset())}]
    )
    expect_captioned(page)
    page.get_by_label("Edit", exact=True).fill("make it night")
    page.get_by_label("Prompts", exact=True).fill("1")
    page.get_by_role("button", name="Generate images").click()
    expect(page.locator("#cards figure.generated")).to_have_count(1)
    expect(page.locator("#progress")).to_be_hidden()
    assert len(fake_openai.calls("POST", FakeOpenAI.EDITS)) - edits == 1
    body = curl_body(page)
    assert body["image"].startswith("asset_") and body["promptGeneration"]["image"] == body["image"]
    shot(page, "07-chain-image-edit")


def test_the_api_key_is_sent_as_a_bearer_token(page: Any) -> None:
    page.get_by_text("API key", exact=True).click()  # the disclosure
    page.get_by_label("API key").fill("pk_test_123")
    page.get_by_label("Spark", exact=True).fill("a fox")
    with page.expect_request("**/v1/generate/prompt") as request_info:
        page.get_by_role("button", name="Generate prompts").click()
    assert request_info.value.headers.get("authorization") == "Bearer pk_test_123"
    expect(cards(page)).to_have_count(3)
    curl = page.locator("#curl").inner_text()
    assert "Authorization: Bearer $PROMPTGEN_API_KEY" in curl and "pk_test_123" not in curl


def test_copy_buttons_put_the_prompt_and_the_curl_command_on_the_clipboard(
    page: Any, browser_context: Any, server: LiveServer
) -> None:
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page.get_by_label("Spark", exact=True).fill("a red kite over the hills")
    page.get_by_label("Seed", exact=True).fill("5")
    texts = generate(page, 3)
    page.get_by_role("button", name="Copy prompt 2").click()
    expect(page.get_by_role("button", name="Copy prompt 2")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == texts[1]
    page.get_by_role("button", name="Copy curl command").click()
    command = page.evaluate("navigator.clipboard.readText()")
    assert command == page.locator("#curl").inner_text()
    if shutil.which("curl"):  # the command really works, and gives the same prompts (same seed)
        argv = shlex.split(command.replace("\\\n", " "))
        run = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=True)
        assert json.loads(run.stdout)["prompts"] == texts


def test_the_page_fits_a_phone(page: Any) -> None:
    page.set_viewport_size(PHONE)
    shot(page, "08-phone-empty")
    page.get_by_label("Spark", exact=True).fill("a lighthouse keeper's cat watching a storm")
    page.get_by_role("switch", name="Remove protected IP").check()
    generate(page, 3)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at phone width ({width}px)"
    for name in ("Generate prompts", "Generate images", "Copy prompt 1"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box is not None and box["height"] >= 36 and box["x"] + box["width"] <= PHONE["width"], (
            name,
            box,
        )
    shot(page, "08-phone-results")
    choose_mode(page, "From a photo")
    drop_file(page, CAT_PHOTO, "chelsea.png", "image/png")
    expect_captioned(page)
    generate(page, 3)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    shot(page, "08-phone-contextual")


def test_a_server_with_api_keys_asks_for_one_and_gets_in_with_it(
    browser_context: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = chain_settings(
        tmp_path_factory.mktemp("keys") / "data", api_keys="pk_test_123", image_backend="none"
    )
    with LiveServer(create_app(settings, lm=ScriptedLanguageModel())) as live:
        tab = browser_context.new_page()
        try:
            tab.goto(live.url + "/")  # the page itself needs no key
            expect(tab.locator("#server-status")).to_contain_text("ready")
            expect(tab.locator("#auth")).to_have_attribute("open", "")
            expect(tab.locator("#api-key-hint")).to_contain_text("This server needs an API key")
            expect(tab.get_by_role("button", name="Generate images")).to_be_hidden()
            tab.get_by_label("Spark", exact=True).fill("a fox")
            enforced = (
                httpx.post(live.url + "/v1/generate/prompt", json={"prompt": "a fox"}).status_code == 401
            )
            if enforced:  # the service's own words, and the key field opened
                tab.get_by_role("button", name="Generate prompts").click()
                expect(tab.get_by_role("alert")).to_contain_text("(401)")
                expect(tab.get_by_role("alert")).to_contain_text("API key")
                shot(tab, "10-api-key-needed")
            tab.get_by_label("API key").fill("pk_test_123")
            tab.get_by_role("button", name="Generate prompts").click()
            expect(cards(tab)).to_have_count(3)
            expect(tab.get_by_role("alert")).to_be_hidden()
        finally:
            tab.close()


# ------------------------------------------------------------------------------ polish (issue 22)


def test_the_spark_placeholder_reads_as_an_example_and_an_empty_submit_shows_no_backticks(page: Any) -> None:
    spark = page.get_by_label("Spark", exact=True)
    assert (spark.get_attribute("placeholder") or "").startswith("e.g. ")
    style = spark.evaluate(
        """el => {
            const own = getComputedStyle(el), hint = getComputedStyle(el, "::placeholder");
            return {text: own.color, placeholder: hint.color, italic: hint.fontStyle, opacity: hint.opacity};
        }"""
    )
    assert style["placeholder"] != style["text"] and style["italic"] == "italic", style
    choose_mode(page, "Completion")
    assert (spark.get_attribute("placeholder") or "").startswith("e.g. ")
    page.get_by_role("button", name="Generate prompts").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("prompt (the spark) is required")
    assert "`" not in alert.inner_text() and "`" not in page.locator("#spark-error").inner_text()
    expect(alert.locator("#error-detail code")).to_have_text("prompt")
    expect(page.locator("#spark-error code")).to_have_text("prompt")
    shot(page, "11-empty-spark")


def test_old_results_are_dimmed_while_a_new_request_runs(page: Any, lm: SlowScripted) -> None:
    page.get_by_label("Spark", exact=True).fill("a heron in the reeds")
    generate(page, 3)
    listing = page.locator("#cards")
    expect(listing).to_have_css("opacity", "1")
    lm.delay_s = 1.5
    try:
        page.get_by_label("Spark", exact=True).fill("a heron at night")
        page.get_by_role("button", name="Generate prompts").click()
        expect(page.locator("#progress")).to_be_visible()
        expect(page.locator("#results")).to_have_class(re.compile(r"\bstale\b"))
        expect(listing).to_have_css("opacity", "0.35")  # still there, plainly not the answer
        shot(page, "12-old-results-dimmed")
        expect(page.locator("#progress")).to_be_hidden(timeout=15_000)
        expect(page.locator("#results")).not_to_have_class(re.compile(r"\bstale\b"))
        expect(listing).to_have_css("opacity", "1")
        assert all(t.startswith("a heron at night") for t in prompt_texts(page))
        # canceled: the old results come back as they were
        page.get_by_role("button", name="Generate prompts").click()
        expect(page.locator("#results")).to_have_class(re.compile(r"\bstale\b"))
        page.get_by_role("button", name="Cancel").click()
        expect(page.locator("#results")).not_to_have_class(re.compile(r"\bstale\b"))
        expect(cards(page)).to_have_count(3)
    finally:
        lm.delay_s = 0.0


ONE_LINE = """el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    return {lines: lines.size, width: el.scrollWidth, shown: el.clientWidth, text: el.textContent};
}"""


@pytest.mark.parametrize("viewport", [PHONE, {"width": 900, "height": 900}, DESKTOP])
def test_the_action_buttons_keep_their_labels_on_one_line(page: Any, viewport: dict[str, int]) -> None:
    page.set_viewport_size(viewport)
    for name in ("Generate prompts", "Generate images"):
        button = page.get_by_role("button", name=name)
        assert button.evaluate(ONE_LINE)["lines"] == 1, (name, viewport)
        box = button.bounding_box()
        assert box is not None and box["height"] < 50, (name, box)
        assert box["x"] + box["width"] <= viewport["width"]


def test_asset_and_job_ids_never_break_mid_string(page: Any) -> None:
    page.set_viewport_size(PHONE)
    choose_mode(page, "From a photo")
    drop_file(page, CAT_PHOTO, "a-photo-with-a-rather-long-file-name-indeed.png", "image/png")
    expect_captioned(page)
    choose_mode(page, "Structured")
    page.get_by_label("Spark", exact=True).fill("a lighthouse in a storm")
    page.get_by_label("Prompts", exact=True).fill("2")
    page.get_by_role("button", name="Generate images").click()
    expect(page.locator("#cards figure.generated")).to_have_count(2)
    expect(page.locator("#progress")).to_be_hidden()
    choose_mode(page, "From a photo")  # the photo's asset id shows again
    ids = page.locator(".id")
    expect(ids.first).to_be_visible()
    seen = []
    for n in range(ids.count()):
        span = ids.nth(n)
        if not span.is_visible():
            continue
        info = span.evaluate(ONE_LINE)
        assert info["lines"] == 1, info  # cut with an ellipsis, never wrapped
        assert info["text"].startswith(("asset_", "job_")), info
        assert span.get_attribute("title") == info["text"]
        seen.append(info["text"][:4])
    assert {"asse", "job_"} <= set(seen), seen
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    shot(page, "13-ids-phone")


def test_with_nothing_configured_generate_images_shows_labelled_preview_cards(
    browser_context: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = load_settings(
        env={}, dotenv=None, data_dir=str(tmp_path_factory.mktemp("bare") / "data"), lm_backend="scripted"
    )
    with LiveServer(create_app(settings, lm=ScriptedLanguageModel())) as live:
        tab = browser_context.new_page()
        try:
            tab.goto(live.url + "/")
            expect(tab.locator("#server-status")).to_contain_text("ready")
            expect(tab.locator("#images-note")).to_contain_text("Images are previews")
            expect(tab.locator("#images-note")).to_contain_text("PROMPTGEN_IMAGE_BACKEND")
            tab.get_by_label("Spark", exact=True).fill("a red fox in the snow, golden hour")
            tab.get_by_label("Prompts", exact=True).fill("2")
            tab.get_by_label("Seed", exact=True).fill("11")
            tab.get_by_role("button", name="Generate images").click()
            figures = tab.locator("#cards figure.generated")
            expect(figures).to_have_count(2)
            expect(tab.locator("#progress")).to_be_hidden()
            for n in range(2):
                figure = figures.nth(n)
                caption = figure.locator("figcaption").inner_text()
                assert caption.startswith(f"seed {11 + n} · image/png"), caption  # the seed used, per image
                image = figure.locator("img")
                image.evaluate("img => img.decode()")
                assert image.evaluate("img => img.naturalWidth") == 1024
            assert "preview:card" in tab.locator("#usage").inner_text()
            shot(tab, "14-preview-cards")
        finally:
            tab.close()
