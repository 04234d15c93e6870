"""The mix in numbers, on a real build read by independent meters: a 14 kHz tone as the music bed
(a band Piper's 22 kHz voice never reaches) shows the music's level over time; pyloudnorm and ffmpeg's
ebur128 read loudness and true peak; the voices' measured word timings say where speech is."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pyloudnorm
from scipy import signal

from vidc.schemas.journal import Done

from .conftest import build, journal
from .media_checks import decode_audio, true_peak_db

SPEC = """vidc: 1
name: duck
script:
  scenes:
    - voiceover_text: "First we set the scene. Then we pause. And then we speak again."
      duration_seconds: 10
    - voiceover_text: "A second scene, shorter: $9.99 for 48 CPUs."
      duration_seconds: 8
voice: {engine: piper}
music: {track: tone.wav, duck_db: 10}
captions: {mode: off}
export: {preset: draft}
"""


def test_ducking_loudness_and_silent_end(tmp_path: Path):
    project = tmp_path / "duck"
    project.mkdir()
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=f=14000:sample_rate=44100:d=12",
            "-af",
            "volume=0.5",
            "-ac",
            "2",
            str(project / "tone.wav"),
        ],
        check=True,
    )  # 12 s: it must loop
    (project / "project.yaml").write_text(SPEC, encoding="utf-8")
    build(project)
    mp4 = project / "build" / "duck.mp4"
    x = decode_audio(mp4).astype(np.float64)
    sr = 48000
    assert abs(pyloudnorm.Meter(sr).integrated_loudness(x) - -14.0) <= 0.5
    assert true_peak_db(mp4) <= -1.0
    assert np.sqrt(np.mean(x[-sr // 20 :] ** 2)) < 1e-4  # the last 50 ms: silence (below -80 dBFS)
    # the music's level, 20 ms windows, from the band only the tone occupies
    band = signal.sosfiltfilt(signal.butter(8, [13500, 14500], btype="bandpass", fs=sr, output="sos"), x.mean(axis=1))
    win = sr // 50
    n = len(band) // win
    level = 20 * np.log10(np.sqrt((band[: n * win].reshape(n, win) ** 2).mean(axis=1)) + 1e-12)
    t = (np.arange(n) + 0.5) / 50
    objs = project / ".vidc" / "store" / "objects"
    done = {j.task: j.object for j in journal(project) if isinstance(j, Done)}
    mix = json.loads((objs / done["duck/mix"] / "result.json").read_text())
    speech, pause = np.zeros(n, bool), np.zeros(n, bool)
    for k, task in enumerate(["duck/voice/scene-01", "duck/voice/scene-02"]):
        words = json.loads((objs / done[task] / "result.json").read_text())["words"]
        s0 = mix["voice_starts_samples_44100"][k] / 44100
        spans = [(s0 + w[1] / 1000, s0 + w[2] / 1000) for w in words]
        for a, e in spans:
            speech |= (t >= a) & (t <= e)
        for (_, e0), (a1, _) in zip(spans, spans[1:]):
            if a1 - e0 >= 0.12:
                pause |= (t > e0 + 0.03) & (t < a1 - 0.03)
    first, last = mix["speech_spans_ms"][0], mix["speech_spans_ms"][-1]
    bed = (t > first[2] / 1000 + 1.2) & (t < 10.0)  # after scene 1's words, before scene 2 starts
    under = np.median(level[speech & ~pause])
    assert pause.sum() >= 5 and bed.sum() >= 10
    assert abs((np.median(level[bed]) - under) - 10.0) <= 1.0  # ducked by duck_db, within 1 dB
    assert abs(np.median(level[pause]) - under) <= 3.0  # steady across the pauses inside a scene
    assert last[0] == 1
