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
axpy instead of NumPy's two (``alpha * x`` into a temporary, then the sum),
rounded once, as PyTorch's ``y.add_(x, alpha=alpha)`` rounds; ``axpby(alpha,
x, beta, y)`` is ``y ← alpha·x + beta·y`` in one pass (Adam's moving averages).
Short vectors go to SciPy's BLAS wrappers (the cheapest call); long ones to
NumPy's own OpenBLAS through ``ctypes`` (see ``_load_native``), so they run on the
thread pool that NumPy's matrix products use.
"""

from __future__ import annotations

import ctypes
import operator
import os
from pathlib import Path

import numpy as np

__all__ = ["SMALL", "axpby", "axpy", "matmul", "policy", "set_policy"]

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


#: Vectors up to this long go to SciPy's axpy (0.5 µs a call, where a ctypes call costs
#: 2); longer ones to NumPy's own BLAS when it is found, else to SciPy's in chunks of
#: this length: OpenBLAS runs a longer axpy on SciPy's own thread pool (not NumPy's),
#: whose spinning threads then take the cores from NumPy's next product (a small-batch
#: epoch ran 80x slower on 2 cores); up to 10,000 elements it stays on the calling thread.
AXPY_CHUNK = 8192

_AXPY: dict = {}  # dtype char -> SciPy's BLAS axpy ("f": saxpy, "d": daxpy), looked up once


def _blas_ready(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether BLAS may update ``y`` from ``x`` in place: C-contiguous float32/float64
    arrays of one shape and native byte order, ``y`` writeable, the two not overlapping."""
    yf = y.flags
    return (y.dtype.char in "fd" and x.dtype is y.dtype and x.shape == y.shape
            and yf.c_contiguous and yf.writeable and x.flags.c_contiguous and y.dtype.isnative
            and (x is y or (x.base is None and y.base is None)  # (two owners never overlap)
                 or not np.may_share_memory(x, y)))


def axpy(alpha, x: np.ndarray, y: np.ndarray) -> None:
    """``y += alpha * x`` in place, ``y`` an array and ``alpha`` a number.

    For C-contiguous, native-byte-order float32/float64 arrays of one shape and dtype,
    ``y`` writeable and not overlapping ``x``: BLAS's axpy,
    one pass and one rounding per element (a fused multiply-add where the CPU
    has one), which is how PyTorch's ``y.add_(x, alpha=alpha)`` computes, bit for
    bit; otherwise NumPy's ``y += alpha * x`` (two passes, two roundings).
    """
    fn = _AXPY.get(y.dtype.char) if _AXPY else _load_axpy(y.dtype.char)
    if fn is not None and type(alpha) is float and _blas_ready(x, y):
        n = y.size
        if n <= AXPY_CHUNK:  # (positional arguments: SciPy parses them faster)
            flat = y.ravel()  # a view (contiguous): BLAS writes into y
            if n and fn(x.ravel(), flat, n, alpha) is not flat:
                raise RuntimeError("blas.axpy: BLAS returned a copy instead of writing in place")
            return
        native = (_NATIVE if _NATIVE is not None else _load_native()).get(y.dtype.char)
        if native is not None:  # cblas_?axpy(n, alpha, x, incx, y, incy)
            native[0](n, alpha, x.ctypes.data, 1, y.ctypes.data, 1)
            return
        flat, xf = y.ravel(), x.ravel()
        for i in range(0, n, AXPY_CHUNK):  # fn(x, y, n, a, offx, incx, offy, incy)
            if fn(xf, flat, min(AXPY_CHUNK, n - i), alpha, i, 1, i, 1) is not flat:
                raise RuntimeError("blas.axpy: BLAS returned a copy instead of writing in place")
        return
    y += alpha * x


def axpby(alpha, x: np.ndarray, beta, y: np.ndarray) -> None:
    """``y ← alpha·x + beta·y`` in place: one pass of BLAS's axpby for arrays longer
    than ``AXPY_CHUNK`` that BLAS may update (see ``axpy``) when NumPy's own OpenBLAS is
    found; otherwise NumPy's three passes (``alpha * x`` first: ``x`` may be ``y``)."""
    if type(alpha) is float and type(beta) is float and y.size > AXPY_CHUNK \
            and _blas_ready(x, y):
        native = (_NATIVE if _NATIVE is not None else _load_native()).get(y.dtype.char)
        if native is not None:  # cblas_?axpby(n, alpha, x, incx, beta, y, incy)
            native[1](y.size, alpha, x.ctypes.data, 1, beta, y.ctypes.data, 1)
            return
    ax = alpha * x
    y *= beta
    y += ax


# ------------------------------------------------------------ NumPy's own OpenBLAS
#: dtype char -> (cblas_?axpy, cblas_?axpby) of the OpenBLAS inside NumPy's wheel, called
#: through ctypes; {} where there is none (another BLAS, an unknown build); None: not
#: looked up yet.  TM_NATIVE_BLAS=0 turns it off.
_NATIVE: dict | None = None

#: The symbol names NumPy's wheels give them: NumPy 2 ("scipy_" prefix) and 1.2x; both
#: builds use 64-bit integers (the "64_" suffix), so n and the strides are int64.
_NATIVE_NAMES = ("scipy_cblas_{}64_", "cblas_{}64_")


def _numpy_openblas_files() -> list:
    """The OpenBLAS libraries shipped inside NumPy's wheel (Linux, macOS, Windows)."""
    here = Path(np.__file__).resolve().parent
    found = []
    for folder in (here.parent / "numpy.libs", here / ".libs", here / ".dylibs"):
        if folder.is_dir():
            found += sorted(f for f in folder.iterdir() if "openblas" in f.name.lower())
    return found


def _load_native() -> dict:
    global _NATIVE
    _NATIVE = {}
    if os.environ.get("TM_NATIVE_BLAS", "1").strip() == "0":
        return _NATIVE
    for path in _numpy_openblas_files():
        try:
            lib = ctypes.CDLL(str(path))
        except OSError:
            continue
        for pattern in _NATIVE_NAMES:
            fns = {}
            for char, letter, real in (("f", "s", ctypes.c_float), ("d", "d", ctypes.c_double)):
                try:
                    ax, axb = (getattr(lib, pattern.format(letter + op))
                               for op in ("axpy", "axpby"))
                except AttributeError:
                    break
                i64, ptr = ctypes.c_int64, ctypes.c_void_p
                ax.argtypes = [i64, real, ptr, i64, ptr, i64]
                axb.argtypes = [i64, real, ptr, i64, real, ptr, i64]
                ax.restype = axb.restype = None
                fns[char] = (ax, axb)
            if len(fns) == 2 and _native_works(fns):
                _NATIVE = fns
                return _NATIVE
    return _NATIVE


def _native_works(fns: dict) -> bool:
    """A small sum with an exact answer, through each function found."""
    for char, (ax, axb) in fns.items():
        x, y = np.arange(1.0, 5.0, dtype=char), np.ones(4, dtype=char)
        ax(4, 2.0, x.ctypes.data, 1, y.ctypes.data, 1)  # y = 2x + 1
        axb(4, 1.0, x.ctypes.data, 1, 3.0, y.ctypes.data, 1)  # y = x + 3(2x + 1)
        if not np.array_equal(y, 7 * x + 3):
            return False
    return True


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
