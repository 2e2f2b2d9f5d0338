"""``summary(model, input_size)``: a torchinfo-style table of a model's layers.

    >>> rows = nn.summary(model, (64, 784))     # prints the table
    >>> rows[1]["output_shape"], rows.total_params
    ([64, 128], 101770)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor
from .module import Module

__all__ = ["ModelSummary", "summary"]

_WIDTHS = (40, 26, 13, 10)


def _fmt(n) -> str:
    return f"{n:,}" if isinstance(n, int) else str(n)


class ModelSummary(list):
    """The rows of the table (one dict per module: ``layer``, ``name``, ``depth``,
    ``output_shape``, ``num_params``, ``trainable``) plus the totals; ``str()`` is the
    table."""

    def __init__(self, rows: list, total: int, trainable: int):
        super().__init__(rows)
        self.total_params = total
        self.trainable_params = trainable
        self.non_trainable_params = total - trainable

    def __str__(self) -> str:
        line = "=" * sum(_WIDTHS)
        head = ("Layer (type:depth-idx)", "Output Shape", "Param #", "Trainable")
        out = [line, "".join(h.ljust(w) for h, w in zip(head, _WIDTHS)).rstrip(), line]
        for r in self:
            shape = "--" if r["output_shape"] is None else str(r["output_shape"])
            cells = (r["tree"], shape, _fmt(r["num_params"]), str(r["trainable"]))
            out.append("".join(c.ljust(w) for c, w in zip(cells, _WIDTHS)).rstrip())
        out += [line, f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}", line]
        return "\n".join(out)

    __repr__ = __str__


def _shapes(out):
    if isinstance(out, Tensor):
        return list(out.shape)
    if isinstance(out, (tuple, list)):
        return [_shapes(o) for o in out]
    return None


def summary(model: Module, input_size=None, input_data=None, dtypes: Sequence | None = None,
            depth: int = 3, verbose: int = 1) -> ModelSummary:
    """Run ``model`` once (eval mode, no grad; its mode is restored) on random inputs of
    ``input_size`` (batch dim included; a list of sizes for several inputs) or on
    ``input_data``, and tabulate each module down to ``depth``: its output shape, its
    own parameter count and whether those train.  Prints the table when ``verbose``."""
    if input_data is None:
        if input_size is None:
            raise ValueError("summary: give input_size (batch dim included) or input_data")
        sizes = [input_size] if input_size and isinstance(input_size[0], int) else input_size
        dtypes = list(dtypes) if dtypes is not None else [None] * len(sizes)
        p = next(model.parameters(), None)
        default = p.data.dtype if p is not None else np.dtype(np.float32)
        rng = np.random.default_rng(0)
        inputs = []
        for size, dt in zip(sizes, dtypes):
            dt = np.dtype(default if dt is None else dt)
            arr = (np.zeros(size, dt) if dt.kind in "iub"
                   else rng.standard_normal(size).astype(dt))
            inputs.append(Tensor._wrap(arr))
    else:
        inputs = list(input_data) if isinstance(input_data, (list, tuple)) else [input_data]
    outputs: dict[int, object] = {}

    def record(mod, args, out) -> None:
        outputs.setdefault(id(mod), _shapes(out))

    handles = [m.register_forward_hook(record) for m in model.modules()]
    was_training = model.training
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    rows = []
    counters: dict[int, int] = {}
    stack = [("", model, 0, "")]
    while stack:
        name, mod, d, indent = stack.pop()
        own = list(mod.parameters(recurse=False))
        n_own = sum(p.data.size for p in own)
        every = list(mod.parameters())
        if not every:
            trainable = "--"
        elif all(p.requires_grad for p in every):
            trainable = True
        elif not any(p.requires_grad for p in every):
            trainable = False
        else:
            trainable = "Partial"
        counters[d] = counters.get(d, 0) + 1
        label = type(mod).__name__ + (f": {d}-{counters[d]}" if d else "")
        rows.append(dict(name=name, layer=label, tree=indent + label, depth=d,
                         output_shape=outputs.get(id(mod)),
                         num_params=n_own if own else "--",
                         trainable=trainable))
        if d < depth:
            kids = list(mod.named_children())
            pre = indent.replace("├─", "│ ").replace("└─", "  ")
            for i in reversed(range(len(kids))):
                k, m = kids[i]
                branch = "└─" if i == len(kids) - 1 else "├─"
                stack.append((f"{name}.{k}" if name else k, m, d + 1, pre + branch))
    params = list(model.parameters())
    result = ModelSummary(rows, sum(p.data.size for p in params),
                          sum(p.data.size for p in params if p.requires_grad))
    if verbose:
        print(result)
    return result
