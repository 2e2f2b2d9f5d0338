"""Reading and writing IDX files, the format MNIST and Fashion-MNIST ship in.

An IDX file is a 4-byte magic number ``00 00 TT NN`` (TT the element type, NN
the number of dimensions), NN big-endian uint32 dimension sizes, then the
elements in C order, big-endian. Files may be gzipped (detected from the
content, not the name).
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib

import numpy as np

from .._files import atomic_write, open_regular

__all__ = ["DatasetError", "read_idx", "write_idx"]

#: IDX type code -> big-endian NumPy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
#: ``max_bytes`` of a gzipped file by default: this many times its size (at least
#: ``MIN_BUDGET``). MNIST's images inflate about 5×; DEFLATE cannot exceed ~1032×.
GZIP_INFLATION = 64
MIN_BUDGET = 16 << 20


class DatasetError(ValueError):
    """A dataset file that cannot be read: truncated, corrupted, or not what it claims."""


def _open(path: str, max_bytes: int | None):
    """(stream, raw file, byte budget, size or None if gzipped): the file as a binary
    stream, transparently gunzipped if it starts with gzip's magic; non-regular files
    are refused."""
    f = open_regular(path, DatasetError, "read_idx")
    size = os.fstat(f.fileno()).st_size
    head = f.read(2)
    f.seek(0)
    if head == _GZIP_MAGIC:
        budget = max(GZIP_INFLATION * size, MIN_BUDGET) if max_bytes is None else max_bytes
        return gzip.GzipFile(fileobj=f, mode="rb"), f, budget, None
    return f, f, size if max_bytes is None else min(size, max_bytes), size


def _read_exact(stream, n: int, path: str, what: str) -> bytes:
    """Read ``n`` bytes in bounded chunks (a bogus header must not allocate gigabytes)."""
    parts, got = [], 0
    while got < n:
        chunk = stream.read(min(_CHUNK, n - got))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    if got < n:
        raise DatasetError(f"read_idx: {path} is truncated: the header promises {n} bytes of "
                           f"{what}, the file holds only {got}")
    return b"".join(parts)


def read_idx(path: str | os.PathLike, max_bytes: int | None = None) -> np.ndarray:
    """The array stored in the IDX file at ``path`` (plain or gzipped), in native byte order.

    Shape is the file's dimensions, dtype one of uint8, int8, int16, int32,
    float32, float64. Raises FileNotFoundError if the file is missing and
    DatasetError (a ValueError) naming the file for a FIFO, device or folder
    (refused before opening: nothing blocks), a foreign, truncated, oversized
    or corrupt-gzip file, or a header declaring more data than ``max_bytes``
    (default: the file's size; for gzip ``GZIP_INFLATION`` × its size, at least
    16 MiB), checked before anything is allocated.
    """
    path = os.fspath(path)
    stream, raw, budget, size = _open(path, max_bytes)
    try:
        return _parse(stream, path, budget, size)
    except (gzip.BadGzipFile, zlib.error, EOFError) as e:
        raise DatasetError(f"read_idx: {path} is a damaged gzip stream ({type(e).__name__}: "
                           f"{e})") from e
    except OSError as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise DatasetError(f"read_idx: cannot read {path} ({type(e).__name__}: {e})") from e
    finally:
        stream.close()
        raw.close()


def _parse(stream, path: str, budget: int, size: int | None) -> np.ndarray:
    magic = stream.read(4)
    if len(magic) < 4 or magic[:2] != b"\x00\x00":
        shown = magic.hex() if magic else "nothing (the file is empty)"
        raise DatasetError(f"read_idx: {path} is not an IDX file: it should start with "
                           f"00 00 <type> <ndims>, it starts with {shown}")
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise DatasetError(f"read_idx: {path} has IDX type code 0x{code:02X}; known codes "
                           f"are {known}")
    if ndim == 0:
        raise DatasetError(f"read_idx: {path} declares 0 dimensions")
    dims = struct.unpack(f">{ndim}I", _read_exact(stream, 4 * ndim, path, "dimension sizes"))
    dtype = IDX_DTYPES[code]
    nbytes = math.prod(dims) * dtype.itemsize  # Python ints: no overflow
    if size is not None and nbytes > size - 4 - 4 * ndim:  # before reading anything
        raise DatasetError(f"read_idx: {path} is truncated: the header {tuple(dims)} promises "
                           f"{nbytes} bytes of data, the file holds only "
                           f"{max(0, size - 4 - 4 * ndim)}")
    if nbytes > budget:
        raise DatasetError(f"read_idx: {path} declares {tuple(dims)} elements of {dtype.name} "
                           f"({nbytes} bytes), more than the file can hold (limit {budget} "
                           f"bytes; max_bytes= raises it)")
    body = _read_exact(stream, nbytes, path, "data")
    if stream.read(1):
        raise DatasetError(f"read_idx: {path} has bytes after the {nbytes} bytes of data its "
                           f"header {tuple(dims)} ({dtype.newbyteorder('=')}) describes")
    return np.frombuffer(body, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array) -> None:
    """Write ``array`` (at least 1-d; uint8, int8, int16, int32, float32 or float64) as an
    IDX file, gzipped if ``path`` ends in ``.gz``. The write is atomic.
    """
    arr = np.asarray(array)
    dtype = arr.dtype.newbyteorder("=")
    if dtype not in _CODES:
        names = ", ".join(str(d) for d in _CODES)
        raise TypeError(f"write_idx: dtype {arr.dtype} has no IDX type code; use one of {names}")
    if arr.ndim == 0 or arr.ndim > 255:
        raise ValueError(f"write_idx: IDX needs 1 to 255 dimensions, got shape {arr.shape}")
    if any(d >= 2**32 for d in arr.shape):
        raise ValueError(f"write_idx: dimension sizes must fit in uint32, got {arr.shape}")
    header = bytes([0, 0, _CODES[dtype], arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = header + np.ascontiguousarray(arr, dtype=IDX_DTYPES[_CODES[dtype]]).tobytes()
    path = os.fspath(path)
    with atomic_write(path) as f:
        if path.endswith(".gz"):
            # mtime=0 and no name in the header: the same array gives the same bytes.
            with gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0) as gz:
                gz.write(payload)
        else:
            f.write(payload)
