"""The ``tinygrad-mlp`` argument parser: subcommands, argument checks and help texts.

Usage errors never print argparse's usage block: ``_Parser.error`` raises
``UsageError`` so that ``main`` can print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import math
import os

from .. import __version__
from .common import ACTIVATIONS, DATASETS, UsageError

PROG = "tinygrad-mlp"
_FORMATS = ("svg", "png", "dot")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one-line ``UsageError`` exceptions."""

    def error(self, message: str):  # type: ignore[override]
        sub = self.prog[len(PROG):].strip() if self.prog.startswith(PROG) else ""
        raise UsageError(f"{sub + ': ' if sub else ''}{message} (see '{self.prog} --help')")


# ------------------------------------------------------------------ argument types
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _nonnegative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") \
            from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {value}")
    return value


#: The widest hidden layer the command builds (a bigger one is a typo, not an MLP).
MAX_LAYER_SIZE = 65536


def _layer_size(text: str) -> int:
    try:
        value = _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"hidden layer sizes must be positive integers, "
                                         f"got {text!r}") from None
    if value > MAX_LAYER_SIZE:
        raise argparse.ArgumentTypeError(f"hidden layer sizes must be at most "
                                         f"{MAX_LAYER_SIZE}, got {value}")
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value:g}")
    return value


def _nonnegative_float(text: str) -> float:
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value:g}")
    return value


def _fraction(text: str) -> float:
    value = _float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a fraction between 0 and 1, got {value:g}")
    return value


def _looks_like_path(text: str) -> bool:
    return (os.sep in text or "/" in text or text.startswith((".", "~"))
            or os.path.exists(text))


def _dataset(text: str) -> str:
    """A dataset name, or a path (checked later, so a missing folder is a runtime error)."""
    if text in DATASETS or _looks_like_path(text):
        return text
    raise argparse.ArgumentTypeError(
        f"unknown dataset {text!r}: choose {', '.join(DATASETS)} or give the path of a "
        f"folder of IDX files (e.g. ./my-mnist)")


# ------------------------------------------------------------------ shared options
def _data_options(split_options: bool) -> argparse.ArgumentParser:
    p = _Parser(add_help=False)
    g = p.add_argument_group("data")
    g.add_argument("--dataset", type=_dataset, default=None, metavar="NAME|DIR",
                   help=f"{', '.join(DATASETS)}, or a folder of MNIST-style IDX files "
                        f"(default: digits, or the checkpoint's dataset)")
    g.add_argument("--data-dir", default=None, metavar="DIR",
                   help="where mnist / fashion-mnist files are (default: $TINYGRAD_MLP_DATA or "
                        "~/.cache/tinygrad_mlp/mnist for mnist, /usr/share/datasets/"
                        "fashion-mnist for fashion-mnist)")
    g.add_argument("--download", action="store_true",
                   help="mnist only: fetch missing files (SHA-256 verified) into --data-dir")
    if split_options:
        g.add_argument("--test-size", type=_fraction, default=0.2, metavar="FRACTION",
                       help="test fraction for datasets without a test split, such as digits "
                            "(default: %(default)s)")
        g.add_argument("--seed", type=_nonnegative_int, default=0,
                       help="seed for the split, the initial weights and the shuffling "
                            "(default: %(default)s)")
    return p


def _model_options(with_defaults: bool) -> argparse.ArgumentParser:
    """--hidden/--activation; without defaults (None) where a checkpoint may supply them."""
    p = _Parser(add_help=False)
    g = p.add_argument_group("model")
    g.add_argument("--hidden", type=_layer_size, nargs="*", metavar="SIZE",
                   default=[64, 32] if with_defaults else None,
                   help="hidden layer sizes; none at all gives softmax regression "
                        "(default: 64 32)")
    g.add_argument("--activation", choices=sorted(ACTIVATIONS),
                   default="relu" if with_defaults else None,
                   help="hidden-layer activation (default: relu)")
    return p


def _debug_option() -> argparse.ArgumentParser:
    p = _Parser(add_help=False)
    # SUPPRESS: a subcommand that is not given --debug must not reset the main parser's value.
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the full traceback of errors")
    return p


# ------------------------------------------------------------------ help texts
_MAIN_EPILOG = f"""\
examples:
  {PROG} train                              # digits, a few seconds, ~97% test accuracy
  {PROG} train --dataset fashion-mnist --epochs 5 --limit 20000
  {PROG} evaluate runs/train-digits/model.npz
  {PROG} graph runs/train-digits/model.npz --out graph.svg --color-by-grad
  {PROG} gradcheck --hidden 16 --activation sigmoid

Run '{PROG} COMMAND --help' for the options of a command."""

_EPILOGS = {
    "train": f"""\
examples:
  {PROG} train
  {PROG} train --hidden 100 --activation tanh --optimizer sgd --lr 0.1 --momentum 0.9
  {PROG} train --dataset mnist --download --epochs 5 --out runs/mnist
  {PROG} train --dataset ./my-idx-folder --test-size 0.1 --no-progress

writes into --out: model.npz (weights, optimizer state, config), history.json,
curves.png, confusion.png, graph.dot and graph.svg (when Graphviz's dot is installed).""",
    "evaluate": f"""\
examples:
  {PROG} evaluate runs/train-digits/model.npz
  {PROG} evaluate runs/train-digits/model.npz --plot confusion.png
  {PROG} evaluate runs/mnist/model.npz --dataset ../shared/data/mnist""",
    "graph": f"""\
examples:
  {PROG} graph                                   # a fresh 64-64-32-10 model on digits
  {PROG} graph runs/train-digits/model.npz --color-by-grad
  {PROG} graph --hidden 8 --activation sigmoid --out small.png
  {PROG} graph --format dot --out graph.dot      # no Graphviz program needed""",
    "gradcheck": f"""\
examples:
  {PROG} gradcheck                               # a fresh model on digits
  {PROG} gradcheck runs/train-digits/model.npz --max-elements 50
  {PROG} gradcheck --hidden 10 --activation tanh --samples 3 --eps 1e-6

grades per tensor: OK (relative error <= 1e-7), warning (<= 1e-4), problem.
exit status: 0 when every tensor is OK, 1 otherwise.""",
}


