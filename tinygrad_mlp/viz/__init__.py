"""See the network: computation-graph drawings (graphviz) and training plots (matplotlib).

Both libraries are optional (``pip install tinygrad_mlp[viz]``) and imported only
when a function here is called.
"""

from .boundary import decision_grid, plot_decision_boundary
from .callbacks import (
    ActivationHistograms,
    Diagnostics,
    GradFlow,
    GradientHistograms,
    UpdateRatio,
    WeightHistograms,
)
from .diagnostics import (
    activation_stats,
    grad_flow,
    gradient_stats,
    plot_activation_histograms,
    plot_grad_flow,
    plot_gradient_histograms,
    plot_update_ratio,
    plot_weight_histograms,
)
from .graph import draw_graph, render_graph
from .plots import (
    heatmap,
    image_grid,
    misclassified_grid,
    plot_activations,
    plot_confusion_matrix,
    plot_cost,
    plot_history,
)
from .report import FitReporter, write_report
from .steps import backward_order, backward_steps

__all__ = [
    "draw_graph", "heatmap", "image_grid", "misclassified_grid", "plot_activations",
    "plot_confusion_matrix", "plot_cost", "plot_history", "render_graph",
    "backward_order", "backward_steps", "decision_grid", "plot_decision_boundary",
    "ActivationHistograms", "Diagnostics", "GradFlow", "GradientHistograms", "UpdateRatio",
    "WeightHistograms", "activation_stats", "grad_flow", "gradient_stats",
    "plot_activation_histograms", "plot_grad_flow", "plot_gradient_histograms",
    "plot_update_ratio", "plot_weight_histograms", "FitReporter", "write_report",
]
