"""The ``tinygrad-mlp`` subcommands: ``train``, ``evaluate``, ``graph``, ``gradcheck``.

Each takes the parsed ``argparse.Namespace`` and returns the exit status.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import nn, optim
from ..creation import from_numpy
from ..data import DataLoader
from ..gradcheck import gradcheck_report
from ..io import save
from ..metrics import accuracy, confusion_matrix
from ..rng import manual_seed
from ..train import fit, predict
from .common import (
    CLIError,
    Data,
    UsageError,
    build_model,
    check_fits,
    check_output,
    dataset_label,
    describe_model,
    dot_available,
    load_checkpoint,
    load_data,
    loss_graph,
    model_config,
    one_line,
    write_graph,
)

_DEFAULT_LR = {"adam": 0.003, "sgd": 0.1}
_CURVES = ("loss", "val_loss", "accuracy", "val_accuracy")


def _warn(message: str) -> None:
    print(f"tinygrad-mlp: warning: {message}", file=sys.stderr)


def _n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ------------------------------------------------------------------ train
def _make_optimizer(args: argparse.Namespace, model: nn.Module, lr: float) -> optim.Optimizer:
    if args.optimizer == "adam":
        return optim.Adam(model.parameters(), lr=lr, weight_decay=args.weight_decay)
    momentum = 0.9 if args.momentum is None else args.momentum
    return optim.SGD(model.parameters(), lr=lr, momentum=momentum,
                     weight_decay=args.weight_decay)


def _try_write(name: str, write: Callable[[], object], written: list[str]) -> None:
    """Run ``write``; a missing optional dependency or program only costs this one file."""
    try:
        write()
        written.append(name)
    except (ImportError, RuntimeError, CLIError) as e:
        _warn(f"{name} not written: {one_line(e)}")


def train(args: argparse.Namespace) -> int:
    """Train an MLP on the dataset and write a checkpoint, the history and plots."""
    dataset = args.dataset or "digits"
    if args.optimizer == "adam" and args.momentum is not None:
        raise UsageError("train: --momentum applies to --optimizer sgd only (Adam keeps its "
                         "own moment estimates)")
    lr = args.lr if args.lr is not None else _DEFAULT_LR[args.optimizer]
    out = Path(args.out or f"runs/train-{dataset_label(dataset)}")
    check_output(out, "--out", folder=True)  # before training, not after
    data = load_data(dataset, args.test_size, args.seed, args.data_dir, args.download,
                     args.limit, target=args.target, task=args.task,
                     standardize=args.standardize)
    print(data.describe())
    regression = data.task == "regression"
    manual_seed(args.seed)
    model = build_model(data.input_dim, args.hidden, args.activation, data.num_classes,
                        args.dropout)
    optimizer = _make_optimizer(args, model, lr)
    config = model_config(data, dataset, args.hidden, args.activation, args.test_size,
                          args.seed, args.data_dir)
    config.update(optimizer=args.optimizer, lr=float(lr), weight_decay=args.weight_decay,
                  momentum=getattr(optimizer, "momentum", None), epochs=args.epochs,
                  batch_size=args.batch_size, limit=args.limit, target=args.target,
                  schedule=args.schedule, dropout=args.dropout, standardize=args.standardize)
    print(f"model: {describe_model(config)} ({_n_params(model)} parameters), "
          f"{args.optimizer} lr={lr:g}, {args.epochs} epochs of batches of {args.batch_size}")
    print("val_* = the held-out test split, measured after each epoch (nothing is tuned on it)")

    loader = DataLoader(data.X_train, data.y_train, batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    loss_fn = nn.MSELoss() if regression else nn.CrossEntropyLoss()
    scheduler = (optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
                 if args.schedule == "cosine" else None)
    callbacks = []
    if not args.no_report:
        from ..viz.report import FitReporter

        out.mkdir(parents=True, exist_ok=True)
        callbacks.append(FitReporter(out, loss_fn, (data.X_test, data.y_test), config,
                                     data.class_names, title=f"tinygrad-mlp train: "
                                     f"{data.name}, {describe_model(config)}",
                                     write_at_end=False, display_X=data.X_test_raw))
    start = time.perf_counter()
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    try:
        history = fit(model, loss_fn, optimizer, loader, epochs=args.epochs,
                      val_data=(data.X_test, data.y_test), progress=progress, verbose=1,
                      scheduler=scheduler, callbacks=callbacks)
    except FloatingPointError as e:
        raise CLIError(f"training diverged: {one_line(e)} (try a smaller --lr)") from e
    seconds = time.perf_counter() - start
    out_test = predict(model, data.X_test)
    if not math.isfinite(history["loss"][-1]):
        _warn(f"training diverged (loss {history['loss'][-1]}); try a smaller --lr")
    if regression:
        rmse = float(np.sqrt(np.mean((out_test - data.y_test) ** 2)))
        acc, pred = None, out_test
        print(f"test RMSE: {rmse:.4g} (targets' std {float(np.std(data.y_test)):.4g}) after "
              f"{args.epochs} epochs; training took {seconds:.2f} s")
    else:
        pred = out_test.argmax(axis=1)
        acc = accuracy(data.y_test, pred)
        print(f"test accuracy: {acc:.4f} ({int(np.sum(pred == data.y_test))}/{len(pred)}) "
              f"after {args.epochs} epochs; training took {seconds:.2f} s")

    out.mkdir(parents=True, exist_ok=True)
    if regression:
        config["test_rmse"] = rmse
    else:
        config["test_accuracy"] = acc
    save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "config": config},
         out / "model.npz")
    record = {k: [float(v) for v in vals] for k, vals in history.items()}
    record.update(train_seconds=seconds, best_epoch=history.best_epoch, config=config,
                  **({"test_rmse": rmse} if regression else {"test_accuracy": acc}))
    (out / "history.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    written = ["model.npz", "history.json"]
    _write_plots(out, history, data, pred, written)
    _write_train_graph(out, model, data, args.batch_size, written)
    if callbacks:
        _try_write("report.html", lambda: callbacks[0].write(model, history), written)
    print(f"wrote {', '.join(written)} to {out}")
    if "report.html" in written:
        print(f"open {(out / 'report.html').resolve().as_uri()} in a browser for the report")
    return 0



def _write_plots(out: Path, history, data: Data, pred: np.ndarray, written: list) -> None:
    from ..viz import plot_confusion_matrix, plot_history

    curves = {k: history[k] for k in _CURVES if k in history}
    _try_write("curves.png", lambda: plot_history(curves, path=out / "curves.png"), written)
    if data.task == "regression":
        return
    cm = confusion_matrix(data.y_test, pred, num_classes=data.num_classes)
    _try_write("confusion.png", lambda: plot_confusion_matrix(
        cm, path=out / "confusion.png", class_names=data.class_names), written)


def _write_train_graph(out: Path, model, data: Data, batch_size: int, written: list) -> None:
    n = min(batch_size, len(data.X_train))
    holder: dict = {}

    def draw():
        holder["dot"] = loss_graph(model, data.X_train[:n], data.y_train[:n],
                                   color_by_grad=True,
                                   title=f"trained model: loss on {n} {data.name} "
                                         f"training samples")
        write_graph(holder["dot"], out / "graph.dot", "dot")

    _try_write("graph.dot", draw, written)
    if "dot" in holder and dot_available():
        _try_write("graph.svg", lambda: write_graph(holder["dot"], out / "graph.svg", "svg"),
                   written)


# ------------------------------------------------------------------ evaluate
def format_confusion(cm: np.ndarray) -> str:
    """The confusion matrix as a text table with per-class recall (rows true, columns predicted)."""
    k = len(cm)
    w = max(len(str(int(cm.max(initial=0)))), len(str(k - 1))) + 1
    head = "true\\pred" + "".join(f"{j:>{w}}" for j in range(k)) + "  recall"
    lines = ["confusion matrix (rows: true class, columns: predicted class)", head]
    for i in range(k):
        total = int(cm[i].sum())
        recall = f"{cm[i, i] / total:.3f}" if total else "   -"
        lines.append(f"{i:>9}" + "".join(f"{int(c):>{w}}" for c in cm[i]) + f"  {recall:>6}")
    return "\n".join(lines)


def _checkpoint_data(args: argparse.Namespace, config: dict) -> Data:
    """The dataset the checkpoint was trained on (or --dataset), split as in training."""
    same = args.dataset is None or args.dataset == config["dataset"]
    dataset = config["dataset"] if args.dataset is None else args.dataset
    data_dir = args.data_dir or (config.get("data_dir") if same else None)
    split = getattr(args, "test_size", None), getattr(args, "seed", None)
    test_size = config.get("test_size", 0.2) if same or split[0] is None else split[0]
    seed = config.get("seed", 0) if same or split[1] is None else split[1]
    data = load_data(dataset, test_size, seed, data_dir, args.download,
                     target=config.get("target"), task=config.get("task") or "auto",
                     standardize=bool(config.get("standardize")))
    check_fits(config, data)
    return data


def evaluate(args: argparse.Namespace) -> int:
    """Accuracy and confusion matrix of a checkpoint on its dataset's test (or train) split."""
    if args.plot:
        check_output(Path(args.plot), "--plot", folder=False)
    model, config = load_checkpoint(args.checkpoint)
    data = _checkpoint_data(args, config)
    X, y = (data.X_test, data.y_test) if args.split == "test" else (data.X_train, data.y_train)
    pred = predict(model, X).argmax(axis=1)
    acc = accuracy(y, pred)
    cm = confusion_matrix(y, pred, num_classes=int(config["num_classes"]))
    print(f"model: {describe_model(config)} from {args.checkpoint}")
    print(data.describe())
    print(f"{args.split} accuracy: {acc:.4f} ({int(np.sum(pred == y))}/{len(y)})")
    print(format_confusion(cm))
    if args.plot:
        from ..viz import plot_confusion_matrix

        plot_confusion_matrix(cm, path=args.plot)
        print(f"wrote {args.plot}")
    return 0


