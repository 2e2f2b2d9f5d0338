"""Vanishing gradients, seen: a deep sigmoid net against the same net with ReLU.

Two 8-hidden-layer MLPs (2 → 32 × 8 → 2), each with the initialisation made
for its activation (Xavier/Glorot for sigmoid, Kaiming/He for ReLU, biases 0),
are trained on the moons with the same SGD settings. The
grad-flow plot shows mean and max |∂L/∂W| per layer after the first batch: with
sigmoid each layer multiplies δ by σ′ ≤ 1/4 (BP2), so the bars fall by orders
of magnitude towards the input and the first layers hardly learn; with ReLU
they stay level. The activation histograms show where the sigmoid units sit,
and the update-to-data ratios (1e-3 guide line) how slowly the first layers move.

    python examples/depth_demo.py
    python examples/depth_demo.py --quick      # the tests
"""

from __future__ import annotations

import numpy as np
from _common import make_parser, make_toy, output_dir, print_pictures, print_table

import tinygrad_mlp as tm
from tinygrad_mlp import nn, optim
from tinygrad_mlp.data import DataLoader
from tinygrad_mlp.train import evaluate, fit
from tinygrad_mlp.viz import (
    grad_flow,
    gradient_stats,
    plot_activation_histograms,
    plot_grad_flow,
    plot_update_ratio,
)
from tinygrad_mlp.viz.callbacks import UpdateRatio

NAME = "depth_demo"


def build(act: type, depth: int = 8, width: int = 32) -> nn.Sequential:
    layers: list[nn.Module] = []
    n = 2
    for _ in range(depth):
        layers += [nn.Linear(n, width), act()]
        n = width
    model = nn.Sequential(*layers, nn.Linear(n, 2))
    for m in model:
        if isinstance(m, nn.Linear):
            if act is nn.ReLU:
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            else:
                nn.init.xavier_normal_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def main(argv: list[str] | None = None) -> dict:
    p = make_parser(NAME, __doc__)
    p.add_argument("--depth", type=int, default=8, help="hidden layers")
    p.add_argument("--epochs", type=int, default=None, help="default 30 (3 with --quick)")
    args = p.parse_args(argv)
    out = output_dir(args, NAME)
    epochs = args.epochs or (3 if args.quick else 30)
    X, y = make_toy("moons", n=400, noise=0.1, seed=args.seed)
    results, pictures, rows = {}, [], []
    for act in (nn.Sigmoid, nn.ReLU):
        label = act.__name__.lower()
        tm.manual_seed(args.seed)
        model = build(act, args.depth)
        gradient_stats(model, X[:64], y[:64])  # one backward at initialisation
        flow = grad_flow(model)
        plot_grad_flow(flow, path=out / f"{label}_grad_flow.png",
                       title=f"{label}, {args.depth} hidden layers: gradient "
                             f"flow at initialisation")
        pictures.append(out / f"{label}_grad_flow.png")
        plot_activation_histograms(model, X, path=out / f"{label}_activations.png")
        pictures.append(out / f"{label}_activations.png")
        ratio = UpdateRatio()
        opt = optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
        fit(model, nn.CrossEntropyLoss(), opt, DataLoader(X, y, batch_size=32, shuffle=True,
                                                          seed=args.seed),
            epochs=epochs, progress=False, callbacks=[ratio])
        plot_update_ratio(ratio.ratios, path=out / f"{label}_update_ratio.png",
                          steps=ratio.steps)
        pictures.append(out / f"{label}_update_ratio.png")
        acc = evaluate(model, (X, y))["accuracy"]
        first, last = flow[0]["mean"], flow[-1]["mean"]
        results[label] = {"grad_flow": flow, "first_over_last": first / last,
                          "accuracy": acc,
                          "first_layer_ratio": float(np.median(ratio.ratios[flow[0]["layer"]]))}
        rows.append([label, first, last, first / last, acc])
    print_table(["activation", "mean |∂L/∂W| layer 1", f"layer {args.depth + 1}",
                 "ratio", f"accuracy after {epochs} epochs"], rows)
    print_pictures(pictures)
    results["pictures"] = pictures
    return results


if __name__ == "__main__":
    main()
