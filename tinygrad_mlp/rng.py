"""Random number generators: ``tm.Generator`` and the default one ``tm.manual_seed`` seeds.

A ``Generator`` wraps a NumPy ``Generator`` (PCG64).  Random creation ops
(``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``,
``multinomial``) take ``generator=``; without one they draw from
``default_generator``, as do initialisers, dropout and data shuffling (through
``get_rng()``).  So one ``manual_seed(n)`` makes a whole run repeatable, and a
``Generator`` of your own gives a stream that the global seed does not touch::

    g = tm.Generator().manual_seed(0)
    tm.rand(3, generator=g)          # the same three numbers every run
"""

from __future__ import annotations

import numpy as np

from . import _trace

__all__ = [
    "Generator", "default_generator", "get_rng", "get_rng_state", "initial_seed",
    "manual_seed", "seed", "set_rng_state",
]

_STATE_BYTES = 37  # PCG64: state (16 bytes), increment (16), has_uint32 (1), uinteger (4)


def _check_seed(seed, op: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{op}: seed must be a non-negative int, got {seed!r}")
    return int(seed)


class Generator:
    """A random number generator with PyTorch's interface (``torch.Generator``).

    ``manual_seed(n)`` (returns the generator, so calls chain), ``initial_seed()``,
    ``seed()`` (a fresh non-deterministic seed), ``get_state()`` / ``set_state(s)``
    (the state as a uint8 tensor of 37 bytes).  ``numpy_generator`` is the
    ``numpy.random.Generator`` that draws the numbers.
    """

    def __init__(self, device="cpu") -> None:
        if not str(device).startswith("cpu"):
            raise RuntimeError(f"Generator: device {str(device)!r} is not available; "
                               f"tinygrad_mlp runs on NumPy (CPU) only")
        self.device = device
        self.manual_seed(67280421310721)  # PyTorch's default seed

    def manual_seed(self, seed: int) -> Generator:
        """Reseed: the numbers that follow are a function of ``seed`` alone."""
        self._seed = _check_seed(seed, "manual_seed")
        self.numpy_generator = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        s = int(np.random.SeedSequence().entropy % (1 << 63))
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed given to the last ``manual_seed`` (or ``seed``)."""
        return self._seed

    def get_state(self):
        """The generator's full state as a uint8 tensor (restore it with ``set_state``)."""
        from .tensor import Tensor

        st = self.numpy_generator.bit_generator.state
        pcg = st["state"]
        raw = (pcg["state"].to_bytes(16, "little") + pcg["inc"].to_bytes(16, "little")
               + bytes([st["has_uint32"]]) + int(st["uinteger"]).to_bytes(4, "little"))
        return Tensor._wrap(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        """Restore a state returned by ``get_state`` (a uint8 tensor or array of 37 bytes)."""
        arr = np.asarray(getattr(new_state, "data", new_state))
        if arr.dtype != np.uint8 or arr.shape != (_STATE_BYTES,):
            raise RuntimeError(f"set_state: expected a uint8 tensor of {_STATE_BYTES} bytes "
                               f"(from get_state()), got dtype {arr.dtype} shape {arr.shape}")
        raw = arr.tobytes()
        bitgen = np.random.PCG64()
        bitgen.state = {"bit_generator": "PCG64",
                        "state": {"state": int.from_bytes(raw[:16], "little"),
                                  "inc": int.from_bytes(raw[16:32], "little")},
                        "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:], "little")}
        self.numpy_generator = np.random.Generator(bitgen)
        return self

    def __repr__(self) -> str:
        return f"tinygrad_mlp.Generator(device={str(self.device)!r})"


#: The generator behind every random op that is not given one (``manual_seed`` seeds it).
default_generator = Generator()
default_generator.seed()  # a different stream each process until manual_seed, as NumPy's


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator (like ``torch.manual_seed``) and return it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's last seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state (a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


def get_rng() -> np.random.Generator:
    """The default generator's ``numpy.random.Generator`` (what init, dropout and shuffling use)."""
    _trace.refuse("random numbers were drawn (dropout, random init)")
    return default_generator.numpy_generator


def numpy_rng(generator, op: str = "") -> np.random.Generator:
    """The NumPy generator to draw from: ``generator``'s (a ``Generator`` or a NumPy one),
    else the default one."""
    _trace.refuse("random numbers were drawn (dropout, random init)")
    if generator is None:
        return default_generator.numpy_generator
    if isinstance(generator, Generator):
        return generator.numpy_generator
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{op}: generator must be a tinygrad_mlp.Generator, got "
                    f"{type(generator).__name__}")
