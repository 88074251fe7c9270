"""The IP lexicon's source: `scripts/lexicon/` tables, built by `scripts/build_lexicon.py`.

The committed `modes/ip/lexicon.json` must be exactly what the tables build, so an edited
table without a rebuild fails here; the builder refuses malformed or dead data.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from modes.ip.detector import LEXICON_PATH

ROOT = Path(__file__).resolve().parent.parent
BUILDER = ROOT / "scripts" / "build_lexicon.py"


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_lexicon", BUILDER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def source(tmp_path: Path, builder: ModuleType) -> Path:
    """A writable copy of the tables."""
    return Path(shutil.copytree(builder.SOURCE, tmp_path / "lexicon"))


def test_committed_lexicon_is_what_the_tables_build(builder: ModuleType) -> None:
    assert builder.OUT == LEXICON_PATH  # the builder writes the file the runtime reads
    built = builder.render(builder.build())
    assert built == LEXICON_PATH.read_text(encoding="utf-8"), (
        "modes/ip/lexicon.json is stale: run python scripts/build_lexicon.py"
    )


def test_check_flag_reports_a_current_lexicon(
    builder: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert builder.main(["--check"]) == 0
    assert "is current" in capsys.readouterr().out


def test_builder_and_tables_are_not_in_the_installed_packages() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert not any(Path("scripts").match(pattern) for pattern in include)
    assert "*.json" in config["tool"]["setuptools"]["package-data"]["*"]  # lexicon.json ships


def test_every_ambiguity_rule_is_live(builder: ModuleType) -> None:
    data = json.loads((builder.SOURCE / builder.AMBIGUOUS).read_text(encoding="utf-8"))
    names = {str(e["name"]) for e in builder.build()["entities"]}
    for name, rule in data["rules"].items():
        assert name in names and rule["aliases"], name
    built = [e for e in builder.build()["entities"] if "ambiguous" in e]
    assert len(built) == len(data["rules"])


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edited_table_changes_the_build(builder: ModuleType, source: Path) -> None:
    _edit(source / "characters.csv", "cheerful mustachioed plumber", "cheerful plumber")
    mario = next(e for e in builder.build(source)["entities"] if e["name"] == "Mario")
    assert mario["replacement"] == "a cheerful plumber in a red cap and blue overalls"
    assert builder.render(builder.build(source)) != LEXICON_PATH.read_text(encoding="utf-8")


def test_a_new_row_becomes_an_entity(builder: ModuleType, source: Path) -> None:
    with (source / "brands.csv").open("a", encoding="utf-8") as f:
        f.write("Acme Corp; Acme,cartoon gadget crate,gadget,tech/media\n")
    acme = next(e for e in builder.build(source)["entities"] if e["name"] == "Acme Corp")
    assert (acme["name"], acme["category"], acme["aliases"]) == (
        "Acme Corp",
        "brand-trademark",
        ["Acme Corp", "Acme"],
    )
    assert acme["replacement"] == "a cartoon gadget crate" and acme["forms"]["modifier"] == "gadget"
    assert "Acme-Corp" in acme["spellings"] and "Acme's" in acme["spellings"]


@pytest.mark.parametrize(
    ("file", "old", "new", "error"),
    [
        ("characters.csv", "names,noun,tail,group", "name,noun,tail,group", "header"),
        ("characters.csv", "cheerful mustachioed plumber,", "cheerful mustachioed plumber,x,", "fields"),
        ("characters.csv", "Luigi,", "Mario,", "duplicate entity names"),
        ("characters.csv", "cheerful mustachioed plumber", '"cheerful, mustachioed plumber"', "no commas"),
        ("artists.csv", '"dramatic, painterly, epic"', '"dramatic, painterly"', "three adjectives"),
        ("ambiguous.json", '"Jaguar (cars)": {', '"Jaguar (boats)": {', "unknown entity"),
        ("ambiguous.json", '"aliases": ["Jaguar"]', '"aliases": []', "without ambiguous aliases"),
        ("ambiguous.json", '"aliases": ["Jaguar"]', '"aliases": ["Panther"]', "are not aliases"),
        ("ambiguous.json", '"@car"', '"@cars"', "unknown cue group"),
        ("ambiguous.json", '"aliases": ["Jaguar"]', '"aliases": ["Jaguar"], "mode": "never"', "mode"),
        (
            "ambiguous.json",
            '"aliases": ["Jaguar"]',
            '"aliases": ["Jaguar"], "strength": []',
            "unknown fields",
        ),
    ],
)
def test_the_builder_refuses_bad_data(
    builder: ModuleType, source: Path, file: str, old: str, new: str, error: str
) -> None:
    _edit(source / file, old, new)
    with pytest.raises(ValueError, match=error):
        builder.build(source)


def test_an_unused_cue_group_is_refused(builder: ModuleType, source: Path) -> None:
    _edit(source / "ambiguous.json", '"cue_groups": {', '"cue_groups": {\n  "spare": ["spare"],')
    with pytest.raises(ValueError, match="no rule uses"):
        builder.build(source)
