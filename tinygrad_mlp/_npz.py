"""A strict, bounded reader of ``.npz`` archives (zip files of ``.npy`` arrays).

``numpy.load`` trusts the file: a flipped byte in the zip directory raises
``NotImplementedError``, a cut ``.npy`` header a ``tokenize`` error, a header
claiming 10¹² elements a ``MemoryError``, and a small deflated member may
inflate without limit. This reader checks everything against the file's real
size *before* allocating and raises one error type for every defect:

* zip members: no encryption, compression stored or deflated only, no
  duplicate names, every member's data inside the file, declared sizes
  consistent (stored: compressed size = size) and within the budget;
* ``.npy`` headers: magic, version 1–3, bounded length, parsed by a small
  literal parser (no ``eval``/``ast``), a plain dtype (bool, numbers, fixed
  strings: never objects), a shape whose bytes equal what the member holds;
* inflation: the total bytes produced are at most ``max_bytes``.

Only the CPython ``zipfile`` module's directory parsing and zlib are used; no
code is ever run from the file.
"""

from __future__ import annotations

import math
import os
import re
import struct
import zipfile
import zlib
from typing import IO

import numpy as np

__all__ = ["DEFAULT_INFLATION", "MAX_HEADER_BYTES", "MissingMember", "NpzError",
           "read_npz_members"]

#: ``max_bytes`` by default: this many times the file's size (at least ``MIN_BUDGET``).
#: Checkpoints are written uncompressed, so their members hold at most the file's size.
DEFAULT_INFLATION = 4
MIN_BUDGET = 1 << 20
#: The longest ``.npy`` header accepted (NumPy itself refuses more than 10,000 bytes).
MAX_HEADER_BYTES = 65536
_MAX_DIMS = 64  # NumPy's own limit
_CHUNK = 1 << 20
_MAGIC = b"\x93NUMPY"
#: dtype strings accepted: bool, integers, floats, complex, fixed-width bytes/str.
_DESCR = re.compile(r"[<>|=]?(b1|[iu][1248]|f[248]|f16|c8|c16|c32|[SU]\d{1,9})\Z")


class NpzError(ValueError):
    """Raised by this module; the caller turns it into its own error naming the file."""


class MissingMember(NpzError):
    """A sound archive without the member the caller requires; ``names`` lists what it holds."""

    def __init__(self, names: list[str]):
        super().__init__(f"no such member (it holds {names[:5]})")
        self.names = names


def _parse_header(text: str) -> dict:
    """The header dict {'descr': str, 'fortran_order': bool, 'shape': tuple of ints}.

    A tiny parser for exactly the literals NumPy writes: strings in quotes,
    True/False, and tuples of non-negative integers; nothing is evaluated.
    """
    tokens = re.findall(r"'[^'\\]*'|\"[^\"\\]*\"|\d+|True|False|[{}():,]|\S", text)
    pos = 0

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise NpzError("the .npy header ends early")
        pos += 1
        return tokens[pos - 1]

    def value():
        tok = take()
        if tok[0] in "'\"":
            return tok[1:-1]
        if tok in ("True", "False"):
            return tok == "True"
        if tok == "(":
            items = []
            while True:
                tok = take()
                if tok == ")":
                    return tuple(items)
                if not tok.isdigit() or len(tok) > 19:
                    raise NpzError(f"the .npy header's shape holds {tok[:20]!r}")
                items.append(int(tok))
                if len(items) > _MAX_DIMS:
                    raise NpzError(f"the .npy header's shape has more than {_MAX_DIMS} dims")
                tok = take()
                if tok == ")":
                    return tuple(items)
                if tok != ",":
                    raise NpzError(f"the .npy header's shape holds {tok[:20]!r}")
        raise NpzError(f"the .npy header holds an unexpected {tok[:20]!r}")

    if take() != "{":
        raise NpzError("the .npy header is not a dict")
    out: dict = {}
    while True:
        tok = take()
        if tok == "}":
            break
        if tok[0] not in "'\"":
            raise NpzError(f"the .npy header has a key {tok[:20]!r}")
        key = tok[1:-1]
        if take() != ":":
            raise NpzError("the .npy header is malformed (expected ':')")
        out[key] = value()
        tok = take()
        if tok == "}":
            break
        if tok != ",":
            raise NpzError("the .npy header is malformed (expected ',')")
    if pos != len(tokens):
        raise NpzError("the .npy header has text after its dict")
    if sorted(out) != ["descr", "fortran_order", "shape"]:
        raise NpzError(f"the .npy header has keys {sorted(out)}, expected descr, "
                       f"fortran_order and shape")
    if not isinstance(out["descr"], str) or not _DESCR.match(out["descr"]):
        raise NpzError(f"the .npy header's dtype {str(out['descr'])[:40]!r} is not a plain "
                       f"numeric or string dtype")
    if not isinstance(out["fortran_order"], bool) or not isinstance(out["shape"], tuple):
        raise NpzError("the .npy header's fortran_order or shape has the wrong type")
    return out