# ------------------------------------------------------------------ graph / gradcheck
def _model_and_data(args: argparse.Namespace) -> tuple[nn.Sequential, dict, Data]:
    """The checkpoint's model, or a fresh one from --hidden/--activation, with its data."""
    if args.checkpoint:
        if args.hidden is not None or args.activation is not None:
            raise UsageError(f"{args.command}: --hidden/--activation describe a fresh model; "
                             f"leave them out when giving a CHECKPOINT")
        model, config = load_checkpoint(args.checkpoint)
        return model, config, _checkpoint_data(args, config)
    dataset = args.dataset or "digits"
    hidden = [64, 32] if args.hidden is None else args.hidden
    activation = args.activation or "relu"
    data = load_data(dataset, args.test_size, args.seed, args.data_dir, args.download)
    manual_seed(args.seed)
    model = build_model(data.input_dim, hidden, activation, data.num_classes)
    config = model_config(data, dataset, hidden, activation, args.test_size, args.seed,
                          args.data_dir)
    return model, config, data


def graph(args: argparse.Namespace) -> int:
    """Draw the graph of the model's loss on one batch, after backward (gradient norms show)."""
    from .parser import graph_target

    out, fmt = graph_target(args.out, args.format)
    check_output(Path(out), "--out", folder=False)
    if fmt != "dot" and not dot_available():
        raise CLIError(f"cannot write {out}: Graphviz's 'dot' program is not installed (apt "
                       f"install graphviz, brew install graphviz); --format dot needs no program")
    model, config, data = (_arch_model_and_data(args) if args.arch
                           else _model_and_data(args))
    n = min(args.batch_size, len(data.X_train))
    kind = "MSE" if data.task == "regression" else "cross-entropy"
    title = f"{kind} of {describe_model(config)} on {n} {data.name} samples"
    if args.collapse:
        from ..viz import draw_graph

        dot = draw_graph(model=model, sample=(data.X_train[:n], data.y_train[:n]),
                         collapse=True, color_by_grad=args.color_by_grad, title=title)
    else:
        dot = loss_graph(model, data.X_train[:n], data.y_train[:n], args.color_by_grad, title)
    path = write_graph(dot, out, fmt)
    print(f"wrote {path} ({fmt}): {title}")
    return 0


