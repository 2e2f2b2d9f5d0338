"""Ways to make tensors, at PyTorch's names and signatures: from data, filled, ranges,
and random (from ``generator=`` or the default generator that ``tm.manual_seed`` seeds).

Sizes are given as ``zeros(2, 3)`` or ``zeros((2, 3))``.  Without ``dtype=``, floats
get the default float dtype (float32), integer ranges and indices int64 and
``full`` the dtype of its fill value, as in PyTorch.  ``device`` may be None or
``'cpu'``; ``requires_grad=True`` makes a leaf that requires grad.
"""

from __future__ import annotations

import math
import numbers

from . import backend
from .backend import get_default_dtype, xp
from .device import check_device
from .rng import numpy_rng
from .tensor import Tensor

__all__ = [
    "arange", "bernoulli", "empty", "empty_like", "eye", "from_numpy", "full", "full_like",
    "linspace", "logspace", "multinomial", "normal", "ones", "ones_like", "rand", "rand_like",
    "randint", "randint_like", "randn", "randn_like", "randperm", "tensor", "zeros",
    "zeros_like",
]


def tensor(data, requires_grad: bool = False, dtype=None, name: str | None = None, *,
           device=None) -> Tensor:
    """A new Tensor holding a copy of ``data``, with ``torch.tensor``'s dtype inference:
    Python ints → int64, floats → the default float dtype (float32), bools → bool;
    an ndarray or Tensor keeps its dtype.  ``name`` labels it in graph drawings."""
    if device is not None:
        check_device(device, "tensor")
    if dtype is None and not isinstance(data, (Tensor, xp.ndarray, xp.generic)):
        arr = xp.array(data)
        if arr.dtype.kind == "f":
            dtype = get_default_dtype()
        elif arr.dtype.kind in "iu":
            dtype = xp.int64
        data = arr
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def from_numpy(array) -> Tensor:
    """A Tensor sharing memory with the ndarray ``array`` (``torch.from_numpy``): a change
    through either is seen by the other."""
    if isinstance(array, xp.generic):  # a NumPy scalar: a 0-d tensor (nothing to share)
        return Tensor._wrap(xp.asarray(array))
    if not isinstance(array, xp.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    return Tensor._wrap(array)


# ------------------------------------------------------------------ helpers
def _default_float():
    return xp.dtype(backend.DEFAULT_FLOAT)  # read at call time: set_default_dtype may change it


def _dtype(dtype, default):
    return default if dtype is None else xp.dtype(dtype)


def _float_dtype(dtype, op: str):
    dt = _dtype(dtype, _default_float())
    if dt.kind != "f":  # PyTorch's type (a RuntimeError subclass)
        raise NotImplementedError(f"{op}: needs a floating-point dtype, got {dt}")
    return dt


def _check_device(device, op: str) -> None:
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"{op}: device {str(device)!r} is not available: tinygrad_mlp "
                           f"computes with NumPy on the CPU and has no GPU backend; "
                           f"use device='cpu'")


