"""Which slot values the embedded model writes into structured prompts would a person keep?
`python -m eval.calibrate_structured`.

Reads `eval/calibration/structured_slots.jsonl`: 513 slot values (setting, details, lighting,
palette, composition) that the embedded model wrote for 32 sparks (seeds 0 and 1), each judged
usable or not, with why. For each slot it prints what the model's values are worth kept as they
are, and what `modes.structured.small_model_keeps` keeps of them: usable / unusable kept, and the
share of kept values that are usable (the precision a reader sees) against the usable values it
drops. The rule was written reading these labels, so this is the rule's fit, not a held-out
measure: the held-out check is a person reading prompts on sparks no rule saw (docs/coherence.md).
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

LABELLED = Path(__file__).parent / "calibration" / "structured_slots.jsonl"


def main(argv: list[str] | None = None) -> None:
    from modes.structured import small_model_keeps

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELLED)
    parser.add_argument("--show", choices=("kept-unusable", "dropped-usable"), help="list those values")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.labels.read_text().splitlines() if line.strip()]
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for row in rows:
        kept = small_model_keeps(row["slot"], row["phrase"])
        key = ("kept-" if kept else "dropped-") + ("usable" if row["usable"] else "unusable")
        counts[row["slot"]][key] += 1
        if args.show == key:
            print(f"  {row['slot']:<12} {row['phrase']!r:<45} {row['spark']}")
    print(f"{'slot':<12} {'as written':>12} {'kept':>14} {'precision':>10} {'usable dropped':>15}")
    for slot in sorted(counts):
        c = counts[slot]
        usable = c["kept-usable"] + c["dropped-usable"]
        total = usable + c["kept-unusable"] + c["dropped-unusable"]
        kept = c["kept-usable"] + c["kept-unusable"]
        precision = c["kept-usable"] / kept if kept else float("nan")
        print(
            f"{slot:<12} {usable:>5}/{total:<6} {c['kept-usable']:>6}/{kept:<7} {precision:>10.2f} "
            f"{c['dropped-usable']:>15}"
        )


if __name__ == "__main__":
    main()