def _subparser(sub, name: str, help_text: str, parents: list) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help_text, description=help_text, parents=parents,
                          epilog=_EPILOGS[name],
                          formatter_class=argparse.RawDescriptionHelpFormatter)


# ------------------------------------------------------------------ the parser
def build_parser() -> argparse.ArgumentParser:
    """The ``tinygrad-mlp`` parser; each subcommand sets ``args.command``."""
    from . import commands  # the handlers; imported here to keep this module light

    parser = _Parser(prog=PROG, description="Train, evaluate, draw and gradient-check small "
                     "MLPs with tinygrad_mlp, a NumPy autograd framework.",
                     epilog=_MAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    t = _subparser(sub, "train", "train an MLP classifier and save a checkpoint and plots",
                   [_data_options(True), _model_options(True), _debug_option()])
    g = t.add_argument_group("training")
    g.add_argument("--optimizer", choices=("sgd", "adam"), default="adam",
                   help="(default: %(default)s)")
    g.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate (default: 0.01 for adam, 0.1 for sgd)")
    g.add_argument("--momentum", type=_nonnegative_float, default=None,
                   help="sgd only (default: 0.9)")
    g.add_argument("--weight-decay", type=_nonnegative_float, default=0.0,
                   help="L2 weight decay (default: %(default)s)")
    g.add_argument("--epochs", type=_positive_int, default=20, help="(default: %(default)s)")
    g.add_argument("--batch-size", type=_positive_int, default=32,
                   help="(default: %(default)s)")
    g.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                   help="train on at most N randomly chosen training samples")
    o = t.add_argument_group("output")
    o.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: runs/train-<dataset>)")
    o.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: only when stderr is a terminal)")
    t.set_defaults(func=commands.train)

    e = _subparser(sub, "evaluate", "accuracy and confusion matrix of a saved model",
                   [_data_options(False), _debug_option()])
    e.add_argument("checkpoint", metavar="CHECKPOINT", help="a model.npz written by train")
    e.add_argument("--split", choices=("test", "train"), default="test",
                   help="which part of the dataset to evaluate on (default: %(default)s)")
    e.add_argument("--plot", default=None, metavar="PATH",
                   help="also draw the confusion matrix into PATH (e.g. confusion.png)")
    e.set_defaults(func=commands.evaluate)

    gr = _subparser(sub, "graph", "draw the computation graph of the loss on one batch",
                    [_data_options(True), _model_options(False), _debug_option()])
    gr.add_argument("checkpoint", nargs="?", metavar="CHECKPOINT",
                    help="a model.npz written by train (default: a fresh model from "
                         "--hidden/--activation)")
    gr.add_argument("--out", default=None, metavar="PATH",
                    help="output file (default: graph.<format>)")
    gr.add_argument("--format", choices=_FORMATS, default=None,
                    help="default: from --out's suffix, else svg; dot needs no Graphviz program")
    gr.add_argument("--batch-size", type=_positive_int, default=8,
                    help="samples in the batch (default: %(default)s)")
    gr.add_argument("--color-by-grad", action="store_true",
                    help="fill tensors by gradient norm (log scale) instead of plain boxes")
    gr.set_defaults(func=commands.graph)

    gc = _subparser(sub, "gradcheck",
                    "compare backpropagation with numerical gradients, per parameter",
                    [_data_options(True), _model_options(False), _debug_option()])
    gc.add_argument("checkpoint", nargs="?", metavar="CHECKPOINT",
                    help="a model.npz written by train (default: a fresh model)")
    gc.add_argument("--samples", type=_positive_int, default=5,
                    help="test samples in the loss (default: %(default)s)")
    gc.add_argument("--eps", type=_positive_float, default=1e-5,
                    help="central-difference step (default: %(default)g)")
    gc.add_argument("--max-elements", type=_positive_int, default=None, metavar="N",
                    help="check at most N random elements per tensor (default: all)")
    gc.set_defaults(func=commands.gradcheck)

    from .sweep import add_sweep_parser

    add_sweep_parser(sub, [_data_options(True), _model_options(False), _debug_option()])
    return parser


def graph_target(out: str | None, fmt: str | None) -> tuple[str, str]:
    """(path, format) for ``graph`` from --out and --format; UsageError when they disagree."""
    suffix = os.path.splitext(out)[1].lstrip(".").lower() if out else ""
    if fmt is None:
        fmt = suffix if suffix in _FORMATS else "svg"
        if suffix and suffix not in _FORMATS:
            raise UsageError(f"graph: cannot tell the format of --out {out!r}: use a .svg, .png "
                             f"or .dot name, or give --format")
    elif suffix and suffix != fmt and suffix in _FORMATS:
        raise UsageError(f"graph: --out {out!r} does not match --format {fmt}")
    if out is None:
        out = f"graph.{fmt}"
    elif not suffix:
        out = f"{out}.{fmt}"
    return out, fmt