def _arch_model_and_data(args: argparse.Namespace) -> tuple[nn.Sequential, dict, Data]:
    """The MLP --arch describes, loaded with CHECKPOINT's state dict when one is given, and
    a batch to run it on: the dataset's when it fits, else random inputs and labels."""
    from ..io import load

    sizes, activation = args.arch, args.activation or "relu"
    if args.hidden is not None:
        raise UsageError("graph: --arch already gives the hidden sizes; leave out --hidden")
    model = build_model(sizes[0], sizes[1:-1], activation, sizes[-1])
    config = {"input_dim": sizes[0], "hidden": sizes[1:-1], "activation": activation,
              "num_classes": sizes[-1]}
    if args.checkpoint:
        obj = load(args.checkpoint)
        state = obj["model"] if isinstance(obj, dict) and isinstance(obj.get("model"),
                                                                     dict) else obj
        if not isinstance(state, dict):
            raise CLIError(f"{args.checkpoint} holds no state dict (got "
                           f"{type(state).__name__})")
        try:
            model.load_state_dict(state)
        except (RuntimeError, ValueError) as e:
            raise CLIError(f"{args.checkpoint}: the state dict does not fit --arch "
                           f"{','.join(map(str, sizes))}: {one_line(e)}") from e
    data = None
    try:
        data = load_data(args.dataset or "digits", args.test_size, args.seed, args.data_dir,
                         args.download)
    except (CLIError, OSError, ValueError):
        pass
    if data is None or data.input_dim != sizes[0] or data.num_classes > sizes[-1]:
        rng = np.random.default_rng(args.seed)
        X = rng.normal(size=(args.batch_size, sizes[0])).astype(np.float32)
        y = rng.integers(0, sizes[-1], size=args.batch_size)
        data = Data("random", X, y, X, y, " (random inputs: no dataset fits --arch)")
        print(f"note: no dataset has {sizes[0]} features and at most {sizes[-1]} classes; "
              f"drawing the graph on random inputs")
    return model, config, data


