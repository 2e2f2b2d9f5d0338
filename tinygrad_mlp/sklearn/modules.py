"""``MLPModule``: the CLI's multilayer perceptron as an ``nn.Module`` for ``NeuralNet*``.

    NeuralNetClassifier(MLPModule, module__hidden=(64,), module__activation="tanh")

``in_features``/``out_features`` are filled in from the data by the wrappers
when left out. It is an ``nn.Sequential`` (Linear, activation, …, Linear), so
its state dict has the keys of ``tinygrad-mlp train``'s model ("0.weight", …)
and ``tinygrad-mlp evaluate`` reads its checkpoints.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import nn

#: Activation names: the CLI's and scikit-learn's (``logistic`` is ``sigmoid``).
ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "logistic": nn.Sigmoid,
               "tanh": nn.Tanh, "identity": nn.Identity}
INITS = ("default", "glorot", "tutorial")


class MLPModule(nn.Sequential):
    """x (N, in_features) → logits (N, out_features) through ``hidden`` layers.

    ``init``: 'default' keeps ``nn.Linear``'s U(±1/√in); 'glorot' is
    scikit-learn's U(±√(6/(in+out))) (√(2/(in+out)) for sigmoid); 'tutorial'
    is the digits tutorial's (SEEDS C) weights N(0, 1) and biases 0.01.
    ``dropout`` > 0 adds ``nn.Dropout`` after each hidden activation.
    """

    def __init__(self, in_features: int = 1, out_features: int = 1,
                 hidden: int | Sequence[int] = (100,), activation: str = "relu",
                 init: str = "default", dropout: float = 0.0):
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLPModule: unknown activation {activation!r}; choose one of "
                             f"{sorted(ACTIVATIONS)}")
        if init not in INITS:
            raise ValueError(f"MLPModule: unknown init {init!r}; choose one of {INITS}")
        hidden = [int(hidden)] if isinstance(hidden, int) else [int(h) for h in hidden]
        layers, width = [], int(in_features)
        for size in hidden:
            layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, int(out_features)))
        super().__init__(*layers)
        linears = [m for m in layers if isinstance(m, nn.Linear)]
        for lin in linears:
            if init == "tutorial":
                nn.init.normal_(lin.weight, 0.0, 1.0)
                nn.init.constant_(lin.bias, 0.01)
            elif init == "glorot":
                fan = lin.in_features + lin.out_features
                bound = ((2.0 if activation in ("sigmoid", "logistic") else 6.0) / fan) ** 0.5
                nn.init.uniform_(lin.weight, -bound, bound)
                nn.init.uniform_(lin.bias, -bound, bound)
