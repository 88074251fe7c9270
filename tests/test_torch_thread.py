"""Every CPU torch call of the local model runs on one thread (one OpenMP team per process)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

from models import torch_thread
from models.lm.base import ChatMessage, LMRequest
from models.lm.local import LocalLanguageModel


def test_call_and_run_land_on_one_thread_and_call_is_reentrant():
    first = torch_thread.call(threading.get_ident)
    assert asyncio.run(torch_thread.run(threading.get_ident)) == first
    assert torch_thread.call(lambda: torch_thread.call(threading.get_ident)) == first  # no deadlock
    assert first != threading.get_ident()


def test_the_local_model_loads_and_decodes_on_the_torch_thread(tiny_model_dir, monkeypatch):
    lm = LocalLanguageModel(model_path=str(tiny_model_dir), dtype="float32")
    seen: set[int] = set()
    original = lm._generate

    def spying(*args):
        seen.add(threading.get_ident())
        return original(*args)

    monkeypatch.setattr(lm, "_generate", spying)
    lm.load_sync()
    row = LMRequest(messages=(ChatMessage("user", "Spark: a fox"),), max_new_tokens=3, seed=1)
    asyncio.run(lm.generate([row], 60))
    lm.generate_sync([row], 10**9)
    assert seen == {torch_thread.call(threading.get_ident)}


IMPORT_STARTS_NOTHING = """
import threading
from models import torch_thread
assert not [t for t in threading.enumerate() if t.name.startswith("promptgen-torch")], "a thread at import"
ident = torch_thread.call(threading.get_ident)
assert [t.ident for t in threading.enumerate() if t.name.startswith("promptgen-torch")] == [ident]
"""


def test_the_thread_starts_on_first_use_not_at_import():
    subprocess.run([sys.executable, "-c", IMPORT_STARTS_NOTHING], check=True, timeout=60)
