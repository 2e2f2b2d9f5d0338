"""``Tensor``: an ndarray, its gradient, and the op node that made it.

Semantics are PyTorch's (``docs/concepts.md`` lists where NumPy differs):
PyTorch's type promotion in the operators, memory shared by ``detach()``,
views and ``from_numpy``, in-place ops that write into that memory, guarded by
version counters (``_vc``).  Most methods come from the op modules' tables
(``ops/_registry.py``: shape methods in ``ops/views.py``, reductions in
``ops/reduce.py``, in-place ops in ``ops/inplace.py``, dtype/device conversions
in ``ops/convert.py``); this file holds the class, its operators and the
pointwise basics.
"""

from __future__ import annotations

from . import _trace, autograd
from .backend import get_default_dtype, xp
from .device import CPU, device
from .dtypes import as_dtype, result_type, scalar_dtype_for

_ndarray = xp.ndarray
_CONSTS: dict = {}  # (dtype, type, value, text) -> read-only 0-d constant Tensor


class Tensor:
    """An n-dimensional array that records the ops applied to it.

    ``data`` is the ndarray; ``grad`` is a Tensor of the same shape once
    ``backward`` has reached it (leaves only, unless ``retain_grad()``);
    ``_ctx`` is the op node (``Function``) that produced it, None for a leaf;
    ``_vc`` is the version counter, shared with views: None until the memory is
    viewed or changed in place, then the list of the in-place ops' clock ticks.

    ``Tensor(data)``: a copy of ``data``; an ndarray or tensor keeps its dtype,
    Python numbers and lists become the default float dtype (float32), as
    ``torch.Tensor`` does.  ``tm.tensor`` infers int64/bool/float like ``torch.tensor``.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retains_grad", "name", "_vc",
                 "__weakref__")
    # NumPy defers to our reflected operators (ndarray + Tensor -> Tensor.__radd__).
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        if isinstance(data, Tensor):
            data = data.data
        if dtype is not None:
            arr = xp.array(data, dtype=as_dtype(dtype))
        elif isinstance(data, (_ndarray, xp.generic)):
            arr = xp.array(data)  # like torch.tensor: the tensor owns its memory
        else:  # Python numbers and (nested) lists: the default float dtype, as torch.Tensor
            arr = xp.array(data)
            if arr.dtype.kind in "biuf":
                arr = arr.astype(get_default_dtype())
        if arr.dtype == object:
            raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} data")
        self.data = arr
        self.grad = None
        self._ctx = None
        self._retains_grad = False
        self.name = name
        self._vc = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)
        if _trace.ACTIVE is not None:
            _trace.ACTIVE.made(self)

    @classmethod
    def _wrap(cls, array, requires_grad: bool = False) -> Tensor:
        """A Tensor around ``array`` without copying (internal fast path)."""
        t = cls.__new__(cls)
        t.data = array if type(array) is _ndarray else xp.asarray(array)
        t.grad = None
        t._ctx = None
        t._retains_grad = False
        t.name = None
        t._vc = None
        t.requires_grad = requires_grad
        if _trace.ACTIVE is not None:
            _trace.ACTIVE.made(t)
        return t

    def _const(self, value) -> Tensor:
        """Wrap an operand that is not a Tensor.

        A Python number becomes a read-only 0-d constant of this tensor's dtype,
        unless it is of a higher category (an int tensor times 0.5 → the default
        float dtype), as PyTorch promotes; cached, since ``x * 2`` in a loop
        would otherwise allocate a new constant per op.  Arrays keep their dtype.
        """
        tv = type(value)
        if (tv is float or tv is int) and value and value == value:  # the usual case:
            const = _CONSTS.get((self.data.dtype, tv, value))  # a nonzero number, cached
            if const is not None:
                return const
        if isinstance(value, Tensor):
            return value
        if isinstance(value, (_ndarray, xp.generic)):
            return Tensor._wrap(xp.asarray(value))
        dt = self.data.dtype
        if type(value) is complex or value == 0 or value != value:  # -0.0 == 0.0, NaN != NaN:
            # keyed by their text (complex too: 1-0j == 1+0j)
            key = (dt, type(value), str(value))
        else:
            key = (dt, type(value), value)
        const = _CONSTS.get(key)
        if const is None:
            if dt.kind != "f":
                dt = scalar_dtype_for(dt, value)
            try:
                arr = xp.asarray(value, dtype=dt)
            except (TypeError, ValueError, OverflowError):
                raise TypeError(f"unsupported operand: {type(value).__name__} {value!r} "
                                f"with a tensor of dtype {self.data.dtype}") from None
            const = Tensor._wrap(arr)
            const.data.flags.writeable = False
            if len(_CONSTS) >= 512:
                _CONSTS.clear()
            _CONSTS[key] = const
        return const

    # ------------------------------------------------------------------ info
    @property
    def shape(self) -> tuple:
        """The array's shape, a tuple of ints (``size()`` is the same tuple)."""
        return self.data.shape

    def size(self, dim: int | None = None):
        """The shape as a tuple, or the length of dim ``dim`` (PyTorch's ``size()``)."""
        if dim is None:
            return self.data.shape
        from ._args import normalize_dim

        return self.data.shape[normalize_dim(dim, self.data.ndim, "size")] if self.data.ndim else 1

    def numel(self) -> int:
        """Number of elements."""
        return self.data.size

    def dim(self) -> int:
        """Number of dimensions (``ndim``)."""
        return self.data.ndim

    nelement = numel

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self.data.ndim

    @property
    def dtype(self):
        """The dtype of ``data`` (a NumPy dtype; ``x.dtype == tm.float32``)."""
        return self.data.dtype

    @property
    def device(self) -> device:
        """Always ``device(type='cpu')``: NumPy is the backend."""
        return CPU

    is_cuda = False

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op (PyTorch's meaning)."""
        return self._ctx is None or not self.requires_grad

    @property
    def grad_fn(self):
        """The op node that produced this tensor, or None for a leaf."""
        return self._ctx

    @property
    def _version(self) -> int:
        """How many in-place ops changed this tensor's memory (shared with its views)."""
        return len(self._vc) if self._vc else 0

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors."""
        return self.data.dtype.kind == "f"

    def numpy(self):
        """The underlying ndarray (shared, not copied).  Unlike PyTorch, allowed on a
        tensor that requires grad (the array carries no graph anyway)."""
        _trace.refuse("numpy() read a tensor's values")
        return self.data

    def item(self):
        """The single element as a Python number."""
        _trace.refuse("item() read a tensor's value")
        if self.data.size != 1:
            raise RuntimeError(f"item: a Tensor with {self.data.size} elements cannot be "
                               f"converted to Scalar (shape {self.shape})")
        return self.data.item()

    def tolist(self):
        """``data`` as nested Python lists."""
        _trace.refuse("tolist() read a tensor's values")
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        _trace.refuse("np.asarray() read a tensor's values")
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is "
                               f"ambiguous (shape {self.shape})")
        _trace.refuse("bool() read a tensor's value (an if or while on a tensor)")
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted "
                            "to an index")
        _trace.refuse("a tensor was used as an index")
        return int(self.data.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        _trace.refuse("a tensor was printed")
        body = xp.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype not in (get_default_dtype(), xp.int64, xp.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}Backward>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # --------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None, *, grad=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (``torch.Tensor.backward``).

        ``gradient`` (same shape as self; ``grad=`` is an alias) is required
        unless self has one element.  The graph's saved values are freed unless
        ``retain_graph`` (default: ``create_graph``); ``create_graph`` records the
        backward pass for higher-order gradients; ``inputs`` limits which leaves
        accumulate.
        """
        if grad is not None:
            if gradient is not None:
                raise TypeError("backward(): got both gradient= and its alias grad=")
            gradient = grad
        if inputs is not None:
            autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)
            return
        seed = autograd._seed_grad(self, gradient, create_graph, "backward")
        keep = create_graph if retain_graph is None else retain_graph
        autograd.run_backward([self], [seed], keep, create_graph)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a Tensor it
        returns replaces the gradient.  Returns a handle with ``remove()``."""
        return autograd.register_hook(self, hook)

    def detach(self) -> Tensor:
        """The same data, cut from the graph: shares memory and version counter (like PyTorch)."""
        t = Tensor._wrap(self.data)
        if self._vc is None:
            self._vc = []
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph, in place (it becomes a leaf)."""
        self._ctx = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (floating-point leaves only)."""
        if requires_grad and self.data.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, "
                               f"this one has dtype {self.data.dtype}")
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                               "If you want to use a computed variable in a subgraph that "
                               "doesn't require differentiation use var_no_grad = var.detach().")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        self._retains_grad = True
        return self

    # ------------------------------------------------------------- operators
    # Each: wrap a Python number (``_const``), promote mixed dtypes the way
    # PyTorch does (the rare path), apply the op.
    def __add__(self, o):
        o = o if isinstance(o, Tensor) else self._const(o)
        if o.data.dtype is not self.data.dtype:
            return _promoted(_ops.Add, self, o)
        return _ops.Add.apply(self, o)

    def __radd__(self, o):
        o = self._const(o)
        if o.data.dtype is not self.data.dtype:
            return _promoted(_ops.Add, o, self)
        return _ops.Add.apply(o, self)

    def __sub__(self, o):
        o = o if isinstance(o, Tensor) else self._const(o)
        if o.data.dtype is not self.data.dtype:
            return _promoted(_ops.Sub, self, o)
        return _ops.Sub.apply(self, o)

    def __rsub__(self, o):
        o = self._const(o)
        if o.data.dtype is not self.data.dtype:
            return _promoted(_ops.Sub, o, self)
        return _ops.Sub.apply(o, self)

    def __mul__(self, o):
        o = o if isinstance(o, Tensor) else self._const(o)
        if o.data.dtype is not self.data.dtype:
            return _promoted(_ops.Mul, self, o)
        return _ops.Mul.apply(self, o)

    def __rmul__(self, o):
        o = self._const(o)
        if o.data.dtype is not self.data.dtype:
            return _promoted(_ops.Mul, o, self)
        return _ops.Mul.apply(o, self)

    def __truediv__(self, o):
        o = o if isinstance(o, Tensor) else self._const(o)
        if o.data.dtype is not self.data.dtype or self.data.dtype.kind != "f":
            return _promoted(_ops.Div, self, o)
        return _ops.Div.apply(self, o)

    def __rtruediv__(self, o):
        o = self._const(o)
        if o.data.dtype is not self.data.dtype or self.data.dtype.kind != "f":
            return _promoted(_ops.Div, o, self)
        return _ops.Div.apply(o, self)

    def __pow__(self, o):
        o = o if isinstance(o, Tensor) else self._const(o)
        if o.data.dtype is not self.data.dtype:
            return _promoted(_ops.Pow, self, o)
        return _ops.Pow.apply(self, o)

    def __rpow__(self, o):
        o = self._const(o)
        if o.data.dtype is not self.data.dtype:
            return _promoted(_ops.Pow, o, self)
        return _ops.Pow.apply(o, self)

    def __matmul__(self, o):
        o = o if isinstance(o, Tensor) else self._const(o)
        if o.data.dtype is not self.data.dtype:
            return _promoted(_ops.MatMul, self, o)
        return _ops.MatMul.apply(self, o)

    def __rmatmul__(self, o):
        o = self._const(o)
        if o.data.dtype is not self.data.dtype:
            return _promoted(_ops.MatMul, o, self)
        return _ops.MatMul.apply(o, self)

    def __neg__(self):
        if self.data.dtype.kind == "b":
            raise TypeError("Negation, the `-` operator, on a bool tensor is not supported. "
                            "If you are trying to invert a mask, use the `~` or "
                            "`logical_not()` operator instead.")
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
    # Integer inputs compute in the default float dtype, as in PyTorch.
    def exp(self):
        """eˣ elementwise; gradient eˣ."""
        return _ops.Exp.apply(self if self.data.dtype.kind == "f" else _to_float(self))

    def log(self):
        """Natural log elementwise; gradient 1/x."""
        return _ops.Log.apply(self if self.data.dtype.kind == "f" else _to_float(self))

    def sqrt(self):
        """√x elementwise; gradient 1/(2√x)."""
        return _ops.Sqrt.apply(self if self.data.dtype.kind == "f" else _to_float(self))

    def abs(self):
        """|x| elementwise; gradient sign(x) (0 at 0)."""
        return _ops.Abs.apply(self)

    def tanh(self):
        """tanh elementwise; gradient 1 − tanh²."""
        return _ops.Tanh.apply(self if self.data.dtype.kind == "f" else _to_float(self))

    def sigmoid(self):
        """σ(x) = 1/(1 + e⁻ˣ) elementwise, stable for any x; gradient σ(1 − σ)."""
        return _ops.Sigmoid.apply(self if self.data.dtype.kind == "f" else _to_float(self))

    def relu(self):
        """max(x, 0) elementwise; gradient 1 where x > 0, else 0."""
        return _ops.Relu.apply(self)

    def softmax(self, dim: int = -1, dtype=None, *, axis=None):
        """eˣ / Σ eˣ along ``dim`` (``axis=`` alias), computed without overflow."""
        x = self.to(dtype) if dtype is not None else self
        return _ops.Softmax.apply(_float(x), axis=_dim_arg(dim, axis, x.ndim, "softmax"))

    def log_softmax(self, dim: int = -1, dtype=None, *, axis=None):
        """x − logsumexp(x) along ``dim`` (``axis=`` alias), computed without overflow."""
        x = self.to(dtype) if dtype is not None else self
        return _ops.LogSoftmax.apply(_float(x), axis=_dim_arg(dim, axis, x.ndim, "log_softmax"))

    # -------------------------------------------------------------- indexing
    def __getitem__(self, index):
        """Basic, integer-array and boolean indexing, placing dims as PyTorch does;
        the gradient scatter-adds back (see ``ops/indexing.py``)."""
        return _indexing.getitem(self, index)

    def __setitem__(self, index, value):
        """``t[index] = value`` writes into ``t``'s memory (an in-place op: ``ops/inplace.py``)."""
        _indexing.setitem(self, index, value)


