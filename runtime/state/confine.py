"""One confinement rule for every path vidc reads, writes or deletes, whoever named it (a spec, a
manifest, a saved plan, a lexicon, a review stamp, the command line):

- it is resolved (symlinks followed) and must stay inside its root (the project, the work folder,
  the build folder, a music library); a symlink that leads out of the root is refused;
- a file vidc reads must be a regular file (a FIFO would hang a reader, a device never ends, a
  folder is no file): its type is checked with stat, and it is opened with O_NONBLOCK, then checked
  again on the open descriptor, so a file swapped for a FIFO in between cannot block;
- what is read is capped (a 1 GB "lexicon" is refused, not loaded);
- deleting goes through `remove()` alone: it inspects the path with lstat and never follows a link
  (a symlink is removed as a link, its target untouched), and refuses anything whose folder
  resolves outside the root.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

from .faults import StateFault

READ_LIMIT = 16 * 1024 * 1024  # bytes: a text file vidc reads whole (manifest, lexicon, stamp, catalog)


class Refused(StateFault):
    """A path vidc will not touch: outside its root, through a symlink out, or not a regular file."""


def is_inside(path: Path, root: Path) -> bool:
    """Is `path` root or below it? Both should be resolved (symlinks followed) by the caller."""
    return path == root or root in path.parents


def kind_of(mode: int) -> str:
    """What a file of this st_mode is, in words ("a folder", "a FIFO", "a device" ...)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def confined(root: Path, target: str | os.PathLike[str], what: str = "file") -> Path:
    """`target` (relative to root, or absolute) resolved; Refused unless it lies inside root.
    Nothing is opened; the result need not exist."""
    base = Path(root).resolve()
    given = Path(target)
    path = (given if given.is_absolute() else base / given).resolve()
    if not is_inside(path, base):
        raise Refused(f"the {what} {target} resolves to {path}, outside {base}; vidc never touches files outside it")
    return path


def regular(path: Path, what: str = "file") -> Path:
    """path if it is a regular file (after symlinks); a folder, FIFO or device is refused unopened."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise Refused(f"the {what} {path} does not exist") from None
    if not stat.S_ISREG(st.st_mode):
        raise Refused(f"the {what} {path} is {kind_of(st.st_mode)}, not a regular file")
    return path


def no_link_out(root: Path, target: str | os.PathLike[str], what: str = "output") -> Path:
    """A path the command line names for writing: where it is written inside `root` (the project),
    it must resolve inside root too, so a symlink planted in the project (`out -> ~`) cannot send a
    write elsewhere; a path written outside root is the user's own choice and is returned as given."""
    base = Path(root).resolve()
    given = Path(os.path.abspath(target))
    if is_inside(given, Path(os.path.abspath(root))) or is_inside(given, base):
        real = given.resolve()
        if not is_inside(real, base):
            raise Refused(
                f"the {what} {target} resolves to {real}, outside the project {base} (through a symlink); "
                "remove the link or name a path outside the project"
            )
    return Path(target)


def confined_file(root: Path, target: str | os.PathLike[str], what: str = "file") -> Path:
    """A regular file inside root (resolved): the rule for every file vidc reads."""
    return regular(confined(root, target, what), what)


def read_bytes(path: Path, limit: int = READ_LIMIT, what: str = "file") -> bytes:
    """The content of a regular file, at most `limit` bytes (more is Refused). Opened without
    blocking, and its type checked on the descriptor it reads from."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise Refused(f"the {what} {path} does not exist") from None
    except IsADirectoryError:
        raise Refused(f"the {what} {path} is a folder, not a regular file") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused(f"the {what} {path} is {kind_of(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise Refused(f"the {what} {path} is {st.st_size} bytes; at most {limit} are read")
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:
                raise Refused(f"the {what} {path} is over {limit} bytes; at most {limit} are read")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path, limit: int = READ_LIMIT, what: str = "file") -> str:
    data = read_bytes(path, limit, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"the {what} {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


class NotJSON(Refused):
    """A file vidc reads as JSON that is not (damaged, truncated, or nested too deep to parse)."""


def read_json(path: Path, limit: int = READ_LIMIT, what: str = "file") -> Any:
    """The JSON value of a regular file read as read_text reads it. Damaged, truncated or absurdly
    nested JSON (which exhausts Python's recursion while parsing) is NotJSON, one line, never a
    RecursionError traceback."""
    text = read_text(path, limit, what)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise NotJSON(f"the {what} {path} is not valid JSON (damaged or truncated: {exc})") from None
    except RecursionError:
        raise NotJSON(f"the {what} {path} is not valid JSON vidc reads (nested too deep)") from None


def real_folder(root: Path, folder: Path, what: str = "folder") -> Path:
    """`folder` (which may be missing) is a real folder inside root: not a symlink, not a file, and
    its parent resolves inside root. Returns it unresolved (so a later lstat sees the same entry)."""
    base = Path(root).resolve()
    parent = folder.parent.resolve()
    if not is_inside(parent, base) or not is_inside(parent / folder.name, base):
        raise Refused(f"the {what} {folder} lies outside {base}; vidc never touches files outside it")
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return folder
    if stat.S_ISLNK(st.st_mode):
        raise Refused(
            f"the {what} {folder} is a symlink (to {os.readlink(folder)}); vidc never follows a link "
            f"out of {base}: remove the link"
        )
    if not stat.S_ISDIR(st.st_mode):
        raise Refused(f"the {what} {folder} is {kind_of(st.st_mode)}, not a folder: move it away")
    return folder


def remove(root: Path, path: Path) -> bool:
    """Delete `path` (a file, a link or a folder with all it holds) if it lies inside root. Never
    follows a link: the entry itself is inspected with lstat, a symlink is unlinked (its target
    untouched), and a folder is removed by shutil.rmtree's descriptor-based walk, which unlinks the
    links it meets instead of entering them. Refused when the folder holding `path` resolves outside
    root (a symlinked parent). Returns whether something was removed."""
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise Refused(f"refusing to remove {path}: not a name inside {root}")
    base = Path(root).resolve()
    parent = path.parent.resolve()
    if not is_inside(parent, base) or parent / path.name == base:
        raise Refused(f"refusing to remove {path}: it lies outside {base} (through a symlink?); nothing was removed")
    real = parent / path.name
    try:
        st = os.lstat(real)
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(st.st_mode):
        if not shutil.rmtree.avoids_symlink_attacks:  # pragma: no cover - Linux and macOS have it
            _rmtree_lstat(real)
        else:
            shutil.rmtree(real)
    else:
        os.unlink(real)
    return True


def _rmtree_lstat(folder: Path) -> None:  # pragma: no cover - only where rmtree could follow links
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            _rmtree_lstat(Path(entry.path))
        else:
            os.unlink(entry.path)
    os.rmdir(folder)
