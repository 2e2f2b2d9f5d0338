"""Parameters as one flat vector (for ``scipy.optimize``) and gradient clipping.

    f = nn.utils.loss_and_grad(params, lambda: cost(model(X), y))
    res = scipy.optimize.minimize(f, nn.utils.parameters_to_vector(params),
                                  jac=True, method="BFGS")
    nn.utils.vector_to_parameters(res.x, params)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "loss_and_grad", "parameters_to_vector", "vector_to_parameters"]


def _param_list(params, opname: str) -> list[Tensor]:
    if isinstance(params, Tensor):
        params = [params]
    params = list(params)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{opname}: item {i} is a {type(p).__name__}, not a Tensor/Parameter")
    return params


def parameters_to_vector(params: Iterable[Tensor]) -> np.ndarray:
    """All parameters' values, flattened (C order) and concatenated: a float64 (P,) array."""
    params = _param_list(params, "parameters_to_vector")
    if not params:
        return np.zeros(0)
    return np.concatenate([p.data.ravel() for p in params]).astype(np.float64, copy=False)


def vector_to_parameters(vec, params: Iterable[Tensor]) -> None:
    """Copy the flat (P,) vector ``vec`` back into the parameters, in place (dtypes kept)."""
    params = _param_list(params, "vector_to_parameters")
    vec = np.asarray(vec.data if isinstance(vec, Tensor) else vec)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.size != total:
        shapes = [p.shape for p in params]
        raise ValueError(f"vector_to_parameters: the vector has shape {vec.shape} but the "
                         f"{len(params)} parameters (shapes {shapes}) hold {total} values")
    offset = 0
    for p in params:
        p.data[...] = vec[offset:offset + p.numel()].reshape(p.shape)
        offset += p.numel()


def loss_and_grad(params: Iterable[Tensor],
                  loss_fn: Callable[[], Tensor]) -> Callable[[np.ndarray], tuple]:
    """``f(theta) -> (loss, grad)`` for ``scipy.optimize.minimize(f, x0, jac=True)``.

    ``f`` writes ``theta`` into ``params``, evaluates the scalar ``loss_fn()``,
    backpropagates and returns the loss as a float and the gradient as a
    float64 (P,) vector (zeros for parameters the loss does not use).
    Use float64 parameters (``model.double()``) for quasi-Newton methods.
    """
    params = _param_list(params, "loss_and_grad")

    def f(theta):
        vector_to_parameters(theta, params)
        for p in params:
            p.grad = None  # each call is a fresh evaluation, not an accumulation
        loss = loss_fn()
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            raise ValueError(f"loss_and_grad: loss_fn must return a one-element Tensor, got "
                             f"{type(loss).__name__} {getattr(loss, 'shape', '')}")
        loss.backward()
        grads = [np.zeros(p.size) if p.grad is None else p.grad.data.ravel() for p in params]
        g = np.concatenate(grads).astype(np.float64, copy=False) if grads else np.zeros(0)
        return float(loss.item()), g

    return f


def clip_grad_norm_(params: Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0) -> float:
    """Scale all gradients in place so their joint norm is at most ``max_norm``.

    Returns the total norm before clipping (as PyTorch does); parameters
    without a gradient are skipped.
    """
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be non-negative, got {max_norm}")
    grads = [p.grad.data for p in _param_list(params, "clip_grad_norm_") if p.grad is not None]
    if not grads:
        return 0.0
    if norm_type == np.inf:
        total = max(float(np.abs(g).max(initial=0.0)) for g in grads)
    else:
        total = float(sum(np.sum(np.abs(g.astype(np.float64)) ** norm_type) for g in grads)
                      ** (1.0 / norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g *= coef
    return total
