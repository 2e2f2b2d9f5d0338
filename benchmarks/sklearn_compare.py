"""tinygrad_mlp.sklearn beside scikit-learn, and the digits sweep on 1, 2 processes and Dask.

1. ``MLPClassifier`` (tinygrad_mlp.sklearn) and scikit-learn's ``MLPClassifier`` at the
   same hyperparameters on the same split, on digits and on Fashion-MNIST (a subset by
   default): test accuracy and fit time of each, runs interleaved (sk, ours, sk, ours …;
   the best time of ``--repeats`` is reported, as the machine is shared).
2. The digits 6 × 6 η × λ sweep of SEEDS C (``tinygrad-mlp sweep``'s default cells):
   serial, ``--jobs 2`` (loky processes) and a 2-worker Dask ``LocalCluster``; wall time
   of each (pool/cluster start-up shown apart) and the speed-up over serial.

    python benchmarks/sklearn_compare.py                 # a few minutes
    python benchmarks/sklearn_compare.py --quick         # small sets, ~1 minute
    python benchmarks/sklearn_compare.py --fashion-train 60000 --fashion-test 10000
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np


def machine_header() -> str:
    import sklearn

    try:
        load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "?"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                       cpu)
    except OSError:
        pass
    return (f"machine: {cpu}, {os.cpu_count()} cores, load average {load} (1/5/15 min; "
            f"a load above the core count means other work shares the CPUs)\n"
            f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
            f"{sklearn.__version__}")


# ------------------------------------------------------------------ part 1
def datasets(args) -> dict:
    from sklearn.model_selection import train_test_split

    from tinygrad_mlp.data import load_digits, load_fashion_mnist

    X, y = load_digits()
    out = {"digits": train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)}
    try:
        Xtr, ytr = load_fashion_mnist(train=True)
        Xte, yte = load_fashion_mnist(train=False)
    except (FileNotFoundError, OSError) as e:
        print(f"Fashion-MNIST skipped: {e}")
        return out
    rng = np.random.default_rng(0)
    tr = np.sort(rng.choice(len(Xtr), min(args.fashion_train, len(Xtr)), replace=False))
    te = np.sort(rng.choice(len(Xte), min(args.fashion_test, len(Xte)), replace=False))
    out["fashion-mnist"] = (Xtr[tr], Xte[te], ytr[tr], yte[te])
    return out


SETTINGS = {
    "digits": dict(hidden_layer_sizes=(100,), max_iter=200, random_state=0),
    "fashion-mnist": dict(hidden_layer_sizes=(100,), max_iter=20, random_state=0),
}


def compare(args) -> list[tuple]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier as SkMLP

    from tinygrad_mlp.sklearn import MLPClassifier as OurMLP

    rows = []
    for name, (Xtr, Xte, ytr, yte) in datasets(args).items():
        params = dict(SETTINGS[name])
        if args.quick:
            params["max_iter"] = min(params["max_iter"], 30)
        # both get float64 inputs, as a user would pass them; ours casts to float32
        Xtr, Xte = Xtr.astype(np.float64), Xte.astype(np.float64)
        times = {"scikit-learn": [], "tinygrad_mlp": []}
        acc = {}
        for _ in range(args.repeats):
            for label, cls in (("scikit-learn", SkMLP), ("tinygrad_mlp", OurMLP)):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    start = time.perf_counter()
                    clf = cls(**params).fit(Xtr, ytr)
                    times[label].append(time.perf_counter() - start)
                acc[label] = (clf.score(Xte, yte), clf.n_iter_)
        desc = (f"{name}: {len(Xtr)} train / {len(Xte)} test, MLPClassifier("
                f"{', '.join(f'{k}={v}' for k, v in params.items())}) adam, relu")
        print(f"\n{desc}")
        print(f"  {'':14}{'test acc':>10}{'n_iter_':>9}{'fit s (best)':>14}{'all runs':>24}")
        for label in times:
            a, n = acc[label]
            print(f"  {label:14}{a:>10.4f}{n:>9}{min(times[label]):>14.3f}"
                  f"{'  ' + ' '.join(f'{t:.2f}' for t in times[label]):>24}")
        ratio = min(times["tinygrad_mlp"]) / min(times["scikit-learn"])
        rows.append((name, acc["scikit-learn"][0], acc["tinygrad_mlp"][0],
                     min(times["scikit-learn"]), min(times["tinygrad_mlp"]), ratio))
        print(f"  time ratio tinygrad_mlp / scikit-learn: {ratio:.2f}; accuracy "
              f"{'≥' if acc['tinygrad_mlp'][0] >= acc['scikit-learn'][0] else '<'} "
              f"scikit-learn's")
    return rows


# ------------------------------------------------------------------ part 2
def sweep_setup():
    from tinygrad_mlp.cli.common import load_data
    from tinygrad_mlp.cli.sweep import DEFAULT_GRID, PRESETS, CellFactory, _scale, _splits
    from tinygrad_mlp.sklearn.sweep import grid_cells, parse_axes

    data = load_data("digits", 0.2, 0)
    X_train, X_test = _scale(data.X_train, data.X_test, "raw", "digits")
    p = PRESETS["seeds-c"]
    factory = CellFactory({"module__hidden": tuple(p["hidden"]),
                           "module__activation": p["activation"], "module__init": p["init"],
                           "criterion__reduction": p["reduction"], "optimizer": p["optimizer"],
                           "batch_size": p["batch_size"], "max_epochs": p["epochs"],
                           "train_split": None, "random_state": 0})
    X, y, splits, _ = _splits(X_train, data.y_train, X_test, data.y_test, None, 0)
    return factory, grid_cells(parse_axes(DEFAULT_GRID)), X, y, splits


def sweeps(args) -> list[tuple]:
    import joblib

    from tinygrad_mlp.sklearn.sweep import run_sweep

    factory, cells, X, y, splits = sweep_setup()
    print(f"\ndigits 6 × 6 sweep (SEEDS C cells: 64-50-10 sigmoid, SGD, batch 100, 10 "
          f"epochs): {len(cells)} fits")
    rows = []
    start = time.perf_counter()
    serial = run_sweep(factory, cells, X, y, splits, n_jobs=1)
    rows.append(("serial", serial.wall_seconds, 0.0, serial))
    # loky: the pool starts on first use; a warm-up call measures the start-up apart.
    start = time.perf_counter()
    joblib.Parallel(n_jobs=2)(joblib.delayed(abs)(i) for i in range(2))
    joblib.Parallel(n_jobs=2)(joblib.delayed(__import__)("tinygrad_mlp.sklearn")
                              for _ in range(4))
    pool_start = time.perf_counter() - start
    two = run_sweep(factory, cells, X, y, splits, n_jobs=2)
    rows.append(("--jobs 2 (loky)", two.wall_seconds, pool_start, two))
    try:
        import logging

        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("  dask.distributed not installed: the Dask row is skipped")
    else:
        import dask

        dask.config.set({"distributed.worker.profile.enabled": False})  # as --dask-local
        start = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            client.run(lambda: __import__("tinygrad_mlp.sklearn") and None)
            cluster_start = time.perf_counter() - start
            with client.as_current():
                dask = run_sweep(factory, cells, X, y, splits, backend="dask")
        rows.append(("Dask LocalCluster(2)", dask.wall_seconds, cluster_start, dask))
    print(f"  {'':22}{'wall s':>8}{'start-up s':>12}{'speed-up':>10}{'sum of fit s':>14}"
          f"{'best cell':>11}")
    for label, wall, startup, res in rows:
        print(f"  {label:22}{wall:>8.2f}{startup:>12.2f}{serial.wall_seconds / wall:>9.2f}×"
              f"{res.fit_seconds.sum():>14.2f}{res.mean[res.best]:>11.3f}")
    same = all(np.array_equal(r[3].scores, serial.scores) for r in rows)
    print(f"  scores identical across the three runs: {same}")
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sets (about a minute)")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--fashion-train", type=int, default=10000)
    p.add_argument("--fashion-test", type=int, default=2000)
    p.add_argument("--skip-sweep", action="store_true")
    p.add_argument("--skip-compare", action="store_true", help="only the sweep timings")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="cap BLAS threads for both libraries (0: leave as is); on a busy "
                        "2-core machine one thread is much faster")
    args = p.parse_args(argv)
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, user_api="blas")
        # worker processes (loky, Dask) start with the same cap
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.blas_threads)
    if args.quick:
        args.fashion_train, args.fashion_test = min(args.fashion_train, 3000), min(
            args.fashion_test, 1000)
    print(machine_header())
    print(f"BLAS threads: {args.blas_threads or 'library default'} (both libraries, every "
          f"process)")
    rows = [] if args.skip_compare else compare(args)
    print("\nsummary: dataset, accuracy sk / ours, fit s sk / ours, time ratio")
    for name, a_sk, a_ours, t_sk, t_ours, ratio in rows:
        print(f"  {name:14} {a_sk:.4f} / {a_ours:.4f}   {t_sk:.2f} / {t_ours:.2f}   "
              f"{ratio:.2f}")
    if not args.skip_sweep:
        sweeps(args)


if __name__ == "__main__":
    main()
