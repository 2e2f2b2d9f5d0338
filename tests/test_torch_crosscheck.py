"""PyTorch as a second opinion: forward values and gradients of every op, in float64, on
random data from fixed seeds, plus the extreme inputs (±1e4) where naive formulas overflow."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_r = np.random.default_rng(1234)  # constants shared by the cases (targets, masks, indices)
T_NC, T_C = _r.integers(0, 5, size=4), np.int64(_r.integers(0, 5))
MASK = _r.random((3, 4)) > 0.4
COND = _r.random((3, 1)) > 0.5
ROWS, COLS = np.array([[0, 1], [1, 1]]), np.array([[3, 3], [0, 3]])


def make(shape: tuple, domain: str, rng: np.random.Generator) -> np.ndarray:
    """Random float64 data in an op's domain (continuous, so kinks and ties have probability 0)."""
    if domain == "pos":
        return rng.uniform(0.2, 3.0, shape)
    if domain == "nonzero":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 3.0, shape)
    if domain == "prob":
        return rng.uniform(0.05, 0.95, shape)
    if domain == "unit":
        return rng.uniform(0.0, 1.0, shape)
    return rng.standard_normal(shape) * 1.5


def C(tm_fn, th_fn, *specs, rtol=1e-10):
    """One case: the op in tinygrad_mlp, the same op in torch, and (shape, domain) per input."""
    return tm_fn, th_fn, specs, rtol


def _lse_all(x):
    return torch.logsumexp(x, dim=tuple(range(x.ndim)))


