"""A modern MLP on the full Fashion-MNIST: BatchNorm, ReLU, Dropout, Adam, a cosine schedule.

784 → 512 BatchNorm ReLU Dropout → 256 BatchNorm ReLU Dropout → 10 logits,
PyTorch's default inits, softmax cross-entropy with label smoothing, Adam on
minibatches reshuffled every epoch, the rate annealed to 0 along a cosine.
``nn.BatchNorm1d`` normalises each hidden unit over the batch while training
and with its running statistics when testing (``fit`` switches the model to
eval mode for the test pass), which lets Adam take larger steps.
Trained on the 60,000 training images, tested on the 10,000 test images.

Unlike the other examples this one uses the ``tinygrad_mlp.train.fit`` helper,
which runs exactly the explicit loop of ``xor.py`` / ``nielsen_sgd.py``
(zero_grad → forward → loss → backward → step per batch, ``scheduler.step()``
per epoch) and records a history.

For scale, the dataset's published benchmark lists an MLP at 0.883 and
scikit-learn's MLPClassifier at about 0.87 test accuracy.

Data: /usr/share/datasets/fashion-mnist (Debian's ``dataset-fashion-mnist``)
or ``--data DIR``; the script says so and stops when the files are missing.

    python examples/fashion_mnist.py            # 12 epochs of the 60,000 images
    python examples/fashion_mnist.py --quick    # 2 epochs, 3,000 + 1,000 test-file images
    python examples/fashion_mnist.py --blas-threads 1   # when other work shares the cores
"""

from __future__ import annotations

import sys

import numpy as np
from _common import (
    Stopwatch,
    banner,
    limit_blas_threads,
    make_parser,
    output_dir,
    print_comparison,
)

import tinygrad_mlp as tm
from tinygrad_mlp import nn, optim
from tinygrad_mlp.data import DataLoader, load_fashion_mnist
from tinygrad_mlp.metrics import confusion_matrix
from tinygrad_mlp.train import fit, predict
from tinygrad_mlp.viz import plot_confusion_matrix, plot_history

NAME = "fashion_mnist"
CLASSES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Boot"]
BENCHMARK = {"MLP": 0.883, "MLPClassifier": 0.87}
EPOCHS, BATCH, LR = 12, 256, 2e-3
TARGET = {"accuracy": 0.90, "seconds": 60.0}


def build_model(dropout: float, batchnorm: bool = True) -> nn.Sequential:
    """784 → 512 → 256 → 10: each hidden layer Linear, BatchNorm1d (unless
    ``batchnorm=False``), ReLU, and Dropout(p) if p > 0."""
    layers: list[nn.Module] = []
    for n_in, n_out in ((784, 512), (512, 256)):
        layers.append(nn.Linear(n_in, n_out))
        if batchnorm:
            layers.append(nn.BatchNorm1d(n_out))
        layers.append(nn.ReLU())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(256, 10))


def main(argv: list[str] | None = None) -> dict:
    p = make_parser(NAME, __doc__)
    p.add_argument("--data", default=None, help="folder with the Fashion-MNIST IDX files")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"default {EPOCHS} (2 with --quick)")
    p.add_argument("--batch-size", type=int, default=BATCH)
    p.add_argument("--lr", type=float, default=LR)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--no-batchnorm", action="store_true", help="the plain MLP, for comparison")
    p.add_argument("--progress", action="store_true", help="show a progress bar")
    p.add_argument("--blas-threads", type=int, default=0,
                   help="cap the BLAS threads (1 is faster on a busy machine); 0: no change")
    args = p.parse_args(argv)
    epochs = args.epochs or (2 if args.quick else EPOCHS)

    try:
        X_test, y_test = load_fashion_mnist(args.data, train=False)
        if args.quick:  # skip reading the 26 MB training file: two disjoint parts of the test file
            X_train, y_train = X_test[:3000], y_test[:3000]
            X_test, y_test = X_test[-1000:], y_test[-1000:]
        else:
            X_train, y_train = load_fashion_mnist(args.data, train=True)
    except FileNotFoundError as e:
        print(f"fashion_mnist: skipped, the dataset is missing.\n{e}")
        return {"skipped": str(e)}
    out = output_dir(args, NAME)

    tm.manual_seed(args.seed)
    model = build_model(args.dropout, batchnorm=not args.no_batchnorm)
    print(model)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loader = DataLoader(X_train, y_train, batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    banner(f"training on {len(X_train):,} images, {epochs} epochs of {len(loader)} batches")
    with limit_blas_threads(args.blas_threads), Stopwatch() as clock:
        loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
        history = fit(model, loss_fn, optimizer, loader, epochs=epochs,
                      val_data=(X_test, y_test), scheduler=scheduler, progress=args.progress,
                      verbose=1)

    pred = predict(model, X_test).argmax(axis=1)
    accuracy = float(np.mean(pred == y_test))
    plot_history({k: v for k, v in history.items() if k != "batch_loss"},
                 path=out / "history.png")
    plot_confusion_matrix(confusion_matrix(y_test, pred, num_classes=10), class_names=CLASSES,
                          path=out / "confusion.png")
    pictures = [out / "history.png", out / "confusion.png"]

    print_comparison("Fashion-MNIST", [
        ("test accuracy", f"{accuracy:.4f}", f"{BENCHMARK['MLP']} (MLP)",
         f"target ≥ {TARGET['accuracy']}; MLPClassifier ≈ {BENCHMARK['MLPClassifier']}"),
        ("training time (s)", clock.seconds, "—",
         f"target < {TARGET['seconds']:.0f} s; {epochs} epochs incl. per-epoch test pass"),
        ("training images", len(X_train), 60_000, ""),
    ])
    print("\npictures:\n  " + "\n  ".join(str(p) for p in pictures))
    return dict(test_accuracy=accuracy, seconds=clock.seconds, epochs=epochs,
                history={k: list(v) for k, v in history.items()}, pictures=pictures,
                n_train=len(X_train))


if __name__ == "__main__":
    main(sys.argv[1:])
