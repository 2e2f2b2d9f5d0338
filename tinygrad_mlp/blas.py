"""The BLAS-thread policy: small matrix products run on one BLAS thread.

NumPy's OpenBLAS splits every matrix product over all cores.  For the small
products of a small batch (32 × 784 · 784 × 100: a few MFLOP, tens of
microseconds) the split buys little, and the idle worker threads keep spinning
for a while after each product, taking the core that the Python between the
products needs; on a machine that is busy with anything else, they wait for
each other and a product can take 10–50× longer.  So tinygrad_mlp's dense-layer
products (``Linear``, ``matmul``) whose m·k·n is at most ``SMALL`` run on one
thread, and larger ones on as many as BLAS is set to use.
``python benchmarks/train_speed.py`` measures the effect (see the README).

Control (read at import, changeable at run time):

* ``TM_BLAS_THREADS=keep`` (default): never touch BLAS's thread count (on an
  idle machine two threads won: the policy is for busy ones);
* ``TM_BLAS_THREADS=auto``: the policy above;
* ``tm.blas.set_policy("auto" | "keep", small=None)`` at run time;
  ``tm.blas.policy()`` says what is in force.

Only OpenBLAS (NumPy's wheels) is steered, through ``threadpoolctl`` when it is
installed; otherwise the policy is "keep" and nothing changes.

``axpy(alpha, x, y)`` is SGD's ``y += alpha·x``: one pass of BLAS's
axpy (through SciPy) instead of NumPy's two (``alpha * x`` into a temporary,
then the sum), rounded once, as PyTorch's ``y.add_(x, alpha=alpha)`` rounds.
"""

from __future__ import annotations

import operator
import os

import numpy as np

__all__ = ["SMALL", "axpy", "matmul", "policy", "set_policy"]

#: Products with m·k·n up to this run on one thread (32·784·100 ≈ 2.5e6 is small;
#: 128·784·512 ≈ 5.1e7, where two threads win by 1.7×, is not).
SMALL = 8_000_000

_set_threads = None  # OpenBLAS's openblas_set_num_threads, once looked up
_threads = 1  # BLAS's thread count when the policy was set
_mode = "keep"


def _find_openblas():
    """NumPy's OpenBLAS setter and its current thread count, or (None, 1)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None, 1
    np.ones((2, 2)) @ np.ones((2, 2))  # makes sure NumPy's BLAS is loaded
    for lib in ThreadpoolController().lib_controllers:
        if lib.internal_api == "openblas" and "numpy" in lib.filepath:
            return lib.set_num_threads, lib.num_threads
    return None, 1


def _resolve() -> None:
    global _set_threads, _threads, _mode
    _set_threads, _threads = _find_openblas()
    if _set_threads is None or _threads < 2:
        _mode = "keep"
        _bind()


def set_policy(mode: str = "auto", small: int | None = None) -> None:
    """``"auto"``: products with m·k·n ≤ ``small`` (default ``SMALL``) on one BLAS thread;
    ``"keep"``: leave BLAS alone.  ``auto`` rereads BLAS's thread count."""
    global _mode, SMALL, _set_threads
    if mode not in ("auto", "keep"):
        raise ValueError(f"blas.set_policy: mode must be 'auto' or 'keep', got {mode!r}")
    if small is not None:
        if small < 0:
            raise ValueError(f"blas.set_policy: small must be >= 0, got {small}")
        SMALL = int(small)
    _mode, _set_threads = mode, None
    if mode == "auto":
        _resolve()
    _bind()


def policy() -> dict:
    """What is in force: ``{'mode', 'small', 'threads'}`` (threads: BLAS's own count)."""
    if _mode == "auto" and _set_threads is None:
        _resolve()
    return {"mode": _mode, "small": SMALL, "threads": _threads}


