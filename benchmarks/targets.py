"""The project's training targets, measured by running the examples' full modes.

| target | example |
| --- | --- |
| Fashion-MNIST test accuracy ≥ 0.90 in < 60 s of training | examples/fashion_mnist.py |
| digits grid: best cell ≥ 0.97 and more than 7 of 36 cells > 0.9 | examples/digits_grid.py |
| course net (400-25-10, TNC, 250 evaluations): training accuracy ≥ 99 % | examples/scipy_tnc.py |

Each example's ``main(argv)`` is called in this process and returns its
figures; the examples' own printout is hidden unless ``--verbose``. The exit
status is 1 when a target is missed (or its data is missing: then "skipped").
Times depend on the machine and on what else runs on it: the load average is
printed beside them. The runs use one BLAS thread by default (``--blas-threads``):
on a 2-core machine shared with other work, OpenBLAS's own threads contend and
training gets up to twice as slow.

    python benchmarks/targets.py                  # all three (about 1.5 minutes on 2 cores)
    python benchmarks/targets.py --only digits    # one of: fashion, digits, tnc
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))
from _common import limit_blas_threads, load_example  # noqa: E402  (examples/ is no package)


def run_example(name: str, argv: list[str], opts: argparse.Namespace) -> dict:
    """``examples/<name>.py``'s ``main(argv)`` with the BLAS threads capped, its printout
    hidden unless ``--verbose``."""
    module = load_example(name)

    quiet = contextlib.redirect_stdout(io.StringIO())
    with (contextlib.nullcontext() if opts.verbose else quiet), \
            limit_blas_threads(opts.blas_threads):
        return module.main(argv)


def fashion(opts: argparse.Namespace) -> list[tuple]:
    r = run_example("fashion_mnist", ["--out", str(opts.out / "fashion_mnist")], opts)
    if "skipped" in r:
        return [("Fashion-MNIST test accuracy", "≥ 0.90", "skipped", None),
                ("Fashion-MNIST training time", "< 60 s", "skipped", None)]
    return [("Fashion-MNIST test accuracy", "≥ 0.90", f"{r['test_accuracy']:.4f}",
             r["test_accuracy"] >= 0.90),
            ("Fashion-MNIST training time", "< 60 s",
             f"{r['seconds']:.1f} s ({r['epochs']} epochs)", r["seconds"] < 60)]


def digits(opts: argparse.Namespace) -> list[tuple]:
    try:
        r = run_example("digits_grid", ["--out", str(opts.out / "digits_grid"),
                                        "--skip-literal", "--skip-sklearn"], opts)
    except ImportError as e:  # scikit-learn provides the digits
        return [("digits grid best cell", "≥ 0.97", f"skipped ({e})", None)]
    return [("digits grid best cell", "≥ 0.97",
             f"{r['best']:.4f} (η={r['best_eta']:g}, λ={r['best_lambda']:g})", r["best"] >= 0.97),
            ("digits grid cells > 0.9", "> 7 of 36", f"{r['cells_above_0.9']}",
             r["cells_above_0.9"] > 7)]


def tnc(opts: argparse.Namespace) -> list[tuple]:
    try:
        r = run_example("scipy_tnc", ["--out", str(opts.out / "scipy_tnc")], opts)
    except ImportError as e:
        return [("TNC training accuracy", "≥ 99 %", f"skipped ({e})", None)]
    if "train_accuracy" not in r:
        return [("TNC training accuracy", "≥ 99 %", "skipped (no MNIST test set)", None)]
    return [("TNC training accuracy", "≥ 99 %",
             f"{r['train_accuracy']:.2%} (cost {r['final_cost']:.3f}, {r['nfev']} evaluations, "
             f"{r['seconds']:.1f} s)", r["train_accuracy"] >= 0.99)]


TARGETS = {"fashion": fashion, "digits": digits, "tnc": tnc}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=sorted(TARGETS), action="append",
                   help="measure only this target (repeatable)")
    p.add_argument("--out", type=Path, default=Path("runs") / "targets",
                   help="folder for the examples' pictures")
    p.add_argument("--verbose", action="store_true", help="show the examples' printout")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="BLAS threads for the runs (0: the library's default); one thread is "
                        "the robust choice on a 2-core machine shared with other work")
    args = p.parse_args(argv)
    rows: list[tuple] = []
    for name in args.only or list(TARGETS):
        print(f"measuring {name} ...", flush=True)
        rows += TARGETS[name](args)

    load = " / ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"\n{'target':<30} {'goal':<10} {'measured':<50} verdict")
    print(f"{'-' * 30} {'-' * 10} {'-' * 50} -------")
    for what, goal, measured, ok in rows:
        verdict = "skipped" if ok is None else "PASS" if ok else "FAIL"
        print(f"{what:<30} {goal:<10} {measured:<50} {verdict}")
    threads = args.blas_threads or "library default"
    print(f"\n{os.cpu_count()} CPUs, load average {load} (1 / 5 / 15 min), BLAS threads: "
          f"{threads}")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
