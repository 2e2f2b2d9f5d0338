"""optim: SGD and Adam against hand-written NumPy updates and PyTorch, schedules, state."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import nn, optim
from tinygrad_mlp.optim import SGD, Adam, CosineAnnealingLR, InverseTimeDecay, StepLR

# Several tests step schedules alone, without an optimizer step first.
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step")

SHAPES = [(3, 4), (4,), (1,)]


def make_params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [nn.Parameter(rng.standard_normal(s).astype(dtype)) for s in SHAPES]


def grad_sequence(steps, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) for s in SHAPES] for _ in range(steps)]


def run(opt, params, grads):
    """Apply the optimizer with the given gradients; return the parameter arrays."""
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = tm.Tensor(g.astype(p.dtype))
        opt.step()
    return [p.data.copy() for p in params]


# ----------------------------------------------------- NumPy expectations
def sgd_reference(p0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False, wd=0.0):
    """PyTorch's documented SGD algorithm, written out for one array."""
    p, buf = p0.copy(), None
    for g in grads:
        g = g + wd * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def adam_reference(p0, grads, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    """Kingma & Ba's Adam with bias correction (PyTorch's placement of eps)."""
    p, m, v = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
    for t, g in enumerate(grads, start=1):
        g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr / (1 - b1**t) * m / (np.sqrt(v) / math.sqrt(1 - b2**t) + eps)
    return p


SGD_CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.1, momentum=0.5, weight_decay=0.01),
    dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.1),
]
ADAM_CONFIGS = [
    dict(),
    dict(lr=0.01, betas=(0.8, 0.99)),
    dict(lr=0.003, eps=1e-3, weight_decay=0.05),
]


@pytest.mark.parametrize("cfg", SGD_CONFIGS)
def test_sgd_matches_numpy_reference(cfg):
    params = make_params()
    p0 = [p.data.copy() for p in params]
    grads = grad_sequence(6)
    got = run(SGD(params, **cfg), params, grads)
    for i, p in enumerate(got):
        want = sgd_reference(p0[i], [gs[i] for gs in grads], cfg["lr"],
                             cfg.get("momentum", 0.0), cfg.get("dampening", 0.0),
                             cfg.get("nesterov", False), cfg.get("weight_decay", 0.0))
        np.testing.assert_allclose(p, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cfg", ADAM_CONFIGS)
def test_adam_matches_numpy_reference(cfg):
    params = make_params()
    p0 = [p.data.copy() for p in params]
    grads = grad_sequence(6)
    got = run(Adam(params, **cfg), params, grads)
    b1, b2 = cfg.get("betas", (0.9, 0.999))
    for i, p in enumerate(got):
        want = adam_reference(p0[i], [gs[i] for gs in grads], cfg.get("lr", 1e-3), b1, b2,
                              cfg.get("eps", 1e-8), cfg.get("weight_decay", 0.0))
        np.testing.assert_allclose(p, want, rtol=1e-12, atol=1e-14)


def test_closed_forms_of_first_steps():
    # SGD with momentum, two steps: p2 = p0 − lr·g1 − lr·(μ·g1 + g2).
    p = nn.Parameter(np.array([1.0, -2.0]))
    g1, g2 = np.array([0.5, 1.0]), np.array([-1.0, 2.0])
    run(SGD([p], lr=0.1, momentum=0.9), [p], [[g1], [g2]])
    np.testing.assert_allclose(p.data, [1.0, -2.0] - 0.1 * g1 - 0.1 * (0.9 * g1 + g2))
    # Nesterov, one step: p1 = p0 − lr·(1 + μ)·g1.
    p = nn.Parameter(np.array([1.0, -2.0]))
    run(SGD([p], lr=0.1, momentum=0.9, nesterov=True), [p], [[g1]])
    np.testing.assert_allclose(p.data, [1.0, -2.0] - 0.1 * 1.9 * g1)
    # Adam's first step moves each weight by lr·sign(g) (up to eps).
    p = nn.Parameter(np.array([1.0, -2.0, 3.0]))
    run(Adam([p], lr=0.01), [p], [[np.array([0.3, -5.0, 1e-3])]])
    np.testing.assert_allclose(p.data, [0.99, -1.99, 2.99], rtol=1e-6)


# ------------------------------------------------------------- PyTorch
def _torch_run(torch_opt_cls, cfg, grads):
    torch = pytest.importorskip("torch")
    params = [torch.tensor(p.data, requires_grad=True) for p in make_params()]
    opt = torch_opt_cls(torch, params, cfg)
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = torch.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("cfg", SGD_CONFIGS)
def test_sgd_matches_pytorch(cfg):
    grads = grad_sequence(8)
    want = _torch_run(lambda torch, ps, c: torch.optim.SGD(ps, **c), cfg, grads)
    params = make_params()
    got = run(SGD(params, **cfg), params, grads)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("cfg", ADAM_CONFIGS)
def test_adam_matches_pytorch(cfg):
    grads = grad_sequence(8)
    want = _torch_run(lambda torch, ps, c: torch.optim.Adam(ps, **c), cfg, grads)
    params = make_params()
    got = run(Adam(params, **cfg), params, grads)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("make, torch_make", [
    (lambda o: StepLR(o, step_size=3, gamma=0.5),
     lambda torch, o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    (lambda o: CosineAnnealingLR(o, T_max=7, eta_min=0.01),
     lambda torch, o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.01)),
])
def test_schedules_match_pytorch(make, torch_make):
    torch = pytest.importorskip("torch")
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
    tsched = torch_make(torch, topt)
    opt = SGD(make_params(), lr=0.2)
    sched = make(opt)
    for _ in range(10):
        assert opt.lr == pytest.approx(tsched.get_last_lr()[0], rel=1e-12)
        topt.step()
        tsched.step()
        sched.step()


# ----------------------------------------------------------- behaviour
def test_updates_in_place_keep_dtype_and_skip_missing_grads():
    params = make_params(np.float32)
    arrays = [p.data for p in params]
    before = params[2].data.copy()
    for opt in (SGD(params, lr=0.1, momentum=0.9), Adam(params)):
        params[0].grad = tm.Tensor(np.ones(SHAPES[0], dtype=np.float32))
        params[1].grad = tm.Tensor(np.ones(SHAPES[1], dtype=np.float32))
        params[2].grad = None
        opt.step()
        assert all(p.data is a for p, a in zip(params, arrays))
        assert all(p.dtype == np.float32 for p in params)
        assert all(p.grad is None or p.grad.grad_fn is None for p in params)
        np.testing.assert_array_equal(params[2].data, before)
        assert params[2] not in opt.state or not opt.state[params[2]]
        assert opt.state[params[0]]


def test_zero_grad_and_lr_attribute():
    params = make_params()
    opt = SGD(params, lr=0.1)
    for p in params:
        p.grad = tm.ones(p.shape, dtype=np.float64)
    opt.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in params)
    opt.zero_grad()
    assert all(p.grad is None for p in params)
    opt.lr = 0.5
    params[1].grad = tm.ones(4, dtype=np.float64)
    before = params[1].data.copy()
    opt.step()
    np.testing.assert_allclose(params[1].data, before - 0.5)
    with pytest.raises(ValueError, match="lr"):
        opt.lr = -1.0


