"""Does a result fit the rules of the image-model family it was written for (`targetModel`)?

Each rule is re-derived here from the family's declared profile (`modes.targets.profiles`: its
phrasing, weights syntax, CLIP windows or word cap, parameters) and CLIP's token counter
(`modes.targets.clip`); nothing of the renderer is called, so a renderer that breaks its own
family's rules is caught. A rule returns the reasons a prompt breaks it (empty: it fits).

- phrasing: `tags`: comma-separated phrases, no sentence stop, no phrase opening with sentence
  glue (an article before a lower-case word, "and", "with"); `sentences`: every sentence opens
  with a capital (or a kept term) and ends with a stop, and a sentence of three or more comma
  parts joins them with "and" or "with" (prose, not a tag list);
- length: the prompt (parameters apart) fits the family's CLIP windows (75 tokens each, counted
  with CLIP's vocabulary) or its word cap;
- weights: the family's syntax appears only when asked, and when asked it does appear and is
  valid: balanced parentheses and `(text:w)` with `w` a number in `WEIGHT_RANGE` for `paren`;
  `text::w` with a numeric `w` in range for `double-colon`; a family without a syntax never
  shows one;
- kept terms: each appears verbatim (same case, not inside a longer word) before any parameter;
- negative: when asked, one non-empty negative prompt per result; none of its terms appears in
  the prompt (parameters apart) and it names no kept term; for a family that takes it as a
  parameter (`--no`), the prompt carries it, with the same terms;
- parameters: only a family that takes parameters shows any, each `--name value` well-formed
  (`--ar W:H` equal to the aspect ratio asked, `--no` a comma list), each at most once, none
  that was not asked for; nothing after them but parameters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from modes.targets import clip
from modes.targets.profiles import PROFILES, TargetProfile

RULES: tuple[str, ...] = ("phrasing", "length", "weights", "kept", "negative", "parameters")
WEIGHT_RANGE = (0.1, 2.0)  # what SD's and Midjourney's weights are sensibly set to
PROFILE_BY_NAME = {profile.name: profile for profile in PROFILES}

_PARAMS_START = re.compile(r"(?:^|\s)(--[A-Za-z])")
_PARAM = re.compile(r"--([A-Za-z][A-Za-z-]*)(?:\s+((?:(?!\s--)\S)(?:(?!\s--).)*))?\s*", re.DOTALL)
_RATIO = re.compile(r"^[1-9][0-9]*:[1-9][0-9]*$")
_STOP = re.compile(r"[.!?;](?=\s|$)")
_GLUE = re.compile(r"^(?:(?:and|with|featuring|plus)\s|(?:a|an|the)\s+[a-z])", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_PAREN_WEIGHT = re.compile(r"\(([^()]*):\s*([^()]*)\)")
_COLON_WEIGHT = re.compile(r"::\s*(\S*)")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def split_parameters(prompt: str) -> tuple[str, str]:
    """(the prompt, its parameters): what follows the first ` --x` is parameters."""
    found = _PARAMS_START.search(prompt)
    if found is None:
        return prompt.strip(), ""
    return prompt[: found.start(1)].strip(), prompt[found.start(1) :].strip()


def parse_parameters(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """([(name, value)], problems) of a parameter string such as `--ar 16:9 --no blur, text`."""
    out: list[tuple[str, str]] = []
    problems: list[str] = []
    position = 0
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None:
            problems.append(f"malformed parameters: {text[position:]!r}")
            break
        out.append((match.group(1).lower(), (match.group(2) or "").strip()))
        position = match.end()
    return out, problems


def _has_term(text: str, term: str, ignore_case: bool = False) -> bool:
    flags = re.IGNORECASE if ignore_case else 0
    return re.search(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", text, flags) is not None


def _unweighted(text: str) -> str:
    """The text with weights syntax taken away: `(x:1.2)` -> `x`, `x::1.2` -> `x`."""
    text = _PAREN_WEIGHT.sub(lambda m: m.group(1), text)
    return re.sub(r"::\s*-?[0-9.]*", "", text)


# ---- the rules ----------------------------------------------------------------------------------


def phrasing(body: str, profile: TargetProfile, keep_terms: Sequence[str] = ()) -> list[str]:
    """Tags or sentences, as the family's profile says."""
    text = _unweighted(body)
    if not text.strip():
        return ["empty prompt"]
    if profile.phrasing == "tags":
        problems = []
        for phrase in (p.strip() for p in text.split(",")):
            if not phrase:
                problems.append("an empty tag (two commas in a row)")
            elif _STOP.search(phrase):
                problems.append(f"a sentence stop in tag {phrase!r}")
            elif _GLUE.match(phrase):
                problems.append(f"sentence glue opens tag {phrase!r}")
        return problems
    if profile.phrasing == "sentences":
        problems = []
        if not text.rstrip().endswith((".", "!", "?")):
            problems.append("does not end with a full stop")
        for sentence in _SENTENCE_END.split(text.strip()):
            opens_with_term = any(sentence.startswith(term) for term in keep_terms)
            if not (sentence[:1].isupper() or sentence[:1].isdigit() or opens_with_term):
                problems.append(f"sentence opens in lower case: {sentence[:40]!r}")
            if sentence.count(",") >= 2 and not re.search(r"\b(?:and|with)\b", sentence):
                problems.append(f"a tag list, not a sentence: {sentence[:60]!r}")
        return problems
    return []


