"""Runs a mode handler against a language model: sample, repair, re-sample, fall back."""

from __future__ import annotations

import random
import time

import msgspec

from models.lm.base import LanguageModel
from modes.base import ModeContext, ModeHandler
from modes.craft import derive_seed, is_clean_prompt, is_near_duplicate, similarity
from modes.relevance import RelevanceGate

MAX_ATTEMPTS = 2
# Candidates written beyond those asked for, so that there is a choice (a batched row is cheap).
SPARE = 1


class ModeResult(msgspec.Struct, kw_only=True):
    prompts: list[str]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_calls: int = 0
    fallbacks: int = 0
    latency_ms: float = 0.0


async def run_mode(
    handler: ModeHandler,
    ctx: ModeContext,
    lm: LanguageModel,
    deadline_s: float,
    gate: RelevanceGate | None = None,
) -> ModeResult:
    """`ctx.num_results` distinct, clean prompts from `handler`, using `lm` where it can;
    `gate` prunes the off-topic scene phrases of the candidates of a mode with a relevance floor."""
    started = time.monotonic()
    if gate is not None:
        ctx = msgspec.structs.replace(ctx, small_model=True)
    if gate is not None and gate.floor is None and (handler.relevance_floor or 0.0) >= 1.0:
        ctx = msgspec.structs.replace(ctx, own_phrases=False)  # the gate would keep none of them
    result = ModeResult(prompts=[])
    accepted = result.prompts
    for attempt in range(MAX_ATTEMPTS):
        need = ctx.num_results - len(accepted)
        if need <= 0:
            break
        remaining = deadline_s - (time.monotonic() - started)
        if remaining <= 0.05 and attempt > 0:
            break  # a re-sample would miss the deadline; fall back instead
        plan = handler.plan(ctx, need + SPARE, attempt, lm.supports_prefill)
        outputs = await lm.generate(plan.rows, max(remaining, 0.05)) if plan.rows else []
        result.model_calls += bool(plan.rows)
        result.prompt_tokens += sum(o.prompt_tokens for o in outputs)
        result.completion_tokens += sum(o.completion_tokens for o in outputs)
        candidates: list[str] = []
        assembled = [c for c in handler.assemble(ctx, plan, outputs) if c]
        if gate is not None and handler.relevance_floor is not None:
            assembled = await gate.prune(assembled, ctx.spark, handler.relevance_floor)
        for candidate in assembled:
            if (
                candidate
                and is_clean_prompt(candidate, ctx.word_limit)
                and not is_near_duplicate(candidate, [*accepted, *candidates])
            ):
                candidates.append(candidate)
        picked = choose(candidates, accepted, need)
        accepted.extend(picked)
        if not plan.rows and not ctx.own_phrases:
            result.fallbacks += len(picked)  # the model's phrases were not asked for: counted as written without it
    if len(accepted) < ctx.num_results:  # seeding a Random costs microseconds: only when needed
        rng = random.Random(derive_seed(ctx.seed, ctx.mode, "fallback", ctx.spark))  # per spark: no shared tail
        index = 0
        while len(accepted) < ctx.num_results and index < 50:
            candidate = handler.fallback(ctx, rng, index)
            index += 1
            if is_clean_prompt(candidate, ctx.word_limit) and not is_near_duplicate(candidate, accepted):
                accepted.append(candidate)
                result.fallbacks += 1
    result.latency_ms = (time.monotonic() - started) * 1000
    return result


def choose(candidates: list[str], accepted: list[str], count: int) -> list[str]:
    """Up to `count` of `candidates`, each pick the candidate least like the prompts already
    accepted or picked (content-word overlap; the earlier candidate on ties), so that the results
    differ as much as the candidates allow. Every candidate has passed the same repair and
    coherence gates, so relevance is equal among them and only the likeness decides (maximal
    marginal relevance with equal relevance)."""
    picked: list[str] = []
    pool = list(candidates)
    while pool and len(picked) < count:
        chosen = [*accepted, *picked]
        best = min(
            range(len(pool)),
            key=lambda i: (max((similarity(pool[i], c) for c in chosen), default=0.0), i),
        )
        picked.append(pool.pop(best))
    return picked
