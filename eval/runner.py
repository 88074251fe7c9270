"""Runs a suite against a target: one request per (case, mode, seed), scored as it returns and
appended to `results.jsonl`, so an interrupted run resumes where it stopped.

Files in the output folder:
    run.json       the configuration (a re-run into the same folder must match it)
    results.jsonl  one row per case, mode and seed: request summary, response, metrics
    summary.json / summary.md / report.html   written by `finish` when the run completes
    images/        PNGs when the run chained into an image backend
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from eval import metrics as m
from eval import quality as q
from eval import target_rules
from eval.cases import ALL_MODES, Case
from eval.targets import Response, Target, TargetError
from modes import registry as mode_registry

# Modes whose results contain the spark's words; modes whose phrases all answer the spark alone
# (a contextual or editing result describes the image too); editing modes. From the registry.
KEEPS_SPARK = mode_registry.where(lambda mode: mode.keeps_spark)
RELEVANCE_MODES = mode_registry.where(lambda mode: mode.images in ("condition", "unused"))
EDITING_MODES = mode_registry.where(lambda mode: mode.images == "edit")
MAX_CONSECUTIVE_FAILURES = 5


class RunConfig(msgspec.Struct, kw_only=True):
    """What a run does; the `identity` part must match when resuming into the same folder."""

    suite: str = "default"
    modes: tuple[str, ...] = ALL_MODES
    num_results: int = 3
    seeds: tuple[int, ...] = (0,)
    concurrency: int = 1
    limit: int | None = None
    determinism: int = 1  # per mode, the first N items are sent twice to check seed determinism
    temperature: float | None = None
    top_p: float | None = None
    chain_images: bool = False
    word_limit: int = m.MAX_WORDS
    target: dict[str, Any] = msgspec.field(default_factory=dict)

    def identity(self) -> dict[str, Any]:
        return {"suite": self.suite, "num_results": self.num_results, "temperature": self.temperature,
                "top_p": self.top_p, "target": self.target}


class ResumeConflict(RuntimeError):
    """The output folder holds a run with a different configuration."""


class RunAborted(RuntimeError):
    """The target failed too many times in a row."""


class Item(NamedTuple):
    case: Case
    mode: str
    seed: int
    repeat: bool

    @property
    def key(self) -> str:
        return row_key(self.case.id, self.mode, self.seed)


def row_key(case_id: str, mode: str, seed: int) -> str:
    return f"{case_id}|{mode}|{seed}"


def plan(cases: Sequence[Case], config: RunConfig) -> list[Item]:
    """Every (case, mode, seed) to run, in suite order; the first `determinism` per mode repeat."""
    items: list[Item] = []
    repeats: dict[str, int] = {}
    for case in cases:
        for mode in config.modes:
            if mode not in case.modes:
                continue
            for seed in config.seeds:
                repeat = seed == config.seeds[0] and repeats.get(mode, 0) < config.determinism
                if repeat:
                    repeats[mode] = repeats.get(mode, 0) + 1
                items.append(Item(case, mode, seed, repeat))
    return items


class ResultStore:
    """`results.jsonl` as an append-only log; the last row of a key wins, failed rows are retried."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: dict[str, dict[str, Any]] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by an interruption
                if isinstance(row, dict) and "key" in row:
                    self.rows[row["key"]] = row

    def done(self, key: str) -> bool:
        row = self.rows.get(key)
        return row is not None and not row.get("transport_error")

    def rewrite(self, rows: list[dict[str, Any]]) -> None:
        """Replace the file with `rows` (atomically: a crash leaves the old file)."""
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        temporary.replace(self.path)
        self.rows = {r["key"]: r for r in rows}

    def append(self, row: dict[str, Any]) -> None:
        self.rows[row["key"]] = row
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _usage(response: Response | None) -> dict[str, Any]:
    usage = response.body.get("usage") if response is not None else None
    return usage if isinstance(usage, dict) else {}


def _prompts(response: Response | None) -> list[str]:
    if response is None or response.status != 200:
        return []
    prompts = response.body.get("prompts")
    return [p if isinstance(p, str) else "" for p in prompts] if isinstance(prompts, list) else []




