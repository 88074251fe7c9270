"""Suites: what ships, how cases become request bodies, and how suites are read."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from eval import images
from eval.cases import ALL_MODES, Case, SuiteError, interleave, load_suite, read_cases

CATEGORIES = {"characters", "creatures", "landscapes", "architecture", "products", "food", "vehicles",
              "abstract", "game-icons", "game-sprites", "game-tiles"}


def test_at_least_200_sparks_spread_over_subjects_and_styles():
    sparks = load_suite("sparks")
    assert len(sparks) >= 200
    per_category = Counter(case.category for case in sparks)
    assert set(per_category) == CATEGORIES
    assert min(per_category.values()) >= 15
    assert len({case.style for case in sparks}) >= 8
    assert len({case.spark.lower() for case in sparks}) == len(sparks)


def test_image_cases_use_shipped_photographs_and_drawings():
    cases = load_suite("images")
    refs = [case.image for case in cases]
    assert sum(r.startswith("photo:") for r in refs) >= 6 and sum(r.startswith("drawn:") for r in refs) >= 6
    assert all(case.instruction and case.editor for case in cases)


@pytest.mark.parametrize("ref", ["drawn:" + name for name in images.DRAWINGS])
def test_drawings_are_deterministic(ref):
    assert images.encode(images.load(ref), "PNG") == images.encode(images.load(ref), "PNG")
    assert max(images.load(ref).size) <= images.SIZE


def test_named_suites_nest_and_spread_over_kinds():
    ci, default, full = load_suite("ci"), load_suite("default"), load_suite("full")
    assert {c.id for c in ci} <= {c.id for c in default} <= {c.id for c in full}
    assert {c.kind for c in ci} == {"spark", "image"}
    assert len({c.category for c in default[:12]}) >= 8  # the first cases already cover many subjects


def test_limit_takes_the_first_cases():
    assert [c.id for c in load_suite("default", limit=3)] == [c.id for c in load_suite("default")[:3]]


def test_spark_body():
    case = Case(id="x", kind="spark", spark="a fox")
    assert case.modes == ("structured", "completion", "inventive")
    assert case.body("completion", 3, 7, temperature=None) == {
        "mode": "completion", "numResults": 3, "seed": 7, "prompt": "a fox"}
    assert case.body("structured", 1, 0, temperature=2.0)["temperature"] == 2.0


def test_image_case_bodies_per_mode():
    case = Case(id="x", kind="image", image="drawn:sunset_sea", spark="a poster", instruction="add a boat",
                editor="flux-kontext")
    contextual = case.body("contextual", 2, 0)
    assert contextual["images"][0].startswith("data:image/jpeg;base64,") and contextual["prompt"] == "a poster"
    editing = case.body("image-editing-prompt", 2, 0)
    assert editing["image"].startswith("data:image/") and editing["modelId"] == "flux-kontext"
    assert editing["prompt"] == "add a boat"
    assert set(case.modes) | {"structured", "completion", "inventive"} == set(ALL_MODES)


def test_ip_cases_ask_for_clearing(tmp_path):
    (tmp_path / "probe.jsonl").write_text(json.dumps({"prompt": "Pikachu surfing", "entities": ["Pikachu"]}) + "\n")
    (case,) = read_cases(tmp_path / "probe.jsonl")
    assert case.kind == "ip-leaky" and case.entities == ("Pikachu",)
    assert case.body("completion", 1, 0)["ensureIPCleared"] is True


def test_ip_suite_reads_both_files(tmp_path, monkeypatch):
    monkeypatch.setattr("eval.cases.SUITES_DIR", tmp_path)
    (tmp_path / "ip_leaky.jsonl").write_text(json.dumps({"id": "l1", "text": "Mickey Mouse", "entity": "Mickey"}))
    (tmp_path / "ip_clean.jsonl").write_text(json.dumps({"id": "c1", "spark": "a mouse"}))
    kinds = {c.id: c.kind for c in load_suite("ip")}
    assert kinds == {"l1": "ip-leaky", "c1": "ip-clean"}


def test_bad_suites_are_reported(tmp_path):
    with pytest.raises(SuiteError, match="unknown suite"):
        load_suite("nope")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(SuiteError, match=r"bad\.jsonl:1"):
        load_suite(str(bad))


def test_interleave_spreads_groups():
    a = [Case(id=f"a{i}", kind="spark") for i in range(4)]
    b = [Case(id="b0", kind="image")]
    ids = [c.id for c in interleave([a, b])]
    assert sorted(ids) == sorted(["a0", "a1", "a2", "a3", "b0"]) and ids.index("b0") in (2, 3)
