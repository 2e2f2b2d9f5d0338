"""Programs written exactly as PyTorch's tutorials write them, run with
``import tinygrad_mlp as torch``, and compared with real PyTorch when it is installed.

* "Automatic Differentiation with torch.autograd" and "A Gentle Introduction to
  torch.autograd" (the autograd tutorials);
* "Learning PyTorch with Examples": the polynomial fit of sin(x) with a
  hand-written SGD loop (``with torch.no_grad(): a -= learning_rate * a.grad``),
  and the same fit through a custom ``LegendrePolynomial3`` Function with ``ctx``;
* a Hessian-vector product with ``torch.autograd.grad(..., create_graph=True)``.

Each program is a function of the library (``torch``) so the very same text runs
on both.  Programs that need an op from the creation-ops branch (``linspace``,
``sin``, ``eye``) skip until it is merged; a variant with the data made by NumPy
runs the same loop now.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_mlp

try:
    import torch as real_torch
except ImportError:
    real_torch = None


def _needs(lib, *names):
    for name in names:
        if not hasattr(lib, name):
            pytest.skip(f"needs tinygrad_mlp.{name} (the creation/math ops branch)")


def _compare(ours, theirs, rtol=1e-5, atol=1e-6):
    if real_torch is None:
        return
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(o), np.asarray(t), rtol=rtol, atol=atol)


# --------------------------------------------------------- the autograd tutorials
def gentle_introduction(torch):
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    Q = 3*a**3 - b**2
    external_grad = torch.tensor([1., 1.])
    Q.backward(gradient=external_grad)
    # Check if collected gradients are correct (the tutorial prints these)
    assert (9*a**2 == a.grad).numpy().all() and (-2*b == b.grad).numpy().all()
    return a.grad.numpy().copy(), b.grad.numpy().copy(), (9*a**2).detach().numpy(), \
        (-2*b).detach().numpy()


def test_gentle_introduction():
    ours = gentle_introduction(tinygrad_mlp)
    np.testing.assert_array_equal(ours[0], ours[2])  # 9*a**2 == a.grad
    np.testing.assert_array_equal(ours[1], ours[3])  # -2*b == b.grad
    if real_torch is not None:
        _compare(ours, gentle_introduction(real_torch))


def autograd_tutorial(torch, w0, b0):
    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.tensor(w0, requires_grad=True)  # the tutorial: torch.randn(5, 3, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    z = torch.matmul(x, w)+b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    assert z.grad_fn is not None
    loss.backward()
    grads = (w.grad.numpy().copy(), b.grad.numpy().copy())

    z = torch.matmul(x, w)+b
    assert z.requires_grad
    with torch.no_grad():
        z = torch.matmul(x, w)+b
    assert not z.requires_grad
    z = torch.matmul(x, w)+b
    z_det = z.detach()
    assert not z_det.requires_grad
    return grads


def test_autograd_tutorial():
    if not hasattr(tinygrad_mlp.nn, "functional"):
        pytest.skip("needs tinygrad_mlp.nn.functional (torch.nn.functional's spelling)")
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal(3).astype(
        np.float32)
    ours = autograd_tutorial(tinygrad_mlp, w0, b0)
    if real_torch is not None:
        _compare(ours, autograd_tutorial(real_torch, w0, b0))


def jacobian_product_tutorial(torch):
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp+1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.numpy().copy()
    out.backward(torch.ones_like(out), retain_graph=True)
    second = inp.grad.numpy().copy()
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    return first, second, inp.grad.numpy().copy()


def test_jacobian_product_tutorial():
    _needs(tinygrad_mlp, "eye")
    ours = jacobian_product_tutorial(tinygrad_mlp)
    np.testing.assert_array_equal(ours[1], 2 * ours[0])
    if real_torch is not None:
        _compare(ours, jacobian_product_tutorial(real_torch))


# ------------------------------------------------ Learning PyTorch with Examples
def polynomial_fit(torch, steps=2000, data=None, init=None):
    dtype = torch.float
    device = torch.device("cpu")
    # device = torch.device("cuda:0")  # Uncomment this to run on GPU

    # Create Tensors to hold input and outputs.
    if data is None:
        x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
        y = torch.sin(x)
    else:
        x, y = torch.from_numpy(data[0]), torch.from_numpy(data[1])

    # Create random Tensors for weights.
    if init is None:
        a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
        b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
        c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
        d = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    else:
        a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in init)

    learning_rate = 1e-6
    for t in range(steps):
        # Forward pass: compute predicted y using operations on Tensors.
        y_pred = a + b * x + c * x ** 2 + d * x ** 3

        # Compute and print loss using operations on Tensors.
        loss = (y_pred - y).pow(2).sum()
        if t == 0:
            first = loss.item()

        # Use autograd to compute the backward pass.
        loss.backward()

        # Manually update weights using gradient descent. Wrap in torch.no_grad()
        # because weights have requires_grad=True, but we don't need to track this
        # in autograd.
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad

            # Manually zero the gradients after updating weights
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    assert all(p.is_leaf and p.requires_grad for p in (a, b, c, d))
    return first, loss.item(), [p.item() for p in (a, b, c, d)]


def _sin_data():
    x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
    return x, np.sin(x)


INIT = (0.3, -0.2, 0.1, -0.05)


def test_polynomial_fit_with_a_hand_written_sgd_loop():
    first, last, coeffs = polynomial_fit(tinygrad_mlp, steps=500, data=_sin_data(), init=INIT)
    assert last < 0.05 * first  # it trains
    if real_torch is not None:
        t_first, t_last, t_coeffs = polynomial_fit(real_torch, steps=500, data=_sin_data(),
                                                   init=INIT)
        _compare([first, last, coeffs], [t_first, t_last, t_coeffs], rtol=1e-3)


def test_polynomial_fit_exactly_as_the_tutorial():
    _needs(tinygrad_mlp, "linspace", "sin")
    tinygrad_mlp.manual_seed(0)
    first, last, _ = polynomial_fit(tinygrad_mlp)
    assert last < first and last < 50  # the tutorial ends near 9


class LegendrePolynomial3Factory:
    """The tutorial's class, built for either library."""

    @staticmethod
    def make(torch):
        class LegendrePolynomial3(torch.autograd.Function):
            """
            We can implement our own custom autograd Functions by subclassing
            torch.autograd.Function and implementing the forward and backward passes
            which operate on Tensors.
            """

            @staticmethod
            def forward(ctx, input):
                """
                In the forward pass we receive a Tensor containing the input and return
                a Tensor containing the output. ctx is a context object that can be used
                to stash information for backward computation. You can cache tensors for
                use in the backward pass using the ``ctx.save_for_backward`` method. Other
                objects can be stored directly as attributes on the ctx object, such as
                ``ctx.my_object = my_object``. Check out `Extending torch.autograd`_
                for further details.
                """
                ctx.save_for_backward(input)
                return 0.5 * (5 * input ** 3 - 3 * input)

            @staticmethod
            def backward(ctx, grad_output):
                """
                In the backward pass we receive a Tensor containing the gradient of the loss
                with respect to the output, and we need to compute the gradient of the loss
                with respect to the input.
                """
                input, = ctx.saved_tensors
                return grad_output * 1.5 * (5 * input ** 2 - 1)

        return LegendrePolynomial3


