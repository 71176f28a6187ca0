"""Real conditions of a CI runner's surroundings, for a child process: a folder it may not write, a full disk, a
file-size limit.

Tests run as root, and root writes to a `chmod 555` folder anyway: the child drops every capability (`setpriv`),
so the folder's mode holds for it. A full disk is a small tmpfs mounted over a folder in a mount namespace of the
child's own (`unshare -m`); what the child left there is copied out beside it before the namespace goes. A
file-size limit (RLIMIT_FSIZE) makes every write past it fail with EFBIG, as Python ignores SIGXFSZ."""

from __future__ import annotations

import functools
import os
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

WITHOUT_ROOT_POWERS = ("setpriv", "--inh-caps=-all", "--bounding-set=-all", "--")


@functools.cache
def _can_drop_root_powers() -> bool:
    if shutil.which("setpriv") is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o555)
        done = subprocess.run([*WITHOUT_ROOT_POWERS, "touch", f"{folder}/x"], capture_output=True, timeout=30)
        os.chmod(folder, 0o755)
        return done.returncode != 0


def read_only(folder: Path) -> tuple[str, ...]:
    """`folder` made read-only, and the prefix that runs a command so that it cannot write there."""
    if not _can_drop_root_powers():
        pytest.skip("setpriv cannot drop root's capabilities here: a read-only folder cannot be shown to a child")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    return WITHOUT_ROOT_POWERS


def restore(folder: Path) -> None:
    folder.chmod(0o755)


@functools.cache
def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(["unshare", "-m", "mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", folder], capture_output=True, timeout=30)
        return done.returncode == 0


_FULL = 'mount -t tmpfs -o size="$1" tmpfs "$0" || exit 99; shift; "$@"; code=$?; cp -a "$0/." "$0.seen/"; exit $code'


def full_disk(folder: Path, size: str) -> tuple[str, ...]:
    """The prefix that runs a command with only `size` (e.g. `16k`) of room in `folder`; afterwards `seen(folder)` holds
    what the command left there."""
    if not _can_mount_tmpfs():
        pytest.skip("unshare cannot mount a tmpfs here: a full disk cannot be shown to a child")
    folder.mkdir(parents=True, exist_ok=True)
    seen(folder).mkdir(exist_ok=True)
    return ("unshare", "-m", "sh", "-c", _FULL, str(folder), size)


def seen(folder: Path) -> Path:
    return folder.with_name(folder.name + ".seen")


def file_size_limit(size: int):
    """A `preexec_fn`: no file of the child grows past `size` bytes."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit
