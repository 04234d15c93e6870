"""A third-party backend, installed with pip as its own package, joins the catalog through the
`vidc.backends` entry-point group: the compiler checks its params and runs its check() at plan time,
and `vidc build` makes a video with it (its workers find it the same way)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLUGIN = '''
"""vidc-beep: a voice engine that says each word as a beep (a test plug-in)."""
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from vidc.runtime.backends.base import Backend, TaskContext, VoiceParams
from vidc.runtime.media.piper_voice import voice_result
from vidc.runtime.media.wav import write_wav
from vidc.schemas.catalog import Facts, Problem

TONES = {"sine": 440.0, "low": 220.0}


class BeepParams(VoiceParams):
    speed: float = Field(1.0, ge=0.5, le=2.0)


class Beep(Backend):
    """Beeps instead of words."""

    name: ClassVar[str] = "beep"
    stage: ClassVar[str] = "voice"
    version: ClassVar[str] = "7"
    Params = BeepParams
    selectable: ClassVar[bool] = True
    default_voice: ClassVar[str] = "sine"

    @classmethod
    def check(cls, params: dict[str, Any], facts: Facts) -> list[Problem]:
        if params.get("voice") in TONES:
            return []
        return [Problem("voice", "E_NOT_INSTALLED", f"beep has no voice `{params.get('voice')}`",
                        value=params.get("voice"), choices=tuple(TONES))]

    def run(self, ctx: TaskContext, params: BeepParams) -> dict[str, Any]:
        sr, words, audio, t = 44100, [], [], 0
        for word in params.text.split():
            n = int(sr * 0.3 / params.speed)
            audio.append(0.3 * np.sin(2 * np.pi * TONES[params.voice] * np.arange(n) / sr))
            audio.append(np.zeros(int(sr * 0.1)))
            words.append([word, t, t + 300])
            t += 400
        wav = ctx.out / "voice.wav"
        write_wav(wav, np.concatenate(audio).astype(np.float32), sr)
        return voice_result(wav, words, params.min_scene_ms, params.pause_ms, params.max_scene_ms,
                            f"scene {params.scene}")
'''

SPEC = """\
vidc: 1
name: beeps
script:
  scenes:
    - voiceover_text: One two three four five.
      visual_prompt: a test card
      duration_seconds: 8
voice: {engine: ENGINE, voice: VOICE}
captions: {mode: off}
export: {preset: draft}
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("vidc-beep")
    (src / "vidc_beep.py").write_text(PLUGIN)
    (src / "pyproject.toml").write_text(
        textwrap.dedent("""\
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "vidc-beep"
        version = "0.1"
        [project.entry-points."vidc.backends"]
        beep = "vidc_beep:Beep"
        [tool.setuptools]
        py-modules = ["vidc_beep"]
        """)
    )
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert list(target.glob("vidc_beep-0.1.dist-info/entry_points.txt"))
    return target


def _vidc(vidc_cmd, plugin: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([*vidc_cmd, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def test_plugin_is_checked_at_plan_time(vidc_cmd, plugin_path, tmp_path):
    (tmp_path / "project.yaml").write_text(SPEC.replace("ENGINE", "beeep").replace("VOICE", "sine"))
    proc = _vidc(vidc_cmd, plugin_path, "validate", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "did you mean `beep`?" in proc.stderr, proc.stderr
    (tmp_path / "project.yaml").write_text(SPEC.replace("ENGINE", "beep").replace("VOICE", "sin"))
    proc = _vidc(vidc_cmd, plugin_path, "validate", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "project.yaml:8:30: error[E_NOT_INSTALLED]: beep has no voice `sin`" in proc.stderr
    assert "did you mean `sine`?" in proc.stderr and "Traceback" not in proc.stderr
    # Without the plug-in on the path, the engine is unknown: the catalog is the only source of names.
    proc = subprocess.run([*vidc_cmd, "validate", "."], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2 and "`beep` is not a valid voice.engine" in proc.stderr


def test_build_with_plugin_backend(vidc_cmd, plugin_path, tmp_path):
    (tmp_path / "project.yaml").write_text(SPEC.replace("ENGINE", "beep").replace("VOICE", "low"))
    proc = _vidc(vidc_cmd, plugin_path, "plan", ".", "-o", "plan.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    voice = next(t for t in plan["tasks"] if t["stage"] == "voice")
    assert (voice["backend"], voice["backend_version"], voice["params"]["voice"]) == ("beep", "7", "low")
    proc = _vidc(vidc_cmd, plugin_path, "build", "plan.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = tmp_path / "build" / "beeps.mp4"
    assert out.stat().st_size > 1000
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(probe) == ["audio", "video"]
    assert str(out) in proc.stdout  # the build ends with the paths it wrote
