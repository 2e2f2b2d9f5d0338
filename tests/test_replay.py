"""tm.compile: a recorded step replays bit-identically to eager mode, or runs eagerly
(with a warning) where a replay could not be trusted."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn, optim


def _data(n_batches=6, batch=8, d=5, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((batch, d)).astype(np.float32), rng.integers(0, c, batch))
            for _ in range(n_batches)]


def _model(seed=0, act=nn.Sigmoid):
    tm.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 7), act(), nn.Linear(7, 3))


OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1),
    "momentum": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda ps: optim.Adam(ps, lr=1e-2),
    "adamw": lambda ps: optim.AdamW(ps, lr=1e-2),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=1e-2),
}


def _train(make_step, compiled: bool, batches, as_tensors=True):
    model, opt, step = make_step()
    f = tm.compile(step) if compiled else step
    losses = []
    for xb, yb in batches:
        args = (tm.from_numpy(xb), tm.from_numpy(yb)) if as_tensors else (xb, yb)
        losses.append(f(*args))
    return [p.data.copy() for p in model.parameters()], [float(v.item()) for v in losses], f


def _classifier_step(opt_name="sgd", act=nn.Sigmoid, sched=False):
    def make():
        model = _model(act=act)
        opt = OPTIMIZERS[opt_name](model.parameters())
        scheduler = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5) if sched else None

        def step(xb, yb):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()
            return loss
        return model, opt, step
    return make


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("as_tensors", [True, False])
def test_replay_is_bit_identical_to_eager(opt_name, as_tensors):
    batches = _data()
    make = _classifier_step(opt_name, act=nn.ReLU if opt_name == "adam" else nn.Sigmoid)
    w_eager, l_eager, _ = _train(make, False, batches, as_tensors)
    w_comp, l_comp, f = _train(make, True, batches, as_tensors)
    assert f.replays == len(batches) - 2  # call 1 eager, call 2 records, the rest replay
    assert l_comp == l_eager
    for a, b in zip(w_eager, w_comp):
        np.testing.assert_array_equal(a, b)


def test_scheduler_inside_the_step_keeps_working():
    batches = _data(8)
    make = _classifier_step("sgd", sched=True)
    w_eager, l_eager, _ = _train(make, False, batches)
    w_comp, l_comp, f = _train(make, True, batches)
    assert f.replays == 6 and l_comp == l_eager
    for a, b in zip(w_eager, w_comp):
        np.testing.assert_array_equal(a, b)


def test_shared_weights_broadcasts_and_several_outputs():
    """Fan-in (a weight used twice), broadcasting (a bias of shape (1, k)), a tuple of
    outputs in a dict: gradients sum in the engine's order, so results stay identical."""
    rng = np.random.default_rng(3)

    def make():
        w = tm.tensor(rng.standard_normal((5, 5)).astype(np.float32), requires_grad=True)
        b = tm.tensor(np.zeros((1, 5), np.float32), requires_grad=True)
        opt = optim.SGD([w, b], lr=0.01, momentum=0.5)

        class M:
            def parameters(self):
                return [w, b]

        def step(x, y):
            h = (x @ w + b).tanh() @ w
            loss = ((h - y) ** 2).mean() + 0.1 * (w * w).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            return {"loss": loss, "parts": (h.sum(), b.sum())}
        return M(), opt, step

    batches = [(rng.standard_normal((4, 5)).astype(np.float32),
                rng.standard_normal((4, 5)).astype(np.float32)) for _ in range(5)]
    results = []
    for compiled in (False, True):
        rng = np.random.default_rng(3)
        model, opt, step = make()
        f = tm.compile(step) if compiled else step
        outs = [f(tm.from_numpy(x), tm.from_numpy(y)) for x, y in batches]
        results.append(([p.data.copy() for p in model.parameters()],
                        [(o["loss"].item(), o["parts"][0].item(), o["parts"][1].item())
                         for o in outs]))
        if compiled:
            assert f.replays == 3
    (w1, o1), (w2, o2) = results
    assert o1 == o2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


