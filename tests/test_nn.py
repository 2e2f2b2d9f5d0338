"""nn: Module registration and state, layers, losses, initialisers and parameter vectors."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn
from tinygrad_mlp.nn import init
from tinygrad_mlp.nn.utils import (
    clip_grad_norm_,
    loss_and_grad,
    parameters_to_vector,
    vector_to_parameters,
)


class Net(nn.Module):
    """fc2 is assigned before fc1 on purpose: order must follow assignment, not names."""

    def __init__(self):
        super().__init__()
        self.fc2 = nn.Linear(3, 2)
        self.act = nn.Tanh()
        self.fc1 = nn.Linear(4, 3, bias=False)
        self.scale = nn.Parameter(np.ones(2))
        self.note = "plain attribute"

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


# ------------------------------------------------------------- registration
def test_registration_follows_assignment_order():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc2.weight", "fc2.bias",
                                                      "fc1.weight"]
    assert [n for n, _ in net.named_children()] == ["fc2", "act", "fc1"]
    assert list(net.children()) == [net.fc2, net.act, net.fc1]
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Linear", "Tanh", "Linear"]
    assert net.note == "plain attribute" and "note" not in dict(net.named_parameters())
    # Reassigning keeps the name's place.
    net.fc2 = nn.Linear(3, 2)
    assert [n for n, _ in net.named_children()] == ["fc2", "act", "fc1"]


def test_sequential_names_and_nesting():
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight",
                                                        "2.bias"]
    outer = nn.Sequential(OrderedDict([("enc", model), ("out", nn.Linear(2, 1))]))
    names = [n for n, _ in outer.named_parameters()]
    assert names[0] == "enc.0.weight" and names[-1] == "out.bias"
    assert [n for n, _ in outer.named_modules()][:3] == ["", "enc", "enc.0"]


def test_shared_parameter_listed_once():
    lin = nn.Linear(2, 2)
    model = nn.Sequential(lin, nn.Tanh(), lin)
    assert len(list(model.parameters())) == 2


def test_parameter_assignment_rules():
    net = Net()
    with pytest.raises(TypeError, match="fc2|weight"):
        net.fc2.weight = tm.Tensor(np.zeros((2, 3)))  # a plain Tensor, not a Parameter
    net.fc2.bias = None
    assert [n for n, _ in net.fc2.named_parameters()] == ["weight"]

    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)  # no super().__init__()

    with pytest.raises(AttributeError, match=r"super\(\).__init__"):
        Forgot()
    with pytest.raises(AttributeError, match="nothing_here"):
        _ = net.nothing_here
    del net.act
    assert [n for n, _ in net.named_children()] == ["fc2", "fc1"]


def test_parameter_copies_and_defaults():
    a = np.arange(3.0)
    p = nn.Parameter(a)
    a[0] = 100
    assert p.data[0] == 0 and p.dtype == np.float64 and p.requires_grad and p.is_leaf
    assert nn.Parameter([1, 2]).dtype == np.float32
    assert isinstance(p, tm.Tensor)
    assert repr(nn.Parameter([1.0])).startswith("Parameter containing:\ntensor([1.]")
    assert "requires_grad=True" in repr(p)


# ------------------------------------------------------------------- state
def test_state_dict_is_a_copy_and_round_trips():
    tm.manual_seed(0)
    a, b = Net(), Net()
    sd = a.state_dict()
    assert list(sd) == [n for n, _ in a.named_parameters()]
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    sd["fc2.weight"][...] = 7.0
    assert not np.any(a.fc2.weight.data == 7.0)
    sd = a.state_dict()
    weight_array = b.fc1.weight.data
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.fc1.weight.data is weight_array  # loaded in place
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_state_dict_strict_errors_list_keys_and_shapes():
    net = Net()
    before = net.state_dict()
    bad = net.state_dict()
    del bad["fc2.bias"]
    bad["extra.weight"] = np.zeros(3)
    bad["fc1.weight"] = np.zeros((4, 3), dtype=np.float32)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(bad)
    msg = str(err.value)
    assert 'Missing key(s) in state_dict: "fc2.bias".' in msg  # PyTorch's wording
    assert 'Unexpected key(s) in state_dict: "extra.weight".' in msg
    assert "size mismatch for fc1.weight" in msg and "(4, 3)" in msg and "(3, 4)" in msg
    for k, v in net.state_dict().items():  # nothing was changed
        np.testing.assert_array_equal(v, before[k])
    # Non-strict: missing/unexpected are reported, shape mismatches still raise.
    del bad["fc1.weight"]
    res = net.load_state_dict(bad, strict=False)
    assert res.missing_keys == ["fc2.bias", "fc1.weight"]
    assert res.unexpected_keys == ["extra.weight"]


def test_load_state_dict_keeps_dtype_and_accepts_tensors():
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": tm.Tensor(np.ones((2, 2))), "bias": np.zeros(2)})
    assert lin.weight.dtype == np.float32 and np.all(lin.weight.data == 1)


# -------------------------------------------------------------------- repr
def test_repr_matches_pytorch_layout():
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid())
    assert repr(model) == ("Sequential(\n"
                           "  (0): Linear(in_features=4, out_features=3, bias=True)\n"
                           "  (1): Sigmoid()\n"
                           ")")
    nested = nn.Sequential(nn.Flatten(), nn.Sequential(nn.Dropout(0.2)), nn.Softmax(-1))
    assert repr(nested) == ("Sequential(\n"
                            "  (0): Flatten(start_dim=1, end_dim=-1)\n"
                            "  (1): Sequential(\n"
                            "    (0): Dropout(p=0.2, inplace=False)\n"
                            "  )\n"
                            "  (2): Softmax(dim=-1)\n"
                            ")")
    assert repr(nn.Linear(2, 1, bias=False)) == "Linear(in_features=2, out_features=1, bias=False)"
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert repr(nn.CrossEntropyLoss(reduction="sum")) == "CrossEntropyLoss(reduction='sum')"


# ------------------------------------------------------------ modes, dtype
def test_train_eval_propagate():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.ReLU()))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model[1].eval()
    assert model.training and not model[1][0].training


def test_zero_grad_and_dtype_conversion():
    net = Net()
    net(np.ones((2, 4), dtype=np.float32)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    w = net.fc1.weight
    assert net.double() is net
    assert net.fc1.weight is w and w.dtype == np.float64
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.float().fc1.weight.dtype == np.float32
    with pytest.raises(TypeError, match="float"):
        net.to(np.int64)


def test_double_model_passes_gradcheck():
    tm.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    x = tm.Tensor(np.random.default_rng(0).standard_normal((5, 3)))
    y = np.array([0, 1, 1, 0, 1])
    params = tuple(model.parameters())
    assert tm.gradcheck(lambda *ps: F.cross_entropy(model(x), y), params)
    assert tm.gradcheck(lambda *ps: F.l2_penalty(nn.weights_only(model), 0.3), params[::2])


# ------------------------------------------------------------------ layers
def test_linear_shapes_init_bounds_and_forward():
    tm.manual_seed(0)
    lin = nn.Linear(100, 30)
    assert lin.weight.shape == (30, 100) and lin.bias.shape == (30,)
    assert lin.weight.dtype == np.float32 and lin.bias.dtype == np.float32
    bound = 1 / math.sqrt(100)
    for p in (lin.weight, lin.bias):
        assert np.all(np.abs(p.data) <= bound)
    # Uniform over the whole interval, not a narrower one.
    assert lin.weight.data.max() > 0.95 * bound and lin.weight.data.min() < -0.95 * bound
    assert abs(lin.weight.data.std() - bound / math.sqrt(3)) < 0.05 * bound
    x = np.random.default_rng(0).standard_normal((7, 100)).astype(np.float32)
    expected = x @ lin.weight.data.T + lin.bias.data
    np.testing.assert_allclose(lin(x).data, expected, rtol=1e-5, atol=1e-6)
    assert lin(x[0]).shape == (30,)
    assert nn.Linear(3, 2, dtype=np.float64).weight.dtype == np.float64
    assert nn.Linear(3, 2, bias=False).bias is None
    with pytest.raises(ValueError, match="linear"):
        lin(np.ones((2, 99), dtype=np.float32))
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(-1, 2)


def test_linear_init_is_repeatable_under_manual_seed():
    tm.manual_seed(5)
    a = nn.Linear(4, 3)
    tm.manual_seed(5)
    b = nn.Linear(4, 3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)


def test_activation_modules_match_functional():
    x = tm.Tensor(np.random.default_rng(2).standard_normal((3, 4)))
    pairs = [(nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh), (nn.ReLU(), F.relu),
             (nn.Softmax(axis=0), lambda t: F.softmax(t, 0)),
             (nn.LogSoftmax(dim=1), lambda t: F.log_softmax(t, 1)), (nn.Identity(), lambda t: t)]
    for module, fn in pairs:
        np.testing.assert_allclose(module(x).data, fn(x).data, rtol=1e-12)


def test_dropout_train_vs_eval_and_scaling():
    tm.manual_seed(0)
    drop = nn.Dropout(p=0.25)
    x = tm.ones(200, 500)
    y = drop(x).data
    zero_frac = np.mean(y == 0)
    assert abs(zero_frac - 0.25) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.75, rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.02  # inverted dropout keeps the expectation
    drop.eval()
    np.testing.assert_array_equal(drop(x).data, x.data)
    tm.manual_seed(0)
    np.testing.assert_array_equal(nn.Dropout(0.25)(x).data, y)
    with pytest.raises(ValueError, match="between 0 and 1"):  # PyTorch allows p = 1
        nn.Dropout(1.5)
    assert not np.any(nn.Dropout(1.0)(x).data)


def test_flatten():
    x = tm.Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Flatten(start_dim=0)(x).shape == (24,)
    nn.Flatten()(x).sum().backward()
    assert x.grad.shape == (2, 3, 4)
    with pytest.raises(IndexError, match="Flatten"):  # PyTorch's exception type
        nn.Flatten(start_dim=3)(x)


def test_sequential_container_protocol():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    model = nn.Sequential(a, b)
    assert len(model) == 2 and model[0] is a and model[-1] is b
    assert list(model) == [a, b]
    model.append(c)
    assert len(model) == 3 and model[2] is c
    assert [n for n, _ in model.named_parameters()][-1] == "2.bias"
    sliced = model[1:]
    assert isinstance(sliced, nn.Sequential) and list(sliced) == [b, c]
    assert model(np.ones((4, 2), dtype=np.float32)).shape == (4, 1)
    with pytest.raises(IndexError):
        model[3]
    with pytest.raises(TypeError, match="Sequential"):
        nn.Sequential(nn.ReLU(), "relu")
    ml = nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1)])
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]


# ------------------------------------------------------------------ losses
def test_loss_modules_match_functional():
    rng = np.random.default_rng(0)
    logits = tm.Tensor(rng.standard_normal((6, 4)))
    labels = rng.integers(0, 4, 6)
    probs = tm.Tensor(rng.uniform(0.05, 0.95, (6, 1)))
    bin_t = tm.Tensor(rng.integers(0, 2, (6, 1)).astype(np.float64))
    for red in ("mean", "sum", "none"):
        cases = [
            (nn.MSELoss(red)(logits, logits * 0.5), F.mse_loss(logits, logits * 0.5, red)),
            (nn.CrossEntropyLoss(red)(logits, labels), F.cross_entropy(logits, labels, red)),
            (nn.NLLLoss(red)(logits.log_softmax(), labels),
             F.nll_loss(logits.log_softmax(), labels, red)),
            (nn.BCELoss(red)(probs, bin_t), F.binary_cross_entropy(probs, bin_t, red)),
            (nn.BCEWithLogitsLoss(red)(logits[:, :1], bin_t),
             F.binary_cross_entropy_with_logits(logits[:, :1], bin_t, red)),
        ]
        for got, want in cases:
            np.testing.assert_allclose(got.data, want.data, rtol=1e-12)
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_weights_only_and_penalties():
    net = Net()
    names = {id(p): n for n, p in net.named_parameters()}
    assert [names[id(p)] for p in nn.weights_only(net)] == ["scale", "fc2.weight", "fc1.weight"]
    assert nn.penalty_params is nn.weights_only
    w = [net.fc2.weight, net.fc1.weight]
    expected = 0.1 / 2 * sum(float(np.sum(p.data.astype(np.float64) ** 2)) for p in w)
    got = nn.l2_penalty([p for p in nn.weights_only(net) if p.ndim == 2], 0.1).item()
    assert got == pytest.approx(expected, rel=1e-5)
    assert nn.l1_penalty(w, 2.0).item() == pytest.approx(
        2.0 * sum(float(np.abs(p.data).sum()) for p in w), rel=1e-5)


# -------------------------------------------------------------------- init
@pytest.fixture
def big():
    return nn.Parameter(np.zeros((400, 300), dtype=np.float32))


def test_fan_computation_and_errors():
    assert init.calculate_fan_in_and_fan_out(tm.zeros(30, 20)) == (20, 30)
    assert init.calculate_fan_in_and_fan_out(tm.zeros(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*\(5,\)"):
        init.xavier_uniform_(tm.zeros(5))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(tm.zeros(3, 3), mode="fan_avg")


def test_calculate_gain():
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="softsign"):
        init.calculate_gain("softsign")


@pytest.mark.parametrize("fill, mean, std", [
    (lambda t: init.uniform_(t, -1, 1), 0.0, 1 / math.sqrt(3)),
    (lambda t: init.uniform_(t, 2, 4), 3.0, 1 / math.sqrt(3)),
    (lambda t: init.normal_(t, 0.5, 2.0), 0.5, 2.0),
    (lambda t: init.xavier_uniform_(t), 0.0, math.sqrt(2 / 700)),
    (lambda t: init.xavier_normal_(t, gain=2.0), 0.0, 2 * math.sqrt(2 / 700)),
    (lambda t: init.kaiming_uniform_(t), 0.0, math.sqrt(2 / 300)),
    (lambda t: init.kaiming_normal_(t, mode="fan_out"), 0.0, math.sqrt(2 / 400)),
    (lambda t: init.he_normal_(t, nonlinearity="tanh"), 0.0, 5 / 3 / math.sqrt(300)),
    (lambda t: init.glorot_uniform_(t), 0.0, math.sqrt(2 / 700)),
])
def test_init_statistics(big, fill, mean, std):
    tm.manual_seed(0)
    data = big.data
    assert fill(big) is big
    assert big.data is data and big.dtype == np.float32
    assert abs(big.data.mean() - mean) < 0.02 * max(std, 1)
    assert big.data.std() == pytest.approx(std, rel=0.02)


def test_uniform_bounds_constants_and_rng(big):
    init.uniform_(big, -0.125, 0.125, rng=np.random.default_rng(1))
    assert big.data.min() >= -0.125 and big.data.max() < 0.125
    a = big.data.copy()
    init.uniform_(big, -0.125, 0.125, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a, big.data)
    bound = math.sqrt(6 / 700)
    init.xavier_uniform_(big)
    assert np.abs(big.data).max() <= bound
    assert np.all(init.zeros_(big).data == 0) and np.all(init.ones_(big).data == 1)
    assert np.all(init.constant_(big, 0.01).data == np.float32(0.01))
    with pytest.raises(ValueError, match="a <= b"):
        init.uniform_(big, 1, -1)
    with pytest.raises(TypeError, match="float"):
        init.ones_(tm.Tensor(np.zeros(3, dtype=np.int64)))


# ------------------------------------------------------------------- utils
def test_vector_round_trip_and_size_error():
    net = Net()
    params = list(net.parameters())
    vec = np.asarray(parameters_to_vector(params))
    assert vec.dtype == np.float64 and vec.shape == (sum(p.data.size for p in params),)
    new = np.arange(vec.size, dtype=np.float64)
    vector_to_parameters(new, params)
    np.testing.assert_array_equal(np.asarray(parameters_to_vector(params)), new)
    assert net.fc2.weight.dtype == np.float32
    np.testing.assert_array_equal(net.fc2.weight.data.ravel(), new[2:8])  # after 'scale'
    with pytest.raises(ValueError, match=rf"shape \({vec.size + 1},\).*{vec.size} values"):
        vector_to_parameters(np.zeros(vec.size + 1), params)


def test_loss_and_grad_matches_numerical_differences():
    tm.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1)).double()
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 2)), rng.standard_normal((6, 1))
    params = list(model.parameters())
    f = loss_and_grad(params, lambda: F.mse_loss(model(X), y) + F.l2_penalty(
        nn.weights_only(model), 0.1))
    theta = np.asarray(parameters_to_vector(params))
    loss, g = f(theta)
    assert isinstance(loss, float) and g.dtype == np.float64 and g.shape == theta.shape
    eps = 1e-6
    num = np.array([(f(theta + eps * e)[0] - f(theta - eps * e)[0]) / (2 * eps)
                    for e in np.eye(theta.size)])
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)
    assert f(theta)[1] == pytest.approx(g)  # no accumulation between calls


def test_loss_and_grad_drives_scipy_minimize():
    optimize = pytest.importorskip("scipy.optimize")
    tm.manual_seed(0)
    model = nn.Linear(3, 1, dtype=np.float64)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.25
    params = list(model.parameters())
    f = loss_and_grad(params, lambda: F.mse_loss(model(X), y))
    res = optimize.minimize(f, parameters_to_vector(params), jac=True, method="BFGS")
    vector_to_parameters(res.x, params)
    np.testing.assert_allclose(model.weight.data, [[1.0, -2.0, 0.5]], atol=1e-5)
    np.testing.assert_allclose(model.bias.data, [0.25], atol=1e-5)


def test_clip_grad_norm():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(1))
    a.grad, b.grad = tm.Tensor(np.array([3.0, 0.0])), tm.Tensor(np.array([4.0]))
    c = nn.Parameter(np.zeros(1))  # no grad: skipped
    assert clip_grad_norm_([a, b, c], 10.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad.data, [3.0, 0.0])
    assert clip_grad_norm_([a, b, c], 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad.data, b.grad.data]), [0.6, 0, 0.8],
                               rtol=1e-5)
