"""``einsum``: sums of products named by subscripts, e.g. ``einsum('bi,oi->bo', x, w)``
(x @ w.T), ``'bi,bj->ij'`` (a batch of outer products), ``'bij,bjk->bik'``, ``'...i,i->...'``.

The gradient with respect to one operand is again an einsum: of the output gradient
with the other operands, onto that operand's subscripts.  For ``'bi,oi->bo'``:
``dx = einsum('bo,oi->bi', g, w)`` and ``dw = einsum('bo,bi->oi', g, x)``.  Letters
an operand repeats (``'ii->i'``) get a second name and an identity-matrix factor;
letters only that operand has (summed away) are broadcast back.  Because the gradient
is itself an einsum of Tensors under ``create_graph``, second derivatives come free.
"""

from __future__ import annotations

import string

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._dual import broadcast_to, is_tensor
from ._registry import tm_function

_LETTERS = set(string.ascii_letters)


def parse(equation: str, shapes: list) -> tuple:
    """``(input subscripts, output subscripts)`` with ``...`` replaced by letters that the
    equation does not use (aligned from the right, as broadcasting aligns dims)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise RuntimeError(f"einsum(): {len(ins)} operand subscripts in {equation!r} for "
                         f"{len(shapes)} operands")
    used = set(eq) & _LETTERS
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = max([len(s) - len(sub.replace("...", "")) for sub, s in zip(ins, shapes)
                 if "..." in sub] or [0])
    ell = "".join(spare[:n_ell])
    out_ins = []
    for sub, shape in zip(ins, shapes):
        bad = set(sub.replace("...", "")) - _LETTERS
        if bad or sub.count("...") > 1:
            raise RuntimeError(f"einsum(): invalid subscript {sub!r} in {equation!r}: use "
                             f"letters a-z, A-Z and at most one '...'")
        if "..." in sub:
            k = len(shape) - (len(sub) - 3)
            if k < 0:
                raise RuntimeError(f"einsum(): subscript {sub!r} has more letters than the "
                                 f"operand has dims {shape}")
            sub = sub.replace("...", ell[n_ell - k:])
        if len(sub) != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in {sub!r} ({len(sub)}) "
                             f"must equal the number of dims of the operand {shape}")
        out_ins.append(sub)
    if arrow:
        out = rhs.replace("...", ell)
        if set(out) - set("".join(out_ins)) or len(set(out)) != len(out):
            raise RuntimeError(f"einsum(): output subscripts {rhs!r} of {equation!r} must each "
                             f"appear in an input, once")
    else:  # implicit output: the ellipsis dims, then the letters used once, sorted
        counts = {c: "".join(ins).count(c) for c in used}
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1))
    return out_ins, out


def _sizes(subs: list, shapes: list, equation: str) -> dict:
    size: dict = {}
    for sub, shape in zip(subs, shapes):
        for c, n in zip(sub, shape):  # size-1 dims broadcast, as in PyTorch
            m = size.setdefault(c, n)
            if m != n and 1 not in (m, n):
                raise RuntimeError(f"einsum(): subscript {c!r} has size {n} in one operand and "
                                 f"{m} in another ({equation!r}, shapes {shapes})")
            size[c] = max(m, n)
    return size


def _run(subs: list, out: str, operands: list):
    if any(is_tensor(o) for o in operands):
        ts = [o if is_tensor(o) else Tensor._wrap(o) for o in operands]
        return Einsum.apply(*ts, subs=tuple(subs), out=out)
    return _einsum_arrays(",".join(subs) + "->" + out, operands)


def _einsum_arrays(spec: str, arrays):
    """``np.einsum``; with NumPy's path optimiser (BLAS for contractions) when the operands
    are big enough to repay its ~10 µs, or more than two (8x faster for a 64x784 layer)."""
    big = len(arrays) > 2 or sum(a.size for a in arrays) > 4096
    return xp.einsum(spec, *arrays, optimize="greedy" if big else False)


class Einsum(Function):
    """Forward: ``np.einsum``.  Backward for operand k: einsum of ``g`` (output subscripts)
    and the other operands onto operand k's subscripts."""

    def forward(self, *arrays, subs=(), out=""):
        self.subs, self.out = subs, out
        return _einsum_arrays(",".join(subs) + "->" + out, arrays)

    def backward(self, g, out, *inputs):
        size = _sizes(list(self.subs), [x.shape for x in inputs], "einsum")
        grads = []
        for k in range(len(inputs)):
            if not self.needs_grad(k):
                grads.append(None)
                continue
            grads.append(_operand_grad(k, g, self.out, list(self.subs), list(inputs), size))
        return tuple(grads)


def _operand_grad(k: int, g, out: str, subs: list, inputs: list, size: dict):
    """d(sum of g · einsum)/d(operand k), of operand k's shape (up to size-1 dims the
    engine sums back)."""
    target = subs[k]
    # Each dim of the other operands at its full size: broadcast size-1 dims.
    others, other_subs = [], []
    for j, (s, x) in enumerate(zip(subs, inputs)):
        if j == k:
            continue
        full = tuple(size[c] for c in s)
        others.append(x if x.shape == full else broadcast_to(x, full))
        other_subs.append(s)
    # A letter repeated in operand k (a diagonal): name each repeat anew, tie them by eye.
    seen, renamed, eyes, eye_subs = set(), "", [], []
    spare = iter(c for c in string.ascii_letters if c not in "".join(subs) + out)
    size = dict(size)
    for c in target:
        if c in seen:
            r = next(spare)
            size[r] = size[c]
            renamed += r
            eyes.append(xp.eye(size[c], dtype=g.dtype))
            eye_subs.append(c + r)
        else:
            seen.add(c)
            renamed += c
    available = set(out).union(*other_subs, *eye_subs)
    present = "".join(c for c in renamed if c in available)
    gk = _run([out, *other_subs, *eye_subs], present, [g, *others, *eyes])
    if present != renamed:  # letters summed inside operand k alone: broadcast back
        shape = tuple(size[c] if c in available else 1 for c in renamed)
        gk = broadcast_to(gk.reshape(shape), tuple(size.get(c, 1) for c in target))
    return gk


@tm_function("einsum")
def einsum(equation: str, *operands) -> Tensor:
    """Sum of products over the letters that ``equation`` drops: ``einsum('ij,jk->ik', a, b)``
    is ``a @ b``; without ``->`` the output is the letters used once, sorted.  Operands may
    also be given as one list (``einsum(eq, [a, b])``)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = [o if isinstance(o, Tensor) else Tensor(o) for o in operands]
    if not ts:
        raise RuntimeError("einsum(): must provide at least one operand")
    subs, out = parse(equation, [t.shape for t in ts])
    _sizes(subs, [t.shape for t in ts], equation)
    return Einsum.apply(*ts, subs=tuple(subs), out=out)