def test_replay_returns_fresh_detached_tensors():
    make = _classifier_step()
    model, opt, step = make()
    f = tm.compile(step)
    outs = [f(*(tm.from_numpy(a) for a in ab)) for ab in _data(5)]
    assert len({id(o) for o in outs}) == 5
    assert len({o.item() for o in outs}) == 5  # each keeps its own value
    assert all(o.grad_fn is None for o in outs[2:])


def _recorded_eagerly(step, batches, match):
    f = tm.compile(step)
    with pytest.warns(RuntimeWarning, match=match):
        for xb, yb in batches:
            f(tm.from_numpy(xb), tm.from_numpy(yb))
    assert f.replays == 0
    return f


def test_value_read_in_the_step_means_eager():
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    seen = []

    def step(xb, yb):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        if loss.item() > 100:  # control flow on a value: a replay could not follow it
            return loss
        seen.append(1)
        loss.backward()
        opt.step()
        return loss

    f = _recorded_eagerly(step, _data(5), "item")
    assert len(seen) == 5 and "eager" in repr(f)


@pytest.mark.parametrize("layer, match", [
    (lambda: nn.Dropout(0.5), "random"),
    (lambda: nn.BatchNorm1d(7), "running statistics"),
])
def test_random_draws_and_running_statistics_mean_eager(layer, match):
    model = nn.Sequential(nn.Linear(5, 7), layer(), nn.ReLU(), nn.Linear(7, 3))
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(xb, yb):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    _recorded_eagerly(step, _data(4), match)
    model.eval()
    f = tm.compile(step, warn=False)
    for xb, yb in _data(4):
        f(tm.from_numpy(xb), tm.from_numpy(yb))
    # eval-mode dropout is the identity: replayed; eval-mode batch norm reads its buffers
    # as arrays, which a replay cannot tell from data computed in the step: eager
    assert f.replays == (2 if match == "random" else 0)


def test_hooks_in_place_edits_and_outside_tensors_mean_eager():
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    handle = model[0].register_forward_hook(lambda m, i, o: None)

    def step(xb, yb):
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        return loss

    _recorded_eagerly(step, _data(4), "hooks")
    handle.remove()

    def step2(xb, yb):
        h = model(xb)
        h.add_(1.0)
        return F.cross_entropy(h, yb)

    _recorded_eagerly(step2, _data(4), "in place|outside the op graph")

    def step3(xb, yb):
        acc = (model(xb).argmax(1) == yb).float().mean()  # made outside the op graph
        return acc

    _recorded_eagerly(step3, _data(4), "outside the op graph")
    del opt


def test_a_different_shape_runs_eagerly_with_one_warning():
    make = _classifier_step()
    model, opt, step = make()
    f = tm.compile(step)
    batches = _data(4) + _data(3, batch=5, seed=1)
    with pytest.warns(RuntimeWarning, match=r"differ from the recorded call's") as rec:
        for xb, yb in batches:
            f(tm.from_numpy(xb), tm.from_numpy(yb))
    assert len([w for w in rec if "differ" in str(w.message)]) == 1
    assert f.replays == 2


def test_bad_labels_on_replay_raise_as_eager():
    make = _classifier_step()
    model, opt, step = make()
    f = tm.compile(step)
    for xb, yb in _data(3):
        f(tm.from_numpy(xb), tm.from_numpy(yb))
    xb, yb = _data(1)[0]
    for bad in (3, -1):
        yb2 = yb.copy()
        yb2[2] = bad
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with pytest.raises(ValueError, match="out of range"):
                f(tm.from_numpy(xb), tm.from_numpy(yb2))


def test_ignore_index_on_replay_gives_the_eager_result():
    batches = _data(4)
    xb, yb = batches[-1]
    yb = yb.copy()
    yb[0] = -100  # ignored: the recorded (plain) op cannot take it, so this call runs eagerly
    batches[-1] = (xb, yb)
    make = _classifier_step()
    w_eager, l_eager, _ = _train(make, False, batches)
    with pytest.warns(RuntimeWarning, match="rejected"):
        w_comp, l_comp, f = _train(make, True, batches)
    assert f.replays == 1 and l_comp == l_eager
    for a, b in zip(w_eager, w_comp):
        np.testing.assert_array_equal(a, b)


