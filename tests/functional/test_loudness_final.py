"""Loudness and true peak in the final MP4, as a platform decodes it: a 6-second bumper and a
40-second video at the draft preset (128 kbit/s AAC, the lowest any preset uses), read by pyloudnorm
and ffmpeg's ebur128 on the decoded file, and the speech levelled so the limiter takes little."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from .conftest import build
from .media_checks import decode_audio, true_peak_db

BUMPER = """vidc: 1
name: bumper
script:
  scenes:
    - voiceover_text: "BeatSync. The metronome that listens back. Try it today!"
      duration_seconds: 6
voice: {engine: piper}
music: {mood: [uplifting]}
captions: {mode: off}
export: {preset: draft}
"""

LONGER = """vidc: 1
name: longer
script:
  scenes:
    - voiceover_text: "Every video team knows the grind: scripts, voices, footage, music, captions, and the export."
      duration_seconds: 10
    - voiceover_text: "In São Paulo the traffic moves at 120 km/h on a good night, and the weather changes at once."
      duration_seconds: 10
    - voiceover_text: "Meet us on Main St. at noon. Say it out loud: this is how we ship a video every day!"
      duration_seconds: 10
    - voiceover_text: "So try it. Write one small file, run one command, and watch the finished video appear."
      duration_seconds: 10
voice: {engine: piper}
music: {mood: [uplifting], volume: 0.5}
captions: {mode: off}
export: {preset: draft}
"""


def _ebur128_integrated(path: Path) -> float:
    err = subprocess.run(
        ["ffmpeg", "-nostats", "-i", str(path), "-vn", "-af", "ebur128", "-f", "null", "-"],
        capture_output=True,
        text=True,
    ).stderr
    return float(re.findall(r"I:\s+(-?[0-9.]+) LUFS", err)[-1])


@pytest.mark.parametrize("name,spec,seconds", [("bumper", BUMPER, 6.0), ("longer", LONGER, 40.0)])
def test_the_final_mp4_meets_loudness_and_true_peak(tmp_path, name, spec, seconds):
    project = tmp_path / name
    project.mkdir()
    (project / "project.yaml").write_text(spec, encoding="utf-8")
    build(project)
    mp4 = project / "build" / f"{name}.mp4"
    x = decode_audio(mp4).astype(np.float64)
    assert abs(len(x) / 48000 - seconds) < 0.1
    lufs, ebu, tp = pyloudnorm.Meter(48000).integrated_loudness(x), _ebur128_integrated(mp4), true_peak_db(mp4)
    assert abs(lufs - -14.0) <= 0.5 and abs(ebu - -14.0) <= 0.5, (lufs, ebu)
    assert tp <= -1.0, tp
    audio = json.loads((project / "build" / f"{name}.json").read_text())["audio"]
    aac = audio["measured_aac"]
    assert aac["within"] and abs(aac["i"] - lufs) <= 0.2 and aac["tp"] <= -1.2  # its own reading agrees
    speech = audio["speech_processing_db"]
    assert speech["leveller_max"] > 0  # the leveller took the peaks ...
    limiter = speech["limiter_on_loud_speech"]  # ... so the limiter rarely takes more than a few dB
    assert limiter["max_db"] <= 4.5 and limiter["p95_db"] <= 3.0 and limiter["share_3db"] <= 0.05, limiter
