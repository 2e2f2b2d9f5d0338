"""Layers and loss modules against PyTorch: BatchNorm's running statistics over train/eval
switches, LayerNorm, Embedding, Bilinear, Dropout/AlphaDropout, default initialisations,
every loss module in every reduction, and stability at logits of ±1e4."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn

torch = pytest.importorskip("torch")


def _copy_params(ours, theirs):
    theirs.load_state_dict({k: torch.tensor(np.array(v)) for k, v in ours.state_dict().items()})


def _pair(x):
    return tm.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
@pytest.mark.parametrize("kw", [{}, {"momentum": None}, {"momentum": 0.3, "affine": False},
                                {"track_running_stats": False}, {"bias": False}])
def test_batchnorm_running_stats_over_train_eval_switches(shape, kw):
    rng = np.random.default_rng(0)
    ours, theirs = nn.BatchNorm1d(3, **kw).double(), torch.nn.BatchNorm1d(3, **kw).double()
    if ours.weight is not None:
        ours.weight.data[...] = rng.uniform(0.5, 2, 3)
        if ours.bias is not None:
            ours.bias.data[...] = rng.standard_normal(3)
        _copy_params(ours, theirs)
    for step, mode in enumerate(["train", "train", "eval", "train", "eval", "eval", "train"]):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        x0 = rng.standard_normal(shape) * (step + 1) + step
        x, tx = _pair(x0)
        y, ty = ours(x), theirs(tx)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        cot = rng.standard_normal(shape)
        (y * tm.Tensor(cot)).sum().backward()
        (ty * torch.tensor(cot)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
        for k, v in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=1e-12,
                                       err_msg=f"{k} after step {step} ({mode})")
    if ours.weight is not None:
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                                   rtol=1e-9)


def test_batchnorm_errors_as_pytorch():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(tm.Tensor(np.ones((1, 3))))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        bn(tm.Tensor(np.ones((2, 3, 4, 5))))
    bn.eval()
    assert bn(tm.Tensor(np.ones((1, 3), np.float32))).shape == (1, 3)  # fine in eval mode
    assert nn.BatchNorm1d(3).state_dict()["num_batches_tracked"].dtype == np.int64


def test_layernorm_module_matches_pytorch():
    rng = np.random.default_rng(1)
    for shape, norm in [((4, 6), 6), ((2, 3, 4), (3, 4))]:
        ours, theirs = nn.LayerNorm(norm).double(), torch.nn.LayerNorm(norm).double()
        ours.weight.data[...] = rng.uniform(0.5, 2, ours.weight.shape)
        _copy_params(ours, theirs)
        x, tx = _pair(rng.standard_normal(shape) * 3 + 1)
        y, ty = ours(x), theirs(tx)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        for a, b in [(x, tx), (ours.weight, theirs.weight), (ours.bias, theirs.bias)]:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        nn.LayerNorm(5)(tm.Tensor(np.ones((2, 4))))


def test_embedding_padding_max_norm_and_from_pretrained():
    tm.manual_seed(0)
    emb = nn.Embedding(6, 3, padding_idx=2).double()
    assert not emb.weight.data[2].any()
    theirs = torch.nn.Embedding(6, 3, padding_idx=2).double()
    _copy_params(emb, theirs)
    idx = np.array([[0, 2, 2], [5, 1, 0]])
    y, ty = emb(tm.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    cot = np.random.default_rng(0).standard_normal(y.shape)
    (y * tm.Tensor(cot)).sum().backward()
    (ty * torch.tensor(cot)).sum().backward()
    np.testing.assert_allclose(emb.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    assert not emb.weight.grad.data[2].any()  # the padding row gets no gradient
    # max_norm renormalises the looked-up rows in place, as PyTorch.
    w0 = np.random.default_rng(2).standard_normal((5, 4)) * 3
    ours = nn.Embedding.from_pretrained(w0, freeze=False, max_norm=1.0)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w0), freeze=False, max_norm=1.0)
    idx = np.array([1, 3, 3])
    np.testing.assert_allclose(ours(tm.tensor(idx)).numpy(),
                               theirs(torch.tensor(idx)).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-6)
    frozen = nn.Embedding.from_pretrained(tm.Tensor(w0))
    assert not frozen.weight.requires_grad and frozen.weight.dtype == np.float64
    with pytest.raises(IndexError, match="out of range"):
        frozen(tm.tensor(np.array([5])))
    with pytest.raises(RuntimeError, match="integer"):
        frozen(tm.Tensor(np.array([0.0])))


def test_bilinear_module_matches_pytorch():
    ours, theirs = nn.Bilinear(3, 2, 4).double(), torch.nn.Bilinear(3, 2, 4).double()
    _copy_params(ours, theirs)
    rng = np.random.default_rng(3)
    (a, ta), (b, tb) = _pair(rng.standard_normal((5, 3))), _pair(rng.standard_normal((5, 2)))
    y, ty = ours(a, b), theirs(ta, tb)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    for p, q in [(a, ta), (b, tb), (ours.weight, theirs.weight), (ours.bias, theirs.bias)]:
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10)


def _uniform_bound(samples, bound):
    assert np.abs(samples).max() <= bound
    assert np.abs(samples).max() > 0.9 * bound  # the bound is reached, not a narrower one
    np.testing.assert_allclose(samples.std(), bound / np.sqrt(3), rtol=0.1)


def test_default_initialisations_match_pytorch_distributions():
    tm.manual_seed(0)
    lin = nn.Linear(50, 400)
    _uniform_bound(lin.weight.data, 1 / np.sqrt(50))
    _uniform_bound(lin.bias.data, 1 / np.sqrt(50))
    bil = nn.Bilinear(20, 30, 40)
    _uniform_bound(bil.weight.data, 1 / np.sqrt(20))
    _uniform_bound(bil.bias.data, 1 / np.sqrt(20))
    emb = nn.Embedding(300, 50).weight.data
    assert abs(emb.mean()) < 0.02 and abs(emb.std() - 1) < 0.02
    bn, ln = nn.BatchNorm1d(4), nn.LayerNorm(4)
    assert (bn.weight.data == 1).all() and (bn.bias.data == 0).all()
    assert (bn.running_var.data == 1).all() and (ln.weight.data == 1).all()
    # PyTorch's layers give the same statistics (their draws differ: another generator).
    t = torch.nn.Linear(50, 400).weight.detach().numpy()
    np.testing.assert_allclose(t.std(), lin.weight.data.std(), rtol=0.05)


def test_dropout_and_alpha_dropout_statistics():
    tm.manual_seed(0)
    x = tm.Tensor(np.random.default_rng(0).standard_normal((400, 500)))
    ad = nn.AlphaDropout(0.2)
    y = ad(x).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01  # SELU's fixed point kept
    alpha, p = 1.7580993408473766, 0.2  # −λα of SELU; dropped units take a·(−α) + b
    a = 1 / np.sqrt((alpha**2 * p + 1) * (1 - p))
    assert abs(np.mean(np.isclose(y, -alpha * a + alpha * a * p)) - p) < 0.01
    ad.eval()
    assert ad(x) is x
    assert F.dropout(x, 0.3, training=False) is x
    g = tm.Tensor(np.ones((100, 100)), requires_grad=True)
    out = F.dropout(g, 0.5)
    out.sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(), out.numpy())  # grad = mask / (1 − p)


LOSSES = [  # (name, our module, torch module, input maker)
    ("CrossEntropyLoss", lambda r: nn.CrossEntropyLoss(
        weight=tm.Tensor([0.2, 1.0, 3.0]), ignore_index=1, label_smoothing=0.1, reduction=r),
     lambda r: torch.nn.CrossEntropyLoss(weight=torch.tensor([0.2, 1.0, 3.0]),
                                         ignore_index=1, label_smoothing=0.1, reduction=r),
     lambda g: [g.standard_normal((5, 3))], lambda g: [np.array([0, 1, 2, 2, 0])]),
    ("NLLLoss", lambda r: nn.NLLLoss(weight=tm.Tensor([0.2, 1.0, 3.0]), reduction=r),
     lambda r: torch.nn.NLLLoss(weight=torch.tensor([0.2, 1.0, 3.0]), reduction=r),
     lambda g: [g.standard_normal((2, 3, 4))], lambda g: [g.integers(0, 3, (2, 4))]),
    ("BCELoss", lambda r: nn.BCELoss(weight=tm.Tensor([1.0, 2.0]), reduction=r),
     lambda r: torch.nn.BCELoss(weight=torch.tensor([1.0, 2.0]), reduction=r),
     lambda g: [g.uniform(0.1, 0.9, (3, 2))], lambda g: [g.uniform(0, 1, (3, 2))]),
    ("BCEWithLogitsLoss", lambda r: nn.BCEWithLogitsLoss(pos_weight=tm.Tensor([3.0, 0.5]),
                                                         reduction=r),
     lambda r: torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0, 0.5]), reduction=r),
     lambda g: [g.standard_normal((3, 2))], lambda g: [g.uniform(0, 1, (3, 2))]),
    ("MSELoss", lambda r: nn.MSELoss(reduction=r), lambda r: torch.nn.MSELoss(reduction=r),
     lambda g: [g.standard_normal((3, 2))], lambda g: [g.standard_normal((3, 2))]),
    ("L1Loss", lambda r: nn.L1Loss(reduction=r), lambda r: torch.nn.L1Loss(reduction=r),
     lambda g: [g.standard_normal((3, 2))], lambda g: [g.standard_normal((3, 2))]),
    ("SmoothL1Loss", lambda r: nn.SmoothL1Loss(reduction=r, beta=0.5),
     lambda r: torch.nn.SmoothL1Loss(reduction=r, beta=0.5),
     lambda g: [g.standard_normal((3, 4))], lambda g: [g.standard_normal((3, 4))]),
    ("HuberLoss", lambda r: nn.HuberLoss(reduction=r, delta=0.5),
     lambda r: torch.nn.HuberLoss(reduction=r, delta=0.5),
     lambda g: [g.standard_normal((3, 4))], lambda g: [g.standard_normal((3, 4))]),
    ("KLDivLoss", lambda r: nn.KLDivLoss(reduction=r, log_target=True),
     lambda r: torch.nn.KLDivLoss(reduction=r, log_target=True),
     lambda g: [g.standard_normal((3, 4))], lambda g: [-g.uniform(0, 3, (3, 4))]),
    ("GaussianNLLLoss", lambda r: nn.GaussianNLLLoss(full=True, reduction=r),
     lambda r: torch.nn.GaussianNLLLoss(full=True, reduction=r),
     lambda g: [g.standard_normal((3, 4))],
     lambda g: [g.standard_normal((3, 4)), np.array([[0.5], [1e-9], [2.0]])]),
    ("PoissonNLLLoss", lambda r: nn.PoissonNLLLoss(full=True, reduction=r),
     lambda r: torch.nn.PoissonNLLLoss(full=True, reduction=r),
     lambda g: [g.standard_normal((3, 4))], lambda g: [g.integers(0, 6, (3, 4)) * 1.0]),
    ("MarginRankingLoss", lambda r: nn.MarginRankingLoss(0.3, reduction=r),
     lambda r: torch.nn.MarginRankingLoss(0.3, reduction=r),
     lambda g: [g.standard_normal(6), g.standard_normal(6)],
     lambda g: [np.array([1.0, -1, 1, -1, 1, 1])]),
    ("HingeEmbeddingLoss", lambda r: nn.HingeEmbeddingLoss(1.5, reduction=r),
     lambda r: torch.nn.HingeEmbeddingLoss(1.5, reduction=r),
     lambda g: [g.uniform(0, 3, (3, 4))], lambda g: [np.sign(g.standard_normal((3, 4)))]),
    ("CosineEmbeddingLoss", lambda r: nn.CosineEmbeddingLoss(0.2, reduction=r),
     lambda r: torch.nn.CosineEmbeddingLoss(0.2, reduction=r),
     lambda g: [g.standard_normal((4, 5)), g.standard_normal((4, 5))],
     lambda g: [np.array([1.0, -1, -1, 1])]),
    ("MultiMarginLoss", lambda r: nn.MultiMarginLoss(p=2, weight=tm.Tensor([1.0, 2, 0.5]),
                                                     reduction=r),
     lambda r: torch.nn.MultiMarginLoss(p=2, weight=torch.tensor([1.0, 2, 0.5]), reduction=r),
     lambda g: [g.standard_normal((4, 3))], lambda g: [np.array([0, 2, 1, 1])]),
    ("SoftMarginLoss", lambda r: nn.SoftMarginLoss(reduction=r),
     lambda r: torch.nn.SoftMarginLoss(reduction=r),
     lambda g: [g.standard_normal((3, 4))], lambda g: [np.sign(g.standard_normal((3, 4)))]),
    ("MultiLabelSoftMarginLoss", lambda r: nn.MultiLabelSoftMarginLoss(reduction=r),
     lambda r: torch.nn.MultiLabelSoftMarginLoss(reduction=r),
     lambda g: [g.standard_normal((3, 4))], lambda g: [g.integers(0, 2, (3, 4)) * 1.0]),
    ("TripletMarginLoss", lambda r: nn.TripletMarginLoss(margin=2.0, swap=True, reduction=r),
     lambda r: torch.nn.TripletMarginLoss(margin=2.0, swap=True, reduction=r),
     lambda g: [g.standard_normal((4, 5)) for _ in range(3)], lambda g: []),
]


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")  # KLDivLoss's
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", LOSSES, ids=[c[0] for c in LOSSES])
def test_loss_modules_match_pytorch(case, reduction):
    name, ours_fn, theirs_fn, make_inputs, make_targets = case
    g = np.random.default_rng(sum(map(ord, name)))
    xs, ts = make_inputs(g), make_targets(g)
    ours = [tm.Tensor(x, requires_grad=True) for x in xs]
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    ours_t = [tm.tensor(t) for t in ts]
    theirs_t = [torch.tensor(t) for t in ts]
    a = ours_fn(reduction)(*ours, *ours_t)
    b = theirs_fn(reduction).double()(*theirs, *theirs_t)
    assert a.shape == tuple(b.shape)
    np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    cot = g.standard_normal(a.shape)
    (a * tm.Tensor(cot)).sum().backward()
    (b * torch.tensor(cot)).sum().backward()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_kl_div_batchmean_and_mean_warning():
    x = np.log(np.full((4, 5), 0.2))
    t = np.random.default_rng(0).dirichlet(np.ones(5), 4)
    a = F.kl_div(tm.Tensor(x), tm.Tensor(t), reduction="batchmean")
    b = torch.nn.functional.kl_div(torch.tensor(x), torch.tensor(t), reduction="batchmean")
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(tm.Tensor(x), tm.Tensor(t))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_give_finite_losses_and_gradients(dtype):
    x0 = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [0.0, 1e4, -1e4]], dtype=dtype)
    y = np.array([1, 0, 2])
    probs = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype=dtype)
    cases = [
        lambda x: F.cross_entropy(x, y),
        lambda x: F.cross_entropy(x, y, weight=tm.Tensor([1.0, 2.0, 3.0]), label_smoothing=0.1),
        lambda x: F.cross_entropy(x, tm.Tensor(probs)),
        lambda x: F.cross_entropy(x.reshape(1, 3, 3), y.reshape(1, 3), ignore_index=0),
        lambda x: F.nll_loss(F.log_softmax(x, 1), y),
        lambda x: F.binary_cross_entropy_with_logits(x, tm.Tensor(probs),
                                                     pos_weight=tm.Tensor([2.0, 1.0, 0.5])),
        lambda x: F.soft_margin_loss(x, tm.Tensor(np.sign(probs - 0.4).astype(dtype))),
        lambda x: F.multilabel_soft_margin_loss(x, tm.Tensor(probs)),
    ]
    for i, fn in enumerate(cases):
        x = tm.Tensor(x0, requires_grad=True)
        loss = fn(x)
        loss.backward()
        assert np.isfinite(loss.numpy()).all(), f"case {i}: loss {loss}"
        assert np.isfinite(x.grad.numpy()).all(), f"case {i}: gradient"
    # and they agree with PyTorch there
    a = F.cross_entropy(tm.Tensor(x0), y, label_smoothing=0.2)
    b = torch.nn.functional.cross_entropy(torch.tensor(x0), torch.tensor(y), label_smoothing=0.2)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-5)


def test_class_target_errors_name_the_op():
    x = tm.Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="cross_entropy: target 3"):
        F.cross_entropy(x, np.array([0, 3]))
    assert np.isfinite(F.cross_entropy(x, np.array([0, -100])).item())  # ignored label
    assert np.isnan(F.cross_entropy(x, np.array([-100, -100])).item())  # as PyTorch: 0/0
    with pytest.raises(ValueError, match="targets of shape"):
        F.nll_loss(tm.Tensor(np.zeros((2, 3, 4))), np.zeros((2, 3), dtype=int))
    with pytest.raises(RuntimeError, match="weight"):
        F.cross_entropy(x, np.array([0, 1]), weight=tm.Tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(tm.tensor(np.array([3])), 3)
    assert F.one_hot(tm.tensor(np.array([0, 2]))).dtype == np.int64


_R = np.random.default_rng(7)
_X1, _W4 = _R.standard_normal(4), np.array([0.5, 2, 1, 3.0])
_X, _T = _R.standard_normal((3, 4)), _R.standard_normal((3, 4))
_P4 = np.array([0.1, 0.2, 0.3, 0.4])
EDGE_CASES = {  # name: fn(lib, F, T) where T makes a float64 (or int64) tensor of lib's
    "nll_1d_weight": lambda F, T: F.nll_loss(T(_X1), T(np.array(2)), weight=T(_W4)),
    "ce_1d_smooth_weight": lambda F, T: F.cross_entropy(T(_X1), T(np.array(1)),
                                                        weight=T(_W4), label_smoothing=0.3),
    "ce_1d_probs": lambda F, T: F.cross_entropy(T(_X1), T(_P4)),
    "ce_all_ignored": lambda F, T: F.cross_entropy(T(_X), T(np.array([-100] * 3))),
    "ce_empty": lambda F, T: F.cross_entropy(T(np.zeros((0, 3))), T(np.zeros(0, np.int64))),
    "gaussian_float_var": lambda F, T: F.gaussian_nll_loss(T(_X), T(_T), 0.7),
    "kl_1d_batchmean": lambda F, T: F.kl_div(T(_X1), T(np.abs(_X1)), reduction="batchmean"),
    "multi_margin_1d": lambda F, T: F.multi_margin_loss(T(_X1), T(np.array([2]))),
    "cosine_embedding_1d": lambda F, T: F.cosine_embedding_loss(T(_X1), T(_X1[::-1].copy()),
                                                                T(np.array(-1))),
    "triplet_1d": lambda F, T: F.triplet_margin_loss(T(_X1), T(2 * _X1), T(-_X1)),
    "pairwise_1d": lambda F, T: F.pairwise_distance(T(_X1), T(2 * _X1)),
    "pairwise_inf": lambda F, T: F.pairwise_distance(T(_X), T(_T), p=float("inf")),
    "cosine_similarity_broadcast": lambda F, T: F.cosine_similarity(T(_X), T(_X1), dim=-1),
    "normalize_1d": lambda F, T: F.normalize(T(_X1), dim=0),
    "multilabel_soft_margin_1d": lambda F, T: F.multilabel_soft_margin_loss(
        T(_X1), T(np.array([1.0, 0, 1, 0]))),
    "smooth_l1_beta0": lambda F, T: F.smooth_l1_loss(T(_X), T(_T), beta=0.0),
    "bce_logits_pos_weight_1d": lambda F, T: F.binary_cross_entropy_with_logits(
        T(_X1), T(np.array([1.0, 0, 0.5, 1])), pos_weight=T(np.array([3.0]))),
    "poisson_rate": lambda F, T: F.poisson_nll_loss(T(np.abs(_X)), T(np.abs(_T)),
                                                    log_input=False),
    "one_hot_2d": lambda F, T: F.one_hot(T(np.array([[1, 0], [2, 3]]))),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases_match_pytorch(name):
    fn = EDGE_CASES[name]
    ours = fn(F, lambda a: tm.tensor(np.asarray(a)))
    theirs = fn(torch.nn.functional, lambda a: torch.tensor(np.asarray(a)))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_batchnorm_mlp_trains_to_pytorchs_weights_step_for_step():
    """A tutorial-style Module subclass (BatchNorm, LayerNorm, label smoothing), 20 SGD
    steps with momentum: the same weights and running statistics as PyTorch."""

    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = lib.nn.Linear(6, 8)
                self.bn = lib.nn.BatchNorm1d(8)
                self.fc2 = lib.nn.Linear(8, 4)
                self.ln = lib.nn.LayerNorm(4)

            def forward(self, x):
                return self.ln(self.fc2(self.bn(self.fc1(x)).relu()))

        return Net()

    ours, theirs = build(tm).double(), build(torch).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    opt = tm.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x, y = rng.standard_normal((16, 6)), rng.integers(0, 4, 16)
        for model, o, lib in ((ours, opt, tm), (theirs, topt, torch)):
            o.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(y),
                                                   label_smoothing=0.1)
            loss.backward()
            o.step()
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=k)
