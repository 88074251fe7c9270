"""Calibration of the broken-phrase detector: `python -m eval.calibrate [--lm]`.

Reads `eval/calibration/broken_phrases.jsonl` (each line a spark, a prompt and the phrases of it
a person marked as cut mid-thought; every other phrase is complete) and prints precision and
recall of the rules, of the language model's end probability at several floors, and of both.
The figures are quoted in eval/README.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from eval import quality as q

LABELLED = Path(__file__).parent / "calibration" / "broken_phrases.jsonl"


def labelled(path: Path = LABELLED) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(cases: list[dict], floor: float | None, use_rules: bool = True,
          ends: list[list[float | None]] | None = None) -> tuple[int, int, int, int]:
    """(true positives, false positives, false negatives, phrases) over every phrase outside the spark."""
    tp = fp = fn = total = 0
    saved = q.END_PROB_FLOOR
    q.END_PROB_FLOOR = floor if floor is not None else -1.0
    try:
        for i, case in enumerate(cases):
            end_probs = ends[i] if ends is not None else None
            flagged = set(q.broken_phrases(case["prompt"], case["spark"], end_probs)) if use_rules else {
                p for p, v in zip(q.phrases(case["prompt"]), end_probs or [], strict=False)
                if v is not None and v < q.END_PROB_FLOOR}
            truth = set(case["broken"])
            spark = " ".join(case["spark"].split()).lower()
            for part in q.phrases(case["prompt"]):
                if spark and part.lower() in spark:
                    continue
                total += 1
                tp += part in flagged and part in truth
                fp += part in flagged and part not in truth
                fn += part not in flagged and part in truth
    finally:
        q.END_PROB_FLOOR = saved
    return tp, fp, fn, total


def _line(name: str, counts: tuple[int, int, int, int]) -> str:
    tp, fp, fn, total = counts
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return f"{name:32} precision {precision:.2f}  recall {recall:.2f}  (tp {tp}, fp {fp}, fn {fn}, {total} phrases)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.calibrate", description=__doc__)
    parser.add_argument("--lm", action="store_true", help="also score with the embedded language model")
    args = parser.parse_args(argv)
    cases = labelled()
    print(_line("rules", score(cases, None)))
    if args.lm:
        lm = q.shared_lm_ends()
        if lm is None:
            print("language model: not available (no cached safetensors in the data directory)")
            return 1
        ends = lm([c["prompt"] for c in cases])
        for floor in (0.002, 0.005, 0.01, 0.02, 0.03, 0.05):
            print(_line(f"model alone, floor {floor}", score(cases, floor, use_rules=False, ends=ends)))
            print(_line(f"rules + model, floor {floor}", score(cases, floor, ends=ends)))
        for case, values in zip(cases, ends, strict=True):
            for part, value in zip(q.phrases(case["prompt"]), values, strict=False):
                mark = "CUT " if part in case["broken"] else "    "
                print(f"  {mark}{'-' if value is None else f'{value:.3f}':>6}  {part}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
