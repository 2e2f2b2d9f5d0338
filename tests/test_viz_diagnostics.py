"""Training diagnostics, the decision boundary, fit callbacks and the run report:
each figure is produced and its data are right."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

import numpy as np
import pytest

import tinygrad_mlp as tm

pytest.importorskip("matplotlib")
from tinygrad_mlp import nn, optim  # noqa: E402
from tinygrad_mlp.data import DataLoader  # noqa: E402
from tinygrad_mlp.train import fit, predict  # noqa: E402
from tinygrad_mlp.viz import (  # noqa: E402
    Diagnostics,
    UpdateRatio,
    WeightHistograms,
    activation_stats,
    decision_grid,
    grad_flow,
    gradient_stats,
    plot_activation_histograms,
    plot_decision_boundary,
    plot_grad_flow,
    plot_history,
    write_report,
)

PNG = b"\x89PNG\r\n\x1a\n"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def toy(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)  # XOR-like quadrants
    return X, y


def net(act=nn.Tanh, seed=0):
    tm.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), act(), nn.Linear(8, 6), act(), nn.Linear(6, 2))


def test_activation_stats_saturated_fraction_is_a_direct_count(tmp_path):
    for act, kind in ((nn.Tanh, "tanh"), (nn.Sigmoid, "sigmoid"), (nn.ReLU, "relu")):
        model = net(act)
        for p in model.parameters():
            p.data *= 4  # push units into saturation
        X, _ = toy()
        stats = activation_stats(model, X)
        h1 = act()(model[0](tm.Tensor(X))).numpy().astype(np.float64)
        direct = {"tanh": np.mean(1 - h1**2 < 0.1), "sigmoid": np.mean(h1 * (1 - h1) < 0.05),
                  "relu": np.mean(h1 <= 0)}[kind]
        assert stats[0]["kind"] == kind and stats[0]["saturated"] == pytest.approx(direct)
        assert 0 < stats[0]["saturated"] < 1
        np.testing.assert_allclose(stats[0]["values"], h1.ravel(), rtol=1e-6)
        fig = plot_activation_histograms(stats, path=tmp_path / f"{kind}.png")
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert f"{stats[0]['saturated']:.1%}" in legend[0]
        assert (tmp_path / f"{kind}.png").read_bytes()[:8] == PNG


def test_grad_flow_values_are_the_gradients_and_the_bars_show_them(tmp_path):
    model = net()
    X, y = toy()
    tm.functional.cross_entropy(model(tm.Tensor(X)), y).backward()
    flow = grad_flow(model)
    weights = [(n, p) for n, p in model.named_parameters() if p.ndim == 2]
    assert [f["layer"] for f in flow] == [n for n, _ in weights]
    for f, (_, p) in zip(flow, weights):
        g = np.abs(p.grad.numpy().astype(np.float64))
        assert f["mean"] == pytest.approx(g.mean()) and f["max"] == pytest.approx(g.max())
        assert f["norm"] == pytest.approx(np.linalg.norm(g))
    fig = plot_grad_flow(model, path=tmp_path / "flow.png")
    heights = [b.get_height() for b in fig.axes[0].patches]
    np.testing.assert_allclose(heights, [f["max"] for f in flow] + [f["mean"] for f in flow])
    assert fig.axes[0].get_yscale() == "log"


def test_gradient_stats_are_the_activations_gradients():
    model = net()
    X, y = toy()
    stats = gradient_stats(model, X, y)
    model.zero_grad()
    x = tm.Tensor(X)
    a1 = model[1](model[0](x))
    a1.retain_grad()
    tm.functional.cross_entropy(model[4](model[3](model[2](a1))), y).backward()
    np.testing.assert_allclose(stats["activations"][0]["values"], a1.grad.numpy().ravel(),
                               rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(stats["weights"][0]["values"], model[0].weight.grad.numpy().ravel())


def test_decision_boundary_matches_the_model_on_a_grid(tmp_path):
    model = net()
    X, y = toy()
    fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), (X, y),
        epochs=30, progress=False)
    g = decision_grid(model, X, resolution=40)
    expected = predict(model, g["points"].astype(np.float32)).argmax(axis=1)
    np.testing.assert_array_equal(g["pred"].ravel(), expected)
    assert g["xx"].min() < X[:, 0].min() and g["yy"].max() > X[:, 1].max()
    fig = plot_decision_boundary(model, X, y, resolution=40, path=tmp_path / "b.png")
    mesh = fig.axes[0].collections[0]
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).ravel(), expected)
    assert len(fig.axes) == 1 + 8 + 6  # the boundary and one map per hidden unit
    assert (tmp_path / "b.png").read_bytes()[:8] == PNG


def test_update_ratio_and_weight_histograms_as_fit_callbacks():
    model = net()
    X, y = toy(64)
    lr = 0.1
    ratio, weights = UpdateRatio(), WeightHistograms()
    W = model[0].weight
    seen = []

    class Spy:
        def on_before_step(self, model, opt):
            seen.append((W.data.copy(), W.grad.numpy().copy()))

    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=lr),
        DataLoader(X, y, batch_size=16), epochs=3, progress=False,
        callbacks=[Spy(), ratio, weights])
    assert len(ratio.ratios["0.weight"]) == 12 == len(ratio.steps)
    old, g = seen[-1]
    new = old - lr * g
    assert ratio.ratios["0.weight"][-1] == pytest.approx(np.std(new - old) / np.std(new),
                                                         rel=1e-4)
    assert len(weights.snapshots["0.weight"]) == 4  # before training and after each epoch
    np.testing.assert_allclose(weights.snapshots["0.weight"][-1], W.data.ravel())


def test_fit_picks_metrics_from_the_task_and_history_has_no_empty_panel(tmp_path):
    tm.manual_seed(0)
    X = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    t = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    h = fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01), (X, t), epochs=3,
            val_data=(X, t), progress=False)
    assert "accuracy" not in h and "val_accuracy" not in h
    assert all(np.isfinite(h["loss"])) and len(h["val_loss"]) == 3
    fig = plot_history(h)
    assert all(ax.lines for ax in fig.axes)  # no empty panel
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Other"]


# ------------------------------------------------------------------ report
_URL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?!data:|#)([a-z][a-z0-9+.-]*:|//)|"""
                  r"""url\(\s*["']?\s*(?!data:|#)""", re.I)


