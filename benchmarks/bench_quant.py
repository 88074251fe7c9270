"""Decoding from the quantized weights against llama.cpp on the same GGUF (issue 21), each
figure a ratio of two measurements taken in alternating rounds of one run:

- decode at batch 1: promptgen's step (Q4_1/Q8_0 panels) against llama.cpp (`llama-cpp-python`)
  on the same file, the same prompt and the same generated tokens, with the same thread count;
- the step against the memory-bandwidth bound for the bytes it actually reads;
- prefill of a ~300-token conversation (nothing cached) on both;
- end to end, a structured numResults=3 request (`lm.generate` of the mode's rows, its shared
  head stored as in a running service) against llama.cpp generating the same token counts for the
  same prompts, one row after another, reusing the previous row's KV for a common prefix (as
  llama-cpp-python's `generate` does) and holding the mode's head from an earlier request too;
- threads: promptgen's step with 1 and 2 threads (the kernels' OpenMP teams);
- resident memory of a fresh process once the model is loaded: promptgen quantized, promptgen
  float32 (the safetensors conversion, `PROMPTGEN_LM_QUANTIZED=0`), llama.cpp.

llama.cpp is not a dependency of the service: `llama_python()` installs llama-cpp-python into
its own environment (`benchmarks/.venv-llama`, gitignored), built from source, on first use;
where that fails the llama.cpp figures are reported as unavailable.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_model import CACHE, memory_bandwidth_gbs, resident_mb
from benchmarks.common import ROOT, result
from models import torch_thread
from models.lm.base import ChatMessage, LMRequest
from models.lm.decoding import decode_step_for
from models.lm.local import LocalLanguageModel, convert_embedded_model, embedded_gguf_path
from modes import ModeContext, get_mode

LLAMA_VENV = ROOT / "benchmarks" / ".venv-llama"
LLAMA_VERSION = "0.3.36"
ROUNDS = 3
E2E_REPEATS = 2

LLAMA_WORKER = r"""
import json, sys, time
from llama_cpp import Llama

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return -1

llm = Llama(model_path=sys.argv[1], n_ctx=4096, n_batch=512, n_threads=int(sys.argv[2]),
            n_threads_batch=int(sys.argv[2]), verbose=False)
print(json.dumps({"rss_mb": rss_mb()}), flush=True)

def run(prompt, generated, keep):
    # keep: reuse the KV of the longest common prefix with what the context holds
    common = 0
    if keep:
        held = llm._input_ids.tolist()
        while common < min(len(held), len(prompt) - 1) and held[common] == prompt[common]:
            common += 1
    else:
        llm.reset()
    llm.n_tokens = common  # eval drops the KV past it
    started = time.perf_counter()
    llm.eval(prompt[common:])
    prefilled = time.perf_counter()
    for token in generated:
        llm.eval([token])
    return prefilled - started, time.perf_counter() - prefilled

for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["op"] == "rows":
        started = time.perf_counter()
        parts = [run(p, g, cmd["keep"]) for p, g in cmd["rows"]]
        print(json.dumps({"total_s": time.perf_counter() - started, "parts": parts}), flush=True)
