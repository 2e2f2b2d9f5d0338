"""Classification metrics on labels or scores (ndarrays, Tensors or lists)."""

from __future__ import annotations

import numpy as np

from .tensor import Tensor

__all__ = ["accuracy", "confusion_matrix"]


def _labels(values, who: str, name: str) -> np.ndarray:
    """Class labels (N,) from labels (N,) or from scores / one-hot rows (N, C) by argmax."""
    arr = values.data if isinstance(values, Tensor) else np.asarray(values)
    if arr.ndim == 2:
        if arr.shape[1] == 1:
            raise ValueError(f"{who}: {name} has shape {arr.shape}: one score per sample is "
                             f"ambiguous; threshold it into labels first, e.g. (p > 0.5)")
        return arr.argmax(axis=1)
    if arr.ndim != 1:
        raise ValueError(f"{who}: {name} must be labels (N,) or scores (N, C), got shape "
                         f"{arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{who}: {name} holds non-integer labels; pass integer labels or "
                             f"(N, C) scores")
        return arr.astype(np.int64)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{who}: {name} must hold integer labels, got dtype {arr.dtype}")
    return arr


def _pair(y_true, y_pred, who: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = _labels(y_true, who, "y_true"), _labels(y_pred, who, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"{who}: y_true has {len(t)} samples but y_pred has {len(p)}")
    return t, p


def accuracy(y_true, y_pred) -> float:
    """Fraction of samples whose predicted class equals the true class.

    ``y_true``: labels (N,) or one-hot rows (N, C). ``y_pred``: labels (N,) or
    scores/logits/probabilities (N, C), reduced by argmax over classes.
    """
    t, p = _pair(y_true, y_pred, "accuracy")
    if len(t) == 0:
        raise ValueError("accuracy: no samples (the accuracy of nothing is undefined)")
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Counts C (K, K) int64 with ``C[i, j]`` = samples of true class i predicted as j
    (rows true, columns predicted, as scikit-learn). ``K`` defaults to
    ``max(label) + 1``; inputs as for ``accuracy``.
    """
    t, p = _pair(y_true, y_pred, "confusion_matrix")
    t, p = t.astype(np.int64), p.astype(np.int64)
    lowest = min(t.min(initial=0), p.min(initial=0))
    if lowest < 0:
        raise ValueError(f"confusion_matrix: labels must be >= 0, got {lowest}")
    highest = int(max(t.max(initial=-1), p.max(initial=-1)))
    if num_classes is None:
        num_classes = highest + 1
    elif highest >= num_classes:
        raise ValueError(f"confusion_matrix: label {highest} is out of range for "
                         f"num_classes={num_classes}")
    k = int(num_classes)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)
