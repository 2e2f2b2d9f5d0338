"""Regenerate the pictures in docs/images/ with the library itself.

    python docs/make_images.py            # all pictures (about half a minute)
    python docs/make_images.py graphs     # only some: graphs, curves, heatmap, activations

Needs the ``viz`` and ``data`` extras and Graphviz's ``dot`` program. Every run
is seeded, so the pictures change only when the library does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import metrics, nn, optim, viz
from tinygrad_mlp.data import DataLoader, load_digits, train_test_split
from tinygrad_mlp.train import fit, predict

IMAGES = Path(__file__).resolve().parent / "images"


def _save_graph(dot, stem: str) -> None:
    """SVG (sharp, for the browser) and PNG (for viewers without SVG), at a modest size."""
    dot.attr(dpi="72")
    for fmt in ("svg", "png"):
        path = viz.render_graph(dot, IMAGES / f"{stem}.{fmt}")
        print(f"wrote {path.relative_to(IMAGES.parent.parent)}")


def graphs() -> None:
    """The mock-up's 4 → 3 → 2 MLP, and a deeper saturated sigmoid net for the BP page."""
    tm.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))
    with tm.no_grad():  # large first-layer weights push some hidden units into saturation
        model[0].weight.data *= 8
    rng = np.random.default_rng(1)
    x = tm.Tensor(rng.standard_normal((5, 4)), dtype=np.float32, name="x")
    labels = rng.integers(0, 2, size=5)
    loss = F.cross_entropy(model(x), labels)
    loss.backward(retain_graph=True)  # keep the graph so it can still be drawn
    dot = viz.draw_graph(loss, params=model, group_modules=model, color_by_grad=True,
                         saturation=True, title="4 → 3 → 2 sigmoid MLP, cross-entropy loss")
    _save_graph(dot, "mlp_graph")

    tm.manual_seed(3)
    deep = nn.Sequential(nn.Linear(6, 5), nn.Sigmoid(), nn.Linear(5, 5), nn.Sigmoid(),
                         nn.Linear(5, 3))
    for layer in (deep[0], deep[2]):
        nn.init.normal_(layer.weight, 0.0, 3.0)  # N(0, 9): many units saturate
    X = tm.Tensor(np.random.default_rng(3).standard_normal((8, 6)), dtype=np.float32, name="x")
    y = np.random.default_rng(4).integers(0, 3, size=8)
    loss = F.cross_entropy(deep(X), y)
    loss.backward(retain_graph=True)
    dot = viz.draw_graph(loss, params=deep, group_modules=deep, color_by_grad=True,
                         title="saturated sigmoids: δ shrinks by σ′ on the way back (BP2)")
    _save_graph(dot, "saturation_graph")


def _digits():
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.2, seed=0)


def curves() -> None:
    """Training curves, misclassified test digits and the confusion matrix of a digits MLP."""
    X_train, X_test, y_train, y_test = _digits()
    tm.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 50), nn.Sigmoid(), nn.Linear(50, 10))
    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
                  DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0),
                  epochs=20, val_data=(X_test, y_test), progress=False)
    curves = {k: history[k] for k in ("loss", "val_loss", "accuracy", "val_accuracy")}
    viz.plot_history(curves, path=IMAGES / "training_curves.png")
    pred = predict(model, X_test).argmax(axis=1)
    viz.misclassified_grid(X_test, y_test, pred, path=IMAGES / "misclassified.png")
    viz.plot_confusion_matrix(metrics.confusion_matrix(y_test, pred),
                              path=IMAGES / "confusion.png")
    print(f"digits MLP: test accuracy {metrics.accuracy(y_test, pred):.3f}")


def _grid_run(X_train, y_train, X_test, y_test, lr: float, lam: float) -> float:
    """SEEDS C: 64 → 50 sigmoid → 10 softmax, weights N(0, 1), biases 0.01, cross-entropy
    plus (λ/2)·Σw², minibatch SGD, 10 epochs of batch 100."""
    tm.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 50), nn.Sigmoid(), nn.Linear(50, 10))
    for layer in (model[0], model[2]):
        nn.init.normal_(layer.weight, 0.0, 1.0)
        nn.init.constant_(layer.bias, 0.01)
    opt = optim.SGD(model.parameters(), lr=lr)
    weights = list(nn.weights_only(model))
    loader = DataLoader(X_train, y_train, batch_size=100, shuffle=True, seed=0)
    for _ in range(10):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb) + F.l2_penalty(weights, lam)
            loss.backward()
            opt.step()
    return metrics.accuracy(y_test, predict(model, X_test))


def heatmap() -> None:
    """Test accuracy over η × λ ∈ logspace(−5, 0, 6)², as in the digits tutorial (36 runs)."""
    X_train, X_test, y_train, y_test = _digits()
    grid = np.logspace(-5, 0, 6)
    acc = np.array([[_grid_run(X_train, y_train, X_test, y_test, lr, lam) for lam in grid]
                    for lr in grid])
    labels = [f"{v:g}" for v in grid]
    viz.heatmap(acc, labels, labels, xlabel="L2 strength λ", ylabel="learning rate η",
                title="digits, 64-50-10: test accuracy", path=IMAGES / "digits_grid.png")
    i, j = np.unravel_index(acc.argmax(), acc.shape)
    print(f"digits grid: best {acc[i, j]:.3f} at η = {grid[i]:g}, λ = {grid[j]:g}")


def activations() -> None:
    viz.plot_activations(path=IMAGES / "activations.png")


MAKERS = {"graphs": graphs, "curves": curves, "heatmap": heatmap, "activations": activations}


def main(argv: list[str]) -> None:
    IMAGES.mkdir(exist_ok=True)
    for name in argv or list(MAKERS):
        if name not in MAKERS:
            raise SystemExit(f"make_images: unknown picture set {name!r} "
                             f"(choose from {', '.join(MAKERS)})")
        MAKERS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
