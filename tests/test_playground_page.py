"""The playground page without a browser: it is served at `/` with its two static files, every
control has a label, the script only touches elements the page has, `GET /playground/config`
says what the server offers, and none of it shadows the API."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.routes.playground import STATIC_DIR
from app.settings import load_settings
from tests.conftest import make_client

CONTROLS = ("input", "select", "textarea")


class PageParser(HTMLParser):
    """Ids, controls, labels (with their text) and buttons of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: dict[str, str] = {}
        self.wrapped: set[str] = set()  # controls inside a <label>
        self.buttons: list[str] = []
        self._labels: list[dict[str, str]] = []  # open <label>s: {"for", "text"}
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "label":
            self._labels.append({"for": a.get("for") or "", "text": ""})
        elif tag in CONTROLS:
            self.controls.append({"tag": tag, **a})
            if self._labels and not self._labels[-1]["for"]:
                self.wrapped.add(str(a.get("id") or a.get("value")))
        elif tag == "button":
            self._button = [a.get("aria-label") or ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._labels:
            label = self._labels.pop()
            if label["for"]:
                self.label_for[label["for"]] = " ".join(label["text"].split())
        elif tag == "button" and self._button is not None:
            self.buttons.append(" ".join("".join(self._button).split()))
            self._button = None

    def handle_data(self, data: str) -> None:
        for label in self._labels:
            label["text"] += data
        if self._button is not None:
            self._button.append(data)


@pytest.fixture
def page_html(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.text


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def test_the_page_is_served_at_the_root_with_its_script_and_style_sheet(client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert '<script src="static/app.js" defer></script>' in page.text
    assert '<link rel="stylesheet" href="static/app.css">' in page.text
    script = client.get("/static/app.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    style = client.get("/static/app.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    # an unchanged file is a 304
    again = client.get("/static/app.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304 and not again.content


@pytest.mark.parametrize(
    "path", ["/static/index.html", "/static/__init__.py", "/static/..%2Froutes%2Fplayground.py", "/static/"]
)
def test_only_the_pages_own_files_are_served(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]


def test_the_api_is_not_shadowed(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    prompt = client.post("/v1/generate/prompt", json={"prompt": "a fox", "numResults": 2})
    assert prompt.status_code == 200 and len(prompt.json()["prompts"]) == 2
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert client.post("/", json={}).status_code == 405
    schema = client.get("/schema/openapi.json").json()
    assert "/" not in schema["paths"] and not any(p.startswith("/static") for p in schema["paths"])
    assert "/v1/generate/prompt" in schema["paths"] and "/playground/config" in schema["paths"]


def test_every_control_has_a_label_and_every_button_a_name(page_html: str) -> None:
    page = parse(page_html)
    # and a radio per mode, which the script adds (labelled: the browser tests pick them by name)
    assert len(page.controls) >= 9
    for control in page.controls:
        control_id = control.get("id")
        if control.get("type") == "radio":
            assert control.get("value") in page.wrapped, control
            continue
        assert control_id and page.label_for.get(str(control_id)), f"no <label for> on {control}"
    labels = set(page.label_for.values())
    for text in (
        "Spark",
        "Prompts",
        "Temperature",
        "Top-p",
        "Seed",
        "Remove protected IP",
        "Photo",
        "Target editor",
    ):
        assert text in labels, (text, labels)
    assert all(page.buttons), page.buttons
    assert {"Generate prompts", "Generate images", "Cancel", "Remove image"} <= set(page.buttons)
    assert '<html lang="en">' in page_html and 'name="viewport"' in page_html


def test_every_mode_and_editor_is_offered(page_html: str, client) -> None:
    config = client.get("/playground/config").json()
    assert config["modes"] == ["structured", "completion", "inventive", "contextual", "image-editing-prompt"]
    assert config["editors"] == [
        "gemini-2.0-flash",
        "gemini-2.5-flash",
        "gpt-image-1",
        "flux-kontext",
        "runway-gen4-image",
    ]
    details = {mode["name"]: mode for mode in config["modeDetails"]}
    assert list(details) == config["modes"]
    assert details["structured"]["title"] == "Structured" and details["structured"]["needsSpark"] is True
    assert details["contextual"]["images"] == "context" and details["contextual"]["needsSpark"] is False
    assert details["image-editing-prompt"]["images"] == "edit"
    assert details["image-editing-prompt"]["editors"] == config["editors"]
    assert all(not mode["editors"] for name, mode in details.items() if name != "image-editing-prompt")


def test_the_page_builds_its_mode_list_from_the_config(page_html: str) -> None:
    """No mode is written into the page or its script: a registered mode shows up by itself."""
    assert 'id="mode-list"' in page_html and 'name="mode"' not in page_html
    script = (STATIC_DIR / "app.js").read_text()
    assert "modeDetails" in script
    for name in ("completion", "inventive", "contextual", "image-editing"):  # structured: the API's default
        assert name not in page_html and f'"{name}' not in script, name


def test_the_script_only_touches_elements_the_page_has(page_html: str) -> None:
    ids = parse(page_html).ids
    script = (STATIC_DIR / "app.js").read_text()
    used = set(re.findall(r'\$\("([A-Za-z0-9_-]+)"\)', script))
    used |= set(re.findall(r'^\s+"?[A-Za-z-]+"?: "([a-z0-9-]+-error)",$', script, re.M))
    assert used, "no element lookups found"
    assert used <= ids, f"app.js looks up missing ids: {sorted(used - ids)}"


def test_config_says_whether_images_and_a_key_are_needed(client, tmp_path: Path) -> None:
    plain = client.get("/playground/config").json()
    # nothing configured: preview cards (models/image/preview.py)
    assert plain["imageGeneration"] is True and plain["imageBackend"] == "preview:card"
    assert plain["imagePreview"] is True
    assert plain["authRequired"] is False and plain["ready"] is True and plain["lmBackend"] == "scripted"
    settings = load_settings(
        env={},
        dotenv=None,
        data_dir=str(tmp_path / "other"),
        lm_backend="scripted",
        image_backend="openai:gpt-image-1",
        api_keys="k1,k2",
    )
    with make_client(settings) as other:
        config = other.get("/playground/config").json()
        assert config["imageGeneration"] is True and config["imageBackend"] == "openai:gpt-image-1"
        assert config["imagePreview"] is False
        assert config["authRequired"] is True
        assert "k1" not in other.get("/playground/config").text
        page = other.get("/")  # the page itself needs no key
        assert page.status_code == 200


def test_the_static_files_ship_with_the_package() -> None:
    assert (STATIC_DIR / "__init__.py").is_file()  # a package, so setuptools' package-data takes them
    for name in ("index.html", "app.js", "app.css"):
        assert (STATIC_DIR / name).stat().st_size > 1000
