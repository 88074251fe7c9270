"""Detection: lexicon shape, evasion classes, ambiguous words, offsets, custom entries, speed."""

from __future__ import annotations

import ast
import json
import statistics
import time
from pathlib import Path

import msgspec
import pytest

from modes.ip import Finding, IPFilter, Lexicon
from modes.ip.detector import LEXICON_PATH

DONE_PROMPT = "Mick3y M0use and Pik\u200bachu in the style of Greg Rutkowski, drinking Coca-Cola"


@pytest.fixture(scope="module")
def ip() -> IPFilter:
    return IPFilter.default()


def names(findings: list[Finding]) -> list[str]:
    return [f.name for f in findings]


def test_done_example_has_four_findings(ip: IPFilter) -> None:
    found = ip.check(DONE_PROMPT)
    assert names(found) == ["Mickey Mouse", "Pikachu", "Greg Rutkowski", "Coca-Cola"]
    assert [f.category for f in found] == [
        "fictional-character",
        "fictional-character",
        "artist-style",
        "brand-trademark",
    ]
    assert "leetspeak" in found[0].evasions
    assert "invisible characters" in found[1].evasions
    for f in found:
        assert DONE_PROMPT[f.start : f.end] == f.matched
        assert 0 < f.confidence <= 1 and f.reason and f.replacement


def test_jaguar_at_dawn_is_clean(ip: IPFilter) -> None:
    assert ip.check("a jaguar drinking from a river at dawn") == []


def test_lexicon_is_data_with_enough_entities() -> None:
    data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    entities = data["entities"]
    assert len(entities) >= 1000
    counts: dict[str, int] = {}
    for e in entities:
        counts[e["category"]] = counts.get(e["category"], 0) + 1
        assert e["aliases"] and e["replacement"] and e["name"]
    assert set(counts) == {
        "fictional-character",
        "brand-trademark",
        "artist-style",
        "celebrity-likeness",
        "work-title",
        "fictional-place",
        "product-name",
        "character-epithet",
    }
    assert (
        min(
            counts[c]
            for c in ("fictional-character", "brand-trademark", "artist-style", "celebrity-likeness")
        )
        >= 150
    )
    # issue 24: at least 600 entities beyond names (works, places, products, epithets)
    assert (
        sum(counts[c] for c in ("work-title", "fictional-place", "product-name", "character-epithet")) >= 600
    )
    for e in entities:
        assert e["reason"] and e["category"] not in e["reason"], e["name"]  # says why, not the category again
    mickey = next(e for e in entities if e["name"] == "Mickey Mouse")
    assert {"Mickey-Mouse", "MickeyMouse", "Mickey Mouse's", "Mickey Mouses"} <= set(mickey["spellings"])
    rutkowski = next(e for e in entities if e["name"] == "Greg Rutkowski")
    assert len(rutkowski["forms"]["adjectives"]) == 3 and rutkowski["forms"]["medium"]


def test_lexicon_self_check_is_clean(ip: IPFilter) -> None:
    # No key collisions, no short keys, every alias detects itself, no replacement names IP.
    assert ip.lexicon.self_check() == []


@pytest.mark.parametrize(
    ("text", "expected", "evasion"),
    [
        ("PIKACHU on a hill", "Pikachu", None),
        ("pIkAcHu on a hill", "Pikachu", None),
        ("P1k4chu on a hill", "Pikachu", "leetspeak"),
        ("p!k@chu on a hill", "Pikachu", "leetspeak"),
        ("Ze1da in a field", "Princess Zelda", "leetspeak"),
        ("Pik\u200bach\u200du on a hill", "Pikachu", "invisible characters"),
        ("Pika\u00adchu on a hill", "Pikachu", "invisible characters"),
        ("Рikасhu on a hill", "Pikachu", "look-alike letters"),  # Cyrillic Р, а, с
        ("ΡΙΚΑCΗU on a hill", "Pikachu", "look-alike letters"),  # Greek capitals
        ("Pokémon trainer Píkachü", "Pikachu", "accents"),
        ("Ｐｉｋａｃｈｕ on a hill", "Pikachu", "compatibility forms"),
        ("𝐏𝐢𝐤𝐚𝐜𝐡𝐮 on a hill", "Pikachu", "compatibility forms"),
        ("ᴘɪᴋᴀᴄʜᴜ on a hill", "Pikachu", "look-alike letters"),
        ("P i k a c h u on a hill", "Pikachu", "spacing"),
        ("P.i.k.a.c.h.u on a hill", "Pikachu", "spacing"),
        ("P-i-k-a-c-h-u on a hill", "Pikachu", "spacing"),
        ("Pi ka chu on a hill", "Pikachu", "spacing"),
        ("M i c k e y   M o u s e waving", "Mickey Mouse", "spacing"),
        ("Mickey_Mouse waving", "Mickey Mouse", None),
        ("MickeyMouse waving", "Mickey Mouse", None),
        ("Mickey-Mouse waving", "Mickey Mouse", None),
        ("three Pikachus dancing", "Pikachu", None),
        ("Mickey's gloves", "Mickey Mouse", None),
        ("G r e g  R u t k 0 w s k i", "Greg Rutkowski", "leetspeak"),
        ("Dr. Eggman laughing", "Doctor Eggman", None),
        ("Samuel L. Jackson smiling", "Samuel L. Jackson", None),
        ("#pikachu #cute", "Pikachu", None),
        ("@pikachu fan art", "Pikachu", None),
        ("Pikachu!", "Pikachu", None),
    ],
)
def test_evasion_classes_are_detected(ip: IPFilter, text: str, expected: str, evasion: str | None) -> None:
    found = ip.check(text)
    assert expected in names(found), (text, found)
    finding = next(f for f in found if f.name == expected)
    if evasion:
        assert evasion in finding.evasions
    assert text[finding.start : finding.end] == finding.matched


