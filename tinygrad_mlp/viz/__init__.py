"""See the network: computation-graph drawings (graphviz) and training plots (matplotlib).

Both libraries are optional (``pip install tinygrad_mlp[viz]``) and imported only
when a function here is called.
"""

from .graph import draw_graph, render_graph
from .steps import backward_order, backward_steps
from .plots import (
    heatmap,
    image_grid,
    misclassified_grid,
    plot_activations,
    plot_confusion_matrix,
    plot_cost,
    plot_history,
)

__all__ = [
    "draw_graph", "heatmap", "image_grid", "misclassified_grid", "plot_activations",
    "plot_confusion_matrix", "plot_cost", "plot_history", "render_graph",
    "backward_order", "backward_steps",
]
