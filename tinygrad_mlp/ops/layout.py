"""Ops that rearrange elements without computing new ones: ``flip``, ``roll``, ``tril``,
``triu``, ``diagonal`` (and its adjoint ``diag_embed``), ``movedim`` and ``pad``.

Each backward moves ``g`` the opposite way with the same ops, so it works on arrays
and, under ``create_graph``, on Tensors.
"""

from __future__ import annotations

from .._args import normalize_dim, normalize_dims
from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._dual import is_tensor
from ._registry import tensor_method, tm_function


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _dims(dims) -> tuple:
    return tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)


# ------------------------------------------------------------------ flip, roll
class Flip(Function):
    """Reverse the order along ``dims``; the gradient is flipped back."""

    def forward(self, x, dims=()):
        self.dims = dims
        return xp.flip(x, dims).copy() if dims else x.copy()

    def backward(self, g, out, x):
        return (Flip.apply(g, dims=self.dims) if is_tensor(g) else xp.flip(g, self.dims),)


@tm_function("flip")
def flip(input: Tensor, dims) -> Tensor:  # noqa: A002
    """Reverse the order of elements along each of ``dims`` (an int or a tuple)."""
    x = _t(input)
    return Flip.apply(x, dims=normalize_dims(_dims(dims), x.ndim, "flip"))


@tensor_method("flip")
def _flip_method(self: Tensor, *dims) -> Tensor:
    """``x.flip(0, 1)`` or ``x.flip((0, 1))``: reverse the order along ``dims``."""
    return flip(self, dims[0] if len(dims) == 1 else dims)


@tensor_method("fliplr")
@tm_function("fliplr")
def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    """Reverse dim 1 (left/right)."""
    return flip(input, 1)


@tensor_method("flipud")
@tm_function("flipud")
def flipud(input: Tensor) -> Tensor:  # noqa: A002
    """Reverse dim 0 (up/down)."""
    return flip(input, 0)


class Roll(Function):
    """Shift elements cyclically by ``shifts`` along ``dims``; the gradient rolls back."""

    def forward(self, x, shifts=(), dims=None):
        self.shifts, self.dims = shifts, dims
        return xp.roll(x, shifts, dims)

    def backward(self, g, out, x):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        if is_tensor(g):
            return (Roll.apply(g, shifts=back, dims=self.dims),)
        return (xp.roll(g, back, self.dims),)


@tensor_method("roll")
@tm_function("roll")
def roll(input: Tensor, shifts, dims=None) -> Tensor:  # noqa: A002
    """Elements shifted by ``shifts`` along ``dims``, wrapping around (flattened when
    ``dims`` is None); ``shifts`` and ``dims`` may be tuples of the same length."""
    x = _t(input)
    if dims is None:
        if isinstance(shifts, (tuple, list)) and len(shifts) != 1:
            raise RuntimeError(f"roll: shifts {shifts} need as many dims, got dims=None")
        s = shifts[0] if isinstance(shifts, (tuple, list)) else shifts
        return Roll.apply(x, shifts=int(s), dims=None)
    ds, ss = _dims(dims), _dims(shifts)
    if len(ds) != len(ss):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(ss)}, "
                           f"dims: {len(ds)}")
    ds = tuple(normalize_dim(d, x.ndim, "roll") for d in ds)
    return Roll.apply(x, shifts=tuple(int(s) for s in ss), dims=ds)


# ------------------------------------------------------------------ triangles
def _tri_mask(shape: tuple, diagonal: int, lower: bool):
    rows, cols = shape[-2], shape[-1]
    return xp.tri(rows, cols, diagonal, dtype=bool) if lower else \
        ~xp.tri(rows, cols, diagonal - 1, dtype=bool)


class Triangle(Function):
    """Keep the lower (``tril``) or upper (``triu``) triangle of the last two dims, zero
    the rest; the gradient is ``g`` masked the same way."""

    def forward(self, x, diagonal=0, lower=True):
        self.mask = _tri_mask(x.shape, diagonal, lower)
        return xp.where(self.mask, x, xp.zeros((), x.dtype))

    def backward(self, g, out, x):
        return (g * self.mask,)