def _size(size: tuple, op: str) -> tuple:
    """``(2, 3)`` from ``zeros(2, 3)`` or ``zeros((2, 3))``, with PyTorch's errors."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for n in size:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{op}(): size must be a tuple of ints, but got an element of "
                            f"type {type(n).__name__} ({n!r}) in {size!r}")
        out.append(int(n))
    if any(n < 0 for n in out):
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension "
                           f"{min(out)}: {list(out)}")
    return tuple(out)


def _make(arr, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(arr)
    return t.requires_grad_(True) if requires_grad else t


def _scalar_dtype(value):
    """The dtype PyTorch gives a Python scalar: bool, int64 or the default float."""
    if isinstance(value, (bool, xp.bool_)):
        return xp.dtype(bool)
    if isinstance(value, numbers.Integral):
        return xp.dtype(xp.int64)
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        return xp.dtype(xp.complex64)
    return _default_float()


def _number(x, op: str, what: str):
    if isinstance(x, Tensor):
        if x.data.size != 1:
            raise RuntimeError(f"{op}: {what} must be a number or a one-element tensor, "
                               f"got shape {x.shape}")
        return x.data.item()
    return x


# ------------------------------------------------------------------ filled
def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    _check_device(device, "zeros")
    return _make(xp.zeros(_size(size, "zeros"), _dtype(dtype, _default_float())), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    _check_device(device, "ones")
    return _make(xp.ones(_size(size, "ones"), _dtype(dtype, _default_float())), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (its values are whatever the memory held)."""
    _check_device(device, "empty")
    return _make(xp.empty(_size(size, "empty"), _dtype(dtype, _default_float())), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value
    (bool, int64, or the default float) unless given."""
    _check_device(device, "full")
    fill_value = _number(fill_value, "full", "fill_value")
    dt = _dtype(dtype, _scalar_dtype(fill_value))
    return _make(xp.full(_size((size,), "full"), fill_value, dtype=dt), requires_grad)


def _like(t, dtype, op: str):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(t).__name__}")
    return t.shape, _dtype(dtype, t.dtype)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Zeros with the shape (and, unless given, the dtype) of ``input``."""
    _check_device(device, "zeros_like")
    return _make(xp.zeros(*_like(input, dtype, "zeros_like")), requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Ones with the shape (and, unless given, the dtype) of ``input``."""
    _check_device(device, "ones_like")
    return _make(xp.ones(*_like(input, dtype, "ones_like")), requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """An uninitialised tensor with the shape (and dtype) of ``input``."""
    _check_device(device, "empty_like")
    return _make(xp.empty(*_like(input, dtype, "empty_like")), requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with the shape (and, unless given, the dtype) of ``input``."""
    _check_device(device, "full_like")
    shape, dt = _like(input, dtype, "full_like")
    return _make(xp.full(shape, _number(fill_value, "full_like", "fill_value"), dtype=dt),
                 requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix (m = n by default): ones on the diagonal."""
    _check_device(device, "eye")
    for name, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Integral)):
            raise TypeError(f"eye(): argument '{name}' must be an int, not {type(v).__name__}")
        if v is not None and v < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {v}")
    return _make(xp.eye(n, n if m is None else m, dtype=_dtype(dtype, _default_float())),
                 requires_grad)


# ------------------------------------------------------------------ ranges
def arange(start=0, end=None, step=1, *, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values ``start, start + step, …`` below ``end`` (``arange(5)``, ``arange(1, 2, 0.25)``).

    int64 when start, end and step are all integers, else the default float dtype.
    Element i is ``start + i·step``; there are ⌈(end − start) / step⌉ of them.
    """
    _check_device(device, "arange")
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange", n) for v, n in
                        ((start, "start"), (end, "end"), (step, "step")))
    for v in (start, end, step):
        if not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise RuntimeError(f"arange: start, end and step must be finite numbers, got "
                               f"start={start!r}, end={end!r}, step={step!r}")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dt = _dtype(dtype, xp.dtype(xp.int64) if ints else _default_float())
    n = max(0, math.ceil((end - start) / step))
    if ints and dt.kind in "iu":
        data = xp.arange(start, start + n * step, step, dtype=dt)
    else:
        data = (start + step * xp.arange(n, dtype=xp.float64)).astype(dt)
    return _make(data, requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    _check_device(device, "linspace")
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"linspace(): argument 'steps' must be an int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    start, end = _number(start, "linspace", "start"), _number(end, "linspace", "end")
    data = xp.linspace(start, end, int(steps), dtype=xp.float64)
    return _make(data.astype(_dtype(dtype, _default_float())), requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``: values spaced evenly on a log scale."""
    exps = linspace(start, end, steps, dtype=xp.float64, device=device).data
    return _make((float(base) ** exps).astype(_dtype(dtype, _default_float())), requires_grad)


# ------------------------------------------------------------------ random
def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples of U[0, 1): ``rand(2, 3)`` or ``rand((2, 3))``."""
    _check_device(device, "rand")
    dt = _float_dtype(dtype, "rand")
    return _make(numpy_rng(generator, "rand").random(_size(size, "rand")).astype(dt),
                 requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples of the standard normal N(0, 1): ``randn(2, 3)`` or ``randn((2, 3))``."""
    _check_device(device, "randn")
    dt = _float_dtype(dtype, "randn")
    rng = numpy_rng(generator, "randn")
    return _make(rng.standard_normal(_size(size, "randn")).astype(dt), requires_grad)


def rand_like(input: Tensor, *, generator=None, dtype=None, device=None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    """U[0, 1) samples with the shape (and float dtype) of ``input``."""
    shape, dt = _like(input, dtype, "rand_like")
    return rand(shape, generator=generator, dtype=dt, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator=None, dtype=None, device=None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    """N(0, 1) samples with the shape (and float dtype) of ``input``."""
    shape, dt = _like(input, dtype, "randn_like")
    return randn(shape, generator=generator, dtype=dt, device=device, requires_grad=requires_grad)


def randint(*args, size=None, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (int64 unless ``dtype`` says otherwise)."""
    _check_device(device, "randint")
    if size is None and args and isinstance(args[-1], (tuple, list)):
        args, size = args[:-1], args[-1]
    if size is None or len(args) not in (1, 2):
        raise TypeError("randint(): expected randint(high, size) or randint(low, high, size), "
                        f"got {len(args)} numbers and size={size!r}")
    low, high = (0, args[0]) if len(args) == 1 else args
    if high <= low:
        raise RuntimeError(f"randint: random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    data = numpy_rng(generator, "randint").integers(low, high, _size((size,), "randint"))
    return _make(data.astype(_dtype(dtype, xp.dtype(xp.int64))), requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator=None,  # noqa: A002
                 dtype=None, device=None) -> Tensor:
    """``randint`` with the shape (and dtype) of ``input``; ``randint_like(x, high)`` too."""
    if high is None:
        low, high = 0, low
    shape, dt = _like(input, dtype, "randint_like")
    return randint(low, high, shape, generator=generator, dtype=dt, device=device)


def randperm(n: int, *, generator=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 … n−1`` (int64)."""
    _check_device(device, "randperm")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"randperm(): argument 'n' must be an int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    data = numpy_rng(generator, "randperm").permutation(int(n))
    return _make(data.astype(_dtype(dtype, xp.dtype(xp.int64))), requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std²): ``normal(mean_tensor, std_tensor)`` (elementwise, broadcast),
    ``normal(mean_tensor, 1.0)``, ``normal(0.0, std_tensor)`` or ``normal(0.0, 1.0, size)``."""
    _check_device(device, "normal")
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    m = mean.data if isinstance(mean, Tensor) else mean
    s = std.data if isinstance(std, Tensor) else std
    if tensors:
        if size is not None:
            raise RuntimeError("normal: give size only when mean and std are numbers")
        shape = xp.broadcast_shapes(*[t.shape for t in tensors])
        dt = _float_dtype(dtype if dtype is not None else
                          xp.result_type(*[t.dtype for t in tensors]), "normal")
    else:
        if size is None:
            raise TypeError("normal(): with a number mean and std, give size (a tuple of ints)")
        shape, dt = _size((size,), "normal"), _float_dtype(dtype, "normal")
    if xp.any(xp.asarray(s) < 0):
        raise RuntimeError(f"normal: expects std >= 0.0, but found std {xp.min(s)}")
    z = numpy_rng(generator, "normal").standard_normal(shape)
    return _make((m + s * z).astype(dt), requires_grad)


def bernoulli(input: Tensor, p: float | None = None, *, generator=None) -> Tensor:  # noqa: A002
    """1 with probability ``input`` (or ``p``, for every element), else 0; ``input``'s dtype."""
    prob = input.data if p is None else xp.full(input.shape, p)
    if xp.any((prob < 0) | (prob > 1)) or xp.any(xp.isnan(prob)):
        raise RuntimeError("bernoulli: expects 0 <= p <= 1 for every probability")
    u = numpy_rng(generator, "bernoulli").random(input.shape)
    return Tensor._wrap((u < prob).astype(input.dtype))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator=None) -> Tensor:
    """``num_samples`` category indices per row of non-negative weights ``input`` ((C,) or
    (N, C); need not sum to 1), with or without replacement; int64 of shape (…, num_samples)."""
    w = xp.asarray(input.data, dtype=xp.float64)
    if w.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {input.shape}")
    if not xp.all(xp.isfinite(w)) or xp.any(w < 0):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` "
                           "or element < 0")
    rows = w.reshape(-1, w.shape[-1])
    if xp.any(rows.sum(axis=1) <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    if not replacement and num_samples > (rows > 0).sum(axis=1).min():
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement (n_sample={num_samples}, "
                           f"categories={w.shape[-1]} with non-zero weight)")
    rng = numpy_rng(generator, "multinomial")
    out = xp.stack([rng.choice(rows.shape[1], size=num_samples, replace=replacement,
                               p=r / r.sum()) for r in rows])
    return Tensor._wrap(out.reshape(w.shape[:-1] + (num_samples,)).astype(xp.int64))
