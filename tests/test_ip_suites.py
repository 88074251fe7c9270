"""The IP suites: zero leaks on eval/suites/ip_leaky.jsonl, zero changes on eval/suites/ip_clean.jsonl."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modes.ip import IPFilter
from modes.ip.normalize import fold, fold_key

SUITES = Path(__file__).resolve().parents[1] / "eval" / "suites"
CATEGORIES = {
    "fictional-character",
    "brand-trademark",
    "artist-style",
    "celebrity-likeness",
    "work-title",  # issue 24: names beyond people and companies
    "fictional-place",
    "product-name",
    "character-epithet",
}
EVASION_CLASSES = {  # every evasion class of the issue is represented
    "leetspeak",
    "zero-width",
    "cyrillic-confusables",
    "greek-confusables",
    "accents",
    "fullwidth",
    "letter-spacing",
    "punctuation-separated",
    "uppercase",
    "alternating-case",
    "plural",
    "possessive",
    "hyphenated",
    "joined",
    "ambiguous-in-context",
}


def _load(name: str) -> list[dict]:
    with (SUITES / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def ip() -> IPFilter:
    return IPFilter.default()


@pytest.fixture(scope="module")
def leaky() -> list[dict]:
    return _load("ip_leaky.jsonl")


@pytest.fixture(scope="module")
def clean() -> list[dict]:
    return _load("ip_clean.jsonl")


def test_suites_are_big_and_varied(leaky: list[dict], clean: list[dict]) -> None:
    assert len(leaky) >= 400 and len(clean) >= 400
    assert {row["category"] for row in leaky} >= CATEGORIES
    assert {row["evasion"] for row in leaky} >= EVASION_CLASSES
    for category in CATEGORIES:
        evasions = {row["evasion"] for row in leaky if row["category"] == category}
        assert len(evasions) >= 8, (category, evasions)
    ambiguous = ("jaguar", "apple", "puma", "mustang", "frozen", "wolverine", "link", "target")
    for word in ambiguous:
        assert sum(word in row["text"].lower() for row in clean) >= 2, word
    titles = (
        "dune",
        "frozen",
        "halo",
        "metropolis",
        "pandora",
        "avatar",
        "cars",
        "alien",
        "tangled",
        "matrix",
    )
    for word in titles:  # ordinary words that are also titles or places (issue 24)
        assert sum(word in row["text"].lower() for row in clean) >= 2, word
    assert sum(any(w in row["text"].lower() for w in titles) for row in clean) >= 60


def _still_named(ip: IPFilter, entity: str, text: str) -> bool:
    """An independent check: does any alias of `entity` survive in `text` as a folded word run?"""
    entry = ip.lexicon.by_name[entity]
    words = " ".join(re.findall(r"[a-z0-9]+", fold(text).key))
    for alias in entry.aliases:
        key = " ".join(re.findall(r"[a-z0-9]+", fold(alias).key))
        if entry.ambiguity and fold_key(alias) in entry.ambiguity.keys:
            continue  # ordinary words may legitimately remain in generic replacements
        if re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", words):
            return True
    return False


def test_no_leaks_on_the_leaky_suite(ip: IPFilter, leaky: list[dict]) -> None:
    missed, leaked = [], []
    for row in leaky:
        detected = {e for f in ip.check(row["text"]) for e in f.entities}  # a product names its maker too
        if not set(row["entities"]) <= detected:
            missed.append((row["text"], set(row["entities"]) - detected))
        result = ip.clear(row["text"])
        if ip.check(result.text) or any(_still_named(ip, e, result.text) for e in row["entities"]):
            leaked.append((row["text"], result.text))
        assert result.action == "flagged"
    rate = (len(missed) + len(leaked)) / len(leaky)
    print(f"\nIP leak rate: {rate:.4f} ({len(missed)} missed, {len(leaked)} leaked of {len(leaky)})")
    assert missed == [] and leaked == []


def test_no_false_positives_on_the_clean_suite(ip: IPFilter, clean: list[dict]) -> None:
    changed = []
    for row in clean:
        result = ip.clear(row["text"])
        if result.findings or result.text != row["text"] or result.action != "allowed":
            changed.append((row["text"], [f.name for f in result.findings]))
    print(f"\nIP false-positive rate: {len(changed) / len(clean):.4f} ({len(changed)} of {len(clean)})")
    assert changed == []
