"""The ``tinygrad-mlp`` command: every subcommand on small data, and its error paths.

Commands run in-process through ``main(argv)`` (which returns the exit status);
one subprocess checks the ``python -m tinygrad_mlp`` entry point.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp.cli import main
from tinygrad_mlp.data import write_idx
from tinygrad_mlp.io import load, save

pytest.importorskip("sklearn")  # digits, the default dataset, ships with scikit-learn

HAS_GRAPHVIZ = importlib.util.find_spec("graphviz") is not None
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
needs_graphviz = pytest.mark.skipif(not HAS_GRAPHVIZ, reason="graphviz is not installed")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot program is not installed")
needs_matplotlib = pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib is not installed")

ACCURACY = re.compile(r"test accuracy: ([0-9.]+) \((\d+)/(\d+)\)")


def run(argv, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, expected_code: int, out: str, err: str, *words: str):
    assert code == expected_code, (code, out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tinygrad-mlp: error: "), err
    for w in words:
        assert w in lines[0], (w, lines[0])


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One short training run on digits with the default output folder (in a temp cwd)."""
    cwd = tmp_path_factory.mktemp("train")
    buf_out, buf_err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err):
            code = main(["train", "--epochs", "2", "--hidden", "16", "--lr", "0.01",
                         "--dropout", "0", "--no-progress"])
    finally:
        os.chdir(old)
    return {"code": code, "out": buf_out.getvalue(), "err": buf_err.getvalue(),
            "dir": cwd / "runs" / "train-digits"}


def _idx_split(folder: Path, prefix: str, n: int, rng) -> None:
    labels = rng.integers(0, 3, n).astype(np.uint8)
    images = rng.integers(0, 60, (n, 6, 6)).astype(np.uint8)
    images[np.arange(n), labels, :] = 255  # a bright row per class: learnable
    write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)


@pytest.fixture
def idx_folder(tmp_path) -> Path:
    """A tiny MNIST-style folder: 60 training and 30 test 6x6 images of 3 classes."""
    folder = tmp_path / "tiny-idx"
    folder.mkdir()
    rng = np.random.default_rng(0)
    _idx_split(folder, "train", 60, rng)
    _idx_split(folder, "t10k", 30, rng)
    return folder


# ------------------------------------------------------------------ help and version
def test_python_m_entry_point_shows_help():
    res = subprocess.run([sys.executable, "-m", "tinygrad_mlp", "--help"], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    for word in ("train", "evaluate", "graph", "gradcheck", "examples:"):
        assert word in res.stdout


@pytest.mark.parametrize("command", [[], ["train"], ["evaluate"], ["graph"], ["gradcheck"]])
def test_every_command_has_help_with_examples(command, capsys):
    code, out, _ = run(command + ["--help"], capsys)
    assert code == 0
    assert out.startswith("usage: tinygrad-mlp")
    assert "examples:" in out and "tinygrad-mlp " + (command[0] if command else "train") in out


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"tinygrad-mlp {tm.__version__}"


# ------------------------------------------------------------------ train
def test_train_writes_checkpoint_history_and_plots(trained):
    assert trained["code"] == 0, trained["err"]
    out, folder = trained["out"], trained["dir"]
    epochs = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in epochs] == ["epoch 1/2", "epoch 2/2"]
    acc, right, total = ACCURACY.search(out).groups()
    assert total == "360" and float(acc) == pytest.approx(int(right) / 360, abs=1e-4)
    assert float(acc) > 0.8  # chance is 0.1
    names = ["model.npz", "history.json"]
    if HAS_MATPLOTLIB:
        names += ["curves.png", "confusion.png"]
    if HAS_GRAPHVIZ:
        names += ["graph.dot"] + (["graph.svg"] if shutil.which("dot") else [])
    for name in names:
        assert (folder / name).stat().st_size > 0, name
    history = json.loads((folder / "history.json").read_text())
    assert len(history["loss"]) == len(history["val_accuracy"]) == 2
    assert history["test_accuracy"] == pytest.approx(float(acc), abs=1e-4)
    config = load(folder / "model.npz")["config"]
    assert config["hidden"] == [16] and config["input_dim"] == 64
    assert config["num_classes"] == 10 and config["dataset"] == "digits"


