"""Dataset readers: MNIST (with a verified download cache), Fashion-MNIST, 8x8 digits.

Image loaders return ``(X, y)``: X float32 of shape (N, 784) scaled to [0, 1]
(or uint8 (N, 28, 28) with ``flatten=False, normalize=False``), y int64 (N,).
"""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import numpy as np

from .._files import atomic_write, open_regular
from .idx import DatasetError, read_idx

__all__ = ["MNIST_FILES", "MNIST_MIRRORS", "MNIST_SHA256", "default_data_dir",
           "download_mnist", "load_digits", "load_fashion_mnist", "load_idx_folder",
           "load_mnist"]

#: The four standard file names: (split, kind) -> name.
MNIST_FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}

#: Accepted SHA-256 digests of the gzipped files. The t10k files have two: the
#: digest published for the mirrors and that of the byte-different (same
#: content, re-gzipped) copies in the project's shared data (its SHA256SUMS).
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz":
        ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",),
    "train-labels-idx1-ubyte.gz":
        ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",),
    "t10k-images-idx3-ubyte.gz":
        ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
         "fa1df4cb74e6e16586f395ed87c5759f799135c5fd1515996bc02340fba92f5f"),
    "t10k-labels-idx1-ubyte.gz":
        ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
         "604e4e0dcbdf2b978afd53c607ab784f8c99e680fd61d7983bc70839ed6528bb"),
}

#: Tried in order by ``download_mnist``.
MNIST_MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
_MAX_DOWNLOAD = 64 << 20  # the largest MNIST file is ~10 MB; stop a runaway server
_TIMEOUT = 30.0

# Names other distributions use for the same files (Kaggle's "train-images.idx3-ubyte").
_PREFIXES = {True: ("train",), False: ("t10k", "test")}
_KINDS = {"images": "idx3", "labels": "idx1"}


