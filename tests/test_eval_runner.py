"""The runner against a fake target: rows, scoring, resume, determinism, IP, chaining."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from eval.cases import Case
from eval.runner import ResumeConflict, RunAborted, RunConfig, plan, prepare_output, run
from eval.targets import CallableTarget, TargetError

CASES = [Case(id="fox", kind="spark", spark="a red fox"), Case(id="boat", kind="spark", spark="a small boat"),
         Case(id="sun", kind="image", image="drawn:sunset_sea", instruction="add a boat")]


def embed(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in: bag of letters, normalised."""
    vectors = np.array([[t.lower().count(ch) + 0.01 for ch in "abcdefghijklmnopqrstuvwxyz"] for t in texts])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def answer(body: dict) -> tuple[int, dict]:
    if body["mode"] == "contextual":
        return 400, {"title": "Bad Request", "detail": "mode 'contextual' is not available"}
    spark = body.get("prompt", "")
    prompts = [f"{spark}, oil painting, variant {i}, golden light" for i in range(body["numResults"])]
    return 200, {"prompts": prompts, "mode": body["mode"],
                 "usage": {"backend": "fake", "completionTokens": 30, "latencyMs": 500.0, "fallbacks": 1}}


def go(cases, config, target, out, **kw):
    store = prepare_output(out, config)
    return asyncio.run(run(cases, config, target, store, embed, progress=False, **kw)), store


def test_one_row_per_case_mode_and_seed(tmp_path):
    config = RunConfig(suite="t", seeds=(0, 1), num_results=2, determinism=0)
    rows, _ = go(CASES, config, CallableTarget(answer), tmp_path)
    assert len(rows) == 2 * 3 * 2 + 1 * 2 * 2
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert {json.loads(line)["key"] for line in lines} == {r["key"] for r in rows}


def test_rows_carry_scored_metrics(tmp_path):
    rows, _ = go(CASES[:1], RunConfig(modes=("structured",), num_results=2, determinism=0),
                 CallableTarget(answer), tmp_path)
    (row,) = rows
    metrics = row["metrics"]
    assert row["status"] == 200 and len(row["prompts"]) == 2
    assert metrics["valid"] == 1.0 and metrics["error"] == 0.0
    assert metrics["structure_coverage"] > 0.5
    assert metrics["adherence"] is not None and metrics["diversity"] is not None
    assert metrics["fallback_rate"] == 0.5 and metrics["server_latency_s"] == 0.5
    assert "prefix_fidelity" not in metrics


def test_errors_are_recorded_not_raised(tmp_path):
    rows, _ = go(CASES[2:], RunConfig(modes=("contextual",), determinism=0), CallableTarget(answer), tmp_path)
    (row,) = rows
    assert row["status"] == 400 and row["metrics"] == {"valid": 0.0, "prompt_validity": 0.0,
                                                       "num_results_ok": 0.0, "error": 1.0}
    assert "not available" in row["error"]


def test_the_first_items_per_mode_are_repeated_for_determinism(tmp_path):
    target = CallableTarget(answer)
    rows, _ = go(CASES[:2], RunConfig(modes=("completion",), determinism=1), target, tmp_path)
    assert len(target.calls) == 3
    assert rows[0]["metrics"]["determinism"] == 1.0 and "determinism" not in rows[1]["metrics"]
    assert rows[0]["metrics"]["prefix_fidelity"] == 1.0


def test_a_seed_ignoring_target_is_not_deterministic(tmp_path):
    counter = iter(range(100))

    def drifting(body):
        return 200, {"prompts": [f"a red fox {next(counter)}"]}

    rows, _ = go(CASES[:1], RunConfig(modes=("inventive",), num_results=1, determinism=1),
                 CallableTarget(drifting), tmp_path)
    assert rows[0]["metrics"]["determinism"] == 0.0


def test_rerunning_resumes_where_it_stopped(tmp_path):
    config = RunConfig(modes=("structured", "completion"), determinism=0)
    first = CallableTarget(answer)
    go(CASES[:1], config, first, tmp_path)
    second = CallableTarget(answer)
    rows, _ = go(CASES[:2], config, second, tmp_path)
    assert len(first.calls) == 2 and len(second.calls) == 2  # only the new case ran
    assert [r["case_id"] for r in rows] == ["fox", "fox", "boat", "boat"]