def test_train_on_idx_folder_then_evaluate(idx_folder, tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run(["train", "--dataset", idx_folder, "--epochs", "3", "--hidden", "8",
                          "--optimizer", "sgd", "--momentum", "0.5", "--no-progress",
                          "--out", out_dir], capsys)
    assert code == 0, err
    assert "60 training and 30 test samples, 36 features, 3 classes" in out
    assert (out_dir / "model.npz").stat().st_size > 0
    config = load(out_dir / "model.npz")["config"]
    assert config["dataset"] == str(idx_folder.resolve()) and config["optimizer"] == "sgd"
    train_acc = float(ACCURACY.search(out).group(1))
    code, out, err = run(["evaluate", out_dir / "model.npz"], capsys)
    assert code == 0, err
    assert f"test accuracy: {train_acc:.4f} " in out  # the same model on the same split


def test_idx_folder_with_one_split_is_split(idx_folder, tmp_path, capsys):
    for f in idx_folder.glob("train-*"):
        f.unlink()
    code, out, err = run(["train", "--dataset", idx_folder, "--epochs", "1", "--hidden", "4",
                          "--test-size", "0.5", "--no-progress", "--out", tmp_path / "r"],
                         capsys)
    assert code == 0, err
    assert "15 training and 15 test samples" in out and "only the test split" in out


# ------------------------------------------------------------------ evaluate
def test_evaluate_reproduces_the_training_accuracy(trained, tmp_path, capsys):
    code, out, err = run(["evaluate", trained["dir"] / "model.npz"], capsys)
    assert code == 0, err
    assert ACCURACY.search(out).group(0) == ACCURACY.search(trained["out"]).group(0)
    lines = out.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("true\\pred")))
    rows = [list(map(int, line.split()[1:11])) for line in lines[start + 1:start + 11]]
    cm = np.array(rows)
    assert cm.sum() == 360
    assert np.trace(cm) == int(ACCURACY.search(out).group(2))


@needs_matplotlib
def test_evaluate_plot(trained, tmp_path, capsys):
    path = tmp_path / "cm.png"
    code, _, err = run(["evaluate", trained["dir"] / "model.npz", "--plot", path], capsys)
    assert code == 0, err
    assert path.read_bytes()[:4] == b"\x89PNG"


# ------------------------------------------------------------------ graph
@needs_graphviz
@needs_dot
def test_graph_of_checkpoint_shows_gradient_norms(trained, tmp_path, capsys):
    path = tmp_path / "g.svg"
    code, _, err = run(["graph", trained["dir"] / "model.npz", "--out", path,
                        "--color-by-grad"], capsys)
    assert code == 0, err
    svg = path.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "0.weight" in svg and "‖∇‖" in svg  # parameter names and gradient norms


@needs_graphviz
def test_graph_dot_format_of_a_fresh_model(tmp_path, capsys):
    path = tmp_path / "fresh.dot"
    code, out, err = run(["graph", "--hidden", "5", "--activation", "sigmoid", "--out", path],
                         capsys)
    assert code == 0, err
    text = path.read_text()
    assert text.startswith("digraph") and "(5, 64) float32" in text and "sigmoid" in text


@needs_graphviz
@needs_dot
def test_graph_png(tmp_path, capsys):
    path = tmp_path / "g"
    code, out, err = run(["graph", "--hidden", "3", "--format", "png", "--out", path], capsys)
    assert code == 0, err
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


# ------------------------------------------------------------------ gradcheck
def test_gradcheck_fresh_model_is_ok(capsys):
    code, out, err = run(["gradcheck", "--hidden", "4", "--activation", "tanh", "--samples",
                          "3"], capsys)
    assert code == 0, out + err
    rows = [line.split() for line in out.splitlines() if line[:1].isdigit()]
    assert [r[0] for r in rows] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(r[-1] == "OK" for r in rows)


def test_gradcheck_checkpoint_subset(trained, capsys):
    code, out, err = run(["gradcheck", trained["dir"] / "model.npz", "--max-elements", "10"],
                         capsys)
    assert code == 0, out + err
    assert re.search(r"^0\.weight\s+\(16, 64\)\s+10\s", out, re.M), out