def _to_float(t: Tensor) -> Tensor:
    return _ops.Cast.apply(t, dtype=get_default_dtype())


def _float(t: Tensor) -> Tensor:
    return t if t.data.dtype.kind == "f" else _to_float(t)


def _dim_arg(dim, axis, ndim: int, op: str) -> int:
    from ._args import normalize_dim

    d = dim if axis is None else axis
    normalize_dim(d, ndim, op)  # PyTorch's IndexError when out of range
    return d if ndim else -1


def _promoted(op, a: Tensor, b: Tensor) -> Tensor:
    """``op(a, b)`` after casting both to PyTorch's result dtype (the rare, mixed-dtype path)."""
    try:
        rt = result_type(a, b)
    except KeyError:  # strings, objects…: let the op name NumPy's error
        return op.apply(a, b)
    if op is _ops.Div and rt.kind != "f":  # true division of integers
        rt = get_default_dtype()
    if a.data.dtype != rt:
        a = _ops.Cast.apply(a, dtype=rt)
    if b.data.dtype != rt:
        b = _ops.Cast.apply(b, dtype=rt)
    return op.apply(a, b)


autograd._register_tensor_class(Tensor)

from . import ops as _ops  # noqa: E402  (ops need Tensor defined first)
from .ops import indexing as _indexing  # noqa: E402

_ops.bind_methods(Tensor)
