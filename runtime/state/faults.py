"""Faults of the work folder or the output folder (not of the spec): one line naming the folder
and the fix; the CLI prints it and exits 1. The next build resumes."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

NO_SPACE = "no space left on the device holding"


def disk_full(errors: Iterable[str]) -> str | None:
    """The one line to print when some of a build's errors are a full disk (the rest follow from it)."""
    return next((e.strip() for e in errors if e.strip().startswith(NO_SPACE)), None)


class StateFault(Exception):
    """A problem with the files vidc keeps (a queue that is a folder, a full or read-only disk)."""


def describe_oserror(exc: OSError, where: Path | str | None = None) -> str:
    """One line for an OSError: what, where, and the fix."""
    path = exc.filename or where or "the work folder"
    folder = Path(str(path))
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        folder = next((p for p in [folder, *folder.parents] if p.name == ".vidc"), folder)  # the work folder
        return (
            f"{NO_SPACE} {folder}: run `vidc gc` to remove old work (or free some "
            f"space) and run the same command again; finished work is kept"
        )
    if exc.errno == errno.EROFS or exc.errno in (errno.EACCES, errno.EPERM):
        kind = "read-only" if exc.errno == errno.EROFS else "not writable"
        return (
            f"{folder} is {kind} ({os.strerror(exc.errno)}): make it writable "
            f"(or build a copy of the project somewhere writable) and run the same command again"
        )
    if exc.errno == errno.ELOOP:
        return f"{folder} is a symlink where vidc keeps a file: remove it and run the same command again"
    if exc.errno == errno.EISDIR:
        return f"{folder} is a folder where vidc keeps a file: move it away and run the same command again"
    if exc.errno == errno.ENOTDIR:
        return f"{folder} (or a folder above it) is a file where vidc needs a folder: move it away and run again"
    return f"{folder}: {exc.strerror or exc}; fix it and run the same command again (finished work is kept)"
