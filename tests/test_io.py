"""Checkpoints: tm.io.save / load round trips, atomic writes, and clear errors on bad files."""

from __future__ import annotations

import json
import math
import os
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_mlp as tm
from tinygrad_mlp.io import META_KEY, CheckpointError, load, save


def assert_same(a, b):
    """Structural equality that also checks container types, key types and dtypes."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a.keys()) == list(b.keys())
        for k in a:
            assert type(k) is type(next(kk for kk in b if kk == k))
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def test_round_trip_state_dict_and_optimizer_state(tmp_path):
    rng = np.random.default_rng(0)
    obj = {
        "model": {"0.weight": rng.standard_normal((3, 4)).astype(np.float32),
                  "0.bias": np.zeros(3, np.float32)},
        # optimizer state is keyed by parameter index (int keys must survive)
        "optim": {"state": {0: {"momentum_buffer": rng.standard_normal(5)}, 1: {"step": 7}},
                  "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1],
                                    "nesterov": False, "name": None}]},
        "epoch": 3, "loss": float("nan"), "note": "ünïcode ✓", "flag": True,
        "labels": np.arange(4, dtype=np.int64), "mask": np.array([True, False]),
        "empty": np.zeros((0, 3)), "scalar0d": np.array(2.5),
    }
    path = tmp_path / "ckpt.npz"
    save(obj, path)
    assert_same(load(path), obj)


def test_tensors_are_saved_as_arrays(tmp_path):
    t = tm.Tensor(np.arange(6, dtype=np.float64).reshape(2, 3), requires_grad=True)
    save({"w": t}, tmp_path / "t.npz")
    out = load(tmp_path / "t.npz")["w"]
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, t.data)


def test_numpy_scalars_keep_their_type(tmp_path):
    obj = {"a": np.float32(1.5), "b": np.int64(-3), "c": np.bool_(True)}
    save(obj, tmp_path / "s.npz")
    out = load(tmp_path / "s.npz")
    for k, v in obj.items():
        assert type(out[k]) is type(v) and out[k] == v


def test_writes_exactly_the_given_path(tmp_path):
    path = tmp_path / "model.ckpt"  # no .npz suffix: numpy would add one, we must not
    save({"x": np.ones(2)}, path)
    assert sorted(os.listdir(tmp_path)) == ["model.ckpt"]
    np.testing.assert_array_equal(load(str(path))["x"], np.ones(2))


def test_file_is_plain_npz_without_pickle(tmp_path):
    path = tmp_path / "c.npz"
    save({"w": np.ones((2, 2)), "meta": {"k": [1, 2]}}, path)
    with np.load(path, allow_pickle=False) as npz:  # reading every entry needs no pickle
        entries = {name: npz[name] for name in npz.files}
    meta = json.loads(entries[META_KEY].tobytes().decode())
    assert meta["version"] == 1
    assert all(a.dtype != object for a in entries.values())


def test_crash_mid_save_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"w": np.arange(3.0)}, path)
    before = path.read_bytes()

    def broken_savez(file, *args, **kwargs):
        file.write(b"PK\x03\x04 half a zip")  # write something, then die
        raise RuntimeError("disk fell off")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(RuntimeError, match="disk fell off"):
        save({"w": np.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temporary file left behind


def test_unsupported_values_raise_type_error(tmp_path):
    class Net:
        def state_dict(self):
            return {}

    with pytest.raises(TypeError, match=r"state_dict"):
        save({"model": Net()}, tmp_path / "a.npz")
    with pytest.raises(TypeError, match="object"):
        save({"bad": np.array([{}, 1], dtype=object)}, tmp_path / "b.npz")
    with pytest.raises(TypeError, match="keys must be str or int"):
        save({(1, 2): 1}, tmp_path / "c.npz")
    assert os.listdir(tmp_path) == []


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing_here"):
        load(tmp_path / "nothing_here.npz")


@pytest.mark.parametrize("content", [
    b"", b"hello, I am a text file\n", b"\x89PNG\r\n\x1a\n" + bytes(100),
    bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8)),
], ids=["empty", "text", "png", "random"])
def test_foreign_file_raises_checkpoint_error(tmp_path, content):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="x.npz"):
        load(path)


def test_truncated_file_raises_checkpoint_error(tmp_path):
    path = tmp_path / "c.npz"
    save({"w": np.random.default_rng(0).standard_normal(4000)}, path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 40):
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match=r"c\.npz"):
            load(path)


def test_corrupted_bytes_raise_checkpoint_error(tmp_path):
    path = tmp_path / "c.npz"
    save({"w": np.zeros(4000)}, path)
    data = bytearray(path.read_bytes())
    data[2000:2100] = b"\xff" * 100  # inside the array entry: the zip CRC must catch it
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"c\.npz"):
        load(path)


def test_foreign_npz_and_bad_metadata(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=np.ones(3))
    with pytest.raises(CheckpointError, match="not a tinygrad_mlp checkpoint"):
        load(plain)
    newer = tmp_path / "newer.npz"
    meta = json.dumps({"format": "tinygrad_mlp.checkpoint", "version": 99, "tree": None})
    np.savez(newer, **{META_KEY: np.frombuffer(meta.encode(), np.uint8)})
    with pytest.raises(CheckpointError, match="version 99"):
        load(newer)
    dangling = tmp_path / "dangling.npz"
    meta = json.dumps({"format": "tinygrad_mlp.checkpoint", "version": 1,
                       "tree": {"array": "a7"}})
    np.savez(dangling, **{META_KEY: np.frombuffer(meta.encode(), np.uint8)})
    with pytest.raises(CheckpointError, match="a7"):
        load(dangling)


def test_directory_is_not_a_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="directory"):
        load(tmp_path)


def test_zip_that_is_not_npz(tmp_path):
    path = tmp_path / "z.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(CheckpointError):
        load(path)


_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-2**62, 2**62), st.text(max_size=5),
    st.floats(allow_nan=False),
    st.builds(lambda n, k: np.arange(n, dtype=k), st.integers(0, 4),
              st.sampled_from([np.float32, np.float64, np.int64, np.uint8])),
)
_tree = st.recursive(
    _leaf,
    lambda c: st.one_of(st.lists(c, max_size=3), st.lists(c, max_size=3).map(tuple),
                        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(-5, 5)),
                                        c, max_size=3)),
    max_leaves=8,
)


@settings(deadline=None)
@given(tree=_tree)
def test_round_trip_property(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("prop") / "t.npz"
    save(tree, path)
    assert_same(load(path), tree)
