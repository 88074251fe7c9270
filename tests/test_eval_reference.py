"""`python -m eval.reference`: the hand-written prompts' diversity, and a run's as a ratio of it."""

from __future__ import annotations

import json

from eval import reference


def test_the_reference_is_measured_and_a_run_is_put_beside_it(tmp_path, capsys):
    cases = reference.reference()
    assert len(cases) == 10 and all(len(c["prompts"]) == 3 for c in cases)
    assert all(p.startswith(c["spark"]) for c in cases for p in c["prompts"])
    spark = cases[0]["spark"]
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps({"spark": spark, "mode": "structured", "prompts": [spark, f"{spark}, oil painting"]}))
    assert reference.main([str(results)]) == 0
    out = capsys.readouterr().out
    assert "hand-written reference (10 sparks, 3 prompts each): diversity 0." in out
    assert "structured: diversity" in out and "of the reference" in out
