"""Creation ops and generators: shapes, dtypes (PyTorch's rules, compared with torch when
installed), seeding (same seed → same numbers; a Generator independent of the global
seed), distribution sanity, and PyTorch's error types for bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

# (name, program) run on both libraries: same shape and dtype expected.
PROGRAMS = {
    "zeros": lambda lib: lib.zeros(2, 3),
    "zeros_tuple": lambda lib: lib.zeros((2, 3)),
    "zeros_int": lambda lib: lib.zeros(4, dtype=lib.int64 if hasattr(lib, "int64") else np.int64),
    "ones": lambda lib: lib.ones([3]),
    "empty": lambda lib: lib.empty(2, 0, 3),
    "full_float": lambda lib: lib.full((2, 2), 1.5),
    "full_int": lambda lib: lib.full((2,), 3),
    "full_bool": lambda lib: lib.full((2,), True),
    "eye": lambda lib: lib.eye(3),
    "eye_rect": lambda lib: lib.eye(2, 4),
    "arange_int": lambda lib: lib.arange(5),
    "arange_start_step": lambda lib: lib.arange(1, 10, 3),
    "arange_negative_step": lambda lib: lib.arange(5, -3, -2),
    "arange_float": lambda lib: lib.arange(0, 1, 0.1),
    "arange_float_end": lambda lib: lib.arange(2.5),
    "linspace": lambda lib: lib.linspace(-1, 1, 7),
    "linspace_one": lambda lib: lib.linspace(3, 5, 1),
    "logspace": lambda lib: lib.logspace(0, 2, 5),
    "logspace_base2": lambda lib: lib.logspace(0, 3, 4, base=2),
    "rand": lambda lib: lib.rand(2, 3),
    "randn": lambda lib: lib.randn((4,)),
    "randint": lambda lib: lib.randint(10, (3, 2)),
    "randint_low": lambda lib: lib.randint(-5, 5, (4,)),
    "randperm": lambda lib: lib.randperm(6),
    "normal_scalars": lambda lib: lib.normal(2.0, 3.0, (2, 2)),
}
VALUES = {"zeros", "zeros_tuple", "zeros_int", "ones", "full_float", "full_int", "full_bool",
          "eye", "eye_rect", "arange_int", "arange_start_step", "arange_negative_step",
          "arange_float", "arange_float_end", "linspace", "linspace_one", "logspace",
          "logspace_base2"}


@needs_torch
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_shape_dtype_and_values_match_torch(name):
    ours, theirs = PROGRAMS[name](tm), PROGRAMS[name](torch)
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    if name in VALUES:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_like_functions_keep_shape_and_dtype():
    x = tm.zeros(2, 3, dtype=np.float64)
    for fn in (tm.zeros_like, tm.ones_like, tm.empty_like, tm.rand_like, tm.randn_like):
        y = fn(x)
        assert y.shape == (2, 3) and y.dtype == np.float64, fn.__name__
    assert tm.full_like(x, 7).numpy().tolist() == [[7.0] * 3] * 2
    assert tm.zeros_like(x, dtype=np.int32).dtype == np.int32
    assert tm.randint_like(tm.zeros(5, dtype=np.int64), 3).numpy().max() < 3
    assert tm.ones_like(x, requires_grad=True).requires_grad


def test_defaults_and_requires_grad():
    assert tm.zeros(2).dtype == np.float32 and tm.rand(2).dtype == np.float32
    assert tm.arange(3).dtype == np.int64 and tm.arange(3.0).dtype == np.float32
    assert tm.arange(0, 3, 0.5).numpy().tolist() == [0, 0.5, 1, 1.5, 2, 2.5]
    t = tm.randn(3, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert tm.eye(3, dtype=np.float64).numpy().trace() == 3


# ------------------------------------------------------------------ seeding
RANDOM = {
    "rand": lambda g: tm.rand(3, 2, generator=g),
    "randn": lambda g: tm.randn(5, generator=g),
    "randint": lambda g: tm.randint(0, 100, (6,), generator=g),
    "randperm": lambda g: tm.randperm(8, generator=g),
    "normal": lambda g: tm.normal(tm.zeros(4), tm.ones(4), generator=g),
    "bernoulli": lambda g: tm.bernoulli(tm.full((8,), 0.5), generator=g),
    "multinomial": lambda g: tm.multinomial(tm.ones(6), 3, generator=g),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_same_seed_same_numbers(name):
    tm.manual_seed(123)
    a = RANDOM[name](None).numpy()
    tm.manual_seed(123)
    b = RANDOM[name](None).numpy()
    np.testing.assert_array_equal(a, b)
    c = RANDOM[name](tm.Generator().manual_seed(7)).numpy()
    d = RANDOM[name](tm.Generator().manual_seed(7)).numpy()
    np.testing.assert_array_equal(c, d)


def test_different_seeds_differ():
    tm.manual_seed(0)
    a = tm.rand(100).numpy()
    tm.manual_seed(1)
    assert not np.array_equal(a, tm.rand(100).numpy())


def test_generator_is_independent_of_the_global_seed():
    g = tm.Generator().manual_seed(5)
    tm.manual_seed(0)
    a = tm.rand(4, generator=g).numpy()
    tm.rand(10)  # draws from the default generator do not move g
    b = tm.rand(4, generator=g).numpy()
    g2 = tm.Generator().manual_seed(5)
    tm.manual_seed(99)
    np.testing.assert_array_equal(np.concatenate([a, b]), tm.rand(8, generator=g2).numpy())


def test_manual_seed_returns_the_default_generator_and_seeds_get_rng():
    g = tm.manual_seed(42)
    assert g is tm.default_generator and g.initial_seed() == 42 == tm.initial_seed()
    assert tm.Generator().manual_seed(3).initial_seed() == 3
    tm.manual_seed(42)
    x = tm.get_rng().random(3)  # what init, dropout and shuffling draw from
    tm.manual_seed(42)
    np.testing.assert_array_equal(x, tm.get_rng().random(3))
    tm.manual_seed(42)  # the same stream as before the Generator class existed
    np.testing.assert_array_equal(x, np.random.default_rng(42).random(3))


def test_get_state_set_state_replays():
    g = tm.Generator().manual_seed(11)
    tm.randn(3, generator=g)
    state = g.get_state()
    assert state.dtype == np.uint8 and state.shape == (37,)
    a = tm.randn(5, generator=g).numpy()
    g.set_state(state)
    np.testing.assert_array_equal(a, tm.randn(5, generator=g).numpy())
    s = tm.get_rng_state()
    b = tm.rand(3).numpy()
    tm.set_rng_state(s)
    np.testing.assert_array_equal(b, tm.rand(3).numpy())
    with pytest.raises(RuntimeError, match="set_state"):
        g.set_state(tm.zeros(3))


def test_unseeded_generator_seed_is_reported():
    g = tm.Generator()
    s = g.seed()
    a = tm.rand(3, generator=g).numpy()
    np.testing.assert_array_equal(a, tm.rand(3, generator=tm.Generator().manual_seed(s)).numpy())


# ------------------------------------------------------------------ distributions
def test_distribution_sanity():
    g = tm.Generator().manual_seed(0)
    n = 20000
    u = tm.rand(n, generator=g, dtype=np.float64).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    assert abs(u.std() - (1 / 12) ** 0.5) < 0.01
    z = tm.randn(n, generator=g, dtype=np.float64).numpy()
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    m = tm.normal(3.0, 2.0, (n,), generator=g).numpy()
    assert abs(m.mean() - 3) < 0.06 and abs(m.std() - 2) < 0.06
    t = tm.normal(tm.tensor(np.array([-5.0, 5.0])), tm.tensor(np.array([0.0, 0.0])), generator=g)
    assert t.numpy().tolist() == [-5.0, 5.0] and t.dtype == np.float64
    r = tm.randint(3, 7, (n,), generator=g).numpy()
    assert set(np.unique(r)) == {3, 4, 5, 6}
    assert sorted(tm.randperm(50, generator=g).numpy()) == list(range(50))
    b = tm.bernoulli(tm.full((n,), 0.3), generator=g).numpy()
    assert abs(b.mean() - 0.3) < 0.02 and b.dtype == np.float32
    assert tm.bernoulli(tm.zeros(5), p=1.0, generator=g).numpy().tolist() == [1.0] * 5


def test_multinomial():
    g = tm.Generator().manual_seed(0)
    w = tm.tensor(np.array([[0.0, 1.0, 3.0], [1.0, 0.0, 0.0]]))
    s = tm.multinomial(w, 2000, replacement=True, generator=g).numpy()
    assert s.shape == (2, 2000) and s.dtype == np.int64
    assert set(s[1]) == {0} and 0 not in set(s[0])
    assert abs((s[0] == 2).mean() - 0.75) < 0.04
    no_rep = tm.multinomial(tm.ones(5), 5, generator=g).numpy()
    assert sorted(no_rep) == list(range(5))


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("call, exc, text", [
    (lambda: tm.zeros(-1), RuntimeError, "negative dimension"),
    (lambda: tm.ones(2, -3), RuntimeError, "negative dimension"),
    (lambda: tm.zeros(2.5), TypeError, "size"),
    (lambda: tm.rand((2, "a")), TypeError, "size"),
    (lambda: tm.randint(5, 2, (3,)), RuntimeError, "from=5 >= to=2"),
    (lambda: tm.randint(5), TypeError, "randint"),
    (lambda: tm.randperm(-1), RuntimeError, "non-negative"),
    (lambda: tm.linspace(0, 1, -1), RuntimeError, "non-negative"),
    (lambda: tm.arange(0, 1, 0), RuntimeError, "nonzero"),
    (lambda: tm.arange(0, -1, 1), RuntimeError, "step sign"),
    (lambda: tm.eye(-1), RuntimeError, "greater or equal to 0"),
    (lambda: tm.rand(2, dtype=np.int64), RuntimeError, "floating-point"),
    (lambda: tm.normal(0.0, -1.0, (2,)), RuntimeError, "std >= 0.0"),
    (lambda: tm.normal(0.0, 1.0), TypeError, "size"),
    (lambda: tm.multinomial(tm.ones(2), 3), RuntimeError, "without replacement"),
    (lambda: tm.multinomial(-tm.ones(2), 1), RuntimeError, "element < 0"),
    (lambda: tm.bernoulli(tm.full((2,), 1.5)), RuntimeError, "0 <= p <= 1"),
    (lambda: tm.zeros(2, device="cuda"), RuntimeError, "GPU backend"),
    (lambda: tm.Generator(device="cuda"), RuntimeError, "CPU"),
    (lambda: tm.manual_seed(-1), ValueError, "non-negative"),
    (lambda: tm.rand(2, generator=3), TypeError, "generator"),
])
def test_bad_arguments_raise_pytorch_types(call, exc, text):
    with pytest.raises(exc, match=text):
        call()


@needs_torch
@pytest.mark.parametrize("name", ["zeros_neg", "randint_order", "arange_zero_step", "eye_neg",
                                  "randperm_neg", "linspace_neg"])
def test_error_types_agree_with_torch(name):
    call = {"zeros_neg": lambda lib: lib.zeros(-1),
            "randint_order": lambda lib: lib.randint(5, 2, (3,)),
            "arange_zero_step": lambda lib: lib.arange(0, 1, 0),
            "eye_neg": lambda lib: lib.eye(-1),
            "randperm_neg": lambda lib: lib.randperm(-1),
            "linspace_neg": lambda lib: lib.linspace(0, 1, -1)}[name]
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(tm)