def length(body: str, profile: TargetProfile) -> list[str]:
    """Within the family's CLIP windows (CLIP tokens) or word cap."""
    problems = []
    if profile.clip_windows is not None:
        tokens = clip.count(body)
        if tokens > profile.clip_windows * clip.WINDOW_TOKENS:
            problems.append(f"{tokens} CLIP tokens > {profile.clip_windows * clip.WINDOW_TOKENS}")
    if profile.max_words is not None:
        words = len(body.split())
        if words > profile.max_words:
            problems.append(f"{words} words > {profile.max_words}")
    return problems


def _in_range(value: str) -> bool:
    try:
        number = float(value)
    except ValueError:
        return False
    return WEIGHT_RANGE[0] <= number <= WEIGHT_RANGE[1]


def weights(body: str, profile: TargetProfile, asked: bool) -> list[str]:
    """The family's weights syntax, valid, and only when asked."""
    problems = []
    depth = 0
    for char in body:
        depth += 1 if char == "(" else -1 if char == ")" else 0
        if depth < 0:
            break
    if depth != 0:
        problems.append("unbalanced parentheses")
    paren = _PAREN_WEIGHT.findall(body)
    colon = _COLON_WEIGHT.findall(body)
    syntax = profile.weights if asked else None
    if paren and syntax != "paren":
        problems.append("(text:weight) syntax " + ("not asked for" if not asked else f"not {profile.name}'s"))
    if colon and syntax != "double-colon":
        problems.append(":: weights " + ("not asked for" if not asked else f"not {profile.name}'s"))
    if syntax == "paren":
        if not paren:
            problems.append("weights asked, none written")
        problems += [
            f"weight {w!r} of {t!r} is not a number in {WEIGHT_RANGE}" for t, w in paren if not _in_range(w)
        ]
    if syntax == "double-colon":
        if not colon:
            problems.append("weights asked, none written")
        problems += [f"::{w} is not a number in {WEIGHT_RANGE}" for w in colon if not _in_range(w)]
    return problems


def kept(body: str, keep_terms: Sequence[str]) -> list[str]:
    """Every kept term verbatim in the prompt (not only in a parameter)."""
    return [f"kept term {term!r} missing" for term in keep_terms if not _has_term(body, term)]


def _terms(negative: str) -> list[str]:
    return [t.strip() for t in negative.split(",") if t.strip()]


def negative(
    body: str,
    negative_prompt: str | None,
    parameters: list[tuple[str, str]],
    profile: TargetProfile,
    keep_terms: Sequence[str] = (),
) -> list[str]:
    """A negative prompt present, contradicting neither the prompt nor a kept term."""
    problems = []
    if not isinstance(negative_prompt, str) or not negative_prompt.strip():
        problems.append("no negative prompt")
        negative_prompt = ""
    terms = _terms(negative_prompt)
    lowered = " ".join(_WORD.findall(_unweighted(body).lower()))
    for term in terms:
        words = " ".join(_WORD.findall(term.lower()))
        if words and (_has_term(lowered, words) or _has_term(lowered, words + "s")):
            problems.append(f"negative term {term!r} is in the prompt")
    for term in keep_terms:
        if _has_term(negative_prompt, term, ignore_case=True):
            problems.append(f"the negative prompt names kept term {term!r}")
    if profile.negative_parameter is not None:
        name = profile.negative_parameter.lstrip("-").lower()
        given = [value for key, value in parameters if key == name]
        if not given:
            problems.append(f"no {profile.negative_parameter} parameter")
        elif terms and _terms(given[0]) != terms:
            problems.append(f"{profile.negative_parameter} differs from the negative prompt")
    return problems


