"""tm.load and the IDX/dataset readers on hostile files: the breaks of the hardening issue.

Every test here failed before the hardening (a raw NotImplementedError, tokenize error,
MemoryError, RecursionError, a hang, a temp file left behind, labels 255 accepted...).
"""

from __future__ import annotations

import io
import json
import os
import signal
import struct
import subprocess
import sys
import threading
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp.data import DatasetError, load_fashion_mnist, load_mnist, read_idx, write_idx
from tinygrad_mlp.io import META_KEY, CheckpointError, load, save

REPO = Path(__file__).resolve().parents[1]


def _meta(tree) -> bytes:
    return json.dumps({"format": "tinygrad_mlp.checkpoint", "version": 1,
                       "tree": tree}).encode()


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _npy_raw(header: str, body: bytes = b"") -> bytes:
    """A .npy member with the header text given verbatim (version 1.0)."""
    h = header.encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + body


def _zip(path: Path, members: dict[str, bytes], compress=zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compress) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _checkpoint(path: Path, tree, arrays: dict[str, bytes] | None = None) -> Path:
    members = {META_KEY + ".npy": _npy(np.frombuffer(_meta(tree), np.uint8))}
    members.update(arrays or {})
    return _zip(path, members)


def _central_directory_entries(data: bytes) -> list[int]:
    offsets, start = [], 0
    while (i := data.find(b"PK\x01\x02", start)) >= 0:
        offsets.append(i)
        start = i + 4
    return offsets


def _refused(path, match=None, **kwargs) -> CheckpointError:
    with pytest.raises(CheckpointError, match=match) as info:
        load(path, **kwargs)
    assert str(path) in str(info.value)
    return info.value


# ------------------------------------------------------------------ 1. zip directory fields
@pytest.mark.parametrize("field, offset, value", [
    ("version needed", 6, b"\xff\x00"),
    ("encrypted flag", 8, b"\x01\x00"),
    ("patched-data flag", 8, b"\x20\x00"),
    ("strong-encryption flag", 8, b"\x40\x00"),
    ("compression method", 10, b"\x63\x00"),
    ("compression method bzip2", 10, b"\x0c\x00"),
])
def test_flipped_central_directory_fields(tmp_path, field, offset, value):
    path = tmp_path / "c.npz"
    save({"w": np.arange(10.0)}, path)
    data = bytearray(path.read_bytes())
    for entry in _central_directory_entries(bytes(data)):
        bad = bytearray(data)
        bad[entry + offset:entry + offset + 2] = value
        path.write_bytes(bytes(bad))
        _refused(path)


def test_sizes_past_the_end_of_the_file(tmp_path):
    path = tmp_path / "c.npz"
    save({"w": np.arange(10.0)}, path)
    data = bytearray(path.read_bytes())
    for entry in _central_directory_entries(bytes(data)):
        for field in (20, 24):  # compressed size, uncompressed size
            bad = bytearray(data)
            bad[entry + field:entry + field + 4] = struct.pack("<I", 2**31)
            path.write_bytes(bytes(bad))
            _refused(path)


# ------------------------------------------------------------------ 2. npy headers
@pytest.mark.parametrize("header", [
    "{'descr': '|u1', 'fortran_order': False, 'sha",
    "{'descr': '|u1', 'fortran_order': False, 'shape': (3,",
    "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), 'x': __import__('os')}",
    "{'descr': 'O', 'fortran_order': False, 'shape': (3,), }",
    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }",
    "{'descr': '|u1', 'fortran_order': 0, 'shape': (3,), }",
    "{'descr': '|u1', 'fortran_order': False, 'shape': (-3,), }",
    "{'descr': '|u1', 'fortran_order': False, 'shape': (" + "9" * 5000 + ",), }",
    "[1, 2, 3]",
    "{" * 10000,
    "",
])
def test_bad_npy_headers(tmp_path, header):
    member = _npy_raw(header + "\n", b"abc")
    path = _zip(tmp_path / "c.npz", {META_KEY + ".npy": member})
    _refused(path)


def test_header_length_beyond_the_member(tmp_path):
    member = b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + b"{}"
    _refused(_zip(tmp_path / "c.npz", {META_KEY + ".npy": member}))


# ------------------------------------------------------------------ 3. lying shapes, bombs
@pytest.mark.parametrize("n", [10**12, 10**8, 1000])
def test_declared_array_larger_than_member(tmp_path, n):
    arrays = {"a0.npy": _npy_raw(f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({n},), "
                                 f"}}\n", bytes(800))}
    path = _checkpoint(tmp_path / "c.npz", {"array": "a0"}, arrays)
    tracemalloc.start()
    try:
        _refused(path, match="shape")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, f"refusing a lying header allocated {peak} bytes"


def test_decompression_budget(tmp_path):
    path = tmp_path / "c.npz"
    save({"w": np.zeros(4 << 20, np.uint8)}, path)  # 4 MiB of zeros, stored
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    squeezed = _zip(tmp_path / "small.npz", members, zipfile.ZIP_DEFLATED)
    assert squeezed.stat().st_size < 64 << 10
    _refused(squeezed, match="inflate")
    assert load(squeezed, max_bytes=8 << 20)["w"].shape == (4 << 20,)  # the override