def legendre_fit(torch, x, y, steps=2000):
    LegendrePolynomial3 = LegendrePolynomial3Factory.make(torch)
    dtype = torch.float
    # Create random Tensors for weights. For this example, we need
    # 4 weights: y = a + b * P3(c + d * x), these weights need to be initialized
    # not too far from the correct result to ensure convergence.
    # Setting requires_grad=True indicates that we want to compute gradients with
    # respect to these Tensors during the backward pass.
    a = torch.tensor(0.0, dtype=dtype, requires_grad=True)  # torch.full((), 0.0, …)
    b = torch.tensor(-1.0, dtype=dtype, requires_grad=True)
    c = torch.tensor(0.0, dtype=dtype, requires_grad=True)
    d = torch.tensor(0.3, dtype=dtype, requires_grad=True)

    learning_rate = 5e-6
    for t in range(steps):
        # To apply our Function, we use Function.apply method. We alias this as 'P3'.
        P3 = LegendrePolynomial3.apply

        # Forward pass: compute predicted y using operations; we compute
        # P3 using our custom autograd operation.
        y_pred = a + b * P3(c + d * x)

        # Compute and print loss
        loss = (y_pred - y).pow(2).sum()
        if t == 0:
            first = loss.item()

        # Use autograd to compute the backward pass.
        loss.backward()

        # Update weights using gradient descent
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad

            # Manually zero the gradients after updating weights
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return first, loss.item(), [p.item() for p in (a, b, c, d)]


def test_legendre_polynomial_custom_function():
    xs, ys = _sin_data()
    first, last, coeffs = legendre_fit(tinygrad_mlp, tinygrad_mlp.from_numpy(xs),
                                       tinygrad_mlp.from_numpy(ys), steps=300)
    assert last < 0.5 * first
    if real_torch is not None:
        theirs = legendre_fit(real_torch, real_torch.from_numpy(xs), real_torch.from_numpy(ys),
                              steps=300)
        _compare([first, last, coeffs], list(theirs), rtol=1e-3)


def test_legendre_polynomial_custom_function_under_create_graph():
    P3 = LegendrePolynomial3Factory.make(tinygrad_mlp).apply
    x = tinygrad_mlp.tensor([0.2, -0.7], dtype=tinygrad_mlp.float64, requires_grad=True)
    (g,) = tinygrad_mlp.autograd.grad(P3(x).sum(), x, create_graph=True)
    (h,) = tinygrad_mlp.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.numpy(), 1.5 * (5 * x.data ** 2 - 1))
    np.testing.assert_allclose(h.numpy(), 15 * x.data)


# ------------------------------------------------------- Hessian-vector product
def hessian_vector_product(torch, x0, v0):
    x = torch.tensor(x0, requires_grad=True)
    v = torch.tensor(v0)

    def f(x):
        return (x.sigmoid() * x ** 2).sum() + (x[0] * x[1]).tanh()

    y = f(x)
    grad_x, = torch.autograd.grad(y, x, create_graph=True)
    hvp, = torch.autograd.grad(grad_x, x, grad_outputs=v)
    return grad_x.detach().numpy(), hvp.numpy()


def test_hessian_vector_product():
    rng = np.random.default_rng(1)
    x0, v0 = rng.standard_normal(3), rng.standard_normal(3)
    ours = hessian_vector_product(tinygrad_mlp, x0, v0)
    # the HVP of a quadratic part by hand: for f = Σ x², H v = 2 v
    x = tinygrad_mlp.tensor(x0, requires_grad=True)
    (g,) = tinygrad_mlp.autograd.grad((x * x).sum(), x, create_graph=True)
    (hv,) = tinygrad_mlp.autograd.grad(g, x, grad_outputs=tinygrad_mlp.tensor(v0))
    np.testing.assert_allclose(hv.numpy(), 2 * v0)
    if real_torch is not None:
        _compare(ours, hessian_vector_product(real_torch, x0, v0), rtol=1e-12, atol=1e-12)