CASES = {
    "add": C(lambda a, b: a + b, lambda a, b: a + b, ((3, 1, 4), "any"), ((2, 1), "any")),
    "sub": C(lambda a, b: a - b, lambda a, b: a - b, ((4,), "any"), ((2, 3, 4), "any")),
    "mul": C(lambda a, b: a * b, lambda a, b: a * b, ((), "any"), ((2, 3), "any")),
    "div": C(lambda a, b: a / b, lambda a, b: a / b, ((2, 3), "any"), ((3,), "nonzero")),
    "pow": C(lambda a, b: a**b, lambda a, b: a**b, ((2, 3), "pos"), ((3,), "any")),
    "pow_scalar": C(lambda x: x**2.5, lambda x: x**2.5, ((2, 3), "pos")),
    "rpow": C(lambda x: 2.0**x, lambda x: 2.0**x, ((2, 3), "any")),
    "rdiv": C(lambda x: 2.0 / x, lambda x: 2.0 / x, ((4,), "nonzero")),
    "neg": C(lambda x: -x, lambda x: -x, ((2, 3), "any")),
    "exp": C(lambda x: x.exp(), torch.exp, ((2, 3), "any")),
    "log": C(lambda x: x.log(), torch.log, ((2, 3), "pos")),
    "sqrt": C(lambda x: x.sqrt(), torch.sqrt, ((2, 3), "pos")),
    "abs": C(lambda x: x.abs(), torch.abs, ((2, 3), "any")),
    "tanh": C(lambda x: x.tanh(), torch.tanh, ((2, 3), "any")),
    "sigmoid": C(lambda x: x.sigmoid(), torch.sigmoid, ((2, 3), "any")),
    "relu": C(lambda x: x.relu(), torch.relu, ((2, 3), "any")),
    "clip": C(lambda x: x.clip(-1, 1), lambda x: x.clamp(-1, 1), ((3, 4), "any")),
    "clip_min": C(lambda x: x.clip(min=0.3), lambda x: x.clamp(min=0.3), ((3, 4), "any")),
    "clip_max": C(lambda x: x.clip(max=0.3), lambda x: x.clamp(max=0.3), ((3, 4), "any")),
    "astype_f64": C(lambda x: x.astype(np.float64), lambda x: x.double(), ((2, 3), "any")),
    "astype_f32": C(lambda x: x.astype(np.float32) * 2, lambda x: x.float() * 2, ((2, 3), "any"),
                    rtol=1e-6),
    "sum_all": C(lambda x: x.sum(), lambda x: x.sum(), ((2, 3, 4), "any")),
    "sum_tuple_keep": C(lambda x: x.sum((0, 2), keepdims=True),
                        lambda x: x.sum((0, 2), keepdim=True), ((2, 3, 4), "any")),
    "mean_neg": C(lambda x: x.mean(-1), lambda x: x.mean(-1), ((2, 3, 4), "any")),
    "mean_all": C(lambda x: x.mean(), lambda x: x.mean(), ((2, 3), "any")),
    "max_axis": C(lambda x: x.amax(1), lambda x: torch.amax(x, 1), ((2, 3, 4), "any")),
    "max_tuple_keep": C(lambda x: x.amax((0, -1), keepdims=True),
                        lambda x: torch.amax(x, (0, -1), keepdim=True), ((2, 3, 4), "any")),
    "min_all": C(lambda x: x.min(), lambda x: x.min(), ((2, 3), "any")),
    "min_axis": C(lambda x: x.amin(0), lambda x: torch.amin(x, 0), ((3, 4), "any")),
    "var": C(lambda x: x.var(0), lambda x: x.var(0), ((3, 4), "any")),
    "var_ddof1": C(lambda x: x.var((0, 1), ddof=1), lambda x: x.var((0, 1), correction=1),
                   ((3, 4, 2), "any")),
    "std": C(lambda x: x.std(-1, keepdims=True), lambda x: x.std(-1, keepdim=True),
             ((3, 4), "any")),
    "reshape": C(lambda x: x.reshape(4, -1), lambda x: x.reshape(4, -1), ((2, 3, 2), "any")),
    "transpose": C(lambda x: x.transpose(2, 0, 1), lambda x: x.permute(2, 0, 1),
                   ((2, 3, 4), "any")),
    "T": C(lambda x: x.T, lambda x: x.permute(2, 1, 0), ((2, 3, 4), "any")),
    "swapaxes": C(lambda x: x.swapaxes(0, -1), lambda x: x.swapaxes(0, -1), ((2, 3, 4), "any")),
    "flatten": C(lambda x: x.flatten(1), lambda x: x.flatten(1), ((2, 3, 4), "any")),
    "squeeze": C(lambda x: x.squeeze(1), lambda x: x.squeeze(1), ((3, 1, 4), "any")),
    "unsqueeze": C(lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1), ((3, 4), "any")),
    "broadcast_to": C(lambda x: x.broadcast_to((2, 3, 4)), lambda x: x.broadcast_to((2, 3, 4)),
                      ((3, 1), "any")),
    "getitem_basic": C(lambda x: x[1:, None, ..., ::2], lambda x: x[1:, None, ..., ::2],
                       ((3, 4, 5), "any")),
    "getitem_int": C(lambda x: x[-1, 2], lambda x: x[-1, 2], ((3, 4), "any")),
    "getitem_repeats": C(lambda x: x[np.array([0, 2, 0, 0])],
                         lambda x: x[torch.tensor([0, 2, 0, 0])], ((3, 4), "any")),
    "getitem_int_arrays": C(lambda x: x[ROWS, COLS],
                            lambda x: x[torch.from_numpy(ROWS), torch.from_numpy(COLS)],
                            ((2, 4), "any")),
    "getitem_mask": C(lambda x: x[MASK], lambda x: x[torch.from_numpy(MASK)], ((3, 4), "any")),
    "matmul_1d_1d": C(lambda a, b: a @ b, lambda a, b: a @ b, ((3,), "any"), ((3,), "any")),
    "matmul_2d_1d": C(lambda a, b: a @ b, lambda a, b: a @ b, ((2, 3), "any"), ((3,), "any")),
    "matmul_1d_2d": C(lambda a, b: a @ b, lambda a, b: a @ b, ((3,), "any"), ((3, 4), "any")),
    "matmul_2d": C(lambda a, b: a @ b, lambda a, b: a @ b, ((2, 3), "any"), ((3, 4), "any")),
    "matmul_batched": C(lambda a, b: a @ b, lambda a, b: a @ b, ((2, 1, 2, 3), "any"),
                        ((4, 3, 2), "any")),
    "concatenate": C(lambda a, b: tm.concatenate([a, b], axis=1), lambda a, b: torch.cat([a, b], 1),
                     ((2, 3, 4), "any"), ((2, 1, 4), "any")),
    "stack": C(lambda a, b: tm.stack([a, b], axis=-1), lambda a, b: torch.stack([a, b], -1),
               ((2, 3), "any"), ((2, 3), "any")),
    "where": C(lambda a, b: tm.where(COND, a, b),
               lambda a, b: torch.where(torch.from_numpy(COND), a, b), ((1, 4), "any"),
               ((3, 4), "any")),
    "softmax": C(lambda x: x.softmax(0), lambda x: x.softmax(0), ((3, 4), "any")),
    "log_softmax": C(lambda x: F.log_softmax(x, -1), lambda x: TF.log_softmax(x, -1),
                     ((3, 4), "any")),
    "logsumexp_keep": C(lambda x: x.logsumexp(1, keepdims=True),
                        lambda x: torch.logsumexp(x, 1, keepdim=True), ((3, 4), "any")),
    "logsumexp_all": C(lambda x: F.logsumexp(x), _lse_all, ((3, 4), "any")),
    "linear": C(F.linear, TF.linear, ((2, 5, 3), "any"), ((4, 3), "any"), ((4,), "any")),
    "linear_nobias": C(F.linear, TF.linear, ((3,), "any"), ((4, 3), "any")),
    "l1_penalty": C(lambda a, b: F.l1_penalty([a, b], 0.3),
                    lambda a, b: 0.3 * (a.abs().sum() + b.abs().sum()), ((3, 4), "any"),
                    ((4,), "any")),
    "l2_penalty": C(lambda a, b: F.l2_penalty([a, b], 0.3),
                    lambda a, b: 0.15 * ((a * a).sum() + (b * b).sum()), ((3, 4), "any"),
                    ((4,), "any")),
    "bce_with_logits_pos": C(lambda x, t: F.binary_cross_entropy_with_logits(x, t),
                             TF.binary_cross_entropy_with_logits, ((3, 4), "any"),
                             ((3, 4), "unit")),
}
for _r_ in ("mean", "sum", "none"):
    CASES[f"cross_entropy_NC_{_r_}"] = C(
        lambda x, r=_r_: F.cross_entropy(x, T_NC, reduction=r),
        lambda x, r=_r_: TF.cross_entropy(x, torch.from_numpy(T_NC), reduction=r),
        ((4, 5), "any"))
    CASES[f"cross_entropy_C_{_r_}"] = C(
        lambda x, r=_r_: F.cross_entropy(x, T_C, reduction=r),
        lambda x, r=_r_: TF.cross_entropy(x, torch.tensor(T_C), reduction=r), ((5,), "any"))
    CASES[f"nll_loss_NC_{_r_}"] = C(
        lambda x, r=_r_: F.nll_loss(x, T_NC, reduction=r),
        lambda x, r=_r_: TF.nll_loss(x, torch.from_numpy(T_NC), reduction=r), ((4, 5), "any"))
    CASES[f"mse_loss_{_r_}"] = C(
        lambda y, t, r=_r_: F.mse_loss(y, t, reduction=r),
        lambda y, t, r=_r_: TF.mse_loss(y, t, reduction=r), ((3, 4), "any"), ((3, 4), "any"))
    CASES[f"bce_{_r_}"] = C(
        lambda p, t, r=_r_: F.binary_cross_entropy(p, t, reduction=r),
        lambda p, t, r=_r_: TF.binary_cross_entropy(p, t, reduction=r), ((3, 4), "prob"),
        ((3, 4), "unit"))
    CASES[f"bce_with_logits_{_r_}"] = C(
        lambda x, t, r=_r_: F.binary_cross_entropy_with_logits(x, t, reduction=r),
        lambda x, t, r=_r_: TF.binary_cross_entropy_with_logits(x, t, reduction=r),
        ((3, 4), "any"), ((3, 4), "unit"))
