"""The newcomer's path: the Quick-start job, your own data, the graph of any state dict,
the MNIST examples without data, the help texts and the docs' commands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES))
from _common import limit_blas_threads, load_example  # noqa: E402

ACCURACY = re.compile(r"test accuracy: ([0-9.]+) \(")


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_quick_start_job_reaches_098_and_writes_the_report(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    with limit_blas_threads(1):
        code, out, err = run(["train", "--no-progress", "--out", tmp_path], capsys)
    assert code == 0, err
    acc = float(ACCURACY.search(out)[1])
    assert acc >= 0.98, out
    seconds = float(re.search(r"training took ([0-9.]+) s", out)[1])
    assert seconds < 60  # about 4 s on an idle core
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert "report.html" in out


def _csv(path: Path, n=150, regression=False):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    if regression:
        y = [f"{v:.4f}" for v in 2 * X[:, 0] - X[:, 1] + 0.1 * rng.normal(size=n)]
    else:
        y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    rows = ["a,b,c,label"] + [f"{a:.4f},{b:.4f},{c:.4f},{t}" for (a, b, c), t in zip(X, y)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_train_on_your_own_csv_classification_and_regression(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    csv = _csv(tmp_path / "cls.csv")
    code, out, err = run(["train", "--data", csv, "--target", "label", "--epochs", "40",
                          "--dropout", "0",
                          "--hidden", "16", "--no-progress", "--no-report",
                          "--out", tmp_path / "c"], capsys)
    assert code == 0, err
    assert "2 classes" in out and float(ACCURACY.search(out)[1]) > 0.8  # chance: 0.5
    code, out, err = run(["evaluate", tmp_path / "c" / "model.npz"], capsys)
    assert code == 0, err
    reg = _csv(tmp_path / "reg.csv", regression=True)
    code, out, err = run(["train", "--data", reg, "--target", "label", "--epochs", "60",
                          "--hidden", "16", "--dropout", "0", "--lr", "0.01", "--no-progress",
                          "--out", tmp_path / "r"], capsys)
    assert code == 0, err
    assert "regression" in out
    rmse = float(re.search(r"test RMSE: ([0-9.e+-]+)", out)[1])
    std = float(re.search(r"targets' std ([0-9.e+-]+)", out)[1])
    assert rmse < 0.5 * std
    hist = (tmp_path / "r" / "history.json").read_text()
    assert "accuracy" not in hist and "NaN" not in hist
    assert (tmp_path / "r" / "report.html").is_file()
    np.savez(tmp_path / "d.npz", X=np.random.default_rng(0).normal(size=(60, 2)),
             y=np.arange(60) % 2)
    code, out, err = run(["train", "--data", tmp_path / "d.npz", "--epochs", "2",
                          "--no-progress", "--no-report", "--out", tmp_path / "n"], capsys)
    assert code == 0, err
    code, out, err = run(["train", "--data", csv, "--target", "nope", "--no-progress"], capsys)
    assert code == 1 and "no column 'nope'" in err and "Traceback" not in err


def test_graph_of_any_state_dict_with_arch(tmp_path, capsys):
    pytest.importorskip("graphviz")
    tm.manual_seed(0)
    from tinygrad_mlp import nn

    model = nn.Sequential(nn.Linear(64, 50), nn.ReLU(), nn.Linear(50, 10))
    tm.save(model.state_dict(), tmp_path / "w.npz")
    code, out, err = run(["graph", tmp_path / "w.npz", "--arch", "64,50,10", "--activation",
                          "relu", "--format", "dot", "--out", tmp_path / "g.dot"], capsys)
    assert code == 0, err
    text = (tmp_path / "g.dot").read_text()
    assert "0.weight" in text and "(50, 64)" in text and "‖∇‖" in text
    code, out, err = run(["graph", tmp_path / "w.npz", "--arch", "64,40,10", "--format",
                          "dot", "--out", tmp_path / "h.dot"], capsys)
    assert code == 1 and "does not fit --arch 64,40,10" in err


def test_fashion_confusion_matrix_has_class_names():
    from tinygrad_mlp.cli.common import FASHION_CLASSES, Data

    assert FASHION_CLASSES[0] == "T-shirt/top" and FASHION_CLASSES[9] == "Ankle boot"
    src = (ROOT / "tinygrad_mlp" / "cli" / "commands.py").read_text()
    assert "class_names=data.class_names" in src
    d = Data("x", np.zeros((2, 1)), np.array([0, 1]), np.zeros((2, 1)), np.array([0, 1]),
             class_names=FASHION_CLASSES)
    assert d.num_classes == 10


# ------------------------------------------------------------- examples
@pytest.mark.parametrize("name", ["nielsen_sgd", "mnist_mlp", "scipy_tnc"])
def test_mnist_examples_without_data_say_where_to_get_it(name, tmp_path, monkeypatch, capsys):
    pytest.importorskip("scipy")
    pytest.importorskip("matplotlib")
    empty = tmp_path / "empty"
    empty.mkdir()
    module = load_example(name)
    with pytest.raises(SystemExit) as exc:
        module.main(["--quick", "--out", str(tmp_path), "--data", str(empty)])
    message = str(exc.value.code)
    assert exc.value.code not in (0, None)
    assert "--download" in message and "--data DIR" in message and str(empty) in message
    monkeypatch.setenv("TINYGRAD_MLP_DATA", str(empty))  # no --data: the env var only
    with pytest.raises(SystemExit) as exc:
        module.main(["--quick", "--out", str(tmp_path)])
    assert str(empty) in str(exc.value.code) and "shared" not in str(exc.value.code)
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--quick", "--out",
                           str(tmp_path), "--data", str(empty)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["nielsen_sgd", "mnist_mlp", "scipy_tnc", "xor",
                                  "digits_grid", "toy_2d", "depth_demo"])
def test_example_help_has_no_internal_tags_or_doubled_defaults(name, capsys):
    with pytest.raises(SystemExit) as exc:
        load_example(name).main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "SEEDS" not in text
    for line in re.split(r"\n  -", text):
        assert len(re.findall(r"default", line, re.I)) <= 1, line


def test_toy_2d_and_depth_demo_quick(tmp_path):
    pytest.importorskip("matplotlib")
    with limit_blas_threads(1):
        r = load_example("toy_2d").main(["--quick", "--out", str(tmp_path), "--only", "moons",
                                         "--only", "spirals"])
        d = load_example("depth_demo").main(["--quick", "--out", str(tmp_path / "d")])
    assert r["moons"]["accuracy"] > 0.8
    assert r["report"].is_file()
    for p in r["pictures"] + d["pictures"]:
        assert Path(p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # vanishing gradients: sigmoid's first layer gets orders of magnitude less than its last
    assert d["sigmoid"]["first_over_last"] < 1e-3 < d["relu"]["first_over_last"]


def test_make_images_help_works():
    proc = subprocess.run([sys.executable, str(ROOT / "docs" / "make_images.py"), "--help"],
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0 and "usage" in proc.stdout and "examples" in proc.stdout


# ------------------------------------------------------------------ docs
def _shell_blocks(text: str) -> list[str]:
    return re.findall(r"```(?:bash|sh|shell|console)?\n(.*?)```", text, re.S)


def test_cli_blocks_in_the_docs_say_how_to_reach_the_command():
    """A block that runs tinygrad-mlp either uses .venv/bin/ or says to activate the venv."""
    for page in [ROOT / "docs" / "testing.md", ROOT / "docs" / "getting-started.md"]:
        text = page.read_text()
        for block in _shell_blocks(text):
            for line in block.splitlines():
                if re.match(r"\s*tinygrad-mlp\b", line):
                    assert "source .venv/bin/activate" in block or ".venv/bin/" in line, (
                        page.name, block)
        if "python -m pytest" in text:
            assert ("source .venv/bin/activate" in text
                    or ".venv/bin/python -m pytest" in text), page.name


def test_slow_marker_selects_tests():
    marked = [p for p in (ROOT / "tests").glob("test_*.py")
              if "@pytest.mark.slow" in p.read_text()]
    assert len(marked) >= 2


def test_getting_started_has_your_own_data_and_grad_after_fit():
    text = (ROOT / "docs" / "getting-started.md").read_text()
    assert "## Your own data" in text
    assert "np.loadtxt" in text or "csv" in text.lower()
    assert "--target" in text
    assert "last batch" in text


def test_bp_equations_links_the_backward_steps():
    text = (ROOT / "docs" / "bp-equations.md").read_text()
    assert "backward_steps" in text
    m = re.search(r"!\[[^\]]*\]\((images/backward[^)]+)\)", text)
    assert m and (ROOT / "docs" / m[1]).is_file()


def test_examples_table_is_generated_and_not_duplicated():
    table = ROOT / "docs" / "examples-table.md"
    assert table.is_file() and "benchmarks/targets.py --markdown" in table.read_text()
    examples = (ROOT / "docs" / "examples.md").read_text()
    assert "examples-table.md" in examples
    for stale in ("91.5 %", "0.336", "99.5 %", "0.936", "in 38 s"):
        assert stale not in examples, stale
