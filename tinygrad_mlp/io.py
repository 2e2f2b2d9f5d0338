"""``save`` / ``load`` of state dicts as ``.npz`` files: no pickle, written atomically.

A checkpoint is a nested structure of dicts (keys ``str`` or ``int``, as in an
optimizer's per-parameter state), lists and tuples whose leaves are ndarrays,
Tensors (stored as their arrays), NumPy scalars, or plain Python values
(``None``, ``bool``, ``int``, ``float``, ``str``). Arrays go into the ``.npz``
archive as entries ``a0, a1, ...``; the structure goes beside them as a JSON
string in the entry ``__tinygrad_mlp__``, so ``numpy.load(allow_pickle=False)``
reads every byte of it.

    tm.save({"model": model.state_dict(), "epoch": 3}, "ckpt.npz")
    ckpt = tm.load("ckpt.npz")          # leaves come back as ndarrays
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from .tensor import Tensor

META_KEY = "__tinygrad_mlp__"
# Read once at import: os.umask can only be read by setting it, which is process-wide.
_UMASK = os.umask(0)
os.umask(_UMASK)
FORMAT_NAME = "tinygrad_mlp.checkpoint"
FORMAT_VERSION = 1

__all__ = ["CheckpointError", "atomic_write", "load", "save"]


class CheckpointError(ValueError):
    """A file that is not a readable tinygrad_mlp checkpoint (truncated, corrupt, foreign)."""


# ------------------------------------------------------------------ atomic writes
@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[IO[bytes]]:
    """Open a temporary file beside ``path`` for binary writing; on success move it
    onto ``path`` with ``os.replace`` (atomic), on any error delete it.

    A crash or exception mid-write therefore leaves the old ``path`` untouched.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file 0600; give it the permissions open() would have.
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# ------------------------------------------------------------------ encoding
def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    """The JSON form of ``obj``; arrays are moved into ``arrays``.

    Plain values stay themselves; containers and arrays become one-key JSON
    objects ({"dict": [[key, value], ...]}, {"list": [...]}, {"tuple": [...]},
    {"array": name}, {"scalar": name}) so that no JSON object is ambiguous.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, float)) and not isinstance(obj, np.generic):
        return obj
    if isinstance(obj, Tensor):
        obj = obj.data
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype.hasobject:
            raise TypeError(f"save: {where} is an array of dtype {arr.dtype}; object arrays "
                            f"need pickle, which checkpoints never use")
        name = f"a{len(arrays)}"
        arrays[name] = arr
        return {"scalar" if isinstance(obj, np.generic) else "array": name}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, (bool, np.bool_)) or not isinstance(key, (str, int, np.integer)):
                raise TypeError(f"save: {where} has a key {key!r} of type "
                                f"{type(key).__name__}; keys must be str or int")
            key = key if isinstance(key, str) else int(key)
            items.append([key, _encode(value, arrays, f"{where}[{key!r}]")])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {kind: [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    hint = " (did you mean model.state_dict()?)" if hasattr(obj, "state_dict") else ""
    raise TypeError(f"save: {where} is a {type(obj).__name__}, which a checkpoint cannot hold; "
                    f"leaves must be arrays, Tensors, numbers, bools, strings or None{hint}")


def _decode(node: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        (kind, body), = node.items()
        if kind in ("array", "scalar"):
            if not isinstance(body, str) or body not in arrays:
                raise CheckpointError(f"load: {path}: the structure refers to an array "
                                      f"{body!r} that is not in the file")
            arr = arrays[body]
            return arr[()] if kind == "scalar" else arr
        if kind in ("list", "tuple") and isinstance(body, list):
            items = [_decode(v, arrays, path) for v in body]
            return tuple(items) if kind == "tuple" else items
        if kind == "dict" and isinstance(body, list):
            out = {}
            for pair in body:
                if not (isinstance(pair, list) and len(pair) == 2
                        and isinstance(pair[0], (str, int))):
                    raise CheckpointError(f"load: {path}: malformed dict entry {pair!r}")
                out[pair[0]] = _decode(pair[1], arrays, path)
            return out
    raise CheckpointError(f"load: {path}: malformed structure node {str(node)[:80]!r}")


# ------------------------------------------------------------------ save / load
def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (typically a state dict) to exactly ``path`` as an ``.npz`` archive.

    No ``.npz`` suffix is added. The file is written to a temporary file in the
    same directory and moved into place, so an interrupted save never leaves a
    half-written checkpoint behind. Raises TypeError for values that would need
    pickle (object arrays, arbitrary Python objects) or keys other than str/int.
    """
    if hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict"):  # a model/optimizer
        raise TypeError(f"save: refusing to save a {type(obj).__name__} object (that needs "
                        f"pickle, which checkpoints never use); save its state dict: "
                        f"tm.save(model.state_dict(), path), and later "
                        f"model.load_state_dict(tm.load(path))")
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, arrays, "obj")
    meta = json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION, "tree": tree})
    entries = {META_KEY: np.frombuffer(meta.encode("utf-8"), dtype=np.uint8), **arrays}
    with atomic_write(path) as f:
        # Passing a file object (not a name) stops np.savez from appending ".npz".
        np.savez(f, **entries)


def _check_magic(path: str) -> None:
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:2] != b"PK":
        shown = head.hex() if head else "nothing (the file is empty)"
        raise CheckpointError(f"load: {path} is not a tinygrad_mlp checkpoint: expected an .npz "
                              f"(zip) archive, the file starts with {shown}")


def load(path: str | os.PathLike) -> Any:
    """Read a checkpoint written by ``save``; leaves come back as ndarrays.

    Tuples, int dict keys and Python scalars are restored as they were saved.
    Raises FileNotFoundError for a missing file and CheckpointError (a ValueError)
    naming the path for a truncated, corrupted or foreign file.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no checkpoint at {path}")
    if os.path.isdir(path):
        raise CheckpointError(f"load: {path} is a directory, not a checkpoint file")
    _check_magic(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            if META_KEY not in npz.files:
                raise CheckpointError(
                    f"load: {path} is an .npz archive but not a tinygrad_mlp checkpoint (no "
                    f"'{META_KEY}' entry; it holds {sorted(npz.files)[:5]}); read plain .npz "
                    f"files with numpy.load")
            raw = npz[META_KEY]
            arrays = {name: npz[name] for name in npz.files if name != META_KEY}
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, KeyError, OSError) as e:
        raise CheckpointError(f"load: {path} is truncated or corrupted and cannot be read "
                              f"({type(e).__name__}: {e})") from e
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"load: {path}: the '{META_KEY}' entry is not valid JSON "
                              f"({e})") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME or "tree" not in meta:
        raise CheckpointError(f"load: {path}: the '{META_KEY}' entry is not tinygrad_mlp "
                              f"checkpoint metadata")
    version = meta.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise CheckpointError(f"load: {path} has checkpoint format version {version!r}; this "
                              f"tinygrad_mlp reads versions 1 to {FORMAT_VERSION} (upgrade it)")
    return _decode(meta["tree"], arrays, path)