CASES["nll_loss_C"] = C(lambda x: F.nll_loss(x, T_C),
                        lambda x: TF.nll_loss(x, torch.tensor(T_C)), ((5,), "any"))


def compare(tm_fn, th_fn, arrays, rtol=1e-10, seed=0) -> None:
    """Same inputs and upstream gradient through both libraries; values and gradients agree."""
    ours = [tm.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = tm_fn(*ours), th_fn(*theirs)
    assert out.shape == tuple(ref.shape), f"output shape {out.shape} != torch's {tuple(ref.shape)}"
    assert np.isfinite(out.numpy()).all(), "non-finite output"
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=rtol, atol=1e-12)
    g = np.random.default_rng(seed + 99).standard_normal(out.shape)
    out.backward(g.astype(out.dtype))
    ref.backward(torch.tensor(g, dtype=ref.dtype))
    for i, (t, r) in enumerate(zip(ours, theirs)):
        want = np.zeros(t.shape) if r.grad is None else r.grad.numpy()
        assert t.grad is not None, f"input {i}: no gradient"
        assert t.grad.shape == t.shape and t.grad.dtype == np.float64
        assert np.isfinite(t.grad.numpy()).all(), f"input {i}: non-finite gradient"
        np.testing.assert_allclose(t.grad.numpy(), want, rtol=rtol, atol=1e-12,
                                   err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name, seed):
    tm_fn, th_fn, specs, rtol = CASES[name]
    rng = np.random.default_rng(seed)
    compare(tm_fn, th_fn, [make(shape, dom, rng) for shape, dom in specs], rtol=rtol, seed=seed)


