"""Second derivatives: closed forms, a Hessian-vector product against finite
differences of gradients, ``gradgradcheck`` on ops, and the checkers catching
deliberately wrong custom ``Function``s."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor

POINTS = np.array([-2.5, -1.0, -0.3, 0.0, 0.4, 1.7, 3.0])


def _leaf(values) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def _second_derivative_backward(fn, values) -> np.ndarray:
    """f''(x) elementwise via backward(create_graph=True) then backward again."""
    x = _leaf(values)
    fn(x).sum().backward(create_graph=True)
    first = x.grad
    assert first.requires_grad  # the backward pass was recorded
    x.grad = None
    first.sum().backward()
    return x.grad.numpy()


def _second_derivative_grad(fn, values) -> np.ndarray:
    """f''(x) elementwise via tm.grad twice (nothing accumulated into .grad)."""
    x = _leaf(values)
    (g,) = tm.grad(fn(x).sum(), x, create_graph=True)
    (h,) = tm.grad(g.sum(), x)
    assert x.grad is None
    return h.numpy()


def _sig(v):
    return 1 / (1 + np.exp(-v))


CLOSED_FORMS = {
    "cube_pow": (lambda x: x**3, lambda v: 6 * v),
    "cube_mul": (lambda x: x * x * x, lambda v: 6 * v),
    "tanh": (lambda x: x.tanh(), lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)),
    "sigmoid": (lambda x: x.sigmoid(),
                lambda v: _sig(v) * (1 - _sig(v)) * (1 - 2 * _sig(v))),
    "exp": (lambda x: x.exp(), np.exp),
    "reciprocal": (lambda x: 1.0 / (x * x + 1.0),
                   lambda v: (6 * v**2 - 2) / (v**2 + 1) ** 3),
}


@pytest.mark.parametrize("how", [_second_derivative_backward, _second_derivative_grad])
@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_second_derivative_closed_forms(name, how):
    fn, d2 = CLOSED_FORMS[name]
    np.testing.assert_allclose(how(fn, POINTS), d2(POINTS), rtol=1e-12, atol=1e-12)


def test_softmax_hessian_closed_form():
    """∂²sᵢ/∂xⱼ∂xₖ = sᵢ[(δᵢₖ − sₖ)(δᵢⱼ − sⱼ) − sⱼ(δⱼₖ − sₖ)]."""
    xv = np.array([0.3, -1.2, 2.0, 0.5])
    n = xv.size
    s = np.exp(xv - xv.max())
    s /= s.sum()
    eye = np.eye(n)
    x = _leaf(xv)
    soft = x.softmax()
    for i in range(n):
        (g,) = tm.grad(soft[i], x, create_graph=True)
        np.testing.assert_allclose(g.numpy(), s[i] * (eye[i] - s), atol=1e-14)
        hess = np.stack([tm.grad(g[j], x, retain_graph=True)[0].numpy() for j in range(n)])
        want = s[i] * (np.outer(eye[i] - s, eye[i] - s).T
                       - s[:, None] * (eye - s[None, :]))
        # want[j, k] = sᵢ[(δᵢₖ − sₖ)(δᵢⱼ − sⱼ) − sⱼ(δⱼₖ − sₖ)]
        np.testing.assert_allclose(hess, want, atol=1e-13)
        np.testing.assert_allclose(hess, hess.T, atol=1e-13)


def test_weighted_softmax_hessian():
    """H of f(x) = Σ wᵢ softmax(x)ᵢ is Σᵢ wᵢ Hⁱ; checked through a Hessian-vector product."""
    xv, w, v = np.array([1.0, -0.5, 0.2]), np.array([2.0, -1.0, 0.5]), np.array([0.3, 1.0, -2.0])
    s = np.exp(xv) / np.exp(xv).sum()
    eye = np.eye(3)
    full = sum(w[i] * s[i] * (np.outer(eye[i] - s, eye[i] - s) - s[:, None] * (eye - s))
               for i in range(3))
    x = _leaf(xv)
    (g,) = tm.grad((x.softmax() * Tensor(w)).sum(), x, create_graph=True)
    (hv,) = tm.grad((g * Tensor(v)).sum(), x)
    np.testing.assert_allclose(hv.numpy(), full @ v, atol=1e-13)


# ------------------------------------------------ Hessian-vector product of an MLP loss
def _mlp_problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    shapes = [(5, 3), (5,), (4, 5), (4,)]
    params = [rng.standard_normal(s) * 0.7 for s in shapes]
    x = rng.standard_normal((6, 3))
    labels = rng.integers(0, 4, size=6)
    return params, x, labels


def _mlp_loss(params, x, labels, act: str):
    w1, b1, w2, b2 = params
    h = getattr(F.linear(Tensor(x), w1, b1), act)()
    return F.cross_entropy(F.linear(h, w2, b2), labels)


def _mlp_grad(values, x, labels, act):
    ps = [_leaf(v) for v in values]
    return [g.numpy() for g in tm.grad(_mlp_loss(ps, x, labels, act), ps)]


@pytest.mark.parametrize("act", ["tanh", "sigmoid"])
def test_mlp_hessian_vector_product_vs_finite_differences(act):
    values, x, labels = _mlp_problem()
    rng = np.random.default_rng(1)
    v = [rng.standard_normal(p.shape) for p in values]
    ps = [_leaf(p) for p in values]
    grads = tm.grad(_mlp_loss(ps, x, labels, act), ps, create_graph=True)
    gv = sum((g * Tensor(vi)).sum() for g, vi in zip(grads, v))
    hvp = tm.grad(gv, ps)
    eps = 1e-5
    plus = _mlp_grad([p + eps * vi for p, vi in zip(values, v)], x, labels, act)
    minus = _mlp_grad([p - eps * vi for p, vi in zip(values, v)], x, labels, act)
    for h, gp, gm in zip(hvp, plus, minus):
        np.testing.assert_allclose(h.numpy(), (gp - gm) / (2 * eps), rtol=1e-5, atol=1e-8)


def test_mlp_hessian_is_symmetric():
    """uᵀ(Hv) = vᵀ(Hu): an oracle that needs no finite differences."""
    values, x, labels = _mlp_problem(seed=2)
    rng = np.random.default_rng(3)
    u = [rng.standard_normal(p.shape) for p in values]
    v = [rng.standard_normal(p.shape) for p in values]
    ps = [_leaf(p) for p in values]
    grads = tm.grad(_mlp_loss(ps, x, labels, "tanh"), ps, create_graph=True)

    def hvp(vec):
        gv = sum((g * Tensor(vi)).sum() for g, vi in zip(grads, vec))
        return [h.numpy() for h in tm.grad(gv, ps, retain_graph=True)]

    uhv = sum(float((a * b).sum()) for a, b in zip(u, hvp(v)))
    vhu = sum(float((a * b).sum()) for a, b in zip(v, hvp(u)))
    assert uhv == pytest.approx(vhu, rel=1e-10, abs=1e-12)


# ----------------------------------------------------------------- gradgradcheck
_LABELS = np.array([2, 0, 1])
GRADGRAD_CASES = {
    "mul": (lambda a, b: a * b, [(3, 2), (2,)]),
    "div": (lambda a, b: a / b, [(3,), (3,)]),
    "exp": (lambda a: a.exp(), [(2, 3)]),
    "log": (lambda a: a.log(), [(4,)]),
    "tanh": (lambda a: a.tanh(), [(2, 3)]),
    "sigmoid": (lambda a: a.sigmoid(), [(2, 3)]),
    "softmax": (lambda a: a.softmax(axis=-1), [(2, 3)]),
    "log_softmax": (lambda a: a.log_softmax(axis=0), [(3, 2)]),
    "logsumexp": (lambda a: a.logsumexp(axis=1, keepdims=True), [(2, 3)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 2)]),
    "sum": (lambda a: (a * a).sum(axis=0), [(3, 2)]),
    "mean": (lambda a: (a * a).mean(), [(3, 2)]),
    "getitem_repeated": (lambda a: a[[0, 2, 0, 0]] ** 2, [(3, 2)]),
    "cross_entropy": (lambda a: F.cross_entropy(a, _LABELS), [(3, 4)]),
    "linear_sigmoid": (lambda x, w, b: F.linear(x, w, b).sigmoid(), [(2, 3), (2, 3), (2,)]),
}


@pytest.mark.parametrize("name", list(GRADGRAD_CASES))
def test_gradgradcheck_ops(name):
    fn, shapes = GRADGRAD_CASES[name]
    rng = np.random.default_rng(list(GRADGRAD_CASES).index(name))
    # Positive inputs keep log and the divisor of div inside their domains.
    inputs = [_leaf(rng.uniform(0.5, 2.0, s) if name in ("log", "div")
                    else rng.standard_normal(s)) for s in shapes]
    assert tm.gradcheck(fn, inputs)
    assert tm.gradgradcheck(fn, inputs)


# ------------------------------------------------------ catching wrong custom ops
class SquareConstSlope(tm.Function):
    """x² whose backward treats x as a constant: right first derivative,
    second derivative 0 instead of 2 (the bug create_graph exposes)."""

    def forward(self, x):
        return x * x

    def backward(self, g, out, x):
        xd = x.data if isinstance(x, Tensor) else x
        return (g * (2 * xd),)


class WrongScale(tm.Function):
    """a·b whose gradient for b is off by a factor of 3."""

    def forward(self, a, b):
        return a * b

    def backward(self, g, out, a, b):
        return g * b, 3 * g * a


def test_gradgradcheck_catches_wrong_second_derivative():
    x = _leaf([0.5, -1.0, 2.0])
    assert tm.gradcheck(SquareConstSlope.apply, [x])  # first order is right
    assert tm.gradgradcheck(SquareConstSlope.apply, [x], raise_exception=False) is False
    with pytest.raises(tm.GradcheckError):
        tm.gradgradcheck(SquareConstSlope.apply, [x])


def test_gradcheck_names_the_wrong_input():
    a, b = _leaf([0.5, -1.0]), _leaf([2.0, 1.5])
    with pytest.raises(tm.GradcheckError, match="input 1"):
        tm.gradcheck(WrongScale.apply, [a, b])
    assert tm.gradcheck(WrongScale.apply, [a, b], raise_exception=False) is False
    # (gradgradcheck differentiates the VJP map (a, b, v) ↦ (v·b, 3v·a) itself, which is
    # self-consistent here: like PyTorch's, it presumes first derivatives passed gradcheck.)
    # Only b is wrong: checking with b constant passes.
    assert tm.gradcheck(WrongScale.apply, [a, Tensor(b.data)])
