"""The package's random number generator, reseeded by ``tm.manual_seed``.

Initialisers, dropout and data shuffling draw from ``get_rng()`` unless given a
generator of their own, so one ``manual_seed(n)`` makes a whole run repeatable.
"""

from __future__ import annotations

import numpy as np

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the package-wide generator (like ``torch.manual_seed``) and return it."""
    global _rng
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed!r}")
    _rng = np.random.default_rng(int(seed))
    return _rng


def get_rng() -> np.random.Generator:
    """The current package-wide ``numpy.random.Generator``."""
    return _rng
