"""The image validator under fuzzing: atheris for a few seconds (longer by hand, see
`tests/fuzz_image_validator.py`), and hypothesis mutating valid images, which runs even
where atheris is not installed."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_image_validator import DECLARED, check, seeds

HARNESS = Path(__file__).resolve().parent / "fuzz_image_validator.py"
SECONDS = int(os.environ.get("PROMPTGEN_FUZZ_SECONDS", "5"))
SEEDS = seeds()


@pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None, reason="atheris is not installed (pip install atheris)"
)
def test_atheris_finds_nothing_in_a_short_run(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(HARNESS), f"-max_total_time={SECONDS}", "-timeout=10", "-rss_limit_mb=2048"],
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
        cwd=tmp_path,  # crash files, if any, land here
    )
    tail = result.stderr[-3000:]
    assert result.returncode == 0, tail
    assert "DONE" in result.stderr and "Uncaught Python exception" not in result.stderr, tail


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        position = draw(st.integers(min_value=0, max_value=len(data) - 1))
        data[position] = draw(st.integers(min_value=0, max_value=255))
    cut = draw(st.integers(min_value=0, max_value=len(data)))
    return bytes(data[:cut]) if draw(st.booleans()) else bytes(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=mutated() | st.binary(max_size=200),
    declared=st.integers(min_value=0, max_value=len(DECLARED) - 1),
    as_data_url=st.booleans(),
)
def test_mutated_images_are_validated_or_refused_with_a_4xx(
    data: bytes, declared: int, as_data_url: bool
) -> None:
    check(data, declared, as_data_url)
