"""Every example's --quick mode, run in-process: it finishes, its figures are sane, its
pictures are written.

Each example's ``main(argv)`` returns a dict of the figures it printed; these
tests check them against facts that do not come from the code under test
(XOR's truth table, the logistic cost of an untrained net ≈ 10·ln 2, chance
level 0.1 for ten classes). Examples whose data is missing are skipped.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))
from _common import limit_blas_threads, load_example  # noqa: E402  (examples/ is no package)

FASHION = Path("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Run each example with one BLAS thread: on a busy 2-core machine OpenBLAS's
    threads contend and small matrix products get ~10× slower."""
    with limit_blas_threads(1):
        yield


def run_quick(name: str, out: Path, *extra: str) -> dict:
    return load_example(name).main(["--quick", "--out", str(out), *extra])


def assert_pictures(result: dict, out: Path, count: int) -> None:
    pictures = result["pictures"]
    assert len(pictures) == count
    for p in pictures:
        p = Path(p)
        assert p.parent == out, f"{p} not written under --out {out}"
        assert p.is_file() and p.stat().st_size > 1000, f"{p} missing or empty"
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{p} is not a PNG"


def test_xor_learns_the_truth_table_and_passes_gradcheck(tmp_path):
    r = run_quick("xor", tmp_path)
    losses = r["losses"]
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0] / 10  # the loss falls by more than 10x
    assert np.mean(losses[-100:]) < np.mean(losses[:100])
    rounded = (np.asarray(r["outputs"]) > 0.5).astype(int)
    np.testing.assert_array_equal(rounded, [0, 1, 1, 0])
    assert r["gradcheck_ok"] and r["gradcheck_worst"] <= 1e-7
    assert_pictures(r, tmp_path, 1)


def test_mnist_mlp_quick(tmp_path, mnist_dir):
    r = run_quick("mnist_mlp", tmp_path, "--data", str(mnist_dir))
    assert r["test_accuracy"] > 0.5  # chance is 0.1
    assert 0.0 <= r["train_accuracy"] <= 1.0
    costs = np.asarray(r["costs"])
    assert len(costs) == 50 * r["epochs"] and np.isfinite(costs).all()
    assert costs[-50:].mean() < costs[:50].mean()
    assert r["gradcheck_ok"] and r["gradcheck_worst"] <= 1e-7
    assert_pictures(r, tmp_path, 4)


def test_nielsen_sgd_quick(tmp_path, mnist_dir):
    r = run_quick("nielsen_sgd", tmp_path, "--data", str(mnist_dir))
    assert len(r["correct"]) == r["epochs"] == 2
    assert all(0 <= c <= r["n_test"] for c in r["correct"])
    assert r["test_accuracy"] > 0.2  # well above chance after 2 epochs of 1,000 images
    assert_pictures(r, tmp_path, 1)


def test_digits_grid_quick(tmp_path):
    pytest.importorskip("sklearn")
    r = run_quick("digits_grid", tmp_path)
    acc = np.asarray(r["accuracy"])
    assert acc.shape == (2, 2)
    assert np.isfinite(acc).all() and r["nan_cells"] == 0
    assert ((acc >= 0) & (acc <= 1)).all()
    assert r["best"] == acc.max() > 0.8
    assert r["cells_above_0.9"] == int((acc > 0.9).sum())
    sk = np.asarray(r["sklearn"]["accuracy"])
    assert sk.shape == (2, 2) and sk.max() > 0.8
    assert_pictures(r, tmp_path, 2)


def test_scipy_tnc_quick(tmp_path, mnist_dir):
    pytest.importorskip("scipy")
    r = run_quick("scipy_tnc", tmp_path, "--data", str(mnist_dir))
    # Untrained, every output is ≈ σ(0) = 1/2: the logistic cost is ≈ 10·ln 2 = 6.93.
    assert abs(r["initial_cost"] - 10 * math.log(2)) < 0.2
    assert r["final_cost"] < r["initial_cost"] / 5
    assert r["nfev"] <= 60 + 5  # TNC may finish its last line search
    assert r["train_accuracy"] > 0.9
    # The 2-3-1 regression: without the penalty the three scores are fitted closely.
    np.testing.assert_allclose(r["bfgs_unregularised"]["fit"], [75, 82, 93], atol=1)
    assert np.all(np.abs(r["bfgs"]["fit"] - [75, 82, 93]) < 10)
    assert_pictures(r, tmp_path, 2)


@pytest.mark.skipif(not FASHION.is_file(), reason="Fashion-MNIST is not installed")
def test_fashion_mnist_quick(tmp_path):
    r = run_quick("fashion_mnist", tmp_path)
    assert r["n_train"] == 3000 and r["epochs"] == 2
    assert r["test_accuracy"] > 0.6  # chance is 0.1
    loss = r["history"]["loss"]
    assert len(loss) == 2 and loss[1] < loss[0]
    assert r["seconds"] > 0
    assert_pictures(r, tmp_path, 2)


def test_fashion_mnist_skips_cleanly_without_data(tmp_path, capsys):
    r = load_example("fashion_mnist").main(["--quick", "--out", str(tmp_path),
                                            "--data", str(tmp_path / "nowhere")])
    assert "skipped" in r
    assert "skipped" in capsys.readouterr().out
