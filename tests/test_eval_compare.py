"""`eval compare`: bootstrap intervals, verdicts, and the exit status CI gates on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eval.__main__ import main
from eval.compare import bootstrap_interval, compare, failed, judge, table
from eval.summary import BY_NAME


def make_rows(values: list[float], field: str = "adherence", mode: str = "structured", **extra) -> list[dict]:
    return [{"key": f"c{i}|{mode}|0", "case_id": f"c{i}", "seed": 0, "mode": mode, "status": 200,
             "metrics": {field: v, **extra}} for i, v in enumerate(values)]


def write_run(folder, rows):
    folder.mkdir()
    (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "run.json").write_text(json.dumps({"config": {"suite": "t", "num_results": 3}}))
    return folder


RNG = np.random.default_rng(1)
BASE = list(RNG.uniform(0.6, 0.9, 40))


def test_identical_runs_do_not_differ():
    changes = compare(make_rows(BASE), make_rows(BASE))
    (change,) = changes
    assert change.verdict == "same" and change.low == change.high == 0.0
    assert not failed(changes)


def test_a_clear_drop_is_a_regression_and_a_rise_an_improvement():
    worse = make_rows([v - 0.1 for v in BASE])
    assert compare(make_rows(BASE), worse)[0].verdict == "regression"
    assert compare(worse, make_rows(BASE))[0].verdict == "improvement"


def test_noise_below_the_threshold_is_the_same():
    noisy = make_rows([v + d for v, d in zip(BASE, RNG.normal(0, 0.01, 40), strict=True)])
    assert compare(make_rows(BASE), noisy)[0].verdict == "same"


def test_a_lower_is_better_metric_regresses_when_it_rises():
    a = make_rows([0.0] * 30, field="error")
    b = make_rows([0.0] * 20 + [1.0] * 10, field="error")
    (change,) = compare(a, b)
    assert change.metric.name == "error_rate" and change.verdict == "regression" and change.delta < 0


def test_interval_is_paired_over_shared_cases():
    a, b = make_rows(BASE), make_rows([v - 0.05 for v in BASE])
    low, high = bootstrap_interval(BY_NAME["adherence"], a, b)
    assert low == pytest.approx(-0.05) and high == pytest.approx(-0.05)  # every case moved by the same amount


def test_few_cases_with_mixed_changes_stay_the_same():
    a, b = make_rows([0.5, 0.9, 0.2]), make_rows([0.9, 0.2, 0.45])
    assert compare(a, b)[0].verdict == "same"


def test_timings_are_reported_but_gate_only_when_asked():
    a = make_rows([1.0] * 20, field="latency_s")
    b = make_rows([3.0] * 20, field="latency_s")
    changes = {c.metric.name: c for c in compare(a, b)}
    assert changes["latency_p50_s"].verdict == "regression" and not failed(list(changes.values()))
    assert failed(compare(a, b, gate_timings=True))


def test_judge_needs_a_value_on_both_sides():
    assert judge(BY_NAME["validity"], None, 1.0, None) == "n/a"


def test_table_marks_regressions():
    text = table(compare(make_rows(BASE), make_rows([v - 0.1 for v in BASE])))
    assert "REGRESSION" in text and "spark adherence" in text
    assert table(compare(make_rows(BASE), make_rows(BASE)), markdown=True).startswith("| mode |")


def test_cli_exit_status(tmp_path, capsys):
    base = write_run(tmp_path / "a", make_rows(BASE))
    same = write_run(tmp_path / "b", make_rows(BASE))
    worse = write_run(tmp_path / "c", make_rows([v - 0.1 for v in BASE]))
    assert main(["compare", str(base), str(same)]) == 0
    assert main(["compare", str(base), str(worse), "--markdown", str(tmp_path / "cmp.md")]) == 1
    assert "REGRESSION" in (tmp_path / "cmp.md").read_text()
    assert main(["compare", str(base), str(tmp_path / "missing")]) == 2
    capsys.readouterr()


def test_values_are_compared_over_the_cases_both_runs_have():
    a = make_rows([0.9, 0.1, 0.1])
    b = make_rows([0.9])  # an interrupted run: only the first case
    (change,) = compare(a, b)
    assert change.a == change.b == 0.9 and change.verdict == "same"
