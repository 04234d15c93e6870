"""schemas/ids.py: the makers and the parser of task ids agree, and nothing else builds or splits ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vidc.schemas import ids

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "made, step, scene, chunk, end",
    [
        (ids.script("v"), "script", None, None, None),
        (ids.voice("v", 3), "voice", 3, None, None),
        (ids.scene_captions("v", 12), "captions", 12, None, None),
        (ids.clip("v", 1), "video", 1, None, None),
        (ids.intro("v"), "video", None, None, "intro"),
        (ids.outro("v"), "video", None, None, "outro"),
        (ids.chunk("v", 2, 4), "video", 2, 4, None),
        (ids.assemble("v", 2), "assemble", 2, None, None),
        (ids.transition("v", 5), "transition", 5, None, None),
        (ids.music("v"), "music", None, None, None),
        (ids.mix("v"), "mix", None, None, None),
        (ids.captions("v"), "captions", None, None, None),
        (ids.export("v"), "export", None, None, None),
        (ids.thumbnail("v"), "thumbnail", None, None, None),
    ],
)
def test_every_maker_parses_back(made, step, scene, chunk, end):
    parsed = ids.parse(made)
    assert parsed == ids.TaskId("v", step, scene, chunk, end)
    assert str(parsed) == made and ids.step_of(made) == step


def test_a_video_name_may_hold_dashes_and_digits():
    parsed = ids.parse(ids.voice("short-2024-a", 7))
    assert parsed is not None and parsed.video == "short-2024-a" and parsed.scene == 7


@pytest.mark.parametrize(
    "text",
    [
        "junk",
        "v/voice",
        "v/voice/scene-1",
        "v/voice/scene-01/chunk-01",
        "v/transition/scene-01-03",
        "v/video/middle",
        "/export",
        "v/export/x",
    ],
)
def test_what_no_maker_builds_is_not_a_task_id(text):
    assert ids.parse(text) is None and ids.step_of(text) == ""


def test_no_module_builds_or_splits_task_ids_by_hand():
    steps = "voice|video|assemble|captions|transition|music|mix|export|script|thumbnail"
    built = re.compile(r'f"\{[^}]+\}/(' + steps + r")\b")
    split = re.compile(r'\b(task|tid|task_id|t\.id|r\.task|rec\.task)\.(r?split|partition)\("/"')
    found = []
    for folder in ("compiler", "runtime", "schemas"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "schemas" / "ids.py":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if built.search(line) or split.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)
