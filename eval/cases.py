"""Evaluation cases and the suites that group them.

A case is one input: a spark (text modes), an image (contextual and image-editing modes), or
an IP probe (text modes with `ensureIPCleared: true`). `Case.body(mode, ...)` turns it into
the JSON body of `POST /v1/generate/prompt`.

Named suites (JSONL files under `eval/suites/`, each line one case):
    ci       tier 1: 3 sparks + 2 images + 3 format sparks; the CI gate (run with -n 2 --warmup 0)
    default  tiers 1-2: 16 sparks (every category) + 4 images + the 3 tier-1 format sparks
    full     every spark, image and format case (220 + 24 + 66)
    sparks, images   every case of one file
    formats  66 sparks that fix a medium, format, time of day or view (icons, sprites, logos, UI
             assets, product shots, portraits, isometric and top-down tiles, flat lays, posters...)
    ip       ip_leaky.jsonl (with the entities each must lose) + ip_clean.jsonl
Any other value is read as a path to a JSONL file of cases.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec

import modes
from eval import images

SUITES_DIR = Path(__file__).parent / "suites"
# The modes, from the registered handlers: a mode that needs a spark runs the text cases, one
# that runs from a photo (as its context, or to edit it) the image cases.
TEXT_MODES: tuple[str, ...] = tuple(modes.registry.where(lambda mode: mode.needs_spark))
IMAGE_MODES: tuple[str, ...] = tuple(modes.registry.where(lambda mode: not mode.needs_spark))
ALL_MODES: tuple[str, ...] = TEXT_MODES + IMAGE_MODES
SUITE_MODES: dict[str, tuple[str, ...]] = {"ip": ("completion",)}  # default --modes where not all
NAMED_SUITES: dict[str, tuple[tuple[str, int], ...]] = {
    "ci": (("sparks.jsonl", 1), ("images.jsonl", 1), ("formats.jsonl", 1)),
    "default": (("sparks.jsonl", 2), ("images.jsonl", 2), ("formats.jsonl", 1)),
    "full": (("sparks.jsonl", 3), ("images.jsonl", 3), ("formats.jsonl", 3)),
    "sparks": (("sparks.jsonl", 3),),
    "formats": (("formats.jsonl", 3),),
    "images": (("images.jsonl", 3),),
    "ip": (("ip_leaky.jsonl", 3), ("ip_clean.jsonl", 3)),
}


class SuiteError(ValueError):
    """A suite that cannot be read: unknown name, missing file, malformed line."""


class Case(msgspec.Struct, kw_only=True, frozen=True):
    """One evaluation input. `kind` is `spark`, `image`, `ip-leaky` or `ip-clean`."""

    id: str
    kind: str
    spark: str = ""
    category: str = ""
    style: str = ""
    image: str = ""  # an `eval.images` reference
    instruction: str = ""  # image-editing: what to change
    editor: str = "gpt-image-1"  # image-editing: the target editor (modelId)
    entities: tuple[str, ...] = ()  # ip-leaky: names no returned prompt may contain
    tier: int = 3

    @property
    def modes(self) -> tuple[str, ...]:
        """The modes this case is run in."""
        return IMAGE_MODES if self.kind == "image" else TEXT_MODES

    @property
    def reference_text(self) -> str:
        """What results should stay close to: the spark, or the edit instruction."""
        return self.spark or self.instruction

    def text_for(self, mode: str) -> str:
        """The text a result is compared with in `mode` (the instruction when editing)."""
        return self.instruction if _image_use(mode) == "edit" else self.spark

    def body(self, mode: str, num_results: int, seed: int, **extra: Any) -> dict[str, Any]:
        """The request body for `mode`; `extra` adds fields such as temperature or topP."""
        body: dict[str, Any] = {"mode": mode, "numResults": num_results, "seed": seed}
        if self.kind == "image":
            url = _data_url(self.image)
            if _image_use(mode) == "context":
                body["images"] = [url]
                if self.spark:
                    body["prompt"] = self.spark
            else:
                body.update(image=url, prompt=self.instruction, modelId=self.editor)
        else:
            body["prompt"] = self.spark
            if self.kind.startswith("ip-"):
                body["ensureIPCleared"] = True
        body.update({k: v for k, v in extra.items() if v is not None})
        return body


def _image_use(mode: str) -> str:
    """What `mode` does with a request's images (its handler's `images`; aliases resolve)."""
    return modes.registry.get(mode).images if mode in modes.registry else "unused"


@lru_cache(maxsize=64)
def _data_url(ref: str) -> str:
    return images.data_url(ref)


def case_from_json(data: dict[str, Any], kind: str | None = None, line: str = "") -> Case:
    """A `Case` from one JSONL object; field names of the IP files are accepted loosely."""
    if not isinstance(data, dict):
        raise SuiteError(f"{line}: expected a JSON object")
    spark = data.get("spark") or data.get("prompt") or data.get("text") or ""
    entities = data.get("entities") or data.get("entity") or data.get("names") or ()
    if isinstance(entities, str):
        entities = (entities,)
    if kind is None:
        kind = data.get("kind") or ("image" if data.get("image") else "ip-leaky" if entities else "spark")
    case_id = str(data.get("id") or f"{kind}-{hashlib.sha1(str(spark).encode()).hexdigest()[:8]}")
    try:
        return Case(id=case_id, kind=kind, spark=str(spark), category=str(data.get("category", "")),
                    style=str(data.get("style", "")), image=str(data.get("image", "")),
                    instruction=str(data.get("instruction", "")),
                    editor=str(data.get("editor") or "gpt-image-1"),
                    entities=tuple(str(e) for e in entities), tier=int(data.get("tier", 3)))
    except (TypeError, ValueError) as exc:
        raise SuiteError(f"{line}: {exc}") from None


def read_cases(path: Path, max_tier: int = 3, kind: str | None = None) -> list[Case]:
    """Cases of one JSONL file up to `max_tier`; image cases whose image is unavailable are skipped."""
    if not path.is_file():
        raise SuiteError(f"suite file {path} does not exist")
    cases = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{path}:{number}: {exc}") from None
        case = case_from_json(data, kind, f"{path}:{number}")
        if case.tier <= max_tier and (case.kind != "image" or images.available(case.image)):
            cases.append(case)
    return cases


def interleave(groups: list[list[Case]]) -> list[Case]:
    """Merge lists so each is spread evenly over the result (the first N cases cover all groups)."""
    total = sum(len(g) for g in groups)
    keyed = [((i + 0.5) / len(g), gi, case) for gi, g in enumerate(groups) for i, case in enumerate(g)]
    return [case for _, _, case in sorted(keyed, key=lambda k: (k[0], k[1]))][:total]


def load_suite(name: str, limit: int | None = None) -> list[Case]:
    """The cases of a named suite or JSONL path, in order, cut to the first `limit`."""
    if name in NAMED_SUITES:
        groups = []
        for filename, tier in NAMED_SUITES[name]:
            kind = {"ip_leaky.jsonl": "ip-leaky", "ip_clean.jsonl": "ip-clean"}.get(filename)
            groups.append(read_cases(SUITES_DIR / filename, tier, kind))
        cases = interleave(groups)
    else:
        path = Path(name)
        if path.suffix != ".jsonl":
            raise SuiteError(f"unknown suite {name!r}; named suites: {', '.join(NAMED_SUITES)}, "
                             "or a path to a .jsonl file")
        cases = read_cases(path)
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise SuiteError(f"suite {name!r} has duplicate case ids")
    return cases[:limit] if limit is not None else cases
