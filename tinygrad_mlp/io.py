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

What ``load`` guarantees, whatever the file holds: it never runs code from it
(no pickle, no ``eval``: the ``.npy`` headers and the JSON are parsed as data),
never hangs (FIFOs, devices and directories are refused before opening),
and never allocates more than ``max_bytes`` (default 4 × the file's size) for
the arrays: every declared size is checked against the file's real size first.
Every defect is a ``CheckpointError`` (a ValueError) naming the file and what is
wrong; only the OS's own errors (FileNotFoundError, PermissionError) pass as
OSErrors. ``save`` refuses, with a TypeError naming the key, anything ``load``
could not give back.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import numpy as np

from ._files import atomic_write, clean_stale_temps, open_regular
from ._npz import MissingMember, NpzError, file_size_of, read_npz_members
from .tensor import Tensor

META_KEY = "__tinygrad_mlp__"
FORMAT_NAME = "tinygrad_mlp.checkpoint"
FORMAT_VERSION = 1
#: The deepest nesting of containers (dicts, lists, tuples) a checkpoint may hold.
MAX_DEPTH = 100
#: The most digits a Python int in a checkpoint may have (int64 needs 19).
MAX_INT_DIGITS = 100
# Each container level is at most 3 JSON levels ({"dict": [[key, value]]}), plus the
# metadata object around the tree and a leaf's {"array": name}.
_MAX_JSON_DEPTH = 3 * MAX_DEPTH + 2
#: dtype kinds an array may have: bool, integers, floats, complex, bytes, str.
_KINDS = "biufcSU"

__all__ = ["MAX_DEPTH", "CheckpointError", "atomic_write", "load", "save"]


class CheckpointError(ValueError):
    """A file that is not a readable tinygrad_mlp checkpoint (truncated, corrupt, foreign)."""


# ------------------------------------------------------------------ encoding
def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str, depth: int = 0) -> Any:
    """The JSON form of ``obj``; arrays are moved into ``arrays``.

    Plain values stay themselves; containers and arrays become one-key JSON
    objects ({"dict": [[key, value], ...]}, {"list": [...]}, {"tuple": [...]},
    {"array": name}, {"scalar": name}) so that no JSON object is ambiguous.
    Raises TypeError naming ``where`` for anything ``load`` could not give back.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int) and not isinstance(obj, np.generic):
        if len(str(abs(obj))) > MAX_INT_DIGITS:
            raise TypeError(f"save: {where} is an int of more than {MAX_INT_DIGITS} digits; "
                            f"store it as a string")
        return obj
    if isinstance(obj, float) and not isinstance(obj, np.generic):
        return obj
    if isinstance(obj, Tensor):
        obj = obj.data
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype.hasobject:
            raise TypeError(f"save: {where} is an array of dtype {arr.dtype}; object arrays "
                            f"need pickle, which checkpoints never use")
        if arr.dtype.kind not in _KINDS or arr.dtype.fields is not None or arr.ndim > 64:
            raise TypeError(f"save: {where} is an array of dtype {arr.dtype}; checkpoints "
                            f"hold bool, integer, float, complex, bytes and str arrays")
        name = f"a{len(arrays)}"
        arrays[name] = arr
        return {"scalar" if isinstance(obj, np.generic) else "array": name}
    if isinstance(obj, (dict, list, tuple)) and depth >= MAX_DEPTH:
        raise TypeError(f"save: {where[:200]}... nests containers more than {MAX_DEPTH} deep; "
                        f"checkpoints hold at most {MAX_DEPTH} levels")
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, (bool, np.bool_)) or not isinstance(key, (str, int, np.integer)):
                raise TypeError(f"save: {where} has a key {key!r} of type "
                                f"{type(key).__name__}; keys must be str or int")
            key = key if isinstance(key, str) else int(key)
            if isinstance(key, int) and len(str(abs(key))) > MAX_INT_DIGITS:
                raise TypeError(f"save: {where} has an int key of more than {MAX_INT_DIGITS} "
                                f"digits")
            items.append([key, _encode(value, arrays, f"{where}[{key!r}]", depth + 1)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {kind: [_encode(v, arrays, f"{where}[{i}]", depth + 1)
                       for i, v in enumerate(obj)]}
    if where == "obj" and hasattr(obj, "state_dict"):
        raise TypeError(f"save: got a {type(obj).__name__}; save its state dict instead: "
                        f"tm.save(model.state_dict(), path), and restore it with "
                        f"model.load_state_dict(tm.load(path))")
    hint = " (did you mean model.state_dict()?)" if hasattr(obj, "state_dict") else ""
    raise TypeError(f"save: {where} is a {type(obj).__name__}, which a checkpoint cannot hold; "
                    f"leaves must be arrays, Tensors, numbers, bools, strings or None{hint}")


def _decode(node: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    """The object ``_encode`` made ``node`` from (its depth is bounded by ``_check_depth``)."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        (kind, body), = node.items()
        if kind in ("array", "scalar"):
            if not isinstance(body, str) or body not in arrays:
                raise CheckpointError(f"load: {path}: the structure refers to an array "
                                      f"{str(body)[:40]!r} that is not in the file")
            arr = arrays[body]
            if kind == "scalar":
                if arr.ndim != 0:
                    raise CheckpointError(f"load: {path}: entry {body!r} should hold a scalar "
                                          f"but has shape {arr.shape}")
                return arr[()]
            return arr
        if kind in ("list", "tuple") and isinstance(body, list):
            items = [_decode(v, arrays, path) for v in body]
            return tuple(items) if kind == "tuple" else items
        if kind == "dict" and isinstance(body, list):
            out = {}
            for pair in body:
                if not (isinstance(pair, list) and len(pair) == 2
                        and isinstance(pair[0], (str, int)) and not isinstance(pair[0], bool)):
                    raise CheckpointError(f"load: {path}: malformed dict entry "
                                          f"{str(pair)[:80]!r}")
                out[pair[0]] = _decode(pair[1], arrays, path)
            return out
    raise CheckpointError(f"load: {path}: malformed structure node {str(node)[:80]!r}")


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def _check_depth(raw: bytes, path: str) -> None:
    """CheckpointError if the JSON text nests deeper than ``_MAX_JSON_DEPTH`` (one pass, no
    recursion: brackets outside strings are counted with a running sum)."""
    skeleton = np.frombuffer(_JSON_STRING.sub(b"", raw), dtype=np.uint8)
    steps = ((skeleton == ord("[")) | (skeleton == ord("{"))).astype(np.int32)
    steps -= ((skeleton == ord("]")) | (skeleton == ord("}"))).astype(np.int32)
    if steps.size and int(np.cumsum(steps).max()) > _MAX_JSON_DEPTH:
        raise CheckpointError(f"load: {path}: the '{META_KEY}' entry nests deeper than "
                              f"{_MAX_JSON_DEPTH} levels (checkpoints hold at most {MAX_DEPTH} "
                              f"levels of containers)")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _parse_meta(raw: np.ndarray, path: str) -> Any:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError(f"load: {path}: the '{META_KEY}' entry should be uint8 bytes, "
                              f"it is {raw.dtype} of shape {raw.shape}")
    data = raw.tobytes()
    _check_depth(data, path)
    try:
        meta = json.loads(data.decode("utf-8"), parse_int=_parse_int)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise CheckpointError(f"load: {path}: the '{META_KEY}' entry is not valid JSON "
                              f"({str(e)[:200]})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME or "tree" not in meta:
        raise CheckpointError(f"load: {path}: the '{META_KEY}' entry is not tinygrad_mlp "
                              f"checkpoint metadata")
    version = meta.get("version")
    if type(version) is not int or version > FORMAT_VERSION or version < 1:
        raise CheckpointError(f"load: {path} has checkpoint format version {version!r}; this "
                              f"tinygrad_mlp reads versions 1 to {FORMAT_VERSION} (upgrade it)")
    return meta


# ------------------------------------------------------------------ save / load
def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (typically a state dict) to exactly ``path`` as an ``.npz`` archive.

    No ``.npz`` suffix is added. The file is written to a temporary file
    ``.{name}.{pid}.{n}.tmp`` in the same directory and moved into place, so an
    interrupted save never leaves a half-written checkpoint behind (and the
    temporary file of a killed save is removed by the next save of ``path``).
    Raises TypeError, naming the key, for what ``load`` could not give back:
    values that would need pickle (objects, Modules, object or structured
    arrays), keys other than str/int, ints of more than ``MAX_INT_DIGITS``
    digits, containers nested more than ``MAX_DEPTH`` deep.
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


def load(path: str | os.PathLike, max_bytes: int | None = None) -> Any:
    """Read a checkpoint written by ``save``; leaves come back as ndarrays.

    Tuples, int dict keys and Python scalars are restored as they were saved.
    ``max_bytes`` bounds the bytes the arrays may take (default: 4 × the file's
    size; checkpoints are stored uncompressed, so theirs never exceed it).
    Raises FileNotFoundError for a missing file (other OSErrors as the OS
    gives them) and CheckpointError (a ValueError) naming the path for
    anything else: not a regular file, truncated, corrupted, foreign, lying
    sizes, too deep. Never runs code from the file and never blocks.
    """
    path = os.fspath(path)
    try:
        f = open_regular(path, CheckpointError, "load")
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no checkpoint at {path}") from None
    with f:
        clean_stale_temps(path)
        head = f.read(4)
        if head[:2] != b"PK":
            shown = head.hex() if head else "nothing (the file is empty)"
            raise CheckpointError(f"load: {path} is not a tinygrad_mlp checkpoint: expected an "
                                  f".npz (zip) archive, the file starts with {shown}")
        f.seek(0)
        try:
            arrays = read_npz_members(f, file_size_of(f), max_bytes, required=META_KEY)
        except MissingMember as e:
            raise CheckpointError(
                f"load: {path} is an .npz archive but not a tinygrad_mlp checkpoint (no "
                f"'{META_KEY}' entry; it holds {e.names[:5]}); read plain .npz files with "
                f"numpy.load") from None
        except NpzError as e:
            raise CheckpointError(f"load: {path} is truncated or corrupted and cannot be read "
                                  f"({e})") from None
    meta = _parse_meta(arrays.pop(META_KEY), path)
    return _decode(meta["tree"], arrays, path)
