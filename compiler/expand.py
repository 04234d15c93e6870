"""Matrix expansion: one templated spec tree per video.

A `matrix` is a list of mappings or `{file: rows.csv | rows.jsonl}` beside the spec. The variables
of a row are the spec's `vars`, then the row, then `--set` overrides, later ones winning. CSV
values stay strings (a CSV cell has no type; pydantic turns "9" into 9.0 where a number is
expected); JSONL values keep their JSON types. Files are read only through the injected reader,
so this module stays pure.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .diagnostics import Diagnostic, suggest
from .matrix_text import long_number_column, unclosed_quote
from .source import Path, SourceMap, dotted, keep_first_pairs, split_lines
from .templating import render_string, render_tree
from .undecodable import lines_of, position

Reader = Callable[[str], str]
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
NAME_HINT = "names may use letters, digits, `.`, `_` and `-`; use the slug filter, e.g. `{{ product | slug }}`"
MAX_NAME = 100  # output files, store and work-folder names add to it; Linux/macOS allow 255 bytes in all
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
NOT_TEMPLATED = ("vars", "matrix")  # inputs of templating, kept literally
SCALARS = (str, int, float, bool, type(None))
MAX_ROWS = 10_000  # rows of a matrix file: each is a video (the reference design makes 50 a day)


def resolve_path(spec_dir: str, p: str) -> str | None:
    """p (relative to the spec's folder) as a path relative to the project root; None if it escapes."""
    q = p.replace("\\", "/")
    if q.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", q):
        return None  # absolute, home-relative or a drive letter: outside by definition
    norm = posixpath.normpath(posixpath.join(spec_dir, q)) if q else "."
    if norm == ".." or norm.startswith("../"):
        return None
    return norm


ESCAPE_HINT = (
    "paths are relative to the spec and stay inside the project folder; copy or link the file into the project"
)


@dataclass
class Expanded:
    row: int | None  # 0-based matrix row, None without a matrix
    label: str  # how messages name the row ("matrix row 2", "row 2 (products.csv line 3)")
    vars: dict[str, Any]
    tree: dict[str, Any]  # templated; `vars` holds the merged variables, `matrix` is gone
    diags: list[Diagnostic]  # problems of this row alone (templating, its name)


def name_problem(name: str) -> tuple[str, str] | None:
    """Why `name` cannot be a file name on Linux, macOS and Windows alike: (message, hint), or None."""
    shown = name if len(name) <= 40 else name[:37] + "..."
    if len(name) > MAX_NAME:
        return (
            f"video name `{shown}` is {len(name)} characters long; names are at most {MAX_NAME}",
            "shorten `name` (it names the output files and the work folder's entries)",
        )
    if not NAME_RE.match(name):
        return f"video name `{shown}` is not a safe file name", NAME_HINT
    if name.split(".")[0].lower() in _WINDOWS_RESERVED:
        return (
            f"video name `{shown}` is a reserved device name on Windows",
            "add a word, e.g. `{}-video`".format(name.split(".")[0]),
        )
    if name.endswith("."):
        return f"video name `{shown}` ends in `.`, which Windows drops from file names", "remove the final `.`"
    return None


def _scalar_vars(mapping: Any, smap: SourceMap, path: Path, diags: list[Diagnostic]) -> dict[str, Any]:
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        diags.append(smap.at(path, "E_TYPE", f"`{dotted(path)}` must be a mapping of names to values"))
        return {}
    out = {}
    for k, v in mapping.items():
        if isinstance(v, SCALARS):
            out[k] = v
        else:
            diags.append(
                smap.at(
                    path + (k,),
                    "E_TYPE",
                    f"variable `{k}` must be text, a number, true/false or null, not a {_kind(v)}",
                )
            )
    return out


def _kind(v: Any) -> str:
    names: dict[type, str] = {dict: "mapping", list: "list"}
    return names.get(type(v), type(v).__name__)


def _too_many(rows: list[dict], lines: list[int], fsrc: SourceMap, diags: list[Diagnostic]) -> bool:
    """Each row is a video, templated and validated: a matrix file past MAX_ROWS is refused at the first row too many."""
    if len(rows) <= MAX_ROWS:
        return False
    diags.append(
        fsrc.diag(
            lines[MAX_ROWS],
            1,
            "E_MATRIX_FILE",
            f"the matrix has {len(rows)} rows; at most {MAX_ROWS} videos are made from one spec",
            "split the file over several projects, or run the spec with a part of it at a time",
        )
    )
    return True


def _unclosed(text: str, fsrc: SourceMap, diags: list[Diagnostic]) -> bool:
    """A quote that opens a field and never closes is an error where it opens (the csv module would
    read every line after it into one field, silently)."""
    unclosed = unclosed_quote(text.removeprefix("\ufeff"))
    if unclosed is not None:
        diags.append(
            fsrc.diag(
                *unclosed,
                "E_MATRIX_FILE",
                "this quote opens a field that is never closed, so every line after it would be one value",
                'close the field with a `"`, or remove the stray `"` (write a quote inside a quoted field as `""`)',
            )
        )
    return unclosed is not None


def _read_csv(text: str, fsrc: SourceMap, diags: list[Diagnostic]) -> tuple[list[dict], list[int]]:
    rows: list[dict] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header: list[str] | None = None
    start = 1
    try:
        for rec in reader:
            line, start = start, reader.line_num + 1
            if not rec or all(not c.strip() for c in rec):
                continue  # blank lines separate nothing in a matrix
            if header is None:
                header = [c.strip() for c in rec]
                for i, name in enumerate(header):
                    if not name:
                        diags.append(fsrc.diag(line, 1, "E_MATRIX_FILE", f"column {i + 1} of the header has no name"))
                    elif name in header[:i]:
                        diags.append(
                            fsrc.diag(line, 1, "E_MATRIX_FILE", f"column `{name}` appears twice in the header")
                        )
                continue
            if reader.line_num > line:  # one record over several lines: a quoted field holds line ends
                diags.append(
                    fsrc.diag(
                        line,
                        1,
                        "W_MATRIX_LINES",
                        f"lines {line}-{reader.line_num} of the CSV are read as one row "
                        f"(a quoted field runs over {reader.line_num - line} line end(s))",
                        'check for a stray `"`; quote a field only to hold commas or quotes',
                        severity="warning",
                    )
                )
            if len(rec) != len(header):
                diags.append(
                    fsrc.diag(
                        line,
                        1,
                        "E_MATRIX_FILE",
                        f"row has {len(rec)} fields but the header has {len(header)}",
                        "quote values that contain commas",
                    )
                )
                continue
            rows.append(dict(zip(header, rec)))
            lines.append(line)
    except csv.Error as e:
        diags.append(fsrc.diag(reader.line_num or 1, 1, "E_MATRIX_FILE", f"malformed CSV: {e}"))
    if header is None:
        diags.append(
            fsrc.diag(
                1,
                1,
                "E_MATRIX_FILE",
                "the CSV file has no header row",
                "the first row names the variables, e.g. `product,price`",
            )
        )
    return rows, lines


def _read_jsonl(text: str, fsrc: SourceMap, diags: list[Diagnostic]) -> tuple[list[dict], list[int]]:
    rows: list[dict] = []
    lines: list[int] = []
    for n, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw, object_pairs_hook=keep_first_pairs)
        except json.JSONDecodeError as e:
            diags.append(
                fsrc.diag(
                    n,
                    e.colno,
                    "E_MATRIX_FILE",
                    f"invalid JSON on this line: {e.msg}",
                    "each line holds one JSON object",
                )
            )
            continue
        except RecursionError:
            diags.append(fsrc.diag(n, 1, "E_MATRIX_FILE", "JSON nested too deeply"))
            continue
        except ValueError:  # an integer over Python's 4,300 digits
            col = long_number_column(raw) or 1
            diags.append(
                fsrc.diag(n, col, "E_NUMBER", "this number is too long to use", "write a number of a few digits")
            )
            continue
        if not isinstance(obj, dict):
            diags.append(fsrc.diag(n, 1, "E_MATRIX_FILE", f"each line must be a JSON object, not a {_kind(obj)}"))
            continue
        bad = [k for k, v in obj.items() if not isinstance(v, SCALARS)]
        if bad:
            diags.append(fsrc.diag(n, 1, "E_TYPE", f"variable `{bad[0]}` must be text, a number, true/false or null"))
            continue
        rows.append(obj)
        lines.append(n)
    return rows, lines


