"""optim.lr_scheduler against torch.optim.lr_scheduler: lr (and momentum) sequences over 60
steps on two parameter groups, chaining, SequentialLR/ChainedScheduler, and state-dict resume."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import nn, optim
from tinygrad_mlp.optim import lr_scheduler as ours_ls

# Several tests step schedules alone, without an optimizer step first.
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step")

STEPS = 60


def _double(e):
    return 0.95**e


class Halver:
    """A callable object: its attributes are saved by LambdaLR.state_dict (as PyTorch)."""

    def __init__(self):
        self.rate = 0.97

    def __call__(self, e):
        return self.rate**e


# name -> (kwargs, optimizer kind): one schedule per entry, as in torch's signature
SCHEDULES = {
    "LambdaLR": [dict(lr_lambda=_double), dict(lr_lambda=[_double, lambda e: 1 / (1 + e)])],
    "MultiplicativeLR": [dict(lr_lambda=lambda e: 0.9)],
    "StepLR": [dict(step_size=7, gamma=0.5)],
    "MultiStepLR": [dict(milestones=[5, 12, 12, 40], gamma=0.3)],
    "ConstantLR": [dict(), dict(factor=0.5, total_iters=10)],
    "LinearLR": [dict(), dict(start_factor=0.1, end_factor=0.8, total_iters=25)],
    "ExponentialLR": [dict(gamma=0.93)],
    "PolynomialLR": [dict(), dict(total_iters=40, power=2.0)],
    "CosineAnnealingLR": [dict(T_max=20), dict(T_max=13, eta_min=0.001)],
    "CosineAnnealingWarmRestarts": [dict(T_0=7), dict(T_0=5, T_mult=2, eta_min=0.01)],
    "CyclicLR": [dict(base_lr=0.01, max_lr=0.1, step_size_up=6),
                 dict(base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=4, step_size_down=9,
                      mode="triangular2"),
                 dict(base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range",
                      gamma=0.97, base_momentum=0.7, max_momentum=0.95),
                 dict(base_lr=0.01, max_lr=0.1, step_size_up=5, cycle_momentum=False,
                      scale_fn=lambda x: 0.9**x, scale_mode="iterations")],
    "OneCycleLR": [dict(max_lr=0.5, total_steps=STEPS + 1),
                   dict(max_lr=[0.5, 0.3], epochs=6, steps_per_epoch=11, pct_start=0.25,
                        anneal_strategy="linear", three_phase=True),
                   dict(max_lr=0.5, total_steps=STEPS + 1, div_factor=10.0,
                        final_div_factor=100.0, cycle_momentum=False)],
}
CASES = [(n, i, kw) for n, kws in SCHEDULES.items() for i, kw in enumerate(kws)]
IDS = [f"{n}-{i}" for n, i, _ in CASES]


def make_pair(torch, kind="sgd"):
    """Our optimizer and torch's, both with two groups (lr 0.1 and 0.05)."""
    ours_p = [nn.Parameter(np.zeros(3)), nn.Parameter(np.zeros(2))]
    torch_p = [torch.zeros(3, requires_grad=True), torch.zeros(2, requires_grad=True)]
    if kind == "adam":
        return (optim.Adam([{"params": ours_p[:1]}, {"params": ours_p[1:], "lr": 0.05}], lr=0.1),
                torch.optim.Adam([{"params": torch_p[:1]}, {"params": torch_p[1:], "lr": 0.05}],
                                 lr=0.1))
    return (optim.SGD([{"params": ours_p[:1]}, {"params": ours_p[1:], "lr": 0.05}], lr=0.1,
                      momentum=0.9),
            torch.optim.SGD([{"params": torch_p[:1]}, {"params": torch_p[1:], "lr": 0.05}],
                            lr=0.1, momentum=0.9))


def assert_same_groups(opt, topt):
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert g["lr"] == pytest.approx(tg["lr"], rel=1e-12, abs=1e-15)
        if "momentum" in tg:
            assert g["momentum"] == pytest.approx(tg["momentum"], rel=1e-12)
        if "betas" in tg:
            assert g["betas"][0] == pytest.approx(tg["betas"][0], rel=1e-12)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name, i, kw", CASES, ids=IDS)
