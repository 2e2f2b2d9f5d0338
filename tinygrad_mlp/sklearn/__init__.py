"""scikit-learn estimators trained by tinygrad_mlp (needs scikit-learn and SciPy).

* ``MLPClassifier``, ``MLPRegressor``: drop-ins for ``sklearn.neural_network``'s
  classes (same parameters, defaults and fitted attributes).
* ``NeuralNetClassifier``, ``NeuralNetRegressor``: wrap any ``nn.Module``, as
  skorch does (``module__hidden=64``, ``optimizer__momentum=0.9``, callbacks).

    from tinygrad_mlp.sklearn import MLPClassifier
    from sklearn.model_selection import GridSearchCV
    GridSearchCV(MLPClassifier(max_iter=50), {"alpha": [1e-4, 1e-2]}).fit(X, y)
"""

try:
    import scipy  # noqa: F401
    import sklearn  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError(f"tinygrad_mlp.sklearn needs scikit-learn (>= 1.6) and SciPy: pip install "
                      f"'tinygrad_mlp[distributed]' or 'tinygrad_mlp[data]' ({e})") from e

from .callbacks import (  # noqa: E402
    Callback,
    Checkpoint,
    CSVLogger,
    EarlyStopping,
    EpochScoring,
    LRScheduler,
    PrintLog,
    ProgressBar,
)
from .mlp import MLPClassifier, MLPRegressor  # noqa: E402
from .modules import MLPModule  # noqa: E402
from .neuralnet import NeuralNet, NeuralNetClassifier, NeuralNetRegressor, ValidSplit  # noqa: E402

__all__ = [
    "CSVLogger", "Callback", "Checkpoint", "EarlyStopping", "EpochScoring", "LRScheduler",
    "MLPClassifier", "MLPModule", "MLPRegressor", "NeuralNet", "NeuralNetClassifier",
    "NeuralNetRegressor", "PrintLog", "ProgressBar", "ValidSplit",
]
