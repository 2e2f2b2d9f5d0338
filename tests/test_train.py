"""train: fit / evaluate / predict, early stopping, determinism and resuming."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn, optim
from tinygrad_mlp.train import History, evaluate, fit, predict

try:
    from tinygrad_mlp.data import DataLoader
except ImportError:  # written by another part of the project; fall back to plain batching
    DataLoader = None


class ListLoader:
    """A re-iterable batcher (used when tinygrad_mlp.data is not importable)."""

    def __init__(self, X, y, batch_size, shuffle=False):
        self.X, self.y, self.bs, self.shuffle = X, y, batch_size, shuffle

    def __len__(self):
        return math.ceil(len(self.X) / self.bs)

    def __iter__(self):
        order = tm.get_rng().permutation(len(self.X)) if self.shuffle else np.arange(len(self.X))
        for i in range(0, len(self.X), self.bs):
            idx = order[i:i + self.bs]
            yield tm.from_numpy(self.X[idx]), tm.from_numpy(self.y[idx])


def loader(X, y, batch_size=16, shuffle=False):
    if DataLoader is not None:
        return DataLoader(X, y, batch_size=batch_size, shuffle=shuffle)
    return ListLoader(X, y, batch_size, shuffle)


def blobs(n=200, seed=0, flip=False):
    """Two Gaussian blobs in 2-D, labels 0/1 (swapped with ``flip``)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, 2)) * 0.7 + np.where(y[:, None] == 1, 2.0, -2.0)
    return X.astype(np.float32), (1 - y if flip else y).astype(np.int64)


def mlp(seed=0, hidden=8, dropout=0.0):
    tm.manual_seed(seed)
    layers = [nn.Linear(2, hidden), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(hidden, 2))


def test_fit_learns_a_separable_problem_and_records_history():
    X, y = blobs()
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    train = loader(X, y, 16, shuffle=True)
    h = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=5,
            val_data=blobs(100, seed=1), scheduler=sched, progress=False)
    assert isinstance(h, History)
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "batch_loss"}
    assert all(len(h[k]) == 5 for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"))
    assert h.epochs == 5 and len(h["batch_loss"]) == 5 * len(train)
    np.testing.assert_allclose(h["lr"], [0.1, 0.1, 0.05, 0.05, 0.025])
    assert h["accuracy"][-1] >= 0.97 and h["val_accuracy"][-1] >= 0.97
    assert h["loss"][-1] < h["loss"][0]
    assert not h.stopped_early
    assert h.best_epoch == int(np.argmin(h["val_loss"]))


def test_evaluate_and_predict_agree_with_direct_computation():
    X, y = blobs(150)
    model = mlp(dropout=0.5)
    model.train()
    res = evaluate(model, (X, y), nn.CrossEntropyLoss(), batch_size=40)
    assert model.training and all(m.training for m in model.modules())  # mode restored
    model.eval()
    logits = model(X)
    assert res["loss"] == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-6)
    assert res["accuracy"] == pytest.approx(np.mean(logits.data.argmax(1) == y))
    out = predict(model, X, batch_size=64)
    assert isinstance(out, np.ndarray) and out.shape == (150, 2)
    np.testing.assert_allclose(out, logits.data, rtol=1e-6)
    summed = evaluate(model, loader(X, y, 40), nn.CrossEntropyLoss(reduction="sum"))
    assert summed["loss"] == pytest.approx(F.cross_entropy(logits, y, "sum").item(), rel=1e-5)
    assert set(evaluate(model, (X, y))) == {"accuracy"}


def test_accuracy_for_one_hot_binary_and_regression_targets():
    X, y = blobs(100)
    onehot = np.eye(2, dtype=np.float32)[y]
    model = mlp()
    fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.5), loader(X, onehot, 20),
        epochs=3, progress=False)
    assert evaluate(model, (X, onehot), nn.MSELoss())["accuracy"] >= 0.95
    tm.manual_seed(0)
    binary = nn.Linear(2, 1)
    yb = y[:, None].astype(np.float32)
    h = fit(binary, nn.BCEWithLogitsLoss(), optim.SGD(binary.parameters(), lr=0.5),
            loader(X, yb, 20), epochs=3, progress=False)
    assert h["accuracy"][-1] >= 0.95
    np.testing.assert_allclose(evaluate(binary, (X, yb))["accuracy"],
                               np.mean((predict(binary, X) > 0) == (yb > 0.5)))
    reg = evaluate(binary, (X, yb * 3.7), nn.MSELoss())
    assert math.isnan(reg["accuracy"]) and reg["loss"] > 0