def _triangle(input, diagonal: int, lower: bool, op: str) -> Tensor:
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape "
                           f"{x.shape}")
    return Triangle.apply(x, diagonal=int(diagonal), lower=lower)


@tensor_method("tril")
@tm_function("tril")
def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dims: entries (i, j) with j − i ≤ ``diagonal``."""
    return _triangle(input, diagonal, True, "tril")


@tensor_method("triu")
@tm_function("triu")
def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dims: entries (i, j) with j − i ≥ ``diagonal``."""
    return _triangle(input, diagonal, False, "triu")


# ------------------------------------------------------------------ diagonals
def _diag_index(shape: tuple, offset: int, d1: int, d2: int):
    """Index arrays (rows, cols) of the ``offset`` diagonal in dims d1, d2, and its length."""
    n = max(0, min(shape[d1] + min(offset, 0), shape[d2] - max(offset, 0)))
    k = xp.arange(n)
    return k - min(offset, 0), k + max(offset, 0)


class Diagonal(Function):
    """Entries (i, i + offset) of dims d1, d2, as a new last dim; gradient: ``diag_embed``."""

    def forward(self, x, offset=0, dim1=0, dim2=1):
        self.params = dict(offset=offset, dim1=dim1, dim2=dim2)
        return xp.diagonal(x, offset, dim1, dim2).copy()

    def backward(self, g, out, x):
        return (DiagEmbed.apply(g, shape=x.shape, **self.params) if is_tensor(g) else
                _embed(g, x.shape, **self.params),)


def _embed(g, shape, offset, dim1, dim2):
    z = xp.zeros(shape, dtype=g.dtype)
    rows, cols = _diag_index(shape, offset, dim1, dim2)
    xp.moveaxis(z, (dim1, dim2), (-2, -1))[..., rows, cols] = g
    return z


class DiagEmbed(Function):
    """Zeros of ``shape`` with ``g``'s last dim written on a diagonal (adjoint of Diagonal)."""

    def forward(self, g, shape=(), offset=0, dim1=0, dim2=1):
        self.params = dict(offset=offset, dim1=dim1, dim2=dim2)
        return _embed(g, shape, **self.params)

    def backward(self, g, out, src):
        return (Diagonal.apply(g, **self.params) if is_tensor(g) else
                xp.diagonal(g, self.params["offset"], self.params["dim1"], self.params["dim2"]),)


@tensor_method("diagonal")
@tm_function("diagonal")
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal of dims ``dim1``, ``dim2`` (above it for offset > 0), as the last dim:
    (n, n) → (n,); (b, n, n) with dim1=1, dim2=2 → (b, n)."""
    x = _t(input)
    d1, d2 = normalize_dim(dim1, x.ndim, "diagonal"), normalize_dim(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(x, offset=int(offset), dim1=d1, dim2=d2)


@tensor_method("diag_embed")
@tm_function("diag_embed")
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Matrices whose ``offset`` diagonal (in dims ``dim1``, ``dim2`` of the result) holds
    the last dim of ``input``: (n,) → (n, n)."""
    x = _t(input)
    n = x.shape[-1] + abs(int(offset))
    nd = x.ndim + 1
    d1, d2 = normalize_dim(dim1, nd, "diag_embed"), normalize_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    rest = iter(x.shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(nd))
    return DiagEmbed.apply(x, shape=shape, offset=int(offset), dim1=d1, dim2=d2)


# ------------------------------------------------------------------ movedim
class MoveDim(Function):
    """Move dims ``source`` to positions ``destination``; the gradient moves them back."""

    def forward(self, x, source=(), destination=()):
        self.source, self.destination = source, destination
        return xp.moveaxis(x, source, destination)

    def backward(self, g, out, x):
        s, d = self.destination, self.source
        return (MoveDim.apply(g, source=s, destination=d) if is_tensor(g) else
                xp.moveaxis(g, s, d),)


