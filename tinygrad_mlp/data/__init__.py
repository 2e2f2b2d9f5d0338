"""Data: mini-batching, splits, one-hot targets and dataset readers (IDX, MNIST,
Fashion-MNIST, scikit-learn's digits).

    from tinygrad_mlp.data import DataLoader, load_mnist, train_test_split
    X, y = load_mnist(train=False)                  # (10000, 784) float32, (10000,) int64
    for xb, yb in DataLoader(X, y, batch_size=64, shuffle=True, seed=0):
        ...
"""

from .datasets import (
    MNIST_FILES,
    default_data_dir,
    download_mnist,
    load_digits,
    load_fashion_mnist,
    load_idx_folder,
    load_mnist,
)
from .idx import DatasetError, read_idx, write_idx
from .loader import DataLoader, TensorDataset, one_hot, train_test_split

__all__ = [
    "MNIST_FILES", "DataLoader", "DatasetError", "TensorDataset", "default_data_dir",
    "download_mnist", "load_digits", "load_fashion_mnist", "load_idx_folder", "load_mnist",
    "one_hot", "read_idx", "train_test_split", "write_idx",
]
