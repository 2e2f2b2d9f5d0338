"""scikit-learn estimators trained by tinygrad_mlp (needs scikit-learn and SciPy).

* ``MLPClassifier``, ``MLPRegressor``: drop-ins for ``sklearn.neural_network``'s
  classes (same parameters, defaults and fitted attributes).
* ``NeuralNetClassifier``, ``NeuralNetRegressor``: wrap any ``nn.Module``, as
  skorch does (``module__hidden=64``, ``optimizer__momentum=0.9``, callbacks).

    from tinygrad_mlp.sklearn import MLPClassifier
    from sklearn.model_selection import GridSearchCV
    GridSearchCV(MLPClassifier(max_iter=50), {"alpha": [1e-4, 1e-2]}).fit(X, y)
"""

from .callbacks import (
    Callback,
    Checkpoint,
    CSVLogger,
    EarlyStopping,
    EpochScoring,
    LRScheduler,
    PrintLog,
    ProgressBar,
)
from .mlp import MLPClassifier, MLPRegressor
from .modules import MLPModule
from .neuralnet import NeuralNet, NeuralNetClassifier, NeuralNetRegressor, ValidSplit

__all__ = [
    "CSVLogger", "Callback", "Checkpoint", "EarlyStopping", "EpochScoring", "LRScheduler",
    "MLPClassifier", "MLPModule", "MLPRegressor", "NeuralNet", "NeuralNetClassifier",
    "NeuralNetRegressor", "PrintLog", "ProgressBar", "ValidSplit",
]