def test_arguments_that_require_grad_are_not_replayed():
    w = tm.ones(3, requires_grad=True)

    def step(x):
        return (x * w).sum()

    f = tm.compile(step, warn=False)
    for _ in range(3):
        x = tm.ones(3, requires_grad=True)
        f(x)
    assert f.replays == 0 and "requires grad" in repr(f)


def test_decorator_forms_and_no_grad_steps():
    model = _model()

    @tm.compile(warn=False)
    def predict(xb):
        with tm.no_grad():
            return model(xb).softmax(1)

    xs = [a for a, _ in _data(4)]
    eager = [model(tm.from_numpy(x)).softmax(1).data for x in xs]
    got = [predict(tm.from_numpy(x)).data for x in xs]
    assert predict.replays == 2
    for a, b in zip(eager, got):
        np.testing.assert_array_equal(a, b)


def test_results_a_replay_cannot_recompute_mean_eager():
    """Returning a .grad, a parameter or a raw array would hand back stale values."""
    w = tm.tensor(np.ones(3, np.float32), requires_grad=True)

    def grads(x):
        (x * w).sum().backward()
        return w.grad

    def arrays(x):
        return (x * w).sum().data

    def param(x):
        (x * w).sum().backward()
        return w

    for step, match in ((grads, "no op of the step computed"), (arrays, "returns an array"),
                        (param, "no op of the step computed")):
        f = tm.compile(step)
        with pytest.warns(RuntimeWarning, match=match):
            outs = [f(tm.from_numpy(np.full(3, float(i), np.float32))) for i in range(4)]
        assert f.replays == 0
        w.grad = None
    del outs


ACTIVATIONS = [nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.SiLU, nn.LeakyReLU, nn.ELU]


@given(widths=st.lists(st.integers(1, 6), min_size=1, max_size=3),
       acts=st.lists(st.sampled_from(ACTIVATIONS), min_size=3, max_size=3),
       opt_name=st.sampled_from(sorted(OPTIMIZERS)), batch=st.integers(1, 5),
       loss=st.sampled_from(["ce", "mse", "bce"]), dtype=st.sampled_from(["float32", "float64"]),
       seed=st.integers(0, 2**16))
@settings(deadline=None)
def test_any_mlp_replays_bit_identically(widths, acts, opt_name, batch, loss, dtype, seed):
    """Random depth, widths, activations, optimizer, loss and dtype: 5 steps eager and
    under tm.compile end with the same weights and losses, bit for bit."""
    rng = np.random.default_rng(seed)
    c = 3
    data = []
    for _ in range(5):
        y = rng.integers(0, c, batch)
        data.append((rng.standard_normal((batch, 4)).astype(dtype), y,
                     np.eye(c, dtype=dtype)[y]))

    def run(compiled):
        tm.manual_seed(seed)
        sizes = [4, *widths, c]
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b, dtype=getattr(tm, dtype)))
            if i < len(sizes) - 2:
                layers.append(acts[i]())
        model = nn.Sequential(*layers)
        opt = OPTIMIZERS[opt_name](model.parameters())

        def step(xb, yb, tb):
            out = model(xb)
            if loss == "ce":
                value = F.cross_entropy(out, yb)
            elif loss == "mse":
                value = F.mse_loss(out, tb)
            else:
                value = F.binary_cross_entropy_with_logits(out, tb)
            opt.zero_grad()
            value.backward()
            opt.step()
            return value

        f = tm.compile(step) if compiled else step
        losses = [f(*(tm.from_numpy(a) for a in batch_)).item() for batch_ in data]
        if compiled:
            assert f.replays == 3, repr(f)
        return [p.data.copy() for p in model.parameters()], losses

    (w1, l1), (w2, l2) = run(False), run(True)
    assert l1 == l2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


def test_a_mode_switch_after_recording_runs_eagerly():
    model = nn.Sequential(nn.Linear(5, 7), nn.Dropout(0.5), nn.ReLU(), nn.Linear(7, 3))
    model.eval()  # recorded in eval mode: dropout is the identity, so it can be replayed

    @tm.compile
    def predict(xb):
        with tm.no_grad():
            return model(xb)

    xs = [tm.from_numpy(a) for a, _ in _data(4)]
    for x in xs:
        predict(x)
    assert predict.replays == 2
    model.train()  # dropout must now drop: a replay would not
    with pytest.warns(RuntimeWarning, match="Sequential is in training mode"):
        out = predict(xs[0])
    assert predict.replays == 2
    assert (out.data == 0).any() or not np.array_equal(out.data, predict(xs[0]).data)