def gradcheck(args: argparse.Namespace) -> int:
    """Per-parameter relative error of backprop vs central differences; 0 iff all are OK."""
    model, config, data = _model_and_data(args)
    model.double()  # central differences need float64
    # Test samples: a trained model fits its training samples so closely (loss ~1e-5)
    # that round-off in the central differences would dominate the comparison.
    n = min(args.samples, len(data.X_test))
    X = from_numpy(data.X_test[:n].astype(np.float64))
    y = from_numpy(data.y_test[:n])
    loss_fn = nn.CrossEntropyLoss()
    loss = float(loss_fn(model(X), y).item())
    elements = (f"at most {args.max_elements} elements per tensor" if args.max_elements
                else "every element")
    print(f"gradient check of {describe_model(config)} on {n} {data.name} test samples "
          f"(loss {loss:.4g}; float64, eps={args.eps:g}, {elements})")
    report = gradcheck_report(lambda: loss_fn(model(X), y), dict(model.named_parameters()),
                              eps=args.eps, max_elements=args.max_elements, seed=args.seed)
    print(report)
    grades = [r.grade for r in report]
    worst = report.worst
    tail = f"worst relative error {worst.rel_error:.2e} in {worst.name}"
    if report.ok:
        print(f"all {len(report)} tensors OK; {tail}")
        return 0
    print(f"{grades.count('warning')} warning(s), {grades.count('problem')} problem(s) "
          f"among {len(report)} tensors; {tail}")
    if loss < 1e-3 and "problem" not in grades:
        print("(the loss is tiny, so round-off weighs on the numerical gradients; "
              "try --eps 1e-4 or more --samples)")
    return 1
