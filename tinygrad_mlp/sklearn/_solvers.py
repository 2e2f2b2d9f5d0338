"""scikit-learn's MLP solvers on tinygrad_mlp's optimizers.

``sgd`` and ``adam`` are ``optim.SGD`` and ``optim.Adam`` (PyTorch's update
rules) driven so that every step equals scikit-learn's:

* SGD. scikit-learn keeps a velocity v ← μv − ηg and steps p ← p + v
  (Nesterov: p ← p + μv − ηg); PyTorch keeps a buffer b ← μb + g and steps
  p ← p − η b (Nesterov: p ← p − η(g + μb)). With a constant η, v = −η b. When
  the learning rate changes from η to η′ (``invscaling`` after every epoch,
  ``adaptive`` on a plateau) the buffer is rescaled by η/η′, which keeps
  v = −η′ b and so keeps the two identical.
* Adam. scikit-learn's step is η·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε); PyTorch's is
  η/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε). They agree when PyTorch's ε is
  ε/√(1−β₂ᵗ), which ``step`` sets before each update.

``lbfgs`` is ``scipy.optimize.minimize(method='L-BFGS-B', jac=True)`` on the
flattened parameters, the loss and gradient coming from autograd.
"""

from __future__ import annotations

import math

import numpy as np

from .. import optim


class StochasticSolver:
    """The optimizer state of a fitted stochastic MLP (scikit-learn's ``_optimizer``)."""

    def __init__(self, params, solver: str, learning_rate_init: float,
                 lr_schedule: str = "constant",
                 momentum: float = 0.9, nesterov: bool = True, power_t: float = 0.5,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8):
        self.solver = solver
        self.learning_rate_init = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.power_t = float(power_t)
        self.epsilon = float(epsilon)
        self.t = 0  # Adam's step count
        params = list(params)
        if solver == "sgd":
            mu = float(momentum)
            self.optimizer = optim.SGD(params, lr=self.learning_rate_init, momentum=mu,
                                       nesterov=bool(nesterov) and mu > 0)
        else:
            self.optimizer = optim.Adam(params, lr=self.learning_rate_init,
                                        betas=(float(beta_1), float(beta_2)), eps=self.epsilon)

    @property
    def learning_rate(self) -> float:
        return self.optimizer.lr

    def set_learning_rate(self, lr: float) -> None:
        """Change η; SGD's momentum buffers are rescaled so the velocity −η·b is kept."""
        old = self.optimizer.lr
        if self.solver == "sgd" and lr > 0 and old != lr:
            for state in self.optimizer.state.values():
                buf = state.get("momentum_buffer")
                if buf is not None:
                    buf *= old / lr
        self.optimizer.lr = lr

    def zero_grad(self) -> None:
        self.optimizer.zero_grad()

    def step(self) -> None:
        if self.solver == "adam":
            self.t += 1
            self.optimizer.eps = self.epsilon / math.sqrt(1 - self.optimizer.betas[1] ** self.t)
        self.optimizer.step()

    def iteration_ends(self, time_step: int) -> None:
        """After each epoch; ``time_step`` is the number of samples seen so far."""
        if self.solver == "sgd" and self.lr_schedule == "invscaling":
            self.set_learning_rate(self.learning_rate_init / (time_step + 1) ** self.power_t)

    def trigger_stopping(self, msg: str, verbose) -> bool:
        """Whether to stop on a plateau (``adaptive`` SGD divides η by 5 instead, down to 1e-6)."""
        if self.solver != "sgd" or self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.set_learning_rate(self.learning_rate / 5.0)
        if verbose:
            print(msg + f" Setting learning rate to {self.learning_rate:f}")
        return False

    # -------------------------------------------------------------- transport
    def state(self) -> dict:
        """Plain numbers and arrays (for pickle and ``tm.save``)."""
        return {"solver": self.solver, "learning_rate_init": self.learning_rate_init,
                "lr_schedule": self.lr_schedule, "power_t": self.power_t,
                "epsilon": self.epsilon, "t": self.t, "optimizer": self.optimizer.state_dict()}

    @classmethod
    def from_state(cls, params, state: dict) -> StochasticSolver:
        opt = state["optimizer"]
        hp = opt["hyperparams"]
        if state["solver"] == "sgd":
            self = cls(params, "sgd", state["learning_rate_init"], str(state["lr_schedule"]),
                       momentum=hp["momentum"], nesterov=bool(hp["nesterov"]),
                       power_t=state["power_t"])
        else:
            self = cls(params, "adam", state["learning_rate_init"], beta_1=hp["beta1"],
                       beta_2=hp["beta2"], epsilon=state["epsilon"])
        self.optimizer.load_state_dict(opt)
        self.t = int(np.asarray(state["t"]))
        return self


def lbfgs(fun_and_grad, x0: np.ndarray, max_iter: int, max_fun: int, tol: float, verbose):
    """``scipy.optimize.minimize(fun_and_grad, x0, method='L-BFGS-B', jac=True)`` with
    scikit-learn's options (maxiter, maxfun, gtol=tol); returns the OptimizeResult."""
    import scipy.optimize

    callback = None
    if verbose:
        def callback(xk, _count=[0]):  # noqa: B006 - a counter kept between calls
            _count[0] += 1
            print(f"L-BFGS-B iteration {_count[0]}")
    return scipy.optimize.minimize(fun_and_grad, x0, method="L-BFGS-B", jac=True,
                                   callback=callback,
                                   options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol})
