"""What ``tinygrad-mlp sweep`` writes and prints: results.csv, the score table, heatmap.png."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "x".join(str(v) for v in value)
    return str(value)


def _write_csv(path: Path, result, factory=None) -> None:
    names = list(result.cells[0]) if result.cells else []
    order = np.argsort(-np.nan_to_num(result.mean, nan=-np.inf), kind="stable")
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(1, len(order) + 1)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(names + ["mean_score", "std_score", "fit_time_s", "n_folds", "rank"]
                   + [f"score_fold{j}" for j in range(result.scores.shape[1])])
        for i, cell in enumerate(result.cells):
            w.writerow([_fmt(cell[n]) for n in names]
                       + [f"{result.mean[i]:.6g}", f"{result.std[i]:.6g}",
                          f"{result.fit_seconds[i].mean():.4f}", result.scores.shape[1],
                          rank[i]] + [f"{s:.6g}" for s in result.scores[i]])


def _matrix(result, axes: dict, names: list[str]) -> np.ndarray:
    """mean score over (first axis, second axis), the best over any further axes."""
    a, b = axes[names[0]], axes[names[1]]
    m = np.full((len(a), len(b)), np.nan)
    for i, cell in enumerate(result.cells):
        r, c = a.index(cell[names[0]]), b.index(cell[names[1]])
        if not math.isnan(result.mean[i]):
            m[r, c] = result.mean[i] if math.isnan(m[r, c]) else max(m[r, c], result.mean[i])
    return m


def _print_table(result, axes: dict, names: list[str]) -> None:
    if len(names) >= 2:
        m = _matrix(result, axes, names)
        more = f" (best over {', '.join(names[2:])})" if len(names) > 2 else ""
        print(f"\nmean score, rows {names[0]}, columns {names[1]}{more}:")
        cols = [_fmt(v) for v in axes[names[1]]]
        width = max(8, *(len(c) for c in cols))
        corner = f"{names[0]} \\ {names[1]}"
        print(f"{corner:>14}" + "".join(f"{c:>{width}}" for c in cols))
        for v, row in zip(axes[names[0]], m):
            print(f"{_fmt(v):>14}" + "".join(f"{x:>{width}.3f}" for x in row))
        return
    print("\ncell scores:")
    for cell, mean, std in zip(result.cells, result.mean, result.std):
        print("  " + ", ".join(f"{k}={_fmt(v)}" for k, v in cell.items())
              + f": {mean:.4f} ± {std:.4f}")


def _heatmap(path: Path, result, axes: dict, names: list[str]) -> None:
    from ..viz import heatmap

    label = {"lr": "η (learning rate)", "alpha": "λ (L2, alpha)"}
    heatmap(_matrix(result, axes, names), [_fmt(v) for v in axes[names[0]]],
            [_fmt(v) for v in axes[names[1]]], title="mean score per cell",
            ylabel=label.get(names[0], names[0]), xlabel=label.get(names[1], names[1]),
            path=path, fmt=".3f")
