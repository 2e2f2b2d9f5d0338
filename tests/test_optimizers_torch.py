"""Every optimizer against torch.optim, step for step: trajectories over 25 steps with several
option combinations and two parameter groups, in float32 and float64; state-dict structure,
resume, and loading a real torch optimizer's state dict."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import nn, optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (4,), (2, 3), (1,)]
STEPS = 25

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, eps=1e-3)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9))),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.05, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.05, betas=(0.9, 0.9))),
    ("RAdam", dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.001, centered=True, momentum=0.9, eps=1e-4)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.7, 0.99), weight_decay=0.1)),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-6)}


def initial_arrays(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def gradients(dtype, steps=STEPS, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]


def groups_of(params, second_group_options):
    """Two groups: the first two parameters with the defaults, the rest with their own options."""
    return [{"params": params[:2]}, {"params": params[2:], **second_group_options}]


def run_ours(name, cfg, arrays, grads, group_opts=None, skip=()):
    params = [nn.Parameter(a.copy()) for a in arrays]
    spec = groups_of(params, group_opts) if group_opts is not None else params
    opt = getattr(optim, name)(spec, **cfg)
    for gs in grads:
        for i, (p, g) in enumerate(zip(params, gs)):
            p.grad = None if i in skip else tm.Tensor(g.copy())
        opt.step()
    return [p.data for p in params], opt


def run_torch(name, cfg, arrays, grads, group_opts=None, skip=()):
    params = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    spec = groups_of(params, group_opts) if group_opts is not None else params
    opt = getattr(torch.optim, name)(spec, **cfg, foreach=False)
    for gs in grads:
        for i, (p, g) in enumerate(zip(params, gs)):
            p.grad = None if i in skip else torch.tensor(g.copy())
        opt.step()
    return [p.detach().numpy() for p in params], opt


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, cfg", CASES, ids=IDS)
def test_trajectory_matches_torch(name, cfg, dtype):
    arrays, grads = initial_arrays(dtype), gradients(dtype)
    ours, _ = run_ours(name, cfg, arrays, grads)
    theirs, _ = run_torch(name, cfg, arrays, grads)
    for a, b in zip(ours, theirs):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, **TOL[dtype])


GROUP_OPTS = {"SGD": dict(lr=0.01, momentum=0.5), "Adam": dict(lr=0.05, betas=(0.5, 0.9)),
              "AdamW": dict(weight_decay=0.3), "NAdam": dict(momentum_decay=0.02),
              "RAdam": dict(lr=0.1), "RMSprop": dict(centered=True),
              "Adagrad": dict(lr_decay=0.1), "Adadelta": dict(rho=0.5),
              "Adamax": dict(eps=1e-2)}


@pytest.mark.parametrize("name", sorted(GROUP_OPTS))
def test_param_groups_and_skipped_params_match_torch(name):
    arrays, grads = initial_arrays(np.float64), gradients(np.float64)
    cfg = dict(lr=0.02) if name != "Adadelta" else {}
    ours, opt = run_ours(name, cfg, arrays, grads, GROUP_OPTS[name], skip={1})
    theirs, topt = run_torch(name, cfg, arrays, grads, GROUP_OPTS[name], skip={1})
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, **TOL[np.float64])
    np.testing.assert_array_equal(ours[1], arrays[1])  # never had a gradient
    ours_sd, theirs_sd = opt.state_dict(), topt.state_dict()
    assert [sorted(g) for g in ours_sd["param_groups"]] == \
        [sorted(g) for g in theirs_sd["param_groups"]]
    for g, tg in zip(ours_sd["param_groups"], theirs_sd["param_groups"]):
        want = {k: (tuple(v) if isinstance(v, list) and k != "params" else v)
                for k, v in tg.items() if k != "foreach"}  # torch ran with foreach=False
        assert {k: v for k, v in g.items() if k != "foreach"} == want
    assert sorted(ours_sd["state"]) == sorted(theirs_sd["state"])
    for i, s in ours_sd["state"].items():
        ts = theirs_sd["state"][i]
        assert sorted(s) == sorted(ts)
        for k, v in s.items():
            np.testing.assert_allclose(v, ts[k].numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, cfg", CASES[::3], ids=IDS[::3])
def test_load_torch_state_dict_and_continue(name, cfg):
    """Train 10 steps in torch, move its state dict (as arrays) into ours, continue both."""
    arrays, grads = initial_arrays(np.float64), gradients(np.float64, steps=20)
    tparams = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    topt = getattr(torch.optim, name)(tparams, **cfg, foreach=False)

    def torch_steps(gs_list):
        for gs in gs_list:
            for p, g in zip(tparams, gs):
                p.grad = torch.tensor(g.copy())
            topt.step()

    torch_steps(grads[:10])
    sd = topt.state_dict()
    as_arrays = {"state": {k: {b: (v.numpy() if torch.is_tensor(v) else v)
                               for b, v in s.items()} for k, s in sd["state"].items()},
                 "param_groups": sd["param_groups"]}
    params = [nn.Parameter(p.detach().numpy().copy()) for p in tparams]
    opt = getattr(optim, name)(params, lr=0.12345)
    opt.load_state_dict(as_arrays)
    assert opt.param_groups[0]["lr"] == sd["param_groups"][0]["lr"]
    torch_steps(grads[10:])
    for gs in grads[10:]:
        for p, g in zip(params, gs):
            p.grad = tm.Tensor(g.copy())
        opt.step()
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
