"""tinygrad_mlp.data: DataLoader, splits, one_hot, IDX files, MNIST/Fashion-MNIST/digits.

Nothing here touches the network: downloads are served from local bytes by a
fake ``urlopen``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import shutil
import struct
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_mlp as tm
from tinygrad_mlp.data import (
    DataLoader,
    DatasetError,
    TensorDataset,
    datasets,
    load_digits,
    load_fashion_mnist,
    load_idx_folder,
    load_mnist,
    one_hot,
    read_idx,
    train_test_split,
    write_idx,
)

FOUR = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
FASHION = Path("/usr/share/datasets/fashion-mnist")


def encoded(n: int):
    """Images whose pixels spell out their own label, so a mismatched pair is visible."""
    y = np.arange(n, dtype=np.int64)
    X = np.stack([y, -y, 2 * y], axis=1).astype(np.float32)
    return X, y


# --------------------------------------------------------------------- DataLoader
@settings(deadline=None)
@given(n=st.integers(0, 50), bs=st.integers(1, 12), shuffle=st.booleans(),
       drop_last=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_pairs_never_come_apart(n, bs, shuffle, drop_last, seed):
    X, y = encoded(n)
    loader = DataLoader(X, y, batch_size=bs, shuffle=shuffle, drop_last=drop_last, seed=seed)
    batches = list(loader)
    expected = n // bs if drop_last else math.ceil(n / bs)
    assert len(batches) == len(loader) == expected
    seen = []
    for i, (xb, yb) in enumerate(batches):
        assert isinstance(xb, tm.Tensor) and xb.dtype == np.float32 and yb.dtype == np.int64
        np.testing.assert_array_equal(xb.data, X[yb.data])  # the pair is intact
        assert len(yb) == bs or (i == len(batches) - 1 and not drop_last)
        seen.extend(yb.data.tolist())
    assert len(set(seen)) == len(seen)  # no sample twice in an epoch
    if drop_last:
        assert len(seen) == (n // bs) * bs
    else:
        assert sorted(seen) == list(range(n))
    if not shuffle:
        assert seen == list(range(len(seen)))


def test_loader_accepts_tensors_dataset_and_three_arrays():
    X, y = encoded(10)
    w = np.linspace(0, 1, 10)
    for loader in (DataLoader(tm.Tensor(X), tm.from_numpy(y), w, batch_size=4),
                   DataLoader(TensorDataset(X, y, w), batch_size=4)):
        xb, yb, wb = next(iter(loader))
        np.testing.assert_array_equal(yb.data, [0, 1, 2, 3])
        np.testing.assert_array_equal(wb.data, w[:4])
        assert wb.dtype == np.float64  # float arrays keep their dtype
    assert len(TensorDataset(X, y)) == 10 and TensorDataset(X, y)[3][1] == 3


def test_batches_are_copies():
    X, y = encoded(6)
    xb, _ = next(iter(DataLoader(X, y, batch_size=3)))
    xb.data[:] = -99
    assert X.min() > -99


def test_loader_errors():
    with pytest.raises(ValueError, match=r"\[5, 4\]"):
        DataLoader(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(np.zeros(5), batch_size=0)
    with pytest.raises(ValueError, match="at least one"):
        DataLoader(batch_size=2)


def _epoch(loader):
    return np.concatenate([yb.data for _, yb in loader])


def test_seeded_shuffle_is_repeatable_and_new_each_epoch():
    X, y = encoded(40)
    a, b = DataLoader(X, y, batch_size=7, shuffle=True, seed=5), \
        DataLoader(X, y, batch_size=7, shuffle=True, seed=5)
    first, second = _epoch(a), _epoch(a)
    np.testing.assert_array_equal(first, _epoch(b))
    np.testing.assert_array_equal(second, _epoch(b))
    assert not np.array_equal(first, second)
    rng = np.random.default_rng(5)  # the documented source of the permutations
    np.testing.assert_array_equal(first, rng.permutation(40))
    np.testing.assert_array_equal(second, rng.permutation(40))


def test_unseeded_shuffle_follows_manual_seed():
    X, y = encoded(40)
    loader = DataLoader(X, y, batch_size=8, shuffle=True)
    tm.manual_seed(3)
    run1 = [_epoch(loader), _epoch(loader)]
    tm.manual_seed(3)
    run2 = [_epoch(loader), _epoch(loader)]
    np.testing.assert_array_equal(run1, run2)


# ------------------------------------------------------------ train_test_split / one_hot
def test_split_keeps_pairs_and_partitions():
    X, y = encoded(101)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0)
    assert len(y_te) == 21 and len(y_tr) == 80  # ceil(0.2 * 101), as scikit-learn
    np.testing.assert_array_equal(X_tr, X[y_tr])
    np.testing.assert_array_equal(X_te, X[y_te])
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(101))
    assert not np.array_equal(y_tr, np.sort(y_tr))  # it did shuffle
    again = train_test_split(X, y, test_size=0.2, seed=0)
    np.testing.assert_array_equal(again[3], y_te)
    Xt_tr, _, yt_tr, _ = train_test_split(tm.Tensor(X), tm.Tensor(y), test_size=10, seed=1)
    assert isinstance(Xt_tr, tm.Tensor) and len(yt_tr) == 91
    np.testing.assert_array_equal(Xt_tr.data, X[yt_tr.data])


def test_stratified_split_keeps_class_shares():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    X = np.arange(100, dtype=np.float32)[:, None]
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0, stratify=True)
    assert np.bincount(y_te).tolist() == [10, 6, 4]
    np.testing.assert_array_equal(y[X_te[:, 0].astype(int)], y_te)
    np.testing.assert_array_equal(y[X_tr[:, 0].astype(int)], y_tr)


def test_split_errors():
    with pytest.raises(ValueError, match=r"\[4, 3\]"):
        train_test_split(np.zeros((4, 2)), np.zeros(3))
    for bad in (0.0, 1.0, 1.5, 0, 4, -1):
        with pytest.raises(ValueError, match="test_size"):
            train_test_split(np.zeros((4, 2)), np.zeros(4), test_size=bad)


def test_one_hot():
    out = one_hot(np.array([2, 0, 1]))
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert out.dtype == np.float32
    assert one_hot([1], num_classes=4).tolist() == [[0, 1, 0, 0]]
    assert one_hot(np.array([[0, 1], [1, 1]])).shape == (2, 2, 2)
    assert one_hot(np.array([1.0, 0.0])).tolist() == [[0, 1], [1, 0]]  # whole floats are fine
    t = one_hot(tm.Tensor(np.array([1, 0])), num_classes=2)
    assert isinstance(t, tm.Tensor) and t.data.tolist() == [[0, 1], [1, 0]]
    assert one_hot(np.zeros(0, dtype=np.int64), num_classes=3).shape == (0, 3)


def test_one_hot_errors():
    with pytest.raises(ValueError, match=">= 0, got -1"):
        one_hot([0, -1])
    with pytest.raises(ValueError, match="label 5 is out of range for num_classes=3"):
        one_hot([0, 5], num_classes=3)
    with pytest.raises(ValueError, match="whole numbers, got 0.5"):
        one_hot([0.5, 1.0])
    with pytest.raises(TypeError, match="integers"):
        one_hot(np.array(["a", "b"]))


# ------------------------------------------------------------------------- IDX files
def test_read_idx_hand_built_file(tmp_path):
    # built byte by byte from the format description, independent of write_idx
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "img").write_bytes(struct.pack(">IIII", 0x0803, 2, 3, 4) + images.tobytes())
    np.testing.assert_array_equal(read_idx(tmp_path / "img"), images)
    ints = np.array([1, -2, 70000], dtype=np.int32)
    raw = struct.pack(">II", 0x0C01, 3) + ints.astype(">i4").tobytes()
    (tmp_path / "ints.gz").write_bytes(gzip.compress(raw))
    out = read_idx(tmp_path / "ints.gz")
    np.testing.assert_array_equal(out, ints)
    assert out.dtype == np.int32 and out.dtype.isnative


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
@pytest.mark.parametrize("name", ["a-idx2-ubyte", "a-idx2-ubyte.gz"])
def test_idx_round_trip(tmp_path, dtype, name):
    arr = (np.random.default_rng(0).standard_normal((5, 7)) * 50).astype(dtype)
    write_idx(tmp_path / name, arr)
    assert (tmp_path / name).read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz")
                                                 else b"\x00\x00")
    out = read_idx(tmp_path / name)
    assert out.dtype == arr.dtype and out.shape == arr.shape
    np.testing.assert_array_equal(out, arr)
    assert os.listdir(tmp_path) == [name]  # the atomic write left no temporary file


def test_write_idx_rejects_what_idx_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match="int64"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="dimensions"):
        write_idx(tmp_path / "x", np.uint8(3))


def _good_idx() -> bytes:
    return struct.pack(">III", 0x0802, 3, 4) + bytes(range(12))


@pytest.mark.parametrize("content, message", [
    (_good_idx()[:-3], "truncated"),
    (_good_idx()[:6], "truncated"),
    (_good_idx() + b"\x00", "bytes after"),
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "not an IDX file"),
    (b"label,pixel0\n3,0\n", "not an IDX file"),
    (struct.pack(">II", 0x0701, 3) + bytes(3), "type code 0x07"),
    (struct.pack(">I", 0x0800), "0 dimensions"),
    # a header promising 16 EB must fail fast, not try to allocate it
    (struct.pack(">III", 0x0802, 2**32 - 1, 2**32 - 1) + bytes(10), "truncated"),
    (b"\x1f\x8b" + b"this is not deflate data at all", "gzip"),
    (gzip.compress(_good_idx())[:-12], "gzip"),
    (gzip.compress(_good_idx()[:-1]), "truncated"),
], ids=["truncated", "short-dims", "extra", "empty", "png", "text", "type", "0-d", "huge",
        "bad-gzip", "cut-gzip", "gzip-truncated-payload"])
def test_bad_idx_files_raise_dataset_error(tmp_path, content, message):
    path = tmp_path / "bad-idx"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


# ----------------------------------------------------------------------------- MNIST
def _parse_gz(path: Path, header: int) -> np.ndarray:
    """Independent reader (the classic texts' `>IIII` header skip)."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read()[header:], dtype=np.uint8)


def test_load_mnist_test_split(tmp_path, mnist_dir):
    for name in FOUR[2:]:
        shutil.copy(mnist_dir / name, tmp_path / name)
    X, y = load_mnist(root=tmp_path, train=False)
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert y[:5].tolist() == [7, 2, 1, 0, 4]  # the well-known first test digits
    np.testing.assert_array_equal(y, _parse_gz(mnist_dir / FOUR[3], 8))
    raw = _parse_gz(mnist_dir / FOUR[2], 16).reshape(10000, 784)
    np.testing.assert_allclose(X, raw / 255.0, atol=1e-7)
    imgs, _ = load_mnist(root=tmp_path, train=False, flatten=False, normalize=False)
    assert imgs.shape == (10000, 28, 28) and imgs.dtype == np.uint8


def test_load_mnist_offline_error_names_folder_and_files(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(root=tmp_path, train=False)
    message = str(info.value)
    assert str(tmp_path) in message and "download=True" in message
    assert all(name in message for name in FOUR)


def test_default_root_comes_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_MLP_DATA", str(tmp_path / "mine"))
    assert datasets.default_data_dir() == tmp_path / "mine"
    with pytest.raises(FileNotFoundError, match="mine"):
        load_mnist(train=False)
    monkeypatch.delenv("TINYGRAD_MLP_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datasets.default_data_dir() == tmp_path / "xdg" / "tinygrad_mlp" / "mnist"


def test_load_idx_folder_other_names_and_mismatch(tmp_path):
    images = np.arange(3 * 2 * 2, dtype=np.uint8).reshape(3, 2, 2)
    write_idx(tmp_path / "test-images.idx3-ubyte", images)  # Kaggle-style names, not gzipped
    write_idx(tmp_path / "test-labels.idx1-ubyte", np.array([4, 5, 6], dtype=np.uint8))
    X, y = load_idx_folder(tmp_path, train=False)
    np.testing.assert_allclose(X, images.reshape(3, 4) / 255.0, atol=1e-7)
    assert y.tolist() == [4, 5, 6] and y.dtype == np.int64
    write_idx(tmp_path / "test-labels.idx1-ubyte", np.array([4, 5], dtype=np.uint8))
    with pytest.raises(DatasetError, match="3 images but .* 2 labels"):
        load_idx_folder(tmp_path, train=False)
    with pytest.raises(FileNotFoundError, match="train"):
        load_idx_folder(tmp_path, train=True)


# -------------------------------------------------------------------------- download
@pytest.fixture
def fake_server(tmp_path, monkeypatch):
    """Synthetic gzipped test-split files, their digests patched in, served by a fake urlopen."""
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1], dtype=np.uint8)
    files = {}
    for name, arr in ((FOUR[2], images), (FOUR[3], labels)):
        write_idx(tmp_path / name, arr)
        files[name] = (tmp_path / name).read_bytes()
        monkeypatch.setitem(datasets.MNIST_SHA256, name,
                            (hashlib.sha256(files[name]).hexdigest(),))
    server = {"files": files, "calls": [], "fail": set()}

    def urlopen(url, timeout=None):
        server["calls"].append(url)
        if any(url.startswith(m) for m in server["fail"]):
            raise URLError("no route to host")
        return io.BytesIO(server["files"][url.rsplit("/", 1)[1]])

    monkeypatch.setattr(datasets, "urlopen", urlopen)
    server.update(images=images, labels=labels, cache=tmp_path / "cache")
    return server


def test_download_verifies_and_caches(fake_server):
    cache = fake_server["cache"]
    X, y = load_mnist(root=cache, train=False, download=True)
    np.testing.assert_allclose(X, fake_server["images"].reshape(4, 784) / 255.0, atol=1e-7)
    assert y.tolist() == [3, 1, 4, 1]
    assert sorted(os.listdir(cache)) == sorted(FOUR[2:])  # no temporary files
    assert len(fake_server["calls"]) == 2
    load_mnist(root=cache, train=False, download=True)  # cached: no second download
    assert len(fake_server["calls"]) == 2


def test_download_with_bad_hash_is_discarded(fake_server):
    fake_server["files"][FOUR[2]] = b"\x1f\x8b tampered"
    with pytest.raises(DatasetError, match="SHA-256") as info:
        load_mnist(root=fake_server["cache"], train=False, download=True)
    assert "discarded" in str(info.value)
    assert os.listdir(fake_server["cache"]) == []  # neither the file nor a temp file
    assert len(fake_server["calls"]) == len(datasets.MNIST_MIRRORS)  # every mirror tried


def test_download_falls_back_to_next_mirror_then_reports(fake_server):
    fake_server["fail"].add(datasets.MNIST_MIRRORS[0])
    _, y = load_mnist(root=fake_server["cache"], train=False, download=True)
    assert y.tolist() == [3, 1, 4, 1]
    fake_server["fail"].update(datasets.MNIST_MIRRORS)
    other = fake_server["cache"].parent / "other"
    with pytest.raises(ConnectionError, match="no route to host") as info:
        load_mnist(root=other, train=False, download=True)
    assert str(other) in str(info.value)
    assert os.listdir(other) == []


def test_builtin_hashes_accept_the_real_test_files(mnist_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "urlopen", lambda url, timeout=None: io.BytesIO(
        (mnist_dir / url.rsplit("/", 1)[1]).read_bytes()))
    _, y = load_mnist(root=tmp_path, train=False, download=True)
    assert len(y) == 10000


# ----------------------------------------------------------- Fashion-MNIST and digits
@pytest.mark.skipif(not (FASHION / FOUR[2]).is_file(), reason="dataset-fashion-mnist missing")
def test_load_fashion_mnist_test_split():
    X, y = load_fashion_mnist(train=False)
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert np.bincount(y).tolist() == [1000] * 10  # the test set is balanced


def test_load_fashion_mnist_missing_names_the_package(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist") as info:
        load_fashion_mnist(root=tmp_path, train=False)
    assert str(tmp_path) in str(info.value)


def test_load_digits():
    sk = pytest.importorskip("sklearn.datasets")
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    ref = sk.load_digits()
    np.testing.assert_allclose(X * 16, ref.data, atol=1e-5)
    np.testing.assert_array_equal(y, ref.target)
