"""The chained generation's structure: small parts, typed plans, one way to split calls,
one deadline, one usage sum, and `models/image` free of its old import circle."""

from __future__ import annotations

import ast
import asyncio
import time
from pathlib import Path
from typing import ClassVar

import pytest

from app.chain import ChainPlan, plan_calls
from app.chain.planner import References
from app.chain_protocol import GenerateImageRequest
from app.errors import UpstreamTimeout
from models.image import ImageOptions
from models.image.base import GeneratedImage, ImageModel, ImageResult, add_usage, split_calls
from models.image.retry import Deadline
from tests.fakes.image_providers import fast_config, png_bytes

ROOT = Path(__file__).resolve().parent.parent
CHAIN = sorted((ROOT / "app" / "chain").glob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", CHAIN, ids=lambda p: p.name)
def test_every_part_of_the_chain_is_under_250_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) < 250


def test_the_chain_uses_the_prompt_service_only_through_its_public_methods() -> None:
    for path in CHAIN:
        for node in ast.walk(_tree(path)):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "prompts"
            ):
                assert not node.attr.startswith("_"), f"{path.name}: prompts.{node.attr}"
                assert node.attr not in {"admission", "ip_guard", "metrics"}, f"{path.name}: {node.attr}"


def test_usage_is_summed_in_one_place() -> None:
    definitions = []
    for folder in ("app", "models", "core"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(_tree(path)):
                if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") == "add_usage":
                    definitions.append(path.relative_to(ROOT).as_posix())
    assert definitions == ["models/image/base.py"]


def test_retry_imports_nothing_of_the_image_package() -> None:
    """`base` builds on `retry` (Deadline, RetryPolicy); `retry` must not import `base` back."""
    imported = _imported_modules(ROOT / "models" / "image" / "retry.py")
    assert not {m for m in imported if m.startswith("models.image")}, imported


# ------------------------------------------------------------------------------- batching


def test_split_calls_in_the_backend_way_offsets_seeds_by_the_first_image() -> None:
    calls = split_calls(5, 2, seed=100)
    assert [(c.indexes, c.seed) for c in calls] == [([0, 1], 100), ([2, 3], 102), ([4], 104)]
    assert split_calls(3, 2) == split_calls(3, 2, seed=None)
    assert [c.seed for c in split_calls(3, 2)] == [None, None]


def _plan(count: int, num_prompts: int, seed: int | None) -> ChainPlan:
    return ChainPlan(
        request=GenerateImageRequest(prompt="a fox", seed=seed),
        model_id="scripted:test",
        mode="structured",
        spark="a fox",
        count=count,
        num_prompts=num_prompts,
        prompt_request=None,
        options=ImageOptions(prompt=""),
        references=References(),
        meta=frozenset(),
        webhook_url=None,
    )


def test_a_seeded_backend_gets_one_call_per_image_with_seed_plus_its_index() -> None:
    calls = plan_calls(_plan(5, 2, seed=2**32 - 2), 2, seeds=True)
    assert [(c.prompt_index, c.indexes) for c in calls] == [(0, [0]), (1, [1]), (0, [2]), (1, [3]), (0, [4])]
    assert [c.seed for c in calls] == [2**32 - 2, 2**32 - 1, 0, 1, 2]  # wraps at 2**32
    assert all(c.per_image_seed for c in calls)


def test_an_unseeded_backend_gets_one_call_per_prompt_with_the_request_seed() -> None:
    calls = plan_calls(_plan(5, 2, seed=7), 2, seeds=False)
    assert [(c.prompt_index, c.indexes, c.seed) for c in calls] == [(0, [0, 2, 4], 7), (1, [1, 3], 7)]
    assert not any(c.per_image_seed for c in calls)


def test_add_usage_sums_numbers_merges_dicts_and_keeps_the_first_flag() -> None:
    total: dict[str, object] = {}
    add_usage(total, {"tokens": 2, "cost": 0.5, "cached": True, "details": {"images": 1}, "note": "x"})
    add_usage(total, {"tokens": 3, "cost": 0.25, "cached": False, "details": {"images": 2}})
    assert total == {"tokens": 5, "cost": 0.75, "cached": True, "details": {"images": 3}}


# ------------------------------------------------------------------------------- one deadline


class SlowModel(ImageModel):
    provider = "scripted"
    max_images_per_call = 1
    supported: ClassVar[frozenset[str]] = frozenset({"seed"})

    def __init__(self, delay: float) -> None:
        super().__init__("test", fast_config())
        self.delay = delay
        self.deadlines: list[Deadline] = []

    async def do_generate(self, options: ImageOptions, deadline: Deadline) -> ImageResult:
        self.deadlines.append(deadline)
        await asyncio.sleep(self.delay)
        return ImageResult(images=[GeneratedImage(data=png_bytes(1), media_type="image/png")])


def test_a_callers_deadline_is_the_one_the_backend_honours() -> None:
    model = SlowModel(delay=0.0)
    deadline = Deadline(5.0)
    asyncio.run(model.generate(ImageOptions(prompt="a fox", n=2), deadline))
    assert model.deadlines == [deadline, deadline]  # passed down, not a second one computed


def test_a_nearly_spent_deadline_bounds_the_backend_call() -> None:
    model = SlowModel(delay=2.0)
    started = time.monotonic()
    with pytest.raises(UpstreamTimeout):
        asyncio.run(model.generate(ImageOptions(prompt="a fox"), Deadline(0.2)))
    assert time.monotonic() - started < 1.5