def parameters(
    params: list[tuple[str, str]],
    malformed: list[str],
    profile: TargetProfile,
    aspect_ratio: str,
    negative_asked: bool,
) -> list[str]:
    """Parameters only where the family takes them, each well-formed and asked for."""
    problems = list(malformed)
    allowed: dict[str, str] = {}
    if profile.aspect_parameter is not None and aspect_ratio:
        allowed[profile.aspect_parameter.lstrip("-").lower()] = "ratio"
    if profile.negative_parameter is not None and negative_asked:
        allowed[profile.negative_parameter.lstrip("-").lower()] = "list"
    seen: set[str] = set()
    for name, value in params:
        if name in seen:
            problems.append(f"--{name} given twice")
        seen.add(name)
        kind = allowed.get(name)
        if kind is None:
            problems.append(
                f"--{name} not asked for"
                if profile.aspect_parameter or profile.negative_parameter
                else f"{profile.name} takes no parameters (--{name})"
            )
        elif kind == "ratio" and (not _RATIO.match(value) or value != aspect_ratio):
            problems.append(f"--{name} {value!r} is not the aspect ratio asked ({aspect_ratio})")
        elif kind == "list" and (not _terms(value) or "::" in value):
            problems.append(f"--{name} {value!r} is not a comma list")
    problems += [f"--{name} missing" for name in allowed if name not in seen and allowed[name] == "ratio"]
    return problems


# ---- per request --------------------------------------------------------------------------------


def check(
    prompt: str,
    profile: TargetProfile,
    *,
    keep_terms: Sequence[str] = (),
    weights_asked: bool = False,
    negative_asked: bool = False,
    negative_prompt: str | None = None,
    aspect_ratio: str = "",
) -> dict[str, list[str]]:
    """Rule -> reasons `prompt` breaks it, for every rule that applies (empty list: it fits)."""
    body, tail = split_parameters(prompt)
    params, malformed = parse_parameters(tail)
    found: dict[str, list[str]] = {
        "phrasing": phrasing(body, profile, keep_terms),
        "weights": weights(body, profile, weights_asked),
        "parameters": parameters(params, malformed, profile, aspect_ratio, negative_asked),
    }
    if profile.clip_windows is not None or profile.max_words is not None:
        found["length"] = length(body, profile)
    if keep_terms:
        found["kept"] = kept(body, keep_terms)
    if negative_asked:
        found["negative"] = negative(body, negative_prompt, params, profile, keep_terms)
    return found


def request_rules(row: dict[str, Any]) -> dict[str, Any]:
    """Per-request values of a row written for a family: `target_<rule>` is the share of its
    prompts that fit the rule (None when the rule does not apply), `target_fit` the share that fit
    every rule, and `target_flags` {rule: {prompt index: reasons}}. Empty for other rows."""
    profile = PROFILE_BY_NAME.get(row.get("target_model") or "")
    if profile is None or profile.phrasing == "as-written" or row.get("status") != 200:
        return {}
    prompts = [p for p in row.get("prompts") or [] if isinstance(p, str)]
    if not prompts:
        return {}
    negatives = row.get("negative_prompts")
    negatives = negatives if isinstance(negatives, list) and len(negatives) == len(prompts) else None
    counts: dict[str, int] = {}
    flags: dict[str, dict[str, list[str]]] = {}
    fitting = 0
    for index, prompt in enumerate(prompts):
        found = check(
            prompt,
            profile,
            keep_terms=row.get("keep_terms") or (),
            weights_asked=bool(row.get("weights_asked")),
            negative_asked=bool(row.get("negative_asked")),
            negative_prompt=negatives[index] if negatives is not None else None,
            aspect_ratio=row.get("aspect_ratio") or "",
        )
        if row.get("negative_asked") and negatives is None:
            found.setdefault("negative", []).insert(0, "negativePrompts missing or not aligned with prompts")
        for rule, reasons in found.items():
            counts[rule] = counts.get(rule, 0) + (not reasons)
            if reasons:
                flags.setdefault(rule, {})[str(index)] = reasons
        fitting += not any(found.values())
    n = len(prompts)
    values: dict[str, Any] = {
        f"target_{rule}": (counts[rule] / n if rule in counts else None) for rule in RULES
    }
    values["target_fit"] = fitting / n
    values["target_flags"] = flags
    return values
