"""scikit-learn estimators trained by tinygrad_mlp (needs scikit-learn and SciPy).

* ``MLPClassifier``, ``MLPRegressor``: drop-ins for ``sklearn.neural_network``'s
  classes (same parameters, defaults and fitted attributes).
* ``NeuralNetClassifier``, ``NeuralNetRegressor``: wrap any ``nn.Module``, as
  skorch does (``module__hidden=64``, ``optimizer__momentum=0.9``, callbacks).

    from tinygrad_mlp.sklearn import MLPClassifier
    from sklearn.model_selection import GridSearchCV
    GridSearchCV(MLPClassifier(max_iter=50), {"alpha": [1e-4, 1e-2]}).fit(X, y)
"""

from .mlp import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
