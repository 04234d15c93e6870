"""Hostile inputs of the trust suite (issue 24): each ends in a diagnostic placed where the fault is,
fast, or is harmless. The codes alone are checked in test_hostile_specs; here, where they point."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

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
    spec = vo("caf\u00e9 au lait").encode().replace(b"lait", b"l\xe9it")
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


KEY = "sk-echo-7f3a9c1e5b2d4680"
LLM_SPEC = """vidc: 1
name: launch
script:
  brief: "A friendly launch video"
  scene_count: 2
  llm: {provider: openai-compatible, model: Qwen/Qwen3-32B, base_url: BASE}
video: {engine: animatic}
export: {preset: draft}
"""


def test_a_server_that_echoes_the_key_never_gets_it_into_the_lock_or_the_plan(tmp_path: Path) -> None:
    pytest.importorskip("openai")
    from tests.fakes.llm_servers import FakeLLMServer, make_scenes, scenes_reply

    scenes = make_scenes(2, seconds=10.0, words=12)
    scenes[0]["voiceover_text"] = f"Your key is {KEY} today, friends."
    scenes[1]["visual_prompt"] = f"a sign that reads {KEY}"
    with FakeLLMServer(scenes_reply(scenes), api_key=KEY) as server:
        (tmp_path / "project.yaml").write_text(LLM_SPEC.replace("BASE", server.openai_base_url))
        locked = run_cli("script", str(tmp_path), env={"OPENAI_API_KEY": KEY})
        assert locked.code == 0, locked.err
    lock = (tmp_path / "launch.script.json").read_text()
    assert KEY not in lock and "[redacted]" in lock
    plan = run_cli("plan", str(tmp_path), "-o", str(tmp_path / "plan.json"), env={"OPENAI_API_KEY": KEY})
    assert plan.code == 0, plan.err
    text = (tmp_path / "plan.json").read_text()
    assert KEY not in text and "Your key is [redacted] today" in text
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes(), path


def test_known_secret_values_are_scrubbed_from_the_journal_events_and_written_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vidc.runtime.engine.events import Reporter
    from vidc.runtime.state.atomic import write_text
    from vidc.runtime.state.journal import Journal
    from vidc.schemas.events import Message
    from vidc.schemas.journal import Failed

    monkeypatch.setenv("ELEVENLABS_API_KEY", "el-" + KEY)
    monkeypatch.setenv("MY_VENDOR_TOKEN", "tok-" + KEY)
    monkeypatch.setenv("SHORT_TOKEN", "1")  # too short to be a key: ordinary text keeps its 1s
    journal = Journal(tmp_path / "journal.log")
    journal.open()
    journal.append(Failed(task="t", fp="f", error=f"HTTP 401: invalid key 'el-{KEY}' (1 try)"))
    write_text(tmp_path / "manifest.json", f'{{"note": "tok-{KEY}", "n": 1}}')
    stream = io.StringIO()
    Reporter(mode="json", stream=stream).emit(Message(text=f"retrying with tok-{KEY}"))
    written = (tmp_path / "journal.log").read_text() + (tmp_path / "manifest.json").read_text() + stream.getvalue()
    assert KEY not in written and written.count("[redacted]") == 3
    assert "(1 try)" in written and '"n": 1' in written
