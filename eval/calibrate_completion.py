"""How usable the embedded model's completion phrases are, by where they stand:
`python -m eval.calibrate_completion`.

Reads `eval/calibration/completion_phrases.jsonl`: each line one phrase the embedded model wrote
after a spark in completion mode (32 sparks no rule was tuned on, seeds 0 and 1, three results
each, at the service's default temperature), its position among the phrases after the spark (0:
the first), and whether a person would keep it in a prompt ("a glint of light in the water's
surface" yes; "a bonfire in the sea", "a legend of gold and jewels in their lair", "the fisherman
himself" no). The figures are why a small local model's completion keeps only its first phrase
(`modes.completion.SMALL_MODEL_PHRASES`); they are quoted in docs/coherence.md.
"""

from __future__ import annotations

import json
from pathlib import Path

LABELLED = Path(__file__).parent / "calibration" / "completion_phrases.jsonl"


def usable_by_position(path: Path = LABELLED) -> dict[str, tuple[int, int]]:
    """"first" and "later" -> (usable phrases, phrases)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: dict[str, tuple[int, int]] = {}
    for name, keep in (("first", lambda r: r["position"] == 0), ("later", lambda r: r["position"] > 0)):
        chosen = [r for r in rows if keep(r)]
        out[name] = (sum(bool(r["usable"]) for r in chosen), len(chosen))
    return out


def main() -> None:
    for name, (usable, total) in usable_by_position().items():
        print(f"{name:6} phrase: {usable}/{total} usable ({usable / max(total, 1):.0%})")


if __name__ == "__main__":
    main()