def default_data_dir() -> Path:
    """Where MNIST is cached: ``$TINYGRAD_MLP_DATA``, else ``$XDG_CACHE_HOME/tinygrad_mlp/mnist``,
    else ``~/.cache/tinygrad_mlp/mnist``."""
    if os.environ.get("TINYGRAD_MLP_DATA"):
        return Path(os.environ["TINYGRAD_MLP_DATA"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "tinygrad_mlp" / "mnist"


def _find(folder: Path, train: bool, kind: str) -> Path | None:
    for prefix in _PREFIXES[train]:
        for sep in ("-", "."):
            for suffix in (".gz", ""):
                p = folder / f"{prefix}-{kind}{sep}{_KINDS[kind]}-ubyte{suffix}"
                if p.exists():  # a FIFO or folder of that name is refused by read_idx
                    return p
    return None


def load_idx_folder(folder: str | os.PathLike, train: bool = True, flatten: bool = True,
                    normalize: bool = True,
                    num_classes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of one split from a folder of MNIST-style IDX files.

    Accepts ``train-``/``t10k-``/``test-`` prefixes, ``-idx3-ubyte`` or
    ``.idx3-ubyte``, gzipped or not. Returns X (N, H*W) float32 in [0, 1]
    (``flatten=False`` keeps (N, H, W); ``normalize=False`` keeps uint8) and
    y int64 (N,). FileNotFoundError if the pair is not there; DatasetError
    (one line naming the file) unless: N ≥ 1 images (N, H, W) and N integer
    labels, labels in 0..num_classes−1 (``num_classes=None``: any label ≥ 0),
    pixels finite and in [0, 255].
    """
    folder = Path(folder)
    split = "train" if train else "test"
    found = {kind: _find(folder, train, kind) for kind in _KINDS}
    missing = [k for k, p in found.items() if p is None]
    if missing:
        names = ", ".join(MNIST_FILES[(split, k)] for k in missing)
        raise FileNotFoundError(f"load_idx_folder: no {split} {' or '.join(missing)} file in "
                                f"{folder} (expected e.g. {names})")
    images, labels = read_idx(found["images"]), read_idx(found["labels"])
    _validate(images, labels, found["images"], found["labels"], num_classes)
    X = images.reshape(len(images), math.prod(images.shape[1:])) if flatten else images
    if normalize:
        X = X.astype(np.float32) / np.float32(255.0)
    return X, labels.astype(np.int64)


def _validate(images: np.ndarray, labels: np.ndarray, image_file: Path, label_file: Path,
              num_classes: int | None) -> None:
    """DatasetError naming the file unless images and labels are what the loaders promise."""
    where = "load_idx_folder"
    if images.ndim != 3 or labels.ndim != 1:
        raise DatasetError(f"{where}: expected images (N, H, W) and labels (N,), got "
                           f"{images.shape} from {image_file} and {labels.shape} from "
                           f"{label_file}")
    if len(images) != len(labels):
        raise DatasetError(f"{where}: {image_file} holds {len(images)} images but "
                           f"{label_file} holds {len(labels)} labels")
    if len(images) == 0 or images.size == 0:
        raise DatasetError(f"{where}: {image_file} holds no images (shape {images.shape}); "
                           f"an empty dataset cannot be trained or evaluated on")
    if not np.issubdtype(labels.dtype, np.integer):
        raise DatasetError(f"{where}: labels in {label_file} have dtype {labels.dtype}, "
                           f"expected integers")
    lo, hi = int(labels.min()), int(labels.max())
    top = None if num_classes is None else num_classes - 1
    if lo < 0 or (top is not None and hi > top):
        bad = lo if lo < 0 else hi
        i = int(np.argmax(labels == bad))
        allowed = f"0..{top}" if top is not None else ">= 0"
        raise DatasetError(f"{where}: {label_file} holds label {bad} at index {i}; labels "
                           f"must be {allowed}")
    if images.dtype == np.uint8:
        return  # 0..255 by construction
    if images.dtype.kind == "f" and not np.isfinite(images).all():
        i = int(np.argmax(~np.isfinite(images).reshape(-1)))
        raise DatasetError(f"{where}: {image_file} holds a non-finite pixel "
                           f"{images.reshape(-1)[i]} (image {i // (images[0].size)}); pixels "
                           f"must be finite numbers in [0, 255]")
    pmin, pmax = images.min(), images.max()
    if pmin < 0 or pmax > 255:
        bad = pmin if pmin < 0 else pmax
        i = int(np.argmax(images.reshape(-1) == bad)) // images[0].size
        raise DatasetError(f"{where}: {image_file} holds pixel value {bad} (image {i}); pixels "
                           f"must lie in [0, 255]")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open_regular(str(path), DatasetError, "sha256") as f:  # a FIFO must not hang
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch(url: str, dest: Path, expected: tuple[str, ...]) -> None:
    """Stream ``url`` into ``dest`` atomically, keeping it only if its SHA-256 is expected."""
    h = hashlib.sha256()
    with atomic_write(dest) as out, urlopen(url, timeout=_TIMEOUT) as response:
        total = 0
        for chunk in iter(lambda: response.read(1 << 16), b""):
            total += len(chunk)
            if total > _MAX_DOWNLOAD:
                raise DatasetError(f"download_mnist: {url} sent more than {_MAX_DOWNLOAD} bytes; "
                                   f"not an MNIST file")
            h.update(chunk)
            out.write(chunk)
        digest = h.hexdigest()
        if digest not in expected:
            # Raising inside atomic_write deletes the temporary file: nothing is kept.
            raise DatasetError(f"download_mnist: {url} has SHA-256 {digest}, expected "
                               f"{' or '.join(expected)}; the download was discarded")


def download_mnist(root: str | os.PathLike | None = None, train: bool = True) -> Path:
    """Fetch the missing MNIST files of one split into ``root`` (default ``default_data_dir()``)
    from ``MNIST_MIRRORS``, verifying each file's SHA-256; returns the folder.

    A file with the wrong digest is deleted and the next mirror tried; if every
    mirror fails, DatasetError (bad digests) or ConnectionError (unreachable) is raised.
    """
    folder = Path(root) if root is not None else default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    split = "train" if train else "test"
    for kind in _KINDS:
        name = MNIST_FILES[(split, kind)]
        if (folder / name).is_file():
            continue
        errors: list[str] = []
        bad_hash: DatasetError | None = None
        for mirror in MNIST_MIRRORS:
            try:
                _fetch(mirror + name, folder / name, MNIST_SHA256[name])
                break
            except DatasetError as e:
                bad_hash = e
                errors.append(str(e))
            except (URLError, OSError) as e:  # includes timeouts and HTTP errors
                errors.append(f"{mirror + name}: {type(e).__name__}: {e}")
        else:
            detail = "\n  ".join(errors)
            hint = (f"Download the files by hand and put them in {folder} "
                    f"({', '.join(MNIST_FILES.values())}).")
            if bad_hash is not None:
                raise DatasetError(f"download_mnist: no mirror gave a verified {name}:\n  "
                                   f"{detail}\n{hint}")
            raise ConnectionError(f"download_mnist: could not download {name} from any "
                                  f"mirror:\n  {detail}\n{hint}")
    return folder


def _missing_mnist_message(folder: Path) -> str:
    names = "\n  ".join(MNIST_FILES.values())
    return (f"load_mnist: MNIST files not found in {folder}. Put these four files there "
            f"(gzipped or not):\n  {names}\nor call load_mnist(..., download=True) to fetch "
            f"them (needs internet), or set TINYGRAD_MLP_DATA to the folder holding them.")


def load_mnist(root: str | os.PathLike | None = None, train: bool = True,
               download: bool = False, flatten: bool = True,
               normalize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's training (60,000) or test (10,000) split as ``(X, y)``.

    X float32 (N, 784) in [0, 1], y int64 (N,) in 0..9 (see ``load_idx_folder``
    for ``flatten``/``normalize``). Files are read from ``root`` (default
    ``default_data_dir()``); ``download=True`` fetches missing ones first.
    Without them, FileNotFoundError says which files to put where.
    """
    folder = Path(root) if root is not None else default_data_dir()
    complete = all(_find(folder, train, kind) is not None for kind in _KINDS)
    if not complete and download:
        download_mnist(folder, train=train)
    try:
        return load_idx_folder(folder, train=train, flatten=flatten, normalize=normalize,
                               num_classes=10)
    except FileNotFoundError:
        raise FileNotFoundError(_missing_mnist_message(folder)) from None


def load_fashion_mnist(root: str | os.PathLike | None = None, train: bool = True,
                       flatten: bool = True,
                       normalize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST (60,000 train / 10,000 test, 10 clothing classes) as ``(X, y)``,
    shaped like ``load_mnist``'s. ``root`` defaults to Debian's
    ``/usr/share/datasets/fashion-mnist`` (package ``dataset-fashion-mnist``).
    """
    folder = Path(root) if root is not None else Path(FASHION_MNIST_DIR)
    try:
        return load_idx_folder(folder, train=train, flatten=flatten, normalize=normalize,
                               num_classes=10)
    except FileNotFoundError:
        split = "train" if train else "test"
        raise FileNotFoundError(
            f"load_fashion_mnist: Fashion-MNIST {split} files not found in {folder} (expected "
            f"{MNIST_FILES[(split, 'images')]} and {MNIST_FILES[(split, 'labels')]}). On "
            f"Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist (installs them in "
            f"{FASHION_MNIST_DIR}); or pass root= a folder holding them.") from None


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits: X float32 (1797, 64) scaled to [0, 1] (pixels / 16),
    y int64 (1797,) in 0..9."""
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as e:
        raise ImportError("load_digits needs scikit-learn: pip install "
                          "'tinygrad_mlp[data]' (or pip install scikit-learn)") from e
    bunch = _sk_load_digits()
    return (bunch.data / 16.0).astype(np.float32), bunch.target.astype(np.int64)
