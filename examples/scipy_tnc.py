"""Whole-batch training with scipy.optimize on the flattened parameters.

Part 1, the course exercise: 400 → 25 sigmoid → 10 sigmoid on 5,000 digits
of 20×20 pixels, one-hot targets, the logistic cost averaged over the samples
plus (λ/2m)·Σw² on the weights (λ = 1), every parameter drawn from
U(−0.125, 0.125), minimised by ``scipy.optimize.minimize(method='TNC',
jac=True)``. ``nn.utils.loss_and_grad`` turns the model into the
``f(θ) → (cost, gradient)`` that scipy wants, in float64.

Data: the course shipped its own 5,000 20×20 digits (labels 1–10, where 10
stands for 0). Here: the first 5,000 images of the real MNIST test set beside
the repository (``../shared/data/mnist``), each 28×28 image with its 4-pixel
border cropped to the central 20×20 (MNIST centres each digit in a 20×20
box), labels 0–9 as they are.

"maxiter 250": the exercise passed ``options={'maxiter': 250}``. In the scipy
of its time, TNC's ``maxiter`` was the maximum number of *function
evaluations*; today's scipy calls that ``maxfun`` and ignores ``maxiter``
with a warning (TNC then runs to convergence: thousands of evaluations). So
this script passes ``maxfun=250``, the same budget the exercise had.

Part 2, the lecture notes' 2 → 3 → 1 sigmoid regression (hours slept, hours
studied → test score) on the three-example data set X = [[3, 5], [5, 1],
[10, 2]], y = [75, 82, 93], X scaled by its column maxima and y by the top
score 100; no biases, as in the notes; cost ½·mean (y − ŷ)² + (λ/2)·Σw²
(λ = 1e-4), minimised by BFGS (maxiter 200).

    python examples/scipy_tnc.py            # 5,000 images, 250 evaluations
    python examples/scipy_tnc.py --quick    # 1,000 images, 60 evaluations
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from _common import (
    Stopwatch,
    banner,
    find_mnist_test_folder,
    make_parser,
    output_dir,
    print_comparison,
    print_table,
)

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn
from tinygrad_mlp.data import load_idx_folder, one_hot
from tinygrad_mlp.viz import image_grid

NAME = "scipy_tnc"
ORIGINAL = {"initial_cost": 6.8, "final_cost": 0.339, "train_accuracy": 0.9922}


def load_digits_20x20(folder, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first n MNIST test images with the 4-pixel border cropped: X (n, 400) float64
    in [0, 1], y (n,) int64 in 0..9."""
    images, labels = load_idx_folder(folder, train=False, flatten=False)
    X = images[:n, 4:24, 4:24].reshape(n, 400).astype(np.float64)
    return X, labels[:n]


def build_model(init: float = 0.125) -> nn.Sequential:
    """400 → 25 sigmoid → 10 pre-sigmoid outputs in float64, every parameter U(−init, init)."""
    model = nn.Sequential(nn.Linear(400, 25), nn.Sigmoid(), nn.Linear(25, 10)).double()
    for p in model.parameters():
        nn.init.uniform_(p, -init, init)
    return model


def course_cost(model: nn.Module, X: tm.Tensor, Y: tm.Tensor, lam: float) -> tm.Tensor:
    """J = (1/m) Σ logistic cost over samples and units + (λ/2m) Σ w² (weights, not biases)."""
    m = X.shape[0]
    # The output sigmoid lives inside the loss (stable for saturated units).
    J = F.binary_cross_entropy_with_logits(model(X), Y, reduction="sum") / m
    return J + F.l2_penalty(nn.weights_only(model), lam / m)


def train_tnc(X: np.ndarray, y: np.ndarray, lam: float, maxfun: int, seed: int) -> dict:
    """Part 1: fit the 400-25-10 net with TNC; returns costs, accuracy and the scipy result."""
    import scipy.optimize

    tm.manual_seed(seed)
    model = build_model()
    params = list(model.parameters())
    Xt, Yt = tm.from_numpy(X), tm.from_numpy(one_hot(y, 10, dtype=np.float64))
    f = nn.utils.loss_and_grad(params, lambda: course_cost(model, Xt, Yt, lam))
    theta0 = nn.utils.parameters_to_vector(params)
    initial_cost = f(theta0)[0]
    print(f"{len(theta0):,} parameters, initial cost {initial_cost:.4f}")
    with Stopwatch() as clock:
        res = scipy.optimize.minimize(f, theta0, jac=True, method="TNC",
                                      options={"maxfun": maxfun})
    nn.utils.vector_to_parameters(res.x, params)
    with tm.no_grad():
        pred = model(Xt).numpy().argmax(axis=1)
    print(f"TNC: {res.message} ({res.nit} iterations, {res.nfev} evaluations, "
          f"{clock.seconds:.1f} s)")
    return dict(model=model, initial_cost=initial_cost, final_cost=float(res.fun),
                train_accuracy=float(np.mean(pred == y)), nit=int(res.nit), nfev=int(res.nfev),
                seconds=clock.seconds)


# ------------------------------------------------------------- part 2: BFGS
HOURS = np.array([[3, 5], [5, 1], [10, 2]], dtype=np.float64)  # (slept, studied)
SCORES = np.array([[75], [82], [93]], dtype=np.float64)


