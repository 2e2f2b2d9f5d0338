"""The autograd API of PyTorch: hooks, ``backward(gradient=)``, ``tm.autograd.grad`` /
``backward``, grad-mode switches, and custom ``Function`` s with ``ctx`` (also under
``create_graph``), plus the clear error of a backward that calls NumPy on a Tensor."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp.autograd import Function  # the import path internal ops use, still valid
from tinygrad_mlp.ops import dual

try:
    import torch
except ImportError:
    torch = None


# ------------------------------------------------------------------- hooks
def test_hook_sees_and_replaces_a_leaf_gradient():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]] and x.grad.tolist() == [30.0, 30.0]
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and len(seen) == 1


def test_hook_on_a_non_leaf_changes_what_flows_on():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 0.5)
    (y * y).sum().backward()  # dL/dy = 2y = [4, 8] → halved → · 2
    assert x.grad.tolist() == [4.0, 8.0]


def test_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        tm.zeros(2).register_hook(lambda g: g)


# ------------------------------------------------------------ backward forms
def test_backward_gradient_keyword_and_grad_alias():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(gradient=tm.tensor([1.0, 0.5]))
    assert x.grad.tolist() == [2.0, 2.0]
    (x * x).backward(grad=tm.tensor([1.0, 0.0]))
    assert x.grad.tolist() == [4.0, 2.0]
    with pytest.raises(RuntimeError, match="gradient="):
        (x * x).backward()


def test_autograd_backward_and_grad():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    w = tm.tensor([3.0, 4.0], requires_grad=True)
    tm.autograd.backward([(x * w).sum(), (x * x).sum()])
    assert x.grad.tolist() == [5.0, 8.0] and w.grad.tolist() == [1.0, 2.0]
    (gx,) = tm.autograd.grad((x * w).sum(), x)
    assert gx.tolist() == [3.0, 4.0] and x.grad.tolist() == [5.0, 8.0]  # nothing accumulated
    x.grad = w.grad = None
    tm.autograd.backward((x * w).sum(), inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0, 2.0]


# -------------------------------------------------------------- grad modes
def test_set_grad_enabled_as_call_context_and_decorator():
    x = tm.tensor([1.0], requires_grad=True)
    with tm.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    tm.set_grad_enabled(False)
    try:
        assert not tm.is_grad_enabled()
    finally:
        tm.set_grad_enabled(True)

    @tm.set_grad_enabled(False)
    def f():
        return x * 2

    assert tm.is_grad_enabled() and not f().requires_grad


def test_inference_mode():
    x = tm.tensor([1.0], requires_grad=True)
    with tm.inference_mode():
        assert tm.is_inference_mode_enabled() and not (x * 2).requires_grad
    assert not tm.is_inference_mode_enabled()
    with tm.inference_mode(False):
        assert (x * 2).requires_grad

    @tm.inference_mode()
    def f():
        return x * 2

    @tm.inference_mode
    def g():
        return x * 2

    assert not f().requires_grad and not g().requires_grad


# ---------------------------------------------------------- custom Functions
class Cube(tm.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x ** 2


class ScaledAdd(tm.autograd.Function):
    """Non-tensor arguments get None; needs_input_grad skips work."""

    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha = alpha
        return a + alpha * b

    @staticmethod
    def backward(ctx, g):
        ga = g if ctx.needs_input_grad[0] else None
        gb = g * ctx.alpha if ctx.needs_input_grad[1] else None
        return ga, gb, None


def test_custom_function_forward_backward():
    x = tm.tensor([1.0, 2.0], dtype=tm.float64, requires_grad=True)
    y = Cube.apply(x)
    assert type(y.grad_fn).__name__ == "CustomNode" and "Cube" in repr(y.grad_fn)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    a = tm.tensor([1.0], requires_grad=True)
    b = tm.tensor([1.0])
    ScaledAdd.apply(a, b, 5.0).sum().backward()
    assert a.grad.tolist() == [1.0] and b.grad is None


def test_custom_function_is_differentiable_under_create_graph():
    x = tm.tensor([1.0, 2.0], dtype=tm.float64, requires_grad=True)
    (g,) = tm.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = tm.autograd.grad(g.sum(), x)  # d/dx 3x² = 6x
    assert g.tolist() == [3.0, 12.0] and h.tolist() == [6.0, 12.0]


def test_custom_function_passes_gradcheck_and_gradgradcheck():
    x = tm.tensor(np.array([0.5, -1.5]), requires_grad=True)
    assert tm.gradcheck(Cube.apply, [x])
    assert tm.gradgradcheck(Cube.apply, [x])


def test_custom_function_wrong_number_of_gradients():
    class Bad(tm.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a = tm.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(a, a).sum().backward()


def test_custom_function_saved_tensor_modified_in_place_raises():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = Cube.apply(h)
    with tm.no_grad():
        h += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_mark_non_differentiable():
    class Sorted(tm.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = tm.tensor(np.argsort(x.data))
            ctx.mark_non_differentiable(idx)
            return idx

        @staticmethod
        def backward(ctx, g):
            return None

    out = Sorted.apply(tm.tensor([3.0, 1.0], requires_grad=True))
    assert not out.requires_grad


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_custom_function_ported_unchanged_matches_torch():
    def make(lib):
        class MyExp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, i):
                result = i.exp()
                ctx.save_for_backward(result)
                return result

            @staticmethod
            def backward(ctx, grad_output):
                (result,) = ctx.saved_tensors
                return grad_output * result

        return MyExp

    a = np.array([0.1, -0.3, 0.7])
    grads = []
    for lib in (tm, torch):
        x = lib.tensor(a, requires_grad=True)
        make(lib).apply(x * 2).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


# ------------------------------------------------------ internal ops, NumPy mistakes
class NumpyInBackward(Function):
    """An engine-style op whose backward (wrongly) calls np.exp on what it gets."""

    def forward(self, x):
        return np.exp(x)

    def backward(self, g, out, x):
        return (g * np.exp(x),)


def test_numpy_ufunc_on_a_tensor_in_backward_names_the_op_and_the_fix():
    x = tm.tensor([0.5], dtype=tm.float64, requires_grad=True)
    NumpyInBackward.apply(x).sum().backward()  # arrays: fine
    with pytest.raises(TypeError, match=r"numpyinbackward: backward called a NumPy function "
                                        r"on a Tensor.*dual\.exp"):
        tm.autograd.grad(NumpyInBackward.apply(x).sum(), x, create_graph=True)


def test_dual_helpers_work_on_arrays_and_tensors():
    a = np.array([0.0, 1.0])
    t = tm.tensor(a)
    np.testing.assert_allclose(dual.exp(a), dual.exp(t).numpy())
    assert dual.is_tensor(t) and not dual.is_tensor(a) and dual.value(t) is t.data
    assert tm.autograd.dual is dual
