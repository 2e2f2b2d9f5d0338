"""The CLI on bad input: checkpoint configs, flags, output paths, FIFOs, closed pipes, bars."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tinygrad_mlp.cli import main
from tinygrad_mlp.cli.common import build_model
from tinygrad_mlp.io import save

REPO = Path(__file__).resolve().parents[1]
pytest.importorskip("sklearn")  # digits


def run(argv, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code, expected, out, err, *words):
    assert code == expected, (code, out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tinygrad-mlp: error: "), err
    for w in words:
        assert w in lines[0], (w, lines[0])


def _config(**changes) -> dict:
    config = {"input_dim": 64, "hidden": [8], "activation": "relu", "num_classes": 10,
              "dataset": "digits", "data_dir": None, "test_size": 0.2, "seed": 0}
    config.update(changes)
    return config


@pytest.fixture
def checkpoint(tmp_path):
    """write(**config changes) -> the path of a train-style checkpoint (digits, 64-8-10)."""
    model = build_model(64, [8], "relu", 10)

    def write(name="model.npz", **changes):
        path = tmp_path / name
        save({"model": model.state_dict(), "config": _config(**changes)}, path)
        return path
    return write


def test_a_good_checkpoint_evaluates(checkpoint, capsys):
    code, out, err = run(["evaluate", checkpoint()], capsys)
    assert code == 0, err
    assert "test accuracy" in out


@pytest.mark.parametrize("field, value, words", [
    ("activation", "bogus", ["'activation'", "'bogus'", "relu"]),
    ("input_dim", "abc", ["'input_dim'", "'abc'", "positive integer"]),
    ("input_dim", -5, ["'input_dim'", "-5"]),
    ("input_dim", True, ["'input_dim'"]),
    ("input_dim", 10**6, ["'input_dim'", "0.weight", "(8, 1000000)", "(8, 64)"]),
    ("num_classes", 10**9, ["'num_classes'", "2.weight"]),
    ("hidden", [8, "x"], ["'hidden'"]),
    ("hidden", [10**6], ["'hidden[0]'", "0.weight"]),
    ("hidden", [8, 8], ["'hidden[1]'", "2.weight", "(8, 8)"]),
    ("hidden", "8", ["'hidden'"]),
    ("dataset", 3, ["'dataset'"]),
    ("test_size", 7.0, ["'test_size'"]),
    ("seed", -1, ["'seed'"]),
])
def test_bad_checkpoint_configs_name_the_file_and_field(checkpoint, capsys, field, value, words):
    path = checkpoint(**{field: value})
    for command in (["evaluate", path], ["graph", path, "--format", "dot", "--out",
                                         path.parent / "g.dot"], ["gradcheck", path]):
        code, out, err = run(command, capsys)
        one_line(code, 1, out, err, str(path), *words)


def test_missing_config_field(tmp_path, capsys):
    config = _config()
    del config["activation"]
    path = tmp_path / "m.npz"
    save({"model": build_model(64, [8], "relu", 10).state_dict(), "config": config}, path)
    code, out, err = run(["evaluate", path], capsys)
    one_line(code, 1, out, err, "m.npz", "activation")


@pytest.mark.parametrize("argv, words", [
    (["train", "--seed", "-1"], ["--seed", "-1"]),
    (["train", "--seed", "x"], ["--seed"]),
    (["graph", "--seed", "-3"], ["--seed"]),
    (["train", "--hidden", "1000000"], ["--hidden", "65536"]),
    (["train", "--progress", "--no-such-flag"], ["--no-such-flag"]),
])
def test_bad_flags_exit_2_naming_the_flag(argv, words, capsys):
    code, out, err = run(argv, capsys)
    one_line(code, 2, out, err, *words)


def test_unwritable_out_is_found_before_training(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    cases = [(["train", "--out", blocker], ["--out", "is a file"]),
             (["train", "--out", blocker / "sub"], ["--out", "a-file", "not a folder"]),
             (["graph", "--out", blocker / "g.svg"], ["--out", "not a folder"]),
             (["evaluate", tmp_path / "missing.npz", "--plot", blocker / "cm.png"],
              ["--plot", "not a folder"])]
    if os.path.isdir("/proc/self"):
        cases.append((["train", "--out", "/proc/self/tinygrad-out"], ["--out", "cannot write"]))
    for argv, words in cases:
        code, out, err = run(argv, capsys)
        one_line(code, 1, out, err, *words)
        assert "model:" not in out  # nothing was loaded or trained


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_evaluate_on_a_fifo_does_not_hang(tmp_path, capsys):
    fifo = tmp_path / "model.npz"
    os.mkfifo(fifo)
    box = {}
    t = threading.Thread(target=lambda: box.update(code=main(["evaluate", str(fifo)])),
                         daemon=True)
    t.start()
    t.join(20)
    assert not t.is_alive(), "evaluate hung on a FIFO"
    out, err = capsys.readouterr()
    one_line(box["code"], 1, out, err, str(fifo), "FIFO")


def _cli(args, **kwargs):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "tinygrad_mlp", *map(str, args)],
                            env=env, **kwargs)


def test_closed_pipe_ends_quietly(checkpoint):
    read, write = os.pipe()
    proc = _cli(["evaluate", checkpoint()], stdout=write, stderr=subprocess.PIPE)
    os.close(write)
    os.close(read)  # the reader is gone before the first line is printed (`| head -0`)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    code = proc.wait(120)
    assert err == "" and code == 141, (code, err)


@pytest.mark.slow
def test_progress_bar_only_when_asked_or_on_a_terminal(tmp_path):
    args = ["train", "--epochs", "1", "--hidden", "4", "--limit", "200"]
    quiet = subprocess.run([sys.executable, "-m", "tinygrad_mlp", *args, "--out",
                            tmp_path / "a"], capture_output=True, text=True, timeout=300,
                           env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert quiet.returncode == 0, quiet.stderr
    assert "batch/s" not in quiet.stderr and "it/s" not in quiet.stderr  # not a terminal
    forced = subprocess.run([sys.executable, "-m", "tinygrad_mlp", *args, "--progress",
                             "--out", tmp_path / "b"], capture_output=True, text=True,
                            timeout=300, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert forced.returncode == 0, forced.stderr
    assert "batch" in forced.stderr and "100%" in forced.stderr


def test_diverging_training_is_one_line(tmp_path, capsys, monkeypatch):
    from tinygrad_mlp.cli import commands

    def nan_fit(*args, **kwargs):
        raise FloatingPointError("fit: the loss is nan at epoch 1/2, batch 3/9; ...")

    monkeypatch.setattr(commands, "fit", nan_fit)
    code, out, err = run(["train", "--epochs", "2", "--hidden", "4", "--no-progress", "--out",
                          tmp_path / "r"], capsys)
    one_line(code, 1, out, err, "diverged", "epoch 1/2, batch 3/9", "--lr")
