"""The network behind ``MLPClassifier``/``MLPRegressor``, on tinygrad_mlp's ``nn.Linear``.

scikit-learn stores a layer as ``coefs_[i]`` of shape (fan_in, fan_out) and
``intercepts_[i]`` (fan_out,); ``nn.Linear`` holds ``weight`` (out, in) and
``bias`` (out,), so ``weight = coefs_[i].T``. The network computes the output
layer's pre-activation z (the logits); the output activation is applied by
``output`` (softmax, logistic, identity or exp) and folded into the losses,
which are computed from z for stability:

==============  ==============  ==================================================
out_activation  loss            per-sample loss ℓ(z, y)
==============  ==============  ==================================================
softmax         log_loss        −log softmax(z)[y]                 (cross-entropy)
logistic        log_loss        Σ_k BCE-with-logits(z_k, y_k)      (binary, multilabel)
identity        squared_error   ½ Σ_k (z_k − y_k)²
exp             poisson         Σ_k (e^{z_k} − y_k z_k) + const
==============  ==============  ==================================================

In every case ∂ℓ/∂z = output(z) − y, the δᴸ of scikit-learn's backpropagation.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn
from ..autograd import no_grad
from ..creation import from_numpy
from ..tensor import Tensor

#: Hidden activations by scikit-learn's names, as tinygrad_mlp modules.
ACTIVATION_MODULES = {"identity": nn.Identity, "logistic": nn.Sigmoid, "tanh": nn.Tanh,
                      "relu": nn.ReLU}


class _FilledLinear(nn.Linear):
    """An ``nn.Linear`` whose values the estimator writes: no draw from the package RNG."""

    def reset_parameters(self, rng=None) -> None:
        self.weight.data[...] = 0
        if self.bias is not None:
            self.bias.data[...] = 0


class MLPNetwork(nn.Module):
    """Linear → activation → … → Linear: x (N, n_features) → z (N, n_outputs), float32."""

    def __init__(self, coefs: list[np.ndarray], intercepts: list[np.ndarray], activation: str):
        super().__init__()
        layers = []
        for i, w in enumerate(coefs):
            lin = _FilledLinear(w.shape[0], w.shape[1], dtype=np.float32)
            layers.append(lin)
            if i < len(coefs) - 1:
                layers.append(ACTIVATION_MODULES[activation]())
        self.layers = nn.Sequential(*layers)
        self.load_arrays(coefs, intercepts)

    def linears(self) -> list[nn.Linear]:
        return [m for m in self.layers if isinstance(m, nn.Linear)]

    def load_arrays(self, coefs, intercepts) -> None:
        """Copy scikit-learn-layout arrays into the parameters, in place (optimizer state stays)."""
        for lin, w, b in zip(self.linears(), coefs, intercepts):
            lin.weight.data[...] = np.asarray(w, dtype=np.float32).T
            lin.bias.data[...] = np.asarray(b, dtype=np.float32)

    def arrays(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(coefs, intercepts) as fresh float32 copies in scikit-learn's layout."""
        lins = self.linears()
        return ([np.ascontiguousarray(m.weight.data.T) for m in lins],
                [m.bias.data.copy() for m in lins])

    def weights(self) -> list[Tensor]:
        """The weight matrices (what the L2 term penalises; intercepts are not)."""
        return [m.weight for m in self.linears()]

    def forward(self, x) -> Tensor:
        return self.layers(x)


def output(z: Tensor, out_activation: str) -> Tensor:
    """The output activation applied to the logits z."""
    if out_activation == "softmax":
        return z.softmax(-1)
    if out_activation == "logistic":
        return z.sigmoid()
    if out_activation == "exp":
        return z.exp()
    return z


def predict_arrays(coefs, intercepts, activation: str, out_activation: str,
                   X: np.ndarray, network: MLPNetwork | None = None) -> np.ndarray:
    """output(network(X)) as a float32 ndarray (N, n_outputs), without a graph.

    The network is built from ``coefs``/``intercepts`` unless one is given.
    """
    net = network if network is not None else MLPNetwork(coefs, intercepts, activation)
    with no_grad():
        return output(net(from_numpy(np.asarray(X, dtype=np.float32))), out_activation).numpy()


def per_sample_loss(z: Tensor, y: Tensor, out_activation: str) -> Tensor:
    """ℓ(z, y) per sample (N,), for ``y`` class indices (softmax) or targets (N, n_outputs)."""
    if out_activation == "softmax":
        return F.cross_entropy(z, y, reduction="none")
    if out_activation == "logistic":
        return F.binary_cross_entropy_with_logits(z, y, reduction="none").sum(1)
    if out_activation == "exp":
        return (z.exp() - y * z).sum(1)
    d = z - y
    return (d * d).sum(1) * 0.5


def poisson_constant(y: np.ndarray) -> np.ndarray:
    """Σ_k (y log y − y) per sample: the part of the Poisson deviance without z."""
    from scipy.special import xlogy

    return (xlogy(y, y) - y).sum(1)


def data_loss(z: Tensor, y: Tensor, out_activation: str, sample_weight: np.ndarray | None,
              sw_sum: float) -> Tensor:
    """Σ wᵢ ℓᵢ / Σ wᵢ (the mean when there are no weights), a scalar Tensor."""
    losses = per_sample_loss(z, y, out_activation)
    if sample_weight is None:
        return losses.sum() * (1.0 / sw_sum)
    return (losses * from_numpy(sample_weight.astype(np.float32))).sum() * (1.0 / sw_sum)


def l2_term(network: MLPNetwork, alpha: float, sw_sum: float) -> Tensor | None:
    """alpha / (2·Σw) · Σ‖W‖² (scikit-learn's penalty), or None when alpha is 0."""
    if not alpha:
        return None
    return F.l2_penalty(network.weights(), alpha / sw_sum)
