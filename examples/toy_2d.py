"""Four 2-D toy problems (moons, circles, spirals, XOR) and what the network does with the plane.

TensorFlow Playground's pictures, from a script: for each data set a small
tanh MLP (2 → 16 → 16 → 2) is trained with Adam, and the script draws the
decision boundary with a small map of every hidden unit below it (what each
unit computes over the plane: first-layer units are half-planes, second-layer
units combine them). For the spirals it also records the training diagnostics
(activation and gradient histograms, grad flow, update-to-data ratios, weight
histograms) with a ``fit`` callback and writes a ``report.html``.

    python examples/toy_2d.py                # four data sets, about 20 s
    python examples/toy_2d.py --only spirals
    python examples/toy_2d.py --quick        # fewer epochs (the tests)
"""

from __future__ import annotations

from _common import make_parser, make_toy, output_dir, print_pictures, print_table

import tinygrad_mlp as tm
from tinygrad_mlp import nn, optim
from tinygrad_mlp.data import DataLoader
from tinygrad_mlp.train import evaluate, fit
from tinygrad_mlp.viz import plot_decision_boundary
from tinygrad_mlp.viz.callbacks import Diagnostics
from tinygrad_mlp.viz.report import write_report

NAME = "toy_2d"
DATASETS = ("moons", "circles", "spirals", "xor")


def build(hidden: int = 16, depth: int = 2) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = 2
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.Tanh()]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, 2))


def main(argv: list[str] | None = None) -> dict:
    p = make_parser(NAME, __doc__)
    p.add_argument("--only", choices=DATASETS, action="append",
                   help="train on this data set only (repeatable)")
    p.add_argument("--epochs", type=int, default=None, help="default 150 (25 with --quick)")
    args = p.parse_args(argv)
    out = output_dir(args, NAME)
    epochs = args.epochs or (25 if args.quick else 150)
    results, pictures, rows = {}, [], []
    for name in args.only or DATASETS:
        X, y = make_toy(name, n=400, noise=0.08 if name != "xor" else 0.02, seed=args.seed)
        tm.manual_seed(args.seed)
        model = build()
        diag = Diagnostics(X[:200], y[:200]) if name == "spirals" else None
        opt = optim.Adam(model.parameters(), lr=0.02)
        history = fit(model, nn.CrossEntropyLoss(), opt,
                      DataLoader(X, y, batch_size=32, shuffle=True, seed=args.seed),
                      epochs=epochs, progress=False, callbacks=[diag] if diag else None)
        acc = evaluate(model, (X, y))["accuracy"]
        path = out / f"{name}_boundary.png"
        plot_decision_boundary(model, X, y, path=path,
                               title=f"{name}: tanh MLP 2-16-16-2, {epochs} epochs")
        pictures.append(path)
        if diag is not None:
            pictures += list(diag.write(out).values())
            report = write_report(out, history, model, {"data": name, "epochs": epochs,
                                                        "optimizer": "Adam lr=0.02"},
                                  (X, y), diagnostics=diag, title=f"toy_2d: {name}")
            results["report"] = report
        results[name] = {"accuracy": acc, "final_loss": history["loss"][-1]}
        rows.append([name, acc, history["loss"][-1]])
    print_table(["data set", "training accuracy", "final loss"], rows)
    print_pictures(pictures)
    results["pictures"] = pictures
    return results


if __name__ == "__main__":
    main()
