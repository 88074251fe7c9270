"""Reports: summary.json, the Markdown summary and the self-contained HTML page."""

from __future__ import annotations

import json

from eval.__main__ import main
from eval.report import markdown, write_reports

ROWS = [
    {"key": "fox|structured|0", "case_id": "fox", "mode": "structured", "seed": 0, "status": 200, "num_results": 2,
     "backend": "fake", "spark": "a red fox", "image": None, "prompts": ["a red fox, oil painting", "a red fox, ink"],
     "metrics": {"valid": 1.0, "adherence": 0.8, "structure_coverage": 0.5, "latency_s": 1.5,
                 "completion_tokens": 20.0, "server_latency_s": 1.0}},
    {"key": "sun|contextual|0", "case_id": "sun", "mode": "contextual", "seed": 0, "status": 200, "num_results": 2,
     "backend": "fake", "spark": "", "image": "drawn:sunset_sea", "prompts": ["**a sunset**"],
     "metrics": {"valid": 0.0, "latency_s": 2.0}},
]


def test_markdown_has_every_metric_per_mode():
    from eval.summary import METRICS, summarize

    text = markdown(summarize(ROWS))
    assert "| metric | structured | contextual | all |" in text
    assert all(f"| {metric.label} |" in text for metric in METRICS)


def test_reports_are_written_and_self_contained(tmp_path):
    summary = write_reports(ROWS, tmp_path, {"suite": "t"})
    assert json.loads((tmp_path / "summary.json").read_text())["modes"]["structured"]["adherence"] == 0.8
    assert summary["modes"]["contextual"]["validity"] == 0.0
    page = (tmp_path / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 2  # plots
    assert "data:image/jpeg;base64," in page  # the input image of the image case
    assert "a red fox, oil painting" in page and "markdown" in page  # samples and validity problems
    assert "src='http" not in page and 'src="http' not in page


def test_report_command_rebuilds_from_results(tmp_path, capsys):
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    assert main(["report", str(tmp_path)]) == 0
    assert (tmp_path / "report.html").is_file() and "Evaluation summary" in capsys.readouterr().out


def test_rescore_recomputes_metrics_from_the_rows(tmp_path, capsys):
    stale = [dict(row, metrics={"valid": 1.0}) for row in ROWS]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in stale))
    assert main(["report", str(tmp_path), "--rescore"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert rows[1]["metrics"]["valid"] == 0.0  # the markdown prompt is invalid after all
    assert rows[0]["metrics"]["structure_coverage"] is not None
    capsys.readouterr()


CONFIG = {"suite": "ci", "num_results": 2, "seeds": [0, 1], "temperature": 0.7,
          "target": {"target": "in-process", "backend": "local", "model": "embedded",
                     "overrides": {"lm_backend": "local", "cache_entries": "0", "lm_timeout_s": "300"}}}


def test_the_header_is_key_value_text_not_a_python_dict(tmp_path):
    write_reports(ROWS, tmp_path, CONFIG)
    text = (tmp_path / "summary.md").read_text()
    assert "- **suite**: ci\n- **numResults**: 2\n- **seeds**: 0, 1\n- **temperature**: 0.7\n" in text
    assert "- **target**: in-process local, model embedded\n" in text
    assert "- **settings**: cache_entries=0, lm_timeout_s=300\n" in text
    page = (tmp_path / "report.html").read_text()
    assert "<dt>settings</dt><dd>cache_entries=0, lm_timeout_s=300</dd>" in page
    for report in (text, page.split("<h2>Configuration</h2>")[0]):
        assert "{'" not in report and "{&#x27;" not in report
    assert "Scripted backend" not in text and "Scripted backend" not in page


def test_a_scripted_run_says_it_measures_the_plumbing_not_a_model(tmp_path):
    scripted = {**CONFIG, "target": {**CONFIG["target"], "backend": "scripted"}}
    write_reports(ROWS, tmp_path, scripted)
    text = (tmp_path / "summary.md").read_text()
    assert text.startswith("## Evaluation summary\n\n> **Scripted backend:** these scores measure the plumbing")
    assert "not a language model" in text and "model embedded" not in text
    page = (tmp_path / "report.html").read_text()
    assert "<p class=banner role=note><b>Scripted backend:</b> these scores measure the plumbing" in page
    # a --url run against a scripted server: every response named the scripted backend
    rows = [dict(row, backend="scripted") for row in ROWS]
    write_reports(rows, tmp_path, {"suite": "ci", "target": {"target": "http", "url": "http://127.0.0.1:8000"}})
    assert "Scripted backend" in (tmp_path / "summary.md").read_text()