def score(row: dict[str, Any], embed: m.Embed, word_limit: int = m.MAX_WORDS,
          lm_ends: q.EndProbs | None = None) -> dict[str, Any]:
    """The per-request metrics of one answered row, from the row alone (see README for each
    definition), so `eval report --rescore` can recompute them after a definition changes.
    `lm_ends` (optional) adds the language model's end probability to the broken-phrase check."""
    if row["status"] != 200:
        return {"valid": 0.0, "prompt_validity": 0.0, "num_results_ok": 0.0, "error": 1.0}
    mode, kind, text = row["mode"], row.get("kind", "spark"), row.get("spark") or ""
    prompts = row["prompts"]
    values: dict[str, Any] = dict(m.validity(prompts, row["num_results"], word_limit), error=0.0)
    usage = row.get("usage") or {}
    timed = usage.get("cache") != "hit"  # an answer from the result cache says nothing about speed
    if row.get("latency_s") is not None and timed:
        values["latency_s"] = row["latency_s"]
    if usage.get("latencyMs") is not None and timed:
        values["server_latency_s"] = float(usage["latencyMs"]) / 1000
        values["completion_tokens"] = float(usage.get("completionTokens") or 0)
    if usage.get("fallbacks") is not None:
        values["fallback_rate"] = float(usage["fallbacks"]) / max(len(prompts), 1)
    prompts = [p for p in prompts if p.strip()]
    if mode == "structured":
        values["structure_coverage"] = m.structure_coverage(prompts, text)
    values["adherence"] = m.adherence(text, prompts, embed) if not kind.startswith("ip-") else None
    values["diversity"] = m.embedding_diversity(prompts, embed)
    values["distinct_1"] = m.distinct_n(prompts, 1)
    values["distinct_2"] = m.distinct_n(prompts, 2)
    if mode == "completion" and kind == "spark":
        values["prefix_fidelity"] = m.prefix_fidelity(text, prompts)
    editing = mode in EDITING_MODES
    values.update(q.request_quality(
        prompts, text, embed, conflicts_with_spark=not editing,
        score_relevance=mode in RELEVANCE_MODES and kind in ("spark", "ip-clean"), lm_ends=lm_ends))
    repeat_status = row.get("repeat_status", 200 if row.get("repeat_prompts") else None)
    if row.get("repeat_prompts") is not None and repeat_status == 200 and row.get("repeat_cache") != "hit":
        values["determinism"] = m.deterministic(row["prompts"], row["repeat_prompts"])
    values.update(target_rules.request_rules(row))
    if kind == "ip-leaky":
        values["ip_leak"] = m.leaks(prompts, row.get("entities") or [], text)
    elif kind == "ip-clean":
        detection = row.get("ip_detection")
        values["ip_false_positive"] = m.ip_false_positive(
            text, prompts, detection if isinstance(detection, dict) else None, mode in KEEPS_SPARK)
    return values


def make_row(item: Item, num_results: int, response: Response, repeat: Response | None,
             embed: m.Embed, word_limit: int = m.MAX_WORDS, lm_ends: q.EndProbs | None = None) -> dict[str, Any]:
    """One results.jsonl row: what was asked, what came back, and its metrics."""
    body = response.body
    usage = _usage(response)
    row = {
        "key": item.key, "case_id": item.case.id, "kind": item.case.kind, "category": item.case.category,
        "style": item.case.style, "mode": item.mode, "seed": item.seed, "num_results": num_results,
        "spark": item.case.text_for(item.mode), "image": item.case.image or None,
        "entities": list(item.case.entities), "status": response.status, "prompts": _prompts(response),
        "latency_s": round(response.latency_s, 4), "usage": usage, "backend": usage.get("backend"),
        "warnings": body.get("warnings") or [], "ip_detection": body.get("ipDetection"),
        "error": None if response.status == 200 else (body.get("detail") or body.get("title") or str(body)[:300]),
        "repeat_status": repeat.status if repeat is not None else None,
        "repeat_prompts": _prompts(repeat) if repeat is not None else None,
        "repeat_cache": _usage(repeat).get("cache") if repeat is not None else None,
    }
    if item.case.target_model:  # what the target-model rules read (eval.target_rules)
        row.update(target_fields(item.case), negative_prompts=body.get("negativePrompts"))
    row["metrics"] = score(row, embed, word_limit, lm_ends)
    return row


def target_fields(case: Case) -> dict[str, Any]:
    """A target-model case's request options, as a row stores them."""
    return {"target_model": case.target_model, "keep_terms": list(case.keep_terms),
            "weights_asked": case.weights, "negative_asked": case.negative_prompt,
            "aspect_ratio": case.aspect_ratio or None}


def rescore(rows: list[dict[str, Any]], embed: m.Embed, word_limit: int = m.MAX_WORDS,
            lm_ends: q.EndProbs | None = None) -> None:
    """Recompute the metrics of answered rows in place."""
    for row in rows:
        if not row.get("transport_error"):
            row["metrics"] = score(row, embed, word_limit, lm_ends)