def test_deflated_member_lying_about_its_size(tmp_path):
    path = tmp_path / "c.npz"
    save({"w": np.zeros(1 << 20, np.uint8)}, path)
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    path = _zip(tmp_path / "lie.npz", members, zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    for entry in _central_directory_entries(bytes(data)):
        data[entry + 24:entry + 28] = struct.pack("<I", 1000)  # uncompressed size: 1000
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        _refused(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


# ------------------------------------------------------------------ 4. raw members
def test_metadata_stored_as_raw_member(tmp_path):
    path = _zip(tmp_path / "c.npz", {META_KEY: _meta({"list": []})})
    _refused(path)


@pytest.mark.parametrize("kind", ["array", "scalar"])
def test_raw_member_referenced_as_a_leaf(tmp_path, kind):
    path = _checkpoint(tmp_path / "c.npz", {kind: "a0"}, {"a0": b"raw bytes"})
    _refused(path)


def test_scalar_leaf_that_is_not_0d(tmp_path):
    path = _checkpoint(tmp_path / "c.npz", {"scalar": "a0"}, {"a0.npy": _npy(np.arange(3))})
    _refused(path, match="scalar")


def test_metadata_of_the_wrong_dtype(tmp_path):
    path = _zip(tmp_path / "c.npz", {META_KEY + ".npy": _npy(np.arange(3.0))})
    _refused(path, match="uint8")


# ------------------------------------------------------------------ 5. JSON depth, big ints
def test_deeply_nested_metadata(tmp_path):
    deep = b'{"format": "tinygrad_mlp.checkpoint", "version": 1, "tree": ' \
        + b'{"list": [' * 100_000 + b"]}" * 100_000 + b"}"
    path = _zip(tmp_path / "c.npz", {META_KEY + ".npy": _npy(np.frombuffer(deep, np.uint8))})
    _refused(path, match="deeper")


def test_brackets_inside_strings_do_not_count(tmp_path):
    obj = {"note": "[" * 5000 + "{" * 5000, "w": np.ones(2)}
    save(obj, tmp_path / "c.npz")
    assert load(tmp_path / "c.npz")["note"] == obj["note"]


def test_huge_integer_in_metadata(tmp_path):
    path = _zip(tmp_path / "c.npz", {META_KEY + ".npy": _npy(np.frombuffer(
        _meta(None)[:-1] + b', "x": ' + b"7" * 5000 + b"}", np.uint8))})
    _refused(path, match="digits")


def test_save_refuses_what_load_cannot_read(tmp_path):
    deep: list = []
    for _ in range(600):
        deep = [deep]
    with pytest.raises(TypeError, match="deep"):
        save({"nest": deep}, tmp_path / "a.npz")
    with pytest.raises(TypeError, match=r"obj\['big'\]"):
        save({"big": 10**200}, tmp_path / "a.npz")
    with pytest.raises(TypeError, match=r"obj\['rec'\].*dtype"):
        save({"rec": np.zeros(2, dtype=[("a", "f4")])}, tmp_path / "a.npz")
    with pytest.raises(TypeError, match=r"obj\['when'\].*dtype"):
        save({"when": np.array(["2020-01-01"], dtype="datetime64[D]")}, tmp_path / "a.npz")
    assert os.listdir(tmp_path) == []
    nested: list = [np.ones(1)]
    for _ in range(tm.io.MAX_DEPTH - 1):
        nested = [nested]
    save(nested, tmp_path / "ok.npz")  # the deepest allowed round-trips
    got = load(tmp_path / "ok.npz")
    for _ in range(tm.io.MAX_DEPTH - 1):
        got = got[0]
    assert got[0].tolist() == [1.0]


def test_saving_a_module_points_at_state_dict(tmp_path):
    with pytest.raises(TypeError, match=r"model\.state_dict\(\)"):
        save(tm.nn.Linear(2, 3), tmp_path / "m.npz")


def test_fortran_order_and_big_endian_arrays_round_trip(tmp_path):
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    b = np.arange(5, dtype=">i4")
    save({"a": a, "b": b, "s": np.array(["ab", "c"]), "c": np.array([1 + 2j])}, tmp_path / "x")
    got = load(tmp_path / "x")
    np.testing.assert_array_equal(got["a"], a)
    np.testing.assert_array_equal(got["b"], b)
    assert got["s"].tolist() == ["ab", "c"] and got["c"][0] == 1 + 2j


# ------------------------------------------------------------------ 6. non-regular files
def _finishes(fn, seconds: float = 10.0):
    """Run fn in a daemon thread; its result or exception, or fail if it hangs."""
    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{fn} hung on a non-regular file"
    return box


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    for reader, error in ((load, CheckpointError), (read_idx, DatasetError)):
        box = _finishes(lambda r=reader: r(fifo))
        assert isinstance(box.get("error"), error), box
        assert "FIFO" in str(box["error"]) and str(fifo) in str(box["error"])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_devices_and_folders_are_refused(tmp_path):
    for reader, error in ((load, CheckpointError), (read_idx, DatasetError)):
        for target, word in (("/dev/zero", "device"), (tmp_path, "directory")):
            box = _finishes(lambda r=reader, t=target: r(t))
            assert isinstance(box.get("error"), error), box
            assert word in str(box["error"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_dataset_folder_with_a_fifo(tmp_path):
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(2, np.uint8))
    os.mkfifo(tmp_path / "t10k-images-idx3-ubyte")
    box = _finishes(lambda: load_mnist(tmp_path, train=False))
    assert isinstance(box.get("error"), DatasetError) and "FIFO" in str(box["error"])


# ------------------------------------------------------------------ 7. nothing left behind
_KILLED_SAVE = """
import sys, time
import numpy as np
import tinygrad_mlp as tm

def slow_savez(file, **entries):
    file.write(b"PK\\x03\\x04" + bytes(1 << 16))
    file.flush()
    print("writing", flush=True)
    time.sleep(60)

np.savez = slow_savez
tm.save({"w": np.zeros(10)}, sys.argv[1])
"""


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _killed_save(path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_SAVE, str(path)],
                            stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout.readline().strip() == b"writing"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
        proc.stdout.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_save_is_cleaned_up_by_the_next_save(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"w": np.arange(3.0)}, path)
    _killed_save(path)
    left = _temps(tmp_path)
    assert len(left) == 1 and left[0].startswith(".ckpt.npz.")  # tied to the target's name
    np.testing.assert_array_equal(load(path)["w"], np.arange(3.0))  # the old one is intact
    (tmp_path / ".other.npz.1.0.tmp").write_bytes(b"not ours")  # another path's: kept
    _killed_save(path)
    save({"w": np.ones(2)}, path)
    assert _temps(tmp_path) == [".other.npz.1.0.tmp"]
    np.testing.assert_array_equal(load(path)["w"], np.ones(2))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_load_ignores_and_cleans_stale_temps(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"w": np.arange(3.0)}, path)
    _killed_save(path)
    assert _temps(tmp_path)
    np.testing.assert_array_equal(load(path)["w"], np.arange(3.0))
    assert _temps(tmp_path) == []


def test_temp_file_of_a_running_writer_is_kept(tmp_path):
    path = tmp_path / "ckpt.npz"
    mine = tmp_path / f".ckpt.npz.{os.getpid()}.999.tmp"  # this process: still writing
    mine.write_bytes(b"in progress")
    save({"w": np.ones(1)}, path)
    assert mine.exists()


# ------------------------------------------------------------------ 8. datasets validated
def _folder(tmp_path: Path, images: np.ndarray, labels: np.ndarray) -> Path:
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels)
    return tmp_path