def _inline_rows(matrix: list, smap: SourceMap, path: Path, diags: list[Diagnostic]) -> tuple[list[dict], list[str]]:
    """(rows, labels) of a matrix written as a list of rows in the spec."""
    rows, labels = [], []
    for i, row in enumerate(matrix):
        if not isinstance(row, dict):
            diags.append(smap.at(path + (i,), "E_TYPE", f"matrix row {i + 1} must be a mapping of variables"))
            continue
        rows.append(_scalar_vars(row, smap, path + (i,), diags))
        labels.append(f"matrix row {i + 1}")
    if not matrix:
        diags.append(smap.at(path, "E_RANGE", "the matrix has no rows, so there is no video to make"))
    return rows, labels


def _file_rows(
    rel: str, smap: SourceMap, path: Path, spec_dir: str, read: Reader, diags: list[Diagnostic]
) -> tuple[list[dict], list[str]]:
    """(rows, labels) of the matrix file `rel`, a CSV or JSON Lines file relative to the spec's folder."""
    fpath = path + ("file",)
    target = resolve_path(spec_dir, rel)
    if target is None:
        diags.append(smap.at(fpath, "E_PATH_ESCAPE", f"matrix file `{rel}` is outside the project folder", ESCAPE_HINT))
        return [], []
    ext = posixpath.splitext(target)[1].lower()
    if ext not in (".csv", ".jsonl"):
        diags.append(
            smap.at(
                fpath,
                "E_MATRIX_FILE",
                f"matrix file `{rel}` is neither .csv nor .jsonl",
                "a CSV with a header row, or JSON Lines with one object per line",
            )
        )
        return [], []
    try:
        text = read(target)
    except FileNotFoundError:
        diags.append(
            smap.at(
                fpath,
                "E_MATRIX_FILE",
                f"matrix file `{rel}` not found",
                f"create `{target}` (paths are relative to the spec's folder)",
            )
        )
        return [], []
    except UnicodeDecodeError as e:
        line, col = position(e)
        diags.append(
            SourceMap(target, lines_of(bytes(e.object))).diag(
                line, col, "E_MATRIX_FILE", f"matrix file `{rel}` is not UTF-8 text here", "save it as UTF-8"
            )
        )
        return [], []
    except (OSError, UnicodeError) as e:
        diags.append(smap.at(fpath, "E_MATRIX_FILE", f"matrix file `{rel}` cannot be read: {type(e).__name__}"))
        return [], []
    fsrc = SourceMap(target, split_lines(text))
    if ext == ".csv" and _unclosed(text, fsrc, diags):
        return [], []
    rows, lines = (_read_csv if ext == ".csv" else _read_jsonl)(text, fsrc, diags)
    if _too_many(rows, lines, fsrc, diags):
        return [], []
    if not rows and not any(d.file == target for d in diags):
        diags.append(fsrc.diag(1, 1, "E_MATRIX_FILE", f"matrix file `{rel}` has no rows"))
    return rows, [f"row {i + 1} ({target} line {ln})" for i, ln in enumerate(lines)]


