"""Data: datasets, samplers and the DataLoader at ``torch.utils.data``'s names, splits,
one-hot targets and dataset readers (IDX, MNIST, Fashion-MNIST, scikit-learn's digits).

    from tinygrad_mlp.data import DataLoader, load_mnist, train_test_split
    X, y = load_mnist(train=False)                  # (10000, 784) float32, (10000,) int64
    for xb, yb in DataLoader(X, y, batch_size=64, shuffle=True, seed=0):
        ...
"""

from ._worker import WorkerInfo, get_worker_info
from .collate import CollateError, default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
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
from .loader import one_hot, train_test_split
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "MNIST_FILES", "DataLoader", "DatasetError", "TensorDataset", "default_data_dir",
    "download_mnist", "load_digits", "load_fashion_mnist", "load_idx_folder", "load_mnist",
    "one_hot", "read_idx", "train_test_split", "write_idx",
    "BatchSampler", "ChainDataset", "CollateError", "ConcatDataset", "Dataset",
    "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "Subset",
    "SubsetRandomSampler", "WeightedRandomSampler", "WorkerInfo", "default_collate",
    "default_convert", "get_worker_info", "random_split",
]
