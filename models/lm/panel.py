"""The decoding kernel (`native/panel_mm.c`): built once with the system's C compiler, loaded
with ctypes, used for every product of a decoding step when it builds.

Why: MKL's products give a row the same bits only at some column counts (see `lanes.py`), so
rows had to be padded into blocks of 4, 8 or 16 columns, and its skinny kernels run at about
half the memory's speed: 23 ms for one row's 540 MB of weights here, 41 ms for five. This
kernel computes every output as one ordered chain of fused multiply-adds, so a row's bits never
depend on its neighbours, and streams weights packed in panels of 16 output rows: 11-12 ms for
one to five rows, 15 ms for eight. Its three code paths (AVX-512, AVX2, scalar `fmaf`) give the
same bits, so outputs no longer depend on which of them this CPU has.

Where no C compiler is found or the build fails, `kernel()` is None and decoding multiplies
through the lanes, as before (a warning says so once). `PROMPTGEN_LM_KERNEL=torch` chooses
that path on purpose (benchmarks compare the two).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import torch

log = logging.getLogger(__name__)

SOURCE = Path(__file__).parent / "native" / "panel_mm.c"
LANES = 16  # output rows in a panel
FLAGS = ("-O3", "-march=native", "-fopenmp", "-ffp-contract=off", "-shared", "-fPIC")
# Compilers that refuse -march=native or OpenMP still build the kernel: the same bits, slower.
FALLBACK_FLAGS = (FLAGS, tuple(f for f in FLAGS if f != "-march=native"), ("-O3", "-ffp-contract=off", "-shared", "-fPIC"))
_lock = threading.Lock()
_loaded: dict[str, PanelKernel | None] = {}


class Packed:
    """A weight [out, in] in panels of 16 output rows: [panels, in, 16], rows past `out` zero."""

    __slots__ = ("out_features", "panels")

    def __init__(self, weight: torch.Tensor) -> None:
        out, width = weight.shape
        padded = -(-out // LANES) * LANES
        w = weight.detach().to(torch.float32)
        if padded != out:
            w = torch.cat([w, w.new_zeros((padded - out, width))])
        self.panels = w.view(padded // LANES, LANES, width).transpose(1, 2).contiguous()
        self.out_features = out


class PanelKernel:
    """`mm(packed, x)` = `x @ weight.T` for float32 rows `x` [rows, in], each row's bits
    independent of the others."""

    def __init__(self, library: Path) -> None:
        self._lib = ctypes.CDLL(str(library))
        self._mm = self._lib.panel_mm
        self._mm.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_int64] * 4 + [ctypes.c_int]
        self._mm.restype = None
        self._lib.panel_path.restype = ctypes.c_char_p
        self.path = self._lib.panel_path().decode()

    def mm(self, packed: Packed, x: torch.Tensor) -> torch.Tensor:
        panels = packed.panels
        x = x.contiguous()
        if x.dtype != torch.float32 or x.dim() != 2 or x.shape[1] != panels.shape[1]:
            raise ValueError(f"panel_mm needs float32 rows of {panels.shape[1]}, got {tuple(x.shape)} {x.dtype}")
        width = panels.shape[0] * LANES
        out = torch.empty((x.shape[0], width), dtype=torch.float32)
        self._mm(
            panels.data_ptr(),
            x.data_ptr(),
            out.data_ptr(),
            panels.shape[0],
            panels.shape[1],
            x.shape[0],
            width,
            torch.get_num_threads(),
        )
        return out if width == packed.out_features else out[:, : packed.out_features]


def kernel() -> PanelKernel | None:
    """The built kernel, or None (no compiler, failed build, or PROMPTGEN_LM_KERNEL=torch)."""
    choice = os.environ.get("PROMPTGEN_LM_KERNEL", "auto").strip().lower() or "auto"
    if choice not in ("auto", "torch"):
        raise ValueError(f"PROMPTGEN_LM_KERNEL must be 'auto' or 'torch', not {choice!r}")
    if choice == "torch":
        return None
    with _lock:
        if choice not in _loaded:
            _loaded[choice] = _build_and_load()
        return _loaded[choice]


def build(folder: Path | None = None, flags: tuple[str, ...] = FLAGS) -> Path:
    """Compile the kernel (once per source, flags and compiler) into `folder`; the library's path."""
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        raise RuntimeError("no C compiler (cc or gcc) on PATH")
    source = SOURCE.read_bytes()
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True, check=False).stdout
    digest = hashlib.sha256(source + " ".join(flags).encode() + version.encode()).hexdigest()[:16]
    folder = folder or _build_folder()
    target = folder / f"panel_mm-{digest}.so"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        partial = Path(tmp) / target.name
        done = subprocess.run(
            [compiler, *flags, str(SOURCE), "-o", str(partial), "-lm"], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{compiler} failed: {done.stderr.strip()[-500:]}")
        os.replace(partial, target)  # atomic: a concurrent build finds a whole file or none
    return target


def _build_folder() -> Path:
    folder = Path(__file__).parent / "native" / "build"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / "promptgen-kernels"


def _build_and_load() -> PanelKernel | None:
    errors = []
    for flags in FALLBACK_FLAGS:
        try:
            loaded = PanelKernel(build(flags=flags))
        except (OSError, RuntimeError) as exc:
            errors.append(str(exc))
            continue
        log.info("decoding kernel built (%s path)", loaded.path)
        return loaded
    log.warning("decoding kernel unavailable, decoding through torch's products instead: %s", errors[-1])
    return None
