"""A file written whole or not at all: a temporary file in the same folder, then a rename, so a reader never
sees half of one and a full disk leaves the earlier file (or none), never a truncated one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()  # what open() would give a new file; mkstemp's own is 0600


def write_whole(path: Path, data: bytes) -> None:
    """`data` at `path`, whole; OSError (and nothing at `path` changed) when the folder refuses it or the disk is full."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:  # closes the descriptor whatever happens next
            os.fchmod(handle, _MODE)
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
