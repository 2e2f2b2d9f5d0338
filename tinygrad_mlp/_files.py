"""Opening files to read them safely, and writing them atomically without leaving litter.

* ``open_regular(path, error, who)`` refuses anything but a regular file *before* it
  could block: a FIFO, a device or a socket would make ``open()`` or ``read()`` hang.
  It checks with ``os.stat``, opens with ``O_NONBLOCK`` (so even a FIFO swapped in
  after the check cannot hang the open) and checks the opened descriptor again.
* ``atomic_write(path)`` writes into ``.{name}.{pid}.{n}.tmp`` beside ``path`` and
  moves it into place with ``os.replace``. A process killed mid-write leaves that
  temporary file behind; the next save of the same path (and every load of it)
  removes the temporary files of ``path`` whose writer process is gone.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import stat
import threading
import time
from collections.abc import Iterator
from typing import IO

__all__ = ["atomic_write", "clean_stale_temps", "open_regular", "temp_name"]

# Read once at import: os.umask can only be read by setting it, which is process-wide.
_UMASK = os.umask(0)
os.umask(_UMASK)
_COUNTER = itertools.count()
_COUNTER_LOCK = threading.Lock()
#: A temporary file older than this is stale even if a process with its pid runs
#: (pids are reused); no save of a checkpoint takes a day.
STALE_AFTER_S = 24 * 3600.0


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: str, error: type[Exception], who: str) -> IO[bytes]:
    """``path`` opened for binary reading, or ``error`` if it is not a regular file.

    FileNotFoundError (and other OSErrors from the OS, e.g. PermissionError)
    propagate; ``error(f"{who}: {path} is a FIFO ...")`` for anything that is
    not a regular file (following symlinks), checked before and after opening.
    """
    st = os.stat(path)  # FileNotFoundError names the path
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{who}: {path} is {_kind(st.st_mode)}, not a regular file")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced between the stat and the open
            raise error(f"{who}: {path} is {_kind(st.st_mode)}, not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


# ------------------------------------------------------------------ atomic writes
def temp_name(path: str) -> str:
    """A fresh temporary name for writing ``path``: ``.{name}.{pid}.{n}.tmp`` beside it."""
    with _COUNTER_LOCK:
        n = next(_COUNTER)
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}.{os.getpid()}.{n}.tmp")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else (or we cannot tell: keep it)
    return True


def clean_stale_temps(path: str | os.PathLike) -> list[str]:
    """Remove the temporary files an interrupted ``atomic_write(path)`` left; return them.

    A temporary file of ``path`` is stale when the process that wrote it no
    longer runs, or when it is older than ``STALE_AFTER_S``. Temporary files
    of other paths, and those of writers still running, are left alone.
    Errors (a read-only folder) are ignored: cleaning is a courtesy.
    """
    directory, name = os.path.split(os.path.abspath(os.fspath(path)))
    pattern = re.compile(r"\." + re.escape(name) + r"\.(\d+)\.\d+\.tmp\Z")
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if m is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                continue
            if _pid_alive(int(m.group(1))) and now - st.st_mtime < STALE_AFTER_S:
                continue
            os.unlink(entry.path)
            removed.append(entry.path)
        except OSError:
            continue
    return removed


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[IO[bytes]]:
    """Open a temporary file beside ``path`` for binary writing; on success move it
    onto ``path`` with ``os.replace`` (atomic), on any error delete it.

    A crash or exception mid-write therefore leaves the old ``path`` untouched;
    a temporary file left by a killed process is removed by the next
    ``atomic_write`` of the same path (see ``clean_stale_temps``).
    """
    path = os.fspath(path)
    clean_stale_temps(path)
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        # The file was made 0600; give it the permissions open() would have.
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
