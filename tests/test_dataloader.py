"""tinygrad_mlp.data at torch.utils.data's names: datasets, random_split, samplers, collate,
DataLoader over map-style and iterable datasets, in-process and with worker processes."""

from __future__ import annotations

import collections
import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_mlp as tm
from tinygrad_mlp.data import (
    BatchSampler,
    ChainDataset,
    CollateError,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    get_worker_info,
    random_split,
)

Point = collections.namedtuple("Point", ["x", "label"])


def encoded(n: int):
    y = np.arange(n, dtype=np.int64)
    return np.stack([y, -y], axis=1).astype(np.float32), y


class PerItem(Dataset):
    """Plain map-style dataset over arrays (no fast path)."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return tm.from_numpy(self.X[i]), tm.from_numpy(self.y[i])


class Stream(IterableDataset):
    """0 … n−1, split between workers by get_worker_info (the PyTorch recipe)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        for i in range(start, self.n, step):
            yield {"i": i, "x": np.full(2, i, dtype=np.float32)}

    def __len__(self):
        return self.n


class Ragged(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        return {"image": np.zeros(4 if i != 9 else 5, dtype=np.float32), "label": i}


class WhoAmI(Dataset):
    """Each item reports the worker that fetched it and a draw from its seeded generators."""

    def __len__(self):
        return 16

    def __getitem__(self, i):
        info = get_worker_info()
        return (i, -1 if info is None else info.id, -1 if info is None else info.seed,
                float(np.random.random()))


class Fails(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"no sample {i}")
        return np.float32(i)


class Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(3)
        return i


def labels(loader):
    return [b[1].data.tolist() for b in loader]


# ------------------------------------------------------------------ datasets
def test_tensor_dataset_items_are_tensors_and_views():
    X, y = encoded(5)
    ds = TensorDataset(tm.Tensor(X), y)
    x3, y3 = ds[3]
    assert isinstance(x3, tm.Tensor) and isinstance(y3, tm.Tensor)
    assert x3.shape == (2,) and y3.shape == () and y3.item() == 3 and y3.dtype == np.int64
    assert len(ds) == 5 and len(ds.tensors) == 2 and isinstance(ds.tensors[1], tm.Tensor)
    with pytest.raises(ValueError, match=r"\[5, 4\]"):
        TensorDataset(X, y[:4])


def test_subset_concat_chain():
    X, y = encoded(10)
    a, b = TensorDataset(X[:4], y[:4]), PerItem(X[4:], y[4:])
    cat = a + b
    assert isinstance(cat, ConcatDataset) and len(cat) == 10 and cat.cumulative_sizes == [4, 10]
    assert [int(cat[i][1].item()) for i in range(10)] == list(range(10))
    assert cat[-1][1].item() == 9
    with pytest.raises(IndexError):
        cat[10]
    sub = Subset(cat, [7, 2, 2])
    assert len(sub) == 3 and [s[1].item() for s in (sub[0], sub[1], sub[2])] == [7, 2, 2]
    chain = ChainDataset([Stream(3), Stream(2)])
    assert [d["i"] for d in chain] == [0, 1, 2, 0, 1] and len(chain) == 5
    with pytest.raises(TypeError, match="IterableDataset"):
        ConcatDataset([Stream(3)])
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33],
                                     [1 / 3] * 3, [0.1] * 10])
def test_random_split_partitions_and_sizes(lengths):
    ds = TensorDataset(*encoded(10))
    parts = random_split(ds, lengths, generator=np.random.default_rng(0))
    assert sum(len(p) for p in parts) == 10
    seen = sorted(i for p in parts for i in p.indices)
    assert seen == list(range(10))
    again = random_split(ds, lengths, generator=np.random.default_rng(0))
    assert [p.indices for p in parts] == [p.indices for p in again]
    torch = pytest.importorskip("torch")
    want = [len(p) for p in torch.utils.data.random_split(range(10), lengths)]
    assert [len(p) for p in parts] == want


def test_random_split_errors_and_default_generator():
    ds = TensorDataset(*encoded(10))
    with pytest.raises(ValueError, match="does not equal"):
        random_split(ds, [3, 3])
    tm.manual_seed(4)
    a = [p.indices for p in random_split(ds, [5, 5])]
    tm.manual_seed(4)
    assert [p.indices for p in random_split(ds, [5, 5])] == a