def test_an_error_after_the_update_is_raised_not_rerun():
    """Running the step eagerly after its optimizer step replayed would update twice: the
    error is raised instead, with the weights where an eager step leaves them."""
    xb, yb = _data(1)[0]
    bad = yb.copy()
    bad[0] = 7
    calls = [(a, b) for a, b in _data(3)] + [(xb, bad)]
    weights = []
    for compiled in (False, True):
        model = _model()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(xb, yb, model=model, opt=opt):
            opt.zero_grad()
            (model(xb) ** 2).mean().backward()
            opt.step()
            return F.cross_entropy(model(xb), yb)  # after the update: labels checked here

        f = tm.compile(step) if compiled else step
        for x, y in calls[:-1]:
            f(tm.from_numpy(x), tm.from_numpy(y))
        with pytest.raises(ValueError, match="out of range"):
            f(tm.from_numpy(calls[-1][0]), tm.from_numpy(calls[-1][1]))
        if compiled:
            assert f.replays == 1
        weights.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_a_grad_reset_the_tape_cannot_see_runs_eagerly():
    """``w.grad = None`` is plain Python: a replay finds .grad set where the recording
    found None, and runs the step eagerly rather than accumulating."""
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(3).astype(np.float32)
    xs = [rng.standard_normal(3).astype(np.float32) for _ in range(5)]
    results = []
    for compiled in (False, True):
        w = tm.tensor(w0.copy(), requires_grad=True)
        opt = optim.SGD([w], lr=0.1)

        def step(x, w=w, opt=opt):
            w.grad = None
            loss = (x * w).tanh().sum()
            loss.backward()
            opt.step()
            return loss

        f = tm.compile(step) if compiled else step
        if compiled:
            with pytest.warns(RuntimeWarning, match="reset outside zero_grad"):
                outs = [f(tm.from_numpy(x)).item() for x in xs]
        else:
            outs = [f(tm.from_numpy(x)).item() for x in xs]
        results.append((outs, w.data.copy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_an_index_array_computed_in_the_step_means_eager():
    w = tm.tensor(np.arange(6, dtype=np.float32), requires_grad=True)

    def step(idx):
        picked = w[np.flip(idx)]  # NumPy on the argument: a replay could not redo it
        return picked.sum()

    f = tm.compile(step)
    with pytest.warns(RuntimeWarning, match="computed inside the step"):
        outs = [f(np.array([i, 5 - i])).item() for i in range(4)]
    assert outs == [5.0, 5.0, 5.0, 5.0] and f.replays == 0

    def step2(idx):  # the argument itself as the index: replayed
        total = (w[idx] * 1.0).sum()
        total.backward()
        return total

    g = tm.compile(step2, warn=False)
    outs = [g(np.array([i, i])).item() for i in range(5)]
    assert outs == [0.0, 2.0, 4.0, 6.0, 8.0] and g.replays == 3
    np.testing.assert_array_equal(w.grad.data, [2, 2, 2, 2, 2, 0])  # accumulated, as eager


def test_two_backwards_and_two_optimizers_in_one_step_replay_bit_identically():
    """Two losses, each with its own backward and optimizer (a GAN's alternating updates),
    the second forward reading weights the first update changed: each backward gets its own
    written-out plan, in the recorded order."""
    rng = np.random.default_rng(5)
    batches = [rng.standard_normal((6, 5)).astype(np.float32) for _ in range(5)]
    results = []
    for compiled in (False, True):
        tm.manual_seed(1)
        gen, disc = nn.Linear(5, 5), nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 1))
        opt_g = optim.Adam(gen.parameters(), lr=1e-2)
        opt_d = optim.SGD(disc.parameters(), lr=0.1, momentum=0.5)

        def step(x, gen=gen, disc=disc, opt_g=opt_g, opt_d=opt_d):
            opt_d.zero_grad()
            d_loss = (disc(x) - disc(gen(x))).pow(2).mean()
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = -disc(gen(x)).mean()
            g_loss.backward()
            opt_g.step()
            return d_loss, g_loss

        f = tm.compile(step) if compiled else step
        outs = [tuple(v.item() for v in f(tm.from_numpy(x))) for x in batches]
        if compiled:
            assert f.replays == 3 and f.code.count("handed = set()") == 2
        results.append((outs, [p.data.copy() for p in [*gen.parameters(), *disc.parameters()]]))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_the_replay_function_source_is_shown_once_recorded():
    model, opt, step = _classifier_step()()
    f = tm.compile(step)
    assert f.code is None
    xb, yb = _data(1)[0]
    for _ in range(2):
        f(tm.from_numpy(xb), yb)
    code = f.code
    assert code.startswith("def replay(arrays):")
    # one forward call per recorded op (Linear, Sigmoid, Linear, CrossEntropy), one backward
    # call per node, the two recorded calls (zero_grad, step), the labels swapped in
    assert code.count(".data = o") == 4
    assert sum(1 for line in code.splitlines() if "= B" in line) == 4
    assert "['targets'] = arrays[1]" in code
    assert f.replays == 0
    f(tm.from_numpy(xb), yb)
    assert f.replays == 1