"""


def llama_python() -> Path | None:
    """The Python of the benchmark's own llama-cpp-python environment, made on first use (a
    source build: minutes); None where it cannot be made."""
    python = LLAMA_VENV / "bin" / "python"
    check = [str(python), "-c", "import llama_cpp"]
    if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(LLAMA_VENV)], check=True)
        env = {**os.environ, "CMAKE_ARGS": "-DGGML_NATIVE=ON -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF"}
        subprocess.run(
            [str(python), "-m", "pip", "install", "--no-binary", "llama-cpp-python", f"llama-cpp-python=={LLAMA_VERSION}"],
            check=True,
            env=env,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"llama.cpp unavailable ({exc}): its figures are left out", file=sys.stderr)
        return None
    return python


class LlamaWorker:
    """llama.cpp on the GGUF in a process of its own, fed rows of token ids."""

    def __init__(self, python: Path, gguf: Path, threads: int) -> None:
        self.proc = subprocess.Popen(
            [str(python), "-c", LLAMA_WORKER, str(gguf), str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.rss_mb = self._read()["rss_mb"]

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the llama.cpp worker exited")
        return json.loads(line)  # type: ignore[no-any-return]

    def rows(self, rows: list[tuple[list[int], list[int]]], keep: bool) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": "rows", "rows": rows, "keep": keep}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _ids(lm: LocalLanguageModel, row: LMRequest) -> list[int]:
    """The token ids promptgen runs for a row: its templated conversation, then its prefill."""
    tok = lm._tokenizer
    ids = tok(lm.render_conversation(row), add_special_tokens=False).input_ids
    return [*ids, *(tok(row.prefill, add_special_tokens=False).input_ids if row.prefill else [])]


def _generated(lm: LocalLanguageModel, text: str, count: int) -> list[int]:
    ids = lm._tokenizer(text, add_special_tokens=False).input_ids[:count]
    return ids + [ids[-1] if ids else 28] * (count - len(ids))


async def _decode_round(lm: LocalLanguageModel, row: LMRequest) -> tuple[float, Any]:
    await lm.generate([row], 600)  # the prompt's KV in the prefix store: decoding alone is timed
    started = time.perf_counter()
    out = (await lm.generate([row], 600))[0]
    return out.completion_tokens / (time.perf_counter() - started), out


def _threads(count: int) -> None:
    import torch

    torch_thread.call(torch.set_num_threads, count)


def _structured_rows(spark: str, seed: int) -> list[LMRequest]:
    ctx = ModeContext(mode="structured", spark=spark, num_results=3, seed=seed)
    return get_mode("structured").plan(ctx, 3, 0, True).rows


def _long_conversation() -> LMRequest:
    text = (
        "I am planning a series of illustrations about a lighthouse keeper who lives alone with "
        "her cat on a rocky island in the North Sea. "
    ) * 10  # with the template: about 300 tokens
    return LMRequest(
        messages=(
            ChatMessage("system", "You help artists plan illustrations. Answer in one short paragraph."),
            ChatMessage("user", text + "What should the first picture show?"),
        ),
        max_new_tokens=1,
        stop_at_newline=False,
        seed=1,
    )


def run() -> list[dict]:
    gguf = embedded_gguf_path()
    cores = len(os.sched_getaffinity(0))
    threads = min(2, cores)
    lm = LocalLanguageModel(cache_dir=CACHE, threads=threads)
    started = time.perf_counter()
    lm.load_sync()
    load_s = time.perf_counter() - started
    step = decode_step_for(lm._model)
    quantized = bool(getattr(lm._model, "_promptgen_quantized", False))
    lm._newline_ids = set()  # benchmark only: rows run to their token budget
    python = llama_python()
    llama = LlamaWorker(python, gguf, threads) if python else None

    row = LMRequest(
        messages=(ChatMessage("user", "Describe a forest at dawn in detail."),),
        max_new_tokens=64,
        stop_at_newline=False,
        seed=3,
    )
    long_row = _long_conversation()
    structured = _structured_rows("a lighthouse keeper's cat watching a storm", 42)
    warm_rows = _structured_rows("a quiet harbour at night", 7)  # the mode's head, from another spark
    figures: dict[str, list[float]] = {
        k: []
        for k in (
            "pg_tps",
            "pg_tps_1thread",
            "llama_tps",
            "pg_prefill_s",
            "llama_prefill_s",
            "pg_e2e_s",
            "llama_e2e_s",
            "bandwidth",
        )
    }
    details: dict[str, Any] = {}

    async def rounds() -> None:
        for _ in range(ROUNDS):
            # decode, batch 1: promptgen with 1 and 2 threads, llama.cpp with the same tokens
            _threads(1)
            tps1, _ = await _decode_round(lm, row)
            _threads(threads)
            tps, out = await _decode_round(lm, row)
            figures["pg_tps_1thread"].append(tps1)
            figures["pg_tps"].append(tps)
            bandwidth = torch_thread.call(memory_bandwidth_gbs)
            figures["bandwidth"].append(max(bandwidth["read"], bandwidth["copy"]))
            prompt, generated = _ids(lm, row), _generated(lm, out.text, out.completion_tokens)
            if llama:
                timed = llama.rows([(prompt, generated)], keep=False)
                figures["llama_tps"].append(len(generated) / timed["parts"][0][1])
            # prefill of a ~300-token conversation, nothing cached
            lm.prefixes.clear()
            started = time.perf_counter()
            await lm.generate([long_row], 600)
            figures["pg_prefill_s"].append(time.perf_counter() - started)
            long_ids = _ids(lm, long_row)
            details["prefill_tokens"] = len(long_ids)
            if llama:
                figures["llama_prefill_s"].append(llama.rows([(long_ids, [])], keep=False)["parts"][0][0])
            # end to end: a structured numResults=3 request, the mode's head stored (E2E_REPEATS
            # times a round, alternating: a second or so each, so a burst of load elsewhere on a
            # shared machine spoils fewer of the samples the best is taken from)
            for _ in range(E2E_REPEATS):
                lm.prefixes.clear()
                await lm.generate([r for r in warm_rows[:1]], 600)
                started = time.perf_counter()
                outs = await lm.generate(structured, 600)
                figures["pg_e2e_s"].append(time.perf_counter() - started)
                work = [
                    (_ids(lm, r), _generated(lm, o.text, o.completion_tokens))
                    for r, o in zip(structured, outs, strict=True)
                ]
                details["e2e_rows"] = len(work)
                details["e2e_prompt_tokens"] = sum(len(p) for p, _ in work)
                details["e2e_completion_tokens"] = sum(len(g) for _, g in work)
                if llama:
                    llama.rows([(_ids(lm, warm_rows[0]), [])], keep=False)  # its KV: the mode's head
                    figures["llama_e2e_s"].append(llama.rows(work, keep=True)["total_s"])

    try:
        asyncio.run(rounds())
    finally:
        llama_rss = llama.rss_mb if llama else -1
        if llama:
            llama.close()
    best = {k: (max(v) if k.endswith(("tps", "thread", "bandwidth")) else min(v)) for k, v in figures.items() if v}
    per_token = step.weight_bytes() if step else 0
    bound = best["bandwidth"] * 1e9 / per_token if per_token else 0.0
    resident = {
        "promptgen_quantized": resident_mb_embedded(),
        "promptgen_float32": resident_mb(convert_embedded_model(CACHE), "float32", "auto"),
        "llama_cpp": llama_rss,
    }
    common = {"threads": threads, "rounds": ROUNDS, "e2e_repeats": E2E_REPEATS, "quantized": quantized, "figures": figures}
    out = [
        result(
            "quantized-decode-vs-llama-cpp",
            best["pg_tps"] / best["llama_tps"] if "llama_tps" in best else 0.0,
            1.0,
            "llama_tps" in best and best["pg_tps"] >= best["llama_tps"],
            tokens_per_s=round(best["pg_tps"], 1),
            tokens_per_s_1_thread=round(best["pg_tps_1thread"], 1),
            llama_cpp_tokens_per_s=round(best.get("llama_tps", 0.0), 1),
            load_s=round(load_s, 2),
            **common,
        ),
        result(
            "quantized-decode-vs-bandwidth-bound",
            best["pg_tps"] / bound if bound else 0.0,
            0.5,
            bound > 0 and best["pg_tps"] / bound >= 0.5,
            tokens_per_s=round(best["pg_tps"], 1),
            bound_tokens_per_s=round(bound, 1),
            weight_mb_per_token=round(per_token / 1e6, 1),
            memory_bandwidth_gbs=round(best["bandwidth"], 2),
            llama_cpp_vs_bound=round(best["llama_tps"] / bound, 3) if bound and "llama_tps" in best else None,
        ),
        result(
            "prefill-300-vs-llama-cpp",
            best["llama_prefill_s"] / best["pg_prefill_s"] if "llama_prefill_s" in best else 0.0,
            1.0,
            "llama_prefill_s" in best and best["pg_prefill_s"] <= best["llama_prefill_s"],
            prefill_s=round(best["pg_prefill_s"], 3),
            llama_cpp_prefill_s=round(best.get("llama_prefill_s", 0.0), 3),
            tokens=details.get("prefill_tokens"),
            note="promptgen's time is a whole one-token generate call (template, tokenizer, prefill, a sample)",
        ),
        result(
            "structured-3-end-to-end-vs-llama-cpp",
            best["llama_e2e_s"] / best["pg_e2e_s"] if "llama_e2e_s" in best else 0.0,
            2.0,
            "llama_e2e_s" in best and best["llama_e2e_s"] / best["pg_e2e_s"] >= 2.0,
            seconds=round(best["pg_e2e_s"], 3),
            llama_cpp_seconds=round(best.get("llama_e2e_s", 0.0), 3),
            **{k: v for k, v in details.items() if k.startswith("e2e")},
        ),
        result(
            "resident-memory-vs-float32",
            resident["promptgen_quantized"] / resident["promptgen_float32"],
            0.4,
            resident["promptgen_quantized"] <= 0.4 * resident["promptgen_float32"],
            resident_mb_after_load=resident,
            note="lower is better: the quantized process over today's float32 one; llama.cpp's beside them",
        ),
    ]
    return out


RESIDENT_EMBEDDED = """
import sys
from pathlib import Path
from models.lm.local import LocalLanguageModel
lm = LocalLanguageModel(cache_dir=Path(sys.argv[1]))
lm.load_sync()
rss = [line for line in open("/proc/self/status") if line.startswith("VmRSS:")]
print(int(rss[0].split()[1]) // 1024 if rss else -1)
"""


def resident_mb_embedded() -> int:
    """Resident memory (MiB) of a fresh process once it has loaded the embedded model the way
    the service does (quantized, with the kernels)."""
    done = subprocess.run(
        [sys.executable, "-c", RESIDENT_EMBEDDED, str(CACHE)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return int(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