@pytest.mark.parametrize("label, dtype", [(255, np.uint8), (10, np.uint8), (-1, np.int8),
                                          (70000, np.int32)])
@pytest.mark.parametrize("loader", [load_mnist, load_fashion_mnist])
def test_labels_out_of_range(tmp_path, loader, label, dtype):
    labels = np.array([3, label, 1], dtype=dtype)
    folder = _folder(tmp_path, np.zeros((3, 28, 28), np.uint8), labels)
    with pytest.raises(DatasetError, match=rf"label {label} at index 1; labels must be 0\.\.9"):
        loader(folder, train=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0, 256.0])
def test_pixels_not_finite_or_out_of_range(tmp_path, bad):
    images = np.zeros((2, 28, 28), np.float32)
    images[1, 3, 4] = bad
    folder = _folder(tmp_path, images, np.array([1, 2], np.uint8))
    with pytest.raises(DatasetError, match="image 1") as info:
        load_mnist(folder, train=False)
    assert "t10k-images" in str(info.value) and "\n" not in str(info.value)


def test_float_pixels_in_range_are_accepted(tmp_path):
    images = np.full((2, 28, 28), 255.0, np.float32)
    X, _ = load_mnist(_folder(tmp_path, images, np.array([1, 2], np.uint8)), train=False)
    assert X.max() == 1.0


def test_empty_dataset_is_refused_in_one_line(tmp_path):
    folder = _folder(tmp_path, np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8))
    for loader in (load_mnist, load_fashion_mnist, tm.data.load_idx_folder):
        with pytest.raises(DatasetError, match="no images") as info:
            loader(folder, train=False)
        assert "\n" not in str(info.value)


def test_generic_folder_accepts_more_classes(tmp_path):
    folder = _folder(tmp_path, np.zeros((2, 4, 4), np.uint8), np.array([0, 25], np.uint8))
    assert tm.data.load_idx_folder(folder, train=False)[1].tolist() == [0, 25]
    with pytest.raises(DatasetError, match="0..9"):
        tm.data.load_idx_folder(folder, train=False, num_classes=10)


def test_gzip_bomb_in_idx_is_refused_before_inflating(tmp_path):
    import gzip

    path = tmp_path / "bomb-idx.gz"
    header = struct.pack(">II", 0x0801, 1 << 30)  # 1 GiB of uint8 promised
    with gzip.open(path, "wb") as f:
        f.write(header + bytes(1 << 20))
    with pytest.raises(DatasetError, match="max_bytes"):
        read_idx(path)