@pytest.mark.parametrize("make, match", [
    (lambda ps: SGD(ps, lr=-0.1), "lr"),
    (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), "momentum"),
    (lambda ps: SGD(ps, lr=0.1, nesterov=True), "Nesterov"),
    (lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
    (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), "weight_decay"),
    (lambda ps: Adam(ps, betas=(1.0, 0.999)), "beta1"),
    (lambda ps: Adam(ps, betas=(0.9, -0.1)), "beta2"),
    (lambda ps: Adam(ps, eps=-1e-8), "eps"),
    (lambda ps: SGD([], lr=0.1), "empty"),
    (lambda ps: SGD([ps[0], ps[0]], lr=0.1), "twice"),
    (lambda ps: SGD([{"params": ps[:2]}, {"params": ps[1:]}], lr=0.1), "more than one"),
])
def test_bad_settings_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make(make_params())


def test_params_must_be_an_iterable_of_tensors():
    with pytest.raises(TypeError, match="iterable"):
        SGD(make_params()[0], lr=0.1)
    with pytest.raises(TypeError, match="item 1"):
        SGD([make_params()[0], np.zeros(2)], lr=0.1)
    model = nn.Linear(3, 2)
    assert len(SGD(model.parameters(), lr=0.1).param_groups[0]["params"]) == 2  # a generator


def test_params_that_do_not_require_grad_are_accepted_and_skipped():
    frozen, live = tm.zeros(2, dtype=np.float64), nn.Parameter(np.ones(2))
    frozen.grad = tm.ones(2, dtype=np.float64)  # even with a gradient: it does not require grad
    live.grad = tm.ones(2, dtype=np.float64)
    SGD([frozen, live], lr=0.5).step()
    np.testing.assert_array_equal(frozen.data, [0, 0])
    np.testing.assert_array_equal(live.data, [0.5, 0.5])


