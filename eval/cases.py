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
    targets  targets.jsonl: sparks written for each image-model family (`targetModel`), some with
             keepTerms, negativePrompt, weights or aspectRatio; scored by `eval.target_rules`
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
from modes import targets

SUITES_DIR = Path(__file__).parent / "suites"
TARGETS_FILE = "targets.jsonl"  # its cases run for every family unless they name theirs
# The modes, from the registered handlers: a mode that needs a spark runs the text cases, one
# that runs from a photo (as its context, or to edit it) the image cases.
TEXT_MODES: tuple[str, ...] = tuple(modes.registry.where(lambda mode: mode.needs_spark))
IMAGE_MODES: tuple[str, ...] = tuple(modes.registry.where(lambda mode: not mode.needs_spark))
ALL_MODES: tuple[str, ...] = TEXT_MODES + IMAGE_MODES
# default --modes where not all (the targets suite: one text mode, since a family's rules apply to
# whatever a mode wrote and every case runs once per family)
SUITE_MODES: dict[str, tuple[str, ...]] = {"ip": ("completion",), "targets": ("completion",)}
# The families a case with `"targetModel": "all"` (or none, in targets.jsonl) runs for.
TARGET_FAMILIES: tuple[str, ...] = tuple(name for name in targets.NAMES if name != targets.DEFAULT)
NAMED_SUITES: dict[str, tuple[tuple[str, int], ...]] = {
    "ci": (("sparks.jsonl", 1), ("images.jsonl", 1), ("formats.jsonl", 1)),
    "default": (("sparks.jsonl", 2), ("images.jsonl", 2), ("formats.jsonl", 1)),
    "full": (("sparks.jsonl", 3), ("images.jsonl", 3), ("formats.jsonl", 3)),
    "sparks": (("sparks.jsonl", 3),),
    "formats": (("formats.jsonl", 3),),
    "images": (("images.jsonl", 3),),
    "ip": (("ip_leaky.jsonl", 3), ("ip_clean.jsonl", 3)),
    "targets": (("targets.jsonl", 3),),
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
    # Written for an image-model family (the targets suite); empty: the request does not name one.
    target_model: str = ""
    keep_terms: tuple[str, ...] = ()
    negative_prompt: bool = False
    weights: bool = False
    aspect_ratio: str = ""

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
            body.update(self.target_fields())
        body.update({k: v for k, v in extra.items() if v is not None})
        return body


    def target_fields(self) -> dict[str, Any]:
        """The request fields of a target-model case (none for other cases)."""
        fields: dict[str, Any] = {}
        if self.target_model:
            fields["targetModel"] = self.target_model
        if self.keep_terms:
            fields["keepTerms"] = list(self.keep_terms)
        if self.negative_prompt:
            fields["negativePrompt"] = True
        if self.weights:
            fields["weights"] = True
        if self.aspect_ratio:
            fields["aspectRatio"] = self.aspect_ratio
        return fields


def _image_use(mode: str) -> str:
    """What `mode` does with a request's images (its handler's `images`; aliases resolve)."""
    return modes.registry.get(mode).images if mode in modes.registry else "unused"


@lru_cache(maxsize=64)
def _data_url(ref: str) -> str:
    return images.data_url(ref)


def case_from_json(data: dict[str, Any], kind: str | None = None, line: str = "") -> Case:
    """A `Case` from one JSONL object; field names of the IP files are accepted loosely.
    `targetModel` here is one family name (see `expand_targets` for lists and `all`)."""
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
                    entities=tuple(str(e) for e in entities), tier=int(data.get("tier", 3)),
                    **_target_options(data, line))
    except (TypeError, ValueError) as exc:
        raise SuiteError(f"{line}: {exc}") from None


def _target_options(data: dict[str, Any], line: str) -> dict[str, Any]:
    """The target-model fields of a case: `targetModel` (a family), `keepTerms` (a list of
    strings), `negativePrompt` and `weights` (booleans), `aspectRatio` ("16:9")."""
    family = data.get("targetModel") or ""
    if family and family not in targets.NAMES:
        raise SuiteError(f"{line}: unknown targetModel {family!r}; families: {', '.join(targets.NAMES)}")
    terms = data.get("keepTerms") or ()
    if isinstance(terms, str) or not all(isinstance(t, str) and t.strip() for t in terms):
        raise SuiteError(f"{line}: keepTerms is a list of non-empty strings")
    flags = {name: data.get(name, False) for name in ("negativePrompt", "weights")}
    if any(not isinstance(v, bool) for v in flags.values()):
        raise SuiteError(f"{line}: negativePrompt and weights are true or false")
    return {"target_model": str(family), "keep_terms": tuple(terms), "negative_prompt": flags["negativePrompt"],
            "weights": flags["weights"], "aspect_ratio": str(data.get("aspectRatio") or "")}


def expand_targets(data: dict[str, Any], line: str = "", default_all: bool = False) -> list[dict[str, Any]]:
    """One JSONL object per family it names: `targetModel` may be a family, a list of them or
    `all` (every family but `generic`); with `default_all`, a case naming none runs for all too.
    Each copy's id gets `@family`, so the rows of one spark stay apart."""
    families = data.get("targetModel")
    if families is None and default_all:
        families = "all"
    if families is None or (isinstance(families, str) and families != "all"):
        return [data]
    if families == "all":
        families = list(TARGET_FAMILIES)
    if not isinstance(families, list) or not families or not all(isinstance(f, str) for f in families):
        raise SuiteError(f"{line}: targetModel is a family, a list of families or \"all\"")
    base = str(data.get("id") or f"target-{hashlib.sha1(str(data.get('spark')).encode()).hexdigest()[:8]}")
    return [{**data, "targetModel": family, "id": f"{base}@{family}"} for family in families]


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
        if not isinstance(data, dict):
            raise SuiteError(f"{path}:{number}: expected a JSON object")
        for each in expand_targets(data, f"{path}:{number}", default_all=path.name == TARGETS_FILE):
            case = case_from_json(each, kind, f"{path}:{number}")
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