# ------------------------------------------------------------------ samplers
def test_sequential_and_random_samplers():
    data = range(10)
    assert list(SequentialSampler(data)) == list(range(10))
    rs = RandomSampler(data, generator=np.random.default_rng(1))
    e1, e2 = list(rs), list(rs)
    assert sorted(e1) == sorted(e2) == list(range(10)) and e1 != e2 and len(rs) == 10
    long = list(RandomSampler(data, num_samples=25, generator=np.random.default_rng(2)))
    assert len(long) == 25
    assert sorted(long[:10]) == sorted(long[10:20]) == list(range(10))  # whole permutations
    assert len(set(long[20:])) == 5
    rep = list(RandomSampler(data, replacement=True, num_samples=200,
                             generator=np.random.default_rng(3)))
    assert len(rep) == 200 and set(rep) <= set(range(10)) and len(set(rep)) == 10
    assert all(isinstance(i, int) for i in rep)
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(data, num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(data, replacement=1)


def test_subset_random_and_weighted_samplers():
    s = SubsetRandomSampler([3, 5, 7, 9], generator=np.random.default_rng(0))
    assert sorted(s) == [3, 5, 7, 9] and len(s) == 4
    w = [0.0, 1.0, 3.0, 0.0, 6.0]
    ws = WeightedRandomSampler(w, num_samples=20000, generator=np.random.default_rng(0))
    counts = np.bincount(list(ws), minlength=5) / 20000
    assert counts[0] == counts[3] == 0
    np.testing.assert_allclose(counts, np.array(w) / 10, atol=0.015)
    once = list(WeightedRandomSampler(w, 3, replacement=False,
                                      generator=np.random.default_rng(1)))
    assert sorted(once) == [1, 2, 4]
    with pytest.raises(RuntimeError, match="without replacement"):
        WeightedRandomSampler(w, 4, replacement=False)
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler(w, 0)


@pytest.mark.parametrize("n, bs, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                              (2, 5, False), (2, 5, True)])
def test_batch_sampler_matches_torch(n, bs, drop_last):
    mine = BatchSampler(list(range(n)), bs, drop_last)
    arrays = [b.tolist() for b in BatchSampler(SequentialSampler(range(n)), bs,
                                               drop_last).batches_array()]
    assert list(mine) == arrays
    assert len(mine) == len(arrays)
    torch = pytest.importorskip("torch")
    theirs = torch.utils.data.BatchSampler(list(range(n)), bs, drop_last)
    assert list(mine) == list(theirs) and len(mine) == len(theirs)


# ------------------------------------------------------------------ collate
def _structure(obj):
    """A comparable picture of a batch: containers by kind, tensors by dtype/shape/values."""
    name = type(obj).__name__
    if hasattr(obj, "detach") and hasattr(obj, "numpy") and not isinstance(obj, tm.Tensor):
        a = obj.detach().numpy()
        return ("T", str(a.dtype), a.shape, a.tolist())
    if isinstance(obj, tm.Tensor):
        return ("T", str(obj.dtype), obj.shape, obj.data.tolist())
    if isinstance(obj, dict):
        return ("dict", {k: _structure(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (name, [_structure(o) for o in obj])
    if isinstance(obj, (list, tuple)):
        return (name, [_structure(o) for o in obj])
    return ("leaf", obj)


SAMPLES = {
    "tuples": [(np.array([1.0, 2.0], dtype=np.float32), 3), (np.array([4.0, 5.0],
                                                                      dtype=np.float32), 6)],
    "dicts": [{"x": np.arange(3), "y": 0.5, "name": "a"}, {"x": np.arange(3) + 1, "y": 1.5,
                                                             "name": "b"}],
    "namedtuples": [Point(np.zeros((2, 2)), 1), Point(np.ones((2, 2)), 2)],
    "numbers": [1, 2, 3],
    "floats": [1.5, 2.5],
    "bools": [True, False],
    "numpy scalars": [np.float32(1.5), np.float32(2.0)],
    "strings": ["cat", "dog"],
    "nested": [([1, 2], {"a": (np.int32(1), 2.0)}), ([3, 4], {"a": (np.int32(5), 6.0)})],
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_default_collate_structure_equals_torch(kind):
    torch = pytest.importorskip("torch")
    ours = default_collate(SAMPLES[kind])
    theirs = torch.utils.data.default_collate(SAMPLES[kind])
    assert _structure(ours) == _structure(theirs)


def test_default_collate_tensors_stack_and_keep_the_graph():
    a = tm.Tensor(np.ones(3), requires_grad=True)
    b = tm.Tensor(np.zeros(3), requires_grad=True)
    out = default_collate([a, b])
    assert out.shape == (2, 3)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.ones(3))
    plain = default_collate([tm.Tensor(np.ones(2)), tm.Tensor(np.zeros(2))])
    assert plain.shape == (2, 2) and not plain.requires_grad


@pytest.mark.parametrize("batch, message", [
    ([(np.zeros(3), 1), (np.zeros(3), 2), (np.zeros(4), 3)],
     r"field \[0\] of batch item 2: it has shape \(4,\) but item 0 has shape \(3,\)"),
    ([{"a": 1}, {"b": 2}], r"batch item 1: it has no key 'a'"),
    ([{"a": 1}, {"a": "x"}], r"field \['a'\] of batch item 1: it is a str but item 0 is a int"),
    ([(1, 2), (1, 2, 3)], r"batch item 1: it has 3 elements but item 0 has 2"),
    ([object(), object()], r"found <class 'object'>"),
    ([np.array(["a"]), np.array(["b"])], r"dtype <U1"),
])
def test_collate_errors_name_item_and_field(batch, message):
    with pytest.raises(CollateError, match=message) as info:
        default_collate(batch)
    assert isinstance(info.value, TypeError) and isinstance(info.value, RuntimeError)


def test_loader_collate_error_names_the_dataset_index():
    with pytest.raises(CollateError, match=r"field \['image'\] of batch item 1: .* is "
                                           r"dataset\[9\]"):
        list(DataLoader(Ragged(), batch_size=4))


# ------------------------------------------------------------------ DataLoader
@pytest.mark.parametrize("n, bs, drop_last", [(0, 3, False), (10, 3, False), (10, 3, True),
                                              (12, 4, True), (5, 8, True)])
def test_len_drop_last_and_coverage(n, bs, drop_last):
    ds = TensorDataset(*encoded(n))
    loader = DataLoader(ds, batch_size=bs, shuffle=True, drop_last=drop_last,
                        generator=np.random.default_rng(0))
    batches = list(loader)
    assert len(batches) == len(loader) == (n // bs if drop_last else math.ceil(n / bs))
    seen = [i for b in batches for i in b[1].data.tolist()]
    assert len(set(seen)) == len(seen) == ((n // bs) * bs if drop_last else n)
    for xb, yb in batches:
        assert isinstance(xb, tm.Tensor) and xb.dtype == np.float32 and yb.dtype == np.int64
        np.testing.assert_array_equal(xb.data[:, 0], yb.data)
    assert loader.dataset is ds


def test_default_batch_size_and_batches_are_lists_as_torch():
    ds = TensorDataset(*encoded(3))
    batches = list(DataLoader(ds))
    assert len(batches) == 3 and isinstance(batches[0], list) and batches[0][0].shape == (1, 2)
    assert DataLoader(ds, 2).batch_size == 2  # batch_size may be positional, as in PyTorch


def test_fast_path_equals_item_by_item():
    X, y = encoded(37)
    fast = DataLoader(TensorDataset(X, y), batch_size=5, shuffle=True,
                      generator=np.random.default_rng(7))
    slow = DataLoader(PerItem(X, y), batch_size=5, shuffle=True,
                      generator=np.random.default_rng(7))
    assert fast._fast() is not None and slow._fast() is None
    for (a, b), (c, d) in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a.data, c.data)
        np.testing.assert_array_equal(b.data, d.data)
        assert a.dtype == c.dtype and b.dtype == d.dtype
    # through Subsets (random_split), still fast and still right
    parts = random_split(TensorDataset(X, y), [0.6, 0.4], generator=np.random.default_rng(1))
    loader = DataLoader(Subset(parts[0], [3, 0, 1]), batch_size=2)
    assert loader._fast() is not None
    want = [parts[0].indices[i] for i in (3, 0, 1)]
    assert [i for b in loader for i in b[1].data.tolist()] == want


def test_fast_path_respects_subclasses_and_custom_collate():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x, tm.from_numpy(y.data * 2)

    X, y = encoded(6)
    assert labels(DataLoader(Doubled(X, y), batch_size=3)) == [[0, 2, 4], [6, 8, 10]]
    seen = []
    list(DataLoader(TensorDataset(X, y), batch_size=3, collate_fn=lambda b: seen.append(len(b))))
    assert seen == [3, 3]


def test_samplers_batch_samplers_and_no_batching():
    X, y = encoded(10)
    ds = TensorDataset(X, y)
    assert labels(DataLoader(ds, batch_size=4, sampler=[9, 8, 7, 1, 0])) == [[9, 8, 7, 1], [0]]
    assert labels(DataLoader(ds, batch_sampler=[[1, 2], [5], [0, 3, 4]])) == [[1, 2], [5],
                                                                             [0, 3, 4]]
    single = list(DataLoader(PerItem(X, y), batch_size=None))
    assert len(single) == 10 and single[4][1].item() == 4 and single[4][0].shape == (2,)
    weighted = DataLoader(ds, batch_size=5, sampler=WeightedRandomSampler(
        [0] * 5 + [1] * 5, 10, generator=np.random.default_rng(0)))
    assert all(i >= 5 for b in labels(weighted) for i in b)
    assert DataLoader(ds, batch_size=3, pin_memory=True).pin_memory  # a no-op on the CPU


@pytest.mark.parametrize("kwargs, match", [
    (dict(shuffle=True, sampler=[0, 1]), "mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "disables auto-batching"),
    (dict(num_workers=-1), "non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor"),
    (dict(persistent_workers=True), "persistent_workers"),
    (dict(batch_size=0), "batch_size"),
    (dict(timeout=-1), "timeout"),
])
def test_loader_option_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(TensorDataset(*encoded(4)), **kwargs)


def test_iterable_dataset_in_process():
    loader = DataLoader(Stream(10), batch_size=4)
    batches = list(loader)
    assert [b["i"].data.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0]["x"].shape == (4, 2) and len(loader) == 3
    assert len(list(DataLoader(Stream(10), batch_size=4, drop_last=True))) == 2
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)


# ------------------------------------------------------------------ workers
def test_workers_give_the_same_batches_in_the_same_order():
    X, y = encoded(203)
    for ds in (TensorDataset(X, y), PerItem(X, y)):
        ref = labels(DataLoader(ds, batch_size=16, shuffle=True,
                                generator=np.random.default_rng(5)))
        got = labels(DataLoader(ds, batch_size=16, shuffle=True, num_workers=3,
                                generator=np.random.default_rng(5)))
        assert got == ref and len(got) == 13


def test_workers_follow_manual_seed_like_in_process():
    X, y = encoded(50)
    tm.manual_seed(11)
    ref = labels(DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True))
    tm.manual_seed(11)
    got = labels(DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True, num_workers=2))
    assert got == ref


def test_worker_info_seeds_and_init_fn():
    loader = DataLoader(WhoAmI(), batch_size=2, num_workers=2, prefetch_factor=1,
                        worker_init_fn=lambda wid: np.random.seed(1000 + wid))
    batches = list(loader)
    idx = [i for b in batches for i in b[0].data.tolist()]
    assert idx == list(range(16))
    workers = {w for b in batches for w in b[1].data.tolist()}
    assert workers == {0, 1}
    seeds = {(w, s) for b in batches for w, s in zip(b[1].data.tolist(), b[2].data.tolist())}
    assert len(seeds) == 2 and len({s - w for w, s in seeds}) == 1  # base_seed + worker id
    # worker_init_fn ran after the seeding: worker 0's first draw is seed(1000)'s first draw
    first = next(d for b in batches for w, d in zip(b[1].data.tolist(), b[3].data.tolist())
                 if w == 0)
    assert first == np.random.RandomState(1000).random_sample()
    assert get_worker_info() is None


def test_iterable_dataset_with_workers_shards_and_interleaves():
    loader = DataLoader(Stream(20), batch_size=3, num_workers=2)
    got = [b["i"].data.tolist() for b in loader]
    assert sorted(i for b in got for i in b) == list(range(20))
    assert got[:2] == [[0, 2, 4], [1, 3, 5]]  # worker 0's batch, then worker 1's


def test_persistent_workers_serve_several_epochs():
    X, y = encoded(30)
    loader = DataLoader(TensorDataset(X, y), batch_size=7, shuffle=True, num_workers=2,
                        persistent_workers=True, generator=np.random.default_rng(3))
    ref_loader = DataLoader(TensorDataset(X, y), batch_size=7, shuffle=True,
                            generator=np.random.default_rng(3))
    for _ in range(3):
        assert labels(loader) == labels(ref_loader)
    pids = [w.pid for w in loader._iterator._workers]
    assert labels(loader) == labels(ref_loader)
    assert [w.pid for w in loader._iterator._workers] == pids
    next(iter(loader))  # abandon an epoch half-way: the next one still starts clean
    next(iter(ref_loader))
    assert labels(loader) == labels(ref_loader)
    loader._iterator.close()
    stream = DataLoader(Stream(9), batch_size=2, num_workers=2, persistent_workers=True)
    first, second = [b["i"].data.tolist() for b in stream], [b["i"].data.tolist()
                                                            for b in stream]
    assert first == second and sorted(sum(first, [])) == list(range(9))
    stream._iterator.close()


def test_worker_errors_are_raised_in_the_main_process():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process"):
        list(DataLoader(Fails(), batch_size=2, num_workers=2))
    with pytest.raises(CollateError, match=r"dataset\[9\]"):
        list(DataLoader(Ragged(), batch_size=4, num_workers=2))


@pytest.mark.slow
def test_worker_timeout():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="timed out after 0.5 seconds"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.5))
    assert time.monotonic() - start < 3


def test_no_workers_left_behind():
    loader = DataLoader(TensorDataset(*encoded(20)), batch_size=5, num_workers=2)
    it = iter(loader)
    procs = list(it._workers)
    list(it)
    assert all(not p.is_alive() for p in procs)


# ------------------------------------------------------------ properties and torch
class Records(Dataset):
    """Items of mixed structure: what a tutorial's custom Dataset returns."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": np.full((2, 3), i, dtype=np.float32), "label": i % 4,
                "meta": (float(i) / 2, f"id{i}"), "point": Point(np.int64(i), [i, -i])}


@pytest.mark.parametrize("kwargs", [dict(batch_size=4), dict(batch_size=5, drop_last=True),
                                    dict(batch_size=None), dict(batch_size=3, sampler=[6, 0, 2,
                                                                                      2, 9])])
def test_loader_batches_equal_torch_on_the_same_order(kwargs):
    torch = pytest.importorskip("torch")
    ours = list(DataLoader(Records(10), **kwargs))
    theirs = list(torch.utils.data.DataLoader(Records(10), **kwargs))
    assert len(ours) == len(theirs) == len(DataLoader(Records(10), **kwargs))
    for a, b in zip(ours, theirs):
        assert _structure(a) == _structure(b)


@pytest.mark.parametrize("n, bs, drop_last", [(10, 3, False), (10, 3, True), (7, 7, False)])
def test_iterable_loader_equals_torch(n, bs, drop_last):
    torch = pytest.importorskip("torch")

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(Stream(n))

    ours = [b["i"].data.tolist() for b in DataLoader(Stream(n), batch_size=bs,
                                                        drop_last=drop_last)]
    theirs = [b["i"].tolist() for b in torch.utils.data.DataLoader(
        TorchStream(), batch_size=bs, drop_last=drop_last)]
    assert ours == theirs


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), bs=st.integers(1, 9), drop_last=st.booleans(),
       kind=st.sampled_from(["sequential", "random", "replacement", "subset", "weighted"]),
       seed=st.integers(0, 2**31))
def test_samplers_through_the_loader_property(n, bs, drop_last, kind, seed):
    X, y = encoded(n)
    rng = np.random.default_rng(seed)
    sampler = {"sequential": SequentialSampler(range(n)),
               "random": RandomSampler(range(n), generator=rng),
               "replacement": RandomSampler(range(n), replacement=True, num_samples=2 * n,
                                            generator=rng),
               "subset": SubsetRandomSampler(list(range(0, n, 2)), generator=rng),
               "weighted": WeightedRandomSampler(np.arange(n) % 3, num_samples=n,
                                                 generator=rng) if n > 1 else
               SequentialSampler(range(n))}[kind]
    k = len(sampler)
    for ds in (TensorDataset(X, y), PerItem(X, y)):
        loader = DataLoader(ds, batch_size=bs, sampler=sampler, drop_last=drop_last)
        batches = list(loader)
        assert len(batches) == len(loader) == (k // bs if drop_last else -(-k // bs))
        for xb, yb in batches:
            np.testing.assert_array_equal(xb.data[:, 0], yb.data)  # pairs intact
        seen = [i for b in batches for i in b[1].data.tolist()]
        assert len(seen) == ((k // bs) * bs if drop_last else k)
        assert set(seen) <= set(range(n))
        if kind in ("sequential", "random") and not drop_last:
            assert sorted(seen) == list(range(n))
        if kind == "subset":
            assert all(i % 2 == 0 for i in seen)
        if kind == "weighted" and n > 1:
            assert all(i % 3 for i in seen)  # weight 0 is never drawn


def test_data_loader_benchmark_runs_and_the_fast_path_is_fast(capsys):
    """benchmarks/data_loader.py --quick: it prints its table and the fast path beats
    item-by-item collation (the full run is what the README's figures come from)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "data_loader.py"
    spec = importlib.util.spec_from_file_location("bench_data_loader", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    ratios = bench.main(["--quick"])
    out = capsys.readouterr().out
    assert "CPUs" in out and "by hand" in out and "TensorDataset" in out
    assert set(ratios) == {"by hand", "TensorDataset", "array form", "per item"}
    assert ratios["TensorDataset"] < ratios["per item"]
    assert ratios["array form"] < ratios["per item"]
