"""Where every value of a loaded spec came from: paths, their (line, col) positions, and the
SourceMap that turns a path into a Diagnostic with the offending line."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from .diagnostics import Diagnostic, Severity


class _Key(enum.Enum):
    KEY = "KEY"

    def __repr__(self) -> str:
        return "KEY"


KEY = _Key.KEY  # path sentinel: path + (KEY,) is where the key of path is written

Path = tuple  # of str | int | KEY

_LINE_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")  # what PyYAML's reader counts as a line
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def dotted(path: Path) -> str:
    """("script", "scenes", 0, "asset") -> "script.scenes[0].asset", as messages name a place."""
    out = ""
    for el in path:
        if el is KEY:
            continue
        out += f"[{el}]" if isinstance(el, int) else (f".{el}" if out else str(el))
    return out


def split_lines(text: str) -> list[str]:
    return _LINE_BREAK.split(text)


class Positions(dict):
    """path -> (line, col), 1-based; `lengths` holds the token width when it is on one line."""

    def __init__(self) -> None:
        super().__init__()
        self.lengths: dict[Path, int] = {}

    def locate(self, path: Path) -> tuple[int, int]:
        return self.span(path)[:2]

    def span(self, path: Path) -> tuple[int, int, int]:
        """(line, col, length) of path, or of its nearest known ancestor; (1, 1, 1) at worst."""
        p = tuple(path)
        while True:
            if p in self:
                line, col = self[p]
                return line, col, self.lengths.get(p, 1)
            if not p:
                return 1, 1, 1
            p = p[:-1]


@dataclass
class SourceMap:
    """A loaded file's lines and positions: turns a path into a Diagnostic."""

    filename: str
    lines: list[str]
    positions: Positions = field(default_factory=Positions)

    def diag(
        self,
        line: int,
        col: int,
        code: str,
        message: str,
        hint: str = "",
        severity: Severity = "error",
        length: int = 1,
    ) -> Diagnostic:
        line, col = max(1, line), max(1, col)
        src = self.lines[line - 1] if line - 1 < len(self.lines) else ""
        src = _CONTROL.sub("\ufffd", src)  # a NUL or ESC in the echoed line must not reach a terminal
        return Diagnostic(self.filename, line, col, code, message, hint, severity, src, max(1, length))

    def at(
        self, path: Path, code: str, message: str, hint: str = "", severity: Severity = "error", key: bool = False
    ) -> Diagnostic:
        """A diagnostic at path's value, or at its key when key=True and the key is known."""
        p = tuple(path)
        if key and p and p + (KEY,) in self.positions:
            p = p + (KEY,)
        line, col, length = self.positions.span(p)
        return self.diag(line, col, code, message, hint, severity, length)

    def locate(self, path: Path) -> tuple[int, int]:
        return self.positions.locate(path)
