"""Devices, PyTorch-style.  Only the CPU exists: NumPy is the one backend.

``tm.device('cuda')`` can be named (so device-agnostic scripts parse), but
moving a tensor there raises the error PyTorch's CPU-only builds raise,
``AssertionError``, with one line naming what is missing.
"""

from __future__ import annotations

CUDA_ERROR = ("tinygrad_mlp runs on NumPy (CPU) only: no GPU backend is installed "
              "(a CuPy backend in tinygrad_mlp/backend.py would be needed for {name!r}); "
              "use device='cpu'")


class device:  # noqa: N801 - PyTorch's name
    """A device: ``device('cpu')``, ``device('cpu', 0)``, ``device('cuda:0')``."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None):  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string like 'cpu', got {type!r}")
        name, _, idx = type.partition(":")
        if name not in ("cpu", "cuda", "mps", "meta", "xpu"):
            raise RuntimeError(f"Expected one of cpu, cuda, mps, meta, xpu device type at start "
                               f"of device string: {type}")
        self.type = name
        self.index = int(idx) if idx else index

    def __repr__(self) -> str:
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{idx})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(dev, op: str = "to") -> device:
    """``dev`` as a ``device``; AssertionError for anything but the CPU (PyTorch's type)."""
    d = dev if isinstance(dev, device) else device(str(dev))
    if d.type != "cpu":
        raise AssertionError(f"{op}: " + CUDA_ERROR.format(name=str(d)))
    return d


class cuda:  # noqa: N801 - stands in for the ``torch.cuda`` module
    """``tm.cuda.is_available()`` is False: scripts that pick a device run on the CPU."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0