def _policy_matmul(a, b):
    """``a @ b`` for 2-D arrays, on one BLAS thread when m·k·n ≤ ``SMALL``."""
    if a.shape[0] * a.shape[1] * b.shape[1] <= SMALL:
        if _set_threads is None:
            _resolve()
            if _set_threads is None:
                return a @ b
        _set_threads(1)
        try:
            return a @ b
        finally:
            _set_threads(_threads)
    return a @ b


#: ``blas.matmul(a, b)``: ``a @ b`` for 2-D operands under the policy in force —
#: ``operator.matmul`` (no Python frame; Tensors too, under create_graph) under "keep",
#: ``_policy_matmul`` under "auto".
matmul = operator.matmul


#: axpy works on chunks of at most this many elements: OpenBLAS runs a longer one on
#: SciPy's own thread pool (not NumPy's), whose spinning threads then take the cores
#: from NumPy's next product (a small-batch epoch ran 80x slower on 2 cores); up to
#: 10,000 elements OpenBLAS stays on the calling thread.
AXPY_CHUNK = 8192

_AXPY: dict = {}  # dtype char -> SciPy's BLAS axpy ("f": saxpy, "d": daxpy), looked up once


def axpy(alpha, x: np.ndarray, y: np.ndarray) -> None:
    """``y += alpha * x`` in place, ``y`` an array and ``alpha`` a number.

    For C-contiguous, native-byte-order float32/float64 arrays of one shape and dtype,
    ``y`` writeable and not overlapping ``x``: BLAS's axpy,
    one pass and one rounding per element (a fused multiply-add where the CPU
    has one), which is how PyTorch's ``y.add_(x, alpha=alpha)`` computes, bit for
    bit; otherwise NumPy's ``y += alpha * x`` (two passes, two roundings).
    """
    fn = _AXPY.get(y.dtype.char) if _AXPY else _load_axpy(y.dtype.char)
    yf = y.flags
    if (fn is not None and type(alpha) is float and x.dtype is y.dtype and x.shape == y.shape
            and yf.c_contiguous and yf.writeable and x.flags.c_contiguous and y.dtype.isnative
            and (x is y or (x.base is None and y.base is None)  # (two owners never overlap)
                 or not np.may_share_memory(x, y))):
        n, flat, xf = y.size, y.ravel(), x.ravel()  # views (contiguous): BLAS writes into y
        if n <= AXPY_CHUNK:  # (positional arguments: SciPy parses them faster)
            if n and fn(xf, flat, n, alpha) is not flat:
                raise RuntimeError("blas.axpy: BLAS returned a copy instead of writing in place")
            return
        for i in range(0, n, AXPY_CHUNK):  # fn(x, y, n, a, offx, incx, offy, incy)
            if fn(xf, flat, min(AXPY_CHUNK, n - i), alpha, i, 1, i, 1) is not flat:
                raise RuntimeError("blas.axpy: BLAS returned a copy instead of writing in place")
        return
    y += alpha * x


def _load_axpy(char: str):
    """Look SciPy's axpy functions up (once); the one for dtype ``char``, or None."""
    try:
        from scipy.linalg import blas as scipy_blas
    except ImportError:  # pragma: no cover - SciPy is a dependency; NumPy's two passes then
        _AXPY["?"] = None
        return None
    _AXPY.update(f=scipy_blas.saxpy, d=scipy_blas.daxpy)
    return _AXPY.get(char)


def _bind() -> None:
    global matmul
    matmul = _policy_matmul if _mode == "auto" else operator.matmul


def _from_env() -> None:
    global _mode
    mode = os.environ.get("TM_BLAS_THREADS", "keep").strip().lower() or "keep"
    if mode not in ("auto", "keep"):
        import warnings

        warnings.warn(f"TM_BLAS_THREADS must be 'auto' or 'keep', got {mode!r}; using 'keep'",
                      RuntimeWarning, stacklevel=2)
        mode = "keep"
    _mode = mode  # "auto" looks BLAS up at the first small product, not at import
    _bind()


_from_env()