def test_lr_sequence_matches_torch(name, i, kw, kind):
    torch = pytest.importorskip("torch")
    opt, topt = make_pair(torch, kind)
    sched = getattr(ours_ls, name)(opt, **kw)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    for _ in range(STEPS):
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)
        assert_same_groups(opt, topt)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    assert sched.last_epoch == tsched.last_epoch
    assert sched.base_lrs == pytest.approx(tsched.base_lrs)


def test_warm_restarts_fractional_epochs_match_torch():
    torch = pytest.importorskip("torch")
    for kw in (dict(T_0=3), dict(T_0=2, T_mult=3, eta_min=0.005)):
        opt, topt = make_pair(torch)
        sched = ours_ls.CosineAnnealingWarmRestarts(opt, **kw)
        tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, **kw)
        iters = 7
        for epoch in range(10):
            for b in range(iters):
                sched.step(epoch + b / iters)
                tsched.step(epoch + b / iters)
                np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(),
                                           rtol=1e-12)
                assert sched.T_i == tsched.T_i


@pytest.mark.parametrize("kw", [
    dict(), dict(mode="max", factor=0.5, patience=2, threshold=0.1, threshold_mode="abs"),
    dict(patience=1, cooldown=3, min_lr=[0.01, 0.02], eps=1e-3),
    dict(mode="max", patience=0, threshold=0.05, min_lr=0.004),
])
def test_reduce_on_plateau_matches_torch(kw):
    torch = pytest.importorskip("torch")
    opt, topt = make_pair(torch)
    sched = ours_ls.ReduceLROnPlateau(opt, **kw)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    rng = np.random.default_rng(0)
    metric = 1.0
    for _ in range(80):
        metric = metric * rng.uniform(0.9, 1.08)
        sched.step(metric)
        tsched.step(metric)
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)
        assert sched.num_bad_epochs == tsched.num_bad_epochs
        assert sched.cooldown_counter == tsched.cooldown_counter


def _combos(ls, opt):
    return {
        "two-at-once": lambda: [ls.ExponentialLR(opt, gamma=0.95),
                                ls.StepLR(opt, step_size=4, gamma=0.5)],
        "cosine+multistep": lambda: [ls.CosineAnnealingLR(opt, T_max=15),
                                     ls.MultiStepLR(opt, milestones=[10, 30], gamma=0.1)],
        "chained": lambda: [ls.ChainedScheduler([ls.ConstantLR(opt, factor=0.2, total_iters=5),
                                                 ls.ExponentialLR(opt, gamma=0.9)])],
        "sequential": lambda: [ls.SequentialLR(
            opt, [ls.LinearLR(opt, start_factor=0.1, total_iters=8),
                  ls.CosineAnnealingLR(opt, T_max=30, eta_min=1e-3),
                  ls.ExponentialLR(opt, gamma=0.9)], milestones=[8, 40])],
    }


@pytest.mark.parametrize("combo", ["two-at-once", "cosine+multistep", "chained", "sequential"])
def test_chaining_matches_torch(combo):
    torch = pytest.importorskip("torch")
    opt, topt = make_pair(torch)
    mine = _combos(ours_ls, opt)[combo]()
    theirs = _combos(torch.optim.lr_scheduler, topt)[combo]()
    for _ in range(STEPS):
        assert_same_groups(opt, topt)
        np.testing.assert_allclose(mine[-1].get_last_lr(), theirs[-1].get_last_lr(), rtol=1e-12)
        opt.step()
        topt.step()
        for s in mine:
            s.step()
        for s in theirs:
            s.step()


RESUMABLE = [("StepLR", dict(step_size=5, gamma=0.5)),
             ("MultiStepLR", dict(milestones=[3, 9, 25], gamma=0.5)),
             ("CosineAnnealingLR", dict(T_max=17, eta_min=0.001)),
             ("CosineAnnealingWarmRestarts", dict(T_0=4, T_mult=2)),
             ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, mode="triangular2")),
             ("OneCycleLR", dict(max_lr=0.4, total_steps=60, three_phase=True)),
             ("LambdaLR", dict(lr_lambda=Halver())),
             ("InverseTimeDecay", dict(decay=0.1, cumulative=True))]


