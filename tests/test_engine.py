"""Engine semantics: deep and wide graphs, retain_graph, accumulation, grad mode,
freeing of the graph, ``tm.grad``, dtype rules (SPEC §2) and the Tensor protocol."""

from __future__ import annotations

import gc
import operator
import time
import weakref

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import Tensor

N_BIG = 100_000


def _leaf(values, dtype=np.float64) -> Tensor:
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ------------------------------------------------------------ deep and wide graphs
def _chain(n: int) -> tuple[Tensor, Tensor]:
    """x → x·c → … (n multiplications); d out / dx = cⁿ."""
    x = _leaf(0.5)
    y = x
    for _ in range(n):
        y = y * 1.00001
    return x, y


def test_100k_op_chain_backpropagates_correctly():
    x, y = _chain(N_BIG)
    y.backward()  # a recursive walk would hit the recursion limit here
    assert x.grad.item() == pytest.approx(1.00001**N_BIG, rel=1e-9)


def test_100k_fan_in_by_repeated_add():
    """s = Σ aᵢ·bᵢ built as one long chain of ``+``: ds/daᵢ = bᵢ, ds/dbᵢ = aᵢ."""
    rng = np.random.default_rng(0)
    av, bv = rng.standard_normal(N_BIG), rng.standard_normal(N_BIG)
    a = [_leaf(v) for v in av]
    b = [_leaf(v) for v in bv]
    s = a[0] * b[0]
    for ai, bi in zip(a[1:], b[1:]):
        s = s + ai * bi
    s.backward()
    assert s.item() == pytest.approx(float(av @ bv), rel=1e-9, abs=1e-9)
    np.testing.assert_array_equal([t.grad.item() for t in a], bv)
    np.testing.assert_array_equal([t.grad.item() for t in b], av)


def test_100k_fan_in_by_stack_and_concatenate():
    """100,000 products gathered by one stack (and one concatenate) into one output."""
    xs = [_leaf(float(i)) for i in range(N_BIG)]
    s = tm.stack([x * x for x in xs]).sum()
    s.backward()
    np.testing.assert_array_equal([x.grad.item() for x in xs], 2.0 * np.arange(N_BIG))

    # One tensor used 100,000 times: its gradient receives 100,000 contributions.
    w = _leaf([1.0, -2.0, 3.0])
    c = tm.concatenate([w * float(i) for i in range(N_BIG)]).sum()
    c.backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full(3, N_BIG * (N_BIG - 1) / 2))


def _chain_seconds(n: int) -> float:
    t0 = time.perf_counter()
    _, y = _chain(n)
    y.backward()
    return time.perf_counter() - t0


