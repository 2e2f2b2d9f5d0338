"""tm.blas: the opt-in policy that runs small products on one BLAS thread, and axpy."""

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


# ------------------------------------------------------------------------ axpy
#: name -> (call on x and y, the value y must then hold from x and the old y)
UPDATES = {
    "axpy": (lambda x, y: blas.axpy(-0.1, x, y), lambda x, y0: y0 - 0.1 * x),
    "axpby": (lambda x, y: blas.axpby(0.1, x, 0.9, y), lambda x, y0: 0.1 * x + 0.9 * y0),
}


@pytest.mark.parametrize("update", sorted(UPDATES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (100, 784), (3, 4, 5)])
def test_blas_updates_write_in_place_and_equal_their_formula(update, dtype, shape):
    call, formula = UPDATES[update]
    rng = np.random.default_rng(1)
    x, y = (rng.standard_normal(shape).astype(dtype) for _ in range(2))
    y0, ptr = y.copy(), y.ctypes.data
    call(x, y)
    assert y.ctypes.data == ptr and y.shape == shape  # the same memory, written in place
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(y, formula(x, y0), rtol=tol, atol=tol)


@pytest.mark.parametrize("case", ["transposed y", "transposed x", "float16", "int alpha",
                                  "empty", "mixed dtypes"])