def test_early_stopping_triggers_and_restores_best_weights():
    X, y = blobs(200)
    Xv, yv = blobs(100, seed=1, flip=True)  # labels swapped: val loss rises as training works
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.2)
    h = fit(model, nn.CrossEntropyLoss(), opt, loader(X, y, 20), epochs=30,
            val_data=(Xv, yv), early_stopping=2, progress=False)
    assert h.stopped_early and h.epochs < 30
    assert h.epochs == h.best_epoch + 3  # best, then two epochs without improvement
    best = min(h["val_loss"])
    assert h["val_loss"][h.best_epoch] == best
    assert evaluate(model, (Xv, yv), nn.CrossEntropyLoss())["loss"] == pytest.approx(best,
                                                                                     rel=1e-6)
    with pytest.raises(ValueError, match="val_data"):
        fit(model, nn.CrossEntropyLoss(), opt, loader(X, y), early_stopping=2, progress=False)


def _train(epochs, seed=0):
    X, y = blobs(120)
    model = mlp(seed=seed, dropout=0.2)
    opt = optim.Adam(model.parameters(), lr=0.01)
    fit(model, nn.CrossEntropyLoss(), opt, loader(X, y, 16, shuffle=True), epochs=epochs,
        progress=False)
    return model


def test_training_is_deterministic_under_manual_seed():
    a, b = _train(3), _train(3)
    for (name, pa), pb in zip(a.named_parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.data, pb.data, err_msg=name)
    c = _train(3, seed=1)
    assert not np.array_equal(a[0].weight.data, c[0].weight.data)


def _resume_setup(seed):
    model = mlp(seed=seed)
    opt = optim.Adam(model.parameters(), lr=0.02)
    sched = optim.InverseTimeDecay(opt, decay=0.3)
    return model, opt, sched


@pytest.mark.parametrize("through_file", [False, True])
def test_resume_from_checkpoint_matches_straight_training(tmp_path, through_file):
    X, y = blobs(100)
    loss_fn = nn.CrossEntropyLoss()
    model, opt, sched = _resume_setup(0)
    fit(model, loss_fn, opt, loader(X, y, 25), epochs=4, scheduler=sched, progress=False)

    model2, opt2, sched2 = _resume_setup(0)
    fit(model2, loss_fn, opt2, loader(X, y, 25), epochs=2, scheduler=sched2, progress=False)
    ckpt = {"model": model2.state_dict(), "optimizer": opt2.state_dict(),
            "scheduler": sched2.state_dict()}
    if through_file:
        tio = pytest.importorskip("tinygrad_mlp.io")
        tio.save(ckpt, tmp_path / "ckpt.npz")
        ckpt = tio.load(tmp_path / "ckpt.npz")
    model3, opt3, sched3 = _resume_setup(7)  # different initial weights, fresh state
    model3.load_state_dict(ckpt["model"])
    opt3.load_state_dict(ckpt["optimizer"])
    sched3.load_state_dict(ckpt["scheduler"])
    h = fit(model3, loss_fn, opt3, loader(X, y, 25), epochs=2, scheduler=sched3,
            progress=False)
    assert h["lr"][0] == pytest.approx(0.02 / (1 + 0.3 * 2))
    for (name, p), q in zip(model.named_parameters(), model3.parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_xor_is_learned():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    tm.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=2.0, momentum=0.9), (X, y),
            epochs=1000, progress=False)
    np.testing.assert_array_equal(predict(model, X) > 0.5, y > 0.5)
    assert h["accuracy"][-1] == 1.0 and h["loss"][-1] < 0.01


def test_progress_and_verbose_output(capsys):
    X, y = blobs(40)
    model = mlp()
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
        loader(X, y, 20), epochs=2, progress=True, verbose=1)
    out = capsys.readouterr()
    assert "epoch 2/2" in out.out + out.err and "loss" in out.err


def test_bad_arguments():
    X, y = blobs(20)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    batches = ((tm.from_numpy(X), tm.from_numpy(y)) for _ in range(2))
    with pytest.raises(TypeError, match="re-iterable"):
        fit(model, nn.CrossEntropyLoss(), opt, batches, progress=False)
    with pytest.raises(ValueError, match="metrics"):
        fit(model, nn.CrossEntropyLoss(), opt, (X, y), metrics=("f1",), progress=False)
    with pytest.raises(ValueError, match="no batches"):
        fit(model, nn.CrossEntropyLoss(), opt, [], progress=False)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=-1, progress=False)
    h = fit(model, nn.CrossEntropyLoss(), opt, (X, y), metrics=(), progress=False)
    assert set(h) == {"loss", "lr", "batch_loss"}