def load_matrix(
    matrix: Any, smap: SourceMap, spec_dir: str, read: Reader, diags: list[Diagnostic]
) -> tuple[list[dict], list[str]] | None:
    """(rows, labels) of the matrix, or None without one. Problems go to diags; bad rows are dropped."""
    if matrix is None:
        return None
    path: Path = ("matrix",)
    if isinstance(matrix, list):
        return _inline_rows(matrix, smap, path, diags)
    if not isinstance(matrix, dict):
        diags.append(smap.at(path, "E_TYPE", "`matrix` is a list of rows or `{file: rows.csv}`"))
        return [], []
    for k in matrix:
        if k != "file":
            diags.append(
                smap.at(path + (k,), "E_UNKNOWN_KEY", f"unknown key `{k}` in matrix", suggest(k, ["file"]), key=True)
            )
    rel = matrix.get("file")
    if not isinstance(rel, str):
        if "file" not in matrix:
            diags.append(smap.at(path, "E_MISSING", "missing key `file` in matrix", "e.g. `matrix: {file: rows.csv}`"))
        else:
            diags.append(smap.at(path + ("file",), "E_TYPE", "`matrix.file` must be a path"))
        return [], []
    return _file_rows(rel, smap, path, spec_dir, read, diags)


def expand(
    tree: dict[str, Any], smap: SourceMap, spec_dir: str, read: Reader, overrides: Mapping[str, Any]
) -> tuple[list[Expanded], list[Diagnostic]]:
    """One templated tree per video, with its own diagnostics; plus the project-wide ones."""
    diags: list[Diagnostic] = []
    base_vars = _scalar_vars(tree.get("vars"), smap, ("vars",), diags)
    matrix = load_matrix(tree.get("matrix"), smap, spec_dir, read, diags)
    rows: list[tuple[int | None, str, dict]] = (
        [(None, "", {})] if matrix is None else [(i, lab, r) for i, (r, lab) in enumerate(zip(*matrix))]
    )
    # A matrix that gave no rows must not hide the rest of the spec: check it once without row
    # variables, ignoring the undefined-variable errors that the missing rows would cause.
    blind = not rows
    if blind:
        rows = [(None, "", {})]
    body = {k: v for k, v in tree.items() if k not in NOT_TEMPLATED}
    out: list[Expanded] = []
    names: dict[str, str] = {}
    for row, label, values in rows:
        variables = {**base_vars, **values, **overrides}
        rendered, rdiags = render_tree(body, variables, smap)
        if blind:
            rdiags = [d for d in rdiags if d.code != "E_UNDEFINED_VAR"]
        name = tree.get("name")
        if isinstance(name, str):
            final, err = render_string(name, variables)
            if err is None and final is not None:
                problem = name_problem(final)
                if problem is not None:
                    rdiags.append(smap.at(("name",), "E_NAME", problem[0], problem[1]))
                elif final in names:
                    diags.append(
                        smap.at(
                            ("name",),
                            "E_DUPLICATE_NAME",
                            f"video name `{final}` is used by {names[final]} and {label}",
                            "make `name` depend on a variable that differs between rows",
                        )
                    )
                else:
                    names[final] = label
        rendered["vars"] = variables
        out.append(Expanded(row, label, variables, rendered, rdiags))
    return out, diags
