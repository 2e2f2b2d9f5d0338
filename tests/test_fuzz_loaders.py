"""Fuzzing the readers: tm.load, read_idx, the dataset loaders and the CLI's checkpoint reader
over truncations, bit flips, lying headers and random bytes.

Each case asserts only what the readers document: the result is sound, or the error is
CheckpointError / DatasetError / the CLI's CLIError naming the file; every case ends
in bounded time and allocates at most a few times what the file could hold
(tracemalloc's peak). The number of cases follows the hypothesis profile: a few
hundred in all under ``ci``, 10,000 per reader under ``thorough``
(``HYPOTHESIS_PROFILE=thorough``).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_mlp.cli.common import CLIError, build_model, load_checkpoint
from tinygrad_mlp.data import DatasetError, load_mnist, read_idx, write_idx
from tinygrad_mlp.io import META_KEY, CheckpointError, load, save

_PROFILE = getattr(settings, "get_current_profile_name", lambda: settings._current_profile)()
#: Cases per reader: a few hundred in all under ci, 10,000 each under thorough.
CASES = {"thorough": 10_000, "ci": 60}.get(_PROFILE, 25)
FUZZ = settings(max_examples=CASES, deadline=None, derandomize=_PROFILE != "thorough",
                suppress_health_check=list(HealthCheck))
#: Seconds one read may take on a busy machine (they take milliseconds).
TIME_LIMIT = 5.0
_INTERESTING = [0, 1, 2, 7, 255, 256, 2**15, 2**16 - 1, 2**16, 2**31 - 1, 2**31, 2**32 - 1]

WORK = Path(tempfile.mkdtemp(prefix="tinygrad-fuzz-"))


# ------------------------------------------------------------------ seed files
def _seed_checkpoint() -> bytes:
    model = build_model(6, [3], "relu", 4)
    config = {"input_dim": 6, "hidden": [3], "activation": "relu", "num_classes": 4,
              "dataset": "digits", "data_dir": None, "test_size": 0.2, "seed": 0}
    path = WORK / "seed.npz"
    save({"model": model.state_dict(), "config": config, "step": np.int64(3),
          "t": (1, 2.5, None)}, path)
    return path.read_bytes()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _rezip(members: dict[str, bytes], deflate: bool = False) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


SEED_NPZ = _seed_checkpoint()
SEED_MEMBERS = _members(SEED_NPZ)


def _field_offsets(data: bytes) -> list[int]:
    """Where the zip's header fields are: local headers, central directory, end record."""
    offsets = []
    for sig, fields in ((b"PK\x03\x04", (4, 6, 8, 14, 18, 22, 26, 28)),
                        (b"PK\x01\x02", (4, 6, 8, 10, 16, 20, 24, 28, 30, 32, 42)),
                        (b"PK\x05\x06", (4, 8, 10, 12, 16, 20))):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            offsets += [i + f for f in fields]
            start = i + 4
    return offsets


def _idx(images: bool, gz: bool) -> bytes:
    rng = np.random.default_rng(1)
    arr = (rng.integers(0, 256, (3, 28, 28)).astype(np.uint8) if images
           else np.array([1, 7, 9], np.uint8))
    path = WORK / f"seed-{images}-{gz}{'.gz' if gz else ''}"
    write_idx(path, arr)
    return path.read_bytes()


SEED_IDX = {(images, gz): _idx(images, gz) for images in (True, False) for gz in (True, False)}


# ------------------------------------------------------------------ mutations
@st.composite
def mutated(draw, seed: bytes, fields: list[int] | None = None) -> bytes:
    """``seed`` truncated, bit-flipped, overwritten, with lying header fields, or random."""
    data = bytearray(seed)
    kind = draw(st.sampled_from(["truncate", "flip", "splice", "lie", "random", "append"]))
    if kind == "truncate":
        return bytes(data[:draw(st.integers(0, len(data) - 1))])
    if kind == "flip":
        for pos, bit in draw(st.lists(st.tuples(st.integers(0, len(data) - 1),
                                                st.integers(0, 7)), min_size=1, max_size=8)):
            data[pos] ^= 1 << bit
        return bytes(data)
    if kind == "splice":
        pos = draw(st.integers(0, len(data) - 1))
        junk = draw(st.binary(min_size=1, max_size=32))
        data[pos:pos + len(junk)] = junk
        return bytes(data)
    if kind == "lie" and fields:
        pos = draw(st.sampled_from(fields))
        width = draw(st.sampled_from([2, 4]))
        value = draw(st.one_of(st.sampled_from(_INTERESTING), st.integers(0, 2**32 - 1)))
        data[pos:pos + width] = struct.pack("<I", value)[:width]
        return bytes(data)
    if kind == "append":
        return bytes(data) + draw(st.binary(min_size=1, max_size=64))
    return draw(st.binary(max_size=2048))