def test_a_cut_last_line_is_ignored_on_resume(tmp_path):
    config = RunConfig(modes=("structured",), determinism=0)
    go(CASES[:1], config, CallableTarget(answer), tmp_path)
    with (tmp_path / "results.jsonl").open("a") as handle:
        handle.write('{"key": "boat|struct')
    target = CallableTarget(answer)
    rows, _ = go(CASES[:2], config, target, tmp_path)
    assert len(target.calls) == 1 and len(rows) == 2


def test_resuming_with_another_configuration_is_refused(tmp_path):
    go(CASES[:1], RunConfig(modes=("structured",), determinism=0), CallableTarget(answer), tmp_path)
    with pytest.raises(ResumeConflict):
        prepare_output(tmp_path, RunConfig(modes=("structured",), num_results=5))
    prepare_output(tmp_path, RunConfig(modes=("structured",), num_results=5), fresh=True)
    assert not (tmp_path / "results.jsonl").exists()


def test_transport_failures_are_retried_on_resume_and_abort_a_dead_target(tmp_path):
    def dead(body):
        raise TargetError("connection refused")

    with pytest.raises(RunAborted):
        go(CASES, RunConfig(determinism=0), CallableTarget(dead), tmp_path)
    target = CallableTarget(answer)
    rows, _ = go(CASES, RunConfig(determinism=0), target, tmp_path)
    assert all(row["status"] in (200, 400) for row in rows)


def test_ip_cases_measure_leaks_and_false_positives(tmp_path):
    cases = [Case(id="leak", kind="ip-leaky", spark="Pikachu surfing", entities=("Pikachu",)),
             Case(id="clean", kind="ip-clean", spark="a surfing mouse")]

    def echo(body):
        assert body["ensureIPCleared"] is True
        return 200, {"prompts": [body["prompt"] + ", comic style"], "ipDetection": {"action": "allowed"}}

    rows, _ = go(cases, RunConfig(modes=("completion",), num_results=1, determinism=0), CallableTarget(echo),
                 tmp_path)
    assert rows[0]["metrics"]["ip_leak"] == 1.0
    assert rows[1]["metrics"]["ip_false_positive"] == 0.0


def test_chained_images_are_saved(tmp_path):
    target = CallableTarget(answer, image_handler=lambda prompt: b"\x89PNG fake")
    rows, _ = go(CASES[:1], RunConfig(modes=("structured",), determinism=0, chain_images=True), target, tmp_path)
    assert (tmp_path / rows[0]["image_file"]).read_bytes() == b"\x89PNG fake"


def test_plan_skips_modes_a_case_cannot_use():
    items = plan(CASES, RunConfig(modes=("structured", "contextual"), determinism=0))
    assert [(i.case.id, i.mode) for i in items] == [("fox", "structured"), ("boat", "structured"),
                                                    ("sun", "contextual")]


def test_a_repeat_answered_from_a_cache_does_not_count_for_determinism(tmp_path):
    def cached(body):
        return 200, {"prompts": ["a red fox"], "usage": {"cache": "hit" if cached.calls else "miss"}}

    cached.calls = 0

    def counting(body):
        status, data = cached(body)
        cached.calls += 1
        return status, data

    rows, _ = go(CASES[:1], RunConfig(modes=("inventive",), num_results=1, determinism=1),
                 CallableTarget(counting), tmp_path)
    assert rows[0]["repeat_cache"] == "hit" and "determinism" not in rows[0]["metrics"]


def test_warmup_requests_are_sent_first_with_another_seed_and_not_recorded(tmp_path):
    target = CallableTarget(answer)
    rows, _ = go(CASES[:2], RunConfig(modes=("structured", "completion"), determinism=0), target, tmp_path,
                 warmup=1)
    assert [c["mode"] for c in target.calls[:2]] == ["structured", "completion"]  # one per mode
    assert len(target.calls) == 6 and target.calls[0]["seed"] not in {c["seed"] for c in target.calls[2:]}
    assert len(rows) == 4