# ------------------------------------------------------------ schedules
def test_inverse_time_decay_values():
    opt = SGD(make_params(), lr=0.5)
    sched = InverseTimeDecay(opt, decay=0.1)
    seen = [opt.lr]
    for _ in range(5):
        sched.step()
        seen.append(sched.get_last_lr()[0])
    np.testing.assert_allclose(seen, [0.5 / (1 + 0.1 * e) for e in range(6)], rtol=1e-12)
    assert sched.get_last_lr() == [opt.lr] == [seen[-1]]


def test_inverse_time_decay_cumulative_matches_classic_loop():
    # The classic MLP's loop: before epoch i, eta /= (1 + decrease_const * i).
    eta, d, used = 0.001, 0.1, []
    for i in range(6):
        eta /= 1 + d * i
        used.append(eta)
    opt = SGD(make_params(), lr=0.001)
    sched = InverseTimeDecay(opt, decay=d, cumulative=True)
    mine = []
    for _ in range(6):
        mine.append(opt.lr)
        sched.step()
    np.testing.assert_allclose(mine, used, rtol=1e-12)


def test_step_and_cosine_values():
    opt = SGD(make_params(), lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.1)
    lrs = [opt.lr] + [(sched.step(), opt.lr)[1] for _ in range(5)]
    np.testing.assert_allclose(lrs, [1, 1, 0.1, 0.1, 0.01, 0.01], rtol=1e-12)
    opt = Adam(make_params(), lr=1.0)
    sched = CosineAnnealingLR(opt, T_max=4, eta_min=0.0)
    lrs = [opt.lr] + [(sched.step(), opt.lr)[1] for _ in range(4)]
    np.testing.assert_allclose(lrs, [1, (1 + math.sqrt(0.5)) / 2, 0.5,
                                     (1 - math.sqrt(0.5)) / 2, 0], atol=1e-12)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="decay"):
        InverseTimeDecay(opt, decay=-1)


def test_scheduler_state_round_trip_and_mismatch():
    opt = SGD(make_params(), lr=0.3)
    sched = InverseTimeDecay(opt, decay=0.5)
    for _ in range(3):
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["base_lrs"] == [0.3] and state["last_epoch"] == 3
    opt2 = SGD(make_params(), lr=0.3)
    sched2 = InverseTimeDecay(opt2, decay=0.0)
    opt2.load_state_dict(opt.state_dict())  # as in PyTorch: the lr lives in the optimizer
    sched2.load_state_dict(state)
    assert opt2.lr == opt.lr and sched2.decay == 0.5
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr()
    with pytest.raises(ValueError, match="another schedule"):
        StepLR(opt2, step_size=2).load_state_dict(state)


# ---------------------------------------------------------------- state
def _continue_from_state(opt_cls, cfg, state_dict_transform):
    grads = grad_sequence(6)
    params = make_params()
    opt = opt_cls(params, **cfg)
    run(opt, params, grads[:3])
    sd = state_dict_transform(opt.state_dict())
    saved = [p.data.copy() for p in params]
    straight = run(opt, params, grads[3:])
    params2 = make_params(seed=9)
    for p, s in zip(params2, saved):
        p.data[...] = s
    opt2 = opt_cls(params2, **{**cfg, "lr": 0.123})
    opt2.load_state_dict(sd)
    assert opt2.lr == cfg["lr"]
    resumed = run(opt2, params2, grads[3:])
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("opt_cls, cfg", [
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (Adam, dict(lr=0.01, weight_decay=0.1)),
])
def test_optimizer_state_dict_round_trip(opt_cls, cfg):
    _continue_from_state(opt_cls, cfg, lambda sd: sd)


@pytest.mark.parametrize("opt_cls, cfg", [
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (Adam, dict(lr=0.01, weight_decay=0.1)),
])
def test_optimizer_state_through_io(tmp_path, opt_cls, cfg):
    tio = pytest.importorskip("tinygrad_mlp.io")

    def through_file(sd):
        tio.save(sd, tmp_path / "opt.npz")
        return tio.load(tmp_path / "opt.npz")

    _continue_from_state(opt_cls, cfg, through_file)


