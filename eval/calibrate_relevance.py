"""Calibration of the relevance floor: `python -m eval.calibrate_relevance`.

Reads `eval/calibration/relevance.jsonl`: each line a spark, a prompt the embedded model wrote
for it (sparks no rule was tuned on), the phrases of it a person marked off topic (they do not
belong to the spark's scene: an unrelated object or place, a phrase that means nothing there),
and a split (`dev` or `held`). Every other scene phrase the gate scores (`modes.relevance.
scene_phrases`) is on topic. For each floor it prints precision and recall of "off topic" on
the dev lines, picks the floor with the best accuracy there (a kept junk phrase and a dropped
good one count alike; ties: the lower floor, which drops fewer phrases), and reports that floor on the held-out lines, which played no part in choosing it.
The floors are `modes.relevance.COMPLETION_FLOOR` / `STRUCTURED_FLOOR` and the metric's
`eval.quality.RELEVANCE_FLOOR`; the figures are quoted in eval/README.md.

`--count RESULTS.jsonl` instead counts, in an eval run's results, the prompts that hold a phrase a
person marked off topic for the same spark and mode: run the 10 held-out sparks of
`eval/calibration/held_sparks.jsonl` (`python -m eval run --suite eval/calibration/held_sparks.jsonl
--modes structured,completion,inventive -n 3 --seeds 0 --warmup 0 --determinism 0`) and count.
The model writes the same rows for the same seed, so what changes is what the service keeps.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from modes.relevance import off_topic, scene_phrases

LABELLED = Path(__file__).parent / "calibration" / "relevance.jsonl"
FLOORS = tuple(round(0.05 * i, 2) for i in range(1, 11))


def labelled(path: Path = LABELLED) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def decisions(cases: list[dict], embed, floor: float) -> list[tuple[bool, bool]]:  # type: ignore[no-untyped-def]
    """(flagged, marked off topic by a person) for every scored phrase of every case."""
    out = []
    for case in cases:
        head, scored = scene_phrases(case["prompt"], case["spark"])
        if not scored:
            continue
        vectors = embed([head, *scored])
        flags = off_topic(vectors[0], vectors[1:], floor)
        marked = set(case["off_topic"])
        out += [(flag, phrase in marked) for phrase, flag in zip(scored, flags, strict=True)]
    return out


def figures(pairs: list[tuple[bool, bool]]) -> dict[str, float]:
    tp = sum(f and t for f, t in pairs)
    fp = sum(f and not t for f, t in pairs)
    fn = sum(t and not f for f, t in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = float(np.mean([f == t for f, t in pairs])) if pairs else 1.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": accuracy,
            "phrases": len(pairs), "off_topic": tp + fn}


def count(labels: Path, results: Path) -> int:
    """Print, per mode, how many prompts of `results` hold a phrase marked off topic."""
    marked: dict[tuple[str, str], set[str]] = {}
    for case in labelled(labels):
        marked.setdefault((case["spark"], case["mode"]), set()).update(case["off_topic"])
    totals: dict[str, list[int]] = {}
    for line in results.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        tally = totals.setdefault(row["mode"], [0, 0])
        for prompt in row.get("prompts") or []:
            tally[1] += 1
            tally[0] += any(phrase in prompt for phrase in marked.get((row["spark"], row["mode"]), ()))
    for mode, (bad, n) in sorted(totals.items()):
        print(f"{mode}: {bad}/{n} prompts hold a phrase marked off topic")
    bad, n = sum(t[0] for t in totals.values()), sum(t[1] for t in totals.values())
    print(f"all: {bad}/{n}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.calibrate_relevance", description=__doc__)
    parser.add_argument("--file", type=Path, default=LABELLED)
    parser.add_argument("--mode", help="only the prompts of this mode (the gate's floor is per mode)")
    parser.add_argument("--count", type=Path, metavar="RESULTS",
                        help="count the prompts of an eval run holding a phrase marked off topic")
    args = parser.parse_args(argv)
    if args.count is not None:
        return count(args.file, args.count)
    from models.embeddings import shared

    embed = shared()
    cases = [c for c in labelled(args.file) if args.mode in (None, c.get("mode"))]
    dev = [c for c in cases if c.get("split") == "dev"]
    held = [c for c in cases if c.get("split") == "held"]
    print(f"{len(dev)} dev prompts, {len(held)} held-out prompts")
    print("floor  precision  recall  f1     accuracy  (dev)")
    best: tuple[float, float] | None = None
    for floor in FLOORS:
        f = figures(decisions(dev, embed, floor))
        print(f"{floor:<6} {f['precision']:<10.3f} {f['recall']:<7.3f} {f['f1']:<6.3f} {f['accuracy']:.3f}")
        if best is None or f["accuracy"] > best[1] + 1e-9:
            best = (floor, f["accuracy"])
    assert best is not None
    dev_f = figures(decisions(dev, embed, best[0]))
    held_f = figures(decisions(held, embed, best[0]))
    print(f"chosen floor {best[0]} (best dev accuracy; {dev_f['phrases']} phrases, {dev_f['off_topic']} off topic)")
    print(f"held out at {best[0]}: precision {held_f['precision']:.3f}, recall {held_f['recall']:.3f}, "
          f"F1 {held_f['f1']:.3f}, accuracy {held_f['accuracy']:.3f} "
          f"({held_f['phrases']} phrases, {held_f['off_topic']} off topic)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
