"""`python -m eval run` end to end, in process, on the zero-cost scripted backend."""

from __future__ import annotations

import json

import pytest

from eval.__main__ import main


@pytest.fixture()
def run_args(tmp_path):
    pytest.importorskip("app.server")
    return ["run", "--suite", "ci", "--modes", "structured,completion", "--backend", "scripted",
            "--set", f"data_dir={tmp_path / 'data'}", "--out", str(tmp_path / "run"), "--no-progress"]


def test_run_writes_results_summary_and_report(tmp_path, run_args, capsys):
    assert main(run_args) == 0
    out = tmp_path / "run"
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert {r["mode"] for r in rows} == {"structured", "completion"} and all(r["status"] == 200 for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["modes"]["completion"]["prefix_fidelity"] == 1.0
    assert summary["modes"]["structured"]["determinism"] == 1.0
    assert (out / "report.html").is_file() and (out / "summary.md").is_file()
    printed = capsys.readouterr()
    assert "| validity (request) |" in printed.out
    # a scripted run says, before and after, that it measures the plumbing, not a model
    assert "Scripted backend" in printed.err and "Scripted backend" in printed.out
    assert "Scripted backend" in (out / "summary.md").read_text() and "class=banner" in (out / "report.html").read_text()


def test_rerun_resumes_and_an_identical_rerun_compares_clean(tmp_path, run_args, capsys):
    assert main([*run_args, "--limit", "2"]) == 0
    assert main(run_args) == 0  # resumes: only the cases after the first two run
    again = [*run_args[:-3], "--out", str(tmp_path / "again"), "--no-progress"]
    assert main(again) == 0
    # the scripted backend's canned prompts breach the quality ceilings (rain puddles on an icon),
    # so only the baseline comparison is checked here
    assert main(["compare", str(tmp_path / "run"), str(tmp_path / "again"), "--no-ceilings"]) == 0
    capsys.readouterr()


def test_conflicting_rerun_is_refused(tmp_path, run_args, capsys):
    assert main([*run_args, "--limit", "1"]) == 0
    assert main([*run_args, "-n", "2"]) == 2
    assert "--fresh" in capsys.readouterr().err
