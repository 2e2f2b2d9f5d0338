"""``Tensor``: an ndarray, its gradient, and the op node that made it."""

from __future__ import annotations

from . import autograd
from .backend import DEFAULT_FLOAT, is_float, xp

_ndarray = xp.ndarray
_CONSTS: dict = {}  # (dtype, type, value, text) -> read-only 0-d constant Tensor


class Tensor:
    """An n-dimensional array that records the ops applied to it.

    ``data`` is the ndarray; ``grad`` is a Tensor of the same shape once
    ``backward`` has reached it (leaves only, unless ``retain_grad()``);
    ``_ctx`` is the op node (``Function``) that produced it, None for a leaf.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retains_grad", "name", "__weakref__")
    # NumPy defers to our reflected operators (ndarray + Tensor -> Tensor.__radd__).
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        if isinstance(data, Tensor):
            data = data.data
        if dtype is not None:
            arr = xp.array(data, dtype=dtype)
        elif isinstance(data, _ndarray):
            arr = data.copy()  # like torch.tensor: the tensor owns its memory
        elif isinstance(data, xp.generic):
            arr = xp.array(data)
        else:  # Python numbers and (nested) lists: float32, as for parameters
            arr = xp.array(data)
            if arr.dtype.kind in "iuf":
                arr = arr.astype(DEFAULT_FLOAT)
        if arr.dtype == object:
            raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} data")
        self.data = arr
        self.grad = None
        self._ctx = None
        self._retains_grad = False
        self.name = name
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array, requires_grad: bool = False) -> Tensor:
        """A Tensor around ``array`` without copying (internal fast path)."""
        t = cls.__new__(cls)
        t.data = array if type(array) is _ndarray else xp.asarray(array)
        t.grad = None
        t._ctx = None
        t._retains_grad = False
        t.name = None
        t.requires_grad = requires_grad
        return t

    def _const(self, value) -> Tensor:
        """Wrap an operand that is not a Tensor.

        Python numbers become 0-d constants of this tensor's dtype (as NumPy
        treats them; cached, since ``x * 2`` in a loop would otherwise
        allocate a new constant per op).  Arrays keep their own dtype, so
        mixed dtypes promote as in NumPy.
        """
        if isinstance(value, Tensor):
            return value
        if isinstance(value, _ndarray):
            return Tensor._wrap(value)
        dt = self.data.dtype
        key = (dt, type(value), value, str(value))  # str(): tells -0.0 from 0.0
        const = _CONSTS.get(key)
        if const is None:
            if dt.kind != "f":
                dt = xp.result_type(dt, value)
            const = Tensor._wrap(xp.asarray(value, dtype=dt))
            const.data.flags.writeable = False
            if len(_CONSTS) >= 512:
                _CONSTS.clear()
            _CONSTS[key] = const
        return const

    # ------------------------------------------------------------------ info
    @property
    def shape(self) -> tuple:
        """The array's shape, a tuple of ints."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """Number of elements."""
        return self.data.size

    @property
    def dtype(self):
        """The NumPy dtype of ``data``."""
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op (PyTorch's meaning)."""
        return self._ctx is None

    @property
    def grad_fn(self):
        """The op node that produced this tensor, or None for a leaf."""
        return self._ctx

    def numpy(self):
        """The underlying ndarray (shared, not copied)."""
        return self.data

    def item(self):
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: only a tensor with one element converts to a Python "
                             f"number, this one has shape {self.shape}")
        return self.data.item()

    def tolist(self):
        """``data`` as nested Python lists."""
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = xp.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype not in (xp.float32, xp.int64, xp.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}Backward>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # --------------------------------------------------------------- autograd
    def backward(self, grad=None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``grad`` (same shape as self) is required unless self has one element.
        The graph's saved values are freed unless ``retain_graph``;
        ``create_graph`` records the backward pass for higher-order gradients.
        """
        seed = autograd._seed_grad(self, grad, create_graph, "backward")
        autograd.run_backward([self], [seed], retain_graph or create_graph, create_graph)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory, like PyTorch)."""
        return Tensor._wrap(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and not is_float(self.data.dtype):
            raise TypeError(f"only floating-point tensors can require gradients, this one "
                            f"has dtype {self.data.dtype}")
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor; use detach()")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        self._retains_grad = True
        return self

    # ------------------------------------------------------------- operators
    def __add__(self, o):
        return _ops.Add.apply(self, o if isinstance(o, Tensor) else self._const(o))

    def __radd__(self, o):
        return _ops.Add.apply(self._const(o), self)

    def __sub__(self, o):
        return _ops.Sub.apply(self, o if isinstance(o, Tensor) else self._const(o))

    def __rsub__(self, o):
        return _ops.Sub.apply(self._const(o), self)

    def __mul__(self, o):
        return _ops.Mul.apply(self, o if isinstance(o, Tensor) else self._const(o))

    def __rmul__(self, o):
        return _ops.Mul.apply(self._const(o), self)

    def __truediv__(self, o):
        return _ops.Div.apply(self, o if isinstance(o, Tensor) else self._const(o))

    def __rtruediv__(self, o):
        return _ops.Div.apply(self._const(o), self)

    def __pow__(self, o):
        return _ops.Pow.apply(self, o if isinstance(o, Tensor) else self._const(o))

    def __rpow__(self, o):
        return _ops.Pow.apply(self._const(o), self)

    def __matmul__(self, o):
        return _ops.MatMul.apply(self, o if isinstance(o, Tensor) else self._const(o))

    def __rmatmul__(self, o):
        return _ops.MatMul.apply(self._const(o), self)

    def __neg__(self):
        return _ops.Neg.apply(self)

    def __pos__(self):
        return self

    # Comparisons give boolean tensors that carry no gradient.
    def _compare(self, o, ufunc):
        return Tensor._wrap(ufunc(self.data, o.data if isinstance(o, Tensor) else o))

    def __lt__(self, o):
        return self._compare(o, xp.less)

    def __le__(self, o):
        return self._compare(o, xp.less_equal)

    def __gt__(self, o):
        return self._compare(o, xp.greater)

    def __ge__(self, o):
        return self._compare(o, xp.greater_equal)

    def __eq__(self, o):
        return self._compare(o, xp.equal)

    def __ne__(self, o):
        return self._compare(o, xp.not_equal)

    # ------------------------------------------------------ pointwise methods
    def exp(self):
        """eˣ elementwise; gradient eˣ."""
        return _ops.Exp.apply(self)

    def log(self):
        """Natural log elementwise; gradient 1/x."""
        return _ops.Log.apply(self)

    def sqrt(self):
        """√x elementwise; gradient 1/(2√x)."""
        return _ops.Sqrt.apply(self)

    def abs(self):
        """|x| elementwise; gradient sign(x) (0 at 0)."""
        return _ops.Abs.apply(self)

    def tanh(self):
        """tanh elementwise; gradient 1 − tanh²."""
        return _ops.Tanh.apply(self)

    def sigmoid(self):
        """σ(x) = 1/(1 + e⁻ˣ) elementwise, stable for any x; gradient σ(1 − σ)."""
        return _ops.Sigmoid.apply(self)

    def relu(self):
        """max(x, 0) elementwise; gradient 1 where x > 0, else 0."""
        return _ops.Relu.apply(self)

    def clip(self, min=None, max=None):  # noqa: A002 - NumPy's argument names
        """Clamp into [min, max]; either bound may be None."""
        if min is None and max is None:
            raise ValueError("clip: give at least one of min and max")
        return _ops.Clip.apply(self, lo=min, hi=max)

    def astype(self, dtype) -> Tensor:
        """A copy with another dtype; gradients flow back in this tensor's dtype."""
        if xp.dtype(dtype) == self.data.dtype:
            return self
        return _ops.Cast.apply(self, dtype=xp.dtype(dtype))

    def float(self) -> Tensor:
        """A float32 version (``astype(np.float32)``)."""
        return self.astype(xp.float32)

    def double(self) -> Tensor:
        """A float64 version (``astype(np.float64)``)."""
        return self.astype(xp.float64)

    # ------------------------------------------------------------ reductions
    def sum(self, axis=None, keepdims: bool = False):
        """Sum over ``axis`` (all axes when None), like ``np.sum``."""
        return _ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        """Mean over ``axis`` (all axes when None), like ``np.mean``."""
        return _ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False):
        """Maximum over ``axis``; tied maxima share the gradient."""
        return _ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims: bool = False):
        """Minimum over ``axis``; tied minima share the gradient."""
        return _ops.Min.apply(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, keepdims: bool = False, ddof: int = 0):
        """Variance with NumPy's ``ddof`` (0 by default, as ``np.var``)."""
        from .ops.reduce import normalize_axis

        n = 1
        for a in normalize_axis(axis, self.ndim):
            n *= self.shape[a]
        d = self - self.mean(axis=axis, keepdims=True)
        ss = (d * d).sum(axis=axis, keepdims=keepdims)
        return ss / (n - ddof) if n > ddof else ss * float("nan")  # NumPy: nan when ddof ≥ n

    def std(self, axis=None, keepdims: bool = False, ddof: int = 0):
        """Standard deviation, √var, with NumPy's ``ddof``."""
        return self.var(axis=axis, keepdims=keepdims, ddof=ddof).sqrt()

    def logsumexp(self, axis=None, keepdims: bool = False):
        """log Σ eˣ over ``axis``, computed without overflow."""
        return _ops.LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    def softmax(self, axis: int = -1):
        """eˣ / Σ eˣ along ``axis``, computed without overflow."""
        return _ops.Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = -1):
        """x − logsumexp(x) along ``axis``, computed without overflow."""
        return _ops.LogSoftmax.apply(self, axis=axis)

    # ---------------------------------------------------------- shape methods
    def reshape(self, *shape):
        """The same elements in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``)."""
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _ops.Reshape.apply(self, shape=tuple(shape))

    def transpose(self, *axes):
        """Permute the axes (reverse them when none are given)."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return _ops.Transpose.apply(self, axes=tuple(axes) if axes else None)

    @property
    def T(self):
        """The transpose (axes reversed)."""
        return _ops.Transpose.apply(self, axes=None)

    def swapaxes(self, a: int, b: int):
        """Exchange two axes."""
        return _ops.SwapAxes.apply(self, a=a, b=b)

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        """Merge dims ``start_dim..end_dim`` into one (PyTorch's ``flatten``)."""
        s = self.shape
        if not s:
            return self.reshape(1)
        start, end = start_dim % len(s), end_dim % len(s)
        merged = 1
        for n in s[start:end + 1]:
            merged *= n
        return self.reshape(s[:start] + (merged,) + s[end + 1:])

    def squeeze(self, axis=None):
        """Drop size-1 dims (all of them, or those in ``axis``)."""
        # A zero-strided view gives NumPy's shape rules (and errors) without allocating.
        probe = xp.broadcast_to(xp.empty((), dtype=bool), self.shape)
        return self.reshape(xp.squeeze(probe, axis=axis).shape)

    def unsqueeze(self, axis: int):
        """Insert a size-1 dim at ``axis`` (``np.expand_dims``)."""
        probe = xp.broadcast_to(xp.empty((), dtype=bool), self.shape)
        return self.reshape(xp.expand_dims(probe, axis).shape)

    def broadcast_to(self, shape):
        """A broadcast view of ``shape``; the gradient is summed back."""
        shape = tuple(shape)
        if shape == self.shape:
            return self
        return _ops.BroadcastTo.apply(self, shape=shape)

    expand = broadcast_to

    def __getitem__(self, index):
        """Basic and integer-array indexing; the gradient scatter-adds back."""
        return _ops.GetItem.apply(self, index=_plain_index(index))

    def __setitem__(self, index, value):
        """``t[index] = value``, for tensors outside the graph (or under ``no_grad``).

        Copy-on-write: ``data`` becomes a new array, so op nodes that saved the
        old one still compute gradients from the values they saw in forward.
        """
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError("setitem: in-place assignment to a tensor that requires grad; "
                               "do it under tm.no_grad() or build a new tensor")
        new = self.data.copy()
        new[_plain_index(index)] = value.data if isinstance(value, Tensor) else value
        self.data = new


def _plain_index(index):
    """Replace Tensors inside an index with their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return xp.asarray(index)
    return index


autograd._register_tensor_class(Tensor)

from . import ops as _ops  # noqa: E402  (ops need Tensor defined first)

_ops.bind_methods(Tensor)