@st.composite
def mutated_npz(draw) -> bytes:
    """A checkpoint damaged at the byte level (zip layer) or inside a member, re-zipped with
    valid CRCs (npy headers, array bytes, the metadata JSON)."""
    if draw(st.booleans()):
        return draw(mutated(SEED_NPZ, _field_offsets(SEED_NPZ)))
    members = dict(SEED_MEMBERS)
    name = draw(st.sampled_from(sorted(members)))
    header_end = members[name].find(b"\n") + 1
    if draw(st.booleans()):  # lie in the .npy header: change its text
        head = bytearray(members[name][:header_end])
        pos = draw(st.integers(10, max(10, len(head) - 2)))
        head[pos:pos + 1] = draw(st.sampled_from([b"9", b"(", b")", b",", b"'", b"{", b"}",
                                                  b"0", b"99999999999", b" ", b"-", b"O"]))
        members[name] = bytes(head) + members[name][header_end:]
    elif name == META_KEY + ".npy":  # damage the JSON, keeping the npy header right
        text = members[name][header_end:]
        text = draw(mutated(text))
        members[name] = _npy_bytes(np.frombuffer(text, np.uint8))
    else:
        members[name] = draw(mutated(members[name]))
    if draw(st.booleans()):  # drop or rename a member
        victim = draw(st.sampled_from(sorted(members)))
        data = members.pop(victim)
        if draw(st.booleans()):
            members[victim[:-4]] = data
    return _rezip(members, deflate=draw(st.booleans()))


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


# ------------------------------------------------------------------ the checks
def _bounded(fn, size: int):
    """Run ``fn``; return (result or exception); assert the time and memory bounds."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    try:
        result = fn()
    except Exception as e:  # the caller checks the type
        result = e
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - before
    assert elapsed < TIME_LIMIT, f"took {elapsed:.1f} s"
    budget = 3 * max(64 * size, 16 << 20) + (1 << 20)
    assert peak < budget, f"allocated {peak} bytes for a {size}-byte file"
    return result


@pytest.fixture(scope="module", autouse=True)
def _trace_memory():
    tracemalloc.start()
    yield
    tracemalloc.stop()


def _write(name: str, data: bytes) -> Path:
    path = WORK / name
    path.write_bytes(data)
    return path


@FUZZ
@given(data=mutated_npz())
def test_fuzz_tm_load(data):
    path = _write("fuzz.npz", data)
    result = _bounded(lambda: load(path), len(data))
    if isinstance(result, Exception):
        assert isinstance(result, CheckpointError), repr(result)
        assert str(path) in str(result)
    else:
        assert isinstance(result, dict)


@FUZZ
@given(data=mutated_npz())
def test_fuzz_cli_checkpoint_reader(data):
    path = _write("fuzz-cli.npz", data)
    result = _bounded(lambda: load_checkpoint(str(path)), len(data))
    if isinstance(result, Exception):
        assert isinstance(result, (CheckpointError, CLIError)), repr(result)
        assert str(path) in str(result) and "\n" not in str(result).strip()
    else:
        model, config = result
        assert config["input_dim"] == model[0].weight.shape[1]


@st.composite
def mutated_idx(draw) -> tuple[bytes, bool, bool]:
    images, gz = draw(st.booleans()), draw(st.booleans())
    seed = SEED_IDX[(images, gz)]
    if gz and draw(st.booleans()):  # lie inside the gzip stream, with a valid gzip around it
        raw = gzip.decompress(seed)
        return gzip.compress(draw(mutated(raw, list(range(16))))), images, gz
    return draw(mutated(seed, list(range(0, 16)))), images, gz


@FUZZ
@given(case=mutated_idx())
def test_fuzz_read_idx(case):
    data, _, _ = case
    path = _write("fuzz-idx", data)
    result = _bounded(lambda: read_idx(path), len(data))
    if isinstance(result, Exception):
        assert isinstance(result, DatasetError), repr(result)
        assert str(path) in str(result)
    else:
        assert isinstance(result, np.ndarray) and result.ndim >= 1


@FUZZ
@given(case=mutated_idx())
def test_fuzz_dataset_loader(case):
    data, images, gz = case
    folder = WORK / "mnist"
    folder.mkdir(exist_ok=True)
    for p in folder.iterdir():
        p.unlink()
    suffix = ".gz" if gz else ""
    good = SEED_IDX[(not images, gz)]
    names = {True: f"t10k-images-idx3-ubyte{suffix}", False: f"t10k-labels-idx1-ubyte{suffix}"}
    (folder / names[images]).write_bytes(data)
    (folder / names[not images]).write_bytes(good)
    result = _bounded(lambda: load_mnist(folder, train=False), len(data) + len(good))
    if isinstance(result, Exception):
        assert isinstance(result, DatasetError), repr(result)
        assert str(folder) in str(result) and "\n" not in str(result)
    else:
        X, y = result
        assert X.dtype == np.float32 and X.ndim == 2 and len(X) == len(y) > 0
        assert np.isfinite(X).all() and X.min() >= 0 and X.max() <= 1
        assert y.min() >= 0 and y.max() <= 9


def test_seeds_are_sound():
    """The unmutated seeds load: the fuzz tests start from real files."""
    assert load(_write("s.npz", SEED_NPZ))["step"] == 3
    for (images, gz), data in SEED_IDX.items():
        assert read_idx(_write(f"s-{images}-{gz}", data)).shape == ((3, 28, 28) if images
                                                                   else (3,))
    assert json.loads(SEED_MEMBERS[META_KEY + ".npy"].split(b"\n", 1)[1])["version"] == 1
    assert os.path.isdir(WORK)
