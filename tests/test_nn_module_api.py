"""Module API as PyTorch's: buffers, traversal, apply, containers, hooks, dtype/device,
state dicts (keys, persistence, loading from and into PyTorch), summary."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)
        self.register_buffer("step", tm.Tensor(np.zeros(())))
        self.register_buffer("cache", tm.Tensor(np.ones(3)), persistent=False)

    def forward(self, x):
        return self.bn(self.fc(x)).relu()


def test_buffers_are_registered_and_persistence_decides_the_state_dict():
    b = Block()
    assert [n for n, _ in b.named_buffers()] == [
        "step", "cache", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]
    assert list(b.state_dict()) == ["step", "fc.weight", "fc.bias", "bn.weight", "bn.bias",
                                    "bn.running_mean", "bn.running_var",
                                    "bn.num_batches_tracked"]
    assert b.get_buffer("bn.running_var") is b.bn.running_var
    assert b.get_parameter("fc.bias") is b.fc.bias
    assert b.get_submodule("bn") is b.bn and b.get_submodule("") is b
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        b.get_submodule("nope")
    with pytest.raises(AttributeError, match="is not an nn.Parameter"):
        b.get_parameter("bn.running_mean")
    with pytest.raises(TypeError, match="buffer"):
        b.step = np.zeros(())
    b.step = tm.Tensor(np.ones(()))
    assert b.state_dict()["step"] == 1
    with pytest.raises(KeyError, match="contain"):
        b.register_buffer("a.b", None)
    with pytest.raises(KeyError, match="already exists"):
        b.register_buffer("fc", None)
    del b.cache
    assert "cache" not in dict(b.named_buffers())


def test_apply_named_modules_and_children_order():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]  # children first
    assert [n for n, _ in model.named_modules()] == ["", "0", "1", "1.0", "1.1"]
    assert [n for n, _ in model.named_modules(prefix="m")][:2] == ["m", "m.0"]
    shared = nn.Linear(2, 2)
    twice = nn.Sequential(shared, shared)
    assert len(list(twice.modules())) == 2
    assert len(list(twice.named_modules(remove_duplicate=False))) == 3
    assert list(twice.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]  # as torch
    assert len(list(twice.parameters())) == 2


def test_containers():
    md = nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.ReLU()})
    md["c"] = nn.Linear(3, 1)
    assert list(md.keys()) == ["a", "b", "c"] and "b" in md and len(md) == 3
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias", "c.weight", "c.bias"]
    del md["b"]
    assert list(md) == ["a", "c"]
    pl = nn.ParameterList([nn.Parameter(np.ones(2)), tm.Tensor(np.zeros(3))])
    pl.append(nn.Parameter(np.ones(1)))
    assert isinstance(pl[1], nn.Parameter) and len(pl) == 3
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    pd = nn.ParameterDict({"scale": nn.Parameter(np.ones(2))})
    pd["shift"] = nn.Parameter(np.zeros(2))
    assert list(pd.state_dict()) == ["scale", "shift"]
    ml = nn.ModuleList([nn.ReLU()])
    ml += [nn.Tanh()]
    ml.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "ReLU", "Tanh"]
    del ml[1]
    assert [n for n, _ in ml.named_children()] == ["0", "1"]
    seq = nn.Sequential(nn.ReLU(), nn.Tanh())
    seq.insert(1, nn.Sigmoid())
    seq[0] = nn.Identity()
    assert [type(m).__name__ for m in seq] == ["Identity", "Sigmoid", "Tanh"]


def test_forward_hooks_pre_hooks_and_removal():
    lin = nn.Linear(3, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    x = tm.Tensor(np.ones((1, 3)))
    y = lin(x)
    np.testing.assert_allclose(y.data, (x.data * 2) @ lin.weight.data.T + lin.bias.data + 1,
                               rtol=1e-6)
    assert calls == [(1, 2)]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(lin(x).data, x.data @ lin.weight.data.T + lin.bias.data,
                               rtol=1e-6)
    with lin.register_forward_hook(lambda m, a, kw, out: out * 0, with_kwargs=True):
        assert not lin(x).data.any()
    assert lin(x).data.any()


def test_full_backward_hook_sees_and_can_replace_grad_input():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((4, 3))
    ours, theirs = nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    got, want = [], []
    ours.register_full_backward_hook(lambda m, gi, go: got.append((gi, go)))
    theirs.register_full_backward_hook(lambda m, gi, go: want.append((gi, go)))
    x, tx = tm.Tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    (ours(x) ** 2).sum().backward()
    (theirs(tx) ** 2).sum().backward()
    (gi, go), (tgi, tgo) = got[0], want[0]
    np.testing.assert_allclose(gi[0].numpy(), tgi[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(go[0].numpy(), tgo[0].numpy(), rtol=1e-12)
    # A hook returning a new grad_input replaces the gradient that flows on.
    lin = nn.Linear(3, 2).double()
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x = tm.Tensor(x0, requires_grad=True)
    lin(x).sum().backward()
    assert not x.grad.data.any() and lin.weight.grad.data.any()
    # Inputs that need no gradient: the hook still runs, with grad_input (None,).
    seen = []
    lin2 = nn.Linear(3, 2)
    lin2.register_full_backward_hook(lambda m, gi, go: seen.append(gi))
    lin2(tm.Tensor(np.ones((2, 3), np.float32))).sum().backward()
    assert seen == [(None,)]


def test_to_half_double_cpu_and_requires_grad():
    b = Block()
    assert b.to(np.float64) is b and b.fc.weight.dtype == np.float64
    assert b.bn.running_mean.dtype == np.float64
    assert b.bn.num_batches_tracked.dtype == np.int64  # integer buffers are kept
    assert b.half().fc.bias.dtype == np.float16
    assert b.float().bn.running_var.dtype == np.float32
    assert b.to("cpu") is b and b.cpu() is b
    assert b.to("cpu", np.float64).fc.weight.dtype == np.float64
    assert b.to(tm.Tensor(np.zeros(1, np.float32))).fc.weight.dtype == np.float32
    with pytest.raises(RuntimeError, match="CPU"):
        b.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        b.to(np.int32)
    b.requires_grad_(False)
    assert not any(p.requires_grad for p in b.parameters())
    with pytest.raises(ValueError, match="boolean"):
        b.train("yes")


def test_load_state_dict_accepts_array_likes_assign_and_reports_keys():
    lin = nn.Linear(2, 2)

    class ArrayLike:
        def __init__(self, a):
            self.a = a

        def __array__(self, dtype=None, copy=None):
            return self.a

    res = lin.load_state_dict({"weight": ArrayLike(np.eye(2)), "bias": [1.0, 2.0]})
    assert res.missing_keys == [] and repr(res) == "<All keys matched successfully>"
    assert lin.weight.dtype == np.float32 and lin.weight.data[0, 0] == 1
    res = lin.load_state_dict({"weight": np.zeros((2, 2))}, strict=False)
    assert res == nn.IncompatibleKeys(["bias"], []) and res.missing_keys == ["bias"]
    new = np.full((2, 2), 3.0)
    lin.load_state_dict({"weight": new, "bias": np.zeros(2)}, assign=True)
    assert lin.weight.data is new and lin.weight.dtype == np.float64
    with pytest.raises(TypeError, match="dict-like"):
        lin.load_state_dict([("weight", new)])


def _torch_mlp(torch):
    return torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                               torch.nn.Dropout(0.2), torch.nn.Linear(8, 3),
                               torch.nn.LayerNorm(3))


def _our_mlp():
    return nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(8, 3), nn.LayerNorm(3))


def test_state_dict_round_trips_with_pytorch_both_ways():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = _torch_mlp(torch)
    x = np.random.default_rng(0).standard_normal((16, 5)).astype(np.float32)
    theirs.train()
    for _ in range(3):  # move the running statistics away from their initial values
        theirs(torch.tensor(x))
    ours = _our_mlp()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())  # torch tensors, via __array__
    assert int(ours[1].num_batches_tracked.data) == 3
    theirs.eval()
    ours.eval()
    with torch.no_grad():
        want = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(x).numpy(), want, rtol=1e-5, atol=1e-6)
    # ... and back: train ours a little, load into a fresh torch model.
    ours.train()
    ours(x)
    back = _torch_mlp(torch)
    back.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    back.eval()
    ours.eval()
    with torch.no_grad():
        np.testing.assert_allclose(back(torch.tensor(x)).numpy(), ours(x).numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_state_dict_keys_match_pytorch_for_every_layer():
    torch = pytest.importorskip("torch")
    pairs = [
        (nn.Bilinear(2, 3, 4), torch.nn.Bilinear(2, 3, 4)),
        (nn.Embedding(5, 2, padding_idx=0), torch.nn.Embedding(5, 2, padding_idx=0)),
        (nn.BatchNorm1d(3, affine=False), torch.nn.BatchNorm1d(3, affine=False)),
        (nn.BatchNorm1d(3, bias=False), torch.nn.BatchNorm1d(3, bias=False)),
        (nn.BatchNorm1d(3, track_running_stats=False),
         torch.nn.BatchNorm1d(3, track_running_stats=False)),
        (nn.LayerNorm((2, 3), bias=False), torch.nn.LayerNorm((2, 3), bias=False)),
        (nn.CrossEntropyLoss(weight=tm.Tensor([1.0, 2.0])),
         torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0]))),
        (nn.BCEWithLogitsLoss(pos_weight=tm.Tensor([2.0])),
         torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))),
        (nn.ModuleDict(OrderedDict(a=nn.Linear(1, 1))),
         torch.nn.ModuleDict(OrderedDict(a=torch.nn.Linear(1, 1)))),
        (nn.Sequential(nn.Flatten(), nn.Unflatten(1, (2, 2)), nn.Identity()),
         torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Unflatten(1, (2, 2)),
                             torch.nn.Identity())),
    ]
    for ours, theirs in pairs:
        assert list(ours.state_dict()) == list(theirs.state_dict()), type(ours).__name__
        shapes = [tuple(v.shape) for v in theirs.state_dict().values()]
        assert [v.shape for v in ours.state_dict().values()] == shapes
        assert repr(ours) == repr(theirs).replace("torch.", "")


def test_summary_table_and_rows(capsys):
    model = nn.Sequential(nn.Linear(784, 128), nn.BatchNorm1d(128), nn.ReLU(),
                          nn.Sequential(nn.Linear(128, 10)))
    model[3][0].requires_grad_(False)
    rows = nn.summary(model, (64, 784))
    out = capsys.readouterr().out
    assert "Layer (type:depth-idx)" in out and "Linear: 1-1" in out and "└─Linear: 2-1" in out
    assert rows[1]["output_shape"] == [64, 128] and rows[1]["num_params"] == 784 * 128 + 128
    assert rows[3]["num_params"] == "--" and rows[0]["trainable"] == "Partial"
    assert rows[-1]["trainable"] is False and rows[-1]["output_shape"] == [64, 10]
    assert rows.total_params == 784 * 128 + 128 + 256 + 1290
    assert rows.trainable_params == rows.total_params - 1290
    assert model.training and int(model[1].num_batches_tracked.data) == 0  # no side effects
    assert tm.summary is nn.summary
    emb = nn.summary(nn.Sequential(nn.Embedding(10, 4), nn.Flatten()), (2, 3),
                     dtypes=[np.int64], verbose=0)
    assert emb[-1]["output_shape"] == [2, 12]


def test_saving_a_model_object_is_refused_with_the_state_dict_way(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(TypeError, match=r"model\.state_dict\(\)"):
        tm.save(model, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()
    tm.save(model.state_dict(), tmp_path / "m.npz")
    other = nn.Sequential(nn.Linear(2, 2))
    other.load_state_dict(tm.load(tmp_path / "m.npz"))
    np.testing.assert_array_equal(other[0].weight.numpy(), model[0].weight.numpy())


def test_full_backward_hook_with_two_inputs_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a0, b0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    ours, theirs = nn.Bilinear(3, 2, 5).double(), torch.nn.Bilinear(3, 2, 5).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    got, want = [], []
    ours.register_full_backward_hook(lambda m, gi, go: got.append(gi))
    theirs.register_full_backward_hook(lambda m, gi, go: want.append(gi))
    a, b = tm.Tensor(a0, requires_grad=True), tm.Tensor(b0, requires_grad=True)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    (ours(a, b) ** 2).sum().backward()
    (theirs(ta, tb) ** 2).sum().backward()
    assert len(got) == len(want) == 1
    for g, w in zip(got[0], want[0]):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


def test_deepcopy_and_pickle_keep_buffers_and_outputs():
    import copy
    import pickle

    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
    x = tm.Tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    model(x)  # move the running statistics
    model.eval()
    for other in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert list(other.state_dict()) == list(model.state_dict()) and not other.training
        np.testing.assert_array_equal(other(x).numpy(), model(x).numpy())
        assert int(other[1].num_batches_tracked.data) == 1
