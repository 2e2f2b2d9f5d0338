"""Shared test configuration: hypothesis profiles and the path of the shared MNIST files.

Hypothesis profiles (pick one with ``HYPOTHESIS_PROFILE=name`` or pytest's
``--hypothesis-profile=name``):

* ``default``: quick, for development (25 examples per property).
* ``ci``: derandomized, so a CI run is reproducible (40 examples); used when ``CI`` is set.
* ``thorough``: 500 examples per property, for a long run before a release.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is a dev dependency; the tests that need it skip
    settings = None

if settings is not None:
    # NumPy timings vary too much between machines for hypothesis' deadline.
    settings.register_profile("default", max_examples=25, deadline=None)
    settings.register_profile(
        "ci",
        derandomize=True,
        max_examples=40,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile("thorough", max_examples=500, deadline=None)
    settings.load_profile(
        os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
    )

#: The repository root (the folder holding pyproject.toml).
REPO_ROOT = Path(__file__).resolve().parents[1]
#: The real MNIST test set (IDX gz), shared beside the repository for developers and CI.
MNIST_DIR = REPO_ROOT.parent / "shared" / "data" / "mnist"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The shared MNIST directory (``../shared/data/mnist``); skips the test when it is missing."""
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"the shared MNIST files are not at {MNIST_DIR}")
    return MNIST_DIR