@pytest.mark.parametrize("name, kw", RESUMABLE, ids=[n for n, _ in RESUMABLE])
def test_resume_through_a_file_gives_the_same_lrs(tmp_path, name, kw):
    def fresh():
        p = nn.Parameter(np.zeros(2))
        opt = optim.SGD([p], lr=0.1, momentum=0.9)
        return opt, getattr(ours_ls, name)(opt, **kw)

    opt, sched = fresh()
    for _ in range(20):
        opt.step()
        sched.step()
    tm.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "ck.npz")
    straight = []
    for _ in range(35):
        opt.step()
        sched.step()
        straight.append(sched.get_last_lr() + [opt.param_groups[0]["momentum"]])
    opt2, sched2 = fresh()
    ck = tm.load(tmp_path / "ck.npz")
    opt2.load_state_dict(ck["opt"])
    sched2.load_state_dict(ck["sched"])
    resumed = []
    for _ in range(35):
        opt2.step()
        sched2.step()
        resumed.append(sched2.get_last_lr() + [opt2.param_groups[0]["momentum"]])
    np.testing.assert_allclose(resumed, straight, rtol=1e-14)


def test_reduce_on_plateau_resume(tmp_path):
    def fresh():
        return ours_ls.ReduceLROnPlateau(optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0),
                                         patience=2, cooldown=1)

    metrics = [1.0, 0.9, 0.95, 0.97, 0.99, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9]
    a = fresh()
    for m in metrics[:5]:
        a.step(m)
    tm.save({"o": a.optimizer.state_dict(), "s": a.state_dict()}, tmp_path / "p.npz")
    for m in metrics[5:]:
        a.step(m)
    b = fresh()
    ck = tm.load(tmp_path / "p.npz")
    b.optimizer.load_state_dict(ck["o"])
    b.load_state_dict(ck["s"])
    for m in metrics[5:]:
        b.step(m)
    assert b.get_last_lr() == a.get_last_lr() and b.best == a.best
    assert a.get_last_lr()[0] < 1.0


def test_loads_a_torch_scheduler_state_dict():
    torch = pytest.importorskip("torch")
    opt, topt = make_pair(torch)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5)
    for _ in range(7):
        topt.step()
        tsched.step()
    sched = ours_ls.StepLR(opt, step_size=99)
    sched.load_state_dict(tsched.state_dict())
    for g, tg in zip(opt.param_groups, topt.param_groups):
        g["lr"] = tg["lr"]
    for _ in range(10):
        sched.step()
        tsched.step()
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)


def test_initial_step_and_base_lrs_as_pytorch():
    p = nn.Parameter(np.zeros(1))
    opt = optim.SGD([{"params": [p], "lr": 0.3}], lr=0.1)
    sched = ours_ls.LinearLR(opt, start_factor=0.5, total_iters=4)
    assert opt.param_groups[0]["initial_lr"] == 0.3 and sched.base_lrs == [0.3]
    assert sched.last_epoch == 0 and sched.get_last_lr() == [0.15]
    with pytest.raises(KeyError, match="initial_lr"):
        ours_ls.StepLR(optim.SGD([p], lr=0.1), step_size=2, last_epoch=3)
    with pytest.raises(TypeError, match="not an Optimizer"):
        ours_ls.StepLR(object(), step_size=2)


def test_cycle_momentum_needs_momentum():
    opt = optim.Adagrad([nn.Parameter(np.zeros(1))])
    with pytest.raises(ValueError, match="momentum or beta1"):
        ours_ls.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    sched = ours_ls.OneCycleLR(opt, max_lr=0.1, total_steps=3, cycle_momentum=False)
    for _ in range(2):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        sched.step()
        sched.step()


def test_cosine_closed_form_and_inverse_time_decay():
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    cos = ours_ls.CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    lrs = [cos.get_last_lr()[0]]
    for _ in range(10):
        cos.step()
        lrs.append(cos.get_last_lr()[0])
    want = [0.1 + 0.9 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(11)]
    np.testing.assert_allclose(lrs, want, rtol=1e-12)
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.5)
    inv = ours_ls.InverseTimeDecay(opt, decay=0.2)
    lrs = [inv.get_last_lr()[0]]
    for _ in range(50):
        inv.step()
        lrs.append(inv.get_last_lr()[0])
    np.testing.assert_allclose(lrs, [0.5 / (1 + 0.2 * e) for e in range(51)], rtol=1e-12)


def test_warns_when_the_scheduler_steps_before_the_optimizer():
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1)
    sched = ours_ls.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1)
    sched2 = ours_ls.StepLR(opt2, step_size=1)
    opt2.step()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()
