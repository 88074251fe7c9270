"""Compare two runs (A = baseline, B = candidate) metric by metric and mode by mode.

For each metric the difference B - A (signed so that positive is better) gets a bootstrap
confidence interval: the cases both runs share are resampled with replacement (paired, so
case difficulty cancels out) and the metric is recomputed on each resample. A change is a
*regression* when the whole interval is below zero and the point difference is at least the
metric's `min_delta` (absolute, or relative to A for timings); an *improvement* mirrors that.
Identical runs therefore never differ, and small noisy moves stay "same".
Timings are reported but do not gate unless asked (`gate_timings`): they depend on the machine.
Independently of A, every mode of B is held to the absolute ceilings of `eval.summary.CEILINGS`
(`ceiling_breaches`): a candidate past one fails even when the baseline was as bad.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from eval.summary import METRICS, Metric, aggregate, breaches, by_mode, fmt

RESAMPLES = 2000
CONFIDENCE = 0.95


class Change(NamedTuple):
    mode: str
    metric: Metric
    a: float | None
    b: float | None
    delta: float | None  # B - A, positive = better
    low: float | None
    high: float | None
    verdict: str  # regression | improvement | same | n/a
    gating: bool


def load_rows(run: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows of a run folder (the last row per key) and its configuration."""
    path = run / "results.jsonl" if run.is_dir() else run
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: give a run folder made by `python -m eval run`")
    rows: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and "key" in row:
            rows[row["key"]] = row
    config_file = path.parent / "run.json"
    config = json.loads(config_file.read_text(encoding="utf-8")).get("config", {}) if config_file.is_file() else {}
    return list(rows.values()), config


def _column(metric: Metric, rows: Sequence[dict[str, Any] | None], field: str) -> np.ndarray:
    out = np.full(len(rows), np.nan)
    for i, row in enumerate(rows):
        value = row.get("metrics", {}).get(field) if row else None
        if value is not None:
            out[i] = float(value)
    return out


def _stat(metric: Metric, rows: Sequence[dict[str, Any] | None], idx: np.ndarray) -> np.ndarray:
    """The metric on each resample (`idx` is resamples x units) of aligned `rows`."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if metric.agg == "ratio":
            num, den = _column(metric, rows, metric.field), _column(metric, rows, metric.denominator)
            ok = ~(np.isnan(num) | np.isnan(den))
            num, den = np.where(ok, num, 0.0), np.where(ok, den, 0.0)
            sums = den[idx].sum(axis=1)
            return np.where(sums > 0, num[idx].sum(axis=1) / np.where(sums > 0, sums, 1), np.nan)
        column = _column(metric, rows, metric.field)[idx]
        if metric.agg == "mean":
            return np.nanmean(column, axis=1)
        return np.nanpercentile(column, float(metric.agg[1:]), axis=1)


def bootstrap_interval(metric: Metric, rows_a: Sequence[dict[str, Any]], rows_b: Sequence[dict[str, Any]],
                       resamples: int = RESAMPLES, confidence: float = CONFIDENCE,
                       seed: int = 0) -> tuple[float, float] | None:
    """Confidence interval of (B - A, positive = better), paired over shared cases when there are any."""
    rng = np.random.default_rng(seed)
    index_a, index_b = {_unit(r): r for r in rows_a}, {_unit(r): r for r in rows_b}
    shared = sorted(index_a.keys() & index_b.keys())
    if shared:
        idx = rng.integers(0, len(shared), (resamples, len(shared)))
        stat_a = _stat(metric, [index_a[k] for k in shared], idx)
        stat_b = _stat(metric, [index_b[k] for k in shared], idx)
    elif rows_a and rows_b:
        stat_a = _stat(metric, list(rows_a), rng.integers(0, len(rows_a), (resamples, len(rows_a))))
        stat_b = _stat(metric, list(rows_b), rng.integers(0, len(rows_b), (resamples, len(rows_b))))
    else:
        return None
    diff = (stat_b - stat_a) * (1 if metric.higher_is_better else -1)
    diff = diff[~np.isnan(diff)]
    if diff.size == 0:
        return None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(diff, [tail, 100 - tail])
    return float(low), float(high)


def judge(metric: Metric, a: float | None, b: float | None, interval: tuple[float, float] | None) -> str:
    """regression / improvement / same / n/a for one metric (see the module docstring)."""
    if a is None or b is None or interval is None:
        return "n/a"
    delta = (b - a) * (1 if metric.higher_is_better else -1)
    threshold = metric.min_delta * abs(a) if metric.relative else metric.min_delta
    low, high = interval
    if high < 0 and delta <= -threshold:
        return "regression"
    if low > 0 and delta >= threshold:
        return "improvement"
    return "same"


def _unit(row: dict[str, Any]) -> tuple[str, int]:
    return row["case_id"], row.get("seed", 0)


def _shared(rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], ...]:
    """The rows of the cases both runs have (all rows when they share none), so that A, B and
    the interval describe the same cases."""
    common = {_unit(r) for r in rows_a} & {_unit(r) for r in rows_b}
    if not common:
        return rows_a, rows_b
    return [r for r in rows_a if _unit(r) in common], [r for r in rows_b if _unit(r) in common]


def compare(rows_a: Sequence[dict[str, Any]], rows_b: Sequence[dict[str, Any]], gate_timings: bool = False,
            resamples: int = RESAMPLES) -> list[Change]:
    """Every metric of every mode that either run has, judged over the cases both runs have."""
    modes_a, modes_b = by_mode(rows_a), by_mode(rows_b)
    changes = []
    for mode in [*modes_a, *[m for m in modes_b if m not in modes_a]]:
        group_a, group_b = _shared(modes_a.get(mode, []), modes_b.get(mode, []))
        for metric in METRICS:
            a, b = aggregate(metric, group_a), aggregate(metric, group_b)
            if a is None and b is None:
                continue
            interval = bootstrap_interval(metric, group_a, group_b, resamples) if a is not None and b is not None \
                else None
            delta = None if a is None or b is None else (b - a) * (1 if metric.higher_is_better else -1)
            changes.append(Change(mode, metric, a, b, delta, *(interval or (None, None)),
                                  judge(metric, a, b, interval), metric.gating or gate_timings))
    return changes


def ceiling_breaches(rows_b: Sequence[dict[str, Any]],
                     ceilings: dict[str, float] | None = None) -> list[tuple[str, Metric, float, float]]:
    """(mode, metric, value, ceiling) for each mode of the candidate past a metric's ceiling,
    over all of the candidate's rows (not only the cases shared with the baseline)."""
    from eval.summary import CEILINGS

    limits = CEILINGS if ceilings is None else ceilings
    metrics = [metric for metric in METRICS if metric.name in limits]
    values = {mode: {metric.name: aggregate(metric, group) for metric in metrics}
              for mode, group in by_mode(rows_b).items()}
    return breaches(values, limits)