def test_backward_time_is_roughly_linear():
    small = min(_chain_seconds(N_BIG // 10) for _ in range(3))
    big = min(_chain_seconds(N_BIG) for _ in range(2))
    # Linear would be 10x; quadratic 100x.  30x leaves room for timer noise.
    assert big < 30 * small, f"100k ops took {big:.3f}s, 10k took {small:.3f}s"


def test_dropping_a_deep_graph_does_not_crash():
    x, y = _chain(N_BIG)
    y.backward(retain_graph=True)
    del y  # deallocating 100k nested nodes must not overflow the C stack
    x2, y2 = _chain(N_BIG)
    del y2
    assert x.grad is not None


# ------------------------------------------------------ retain_graph, accumulation
def test_second_backward_without_retain_graph_raises():
    x = _leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_twice_accumulates():
    x = _leaf([1.0, 2.0, -3.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.data)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.data)


def test_gradients_accumulate_into_leaves_across_graphs():
    x = _leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    x.exp().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0 + np.exp(x.data))
    x.grad = None
    (x * 5.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_non_leaf_grad_is_none_unless_retained():
    x = _leaf([1.0, -2.0])
    y = x * 3.0
    z = x * 4.0
    z.retain_grad()
    ((y * y).sum() + (z * z).sum()).backward()
    assert y.grad is None and not y.is_leaf
    np.testing.assert_allclose(z.grad.numpy(), 2 * z.data)
    np.testing.assert_allclose(x.grad.numpy(), 18 * x.data + 32 * x.data)


# ----------------------------------------------------------------------- grad mode
def test_no_grad_builds_no_graph():
    x = _leaf([1.0, 2.0])
    with tm.no_grad():
        y = (x * 2.0).exp().sum()
    assert not y.requires_grad and y._ctx is None and y.is_leaf
    assert tm.is_grad_enabled()


def test_no_grad_and_enable_grad_as_decorators():
    x = _leaf([1.0])

    @tm.no_grad()
    def f(t):
        return t * 2.0

    @tm.enable_grad()
    def g(t):
        return t * 2.0

    y = f(x)
    assert not y.requires_grad and y._ctx is None
    assert tm.is_grad_enabled()
    with tm.no_grad():
        assert g(x).requires_grad


def test_bare_decorators_and_shared_instance_across_threads():
    import threading

    x = _leaf([1.0])

    @tm.no_grad
    def f(t):
        return t * 2.0

    assert not f(x).requires_grad and tm.is_grad_enabled()

    shared = tm.no_grad()
    seen = {}
    inside = threading.Barrier(2)

    def worker(name):
        with shared:
            inside.wait()  # both threads inside the same no_grad object at once
        seen[name] = tm.is_grad_enabled()

    threads = [threading.Thread(target=worker, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": True, "b": True}


def test_no_grad_decorates_generator_bodies():
    x = _leaf([1.0])

    @tm.no_grad()
    def doubled(n):
        for _ in range(n):
            yield x * 2.0

    outs = list(doubled(2))
    assert len(outs) == 2 and not any(o.requires_grad for o in outs)
    assert (x * 2.0).requires_grad  # the mode is restored between and after the yields


def test_no_grad_nests_and_restores():
    x = _leaf([1.0])
    with tm.no_grad():
        with tm.no_grad():
            assert not tm.is_grad_enabled()
        assert not tm.is_grad_enabled()
        assert not (x + 1.0).requires_grad
    assert tm.is_grad_enabled()
    assert (x + 1.0).requires_grad
    with pytest.raises(KeyError), tm.no_grad():
        raise KeyError("inside no_grad")
    assert tm.is_grad_enabled()  # restored after an exception


def test_enable_grad_inside_no_grad():
    x = _leaf([1.0, 2.0])
    with tm.no_grad():
        with tm.enable_grad():
            y = (x * x).sum()
        z = x * x
    assert y.requires_grad and y._ctx is not None
    assert not z.requires_grad
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.data)


def test_detach_cuts_the_graph():
    x = _leaf([1.0, 2.0])
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    assert np.shares_memory(d.data, x.data)
    (d * x).sum().backward()  # d is a constant: d/dx (d·x) = d
    np.testing.assert_allclose(x.grad.numpy(), x.data)


# --------------------------------------------------------------- freeing the graph
@pytest.mark.parametrize("retain", [False, True])
def test_graph_nodes_are_freed_after_backward(retain):
    x = _leaf([0.1, 0.2, 0.3])
    hidden = (x * 2.0).tanh()
    node_ref, hidden_ref = weakref.ref(hidden._ctx), weakref.ref(hidden)
    out = (hidden * hidden).sum()
    del hidden
    was_enabled = gc.isenabled()
    gc.disable()  # freed by reference counting alone: the graph holds no reference cycles
    try:
        out.backward(retain_graph=retain)
        # Without retain_graph the graph is freed by backward itself, even while out lives.
        assert (hidden_ref() is not None) == retain
        del out
        assert hidden_ref() is None and node_ref() is None
    finally:
        if was_enabled:
            gc.enable()
    assert x.grad is not None



def test_each_op_leaves_two_objects_for_the_cyclic_collector():
    """An op adds its output Tensor and its node to what Python's cyclic collector
    tracks, nothing more (no tuple of parents or of arrays): every full collection
    rescans all of them while a graph is built (docs/concepts.md, benchmarks/overhead.py)."""
    x = _leaf([0.5])
    y = x * 1.0001  # (the constant is made and cached here)
    gc.collect()
    before = len(gc.get_objects())
    gc.disable()  # the young generation's count: objects made, less those freed
    try:
        made = gc.get_count()[0]
        for _ in range(1000):
            y = y * 1.0001
        made = gc.get_count()[0] - made
    finally:
        gc.enable()
    assert 2 * 1000 <= made <= 2 * 1000 + 10  # (a tuple of arrays would count here too;
    # the few over are the loop's own, made once)
    gc.collect()
    assert len(gc.get_objects()) - before == 2 * 1000
    assert y._ctx.parents[0]._ctx.inputs[0] is y._ctx.parents[0]._ctx.parents[0].data


def test_node_inputs_follow_parents_and_check_their_number():
    a, b, c = _leaf([1.0, 2.0]), _leaf([3.0, 4.0]), _leaf([5.0, 6.0])
    for tensors in [(a,), (a, b), (a, b, c)]:
        out = tm.cat(list(tensors)) if len(tensors) != 2 else a * b
        node = out._ctx
        assert [p is t for p, t in zip(node.parents, tensors)] == [True] * len(tensors)
        assert all(i is t.data for i, t in zip(node.inputs, tensors))
        with pytest.raises(ValueError, match="input arrays for"):
            node.inputs = [t.data for t in tensors] + [a.data]
        out.sum().backward()
        assert node.parents is None and node.inputs is None

# ---------------------------------------------------------------------- tm.grad
def test_grad_function_returns_without_touching_dot_grad():
    a, b = _leaf([1.0, 2.0]), _leaf([3.0, -1.0])
    y = (a * b * b).sum()
    ga, gb = tm.grad(y, [a, b])
    np.testing.assert_allclose(ga.numpy(), b.data**2)
    np.testing.assert_allclose(gb.numpy(), 2 * a.data * b.data)
    assert a.grad is None and b.grad is None


def test_grad_allow_unused():
    a, unused = _leaf([1.0]), _leaf([2.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        tm.grad((a * a).sum(), [a, unused])
    ga, gu = tm.grad((a * a).sum(), [a, unused], allow_unused=True)
    np.testing.assert_allclose(ga.numpy(), [2.0])
    assert gu is None


# ------------------------------------------------------------------- dtype rules
def test_python_numbers_and_lists_become_float32():
    assert Tensor(3).dtype == np.float32
    assert Tensor(2.5).dtype == np.float32
    assert Tensor([[1, 2], [3, 4]]).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_ndarray_keeps_its_float_dtype(dtype):
    assert Tensor(np.ones(3, dtype=dtype)).dtype == dtype


def test_int_arrays_stay_int_and_cannot_require_grad():
    t = Tensor(np.arange(4))
    assert t.dtype.kind == "i"
    with pytest.raises(RuntimeError, match="floating point"):  # PyTorch's type and words
        Tensor(np.arange(4), requires_grad=True)


def test_mixed_float_promotes_like_numpy_and_scalars_keep_dtype():
    a32 = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    b64 = Tensor(np.ones(3), requires_grad=True)
    assert (a32 + b64).dtype == (np.ones(3, np.float32) + np.ones(3)).dtype == np.float64
    assert (a32 * 2.5).dtype == np.float32
    assert (2.5 - a32).dtype == np.float32
    assert (a32**2).dtype == np.float32
    assert (a32 + np.ones(3)).dtype == np.float64


def test_grads_are_cast_back_to_each_leaf_dtype():
    a32 = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b64 = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    (a32 * b64).sum().backward()
    assert a32.grad.dtype == np.float32 and b64.grad.dtype == np.float64
    np.testing.assert_allclose(a32.grad.numpy(), [3.0, 4.0])


# ------------------------------------------------------------ gradient shapes
def test_grad_is_a_tensor_of_the_leaf_shape():
    x = Tensor(np.ones((4, 3)), requires_grad=True)
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    (x @ w).sigmoid().sum().backward()
    assert isinstance(x.grad, Tensor) and x.grad.shape == (4, 3)
    assert isinstance(x.grad.numpy(), np.ndarray)


def test_gradient_summed_back_under_broadcasting():
    a = _leaf(np.arange(3.0).reshape(3, 1))
    b = _leaf(np.arange(4.0).reshape(1, 4))
    c = _leaf(2.0)
    ((a + b) * c).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), 8.0))
    np.testing.assert_allclose(b.grad.numpy(), np.full((1, 4), 6.0))
    assert c.grad.shape == () and c.grad.item() == pytest.approx((a.data + b.data).sum())


def test_leaf_grads_do_not_alias():
    a, b = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    (a + b).sum().backward()  # Add hands the same array to both inputs
    a.grad.data[...] = 99.0
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
    seed = np.array([1.0, 2.0])
    c = _leaf([0.0, 0.0])
    c.backward(seed)  # a leaf as the root: its .grad must not be the caller's array
    seed[0] = -5.0
    np.testing.assert_array_equal(c.grad.numpy(), [1.0, 2.0])


# -------------------------------------------------------------- Tensor protocol
def test_repr_like_pytorch():
    leaf = Tensor([1.0, 2.0], requires_grad=True)
    assert "tensor(" in repr(leaf) and "requires_grad=True" in repr(leaf)
    r = repr(leaf * 2.0)
    assert r.startswith("tensor(") and "grad_fn=<" in r
    assert "requires_grad" not in repr(Tensor([1.0]))
    assert "float64" in repr(Tensor(np.ones(2)))


def test_item_len_bool_iteration():
    t = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    assert len(t) == 2
    assert Tensor(np.array([7.5])).item() == 7.5
    assert isinstance(Tensor(3.0).item(), float)
    assert bool(Tensor(1.0)) and not bool(Tensor(0.0))
    with pytest.raises(RuntimeError, match="ambiguous"):  # PyTorch's type
        bool(t)
    rows = list(t)
    assert len(rows) == 2 and rows[1].shape == (2,)
    (rows[0].sum() + 2 * rows[1].sum()).backward()  # iteration keeps the graph
    np.testing.assert_allclose(t.grad.numpy(), [[1.0, 1.0], [2.0, 2.0]])
    with pytest.raises(TypeError):
        len(Tensor(1.0))


def test_array_protocol():
    t = Tensor(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0])
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array(t).dtype == np.float64


def test_comparisons_give_bool_tensors_without_grad():
    x = _leaf([-1.0, 0.0, 2.0])
    for r, want in [(x > 0, [0, 0, 1]), (x <= 0, [1, 1, 0]), (x == x, [1, 1, 1]),
                    (x != 0.0, [1, 0, 1]), (x < Tensor([0.0, 1.0, 1.0]), [1, 1, 0])]:
        assert isinstance(r, Tensor) and r.dtype == np.bool_
        assert not r.requires_grad and r._ctx is None
        np.testing.assert_array_equal(r.numpy(), np.array(want, dtype=bool))


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "@"])
def test_ndarray_op_tensor_gives_tensor(op):
    arr = np.array([1.0, 2.0, 4.0])
    x = _leaf([2.0, -1.0, 3.0])
    y = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
         "@": operator.matmul}[op](arr, x)  # ndarray first: needs Tensor's reflected ops
    assert isinstance(y, Tensor) and y.requires_grad
    y.sum().backward()
    expected = {"+": np.ones(3), "-": -np.ones(3), "*": arr,
                "/": -arr / x.data**2, "@": arr}[op]
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_setitem_rules():
    t = Tensor(np.zeros(4))
    t[1] = 5.0
    t[2:] = Tensor([1.0, 2.0], dtype=np.float64)
    np.testing.assert_array_equal(t.numpy(), [0.0, 5.0, 1.0, 2.0])
    p = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        p[0] = 3.0
    with tm.no_grad():
        p[0] = 3.0  # allowed when no graph is recorded, as for an optimizer step
    np.testing.assert_array_equal(p.numpy(), [3.0, 2.0])
