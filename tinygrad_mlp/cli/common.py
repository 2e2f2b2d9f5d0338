"""What the commands share: errors, datasets, the MLP, checkpoints and graph drawing."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__, nn
from ..data import load_digits, load_fashion_mnist, load_idx_folder, load_mnist, train_test_split
from ..io import load

DATASETS = ("digits", "mnist", "fashion-mnist")
ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
_CONFIG_KEYS = ("input_dim", "hidden", "activation", "num_classes")


class CLIError(Exception):
    """A failure to report as one line; ``exit_code`` 1 (runtime) or 2 (usage)."""

    exit_code = 1


class UsageError(CLIError):
    """Bad command-line arguments (exit status 2)."""

    exit_code = 2


# ------------------------------------------------------------------ datasets
@dataclass
class Data:
    """A classification dataset split in two: X float32 (N, D), y int64 (N,)."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    note: str = ""

    @property
    def input_dim(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def num_classes(self) -> int:
        return int(max(self.y_train.max(initial=0), self.y_test.max(initial=0))) + 1

    def describe(self) -> str:
        return (f"{self.name}: {len(self.X_train)} training and {len(self.X_test)} test "
                f"samples, {self.input_dim} features, {self.num_classes} classes{self.note}")


def dataset_label(dataset: str) -> str:
    """A short name for output folders: the dataset name, or the folder's name."""
    return dataset if dataset in DATASETS else (Path(dataset).expanduser().resolve().name
                                                or "data")


def _splits(load_split) -> tuple:
    """Both splits from ``load_split(train: bool)``; a missing one (FileNotFoundError) is None."""
    found, missing = {}, {}
    for train in (True, False):
        try:
            found[train] = load_split(train)
        except FileNotFoundError as e:
            missing[train] = e
    if not found:
        raise missing[True]
    return found.get(True), found.get(False)


def load_data(dataset: str, test_size: float, seed: int, data_dir: str | None = None,
              download: bool = False, limit: int | None = None) -> Data:
    """``dataset`` (a name of DATASETS or a folder of IDX files) split into train and test.

    Datasets without a test split (digits, a folder with one split only) are split
    with ``train_test_split(test_size, seed, stratify=True)``; ``limit`` keeps at most
    that many random training samples.
    """
    note = ""
    if dataset == "digits":
        X, y = load_digits()
        train, test = (X, y), None
    elif dataset in ("mnist", "fashion-mnist"):
        try:
            if dataset == "mnist":
                train, test = _splits(lambda tr: load_mnist(data_dir, train=tr,
                                                            download=download))
            else:
                train, test = _splits(lambda tr: load_fashion_mnist(data_dir, train=tr))
        except FileNotFoundError as e:
            hint = "--download fetches them, " if dataset == "mnist" else ""
            raise CLIError(f"{one_line(e)} (tinygrad-mlp: {hint}--data-dir DIR points at "
                           f"them)") from e
    else:
        folder = Path(dataset).expanduser()
        if not folder.exists():
            raise CLIError(f"dataset folder {dataset} does not exist")
        if not folder.is_dir():
            raise CLIError(f"dataset {folder} is a file; give the folder holding the IDX files "
                           f"(train-images-idx3-ubyte.gz, ...)")
        train, test = _splits(lambda tr: load_idx_folder(folder, train=tr))
    if train is None or test is None:
        X, y = train if train is not None else test
        if dataset != "digits":
            note = (f" (only the {'training' if train is not None else 'test'} split was "
                    f"found: split {1 - test_size:.0%}/{test_size:.0%} with --test-size)")
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size, seed=seed,
                                                            stratify=True)
    else:
        (X_train, y_train), (X_test, y_test) = train, test
    if X_train.shape[1:] != X_test.shape[1:]:
        raise CLIError(f"dataset {dataset}: training images have {X_train.shape[1]} features "
                       f"but test images {X_test.shape[1]}")
    if limit is not None and limit < len(X_train):
        keep = np.sort(np.random.default_rng(seed).choice(len(X_train), limit, replace=False))
        X_train, y_train = X_train[keep], y_train[keep]
        note += f" (--limit: {limit} training samples)"
    return Data(dataset_label(dataset), X_train, y_train, X_test, y_test, note)


