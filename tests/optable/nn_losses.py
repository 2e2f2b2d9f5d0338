"""Specs of the losses (``F.<loss>``), written as PyTorch code: gradients against central
differences in float64, values, dtypes and gradients against PyTorch."""

from __future__ import annotations

from . import ANY, NONZERO, POS, Domain, OpSpec, away_from
from ._nn_common import F, const, labels

Y4 = [0, 2, 1, 2]                 # labels of 4 samples, 3 classes
Y_IGN = [0, 1, 2, 1]              # 1 is ignored below
W3 = [0.3, 1.5, 0.8]              # class weights
PM = [1.0, -1.0, -1.0, 1.0]       # ±1 targets of 4 samples
PM34 = [[1, -1, 1, -1], [-1, 1, 1, -1], [1, 1, -1, -1]]
BIN34 = [[1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 0, 0]]
UNIT = Domain(0.05, 0.95)
PROB = Domain(0.0, 1.0)

SPECS = [
    # cross-entropy: labels, weights, ignore_index, smoothing, probabilities, (N, C, d)
    OpSpec("cross_entropy.plain", lambda lib, x: F(lib).cross_entropy(x, labels(lib, Y4)),
           shapes=((4, 3),)),
    OpSpec("cross_entropy.one_sample",
           lambda lib, x: F(lib).cross_entropy(x, labels(lib, 2)), shapes=((3,),)),
    OpSpec("cross_entropy.none", lambda lib, x: F(lib).cross_entropy(
        x, labels(lib, Y4), reduction="none"), shapes=((4, 3),)),
    OpSpec("cross_entropy.weight_ignore", lambda lib, x: F(lib).cross_entropy(
        x, labels(lib, Y_IGN), weight=const(lib, W3, x), ignore_index=1), shapes=((4, 3),)),
    OpSpec("cross_entropy.smoothing", lambda lib, x: F(lib).cross_entropy(
        x, labels(lib, Y_IGN), weight=const(lib, W3, x), ignore_index=1,
        label_smoothing=0.2), shapes=((4, 3),)),
    OpSpec("cross_entropy.smoothing_sum", lambda lib, x: F(lib).cross_entropy(
        x, labels(lib, Y4), label_smoothing=0.1, reduction="sum"), shapes=((4, 3),)),
    OpSpec("cross_entropy.probs", lambda lib, x, t: F(lib).cross_entropy(x, t),
           (ANY, PROB), shapes=((4, 3), (4, 3))),
    OpSpec("cross_entropy.probs_weight_smooth", lambda lib, x, t: F(lib).cross_entropy(
        x, t, weight=const(lib, W3, x), label_smoothing=0.3, reduction="none"),
        (ANY, PROB), shapes=((4, 3), (4, 3))),
    OpSpec("cross_entropy.nd", lambda lib, x: F(lib).cross_entropy(
        x, labels(lib, [[0, 2, 1, 1], [2, 2, 0, 1]]), weight=const(lib, W3, x)),
        shapes=((2, 3, 4),)),
    OpSpec("cross_entropy.nd_none", lambda lib, x: F(lib).cross_entropy(
        x, labels(lib, [[0, 2], [1, -100]]), reduction="none"), shapes=((2, 3, 2),)),
    # NLL
    OpSpec("nll_loss.plain", lambda lib, x: F(lib).nll_loss(x, labels(lib, Y4)),
           shapes=((4, 3),)),
    OpSpec("nll_loss.weight_ignore", lambda lib, x: F(lib).nll_loss(
        x, labels(lib, Y_IGN), weight=const(lib, W3, x), ignore_index=1), shapes=((4, 3),)),
    OpSpec("nll_loss.nd_sum", lambda lib, x: F(lib).nll_loss(
        x, labels(lib, [[0, 2, 1], [2, 2, 0]]), reduction="sum"), shapes=((2, 3, 3),)),
    # binary cross-entropy
    OpSpec("binary_cross_entropy.weight", lambda lib, p, t: F(lib).binary_cross_entropy(
        p, t, weight=const(lib, [0.5, 2.0, 1.0, 0.1], p)), (UNIT, PROB),
        shapes=((3, 4), (3, 4))),
    OpSpec("bce_with_logits.pos_weight", lambda lib, x, t:
           F(lib).binary_cross_entropy_with_logits(
               x, t, pos_weight=const(lib, [0.5, 2.0, 1.0, 3.0], x)), (ANY, PROB),
           shapes=((3, 4), (3, 4))),
    OpSpec("bce_with_logits.weight_pos_weight_sum", lambda lib, x, t:
           F(lib).binary_cross_entropy_with_logits(
               x, t, weight=const(lib, [0.5, 2.0, 1.0, 3.0], x),
               pos_weight=const(lib, [2.0, 2.0, 0.5, 1.0], x), reduction="sum"),
           (ANY, PROB), shapes=((3, 4), (3, 4))),
    # regression
    OpSpec("mse_loss", lambda lib, x, t: F(lib).mse_loss(x, t), (ANY, ANY), shapes="same"),
    OpSpec("l1_loss", lambda lib, x: F(lib).l1_loss(x, const(lib, [[0.0] * 4] * 3, x),
                                                    reduction="sum"),
           (away_from(0),), shapes=((3, 4),)),
    OpSpec("l1_loss.target", lambda lib, x: F(lib).l1_loss(x, const(lib, BIN34, x)),
           (away_from(0, 1, margin=0.05),), shapes=((3, 4),)),
    OpSpec("smooth_l1_loss", lambda lib, x: F(lib).smooth_l1_loss(
        x, const(lib, BIN34, x), beta=0.5, reduction="none"),
        (away_from(-0.5, 0.5, 1.5, margin=0.05),), shapes=((3, 4),)),
    OpSpec("huber_loss", lambda lib, x: F(lib).huber_loss(
        x, const(lib, BIN34, x), delta=0.7),
        (away_from(-0.7, 0.3, 1.7, margin=0.05),), shapes=((3, 4),)),
    OpSpec("mse_loss.weight", lambda lib, x, t, w: F(lib).mse_loss(x, t, weight=w),
           (ANY, ANY, POS), shapes="same"),
    OpSpec("l1_loss.weight", lambda lib, x, w: F(lib).l1_loss(
        x, const(lib, BIN34, x), weight=w), (away_from(0, 1, margin=0.05), POS),
        shapes=((3, 4), (3, 4))),
    OpSpec("huber_loss.weight", lambda lib, x, w: F(lib).huber_loss(
        x, const(lib, BIN34, x), weight=w), (away_from(-1, 0, 1, 2, margin=0.05), POS),
        shapes=((3, 4), (3, 4))),
    OpSpec("kl_div.batchmean", lambda lib, x, t: F(lib).kl_div(x, t, reduction="batchmean"),
           (ANY, Domain(0.1, 1.0)), shapes=((3, 4), (3, 4))),
    OpSpec("kl_div.log_target_sum", lambda lib, x, t: F(lib).kl_div(
        x, t, reduction="sum", log_target=True), (ANY, Domain(-3, 0)),
        shapes=((3, 4), (3, 4))),
    OpSpec("kl_div.zero_target", lambda lib, x: F(lib).kl_div(
        x, const(lib, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]], x), reduction="none"),
        shapes=((2, 3),)),
    OpSpec("gaussian_nll_loss", lambda lib, x, t, v: F(lib).gaussian_nll_loss(x, t, v),
           (ANY, ANY, POS), shapes=((3, 4), (3, 4), (3, 4))),
    OpSpec("gaussian_nll_loss.full_one_var", lambda lib, x, t, v: F(lib).gaussian_nll_loss(
        x, t, v, full=True, reduction="sum"), (ANY, ANY, POS), shapes=((3, 4), (3, 4), (3,))),
    OpSpec("poisson_nll_loss", lambda lib, x: F(lib).poisson_nll_loss(
        x, const(lib, [[0, 1, 3, 2], [5, 0, 1, 1], [2, 2, 0, 7]], x)), shapes=((3, 4),)),
    OpSpec("poisson_nll_loss.rate_full", lambda lib, x: F(lib).poisson_nll_loss(
        x, const(lib, [[0, 1, 3, 2], [5, 0, 1, 1], [2, 2, 0, 7]], x), log_input=False,
        full=True, reduction="sum"), (POS,), shapes=((3, 4),)),
    # margins
    OpSpec("margin_ranking_loss", lambda lib, a, b: F(lib).margin_ranking_loss(
        a, b, const(lib, PM, a), margin=0.5), (Domain(1.0, 3.0), Domain(-3.0, -1.0)),
        shapes=((4,), (4,))),
    OpSpec("hinge_embedding_loss", lambda lib, x: F(lib).hinge_embedding_loss(
        x, const(lib, PM34, x), margin=2.0), (Domain(0.1, 1.9),), shapes=((3, 4),)),
    OpSpec("cosine_embedding_loss", lambda lib, a, b: F(lib).cosine_embedding_loss(
        a, b, const(lib, PM, a), margin=-1.0), (NONZERO, NONZERO), shapes=((4, 5), (4, 5))),
    OpSpec("multi_margin_loss", lambda lib, x: F(lib).multi_margin_loss(x, labels(lib, Y4)),
           (Domain(-0.4, 0.4),), shapes=((4, 3),)),
    OpSpec("multi_margin_loss.p2_weight", lambda lib, x: F(lib).multi_margin_loss(
        x, labels(lib, Y4), p=2, margin=2.0, weight=const(lib, W3, x), reduction="none"),
        (Domain(-0.9, 0.9),), shapes=((4, 3),)),
    OpSpec("soft_margin_loss", lambda lib, x: F(lib).soft_margin_loss(x, const(lib, PM34, x)),
           shapes=((3, 4),)),
    OpSpec("multilabel_soft_margin_loss", lambda lib, x: F(lib).multilabel_soft_margin_loss(
        x, const(lib, BIN34, x), weight=const(lib, [1.0, 0.5, 2.0, 1.0], x)),
        shapes=((3, 4),)),
    OpSpec("triplet_margin_loss", lambda lib, a, p, n: F(lib).triplet_margin_loss(
        a, p, n, margin=10.0), (Domain(-1, 0), Domain(0.5, 1), Domain(1.5, 2)),
        shapes=((4, 5), (4, 5), (4, 5))),
    OpSpec("triplet_margin_loss.swap_p1", lambda lib, a, p, n: F(lib).triplet_margin_loss(
        a, p, n, margin=10.0, p=1, swap=True, reduction="none"),
        (Domain(-1, 0), Domain(0.5, 1), Domain(1.5, 2)), shapes=((4, 5), (4, 5), (4, 5))),
    # distances and helpers
    OpSpec("pairwise_distance", lambda lib, a, b: F(lib).pairwise_distance(a, b),
           (Domain(-1, 0), Domain(0.5, 1)), shapes=((4, 5), (4, 5))),
    OpSpec("pairwise_distance.p3_keepdim", lambda lib, a, b: F(lib).pairwise_distance(
        a, b, p=3, keepdim=True), (Domain(-1, 0), Domain(0.5, 1)), shapes=((4, 5), (4, 5))),
    OpSpec("cosine_similarity", lambda lib, a, b: F(lib).cosine_similarity(a, b),
           (NONZERO, NONZERO), shapes=((4, 5), (4, 5))),
    OpSpec("cosine_similarity.dim0_broadcast", lambda lib, a, b: F(lib).cosine_similarity(
        a, b, dim=0), (NONZERO, NONZERO), shapes=((3, 4), (3, 1))),
    OpSpec("normalize", lambda lib, x: F(lib).normalize(x), (NONZERO,), shapes=((3, 4),)),
    OpSpec("normalize.p1_dim0", lambda lib, x: F(lib).normalize(x, p=1, dim=0),
           (NONZERO,), shapes=((3, 4),)),
    OpSpec("one_hot", lambda lib, x: F(lib).one_hot(labels(lib, [[0, 3], [2, 2]])), grad=False,
           shapes=((1,),)),
    OpSpec("one_hot.num_classes", lambda lib, x: F(lib).one_hot(labels(lib, [1, 0, 2]), 5),
           grad=False, shapes=((1,),)),
]
