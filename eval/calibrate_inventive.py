"""Can a rule tell a usable inventive elaboration from word salad? `python -m eval.calibrate_inventive`.

Reads `eval/calibration/inventive_elaborations.jsonl`: each line an inventive result's head (the
spark with its twist), one phrase the embedded model wrote after it, whether a person would use
it ("a sea of lanterns" after a whale at a festival of lanterns: yes; "a gentle blowout by a whale",
"a glass-batted violin solitaire": no) and a split (`dev`: sparks read while writing the rules;
`held`: sparks read after). For each candidate rule it prints, per split, the phrases it keeps
(usable / unusable) and its accuracy (a kept unusable phrase and a dropped usable one count alike).

The rules: every phrase kept (what the mode did), none kept, a floor on the all-MiniLM-L6-v2
cosine with the head (the relevance gate's measure), a band (an elaboration very close to the
head only says it again, garbled: "a neon teapot weave of glow-in the dark"), and a band with no
rare word (wordfreq Zipf below 3.5: "stowaway", "solitaire"). What it found is in
`modes.relevance.INVENTIVE_FLOOR`'s comment and docs/coherence.md.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

LABELLED = Path(__file__).parent / "calibration" / "inventive_elaborations.jsonl"


def _rarest(phrase: str) -> float:
    from wordfreq import zipf_frequency

    return min((zipf_frequency(w, "en") for w in re.findall(r"[a-z]+", phrase.lower()) if len(w) > 2), default=9.0)


Rule = Callable[[float, str], bool]
RULES: tuple[tuple[str, Rule], ...] = (
    ("keep every phrase", lambda cos, phrase: True),
    ("keep none", lambda cos, phrase: False),
    ("cosine >= 0.40", lambda cos, phrase: cos >= 0.40),
    ("0.40 <= cosine <= 0.70", lambda cos, phrase: 0.40 <= cos <= 0.70),
    ("band, no word below Zipf 3.0", lambda cos, phrase: 0.40 <= cos <= 0.70 and _rarest(phrase) >= 3.0),
    ("band, no word below Zipf 3.5", lambda cos, phrase: 0.40 <= cos <= 0.70 and _rarest(phrase) >= 3.5),
)


def cosines(cases: list[dict]) -> np.ndarray:
    from models.embeddings import shared

    embed = shared()
    heads = embed([c["head"] for c in cases])
    phrases = embed([c["phrase"] for c in cases])
    return np.sum(heads * phrases, axis=1) / (np.linalg.norm(heads, axis=1) * np.linalg.norm(phrases, axis=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.calibrate_inventive", description=__doc__)
    parser.add_argument("--file", type=Path, default=LABELLED)
    args = parser.parse_args(argv)
    cases = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    cos = cosines(cases)
    splits = ("dev", "held")
    for split in splits:
        usable = sum(c["usable"] for c in cases if c["split"] == split)
        total = sum(c["split"] == split for c in cases)
        print(f"{split}: {total} phrases, {usable} usable")
    print(f"{'rule':<32} " + "  ".join(f"{s}: kept usable/unusable, accuracy" for s in splits))
    for name, rule in RULES:
        cells = []
        for split in splits:
            picked = [(rule(float(c_cos), c["phrase"]), c["usable"]) for c, c_cos in zip(cases, cos, strict=True)
                      if c["split"] == split]
            good = sum(k and u for k, u in picked)
            bad = sum(k and not u for k, u in picked)
            accuracy = sum(k == u for k, u in picked) / len(picked) if picked else 1.0
            cells.append(f"{good:>3}/{bad:<3} {accuracy:.2f}")
        print(f"{name:<32} " + "      ".join(f"{cell:<33}" for cell in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
