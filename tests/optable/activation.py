"""Specs of the activation functions (ops/activation.py), in PyTorch's spelling."""

from __future__ import annotations

from . import ANY, Domain, OpSpec, away_from

WIDE = Domain(-5.0, 5.0)


def F(lib):
    """``torch.nn.functional`` or ``tinygrad_mlp.functional``."""
    return lib.nn.functional if lib.__name__ == "torch" else lib.functional


SPECS = [
    OpSpec("leaky_relu", lambda lib, x: F(lib).leaky_relu(x), (away_from(0),)),
    OpSpec("leaky_relu.slope", lambda lib, x: F(lib).leaky_relu(x, 0.2), (away_from(0),)),
    OpSpec("elu", lambda lib, x: F(lib).elu(x), (away_from(0),)),
    OpSpec("elu.alpha", lambda lib, x: F(lib).elu(x, alpha=0.5), (away_from(0),)),
    OpSpec("selu", lambda lib, x: F(lib).selu(x), (away_from(0),)),
    OpSpec("celu", lambda lib, x: F(lib).celu(x, alpha=2.0), (away_from(0),)),
    OpSpec("gelu", lambda lib, x: F(lib).gelu(x), (WIDE,)),
    OpSpec("gelu.tanh", lambda lib, x: F(lib).gelu(x, approximate="tanh"), (WIDE,)),
    OpSpec("silu", lambda lib, x: F(lib).silu(x), (WIDE,)),
    OpSpec("mish", lambda lib, x: F(lib).mish(x), (WIDE,)),
    OpSpec("softplus", lambda lib, x: F(lib).softplus(x), (WIDE,)),
    OpSpec("softplus.beta_threshold", lambda lib, x: F(lib).softplus(x, beta=2.0, threshold=2.0),
           (away_from(1.0),)),
    OpSpec("softsign", lambda lib, x: F(lib).softsign(x), (WIDE,)),
    OpSpec("hardtanh", lambda lib, x: F(lib).hardtanh(x), (away_from(-1, 1),)),
    OpSpec("hardtanh.bounds", lambda lib, x: F(lib).hardtanh(x, -0.5, 2.0),
           (away_from(-0.5, 2.0),)),
    OpSpec("relu6", lambda lib, x: F(lib).relu6(x), (away_from(0, 6, lo=-3, hi=8),)),
    # PyTorch's float64 backward multiplies by float32(1/6): agree to float32 rounding only
    OpSpec("hardsigmoid", lambda lib, x: F(lib).hardsigmoid(x), (away_from(-3, 3, lo=-5, hi=5),),
           rtol64=1e-7),
    OpSpec("hardswish", lambda lib, x: F(lib).hardswish(x), (away_from(-3, 3, lo=-5, hi=5),)),
    OpSpec("logsigmoid", lambda lib, x: F(lib).logsigmoid(x), (WIDE,)),
    OpSpec("softmin", lambda lib, x: F(lib).softmin(x, dim=-1), (ANY,), min_dims=1),
    OpSpec("softmin.dim0", lambda lib, x: F(lib).softmin(x, dim=0), (ANY,), min_dims=1),
]