# ------------------------------------------------------------------ the model
def build_model(input_dim: int, hidden: list[int], activation: str,
                num_classes: int) -> nn.Sequential:
    """Linear → activation → ... → Linear(num_classes): logits for CrossEntropyLoss."""
    if activation not in ACTIVATIONS:
        raise CLIError(f"unknown activation {activation!r}: choose {', '.join(ACTIVATIONS)}")
    layers, width = [], input_dim
    for size in hidden:
        layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
        width = size
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


def describe_model(config: dict) -> str:
    """'64 → 64 (relu) → 32 (relu) → 10' from a checkpoint config."""
    act = config["activation"]
    sizes = [str(config["input_dim"])] + [f"{h} ({act})" for h in config["hidden"]]
    return " → ".join(sizes + [str(config["num_classes"])])


def model_config(data: Data, dataset: str, hidden: list[int], activation: str,
                 test_size: float, seed: int, data_dir: str | None) -> dict:
    """What ``evaluate``/``graph``/``gradcheck`` need to rebuild the model and its data split."""
    is_folder = dataset not in DATASETS
    return {
        "input_dim": data.input_dim, "hidden": [int(h) for h in hidden],
        "activation": activation, "num_classes": data.num_classes,
        "dataset": str(Path(dataset).expanduser().resolve()) if is_folder else dataset,
        "data_dir": str(Path(data_dir).expanduser().resolve()) if data_dir else None,
        "test_size": float(test_size), "seed": int(seed),
        "tinygrad_mlp_version": __version__,
    }


def _config_error(path: str, field: str, value, expected: str) -> CLIError:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return CLIError(f"{path}: the checkpoint's config field '{field}' is {shown}; expected "
                    f"{expected}")


def _count(config: dict, path: str, field: str) -> int:
    value = config.get(field)
    if type(value) is not int or value < 1:  # bool is an int: refused too
        raise _config_error(path, field, value, "a positive integer")
    return value


def check_config(config: dict, weights: dict, path: str) -> None:
    """CLIError naming ``path`` and the field unless ``config`` describes a model that
    ``weights`` (the state dict) fits; checked before any layer is allocated."""
    missing = [k for k in _CONFIG_KEYS if k not in config]
    if missing:
        raise CLIError(f"{path}: the checkpoint's config lacks {', '.join(missing)}")
    widths = [_count(config, path, "input_dim")]
    hidden = config["hidden"]
    if not isinstance(hidden, (list, tuple)) or not all(
            type(h) is int and h > 0 for h in hidden):
        raise _config_error(path, "hidden", hidden, "a list of positive integers")
    widths += list(hidden) + [_count(config, path, "num_classes")]
    if config["activation"] not in ACTIVATIONS:
        raise _config_error(path, "activation", config["activation"],
                            f"one of {', '.join(ACTIVATIONS)}")
    dataset = config.get("dataset")
    if not isinstance(dataset, str) or not dataset:
        raise _config_error(path, "dataset", dataset, "a dataset name or folder")
    if not isinstance(config.get("data_dir"), (str, type(None))):
        raise _config_error(path, "data_dir", config.get("data_dir"), "a folder or None")
    test_size = config.get("test_size", 0.2)
    if type(test_size) is not float or not 0 < test_size < 1:
        raise _config_error(path, "test_size", test_size, "a fraction between 0 and 1")
    seed = config.get("seed", 0)
    if type(seed) is not int or seed < 0:
        raise _config_error(path, "seed", seed, "a non-negative integer")
    def field(k: int) -> str:  # the config field that sets widths[k]
        return "input_dim" if k == 0 else ("num_classes" if k == len(widths) - 1
                                           else f"hidden[{k - 1}]")

    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        for name, shape in ((f"{2 * i}.weight", (n_out, n_in)), (f"{2 * i}.bias", (n_out,))):
            got = getattr(weights.get(name), "shape", None)
            if got == shape:
                continue
            k = i if got is not None and len(got) == 2 and got[0] == n_out else i + 1
            raise CLIError(f"{path}: the checkpoint's config field '{field(k)}' "
                           f"({describe_model(config)}) needs '{name}' of shape {shape}, the "
                           f"weights have {got if got is not None else 'none'}")