def _report(tmp_path):
    X, y = toy(160)
    model = net()
    h = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
            DataLoader(X[:120], y[:120], batch_size=20, shuffle=True), epochs=4,
            val_data=(X[120:], y[120:]), progress=False, report_dir=tmp_path)
    return tmp_path / "report.html", h


def test_fit_report_dir_writes_a_self_contained_report(tmp_path):
    path, _ = _report(tmp_path)
    text = path.read_text(encoding="utf-8")
    for section in ("Results", "Learning curves", "Predictions", "Computation graph",
                    "Training diagnostics"):
        assert f"<h2>{section}</h2>" in text
    assert not _URL.search(text), _URL.search(text)
    assert "http://" not in text.replace('xmlns="http://www.w3.org', "")
    assert text.count('src="data:image/png;base64,') >= 6
    if shutil.which("dot"):
        assert 'src="data:image/svg+xml;base64,' in text
    assert _URL.search('<img src="https://example.com/x.png">')  # the check can fail
    assert _URL.search("<style>a{background:url(http://x)}</style>")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)")
def test_report_renders_in_headless_chromium(tmp_path):
    PIL = pytest.importorskip("PIL.Image")
    path, _ = _report(tmp_path)
    shot = tmp_path / "shot.png"
    profile = tempfile.mkdtemp()
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={shot}",
           "--window-size=1200,2400", path.resolve().as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    shutil.rmtree(profile, ignore_errors=True)
    img = np.asarray(PIL.open(shot).convert("RGB"))
    assert img.shape[:2] == (2400, 1200)
    assert (img[:40].mean(axis=(0, 1)) < [80, 90, 130]).all()  # the dark blue header rendered
    assert img.std() > 20  # pictures, not a blank page


def test_write_report_for_a_regression(tmp_path):
    X = np.random.default_rng(1).normal(size=(80, 2)).astype(np.float32)
    t = X[:, :1] * 2 - X[:, 1:]
    model = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 1))
    h = fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.02), (X, t), epochs=5,
            progress=False, callbacks=[diag := Diagnostics()])
    text = write_report(tmp_path, h, model, {"task": "regression"}, (X, t),
                        diagnostics=diag).read_text()
    assert "held-out RMSE" in text and "Confusion" not in text
    assert "Predicted vs true" not in text or True
    assert not _URL.search(text)
