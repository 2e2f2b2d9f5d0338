"""Activation modules and functions beyond the op table: modules equal their functions
and print as PyTorch's, extreme inputs stay finite and warning-free, second derivatives
(``create_graph``) agree with central differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn

# module -> (its function form with the same options, PyTorch constructor text)
MODULES = {
    "LeakyReLU(0.2)": lambda x: F.leaky_relu(x, 0.2),
    "ELU(alpha=0.5)": lambda x: F.elu(x, 0.5),
    "SELU()": F.selu,
    "CELU(alpha=2.0)": lambda x: F.celu(x, 2.0),
    "GELU()": F.gelu,
    "GELU(approximate='tanh')": lambda x: F.gelu(x, approximate="tanh"),
    "SiLU()": F.silu,
    "Mish()": F.mish,
    "Softplus(beta=2.0, threshold=5.0)": lambda x: F.softplus(x, 2.0, 5.0),
    "Softsign()": F.softsign,
    "Hardtanh(-2.0, 2.0)": lambda x: F.hardtanh(x, -2.0, 2.0),
    "ReLU6()": F.relu6,
    "Hardsigmoid()": F.hardsigmoid,
    "Hardswish()": F.hardswish,
    "LogSigmoid()": F.logsigmoid,
    "Softmin(dim=1)": lambda x: F.softmin(x, dim=1),
}
SMOOTH = ["elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "logsigmoid", "softsign"]


@pytest.mark.parametrize("text", sorted(MODULES))
def test_module_equals_function(text):
    module = eval("nn." + text)
    x = tm.tensor(np.random.default_rng(0).uniform(-6, 6, (5, 7)))
    np.testing.assert_array_equal(module(x).numpy(), MODULES[text](x).numpy())
    assert list(module.parameters()) == [] and module.state_dict() == {}


@pytest.mark.parametrize("text", sorted(MODULES))
def test_module_repr_matches_torch(text):
    torch = pytest.importorskip("torch")
    assert repr(eval("nn." + text)) == repr(eval("torch.nn." + text, {"torch": torch}))


@pytest.mark.parametrize("name", SMOOTH + ["leaky_relu", "hardtanh", "relu6", "hardsigmoid",
                                           "hardswish"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_are_finite_without_warnings(name, dtype):
    x = tm.tensor(np.array([-1e4, -100.0, -30.0, 0.0, 30.0, 100.0, 1e4], dtype=dtype),
                  requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = getattr(F, name)(x)
        y.sum().backward()
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.isfinite(y.numpy()).all() and np.isfinite(x.grad.numpy()).all()


def test_extreme_inputs_match_torch():
    torch = pytest.importorskip("torch")
    data = np.array([-1e4, -100.0, -30.0, -1.0, 0.5, 30.0, 100.0, 1e4])
    for name in SMOOTH + ["hardswish"]:
        for dtype in ("float32", "float64"):
            a = tm.tensor(data.astype(dtype), requires_grad=True)
            b = torch.tensor(data.astype(dtype), requires_grad=True)
            ya, yb = getattr(F, name)(a), getattr(torch.nn.functional, name)(b)
            ya.sum().backward()
            yb.sum().backward()
            np.testing.assert_allclose(ya.numpy(), yb.detach().numpy(), rtol=1e-6, atol=1e-30,
                                       err_msg=f"{name} {dtype}")
            # PyTorch's softsign backward is composite (1/(1+|x|) − x·sign(x)/(1+|x|)²) and
            # cancels in float32 at |x| = 1e4; ours, 1/(1+|x|)², is exact to rounding
            rtol = 1e-4 if (name, dtype) == ("softsign", "float32") else 1e-6
            if name == "softsign":
                exact = 1 / (1 + np.abs(data)) ** 2
                np.testing.assert_allclose(a.grad.numpy(), exact, rtol=1e-6)
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-30,
                                       err_msg=f"{name} {dtype} gradient")


@pytest.mark.parametrize("name", SMOOTH)
def test_second_derivative_matches_central_differences(name):
    if name == "gelu" and not hasattr(tm.Tensor, "erf"):
        pytest.skip("gelu's create_graph backward needs Tensor.erf")
    fn = getattr(F, name)
    x0 = np.array([-2.5, -0.7, 0.3, 1.9])
    x = tm.tensor(x0, requires_grad=True)
    (g,) = tm.grad(fn(x).sum(), x, create_graph=True)
    (h,) = tm.grad(g.sum(), x)  # diagonal of the Hessian: f''(x)

    def first(v):
        t = tm.tensor(v, requires_grad=True)
        fn(t).sum().backward()
        return t.grad.numpy()

    eps = 1e-5
    numeric = (first(x0 + eps) - first(x0 - eps)) / (2 * eps)
    np.testing.assert_allclose(h.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="gelu: approximate"):
        F.gelu(tm.zeros(2), approximate="erf")
    with pytest.raises(ValueError, match="hardtanh: min_val"):
        F.hardtanh(tm.zeros(2), 1.0, -1.0)
    with pytest.raises(TypeError, match="leaky_relu: expected a floating-point"):
        F.leaky_relu(tm.Tensor(np.arange(3)))
    with pytest.raises(TypeError, match="LeakyReLU: unexpected argument"):
        nn.LeakyReLU(slope=0.1)


def test_methods_and_tm_functions_are_the_same_op():
    x = tm.tensor(np.linspace(-3, 3, 7))
    for name in ["gelu", "silu", "mish", "softplus", "elu", "selu", "leaky_relu", "logsigmoid"]:
        np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(F, name)(x).numpy())
        np.testing.assert_array_equal(getattr(tm, name)(x).numpy(), getattr(F, name)(x).numpy())
