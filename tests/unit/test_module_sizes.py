"""Modules with one job: no file in compiler/, schemas/ or runtime/ over 400 lines and no function
over 60 lines. The files still being split are listed below; the list may only shrink (an entry
that is no longer over its limit is fine, a new file or function over one fails)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60

# Being split (issue 19, "Modules with one job"); remove an entry once its module is split.
STILL_BEING_SPLIT: set[str] = set()


def oversized(root: Path) -> dict[str, int]:
    """'path' for a file over MAX_FILE_LINES and 'path:function' for a function over
    MAX_FUNCTION_LINES, with its length."""
    out: dict[str, int] = {}
    for folder in ("compiler", "schemas", "runtime"):
        for path in sorted((root / folder).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8")
            if text.count("\n") > MAX_FILE_LINES:
                out[name] = text.count("\n")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        out[f"{name}:{node.name}"] = length
    return out


def test_no_new_module_or_function_grows_past_its_limit():
    new = {k: v for k, v in oversized(REPO).items() if k not in STILL_BEING_SPLIT}
    assert not new, f"over {MAX_FILE_LINES} lines per file or {MAX_FUNCTION_LINES} per function: {new}"


def test_the_measure_sees_long_files_and_functions(tmp_path):
    def function(name: str, body_lines: int) -> str:
        return f"def {name}():\n" + "".join(f"    x{k} = {k}\n" for k in range(body_lines))

    for folder in ("compiler", "schemas", "runtime/room"):
        (tmp_path / folder).mkdir(parents=True)
    # 61 lines of function, then 4 more and 340 blank ones: a 405-line file
    (tmp_path / "compiler" / "long.py").write_text(function("long", 60) + "\n\ndef short():\n    pass\n" + "\n" * 340)
    (tmp_path / "runtime" / "room" / "ok.py").write_text("async " + function("fits", 59))  # 60 lines: fits
    (tmp_path / "schemas" / "empty.py").write_text("")
    assert oversized(tmp_path) == {"compiler/long.py:long": 61, "compiler/long.py": 405}
