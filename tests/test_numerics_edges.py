"""Losses at the edges of floating point, equal to PyTorch's: BCE's input check, BCE with
logits at ±inf, cross-entropy gradients where e^x underflows, and no NumPy warnings."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F

REPO = Path(__file__).resolve().parents[1]
INF = float("inf")


@pytest.mark.parametrize("bad", [float("nan"), 1.5, -0.1, INF])
def test_bce_refuses_inputs_outside_0_1_like_pytorch(bad):
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(tm.Tensor([0.5, bad]), [1.0, 0.0])


def test_bce_input_check_matches_pytorch():
    torch = pytest.importorskip("torch")
    for bad in (float("nan"), 1.5):
        with pytest.raises(RuntimeError) as theirs:
            torch.nn.functional.binary_cross_entropy(torch.tensor([bad]), torch.tensor([1.0]))
        with pytest.raises(RuntimeError) as ours:
            F.binary_cross_entropy(tm.Tensor([bad]), [1.0])
        assert str(theirs.value) in str(ours.value)


_LOGITS = [INF, INF, -INF, -INF, INF, -INF, 30.0, -30.0, 0.0, 1e4, -1e4]
_TARGETS = [1.0, 0.0, 1.0, 0.0, 0.5, 0.5, 1.0, 0.0, 0.3, 0.0, 1.0]


# Non-finite inputs may warn under the suite's strict filter; users see nothing (see below).
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_at_infinity_matches_pytorch(dtype):
    torch = pytest.importorskip("torch")
    x = tm.Tensor(np.array(_LOGITS, dtype), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, np.array(_TARGETS, dtype), reduction="none")
    loss.backward(np.ones(len(_LOGITS), dtype))
    tx = torch.tensor(_LOGITS, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
    tl = torch.nn.functional.binary_cross_entropy_with_logits(
        tx, torch.tensor(_TARGETS, dtype=tx.dtype), reduction="none")
    tl.sum().backward()
    # inf, -inf and NaN exactly where PyTorch has them; finite values equal
    np.testing.assert_allclose(loss.numpy(), tl.detach().numpy(), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_bce_with_logits_infinities_follow_the_formula():
    # (1 − t)·x − log σ(x): +inf with t < 1 costs inf; 0·inf cases are NaN (as in PyTorch)
    x = tm.Tensor([INF, INF, -INF, -INF])
    loss = F.binary_cross_entropy_with_logits(x, [1.0, 0.0, 1.0, 0.0], reduction="none")
    got = loss.numpy()
    assert np.isnan(got[0]) and got[1] == INF and np.isnan(got[2]) and np.isnan(got[3])


def _ce_grad(row, target, dtype):
    x = tm.Tensor(np.array([row], dtype), requires_grad=True)
    F.cross_entropy(x, np.array([target])).backward()
    return x.grad.numpy().astype(np.float64)


def _reference_ce_grad(row, target):
    x = np.array(row, np.float64)
    p = np.exp(x - x.max())
    p /= p.sum()
    p[target] -= 1
    return p


@pytest.mark.parametrize("row", [[-88.5, -100.0], [-100.0, -88.5], [0.0, -11.5],
                                 [-103.0, -104.0, -120.0], [50.0, 39.0, 30.0]])
@pytest.mark.parametrize("target", [0, 1])
def test_cross_entropy_float32_gradient_at_the_exp_limit(row, target):
    got, ref = _ce_grad(row, target, np.float32), _reference_ce_grad(row, target)
    err = np.abs(got - ref).max() / np.abs(ref).max()
    rel = np.max(np.abs(got - ref) / np.abs(ref))
    assert err < 1e-6 and rel < 1e-5, (got, ref)  # PyTorch: 2.8e-4 on [-88.5, -100], t=0


def test_cross_entropy_gradient_at_least_as_accurate_as_pytorch():
    torch = pytest.importorskip("torch")
    row, target = [-88.5, -100.0], 0
    tx = torch.tensor([row], dtype=torch.float32, requires_grad=True)
    torch.nn.functional.cross_entropy(tx, torch.tensor([target])).backward()
    ref = _reference_ce_grad(row, target)
    theirs = np.max(np.abs(tx.grad.numpy()[0] - ref) / np.abs(ref))
    ours = np.max(np.abs(_ce_grad(row, target, np.float32)[0] - ref) / np.abs(ref))
    assert ours <= theirs


def test_cross_entropy_values_unchanged_for_ordinary_rows():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 7)) * 5
    t = rng.integers(0, 7, 20)
    logp = x - x.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    loss = F.cross_entropy(tm.Tensor(x), t, reduction="none").numpy()
    np.testing.assert_allclose(loss, -logp[np.arange(20), t], rtol=1e-12)


_WARN_SCRIPT = textwrap.dedent("""
    import numpy as np
    import tinygrad_mlp as tm
    import tinygrad_mlp.functional as F
    for vals in ([1e4, -1e4, 0.0], [3e38, -3e38, 1e-45], [-1.0, 0.0, 2.0]):
        for dt in (np.float32, np.float64):
            x = tm.Tensor(np.array(vals, dt), requires_grad=True)
            z = tm.Tensor(np.zeros(3, dt))
            ops = [x.exp, x.log, x.sqrt, lambda: x / z, lambda: x ** 3, lambda: x * x,
                   x.sigmoid, x.tanh, lambda: F.softmax(x), lambda: F.log_softmax(x),
                   lambda: F.logsumexp(x), x.abs, x.relu,
                   lambda: F.binary_cross_entropy_with_logits(x, z, reduction="none"),
                   lambda: F.cross_entropy(x[None], [0], reduction="none"),
                   lambda: F.mse_loss(x, z, reduction="none")]
            for op in ops:
                out = op()
                out.backward(np.ones(out.shape, dt))
    np.log(np.zeros(1))  # USER LINE: the user's own NumPy code still warns
""")


def test_no_numpy_warnings_printed_by_our_ops_for_finite_inputs():
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONWARNINGS="default")
    env.pop("PYTHONWARNINGS")
    done = subprocess.run([sys.executable, "-c", _WARN_SCRIPT], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    lines = [ln for ln in done.stderr.splitlines() if "RuntimeWarning" in ln]
    assert len(lines) == 1 and "<string>" in lines[0], done.stderr
