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


def _set_hyperparam(optimizer, name: str, value: float) -> None:
    """Set ``optimizer.<name>``, and the entry of every parameter group that has one
    (PyTorch keeps hyperparameters in ``param_groups``; tinygrad_mlp's attributes)."""
    for group in getattr(optimizer, "param_groups", None) or ():
        if isinstance(group, dict) and name in group:
            group[name] = value
    setattr(optimizer, name, value)


def current_lr(optimizer) -> float:
    """The optimizer's learning rate (its ``lr``, or its first parameter group's)."""
    if hasattr(optimizer, "lr"):
        return float(optimizer.lr)
    return float(optimizer.param_groups[0]["lr"])


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
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
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
        return current_lr(self.optimizer)

    def set_learning_rate(self, lr: float) -> None:
        """Change η; SGD's momentum buffers are rescaled so the velocity −η·b is kept."""
        old = current_lr(self.optimizer)
        if self.solver == "sgd" and lr > 0 and old != lr:
            for state in self.optimizer.state.values():
                buf = state.get("momentum_buffer")
                if buf is not None:
                    buf *= old / lr
        _set_hyperparam(self.optimizer, "lr", lr)

    def zero_grad(self) -> None:
        self.optimizer.zero_grad()

    def step(self) -> None:
        if self.solver == "adam":
            self.t += 1
            _set_hyperparam(self.optimizer, "eps",
                            self.epsilon / math.sqrt(1 - self.beta_2 ** self.t))
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
                "epsilon": self.epsilon, "momentum": self.momentum, "nesterov": self.nesterov,
                "beta_1": self.beta_1, "beta_2": self.beta_2, "t": self.t,
                "optimizer": self.optimizer.state_dict()}

    @classmethod
    def from_state(cls, params, state: dict) -> StochasticSolver:
        def num(key):
            return float(np.asarray(state[key]))

        self = cls(params, str(state["solver"]), num("learning_rate_init"),
                   str(state["lr_schedule"]), momentum=num("momentum"),
                   nesterov=bool(np.asarray(state["nesterov"])), power_t=num("power_t"),
                   beta_1=num("beta_1"), beta_2=num("beta_2"), epsilon=num("epsilon"))
        self.optimizer.load_state_dict(state["optimizer"])
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