def test_a_long_chain_replays_bit_identically():
    """3,000 ops: the written-out function stays one compilable function."""
    def run(compiled):
        x = tm.tensor(np.linspace(-1, 1, 4, dtype=np.float32), requires_grad=True)
        w = tm.tensor(np.full(4, 0.9, np.float32), requires_grad=True)
        opt = optim.SGD([x, w], lr=0.01)

        def step():
            opt.zero_grad()
            h = x
            for _ in range(1000):
                h = (h * w).tanh() + 0.01
            loss = h.sum()
            loss.backward()
            opt.step()
            return loss

        f = tm.compile(step) if compiled else step
        losses = [f().item() for _ in range(4)]
        return losses, x.data.copy(), w.data.copy()

    eager, replayed = run(False), run(True)
    assert eager[0] == replayed[0]
    np.testing.assert_array_equal(eager[1], replayed[1])
    np.testing.assert_array_equal(eager[2], replayed[2])


def test_a_numpy_scalar_computed_from_the_data_means_eager():
    """``xb.max()`` is data, not a constant: a replay would reuse the recorded value."""
    def make():
        w = tm.tensor(np.zeros(3, np.float32), requires_grad=True)
        opt = optim.SGD([w], lr=0.1)

        def step(xb):
            opt.zero_grad()
            loss = tm.clamp(w + tm.from_numpy(xb), max=xb.max()).sum()
            loss.backward()
            opt.step()
            return loss
        return w, step

    xs = [np.full(3, v, np.float32) for v in (1.0, 2.0, 3.0, 4.0)]
    (w1, eager), (w2, step) = make(), make()
    f = tm.compile(step, warn=False)
    assert [f(x).item() for x in xs] == [eager(x).item() for x in xs]
    assert f.replays == 0
    np.testing.assert_array_equal(w1.data, w2.data)


def test_a_dropped_compiled_step_frees_its_arrays_without_the_cycle_collector():
    import gc
    import weakref

    model, opt, step = _classifier_step()()
    f = tm.compile(step)
    xb, yb = _data(1)[0]
    for _ in range(3):
        f(tm.from_numpy(xb), yb)
    assert f.replays == 1
    out = weakref.ref(f._out)
    gc.disable()
    try:
        del f
        assert out() is None  # no reference cycle holds the recorded tensors
    finally:
        gc.enable()


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
@pytest.mark.parametrize("classes", [3, 300])
def test_the_replay_label_check_catches_negative_and_too_large_labels(dtype, classes):
    """One pass over the labels seen as unsigned, where that is exact (-1 as 255 is not
    >= 300 classes: int8 labels then take the signed check)."""
    from tinygrad_mlp.ops.softmax import CrossEntropy

    z = np.zeros((3, classes), np.float32)
    check = CrossEntropy().check_replay
    check((z,), {"targets": np.array([0, 1, 2], dtype)})
    bad = [np.array([0, -1, 2], dtype)]
    if classes <= np.iinfo(dtype).max:
        bad.append(np.array([0, classes, 2], dtype))
    for t in bad:
        with pytest.raises(ValueError, match="out of range"):
            check((z,), {"targets": t})