# ---------------------------------------------------------------- extremes
BIG = np.array([[1e4, -1e4, 0.0, 1e4], [-1e4, -1e4, -1e4, -1e4], [3.0, -1e4, 2.0, 1e4]])

EXTREME = {
    "sigmoid": C(lambda x: x.sigmoid(), torch.sigmoid),
    "softmax": C(lambda x: x.softmax(-1), lambda x: x.softmax(-1)),
    "softmax_axis0": C(lambda x: x.softmax(0), lambda x: x.softmax(0)),
    "log_softmax": C(lambda x: x.log_softmax(-1), lambda x: x.log_softmax(-1)),
    "logsumexp": C(lambda x: x.logsumexp(-1), lambda x: torch.logsumexp(x, -1)),
    "logsumexp_all": C(lambda x: x.logsumexp(), _lse_all),
    "cross_entropy": C(lambda x: F.cross_entropy(x, np.array([1, 2, 0])),
                       lambda x: TF.cross_entropy(x, torch.tensor([1, 2, 0]))),
    "cross_entropy_sum": C(lambda x: F.cross_entropy(x, np.array([0, 0, 3]), reduction="sum"),
                           lambda x: TF.cross_entropy(x, torch.tensor([0, 0, 3]), reduction="sum")),
    "bce_with_logits": C(
        lambda x: F.binary_cross_entropy_with_logits(x, tm.Tensor(np.full(BIG.shape, 0.3))),
        lambda x: TF.binary_cross_entropy_with_logits(x, torch.full(BIG.shape, 0.3,
                                                                    dtype=torch.float64))),
}


@pytest.mark.parametrize("name", sorted(EXTREME))
def test_extreme_inputs_match_torch(name):
    tm_fn, th_fn, _, rtol = EXTREME[name]
    compare(tm_fn, th_fn, [BIG], rtol=rtol)


def test_bce_at_probabilities_0_and_1_matches_torch():
    # log is clamped at -100 and the gradient divides by max(p(1-p), 1e-12), as in torch;
    # torch's 1e-12 is a float32 constant (relative error 4e-9), hence rtol 1e-8
    p = np.array([0.0, 1.0, 1e-30, 1.0 - 1e-16, 0.5, 0.0])
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 1.0])
    compare(lambda p: F.binary_cross_entropy(p, tm.Tensor(t), reduction="none"),
            lambda p: TF.binary_cross_entropy(p, torch.tensor(t), reduction="none"), [p],
            rtol=1e-8)


def test_bce_with_logits_extremes_without_zero_logits():
    # Same as above minus the exact 0 logit, so a bug at x = 0 does not hide this check.
    x = np.array([[1e4, -1e4, 50.0, -50.0]])
    t = np.array([[0.0, 1.0, 0.3, 0.7]])
    compare(lambda x: F.binary_cross_entropy_with_logits(x, tm.Tensor(t), reduction="sum"),
            lambda x: TF.binary_cross_entropy_with_logits(x, torch.tensor(t), reduction="sum"),
            [x])