def ceiling_table(found: Sequence[tuple[str, Metric, float, float]], markdown: bool = False) -> str:
    """The breached ceilings, one line each (or a Markdown list)."""
    lines = [f"{'- ' if markdown else ''}CEILING: {mode} {metric.label} {fmt(value, metric)} "
             f"{'>' if not metric.higher_is_better else '<'} {fmt(limit, metric)}" for mode, metric, value, limit in found]
    return "\n".join(lines) + ("\n" if lines else "")


def failed(changes: Sequence[Change]) -> bool:
    """True when a gating metric regressed: the exit status CI uses."""
    return any(c.verdict == "regression" and c.gating for c in changes)


MARKS = {"regression": "REGRESSION", "improvement": "improved", "same": "", "n/a": "n/a"}
TIMING_MARKS = {"regression": "slower (not gated)", "improvement": "faster", "same": "", "n/a": "n/a"}


def table(changes: Sequence[Change], markdown: bool = False, only_changes: bool = False) -> str:
    """The comparison as an aligned text table, or Markdown for a pull request."""
    header = ["mode", "metric", "A", "B", "delta (+ better)", "95% CI", "verdict"]
    body = []
    for c in changes:
        if only_changes and c.verdict in ("same", "n/a"):
            continue
        interval = "–" if c.low is None else f"[{c.low + 0.0:+.3f}, {c.high + 0.0:+.3f}]"  # + 0.0: no -0.000
        mark = MARKS[c.verdict] if c.gating else TIMING_MARKS[c.verdict]
        delta = "–" if c.delta is None else f"{c.delta + 0.0:+.3f}"
        body.append([c.mode, c.metric.label, fmt(c.a, c.metric), fmt(c.b, c.metric), delta, interval, mark])
    if not body:
        return "no metric changed beyond noise\n"
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines) + "\n"
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                     for row in [header, *body]) + "\n"


def config_warnings(config_a: dict[str, Any], config_b: dict[str, Any]) -> list[str]:
    """Differences in set-up that make a comparison less meaningful."""
    notes = []
    for key in ("suite", "num_results", "seeds", "limit"):
        if config_a.get(key) != config_b.get(key):
            notes.append(f"runs differ in {key}: {config_a.get(key)!r} vs {config_b.get(key)!r}")
    return notes
