"""The hand-written reference for diversity and adherence: `python -m eval.reference [RESULTS]`.

`eval/calibration/diversity_reference.jsonl` holds, for 10 sparks of the default suite, three
prompts a person wrote as an art director would: spark first, then a different setting, medium,
view, light, palette and detail in each. Their embedding diversity (mean pairwise 1 - cosine,
all-MiniLM-L6-v2, as `eval.metrics.embedding_diversity`) is what varied, usable prompts for one
spark score on this metric; printed beside an eval run's results on the same sparks (`RESULTS`,
a results.jsonl of `python -m eval run --suite eval/calibration/diversity_reference.jsonl ...`,
which reads the file as a suite), per mode, as a ratio of the reference.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from eval.metrics import adherence, embedding_diversity

REFERENCE = Path(__file__).parent / "calibration" / "diversity_reference.jsonl"


def reference(path: Path = REFERENCE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.reference", description=__doc__)
    parser.add_argument("results", nargs="?", type=Path, help="an eval run's results.jsonl on the same sparks")
    args = parser.parse_args(argv)
    from models.embeddings import shared

    embed = shared()
    cases = reference()
    sparks = {case["spark"] for case in cases}
    ref_div = float(np.mean([embedding_diversity(c["prompts"], embed) for c in cases]))
    ref_adh = float(np.mean([adherence(c["spark"], c["prompts"], embed) for c in cases]))
    print(f"hand-written reference ({len(cases)} sparks, 3 prompts each): diversity {ref_div:.3f}, "
          f"adherence {ref_adh:.3f}")
    if args.results is None:
        return 0
    by_mode: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for line in args.results.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        prompts = row.get("prompts") or []
        if row.get("spark") in sparks and len(prompts) >= 2:
            diversity = embedding_diversity(prompts, embed)
            adhered = adherence(row["spark"], prompts, embed)
            if diversity is not None and adhered is not None:
                by_mode[row["mode"]].append((diversity, adhered))
    for mode, values in sorted(by_mode.items()):
        div, adh = (float(np.mean(v)) for v in zip(*values, strict=True))
        print(f"{mode}: diversity {div:.3f} ({div / ref_div:.2f} of the reference), adherence {adh:.3f} "
              f"({len(values)} sparks)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
