"""End to end on the real embedded SmolLM2-135M: what a user of `make run` gets."""

from __future__ import annotations

import pytest

from app.settings import load_settings
from models.lm.local import LocalLanguageModel
from modes.craft import is_clean_prompt
from tests.conftest import make_client

pytestmark = pytest.mark.smollm


@pytest.fixture(scope="module")
def client(smollm_dir, tmp_path_factory):
    # Generous deadline: tests never assert wall-clock time, and CI machines are shared.
    settings = load_settings(
        env={}, dotenv=None, data_dir=str(tmp_path_factory.mktemp("data")), lm_timeout_s=600
    )
    lm = LocalLanguageModel(model_path=str(smollm_dir))  # the default dtype, as `make run` uses
    with make_client(settings, lm) as c:
        yield c


@pytest.mark.parametrize("mode", ["structured", "completion", "inventive"])
def test_three_distinct_clean_prompts_and_the_same_seed_repeats_them(client, mode):
    request = {"prompt": "a cyberpunk samurai in the rain", "mode": mode, "numResults": 3, "seed": 11}
    first = client.post("/v1/generate/prompt", json=request)
    assert first.status_code == 200, first.text
    prompts = first.json()["prompts"]
    assert len(prompts) == 3 and len(set(prompts)) == 3
    for prompt in prompts:
        assert is_clean_prompt(prompt, 75), prompt
        assert "samurai" in prompt.lower()
        if mode in ("structured", "completion"):
            assert prompt.startswith("a cyberpunk samurai in the rain")
    assert first.json()["usage"]["backend"] == "local"
    again = client.post("/v1/generate/prompt", json=request).json()["prompts"]
    assert again == prompts


def test_a_micro_batched_request_gets_exactly_its_unbatched_result(smollm_dir):
    """Concurrent requests share one batched call, yet each keeps the prompts it gets alone."""
    import asyncio

    from modes import ModeContext, get_mode

    lm = LocalLanguageModel(model_path=str(smollm_dir), batch_window_ms=50)
    lm.load_sync()
    contexts = [
        ModeContext(mode="structured", spark="a cyberpunk samurai", num_results=2, seed=5),
        ModeContext(mode="completion", spark="an old tram in the rain", num_results=2, seed=6),
        ModeContext(mode="inventive", spark="a glass dragon", num_results=2, seed=7),
    ]
    rows = [get_mode(c.mode).plan(c, 2, 0, True).rows for c in contexts]

    async def alone():
        return [[o.text for o in await lm.generate(r, 600)] for r in rows]

    async def together():
        outs = await asyncio.gather(*(lm.generate(r, 600) for r in rows))
        return [[o.text for o in out] for out in outs]

    expected = asyncio.run(alone())
    before = lm.batches_run
    assert asyncio.run(together()) == expected
    assert lm.batches_run - before == 1
