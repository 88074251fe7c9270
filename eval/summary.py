"""The metric table: how each per-request value in a results row aggregates over a run, which
direction is better, and what change counts as real (used by `eval.compare`).

A results row carries `metrics`: a dict of per-request values (None = not applicable).
`summarize(rows)` turns rows into `{"modes": {mode: {metric: value}}, "backends": {...}}`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from eval import metrics as m
from modes import registry as mode_registry


class Metric(NamedTuple):
    """One reported metric.

    agg: `mean` of the row field, `p50`/`p95` of it, or `ratio` (sum of `field` over sum of `denominator`).
    min_delta: the smallest change compare reports; absolute, or a fraction of the baseline when `relative`.
    gating: whether a regression in it fails `eval compare` (timings vary with the machine's load).
    ceiling: an absolute limit on the candidate (see CEILINGS): `eval compare` fails when a mode's
    value is above it (below it for a higher-is-better metric), whatever the baseline says.
    """

    name: str
    label: str
    field: str
    agg: str = "mean"
    higher_is_better: bool = True
    min_delta: float = 0.03
    relative: bool = False
    gating: bool = True
    denominator: str = ""
    ceiling: float | None = None


# Absolute limits `eval compare` holds every candidate run to, per mode, regardless of the
# baseline (a rate above its ceiling fails; for a higher-is-better metric the value is a floor).
# The lead adjusts these; a metric not listed has no ceiling. Rates are shares of prompts with
# at least one flagged item (eval/README.md, "Prompt quality").
CEILINGS: dict[str, float] = {
    "non_word_rate": 0.01,
    "broken_phrase_rate": 0.02,
    "spark_conflict_rate": 0.0,
    "internal_conflict_rate": 0.02,
}


METRICS: tuple[Metric, ...] = (
    Metric("validity", "validity (request)", "valid"),
    Metric("prompt_validity", "validity (prompt)", "prompt_validity"),
    Metric("num_results_ok", "numResults honoured", "num_results_ok"),
    Metric("error_rate", "error rate", "error", higher_is_better=False),
    Metric("structure_coverage", "structure coverage", "structure_coverage"),
    Metric("adherence", "spark adherence", "adherence", min_delta=0.02),
    Metric("diversity", "diversity (embedding)", "diversity", min_delta=0.02),
    Metric("distinct_1", "distinct-1", "distinct_1"),
    Metric("distinct_2", "distinct-2", "distinct_2"),
    Metric("prefix_fidelity", "completion prefix fidelity", "prefix_fidelity"),
    Metric("determinism", "seed determinism", "determinism", min_delta=0.05),
    Metric("ip_leak_rate", "IP leak rate", "ip_leak", higher_is_better=False),
    Metric("ip_false_positive_rate", "IP false-positive rate", "ip_false_positive", higher_is_better=False),
    Metric("fallback_rate", "fallback rate", "fallback_rate", higher_is_better=False, min_delta=0.05),
    Metric("non_word_rate", "non-word rate", "non_word_rate", higher_is_better=False),
    Metric("broken_phrase_rate", "broken-phrase rate", "broken_phrase_rate", higher_is_better=False),
    Metric("spark_conflict_rate", "spark-conflict rate", "spark_conflict_rate", higher_is_better=False),
    Metric("internal_conflict_rate", "internal-conflict rate", "internal_conflict_rate", higher_is_better=False),
    Metric("irrelevant_phrase_rate", "off-topic phrase rate", "irrelevant_phrase_rate", higher_is_better=False),
    Metric("relevance", "phrase relevance", "relevance", min_delta=0.02),
    Metric("target_fit", "target rules: all", "target_fit"),
    Metric("target_phrasing", "target rules: phrasing", "target_phrasing"),
    Metric("target_length", "target rules: token window", "target_length"),
    Metric("target_weights", "target rules: weights syntax", "target_weights"),
    Metric("target_kept", "target rules: kept terms", "target_kept"),
    Metric("target_negative", "target rules: negative prompt", "target_negative"),
    Metric("target_parameters", "target rules: parameters", "target_parameters"),
    Metric("latency_p50_s", "latency p50 (s)", "latency_s", "p50", False, 0.25, True, False),
    Metric("latency_p95_s", "latency p95 (s)", "latency_s", "p95", False, 0.25, True, False),
    Metric("tokens_per_s", "tokens per second", "completion_tokens", "ratio", True, 0.25, True, False,
           "server_latency_s"),
)
# The metrics reported per image-model family (rows written for a `targetModel`).
TARGET_METRICS: tuple[str, ...] = ("target_fit", "target_phrasing", "target_length", "target_weights",
                                   "target_kept", "target_negative", "target_parameters")
METRICS = tuple(metric._replace(ceiling=CEILINGS.get(metric.name)) for metric in METRICS)
BY_NAME = {metric.name: metric for metric in METRICS}


def breaches(summary_modes: dict[str, dict[str, float | None]],
             ceilings: dict[str, float] | None = None) -> list[tuple[str, Metric, float, float]]:
    """(mode, metric, value, limit) for every mode whose value is past its metric's ceiling
    (above it, or below it for a higher-is-better metric); a metric without a value is skipped."""
    limits = CEILINGS if ceilings is None else ceilings
    out = []
    for mode, values in summary_modes.items():
        for name, limit in limits.items():
            metric, value = BY_NAME.get(name), values.get(name)
            if metric is None or value is None:
                continue
            if (value > limit + 1e-12) if not metric.higher_is_better else (value < limit - 1e-12):
                out.append((mode, metric, float(value), float(limit)))
    return out


def values(rows: Iterable[dict[str, Any]], field: str) -> list[float]:
    """The non-null values of one metrics field."""
    out = []
    for row in rows:
        value = row.get("metrics", {}).get(field)
        if value is not None:
            out.append(float(value))
    return out


def aggregate(metric: Metric, rows: Sequence[dict[str, Any]]) -> float | None:
    """The metric over `rows`; None when no row has a value for it."""
    if metric.agg == "ratio":
        pairs = [(r["metrics"].get(metric.field), r["metrics"].get(metric.denominator)) for r in rows
                 if "metrics" in r]
        pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
        return m.tokens_per_second([a for a, _ in pairs], [b for _, b in pairs]) if pairs else None
    vals = values(rows, metric.field)
    if not vals:
        return None
    if metric.agg == "mean":
        return float(np.mean(vals))
    return m.percentile(vals, float(metric.agg[1:]))


def by_mode(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["mode"], []).append(row)
    return grouped


def summarize(rows: Sequence[dict[str, Any]], config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every metric per mode and overall, timings per backend, and counts."""
    modes = {mode: {metric.name: aggregate(metric, group) for metric in METRICS}
             for mode, group in sorted(by_mode(rows).items(), key=lambda kv: _mode_order(kv[0]))}
    overall = {metric.name: aggregate(metric, rows) for metric in METRICS}
    backends: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("status") == 200:
            backends.setdefault(row.get("backend") or "unknown", []).append(row)
    timing = ("latency_p50_s", "latency_p95_s", "tokens_per_s")
    per_backend = {name: {t: aggregate(BY_NAME[t], group) for t in timing} | {"requests": len(group)}
                   for name, group in backends.items()}
    counts = {mode: {"requests": len(group), "cases": len({r["case_id"] for r in group}),
                     "errors": sum(1 for r in group if r.get("status") != 200)}
              for mode, group in by_mode(rows).items()}
    summary = {"config": config or {}, "modes": modes, "overall": overall, "backends": per_backend,
               "counts": counts, "metrics": {metric.name: metric.label for metric in METRICS}}
    families = by_family(rows)
    if families:
        summary["families"] = {family: {name: aggregate(BY_NAME[name], group) for name in TARGET_METRICS}
                               | {"requests": len(group), "prompts": sum(len(r.get("prompts") or []) for r in group)}
                               for family, group in families.items()}
    return summary


def by_family(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows written for an image-model family (`target_model`), per family, in the profiles' order."""
    from modes.targets import NAMES

    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("target_model"):
            grouped.setdefault(row["target_model"], []).append(row)
    return {name: grouped[name] for name in sorted(grouped, key=lambda n: NAMES.index(n) if n in NAMES else 99)}


def _mode_order(mode: str) -> int:
    order = mode_registry.wire_names()  # registration order, each mode then its aliases
    return order.index(mode) if mode in order else len(order)


def fmt(value: float | None, metric: Metric | None = None) -> str:
    """A value for tables: 3 decimals, or 2 for timings; an en dash when not applicable."""
    if value is None:
        return "–"
    if metric is not None and metric.relative:  # timings: seconds or tokens/s
        return f"{value:.0f}" if abs(value) >= 100 else f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"
    return f"{value:.3f}"
