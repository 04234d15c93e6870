"""Writing the script's lock file beside the spec, atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from vidc.compiler.script_prompt import LockedScript, lock_text

from ..state.secrets import scrub


def write_lock(path: str | os.PathLike[str], locked: LockedScript) -> Path:
    """Write the lock atomically: a temporary file in the same folder, fsync, os.replace."""
    target = Path(path)
    data = scrub(lock_text(locked)).encode("utf-8")  # a key an answer echoed never lands in the project
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename durable too (POSIX); best effort elsewhere
        dfd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return target
