"""XOR with a two-layer sigmoid network, full-batch gradient descent.

XOR is the classic problem no single-layer network can solve. The network is
2 → 4 sigmoid → 1 sigmoid, the cost the quadratic ½(y − a)² averaged over the
four examples, and every iteration is one gradient step on all four of them
(full batch), 10,000 iterations as in the lecture notes.

The loop is written out PyTorch-style: zero_grad → forward → loss → backward → step.
At the end the gradients of a float64 copy of the network are checked against
central differences (``tm.gradcheck_report``: relative error per tensor,
graded OK ≤ 1e-7 < warning ≤ 1e-4 < problem).

    python examples/xor.py              # 10,000 iterations (a few seconds)
    python examples/xor.py --quick      # 2,000 iterations
"""

from __future__ import annotations

import copy
import sys

import numpy as np
from _common import Stopwatch, make_parser, output_dir, print_comparison, print_table

import tinygrad_mlp as tm
from tinygrad_mlp import nn, optim
from tinygrad_mlp.viz import plot_cost

NAME = "xor"
X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y_XOR = np.array([[0], [1], [1], [0]], dtype=np.float32)


def quadratic_cost(a: tm.Tensor, y: tm.Tensor) -> tm.Tensor:
    """C = ½‖y − a‖² per example, averaged over the batch: a, y (N, 1) → scalar."""
    return 0.5 * ((a - y) ** 2).sum(axis=1).mean()


def build_model(hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, hidden), nn.Sigmoid(), nn.Linear(hidden, 1), nn.Sigmoid())


def main(argv: list[str] | None = None) -> dict:
    p = make_parser(NAME, __doc__)
    p.add_argument("--iterations", type=int, default=None,
                   help="full-batch steps (default 10,000; 2,000 with --quick)")
    p.add_argument("--hidden", type=int, default=4, help="hidden sigmoid units")
    p.add_argument("--lr", type=float, default=2.0, help="gradient-descent step size")
    args = p.parse_args(argv)
    iterations = args.iterations or (2000 if args.quick else 10_000)
    out = output_dir(args, NAME)

    tm.manual_seed(args.seed)
    model = build_model(args.hidden)
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    X, Y = tm.tensor(X_XOR), tm.tensor(Y_XOR)
    print(model)

    losses = []
    every = max(1, iterations // 10)
    print(f"\ntraining {iterations:,} full-batch iterations, lr {args.lr}")
    with Stopwatch() as clock:
        for it in range(iterations):
            optimizer.zero_grad()
            loss = quadratic_cost(model(X), Y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if it % every == 0 or it == iterations - 1:
                print(f"  iteration {it + 1:>6,}: loss {losses[-1]:.6f}")

    with tm.no_grad():
        outputs = model(X).numpy().ravel()
    predictions = (outputs > 0.5).astype(int)
    accuracy = float(np.mean(predictions == Y_XOR.ravel()))
    print("\nfinal predictions")
    print_table(["x1", "x2", "target", "output", "rounded"],
                [[int(a), int(b), int(t), f"{o:.4f}", int(r)]
                 for (a, b), t, o, r in zip(X_XOR, Y_XOR.ravel(), outputs, predictions)])

    # Gradient check on a float64 copy: central differences need double precision.
    model64 = copy.deepcopy(model).double()
    X64, Y64 = tm.tensor(X_XOR.astype(np.float64)), tm.tensor(Y_XOR.astype(np.float64))
    report = tm.gradcheck_report(lambda: quadratic_cost(model64(X64), Y64),
                                 dict(model64.named_parameters()), eps=1e-5)
    print("\ngradient check (float64, ε = 1e-5)")
    print(report)
    print(f"verdict: {'OK' if report.ok else 'NOT OK'} (worst {report.worst.rel_error:.2e} "
          f"in {report.worst.name})")

    plot_cost(losses, path=out / "loss.png")
    pictures = [out / "loss.png"]

    print_comparison("XOR", [
        ("iterations", iterations, 10_000, "full batch, as the notes"),
        ("final loss ½(y−a)²", losses[-1], "—", "the notes report no number"),
        ("outputs for 00,01,10,11", " ".join(f"{o:.2f}" for o in outputs), "≈ 0 1 1 0",
         "XOR solved" if accuracy == 1.0 else "not solved: try another --seed"),
        ("gradient check", report.worst.grade, "—", f"worst rel. error "
                                                    f"{report.worst.rel_error:.1e}"),
        ("training time (s)", clock.seconds, "—", ""),
    ])
    print(f"\npicture: {pictures[0]}")
    return dict(losses=losses, loss_first=losses[0], loss_final=losses[-1], outputs=outputs,
                accuracy=accuracy, gradcheck_ok=report.ok,
                gradcheck_worst=report.worst.rel_error, pictures=pictures,
                seconds=clock.seconds)


if __name__ == "__main__":
    main(sys.argv[1:])
