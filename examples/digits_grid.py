"""A learning-rate × L2 grid on scikit-learn's 8×8 digits, beside MLPClassifier.

The network of the NumPy-and-scikit-learn tutorial: 64 → 50 sigmoid → 10
softmax, weights N(0, 1), biases 0.01, cross-entropy plus the L2 term
(λ/2)·Σw² on the weights, minibatch SGD with batch 100, trained for every
(η, λ) in logspace(−5, 0, 6)² (36 runs) on one 80/20 split (made with
``tinygrad_mlp.data.train_test_split``: one permutation for images and labels,
unlike the tutorial's hand-written split that shuffled them separately).

Which cost? The tutorial's backpropagation sums the gradient over the
minibatch (no 1/m) and adds λ·W once per batch. That is ``reduction='sum'``
here, and it is the reading that reproduces what the tutorial reports: the
best row is η = 0.01 (a per-sample step of 100 × 0.01 = 1) and η ≥ 0.1 with
raw pixels fails. (With a mean-reduced cost the best row moves to η = 1.)

Two grids are trained in full mode:

* "seed-literal": raw pixels 0–16, 10 epochs, exactly the tutorial's settings.
* "ours" (the default settings): the same network, init, cost, optimizer,
  batch and grid, with two documented changes: inputs standardised with the
  training set's mean and standard deviation (what scikit-learn recommends
  for MLPClassifier and what its column gets too), and 100 epochs, the budget
  the tutorial gives MLPClassifier (max_iter=100); 10 epochs of batch 100 are
  only 150 steps. Change them with --scaling and --epochs.

How sure is the target (best cell ≥ 0.97, more than 7 cells > 0.9)? The
test set holds 360 images (one image = 0.0028). Over seeds 0–4 (split, init
and shuffling) the default grid's best cell was 0.967–0.983 with 17–21 cells
above 0.9: the cell count always passes, the best cell in 3 of 5 seeds.
The seed-literal grid gives 0.936 (5 cells) at seed 0, near the tutorial's 0.914 (7).

At η = 1 the tutorial's softmax overflowed ("invalid value encountered in
true_divide"); here cross-entropy is computed from a stable log-softmax, so
no cell produces NaN (a too-large step still fails to learn, as it must).

    python examples/digits_grid.py            # 36 + 36 runs + 36 MLPClassifier fits
    python examples/digits_grid.py --quick    # a 2×2 sub-grid, 10 epochs
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from _common import Stopwatch, banner, make_parser, output_dir, print_comparison, print_table

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn, optim
from tinygrad_mlp.data import DataLoader, load_digits, train_test_split
from tinygrad_mlp.viz import heatmap

NAME = "digits_grid"
GRID = np.logspace(-5, 0, 6)
QUICK_ETAS = np.array([1e-2, 1e-1])
QUICK_LAMBDAS = np.array([1e-5, 1e-3])
ORIGINAL = {"best": 0.914, "best_at": "η=0.01, λ=0.001", "cells": 7, "sklearn_best": 0.992}


def build_model() -> nn.Sequential:
    """64 → 50 sigmoid → 10 logits (softmax is inside the cross-entropy), the tutorial's init."""
    model = nn.Sequential(nn.Linear(64, 50), nn.Sigmoid(), nn.Linear(50, 10))
    for layer in (model[0], model[2]):
        nn.init.normal_(layer.weight, 0.0, 1.0)
        nn.init.constant_(layer.bias, 0.01)
    return model


