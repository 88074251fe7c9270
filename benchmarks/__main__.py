"""`make bench`: run every benchmark, print each ratio against its target, write results.json.

python -m benchmarks                # all
python -m benchmarks overhead ip    # some
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

from benchmarks import (
    bench_cache,
    bench_chain,
    bench_ip,
    bench_model,
    bench_overhead,
    bench_overload,
    bench_quant,
    bench_replicas,
)

SUITES = {
    "overhead": lambda: [bench_overhead.run()],
    "ip": lambda: [bench_ip.run()],
    "model": bench_model.run,
    "cache": bench_cache.run,
    "chain": lambda: [bench_chain.run()],
    "overload": lambda: [bench_overload.run()],
    "quant": bench_quant.run,
    "replicas": lambda: [bench_replicas.run()],
}

RESULTS = Path(__file__).resolve().parent / "results.json"


def machine() -> dict:
    import os

    import torch

    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "processor": platform.processor() or platform.machine(),
    }


def main(argv: list[str]) -> int:
    chosen = argv or list(SUITES)
    entries: list[dict] = []
    if RESULTS.exists() and argv:
        previous = json.loads(RESULTS.read_text())
        entries = list(previous.get("results", []))  # a partial run keeps the other entries
    fresh: list[dict] = []
    for name in chosen:
        started = time.perf_counter()
        out = SUITES[name]()
        for entry in out:
            entry["raw"]["suite"] = name
            entry["raw"]["suite_seconds"] = round(time.perf_counter() - started, 1)
            entry["raw"]["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S")  # kept by partial runs
            mark = "met" if entry["met"] else "NOT met"
            print(
                f"{entry['name']:<32} ratio {entry['ratio']:>10}  target {entry['target']:>6}  {mark}",
                flush=True,
            )
        fresh += out
    names = {e["name"] for e in fresh}
    entries = [e for e in entries if e["name"] not in names] + fresh
    RESULTS.write_text(
        json.dumps(
            {"machine": machine(), "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"), "results": entries},
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
