"""The ``tinygrad-mlp`` command: train, evaluate, draw and gradient-check MLPs.

    tinygrad-mlp train                      # digits, a few seconds
    tinygrad-mlp evaluate runs/train-digits/model.npz

``main(argv)`` returns the exit status instead of exiting, so tests call it
in-process: 0 success, 1 a runtime error (missing file, corrupt checkpoint,
missing optional dependency; or, for ``gradcheck``, a gradient that is not OK),
2 bad arguments, 130 interrupted, 141 output pipe closed (``... | head``: quietly).
Errors are one line on stderr (``tinygrad-mlp: error: ...``) naming the flag, or
the file and field; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .common import CLIError, UsageError, one_line
from .parser import PROG, build_parser

__all__ = ["CLIError", "UsageError", "build_parser", "main"]

#: Errors the library raises for bad files, bad values and missing optional
#: dependencies (CheckpointError and DatasetError are ValueErrors; ConnectionError
#: and FileNotFoundError are OSErrors; load_state_dict raises RuntimeError).
_EXPECTED = (OSError, ValueError, ImportError, RuntimeError, KeyError, CLIError)


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tinygrad-mlp`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # The reader went away (``evaluate ... | head``): stop quietly, and point stdout
        # at devnull so that Python's final flush does not complain either.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass  # stdout is not a real file (tests capture it)
        return 141


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as e:
        _error(str(e))
        return e.exit_code
    except SystemExit as e:  # --help and --version exit through argparse
        return e.code if isinstance(e.code, int) else 0
    if args.command is None:
        _error(f"no command given: choose train, evaluate, graph or gradcheck "
               f"(see '{PROG} --help')")
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        if args.debug:
            raise
        _error("interrupted")
        return 130
    except BrokenPipeError:
        raise
    except MemoryError as e:
        if args.debug:
            raise
        _error(f"out of memory ({one_line(e) if str(e) else 'MemoryError'}); use smaller "
               f"--hidden sizes, --batch-size or --limit")
        return 1
    except Exception as e:
        if args.debug:
            raise
        if isinstance(e, _EXPECTED):
            _error(one_line(e))
            return e.exit_code if isinstance(e, CLIError) else 1
        _error(f"unexpected {type(e).__name__}: {one_line(e)} (this is probably a bug in "
               f"tinygrad_mlp; run again with --debug for the traceback and report it)")
        return 1
