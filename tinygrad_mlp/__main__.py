"""``python -m tinygrad_mlp``: the ``tinygrad-mlp`` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
