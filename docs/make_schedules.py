"""Draw every learning-rate schedule of ``optim.lr_scheduler`` into docs/images/lr_schedules.png.

    python docs/make_schedules.py

Each panel is one schedule on an SGD optimizer with lr 0.1 (momentum 0.9), stepped
100 times (once per "epoch", or per batch for the cyclic ones), with the
settings written in its title. ReduceLROnPlateau is fed a loss that stops
improving; SequentialLR is a LinearLR warm-up followed by cosine annealing.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from tinygrad_mlp import nn, optim  # noqa: E402
from tinygrad_mlp.optim import lr_scheduler as ls  # noqa: E402

OUT = Path(__file__).resolve().parent / "images" / "lr_schedules.png"
STEPS = 100


def _opt():
    return optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1, momentum=0.9)


SCHEDULES = {
    "LambdaLR(λ=0.97^e)": lambda o: ls.LambdaLR(o, lambda e: 0.97**e),
    "MultiplicativeLR(×0.98)": lambda o: ls.MultiplicativeLR(o, lambda e: 0.98),
    "StepLR(20, γ=0.5)": lambda o: ls.StepLR(o, step_size=20, gamma=0.5),
    "MultiStepLR([30, 60, 80])": lambda o: ls.MultiStepLR(o, [30, 60, 80], gamma=0.3),
    "ConstantLR(⅓, 25)": lambda o: ls.ConstantLR(o, factor=1 / 3, total_iters=25),
    "LinearLR(0.1→1, 30)": lambda o: ls.LinearLR(o, start_factor=0.1, total_iters=30),
    "ExponentialLR(γ=0.96)": lambda o: ls.ExponentialLR(o, gamma=0.96),
    "PolynomialLR(80, p=2)": lambda o: ls.PolynomialLR(o, total_iters=80, power=2.0),
    "CosineAnnealingLR(T=50)": lambda o: ls.CosineAnnealingLR(o, T_max=50, eta_min=0.005),
    "CosineAnnealingWarmRestarts(10, ×2)":
        lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2),
    "CyclicLR(triangular2)": lambda o: ls.CyclicLR(o, 0.01, 0.1, step_size_up=10,
                                                   mode="triangular2"),
    "OneCycleLR(cos)": lambda o: ls.OneCycleLR(o, max_lr=0.1, total_steps=STEPS + 1),
    "OneCycleLR(linear, 3 phases)": lambda o: ls.OneCycleLR(
        o, max_lr=0.1, total_steps=STEPS + 1, anneal_strategy="linear", three_phase=True),
    "ReduceLROnPlateau(patience=5)": lambda o: ls.ReduceLROnPlateau(o, patience=5, factor=0.5),
    "SequentialLR(warm-up, cosine)": lambda o: ls.SequentialLR(
        o, [ls.LinearLR(o, start_factor=0.05, total_iters=10),
            ls.CosineAnnealingLR(o, T_max=90)], milestones=[10]),
    "InverseTimeDecay(k=0.05)": lambda o: ls.InverseTimeDecay(o, decay=0.05),
}


def curve(make) -> list[float]:
    opt = _opt()
    sched = make(opt)
    lrs = []
    for e in range(STEPS):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if isinstance(sched, ls.ReduceLROnPlateau):
            sched.step(max(1.0 - 0.05 * e, 0.4) + 0.01 * math.sin(e))  # a loss that plateaus
        else:
            sched.step()
    return lrs


def main() -> None:
    fig, axes = plt.subplots(4, 4, figsize=(13, 9.5), sharex=True)
    for ax, (title, make) in zip(axes.flat, SCHEDULES.items()):
        ax.plot(range(STEPS), curve(make), color="#1f77b4", lw=1.6)
        ax.set_title(title, fontsize=9)
        ax.set_ylim(0, 0.105)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("step", fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("lr", fontsize=8)
    fig.suptitle("optim.lr_scheduler: lr of SGD(lr=0.1) over 100 steps", fontsize=12)
    fig.tight_layout()
    OUT.parent.mkdir(exist_ok=True)
    fig.savefig(OUT, dpi=72)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
