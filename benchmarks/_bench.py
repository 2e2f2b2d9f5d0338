"""Shared helpers of the speed benchmarks: the machine header, interleaved timing, medians.

Not a script; ``train_speed.py``, ``overhead.py`` and ``peers.py`` import it (run as
``python benchmarks/X.py``, this folder is on ``sys.path``).

* ``machine_header()`` — what the numbers depend on: CPU, cores, kernel and load,
  Python, NumPy and its BLAS, threadpools, PyTorch and its threads, the thread
  variables, the date;
* ``interleaved(sides, repeats)`` — time each side in turn, A B C, B C A, C A B, ...;
* ``summarize(times)`` and ``fmt(times)`` — median and spread, ``0.63 s [0.61–0.66]``.
"""

from __future__ import annotations

import datetime
import gc
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

ENV_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
            "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TM_BLAS_THREADS", "TM_NATIVE_BLAS")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def blas_info() -> str:
    """NumPy's BLAS as built (name, version, configuration), from ``np.show_config``."""
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]  # NumPy ≥ 1.25
        blas = deps["blas"]
        text = f"{blas.get('name', '?')} {blas.get('version', '?')}"
        if blas.get("openblas configuration"):
            text += f" ({blas['openblas configuration'].strip()})"
        return text
    except Exception:  # older NumPy: show_config has no dicts mode
        return "unknown (numpy.show_config(mode='dicts') unavailable)"


def threadpool_lines() -> list[str]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["threadpools: threadpoolctl not installed"]
    pools = threadpool_info()
    if not pools:
        return ["threadpools: none loaded"]
    return [f"threadpool:  {p.get('prefix')} ({p.get('user_api')}, internal_api="
            f"{p.get('internal_api')}) {p.get('version')} num_threads={p.get('num_threads')}"
            + (f" {p['threading_layer']}" if p.get("threading_layer") else "")
            + (f" {p['architecture']}" if p.get("architecture") else "")
            for p in pools]


def torch_line() -> str:
    try:
        import torch
    except ImportError:
        return "PyTorch:     not installed"
    return f"PyTorch:     {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}"


def machine_header() -> str:
    """A multi-line description of the machine and the libraries the timings depend on."""
    import tinygrad_mlp as tm

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    torch = torch_line()  # before the threadpools, so that PyTorch's own pools are listed
    lines = [
        f"machine:     {cpu_model()} · {platform.machine()} · os.cpu_count() = "
        f"{os.cpu_count()} · usable (affinity) = {affinity}",
        f"kernel:      {platform.system()} {platform.release()} · load average "
        + (" ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"),
        f"Python:      {platform.python_version()} ({platform.python_implementation()})",
        f"NumPy:       {np.__version__} · BLAS {blas_info()}",
        *threadpool_lines(),
        torch,
        f"tinygrad_mlp {tm.__version__} from {os.path.dirname(tm.__file__)}",
        "env:         " + " ".join(f"{v}={os.environ.get(v, 'unset')}" for v in ENV_VARS),
        f"date:        {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
    ]
    return "\n".join(lines)


def interleaved(sides: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Seconds of each call of each side, taking turns: round r starts at side r mod n.

    With sides A, B, C: A B C, B C A, C A B, A B C, ... so that drift of the machine
    (frequency, cache, other load) and order effects fall on every side alike.  The
    garbage collector runs before each call, outside the timing.
    """
    names = list(sides)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for i in range(len(names)):
            name = names[(r + i) % len(names)]
            gc.collect()
            t0 = time.perf_counter()
            sides[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def summarize(times: list[float]) -> tuple[float, float, float]:
    """(median, min, max)."""
    return statistics.median(times), min(times), max(times)


def fmt(times: list[float], scale: float = 1.0, unit: str = "s", digits: int = 2) -> str:
    """``0.63 s [0.61–0.66]``: the median and the range, each multiplied by ``scale``."""
    med, lo, hi = (v * scale for v in summarize(times))
    return f"{med:.{digits}f} {unit} [{lo:.{digits}f}–{hi:.{digits}f}]"


def ratio(a: list[float], b: list[float]) -> float:
    """Ratio of medians, a / b."""
    return statistics.median(a) / statistics.median(b)