def test_axpy_falls_back_to_numpy_where_blas_does_not_apply(case):
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    alpha = 0.5
    if case == "transposed y":
        x, y = x.reshape(6, 4), y.T  # y is a non-contiguous view: must still change in place
    elif case == "transposed x":
        x = x.reshape(6, 4).T
    elif case == "float16":
        x, y = x.astype(np.float16), y.astype(np.float16)
    elif case == "int alpha":
        alpha = 2
    elif case == "empty":
        x, y = x[:0], y[:0]
    else:
        x = x.astype(np.float32)
    expected = y + alpha * x
    before = y
    blas.axpy(alpha, x, y)
    assert y is before
    np.testing.assert_allclose(y, expected, rtol=1e-3 if case == "float16" else 1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_axpy_and_sgd_round_as_pytorch_add_(dtype):
    """One rounding per element, as torch's ``p.add_(g, alpha=-lr)`` (NumPy's p -= lr * g
    rounds twice and differs from it in about one element in ten, in float32)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    p0, g = (rng.standard_normal((100, 784)).astype(dtype) for _ in range(2))
    pt = torch.from_numpy(p0.copy())
    pt.add_(torch.from_numpy(g), alpha=-0.1)
    y = p0.copy()
    blas.axpy(-0.1, g, y)
    np.testing.assert_array_equal(y, pt.numpy())
    w = tm.tensor(p0.copy(), requires_grad=True)
    w.grad = tm.tensor(g)
    tm.optim.SGD([w], lr=0.1).step()
    wt = torch.tensor(p0.copy(), requires_grad=True)
    wt.grad = torch.from_numpy(g.copy())
    torch.optim.SGD([wt], lr=0.1).step()
    np.testing.assert_array_equal(w.data, wt.detach().numpy())


def test_axpy_hands_blas_chunks_that_stay_on_the_calling_thread(monkeypatch):
    """OpenBLAS runs an axpy of more than 10,000 elements on SciPy's own thread pool,
    whose spinning threads then fight NumPy's (a 2-core epoch ran 80x slower): every call
    is at most AXPY_CHUNK long, and together the chunks cover the array once."""
    assert blas.AXPY_CHUNK <= 10_000
    monkeypatch.setattr(blas, "_NATIVE", {})  # (as where NumPy's own OpenBLAS is not found)
    blas.axpy(-1.0, np.ones(3, np.float32), np.ones(3, np.float32))  # loads the BLAS functions
    real, calls = blas._AXPY["f"], []

    def spy(x, y, n, a, offx=0, incx=1, offy=0, incy=1):
        calls.append((n, offx, offy))
        return real(x, y, n, a, offx, incx, offy, incy)

    monkeypatch.setitem(blas._AXPY, "f", spy)
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((100, 784)).astype(np.float32), np.zeros((100, 784), np.float32)
    blas.axpy(2.0, x, y)
    assert all(n <= blas.AXPY_CHUNK and offx == offy for n, offx, offy in calls)
    assert sum(n for n, _, _ in calls) == x.size and len(calls) == -(-x.size // blas.AXPY_CHUNK)
    np.testing.assert_array_equal(y, 2 * x)


def test_axpy_leaves_read_only_big_endian_and_overlapping_arrays_to_numpy():
    x = np.arange(6, dtype=np.float32)
    y = np.ones(6, np.float32)
    y.flags.writeable = False
    with pytest.raises(ValueError):  # what y += alpha * x says; BLAS would write anyway
        blas.axpy(-0.5, x, y)
    np.testing.assert_array_equal(y, np.ones(6))
    for dt in (">f4", ">f8"):
        yb, xb = np.ones(6, dt), np.arange(6).astype(dt)
        blas.axpy(-0.5, xb, yb)
        np.testing.assert_allclose(yb, 1 - 0.5 * np.arange(6))
    buf = np.arange(10, dtype=np.float64)
    expected = buf[2:8] + 2.0 * buf[:6]  # NumPy buffers the overlap
    blas.axpy(2.0, buf[:6], buf[2:8])
    np.testing.assert_array_equal(buf[2:8], expected)


def test_sgd_on_big_endian_parameters_and_a_subclass_update():
    p = tm.from_numpy(np.ones(3, ">f4")).requires_grad_()
    (p * 2).sum().backward()
    tm.optim.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, 0.8)

    class Halved(tm.optim.SGD):  # a subclass customising the update, as optimizer.py invites
        def _update(self, p, g, state, group):
            p -= 0.5 * group["lr"] * g

    q = tm.tensor(np.ones(3, np.float32), requires_grad=True)
    (q * 2).sum().backward()
    Halved([q], lr=0.1).step()
    np.testing.assert_allclose(q.data, 0.9)


def _native_or_skip():
    native = blas._NATIVE if blas._NATIVE is not None else blas._load_native()
    if not native:
        pytest.skip("NumPy's own OpenBLAS was not found (another BLAS, or TM_NATIVE_BLAS=0)")
    return native


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_long_axpy_is_one_call_of_numpys_own_blas(dtype, monkeypatch):
    """Longer than AXPY_CHUNK: one cblas axpy of NumPy's OpenBLAS (its thread pool is the
    one NumPy's products use), the same numbers as SciPy's axpy in chunks."""
    native = _native_or_skip()
    calls = []

    def spy(n, alpha, xp, incx, yp, incy):
        calls.append(n)
        return native[dtype().dtype.char][0](n, alpha, xp, incx, yp, incy)

    rng = np.random.default_rng(5)
    x, y0 = (rng.standard_normal((100, 784)).astype(dtype) for _ in range(2))
    char = np.dtype(dtype).char
    monkeypatch.setattr(blas, "_NATIVE", {char: (spy, native[char][1])})
    y = y0.copy()
    blas.axpy(-0.1, x, y)
    assert calls == [x.size]
    monkeypatch.setattr(blas, "_NATIVE", {})  # SciPy's, in chunks
    chunked = y0.copy()
    blas.axpy(-0.1, x, chunked)
    np.testing.assert_array_equal(y, chunked)


@pytest.mark.parametrize("case", ["transposed y", "float16", "int beta", "overlapping",
                                  "short, overlapping"])
def test_axpby_falls_back_to_numpy_where_blas_does_not_apply(case):
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((100, 200)), rng.standard_normal((100, 200))
    alpha, beta = 0.25, 0.5
    if case == "transposed y":
        x, y = x.reshape(200, 100), y.T
    elif case == "float16":
        x, y = x.astype(np.float16), y.astype(np.float16)
    elif case == "int beta":
        beta = 2
    elif case == "overlapping":
        x = y  # (y is x: each element is read before it is written)
    else:
        x = y = y[0, :50]  # (NumPy's passes: alpha * x before y changes)
    expected = alpha * x + beta * y
    before = y
    blas.axpby(alpha, x, beta, y)
    assert y is before
    np.testing.assert_allclose(y, expected, rtol=1e-2 if case == "float16" else 1e-12)


def test_native_blas_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("TM_NATIVE_BLAS", "0")
    monkeypatch.setattr(blas, "_NATIVE", None)
    assert blas._load_native() == {}
    x, y = np.ones(20_000, np.float32), np.ones(20_000, np.float32)
    blas.axpy(2.0, x, y)  # SciPy's axpy, in chunks
    np.testing.assert_array_equal(y, 3.0)
