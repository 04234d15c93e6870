"""The 20-scene vertical example, built as a vertical draft and audited by
scripts/audit_publishable.py, which reads only the finished files: no edit list, BT.709, constant
frame rate with scenes of any length, each voice within a frame of its scene, captions and cards
inside the safe area and out of the platform's UI zones, speech read as words, karaoke within a
frame of the voice, contrast behind the captions, the SRT/VTT files' own rules, loudness on target."""

import subprocess
import sys

import pytest

from ..conftest import ROOT, copy_project
from .conftest import build


@pytest.mark.slow
def test_twenty_vertical_scenes_pass_the_audit(tmp_path):
    project = copy_project("aurora-shorts", tmp_path)
    build(project, "--preset", "draft-vertical")
    audit = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "audit_publishable.py"), str(project), "--preset", "draft-vertical"],
        capture_output=True,
        text=True,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    # 7 checks, then speech and karaoke timing (audit_speech.py), contrast behind captions and the two
    # sidecar files' rules
    assert audit.stdout.count("ok  ") == 12, audit.stdout
