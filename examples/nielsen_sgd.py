"""The book's first network: [784, 30, 10] sigmoid, quadratic cost, mini-batch SGD.

Sizes [784, 30, 10], sigmoid on every layer, weights and biases drawn from
N(0, 1) as in the book's ``network.py``, quadratic cost C = ½‖y − a‖² per
image, mini-batches of 10, η = 3.0, 30 epochs, and the book's printout
"Epoch k: n / N" of test images classified correctly after every epoch.

The book's update is w → w − (η/m)·Σₓ ∇C_x: the *mean* over the mini-batch of
the per-image gradients. So the loss below is ½‖y − a‖² summed over the 10
output units and averaged over the batch, and plain ``optim.SGD(lr=3.0)``
makes exactly the book's step. (``F.mse_loss`` with reduction 'mean' would
also divide by the 10 units and need η = 60 instead.)

Data: the book trains on 50,000 MNIST training images and tests on the 10,000
test images. With full MNIST in tinygrad_mlp's cache (or ``--data DIR``) this
script does the same; otherwise it uses the real MNIST test set beside the
repository split 8,000 train / 2,000 test, and reaches a little less than the
book's ~95 % because it sees 6× fewer training images.

Stuck runs: with some seeds (0 and 7 of 0–7 on the 8,000-image split) one
output unit saturates during the first epoch, its σ′(z) ≈ 0 stops it from
learning, that digit is never predicted and accuracy plateaus near 82 %.
That is the learning slowdown of the quadratic cost with sigmoid outputs
which the book's chapter 3 analyses (and cures with the cross-entropy cost),
not a bug; the script says so when it happens. The default seed is 1.

    python examples/nielsen_sgd.py            # 30 epochs
    python examples/nielsen_sgd.py --quick    # 1,000 images, 2 epochs
"""

from __future__ import annotations

import sys

import numpy as np
from _common import (
    Stopwatch,
    add_mnist_options,
    banner,
    load_mnist_split,
    make_parser,
    output_dir,
    print_comparison,
)

import tinygrad_mlp as tm
from tinygrad_mlp import nn, optim
from tinygrad_mlp.data import DataLoader, one_hot
from tinygrad_mlp.viz import plot_history

NAME = "nielsen_sgd"
BOOK_TRAIN = 50_000


def build_network(sizes: list[int]) -> nn.Sequential:
    """Linear + Sigmoid for each pair of consecutive sizes, every parameter N(0, 1)."""
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layer = nn.Linear(n_in, n_out)
        nn.init.normal_(layer.weight, 0.0, 1.0)
        nn.init.normal_(layer.bias, 0.0, 1.0)
        layers += [layer, nn.Sigmoid()]
    return nn.Sequential(*layers)


def quadratic_cost(a: tm.Tensor, y: tm.Tensor) -> tm.Tensor:
    """½‖y − a‖² per image (summed over the output units), averaged over the batch."""
    return 0.5 * ((a - y) ** 2).sum(axis=1).mean()


def evaluate(model: nn.Module, X: np.ndarray, y: np.ndarray) -> int:
    """How many images of X the network classifies correctly (argmax of its output)."""
    with tm.no_grad():
        return int(np.sum(model(tm.from_numpy(X)).numpy().argmax(axis=1) == y))


def main(argv: list[str] | None = None) -> dict:
    p = make_parser(NAME, __doc__)
    add_mnist_options(p)
    p.add_argument("--epochs", type=int, default=None, help="default 30 (2 with --quick)")
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--lr", type=float, default=3.0, help="η of the book's update")
    p.add_argument("--hidden", type=int, default=30)
    p.set_defaults(seed=1)  # see "Stuck runs" in the docstring
    args = p.parse_args(argv)
    epochs = args.epochs or (2 if args.quick else 30)
    out = output_dir(args, NAME)

    data = load_mnist_split(args.data, args.download, max_train=1000 if args.quick else None,
                            max_test=500 if args.quick else None, script=f"{NAME}.py")
    X_train, y_train = data["X_train"][:BOOK_TRAIN], data["y_train"][:BOOK_TRAIN]
    X_test, y_test = data["X_test"], data["y_test"]
    print(data["source"] + (f" (first {BOOK_TRAIN:,} for training, as the book)"
                            if len(data["X_train"]) > BOOK_TRAIN else ""))

    tm.manual_seed(args.seed)
    sizes = [784, args.hidden, 10]
    model = build_network(sizes)
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    loader = DataLoader(X_train, one_hot(y_train, 10), batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    banner(f"network {sizes}, {epochs} epochs, mini-batch {args.batch_size}, η = {args.lr}, "
           f"{len(X_train):,} training images")

    correct = []
    with Stopwatch() as clock:
        for epoch in range(epochs):
            for xb, yb in loader:
                optimizer.zero_grad()
                loss = quadratic_cost(model(xb), yb)
                loss.backward()
                optimizer.step()
            correct.append(evaluate(model, X_test, y_test))
            print(f"Epoch {epoch}: {correct[-1]} / {len(X_test)}")

    with tm.no_grad():
        predicted = model(tm.from_numpy(X_test)).numpy().argmax(axis=1)
    never = sorted(set(range(10)) - set(predicted.tolist()))
    if never and len(X_test) >= 100:
        print(f"\nnote: digit(s) {never} are never predicted: a saturated output unit has "
              f"stopped learning (see 'Stuck runs' in the docstring); try another --seed")
    accuracy = np.array(correct) / len(X_test)
    plot_history({"test accuracy": accuracy}, path=out / "test_accuracy.png")
    pictures = [out / "test_accuracy.png"]
    best = int(np.argmax(accuracy))
    print_comparison("Nielsen's network", [
        ("final test accuracy", f"{accuracy[-1]:.2%}", "≈ 95 %",
         f"after {epochs} epochs"),
        ("best epoch", f"{accuracy[best]:.2%} (epoch {best})", "≈ 95.4 %", ""),
        ("training images", len(X_train), BOOK_TRAIN,
         "full MNIST" if len(X_train) >= BOOK_TRAIN else "only the shared test set is here"),
        ("epochs / batch / η", f"{epochs} / {args.batch_size} / {args.lr}", "30 / 10 / 3.0", ""),
        ("training time (s)", clock.seconds, "—", "incl. the per-epoch evaluation"),
    ])
    print(f"\npicture: {pictures[0]}")
    return dict(test_accuracy=float(accuracy[-1]), best_accuracy=float(accuracy[best]),
                correct=correct, n_test=len(X_test), n_train=len(X_train), epochs=epochs,
                never_predicted=never, pictures=pictures, seconds=clock.seconds,
                source=data["source"])


if __name__ == "__main__":
    main(sys.argv[1:])