def load_checkpoint(path: str) -> tuple[nn.Sequential, dict]:
    """The model rebuilt from a checkpoint written by ``train``, and its config."""
    ckpt = load(path)  # FileNotFoundError / CheckpointError name the path
    config = ckpt.get("config") if isinstance(ckpt, dict) else None
    if not isinstance(config, dict) or not isinstance(ckpt.get("model"), dict):
        raise CLIError(f"{path} is a tinygrad_mlp checkpoint but not one written by "
                       f"'tinygrad-mlp train' (it needs 'model' and 'config' entries)")
    check_config(config, ckpt["model"], path)
    model = build_model(config["input_dim"], list(config["hidden"]), config["activation"],
                        config["num_classes"])
    try:
        model.load_state_dict(ckpt["model"])
    except (RuntimeError, ValueError, TypeError) as e:
        raise CLIError(f"{path}: the weights do not fit the model its config describes "
                       f"({describe_model(config)}): {e}") from e
    return model, config


def check_output(path: Path, flag: str, folder: bool) -> None:
    """CLIError naming ``flag`` unless ``path`` (a folder, or a file) can be written:
    checked before the work that produces it, by creating a temporary file there."""
    path = Path(path).expanduser()
    if path.exists():
        if folder and not path.is_dir():
            raise CLIError(f"{flag} {path} is a file, not a folder")
        if not folder and path.is_dir():
            raise CLIError(f"{flag} {path} is a folder, not a file")
        where = path if folder else path.parent
    else:
        where = path if folder else path.parent
        while not where.exists() and where != where.parent:
            where = where.parent
        if not where.is_dir():
            raise CLIError(f"{flag} {path}: {where} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=where or "."):
            pass
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise CLIError(f"{flag} {path}: cannot write in {where} ({reason})") from None
    if not os.access(where, os.W_OK):
        raise CLIError(f"{flag} {path}: cannot write in {where} (permission denied)")


def check_fits(config: dict, data: Data) -> None:
    """CLIError when ``data`` does not fit the model of ``config`` (features, classes)."""
    if data.input_dim != config["input_dim"]:
        raise CLIError(f"the model takes {config['input_dim']} inputs but dataset {data.name} "
                       f"has {data.input_dim} features per sample")
    if data.num_classes > config["num_classes"]:
        raise CLIError(f"dataset {data.name} has labels up to {data.num_classes - 1} but the "
                       f"model predicts {config['num_classes']} classes")


# ------------------------------------------------------------------ graphs
def loss_graph(model: nn.Module, X: np.ndarray, y: np.ndarray, color_by_grad: bool = False,
               title: str | None = None):
    """The graphviz.Digraph of the cross-entropy of ``model`` on the batch (X, y),
    drawn after ``backward`` so that parameters show their gradient norms."""
    from ..creation import from_numpy
    from ..viz import draw_graph

    model.zero_grad()
    loss = nn.CrossEntropyLoss()(model(from_numpy(X)), from_numpy(y))
    loss.backward(retain_graph=True)  # draw_graph walks the graph after backward
    dot = draw_graph(loss, params=model, group_modules=model, color_by_grad=color_by_grad,
                     title=title)
    model.zero_grad()
    return dot


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` program is on PATH (needed for SVG/PNG, not for .dot)."""
    return shutil.which("dot") is not None


def write_graph(dot, path: str | Path, fmt: str) -> Path:
    """Write ``dot`` to ``path`` as DOT text (``fmt='dot'``) or rendered as svg/png."""
    from ..viz import render_graph

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        path.write_text(dot.source, encoding="utf-8")
        return path
    if not dot_available():
        raise CLIError(f"cannot write {path}: Graphviz's 'dot' program is not installed (apt "
                       f"install graphviz, brew install graphviz); use --format dot for the "
                       f"DOT text")
    return render_graph(dot, path, format=fmt)


def one_line(error: BaseException | str) -> str:
    """An error message on one line (library messages may list files on several lines)."""
    # str(KeyError('x')) is "'x'"; its argument reads better.
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    parts = [p.strip() for p in text.splitlines() if p.strip()]
    return " ".join(parts) or type(error).__name__