def test_state_dict_holds_numbers_and_array_copies():
    params = make_params()
    opt = Adam(params)
    run(opt, params, grad_sequence(2))
    sd = opt.state_dict()
    assert set(sd) == {"param_groups", "state"}
    assert sorted(sd["state"]) == [0, 1, 2]
    assert sd["state"][0]["step"] == 2
    assert sd["param_groups"][0]["params"] == [0, 1, 2]
    assert sd["param_groups"][0]["lr"] == 1e-3 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    sd["state"][0]["exp_avg"][...] = 1e9
    assert not np.any(opt.state[params[0]]["exp_avg"] == 1e9)


def test_load_state_dict_mismatch_errors():
    params = make_params()
    sgd = SGD(params, lr=0.1, momentum=0.9)
    run(sgd, params, grad_sequence(1))
    sd = sgd.state_dict()
    with pytest.raises(ValueError, match="another optimizer type"):
        Adam(make_params()).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0: 3 saved, 2 here"):
        SGD(make_params()[:2], lr=0.1, momentum=0.9).load_state_dict(sd)
    other = [nn.Parameter(np.zeros((4, 3))), nn.Parameter(np.zeros(4)), nn.Parameter(np.zeros(1))]
    with pytest.raises(ValueError, match=r"momentum_buffer.*parameter 0.*\(3, 4\).*\(4, 3\)"):
        SGD(other, lr=0.1, momentum=0.9).load_state_dict(sd)


def test_repr_and_package_exports():
    assert "lr: 0.1" in repr(SGD(make_params(), lr=0.1))
    assert optim.lr_scheduler.InverseTimeDecay is InverseTimeDecay


# ------------------------------------------------- every optimizer: groups, resume, skip
ALL_OPTIMIZERS = [
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    (optim.AdamW, dict(lr=0.01)),
    (optim.NAdam, dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1)),
    (optim.RAdam, dict(lr=0.01)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    (optim.Adadelta, dict(rho=0.8)),
    (optim.Adamax, dict(lr=0.01)),
]
ALL_IDS = [c.__name__ for c, _ in ALL_OPTIMIZERS]


def _two_groups(params):
    return [{"params": params[:2]}, {"params": params[2:], "lr": 0.003}]


@pytest.mark.parametrize("opt_cls, cfg", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_every_optimizer_resumes_through_a_file(tmp_path, opt_cls, cfg):
    grads = grad_sequence(30)
    params = make_params(np.float32)
    opt = opt_cls(_two_groups(params), **cfg)
    run(opt, params, grads[:12])
    tm.save({"opt": opt.state_dict(), "w": [p.data for p in params]}, tmp_path / "ck.npz")
    straight = run(opt, params, grads[12:])
    ck = tm.load(tmp_path / "ck.npz")
    params2 = [nn.Parameter(w) for w in ck["w"]]
    opt2 = opt_cls(_two_groups(params2), **{**cfg, "lr": 0.5})
    opt2.load_state_dict(ck["opt"])
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]
    resumed = run(opt2, params2, grads[12:])
    for a, b in zip(straight, resumed):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("opt_cls, cfg", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_every_optimizer_moves_downhill_and_skips_gradless(opt_cls, cfg):
    """On f(w) = ½‖w‖², every optimizer lowers f; a parameter without grad never moves."""
    w = nn.Parameter(np.array([1.0, -2.0, 0.5]))
    frozen = nn.Parameter(np.array([3.0]))
    opt = opt_cls([w, frozen], **cfg)
    start = 0.5 * float(w.data @ w.data)
    for _ in range(30):
        opt.zero_grad()
        w.grad = tm.Tensor(w.data.copy())     # ∇f = w
        opt.step()
    assert 0.5 * float(w.data @ w.data) < start
    np.testing.assert_array_equal(frozen.data, [3.0])
    assert frozen not in opt.state or opt_cls is optim.Adagrad  # Adagrad's state is eager
    up = opt_cls([w], **cfg, maximize=True)
    before = 0.5 * float(w.data @ w.data)
    for _ in range(5):
        w.grad = tm.Tensor(w.data.copy())
        up.step()
    assert 0.5 * float(w.data @ w.data) > before


def test_closure_and_state_structure():
    p = nn.Parameter(np.array([2.0]))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 4.0 and p.data[0] == pytest.approx(2.0 - 0.25 * 4.0)
    sd = optim.Adagrad([p], lr=0.1).state_dict()
    assert sd["state"][0]["step"] == 0 and sd["state"][0]["sum"].tolist() == [0.0]
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [p]}, {"params": [nn.Parameter(np.zeros(1))]}],
                  lr=0.1).load_state_dict(optim.SGD([p], lr=0.1).state_dict())
    with pytest.raises(TypeError, match="sets"):
        opt.add_param_group({"params": {nn.Parameter(np.zeros(1))}})