def _read(stream: IO[bytes], n: int) -> bytes:
    """Exactly ``n`` bytes (read in bounded chunks), or NpzError if the member is shorter."""
    parts, got = [], 0
    while got < n:
        chunk = stream.read(min(_CHUNK, n - got))
        if not chunk:
            raise NpzError(f"the member ends after {got} of the {n} bytes it declares")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _read_npy(stream: IO[bytes], size: int) -> np.ndarray:
    """The array in a ``.npy`` member of ``size`` bytes (its declared uncompressed size)."""
    head = _read(stream, min(size, 10))
    if len(head) < 10 or head[:6] != _MAGIC:
        raise NpzError("the member is not a .npy array (bad magic)")
    major = head[6]
    if major == 1:
        hlen = struct.unpack("<H", head[8:10])[0]
        start = 10
    elif major in (2, 3):
        head += _read(stream, min(size, 12) - 10)
        if len(head) < 12:
            raise NpzError("the .npy header is cut short")
        hlen = struct.unpack("<I", head[8:12])[0]
        start = 12
    else:
        raise NpzError(f"the .npy format version {major}.{head[7]} is not 1, 2 or 3")
    if hlen > MAX_HEADER_BYTES or start + hlen > size:
        raise NpzError(f"the .npy header claims {hlen} bytes; the member holds {size}")
    try:
        text = _read(stream, hlen).decode("utf-8" if major == 3 else "latin1")
    except UnicodeDecodeError as e:
        raise NpzError(f"the .npy header is not text ({e})") from None
    header = _parse_header(text)
    dtype = np.dtype(header["descr"])
    if dtype.itemsize == 0:
        raise NpzError(f"the .npy header's dtype {header['descr']!r} has size 0")
    shape = header["shape"]
    nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if nbytes != size - start - hlen:
        raise NpzError(f"the .npy header declares shape {shape} of {dtype} ({nbytes} bytes) "
                       f"but the member holds {size - start - hlen} bytes of data")
    data = _read(stream, nbytes)
    order = "F" if header["fortran_order"] else "C"
    arr = np.frombuffer(data, dtype=dtype).reshape(shape, order=order)
    arr = arr.copy(order="K")  # writeable, owning its memory
    return arr.astype(dtype.newbyteorder("=")) if not dtype.isnative else arr


def _check_members(zf: zipfile.ZipFile, file_size: int, budget: int,
                   required: str | None) -> list:
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise NpzError("the archive holds two members of the same name")
    if required is not None and required + ".npy" not in names:
        raise MissingMember(sorted(n[:-4] if n.endswith(".npy") else n for n in names))
    total = 0
    for info in infos:
        where = f"member {info.filename[:60]!r}"
        if info.flag_bits & 0x1:
            raise NpzError(f"{where} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise NpzError(f"{where} uses compression method {info.compress_type} (only "
                           f"stored and deflated are read)")
        if info.header_offset + 30 + len(info.filename) + info.compress_size > file_size:
            raise NpzError(f"{where} claims {info.compress_size} bytes at offset "
                           f"{info.header_offset}, past the end of the {file_size}-byte file")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise NpzError(f"{where} is stored uncompressed but its sizes differ "
                           f"({info.compress_size} vs {info.file_size})")
        if not info.filename.endswith(".npy"):
            raise NpzError(f"{where} is not an .npy array")
        total += info.file_size
    if total > budget:
        raise NpzError(f"the members would inflate to {total} bytes, more than the limit of "
                       f"{budget} (max_bytes=)")
    return infos


def read_npz_members(f: IO[bytes], file_size: int, max_bytes: int | None = None,
                     required: str | None = None) -> dict[str, np.ndarray]:
    """Every member of the ``.npz`` archive open as ``f`` (``file_size`` bytes), as arrays
    keyed by name without ``.npy``. ``required`` (a name) must be there
    (MissingMember otherwise) and is read before the others.

    ``max_bytes`` bounds the bytes all members inflate to (default
    ``DEFAULT_INFLATION`` × ``file_size``, at least ``MIN_BUDGET``). Raises
    NpzError (a ValueError) describing the first defect found.
    """
    budget = max(DEFAULT_INFLATION * file_size, MIN_BUDGET) if max_bytes is None else max_bytes
    try:
        with zipfile.ZipFile(f) as zf:
            infos = _check_members(zf, file_size, budget, required)
            if required is not None:
                infos.sort(key=lambda i: i.filename != required + ".npy")
            out = {}
            for info in infos:
                with zf.open(info) as member:
                    out[info.filename[:-4]] = _read_npy(member, info.file_size)
                    if member.read(1):
                        raise NpzError(f"member {info.filename!r} holds more than it declares")
            return out
    except NpzError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
            NotImplementedError, RuntimeError, ValueError, struct.error, OverflowError,
            UnicodeDecodeError, KeyError, IndexError, TypeError) as e:
        raise NpzError(f"the zip archive is damaged ({type(e).__name__}: {e})") from e


def file_size_of(f: IO[bytes]) -> int:
    """The size in bytes of the open regular file ``f``."""
    return os.fstat(f.fileno()).st_size