def test_offsets_cover_invisible_and_combining_characters(ip: IPFilter) -> None:
    text = "x Pika\u200bchu\u0301 y"
    (f,) = ip.check(text)
    assert text[f.start : f.end] == "Pika\u200bchu\u0301"


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("superpikachu fan", "Pikachu"),
        ("the batmanuel show", "Batman"),
        ("pikachuesque art", "Pikachu"),
        ("a linkedin profile photo", "Link"),
        ("a thorn bush", "Thor (Marvel)"),
        ("bread put in the oven", "Vladimir Putin"),
        ("the bat man of the cave", "Batman"),
    ],
)
def test_names_inside_longer_words_are_not_matched(ip: IPFilter, text: str, entity: str) -> None:
    assert entity not in names(ip.check(text))


@pytest.mark.parametrize(
    ("clean", "flagged", "entity"),
    [
        ("a jaguar resting in the rainforest canopy", "a Jaguar F-Type at the dealership", "Jaguar (cars)"),
        ("a jaguar stalking prey by the river", "a jaguar sports car with chrome wheels", "Jaguar (cars)"),
        ("a basket of apples in an orchard", "the apple logo on a macbook", "Apple (brand)"),
        ("a slice of apple pie", "an Apple laptop on a desk", "Apple (brand)"),
        ("a puma on a rocky ledge", "a runner in Puma sneakers", "Puma (brand)"),
        ("a wild mustang galloping across the plains", "a Ford Mustang GT on the highway", "Ford Mustang"),
        ("a mustang horse in a corral", "a mustang convertible parked at the car show", "Ford Mustang"),
        ("a frozen lake under the northern lights", "Elsa singing in Frozen, movie poster", "Frozen (film)"),
        ("a wolverine digging in the snow", "Wolverine from the X-Men with adamantium claws", "Wolverine"),
        ("a chain link fence in the rain", "Link from Zelda raising the master sword", "Link"),
        ("an archer aiming at a target", "shoppers outside a Target store with red carts", "Target (store)"),
    ],
)
def test_ambiguous_words_need_context(ip: IPFilter, clean: str, flagged: str, entity: str) -> None:
    assert entity not in names(ip.check(clean)), clean
    assert entity in names(ip.check(flagged)), flagged


def test_disguised_ambiguous_word_counts_as_intent(ip: IPFilter) -> None:
    assert "Apple (brand)" in names(ip.check("an 4pple laptop"))


def test_unless_mode_ambiguity(ip: IPFilter) -> None:
    assert "Nike" in names(ip.check("a pair of Nike running shoes"))
    assert "Nike" not in names(ip.check("the winged Nike of Samothrace, marble statue"))


def test_finding_converts_to_wire_type(ip: IPFilter) -> None:
    from app.ip_guard import wire_finding
    from app.protocol import IPFinding

    finding = ip.check("Pikachu")[0]
    wire = wire_finding(finding)
    assert isinstance(wire, IPFinding)
    assert wire.entities == ["Pikachu"] and wire.category == "fictional-character"
    assert msgspec.json.decode(msgspec.json.encode(wire)) == {
        "category": "fictional-character",
        "entities": ["Pikachu"],
        "confidence": finding.confidence,
        "reason": finding.reason,
        "replacement": finding.replacement,
    }


def test_ip_package_imports_nothing_of_the_service() -> None:
    """`modes.ip` returns its own types; the wire mapping lives in `app.ip_guard`."""
    package = Path(LEXICON_PATH).parent
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] != "app", f"{path.name} imports {module}"


def test_custom_entries_add_to_the_lexicon(tmp_path: Path) -> None:
    path = tmp_path / "custom.json"
    path.write_text(
        json.dumps(
            {
                "entities": [
                    {
                        "name": "Zorblax the Conqueror",
                        "aliases": ["Zorblax"],
                        "replacement": "a four-armed alien warlord",
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    ip = IPFilter.default(str(path))
    assert IPFilter.default(str(path)) is ip  # cached per path
    found = ip.check("Z0rblax attacks, Pikachu watches")
    assert [(f.name, f.category) for f in found] == [
        ("Zorblax the Conqueror", "custom"),
        ("Pikachu", "fictional-character"),
    ]
    assert ip.clear("Zorblax attacks").text == "A four-armed alien warlord attacks"


def test_custom_entry_without_replacement_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"name": "Nobody"}]), encoding="utf-8")
    with pytest.raises(ValueError):
        Lexicon.load(custom_path=path)


def test_check_is_fast(ip: IPFilter) -> None:
    prompt = (
        "a cozy cabin in a snowy forest at dusk, warm light in the windows, smoke from the "
        "chimney, cinematic lighting, highly detailed, in the style of a classic painting"
    )
    timings = []
    for _ in range(200):
        start = time.perf_counter()
        ip.check(prompt)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.002  # well under a millisecond on a quiet machine
