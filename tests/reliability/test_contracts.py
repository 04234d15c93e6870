"""The run-time contracts on a real tiny build: every line of `vidc build --json` (build_finished
included, on success, on an up-to-date rerun and on a refused build) validates against
`vidc schema --events`; the journal's records and the task descriptors against theirs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from vidc.schemas.generate import FILES, HERE

from .conftest import TINY, vidc


def _validator(which: str) -> jsonschema.Draft202012Validator:
    proc = vidc("schema", f"--{which}")
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert proc.stdout == (HERE / FILES[which]).read_text(encoding="utf-8")  # the committed file is what it prints
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _lines(stdout: str) -> list[dict]:
    lines = [json.loads(x) for x in stdout.splitlines() if x.strip()]
    assert lines, "no events"
    return lines


def test_every_json_event_journal_record_and_descriptor_of_a_real_build_validates(tmp_path: Path) -> None:
    events, records, descriptors = _validator("events"), _validator("journal"), _validator("descriptor")
    project = tmp_path / "tiny"
    project.mkdir()
    (project / "project.yaml").write_text(TINY)
    first = vidc("build", str(project), "--json")
    assert first.returncode == 0, first.stderr[-3000:]
    again = vidc("build", str(project), "--json")
    refused = vidc("build", str(tmp_path / "missing"), "--json")
    assert again.returncode == 0 and refused.returncode == 2
    runs = {"first": _lines(first.stdout), "again": _lines(again.stdout), "refused": _lines(refused.stdout)}
    for name, lines in runs.items():
        for line in lines:
            errors = [e.message for e in events.iter_errors(line)]
            assert not errors, (name, line, errors)
        assert lines[-1]["event"] == "build_finished" and [x["event"] for x in lines].count("build_finished") == 1
    kinds = {x["event"] for x in runs["first"]}
    assert {"build_started", "task_started", "task_done", "published", "build_finished"} <= kinds
    assert runs["first"][-1]["ok"] and runs["first"][-1]["ran"] == len(
        [x for x in runs["first"] if x["event"] == "task_done"]
    )
    assert runs["again"][-1]["ran"] == 0 and runs["again"][-1]["cached"] == runs["first"][-1]["ran"]
    assert not runs["refused"][-1]["ok"] and runs["refused"][-1]["exit"] == 2
    # A line that breaks the contract is caught: the check can fail.
    assert list(events.iter_errors({**runs["first"][-1], "ran": "all"}))
    assert list(events.iter_errors({"event": "task_teleported", "t": 0.0}))

    journal = [json.loads(x) for x in (project / ".vidc" / "journal.log").read_text().splitlines()]
    assert {r["ev"] for r in journal} >= {"claimed", "done"}
    for rec in journal:
        assert not list(records.iter_errors(rec)), rec
    assert list(records.iter_errors({"ev": "done", "fp": "a"}))  # a done names its object
    tasks = sorted((project / ".vidc" / "tasks").glob("*.json"))
    assert tasks
    for path in tasks:
        assert not list(descriptors.iter_errors(json.loads(path.read_text()))), path.name