def failure_row(item: Item, num_results: int, error: str) -> dict[str, Any]:
    """A row for a request that got no answer; it is retried when the run is resumed."""
    return {"key": item.key, "case_id": item.case.id, "kind": item.case.kind, "category": item.case.category,
            "style": item.case.style, "mode": item.mode, "seed": item.seed, "num_results": num_results,
            "spark": item.case.text_for(item.mode), "image": item.case.image or None, "status": 0,
            "prompts": [], "error": error, "transport_error": True,
            **(target_fields(item.case) if item.case.target_model else {}),
            "metrics": {"valid": 0.0, "prompt_validity": 0.0, "num_results_ok": 0.0, "error": 1.0}}


def prepare_output(out: Path, config: RunConfig, fresh: bool = False) -> ResultStore:
    """Create the folder and `run.json`, or check that it holds the same run to resume."""
    out.mkdir(parents=True, exist_ok=True)
    run_file, results = out / "run.json", out / "results.jsonl"
    if fresh:
        results.unlink(missing_ok=True)
    elif run_file.is_file() and results.is_file():
        previous = json.loads(run_file.read_text(encoding="utf-8"))
        if previous.get("identity") != json.loads(json.dumps(config.identity())):
            raise ResumeConflict(
                f"{out} holds a run with another configuration ({previous.get('identity')}); "
                "use another --out, or --fresh to start over")
    run_file.write_text(json.dumps({"config": msgspec.to_builtins(config), "identity": config.identity()},
                                   indent=2), encoding="utf-8")
    return ResultStore(results)


WARMUP_SEED = 987654321


async def run(cases: Sequence[Case], config: RunConfig, target: Target, store: ResultStore,
              embed: m.Embed, progress: bool = True, warmup: int = 0,
              lm_ends: q.EndProbs | None = None) -> list[dict[str, Any]]:
    """Run every planned item not already in `store`; returns the rows of this plan, in plan order.
    First, `warmup` untimed requests per mode (another seed), so first-call costs stay out of the
    latency (and a first call that runs past the service's deadline does not count as an error)."""
    from tqdm.auto import tqdm

    items = plan(cases, config)
    todo = [item for item in items if not store.done(item.key)]
    extra = {"temperature": config.temperature, "topP": config.top_p}
    firsts: dict[str, Item] = {}  # the first remaining item of each mode
    for item in todo:
        firsts.setdefault(item.mode, item)
    for item in [first for first in firsts.values() for _ in range(warmup)]:
        with contextlib.suppress(TargetError):
            await target.generate(item.case.body(item.mode, config.num_results, WARMUP_SEED, **extra))
    semaphore = asyncio.Semaphore(max(config.concurrency, 1))
    failures = [0]
    aborted: list[RunAborted] = []
    bar = tqdm(total=len(items), initial=len(items) - len(todo), unit="req", disable=not progress,
               desc=f"eval {config.suite}", dynamic_ncols=True)

    async def one(item: Item) -> None:
        body = item.case.body(item.mode, config.num_results, item.seed, **extra)
        async with semaphore:
            if aborted:
                return
            try:
                response = await target.generate(body)
                repeat = await target.generate(body) if item.repeat else None
            except TargetError as exc:
                failures[0] += 1
                store.append(failure_row(item, config.num_results, str(exc)))
                if failures[0] >= MAX_CONSECUTIVE_FAILURES:
                    aborted.append(RunAborted(f"{failures[0]} requests in a row failed; last: {exc}"))
                return
            failures[0] = 0
            row = make_row(item, config.num_results, response, repeat, embed, config.word_limit, lm_ends)
            if config.chain_images and row["prompts"]:
                await _chain_image(target, row, store.path.parent)
        store.append(row)
        bar.update(1)

    try:
        await asyncio.gather(*(one(item) for item in todo))
    finally:
        bar.close()
    if aborted:
        raise aborted[0]
    return [store.rows[item.key] for item in items if item.key in store.rows]


async def _chain_image(target: Target, row: dict[str, Any], out: Path) -> None:
    try:
        data = await target.generate_image(row["prompts"][0])
    except TargetError as exc:
        row["image_error"] = str(exc)
        return
    if data:
        folder = out / "images"
        folder.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", row["key"]) + ".png"
        (folder / name).write_bytes(data)
        row["image_file"] = f"images/{name}"
