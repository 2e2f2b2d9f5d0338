"""Saving fitted estimators with ``tm.save`` (``.npz``, no pickle) and loading them back.

    clf.save("clf.npz")
    clf = MLPClassifier.load("clf.npz")        # the same predictions, no code run on load

The file holds the constructor parameters and every fitted attribute (arrays,
numbers, strings; string and object label arrays as fixed-width text), plus
the optimizer state so that ``partial_fit`` continues where it stopped.
Pickle is supported too (joblib and Dask ship estimators to workers with it):
``__getstate__`` turns Tensors and modules into arrays first.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..io import load as tm_load
from ..io import save as tm_save

FORMAT = "tinygrad_mlp.sklearn"
_SKIP = {"_random_state"}  # recreated by every fit


def encode(value: Any, where: str) -> Any:
    """A value ``tm.save`` can hold, with tagged dicts for what needs converting back."""
    from sklearn.preprocessing import LabelBinarizer

    if isinstance(value, LabelBinarizer):
        return {"__label_binarizer__": {k: encode(v, f"{where}.{k}")
                                        for k, v in vars(value).items()}}
    if isinstance(value, np.ndarray) and value.dtype.hasobject:
        if not all(isinstance(v, str) for v in value.ravel()):
            raise TypeError(f"save: {where} is an object array of non-strings; it cannot be "
                            f"saved without pickle")
        return {"__object_strings__": value.astype(str)}
    if isinstance(value, dict):
        return {"__dict__": {str(k): encode(v, f"{where}[{k!r}]") for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return type(value)(encode(v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(value, float) and value in (np.inf, -np.inf):
        return {"__float__": str(value)}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (tag, body), = value.items()
        if tag == "__label_binarizer__":
            from sklearn.preprocessing import LabelBinarizer

            lb = LabelBinarizer.__new__(LabelBinarizer)
            lb.__dict__.update({k: decode(v) for k, v in body.items()})
            return lb
        if tag == "__object_strings__":
            return np.asarray(body).astype(object)
        if tag == "__dict__":
            return {k: decode(v) for k, v in body.items()}
        if tag == "__float__":
            return float(body)
    if isinstance(value, (list, tuple)):
        return type(value)(decode(v) for v in value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


class PersistMixin:
    """``save(path)`` / ``load(path)`` through ``tm.save``/``tm.load`` for the MLP drop-ins."""

    def save(self, path: str | os.PathLike) -> None:
        """Write the parameters and the fitted state to ``path`` (.npz, no pickle)."""
        state = self.__getstate__()
        params = self.get_params(deep=False)
        rs = params.get("random_state")
        if rs is not None and not isinstance(rs, (int, np.integer)):
            params["random_state"] = None  # a RandomState object needs pickle
        fitted = {k: encode(v, k) for k, v in state.items()
                  if k not in params and k not in _SKIP and not k.startswith("__")}
        tm_save({"format": FORMAT, "class": type(self).__name__,
                 "params": encode(params, "params"), "fitted": fitted}, path)

    @classmethod
    def load(cls, path: str | os.PathLike):
        """An estimator of this class read from a file written by ``save``."""
        from ..io import CheckpointError

        obj = tm_load(path)
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise CheckpointError(f"load: {path} is a tinygrad_mlp checkpoint but not a saved "
                                  f"tinygrad_mlp.sklearn estimator")
        if obj.get("class") != cls.__name__:
            raise CheckpointError(f"load: {path} holds a {obj.get('class')}, not a "
                                  f"{cls.__name__}")
        params = decode(obj["params"])
        if isinstance(params.get("hidden_layer_sizes"), list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        est = cls(**params)
        state = dict(est.__dict__)
        state.update({k: decode(v) for k, v in obj["fitted"].items()})
        est.__setstate__(state)
        return est
