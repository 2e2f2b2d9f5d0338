"""Backward, step by step: the order in which backprop visits the ops, and the δ it finds.

``backward()`` visits the op nodes in Kahn's order (each once every op that
consumes its output is done, so the gradient δ = ∂L/∂out arriving there is
complete).  ``backward_steps(loss, out_dir)`` draws one picture per visit:
the op backward is at is yellow, every op already visited shows the ‖δ‖ of its
output, the leaves show theirs once all their consumers are done — BP1 (δᴸ at
the loss), BP2 (δˡ from δˡ⁺¹), BP3/BP4 (∂C/∂b, ∂C/∂w) as the engine does them.
The pictures are PNG files rendered by Graphviz's ``dot``; with Pillow they
are also joined into an animated GIF.
"""

from __future__ import annotations

from pathlib import Path

from ..autograd import grad as autograd_grad
from ..tensor import Tensor
from . import _style as S
from ._view import build, kahn_order
from .graph import draw_views, render_graph

__all__ = ["backward_order", "backward_steps"]


def backward_order(loss: Tensor) -> list:
    """The op nodes (``Function``s) of ``loss``'s graph in the order backward visits them
    (the engine's Kahn order; on a live graph and after ``backward()`` alike)."""
    views = build([loss])
    return [t.op.node for t in kahn_order(views[:1])]


def backward_steps(loss: Tensor, out_dir, params=None, max_steps: int = 60,
                   gif: bool = True, frame_ms: int = 900, rankdir: str = "LR") -> dict:
    """One PNG per backward step (``step_01.png`` …) and ``backward.gif`` in ``out_dir``.

    ``loss``: a scalar whose graph is still live (call before ``backward()``; the
    δ of every intermediate needs its saved arrays).  ``params``: names for the
    parameters (a Module or dict).  Graphs of more than ``max_steps`` ops are refused
    (draw them with ``draw_graph(…, show_order=True)`` instead).  Returns
    ``{'frames': [paths], 'gif': path or None, 'order': [op names], 'deltas': {…}}``
    with ``deltas`` mapping each step's op name and number to its ‖δ‖.
    """
    graphviz = S.import_graphviz()
    if not isinstance(loss, Tensor) or loss.data.size != 1 or loss._ctx is None:
        raise ValueError("backward_steps: loss must be a scalar Tensor with a graph")
    views = build([loss])
    order = kahn_order(views[:1])
    if len(order) > max_steps:
        raise ValueError(f"backward_steps: the graph has {len(order)} ops, more than "
                         f"max_steps={max_steps}; use draw_graph(loss, show_order=True)")
    if any(not t.op.live for t in order):
        raise RuntimeError("backward_steps: the graph was freed by backward(); call "
                           "backward_steps before backward() (it needs the saved arrays)")
    wanted = [t for t in views if t.requires_grad and t.tensor is not None]
    grads = autograd_grad(loss, [t.tensor for t in wanted], retain_graph=True,
                          allow_unused=True)
    delta = {t.key: g.data for t, g in zip(wanted, grads) if g is not None}
    step_of = {t.key: i for i, t in enumerate(order)}  # δ of an op's output: known there
    for t in views:  # a leaf's δ is complete when its last consumer is done
        if t.op is not None:
            for p in t.op.parents:
                if p.op is None and p.key in delta:
                    step_of[p.key] = max(step_of.get(p.key, -1), step_of[t.key])
    numbers = {t.key: i + 1 for i, t in enumerate(order)}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = []
    for k, t in enumerate(order):
        known = {key: d for key, d in delta.items() if step_of.get(key, 1 << 30) <= k}
        title = (f"backward step {k + 1} of {len(order)}: {t.op.name} "
                 f"(δ arrives complete; its inputs get their share)")
        dot = draw_views(graphviz, views, [loss], params, show_grad=False, saturation=False,
                         rankdir=rankdir, title=title, numbers=numbers, deltas=known,
                         current=t.key)
        frames.append(render_graph(dot, out / f"step_{k + 1:02d}.png"))
    gif_path = _gif(frames, out / "backward.gif", frame_ms) if gif else None
    return {"frames": frames, "gif": gif_path, "order": [t.op.name for t in order],
            "deltas": {f"{i + 1}: {t.op.name}": S.norm(delta[t.key])
                       for i, t in enumerate(order) if t.key in delta}}


def _gif(frames: list, path: Path, frame_ms: int) -> Path | None:
    """The frames as one looping GIF on a common white canvas (needs Pillow)."""
    try:
        from PIL import Image
    except ImportError:
        return None  # pictures only; pip install tinygrad_mlp[viz] for the GIF
    images = [Image.open(f).convert("RGB") for f in frames]
    w = max(i.width for i in images)
    h = max(i.height for i in images)
    canvas = []
    for im in images:
        c = Image.new("RGB", (w, h), "white")
        c.paste(im, ((w - im.width) // 2, 0))
        canvas.append(c.convert("P", palette=Image.ADAPTIVE, colors=64))
    durations = [frame_ms] * (len(canvas) - 1) + [frame_ms * 3]
    canvas[0].save(path, save_all=True, append_images=canvas[1:], duration=durations,
                   loop=0, optimize=False)
    return path