def test_gradcheck_exits_1_on_a_wrong_gradient(monkeypatch, capsys):
    from tinygrad_mlp.ops.linalg import Linear

    backward = Linear.backward

    def off_by_one_percent(self, g, out, *inputs):
        gx, gw, gb = backward(self, g, out, *inputs)
        return gx, (gw * 1.01 if gw is not None else None), gb

    monkeypatch.setattr(Linear, "backward", off_by_one_percent)
    code, out, _ = run(["gradcheck", "--hidden", "3", "--samples", "2"], capsys)
    assert code == 1
    assert "problem" in out


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("argv, words", [
    ([], ["no command"]),
    (["bogus"], ["bogus"]),
    (["train", "--epochs", "-1"], ["--epochs", "-1"]),
    (["train", "--epochs", "two"], ["--epochs"]),
    (["train", "--hidden", "0"], ["--hidden", "'0'"]),
    (["train", "--hidden", "abc"], ["--hidden", "abc"]),
    (["train", "--dataset", "nosuchset"], ["unknown dataset 'nosuchset'"]),
    (["train", "--lr", "-0.1"], ["--lr"]),
    (["train", "--test-size", "1.5"], ["--test-size"]),
    (["train", "--momentum", "0.9"], ["--momentum", "sgd"]),
    (["evaluate"], ["CHECKPOINT"]),
    (["graph", "--out", "x.svg", "--format", "png"], ["does not match"]),
])
def test_usage_errors_exit_2_with_one_line(argv, words, capsys):
    code, out, err = run(argv, capsys)
    assert_one_line_error(code, 2, out, err, *words)


def test_runtime_errors_exit_1_with_one_line(trained, idx_folder, tmp_path, capsys):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip archive")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes((trained["dir"] / "model.npz").read_bytes()[:200])
    foreign = tmp_path / "foreign.npz"
    save({"weights": np.zeros(3)}, foreign)
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        (["evaluate", tmp_path / "missing.npz"], ["no checkpoint", "missing.npz"]),
        (["evaluate", junk], ["junk.npz", "not a tinygrad_mlp checkpoint"]),
        (["evaluate", truncated], ["truncated.npz"]),
        (["evaluate", foreign], ["foreign.npz", "tinygrad-mlp train"]),
        (["train", "--dataset", tmp_path / "nope"], ["does not exist"]),
        (["train", "--dataset", empty], ["empty"]),
        (["train", "--dataset", "mnist", "--data-dir", empty], ["--download", "--data-dir"]),
        (["evaluate", trained["dir"] / "model.npz", "--dataset", idx_folder],
         ["64 inputs", "36 features"]),
        (["graph", tmp_path / "missing.npz", "--format", "dot"], ["missing.npz"]),
    ]
    for argv, words in cases:
        code, out, err = run(argv, capsys)
        assert_one_line_error(code, 1, out, err, *words)


def test_missing_scikit_learn(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import now fails
    code, out, err = run(["train", "--epochs", "1"], capsys)
    assert_one_line_error(code, 1, out, err, "scikit-learn")


@needs_graphviz
def test_missing_graphviz_package_and_program(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot program on PATH
    code, out, err = run(["graph", "--out", tmp_path / "g.svg"], capsys)
    assert_one_line_error(code, 1, out, err, "dot")
    monkeypatch.setitem(sys.modules, "graphviz", None)
    code, out, err = run(["graph", "--format", "dot", "--out", tmp_path / "g.dot"], capsys)
    assert_one_line_error(code, 1, out, err, "graphviz")


def test_missing_matplotlib(trained, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, out, err = run(["evaluate", trained["dir"] / "model.npz", "--plot",
                          tmp_path / "cm.png"], capsys)
    assert_one_line_error(code, 1, out, err, "matplotlib")
    # train keeps its checkpoint and only warns about the plots it cannot draw
    code, out, err = run(["train", "--epochs", "1", "--hidden", "4", "--no-progress", "--out",
                          tmp_path / "r"], capsys)
    assert code == 0, err
    assert (tmp_path / "r" / "model.npz").is_file()
    assert not (tmp_path / "r" / "curves.png").exists()
    assert "warning: curves.png not written" in err and "Traceback" not in err


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(FileNotFoundError):
        main(["evaluate", str(tmp_path / "missing.npz"), "--debug"])
    with pytest.raises(FileNotFoundError):
        main(["--debug", "evaluate", str(tmp_path / "missing.npz")])


def test_unexpected_errors_are_one_line_too(monkeypatch, tmp_path, capsys):
    from tinygrad_mlp.cli import commands

    def broken(path):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(commands, "load_checkpoint", broken)
    code, out, err = run(["evaluate", tmp_path / "x.npz"], capsys)
    assert_one_line_error(code, 1, out, err, "ZeroDivisionError", "boom", "--debug")