@tensor_method("movedim", "moveaxis")
@tm_function("movedim", "moveaxis")
def movedim(input: Tensor, source, destination) -> Tensor:  # noqa: A002
    """The dims ``source`` (an int or a tuple) moved to ``destination``, the others in order."""
    x = _t(input)
    src, dst = _dims(source), _dims(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = tuple(normalize_dim(d, x.ndim, "movedim") for d in src)
    dst = tuple(normalize_dim(d, x.ndim, "movedim") for d in dst)
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(ds)})")
    return MoveDim.apply(x, source=src, destination=dst)


# ------------------------------------------------------------------ pad
class ConstantPad(Function):
    """Pad with ``value`` (``widths``: one (before, after) per dim; negative widths crop).
    The gradient of ``pad(w)`` is ``pad(−w)`` with zeros: crop what was added, zero-fill
    what was cropped."""

    def forward(self, x, widths=(), value=0.0):
        self.widths = widths
        return _constant_pad(x, widths, value)

    def backward(self, g, out, x):
        back = tuple((-a, -b) for a, b in self.widths)
        return (ConstantPad.apply(g, widths=back) if is_tensor(g) else
                _constant_pad(g, back, 0.0),)


def _constant_pad(x, widths, value):
    crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(widths, x.shape))
    grow = [(max(a, 0), max(b, 0)) for a, b in widths]
    return xp.pad(x[crop], grow, constant_values=value)


def _pad_index(n: int, before: int, after: int, mode: str):
    """The source index of each output position along one dim, for the index modes."""
    i = xp.arange(-before, n + after)
    if mode == "replicate":
        return xp.clip(i, 0, n - 1)
    if mode == "circular":
        return i % n
    period = 2 * (n - 1) if n > 1 else 1  # reflect: mirror about the edge elements
    i = xp.abs(i) % period
    return xp.where(i >= n, period - i, i)


def pad(input: Tensor, pad: tuple, mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pad the last ``len(pad) // 2`` dims (``torch.nn.functional.pad``).

    ``pad`` is read from the last dim backwards: ``(left, right)`` pads the last dim,
    ``(left, right, top, bottom)`` the last two.  Modes: ``'constant'`` (``value``,
    default 0; negative widths crop; any ndim), and for k = len(pad)/2 ≤ 3 padded dims
    of a (C, *k) or (N, C, *k) input: ``'reflect'`` (mirror, edge not repeated; widths
    < the dim's size), ``'replicate'`` (repeat the edge), ``'circular'`` (wrap around).
    The gradient of the index modes adds up every copy of an element.
    """
    from .index import index_select

    x = _t(input)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(f"pad: padding length must be even and at most twice the number "
                           f"of dims ({x.ndim}), got pad={tuple(pad)} for shape {x.shape}")
    k = len(pad) // 2
    widths = [(0, 0)] * (x.ndim - k) + [(int(pad[2 * j]), int(pad[2 * j + 1]))
                                        for j in reversed(range(k))]
    if mode == "constant":
        return ConstantPad.apply(x, widths=tuple(widths), value=0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: mode {mode!r} is not one of 'constant', 'reflect', "
                                  f"'replicate', 'circular'")
    if value:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    if k > 3 or x.ndim not in (k + 1, k + 2):  # PyTorch pads k dims of (N, C, *k) or (C, *k)
        raise NotImplementedError(f"pad: padding size {len(pad)} is not supported for "
                                  f"{x.ndim}D input tensor in mode {mode!r}; pad (left, right) "
                                  f"needs 2-D or 3-D input, 4 values 3-D or 4-D, 6 values 4-D "
                                  f"or 5-D")
    for d, (a, b) in enumerate(widths):
        if a == b == 0:
            continue
        n = x.shape[d]
        if min(a, b) < 0 or (mode == "reflect" and max(a, b) >= n) or \
                (mode == "circular" and max(a, b) > n) or n == 0:
            raise RuntimeError(f"pad: {mode} padding ({a}, {b}) is invalid for dim {d} of "
                               f"size {n} (input shape {x.shape}); reflect needs widths < "
                               f"the size, circular widths ≤ it")
        x = index_select(x, d, Tensor._wrap(_pad_index(n, a, b, mode)))
    return x
