"""Anomaly mode (tm.autograd.detect_anomaly / set_detect_anomaly) and fit(on_nonfinite=...)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import anomaly, nn, optim
from tinygrad_mlp.autograd import Function
from tinygrad_mlp.data import DataLoader
from tinygrad_mlp.train import fit

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN on purpose


@pytest.fixture(autouse=True)
def _mode_off():
    yield
    tm.autograd.set_detect_anomaly(False)


def test_forward_nan_names_op_shapes_and_user_line():
    x = tm.Tensor(np.array([[1.0, -1.0, 4.0]]), requires_grad=True)
    with tm.autograd.detect_anomaly():
        y = x * 2
        with pytest.raises(RuntimeError) as info:
            y.sqrt()  # THE LINE
    message = str(info.value)
    assert "'sqrt'" in message and "nan" in message and "(1, 3)" in message
    assert "test_anomaly.py" in message and "y.sqrt()  # THE LINE" in message
    assert "all its inputs were finite" in message


def test_forward_reports_inputs_already_non_finite():
    data = tm.Tensor(np.array([1.0, np.nan]))
    w = tm.Tensor(np.ones(2), requires_grad=True)
    with tm.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="input 0 already held nan"):
            _ = data * w


def test_backward_nan_names_the_op_and_where_it_was_made():
    x = tm.Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with tm.autograd.detect_anomaly(check_nan=True):
        y = x.sqrt()  # MADE HERE (finite forward: sqrt(0) = 0)
        loss = (y * 0.0).sum()
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    message = str(info.value)
    # PyTorch's words, then shapes and the line of user code that created the node
    assert "Function 'SqrtBackward' returned nan values in its 0th output" in message
    assert "(2,)" in message and "y = x.sqrt()  # MADE HERE" in message


def test_decorator_and_set_detect_anomaly():
    assert not tm.autograd.is_anomaly_enabled()

    @tm.autograd.detect_anomaly()
    def step():
        assert tm.autograd.is_anomaly_enabled()
        return tm.Tensor([-1.0], requires_grad=True).log()

    with pytest.raises(RuntimeError, match="'log'"):
        step()
    assert not tm.autograd.is_anomaly_enabled()
    tm.autograd.set_detect_anomaly(True)
    assert tm.autograd.is_anomaly_enabled() and anomaly.is_anomaly_check_nan_enabled()
    with pytest.raises(RuntimeError):
        tm.Tensor([0.0], requires_grad=True).log()
    with tm.autograd.set_detect_anomaly(False):
        assert not tm.autograd.is_anomaly_enabled()
    assert tm.autograd.is_anomaly_enabled()
    tm.autograd.set_detect_anomaly(False)
    assert tm.Tensor([0.0], requires_grad=True).log().data[0] == -np.inf  # off: no check


def test_check_nan_false_records_but_does_not_raise():
    with tm.autograd.detect_anomaly(check_nan=False):
        y = tm.Tensor([0.0], requires_grad=True).log()
    assert "test_anomaly.py" in anomaly.where(y.grad_fn)


def test_mode_off_is_the_original_apply_and_records_nothing():
    assert Function.__dict__["apply"] is anomaly._ORIGINAL_APPLY
    y = tm.Tensor([1.0], requires_grad=True).exp()
    assert "_anomaly_stack" not in y.grad_fn.__dict__ and anomaly.where(y.grad_fn) == ""
    with tm.autograd.detect_anomaly():
        assert Function.__dict__["apply"] is not anomaly._ORIGINAL_APPLY
        z = tm.Tensor([1.0], requires_grad=True).exp()
    assert Function.__dict__["apply"] is anomaly._ORIGINAL_APPLY
    assert type(z.grad_fn).__name__ == type(y.grad_fn).__name__ == "Exp"
    assert isinstance(z.grad_fn, type(y.grad_fn))


def test_gradients_are_the_same_in_anomaly_mode():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    X, y = rng.standard_normal((6, 4)).astype(np.float32), rng.integers(0, 3, 6)
    nn.CrossEntropyLoss()(model(tm.Tensor(X)), y).backward()
    plain = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    with tm.autograd.detect_anomaly():
        nn.CrossEntropyLoss()(model(tm.Tensor(X)), y).backward()
    for a, p in zip(plain, model.parameters()):
        np.testing.assert_array_equal(a, p.grad.numpy())


def test_create_graph_in_anomaly_mode():
    x = tm.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with tm.autograd.detect_anomaly():
        (g,) = tm.autograd.grad((x ** 3).sum(), x, create_graph=True)
        g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.array([1.0, 2.0]))


# ------------------------------------------------------------------ fit(on_nonfinite=...)
def _setup(nan_at: int | None):
    tm.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3)).astype(np.float32)
    if nan_at is not None:
        X[nan_at, 1] = np.nan
    y = rng.integers(0, 2, 40)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    return model, optim.SGD(model.parameters(), lr=0.1), DataLoader(X, y, batch_size=10)


def test_fit_raises_at_the_first_nonfinite_loss_naming_epoch_and_batch():
    model, opt, loader = _setup(nan_at=25)  # batch 3 of 4
    before = [p.numpy().copy() for p in model.parameters()]
    with pytest.raises(FloatingPointError, match=r"epoch 1/3, batch 3/4"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3, progress=False)
    for p in model.parameters():  # two good steps, and the NaN batch never stepped
        assert np.isfinite(p.numpy()).all()
    assert any(not np.array_equal(a, p.numpy()) for a, p in zip(before, model.parameters()))


def test_fit_warn_stops_and_returns_the_history_so_far():
    model, opt, loader = _setup(nan_at=25)
    with pytest.warns(RuntimeWarning, match=r"epoch 1/3, batch 3/4.*training stopped"):
        h = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3, progress=False,
                         on_nonfinite="warn")
    assert h.stopped_nonfinite == (1, 3) and h.epochs == 0 and len(h["lr"]) == 0
    assert len(h["batch_loss"]) == 3 and np.isnan(h["batch_loss"][-1])
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())


def test_fit_ignore_trains_on_as_before():
    model, opt, loader = _setup(nan_at=25)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2, progress=False,
                         on_nonfinite="ignore")
    assert h.epochs == 2 and np.isnan(h["loss"][-1])


def test_fit_clean_data_unchanged_and_bad_option():
    model, opt, loader = _setup(nan_at=None)
    h = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2, progress=False)
    assert h.stopped_nonfinite is None and np.isfinite(h["loss"]).all()
    with pytest.raises(ValueError, match="on_nonfinite"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, on_nonfinite="skip")


def test_detect_anomaly_finds_the_op_behind_fits_nan():
    model, opt, loader = _setup(nan_at=None)
    X = np.ones((4, 3), np.float32)
    X[0, 0] = np.inf
    with tm.autograd.detect_anomaly(), pytest.raises(RuntimeError) as info:
        model(tm.Tensor(X))
    assert "'linear'" in str(info.value) and "input 0 already held inf" in str(info.value)
