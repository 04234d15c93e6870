"""Hostile inputs of the trust suite (issue 24): each ends in a diagnostic placed where the fault is,
fast, or is harmless. The codes alone are checked in test_hostile_specs; here, where they point."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.cli import run_cli
from vidc.runtime.cli.common import compile_spec

from .conftest import done_records
from .test_hostile_specs import HARDWARE, vo


def _compile(tmp_path: Path, spec: str | bytes, files: dict[str, str | bytes] | None = None):
    (tmp_path / "project.yaml").write_bytes(spec if isinstance(spec, bytes) else spec.encode())
    for name, data in (files or {}).items():
        (tmp_path / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    started = time.monotonic()
    plan, diags, _ = compile_spec(tmp_path / "project.yaml", HARDWARE, {})
    return plan, diags, time.monotonic() - started


def _errors(diags) -> list[tuple[str, int, int, str]]:
    return [(d.file, d.line, d.col, d.code) for d in diags if d.severity == "error"]


def test_a_five_megabyte_voiceover_is_refused_in_seconds(tmp_path: Path) -> None:
    plan, diags, took = _compile(tmp_path, vo("word " * 1_000_000))
    assert plan is None and _errors(diags) == [("project.yaml", 5, 23, "E_VOICEOVER_LENGTH")]
    assert "script.scene_seconds" in diags[0].message and "5000000 characters" in diags[0].message
    assert took < 10, took


def test_the_limit_follows_the_scene_maximum(tmp_path: Path) -> None:
    text = "word " * 600  # 3,000 characters: too long for 12 s scenes, fine for 60 s ones
    spec = vo(text).replace("script:\n", "script:\n  scene_seconds: [8, 60]\n")
    _, diags, _ = _compile(tmp_path, vo(text))
    assert "E_VOICEOVER_LENGTH" in {d.code for d in diags}
    _, diags, _ = _compile(tmp_path, spec)
    assert "E_VOICEOVER_LENGTH" not in {d.code for d in diags}


def test_an_unterminated_csv_quote_is_an_error_where_it_opens(tmp_path: Path) -> None:
    spec = vo("{{ a }} and {{ b }}", "matrix: {file: rows.csv}\n").replace("name: hostile", "name: h-{{ a }}")
    plan, diags, _ = _compile(tmp_path, spec, {"rows.csv": 'a,b\nx,y\n1,"2\n3,4\n5,6\n'})
    assert plan is None and _errors(diags) == [("rows.csv", 3, 3, "E_MATRIX_FILE")]
    assert "never closed" in diags[0].message


def test_a_closed_quote_over_two_lines_stays_a_warning(tmp_path: Path) -> None:
    spec = vo("{{ a }} and {{ b }}", "matrix: {file: rows.csv}\n").replace("name: hostile", "name: h-{{ a }}")
    plan, diags, _ = _compile(tmp_path, spec, {"rows.csv": 'a,b\nx,"y\nz"\n'})
    assert plan is not None and "W_MATRIX_LINES" in {d.code for d in diags}


def test_a_five_thousand_digit_integer_in_jsonl_is_a_diagnostic(tmp_path: Path) -> None:
    spec = vo("{{ a }}", "matrix: {file: rows.jsonl}\n").replace("name: hostile", "name: h-{{ a }}")
    rows = '{"a": 1}\n{"a": ' + "7" * 5000 + "}\n"
    plan, diags, _ = _compile(tmp_path, spec, {"rows.jsonl": rows})
    assert plan is None and _errors(diags) == [("rows.jsonl", 2, 7, "E_NUMBER")]


def test_a_non_utf8_byte_in_the_spec_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    spec = vo("caf\u00e9 au lait").encode().replace("lait".encode(), b"l\xe9it")
    plan, diags, _ = _compile(tmp_path, spec)
    assert plan is None and _errors(diags) == [("project.yaml", 5, 33, "E_SYNTAX")]
    assert "UnicodeDecodeError" not in diags[0].format() and "UTF-8" in diags[0].message


def test_a_non_utf8_byte_in_the_matrix_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    spec = vo("{{ a }}", "matrix: {file: rows.csv}\n").replace("name: hostile", "name: h-{{ a }}")
    plan, diags, _ = _compile(tmp_path, spec, {"rows.csv": b"a,b\nok,fine\nx,caf\xe9\n"})
    assert plan is None and _errors(diags) == [("rows.csv", 3, 6, "E_MATRIX_FILE")]
    assert "UnicodeDecodeError" not in diags[0].format()


def test_a_non_utf8_lexicon_says_where(tmp_path: Path) -> None:
    spec = vo("hello", "voice: {lexicon_file: words.yaml}\n")
    plan, diags, _ = _compile(tmp_path, spec, {"words.yaml": b"vidc: vid see\nGIF: j\xefff\n"})
    assert plan is None
    assert [d.code for d in diags if d.severity == "error"] == ["E_LEXICON"]
    assert "line 2, column 7" in diags[0].message, diags[0].message


def test_two_done_records_swapped_are_not_trusted_and_their_tasks_run_again(tiny: Path) -> None:
    """Each record points at the other's (valid) object; before seals, the build used them as they said."""
    reference = (tiny / "build" / "tiny.mp4").read_bytes()
    journal = tiny / ".vidc" / "journal.log"
    records = [json.loads(line) for line in journal.read_text().splitlines() if line.strip()]
    done = {r["task"]: r for r in records if r.get("ev") == "done"}
    voice, video = done["tiny/voice/scene-01"], done["tiny/video/scene-01"]
    voice["object"], video["object"] = video["object"], voice["object"]
    journal.write_text("".join(json.dumps(r) + "\n" for r in (voice, video)))  # the rest runs again
    (tiny / "build" / "tiny.mp4").unlink()
    proc = run_cli("build", str(tiny), "--json")
    assert proc.code == 0, proc.err
    assert any("malformed record" in e.get("text", "") for e in proc.events)
    ran = {r.task for r in done_records(tiny)}
    assert {"tiny/voice/scene-01", "tiny/video/scene-01"} <= ran
    assert (tiny / "build" / "tiny.mp4").read_bytes() == reference
