"""Every relative link in README.md, SECURITY.md and docs/*.md resolves (issue 22, item 5).

A link's path must name a file or folder inside the repository, relative to the document that
holds it; a `#fragment` must name a heading of the target document (GitHub's anchors). Links in
fenced code blocks and inline code are not links. External (`http:`, `https:`, `mailto:`) links
are not fetched: no test touches the network.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([ROOT / "README.md", ROOT / "SECURITY.md", *(ROOT / "docs").glob("*.md")])

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def unfenced(text: str) -> str:
    """The text without fenced code blocks (each replaced by its line breaks)."""
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def prose(text: str) -> str:
    """The text without fenced code blocks or inline code."""
    return INLINE_CODE.sub("", unfenced(text))


def links(text: str) -> list[str]:
    body = prose(text)
    return INLINE_LINK.findall(body) + REFERENCE_LINK.findall(body)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed, spaces to -."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link's text stays, its target goes
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for _, title in HEADING.findall(unfenced(path.read_text(encoding="utf-8"))):
        base = slug(title)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(document: Path, root: Path = ROOT) -> list[str]:
    problems = []
    for target in links(document.read_text(encoding="utf-8")):
        if not target or EXTERNAL.match(target) or target.startswith("//"):
            continue
        path_part, _, fragment = target.partition("#")
        resolved = (document.parent / unquote(path_part)).resolve() if path_part else document
        if not resolved.is_relative_to(root):
            problems.append(f"{target}: outside the repository")
        elif not resolved.exists():
            problems.append(f"{target}: no such file")
        elif fragment and resolved.suffix == ".md" and unquote(fragment) not in anchors(resolved):
            problems.append(f"{target}: no heading #{fragment} in {resolved.relative_to(root)}")
    return problems


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(document: Path) -> None:
    assert document.is_file()
    assert broken_links(document) == []


def test_every_doc_is_linked_from_the_readme() -> None:
    """docs/ is reached from the front door: no page there is an orphan."""
    readme = ROOT / "README.md"
    targets = {(ROOT / t.partition("#")[0]).resolve() for t in links(readme.read_text(encoding="utf-8"))}
    orphans = [p.name for p in DOCUMENTS if p.parent.name == "docs" and p.resolve() not in targets]
    assert orphans == []


def test_no_link_to_the_design_contract_outside_the_project() -> None:
    """The design contract lives outside the repository; no document may link it as if it were in it."""
    for document in DOCUMENTS:
        assert "DESIGN.md" not in document.read_text(encoding="utf-8"), document.name


def test_the_checker_sees_broken_links_and_anchors(tmp_path: Path) -> None:
    """The checker itself: a missing file, a missing heading, and what is not a link."""
    (tmp_path / "other.md").write_text("# Other page\n\n## A `code` heading: yes\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#a-code-heading-yes) [here](#top-title) [web](https://example.com/x)\n"
        "[gone](missing.md) [bad anchor](other.md#nope)\n"
        "`[not a link](nowhere.md)`\n```\n[in a fence](nowhere.md)\n```\n# Top title\n"
    )
    assert broken_links(page, root=tmp_path) == [
        "missing.md: no such file",
        "other.md#nope: no heading #nope in other.md",
    ]
    assert (
        broken_links(page, root=tmp_path / "elsewhere")[0]
        == "other.md#a-code-heading-yes: outside the repository"
    )
