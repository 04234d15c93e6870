"""Where a project file stops being UTF-8: the line and column of the first byte that is not, so that a
spec, matrix or lexicon with a stray Latin-1 byte is reported where the byte is, not at 1:1."""

from __future__ import annotations

from .source_map import split_lines


class NotUTF8(UnicodeDecodeError):
    """A file's bytes that do not decode as UTF-8; says where in words (line, column, byte)."""

    @classmethod
    def of(cls, exc: UnicodeDecodeError) -> NotUTF8:
        return cls(exc.encoding, exc.object, exc.start, exc.end, exc.reason)

    def __str__(self) -> str:
        line, col = position(self)
        return f"not UTF-8 text: byte 0x{self.object[self.start]:02x} at line {line}, column {col}"


def position(exc: UnicodeDecodeError) -> tuple[int, int]:
    """1-based (line, column) of the first byte that does not decode, counting characters as an editor does."""
    before = split_lines(bytes(exc.object[: exc.start]).decode("utf-8", "replace").removeprefix("\ufeff"))
    return len(before), len(before[-1]) + 1


def lines_of(data: bytes) -> list[str]:
    """The file's lines as far as they decode (undecodable bytes shown as U+FFFD), for the excerpt."""
    return split_lines(data.decode("utf-8", "replace").removeprefix("\ufeff"))