def scale(X_train: np.ndarray, X_test: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    """'raw': pixels 0–16 as the tutorial; 'unit': /16; 'standard': z-scores (train statistics)."""
    X_train, X_test = X_train * 16.0, X_test * 16.0  # load_digits gives pixels / 16
    if how == "unit":
        return X_train / 16.0, X_test / 16.0
    if how == "standard":
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        std[std == 0] = 1.0  # the always-blank corner pixels
        return (X_train - mean) / std, (X_test - mean) / std
    return X_train, X_test


def train_one(data: tuple, eta: float, lam: float, epochs: int, batch_size: int,
              seed: int) -> float:
    """Train one network with SGD(η) and L2 λ; returns its test accuracy."""
    X_train, y_train, X_test, y_test = data
    tm.manual_seed(seed)
    model = build_model()
    optimizer = optim.SGD(model.parameters(), lr=eta)
    loader = DataLoader(X_train, y_train, batch_size=batch_size, shuffle=True, seed=seed)
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            # Summed over the batch, as the tutorial's backprop (see the docstring).
            loss = F.cross_entropy(model(xb), yb, reduction="sum")
            loss = loss + F.l2_penalty(nn.weights_only(model), lam)
            loss.backward()
            optimizer.step()
    with tm.no_grad():
        logits = model(tm.from_numpy(X_test)).numpy()
    if not np.isfinite(logits).all():
        return float("nan")
    return float(np.mean(logits.argmax(axis=1) == y_test))


def our_grid(data, etas, lambdas, epochs: int, batch_size: int, seed: int) -> np.ndarray:
    """Test accuracy (len(etas), len(lambdas)), one training run per cell."""
    acc = np.zeros((len(etas), len(lambdas)))
    for i, eta in enumerate(etas):
        for j, lam in enumerate(lambdas):
            acc[i, j] = train_one(data, eta, lam, epochs, batch_size, seed)
        print(f"  η = {eta:g}: " + " ".join(f"{a:.3f}" for a in acc[i]))
    return acc


def sklearn_grid(data, etas, lambdas, max_iter: int, seed: int) -> np.ndarray | None:
    """The tutorial's comparison: MLPClassifier(hidden 50, logistic, alpha=λ,
    learning_rate_init=η, max_iter) on the same split; None without scikit-learn."""
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    X_train, y_train, X_test, y_test = data
    acc = np.zeros((len(etas), len(lambdas)))
    for i, eta in enumerate(etas):
        for j, lam in enumerate(lambdas):
            clf = MLPClassifier(hidden_layer_sizes=(50,), activation="logistic", alpha=lam,
                                learning_rate_init=eta, max_iter=max_iter, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(X_train, y_train)
            acc[i, j] = clf.score(X_test, y_test)
        print(f"  η = {eta:g}: " + " ".join(f"{a:.3f}" for a in acc[i]))
    return acc


def summary(acc: np.ndarray, etas, lambdas) -> dict:
    i, j = np.unravel_index(np.nanargmax(acc), acc.shape)
    return {"best": float(acc[i, j]), "best_eta": float(etas[i]), "best_lambda": float(lambdas[j]),
            "cells_above_0.9": int(np.sum(acc > 0.9)), "nan_cells": int(np.isnan(acc).sum())}


def draw(acc, etas, lambdas, title: str, path) -> None:
    heatmap(acc, [f"{e:g}" for e in etas], [f"{lam:g}" for lam in lambdas], title=title,
            xlabel="λ (L2)", ylabel="η (learning rate)", path=path)


def main(argv: list[str] | None = None) -> dict:
    p = make_parser(NAME, __doc__)
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs per run (default 100; 10 with --quick; the tutorial used 10)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--scaling", choices=("raw", "unit", "standard"), default="standard",
                   help="input scaling of the main grid (the tutorial used raw pixels)")
    p.add_argument("--sklearn-max-iter", type=int, default=None,
                   help="MLPClassifier max_iter (default 100, as the tutorial; 10 with --quick)")
    p.add_argument("--skip-sklearn", action="store_true", help="do not fit MLPClassifier")
    p.add_argument("--skip-literal", action="store_true",
                   help="do not train the seed-literal grid (always skipped with --quick)")
    args = p.parse_args(argv)
    out = output_dir(args, NAME)
    epochs = args.epochs or (10 if args.quick else 100)
    etas, lambdas = (QUICK_ETAS, QUICK_LAMBDAS) if args.quick else (GRID, GRID)

    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=args.seed)
    print(f"digits: {len(X_train)} train / {len(X_test)} test, grid {len(etas)}×{len(lambdas)}")
    data = (*scale(X_train, X_test, args.scaling),)
    data = (data[0], y_train, data[1], y_test)
    pictures, result = [], {}

    banner(f"ours: {args.scaling} inputs, {epochs} epochs, batch {args.batch_size}, "
           f"cost summed over the batch")
    with Stopwatch() as clock:
        acc = our_grid(data, etas, lambdas, epochs, args.batch_size, args.seed)
    result.update(summary(acc, etas, lambdas), accuracy=acc, seconds=clock.seconds)
    draw(acc, etas, lambdas, f"tinygrad_mlp, {args.scaling} inputs, {epochs} epochs",
         out / "grid_ours.png")
    pictures.append(out / "grid_ours.png")

    literal = None
    if not (args.quick or args.skip_literal):
        banner("seed-literal: raw pixels, 10 epochs")
        raw = scale(X_train, X_test, "raw")
        with Stopwatch() as lit_clock:
            literal = our_grid((raw[0], y_train, raw[1], y_test), etas, lambdas, 10,
                               args.batch_size, args.seed)
        result["literal"] = dict(summary(literal, etas, lambdas), accuracy=literal,
                                 seconds=lit_clock.seconds)
        draw(literal, etas, lambdas, "tinygrad_mlp, seed-literal (raw, 10 epochs)",
             out / "grid_literal.png")
        pictures.append(out / "grid_literal.png")

    sk = None
    if not args.skip_sklearn:
        max_iter = args.sklearn_max_iter or (10 if args.quick else 100)
        banner(f"scikit-learn MLPClassifier(50, logistic, max_iter={max_iter}), same inputs")
        with Stopwatch() as sk_clock:
            sk = sklearn_grid(data, etas, lambdas, max_iter, args.seed)
        if sk is None:
            print("  scikit-learn is not installed: skipped")
        else:
            result["sklearn"] = dict(summary(sk, etas, lambdas), accuracy=sk,
                                     seconds=sk_clock.seconds)
            draw(sk, etas, lambdas, f"MLPClassifier, max_iter={max_iter}", out / "grid_sklearn.png")
            pictures.append(out / "grid_sklearn.png")

    banner("test accuracy per cell (rows η, columns λ)")
    header = ["η \\ λ"] + [f"{lam:g}" for lam in lambdas]
    print_table(header, [[f"{e:g}"] + [f"{a:.3f}" for a in row] for e, row in zip(etas, acc)])

    rows = [("best cell", result["best"], ORIGINAL["best"],
             f"ours at η={result['best_eta']:g}, λ={result['best_lambda']:g}; original at "
             f"{ORIGINAL['best_at']}"),
            ("cells > 0.9", result["cells_above_0.9"], f"{ORIGINAL['cells']} of 36",
             f"of {acc.size}; target: > 7 and best ≥ 0.97"),
            ("NaN cells", result["nan_cells"], "η = 1.0 overflowed", "stable log-softmax")]
    if literal is not None:
        lit = result["literal"]
        rows.append(("best, seed-literal", lit["best"], ORIGINAL["best"],
                     f"raw pixels, 10 epochs; {lit['cells_above_0.9']} cells > 0.9, at "
                     f"η={lit['best_eta']:g}, λ={lit['best_lambda']:g}"))
    if sk is not None:
        rows.append(("best, MLPClassifier", result["sklearn"]["best"], ORIGINAL["sklearn_best"],
                     f"{result['sklearn']['cells_above_0.9']} cells > 0.9; Adam, batch 200"))
    rows.append(("time, our grid (s)", clock.seconds, "—", f"{acc.size} runs × {epochs} epochs"))
    print_comparison("digits grid", rows)
    print("\npictures:\n  " + "\n  ".join(str(p) for p in pictures))
    result["pictures"] = pictures
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
