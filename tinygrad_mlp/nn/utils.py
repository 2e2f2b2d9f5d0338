"""Parameters as one flat vector (for ``scipy.optimize``) and gradient clipping, at PyTorch's
names (``torch.nn.utils``).

    f = nn.utils.loss_and_grad(params, lambda: cost(model(X), y))
    res = scipy.optimize.minimize(f, nn.utils.parameters_to_vector(params),
                                  jac=True, method="BFGS")
    nn.utils.vector_to_parameters(res.x, params)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "loss_and_grad", "parameters_to_vector",
           "vector_to_parameters"]


def _param_list(params, opname: str) -> list[Tensor]:
    if isinstance(params, Tensor):
        params = [params]
    params = list(params)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{opname}: item {i} is a {type(p).__name__}, not a Tensor/Parameter")
    return params


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters' values, flattened (C order) and concatenated: a (P,) Tensor (a copy).

    Its dtype is the parameters' (promoted if they differ), as ``torch.cat`` gives;
    ``np.asarray(vec, dtype=np.float64)`` is the float64 vector ``scipy.optimize`` wants.
    """
    params = _param_list(parameters, "parameters_to_vector")
    if not params:
        return Tensor(np.zeros(0))
    return Tensor(np.concatenate([p.data.ravel() for p in params]))


def vector_to_parameters(vec, parameters: Iterable[Tensor]) -> None:
    """Copy the flat (P,) vector ``vec`` (a Tensor or array) back into the parameters, in place.

    Each parameter keeps its dtype and its array (so an optimizer's state stays
    attached); the inverse of ``parameters_to_vector``.
    """
    params = _param_list(parameters, "vector_to_parameters")
    vec = np.asarray(vec.data if isinstance(vec, Tensor) else vec)
    total = sum(p.data.size for p in params)
    if vec.ndim != 1 or vec.size != total:
        shapes = [p.shape for p in params]
        raise ValueError(f"vector_to_parameters: the vector has shape {vec.shape} but the "
                         f"{len(params)} parameters (shapes {shapes}) hold {total} values")
    offset = 0
    for p in params:
        n = p.data.size
        p.data[...] = vec[offset:offset + n].reshape(p.shape)
        offset += n


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
        if not isinstance(loss, Tensor) or loss.data.size != 1:
            raise ValueError(f"loss_and_grad: loss_fn must return a one-element Tensor, got "
                             f"{type(loss).__name__} {getattr(loss, 'shape', '')}")
        loss.backward()
        grads = [np.zeros(p.data.size) if p.grad is None else p.grad.data.ravel() for p in params]
        g = np.concatenate(grads).astype(np.float64, copy=False) if grads else np.zeros(0)
        return float(loss.item()), g

    return f


def _vector_norm(a: np.ndarray, norm_type: float) -> np.ndarray:
    """‖a‖ of order ``norm_type`` over all elements, in a's dtype (``torch.linalg.vector_norm``)."""
    a = np.abs(a.ravel())
    if norm_type == math.inf:
        return a.max(initial=0).astype(a.dtype)
    if norm_type == -math.inf:
        return a.min(initial=math.inf).astype(a.dtype)
    if norm_type == 0:
        return np.asarray(np.count_nonzero(a), dtype=a.dtype)
    if norm_type == 2:
        return np.sqrt(np.dot(a, a))
    return np.sum(a**norm_type) ** (1.0 / norm_type)


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float | str = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale all gradients in place so that their joint norm is at most ``max_norm``.

    total = ‖(‖g₁‖, ‖g₂‖, …)‖ (order ``norm_type``; 'inf' for the largest |g|), and
    every gradient is multiplied by min(1, max_norm / (total + 1e-6)), as in
    PyTorch. Returns the total norm before clipping as a 0-d Tensor (in the
    gradients' dtype). Parameters without a gradient are skipped; with
    ``error_if_nonfinite`` a NaN/inf total raises RuntimeError. ``foreach`` is
    accepted for PyTorch's signature.
    """
    norm_type = float(norm_type)
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be non-negative, got {max_norm}")
    grads = [p.grad.data for p in _param_list(parameters, "clip_grad_norm_")
             if p.grad is not None]
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    dtype = np.result_type(*grads)
    norms = np.array([_vector_norm(g, norm_type) for g in grads], dtype=dtype)
    total = _vector_norm(norms, norm_type).astype(dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: The total norm of order {norm_type} for gradients "
                           f"from `parameters` is non-finite ({total.item()}), so it cannot be "
                           f"clipped. To disable this error and scale the gradients by the "
                           f"non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    with np.errstate(invalid="ignore"):  # inf·0 = NaN, as PyTorch lets it be
        for g in grads:
            g *= coef
    return Tensor(np.asarray(total))


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient in place to [−clip_value, clip_value] (``grad None`` skipped)."""
    clip_value = float(clip_value)
    for p in _param_list(parameters, "clip_grad_value_"):
        if p.grad is not None:
            np.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)