def train_bfgs(lam: float, maxiter: int, seed: int) -> dict:
    """Part 2: the 2-3-1 sigmoid regression, no biases, BFGS; returns the fit."""
    import scipy.optimize

    X = tm.from_numpy(HOURS / HOURS.max(axis=0))
    y = tm.from_numpy(SCORES / 100.0)
    tm.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 3, bias=False), nn.Sigmoid(),
                          nn.Linear(3, 1, bias=False), nn.Sigmoid()).double()
    for p in model.parameters():
        nn.init.normal_(p, 0.0, 1.0)  # the notes' np.random.randn
    params = list(model.parameters())

    def cost():
        return 0.5 * ((y - model(X)) ** 2).mean() + F.l2_penalty(params, lam)

    f = nn.utils.loss_and_grad(params, cost)
    res = scipy.optimize.minimize(f, nn.utils.parameters_to_vector(params), jac=True,
                                  method="BFGS", options={"maxiter": maxiter})
    nn.utils.vector_to_parameters(res.x, params)
    with tm.no_grad():
        fit = model(X).numpy().ravel() * 100
    return dict(fit=fit, cost=float(res.fun), nit=int(res.nit), message=res.message)


def main(argv: list[str] | None = None) -> dict:
    p = make_parser(NAME, __doc__)
    p.add_argument("--data", type=Path, default=None,
                   help="folder with the MNIST test set (t10k-*-idx*-ubyte.gz); by default "
                        "$TINYGRAD_MLP_DATA, else the package cache, else ../shared/data/mnist")
    p.add_argument("--samples", type=int, default=None, help="default 5,000 (1,000 --quick)")
    p.add_argument("--maxfun", type=int, default=None,
                   help="TNC function evaluations (default 250, 60 with --quick)")
    p.add_argument("--lam", type=float, default=1.0, help="λ of the (λ/2m)·Σw² term")
    p.add_argument("--bfgs-lambda", type=float, default=1e-4)
    args = p.parse_args(argv)
    out = output_dir(args, NAME)
    n = args.samples or (1000 if args.quick else 5000)
    maxfun = args.maxfun or (60 if args.quick else 250)
    result: dict = {}

    banner(f"part 1: 400-25-10 sigmoid net, TNC (maxfun {maxfun}), λ = {args.lam}")
    X, y = load_digits_20x20(find_mnist_test_folder(f"{NAME}.py", args.data), n)
    if X is not None:
        tnc = train_tnc(X, y, args.lam, maxfun, args.seed)
        image_grid(X[:25], titles=[str(v) for v in y[:25]], shape=(5, 5),
                   path=out / "digits_20x20.png")
        # Each hidden unit's 400 input weights, drawn as a 20×20 picture (the course's figure).
        W1 = tnc.pop("model")[0].weight.numpy()
        image_grid(W1, shape=(5, 5), path=out / "hidden_units.png")
        result.update(tnc, samples=n, pictures=[out / "digits_20x20.png",
                                                out / "hidden_units.png"])

    banner(f"part 2: 2-3-1 sigmoid regression, BFGS (maxiter 200), λ = {args.bfgs_lambda}")
    maxiter = 200  # nine parameters: instant even in --quick mode
    bfgs = train_bfgs(args.bfgs_lambda, maxiter, args.seed)
    free = train_bfgs(0.0, maxiter, args.seed)  # without the penalty, for comparison
    for lam, r in ((args.bfgs_lambda, bfgs), (0.0, free)):
        print(f"λ = {lam:g}: BFGS {r['message']} ({r['nit']} iterations), cost {r['cost']:.3g}")
    print_table(["slept (h)", "studied (h)", "score", f"fit, λ = {args.bfgs_lambda:g}",
                 "fit, λ = 0"],
                [[int(a), int(b), int(s), f"{v:.1f}", f"{w:.1f}"]
                 for (a, b), s, v, w in zip(HOURS, SCORES.ravel(), bfgs["fit"], free["fit"])])
    print("(the penalty keeps the weights small, so the fit is not exact; without it three "
          "points are fitted almost exactly)")
    result["bfgs"], result["bfgs_unregularised"] = bfgs, free

    rows = []
    if "train_accuracy" in result:
        rows += [
            ("initial cost", result["initial_cost"], f"≈ {ORIGINAL['initial_cost']}",
             "same init range and λ"),
            ("final cost", result["final_cost"], ORIGINAL["final_cost"],
             f"after {result['nfev']} evaluations ({result['nit']} TNC iterations)"),
            ("training accuracy", f"{result['train_accuracy']:.2%}",
             f"{ORIGINAL['train_accuracy']:.2%}", f"{n:,} cropped MNIST digits; target ≥ 99 %"),
            ("labels", "0–9", "1–10 (10 = 0)", ""),
            ("TNC time (s)", result["seconds"], "—", ""),
        ]
    rows.append(("2-3-1 fit of 75, 82, 93", " ".join(f"{v:.1f}" for v in bfgs["fit"]),
                 "fits the 3 points", f"λ = {args.bfgs_lambda:g}; λ = 0: "
                 + " ".join(f"{v:.1f}" for v in free["fit"])))
    print_comparison("scipy.optimize training", rows)
    if result.get("pictures"):
        print("\npictures:\n  " + "\n  ".join(str(p) for p in result["pictures"]))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
