"""Benchmark: how long one IP check takes, against a naive scan measured in the same run.

For every prompt of `eval/suites/ip_leaky.jsonl` and `eval/suites/ip_clean.jsonl` it times
`IPFilter.check` (fold + trie walk + context rules) and, as the reference, the plainest
possible check: `text.lower()` and a Python `in` test for every lexicon alias. The reference
knows nothing of evasions or word boundaries; the ratio says what the robustness costs.

    python -m benchmarks.bench_ip
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from modes.ip import IPFilter

ROOT = Path(__file__).resolve().parents[1]
SUITES = (ROOT / "eval" / "suites" / "ip_leaky.jsonl", ROOT / "eval" / "suites" / "ip_clean.jsonl")
TARGET_RATIO = 1.0  # the evasion-proof check may cost no more than a naive lower()+in scan...
TARGET_MEDIAN_US = 1000.0  # ...and must stay well under a millisecond per typical prompt
REPEATS = 15


def _prompts() -> list[str]:
    out: list[str] = []
    for path in SUITES:
        with path.open(encoding="utf-8") as fh:
            out += [json.loads(line)["text"] for line in fh if line.strip()]
    return out


def _per_call_us(fn, text: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            fn(text)
        best = min(best, (time.perf_counter() - start) / repeats)
    return best * 1e6


def run() -> dict:
    ip = IPFilter.default()
    prompts = _prompts()
    aliases = sorted({a.lower() for e in ip.lexicon.entries for a in e.aliases})

    def naive(text: str) -> list[str]:
        low = text.lower()
        return [a for a in aliases if a in low]

    for text in prompts[:50]:  # warm caches
        ip.check(text)
        naive(text)
    check_us = [_per_call_us(ip.check, t, REPEATS) for t in prompts]
    naive_us = [_per_call_us(naive, t, REPEATS) for t in prompts]
    clear_us = [_per_call_us(ip.clear, t, 5) for t in prompts[::4]]
    median_us = statistics.median(check_us)
    reference_us = statistics.median(naive_us)
    ratio = median_us / reference_us
    return {
        "name": "ip-check",
        "ratio": round(ratio, 3),
        "target": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO and median_us <= TARGET_MEDIAN_US,
        "raw": {
            "prompts": len(prompts),
            "median_us_per_check": round(median_us, 1),
            "p90_us_per_check": round(statistics.quantiles(check_us, n=10)[-1], 1),
            "max_us_per_check": round(max(check_us), 1),
            "reference_median_us_lower_in_scan": round(reference_us, 1),
            "reference_aliases": len(aliases),
            "median_us_per_clear": round(statistics.median(clear_us), 1),
            "target_median_us": TARGET_MEDIAN_US,
            "lexicon_entities": len(ip.lexicon.entries),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
