"""accuracy and confusion_matrix, checked against hand counts and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_mlp as tm
from tinygrad_mlp.metrics import accuracy, confusion_matrix


def test_accuracy_on_labels():
    assert accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75
    assert accuracy(np.array([3]), np.array([3])) == 1.0


def test_accuracy_on_scores_and_tensors():
    logits = tm.Tensor([[2.0, 1.0, 0.0], [0.0, 0.5, 0.1], [0.0, 0.0, 9.0], [5.0, 0.0, 0.0]])
    y = tm.Tensor(np.array([0, 1, 1, 2]))
    assert accuracy(y, logits) == 0.5
    # one-hot targets (as in the classic MLP) work on the true side too
    assert accuracy(np.eye(3)[[0, 1, 1, 2]], logits) == 0.5


def test_accuracy_is_not_integer_division():
    # the classic script printed 0.00 % because of integer division; 2/3 must stay 2/3
    assert accuracy([1, 1, 0], [1, 1, 1]) == pytest.approx(2 / 3)


def test_accuracy_errors():
    with pytest.raises(ValueError, match="3 samples but y_pred has 2"):
        accuracy([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="no samples"):
        accuracy([], [])
    with pytest.raises(ValueError, match=r"\(4, 1\)"):
        accuracy([0, 1, 0, 1], np.zeros((4, 1)))
    with pytest.raises(ValueError, match="shape"):
        accuracy([0, 1], np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="non-integer"):
        accuracy([0.5, 1.0], [0, 1])


def test_confusion_matrix_by_hand():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    expected = np.array([[1, 1, 0],
                         [0, 1, 0],
                         [1, 0, 2]])
    cm = confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, num_classes=4)[:3, :3],
                                  expected)
    with pytest.raises(ValueError, match="out of range"):
        confusion_matrix(y_true, y_pred, num_classes=2)
    with pytest.raises(ValueError, match=">= 0"):
        confusion_matrix([-1, 0], [0, 0])
    with pytest.raises(ValueError, match="samples"):
        confusion_matrix([0, 1], [0])


@pytest.mark.filterwarnings("ignore:A single label was found")
@settings(deadline=None)
@given(st.integers(1, 6).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)),
                         min_size=1, max_size=40))))
def test_matches_sklearn(case):
    metrics = pytest.importorskip("sklearn.metrics")
    k, pairs = case
    t, p = np.array(pairs).T
    np.testing.assert_array_equal(confusion_matrix(t, p, num_classes=k),
                                  metrics.confusion_matrix(t, p, labels=list(range(k))))
    assert accuracy(t, p) == pytest.approx(metrics.accuracy_score(t, p))
    if k > 1:  # scores whose argmax is p give the same accuracy as the labels p
        assert accuracy(t, np.eye(k)[p] * 3.0 - 1.0) == pytest.approx(accuracy(t, p))
