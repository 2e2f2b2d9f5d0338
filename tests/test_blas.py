"""tm.blas: the opt-in policy that runs small products on one BLAS thread."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import blas


@pytest.fixture
def restore_policy():
    before = blas.policy()
    yield
    blas.set_policy(before["mode"], before["small"])


def _openblas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    info = [i for i in threadpoolctl.threadpool_info()
            if i["internal_api"] == "openblas" and "numpy" in i["filepath"]]
    if not info:
        pytest.skip("NumPy is not linked to OpenBLAS here")
    return info[0]["num_threads"]


def test_default_is_keep_and_policy_reports_it():
    if os.environ.get("TM_BLAS_THREADS"):
        pytest.skip("TM_BLAS_THREADS is set in this environment")
    assert blas.policy()["mode"] == "keep"


@pytest.mark.parametrize("mode", ["auto", "keep"])
def test_products_are_the_same_under_either_mode(mode, restore_policy):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((32, 50)), rng.standard_normal((50, 20))
    blas.set_policy(mode)
    np.testing.assert_array_equal(blas.matmul(a, b), a @ b)
    lin = tm.nn.Linear(50, 20)
    x = tm.tensor(a.astype(np.float32))
    y = lin(x)
    y.sum().backward()
    np.testing.assert_allclose(y.data, a.astype(np.float32) @ lin.weight.data.T + lin.bias.data,
                               rtol=1e-5, atol=1e-5)


def test_auto_restores_the_thread_count_after_a_small_product(restore_policy):
    before = _openblas_threads()
    blas.set_policy("auto", small=10**9)
    blas.matmul(np.ones((8, 8)), np.ones((8, 8)))
    assert _openblas_threads() == before
    assert blas.policy()["small"] == 10**9


def test_bad_arguments_name_the_function():
    with pytest.raises(ValueError, match="blas.set_policy: mode"):
        blas.set_policy("fast")
    with pytest.raises(ValueError, match="small must be >= 0"):
        blas.set_policy("keep", small=-1)


def test_a_bad_environment_value_warns_and_keeps():
    env = dict(os.environ, TM_BLAS_THREADS="fastest")
    out = subprocess.run([sys.executable, "-W", "always", "-c",
                          "import tinygrad_mlp as tm; print(tm.blas.policy()['mode'])"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "keep" and "TM_BLAS_THREADS" in out.stderr


@pytest.mark.parametrize("mode", ["auto", "keep"])
def test_linear_stays_twice_differentiable_under_either_mode(mode, restore_policy):
    """Under create_graph the products receive Tensors: both modes must pass them on."""
    blas.set_policy(mode)
    lin = tm.nn.Linear(3, 2)
    x = tm.randn(4, 3, requires_grad=True)
    (g,) = tm.grad(lin(x).tanh().sum(), x, create_graph=True)
    (gg,) = tm.grad(g.sum(), x)
    assert gg.shape == (4, 3) and np.isfinite(gg.data).all()
