"""A real draft-vertical build with the creator's kit: an intro title card, a 3 s scene on a looped
1 s clip, a silent scene on a stretched clip, a 3 s scene on a still, and an outro asset. Checked
with independent tools: frame counts (ffprobe), the music's level from a 14 kHz tone bed (a band
the voice never reaches: not ducked in the silent scene), each voice found in the MP4's sound at
its scene's first frame, and captions shifted by the intro."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
from scipy import signal

from vidc.compiler.layout import safe_area
from vidc.schemas.journal import Done

from .conftest import build, journal
from .media_checks import decode_audio, parse_srt, voice_offset_samples

SPEC = """\
vidc: 1
name: kit
intro: {title: "Aurora Lamp", subtitle: "Light that follows the sun", seconds: 2, background: "#102040"}
outro: {asset: wide.png, seconds: 1.5}
script:
  scenes:
    - voiceover_text: "Meet the Aurora Lamp."
      duration_seconds: 3
      asset: clip.mp4
      clip_mode: loop
    - duration_seconds: 2
      asset: clip.mp4
      clip_mode: stretch
    - voiceover_text: "It wakes you gently."
      duration_seconds: 3
      asset: tall.png
video: {engine: assets}
music: {track: tone.wav, duck_db: 10}
captions: {mode: both}
export: {preset: draft-vertical}
"""
FPS = 30


def _frames(mp4: Path) -> int:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames,r_frame_rate,avg_frame_rate",
            "-of",
            "json",
            str(mp4),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    s = json.loads(out)["streams"][0]
    assert s["r_frame_rate"] == s["avg_frame_rate"] == f"{FPS}/1"  # constant frame rate
    return int(s["nb_read_frames"])


def _gray(mp4: Path, t: float) -> np.ndarray:
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{t:.3f}",
            "-i",
            str(mp4),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(640, 360).astype(float)


def test_intro_silent_scene_short_scenes_and_outro(tmp_path: Path):
    project = tmp_path / "kit"
    project.mkdir()
    ff = ["ffmpeg", "-v", "error", "-y"]
    subprocess.run(
        [
            *ff,
            "-f",
            "lavfi",
            "-i",
            "sine=f=14000:sample_rate=44100:d=30",
            "-af",
            "volume=0.5",
            "-ac",
            "2",
            str(project / "tone.wav"),
        ],
        check=True,
    )
    subprocess.run(
        [
            *ff,
            "-f",
            "lavfi",
            "-i",
            f"testsrc=s=360x640:r={FPS}:d=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(project / "clip.mp4"),
        ],
        check=True,
    )
    subprocess.run(
        [*ff, "-f", "lavfi", "-i", "testsrc2=s=720x1280", "-frames:v", "1", str(project / "tall.png")], check=True
    )
    subprocess.run(
        [*ff, "-f", "lavfi", "-i", "testsrc2=s=1280x720", "-frames:v", "1", str(project / "wide.png")], check=True
    )
    (project / "project.yaml").write_text(SPEC, encoding="utf-8")
    proc = build(project)
    assert "W_CROP" in proc.err and "the outro: `wide.png` (1280x720) loses 68 % of its width" in proc.err

    out = project / "build"
    mp4 = out / "kit.mp4"
    manifest = json.loads((out / "kit.json").read_text())
    assert manifest["intro"]["frames"] == 60 and manifest["intro"]["start_ms"] == 0
    assert [s["frames"] for s in manifest["scenes"]] == [90, 60, 90]
    assert [s["start_ms"] for s in manifest["scenes"]] == [2000, 5000, 7000]
    assert manifest["scenes"][1]["silent"] and manifest["scenes"][1]["voice_ms"] == 0
    assert manifest["outro"] == {
        "kind": "asset",
        "asset": "wide.png",
        "frames": 45,
        "start_ms": 10000,
        "duration_ms": 1500,
    }
    assert manifest["frames"] == 60 + 240 + 45 == _frames(mp4)

    # the intro's title card: its text (white on #102040) drawn inside the preset's safe area
    safe = safe_area("draft-vertical", 360, 640)
    ys, xs = np.nonzero(_gray(mp4, 1.0) > 128)
    assert len(xs) > 200  # there is text
    assert (
        safe.left <= xs.min() and xs.max() < 360 - safe.right and safe.top <= ys.min() and ys.max() < 640 - safe.bottom
    )
    assert abs((xs.min() + xs.max()) / 2 - (safe.left + 360 - safe.right) / 2) < 6  # centred in the safe area

    # a short clip's mode: loop repeats the 1 s clip (scene 1), stretch slows it to 2 s (scene 2)
    s1 = 2.0
    assert np.abs(_gray(mp4, s1 + 0.2) - _gray(mp4, s1 + 1.2)).mean() < 3  # one clip length later: the same
    assert np.abs(_gray(mp4, s1 + 0.2) - _gray(mp4, s1 + 0.7)).mean() > 3  # half a clip later: it moves
    objs = project / ".vidc" / "store" / "objects"
    done = {j.task: j.object for j in journal(project) if isinstance(j, Done)}
    stretched = json.loads((objs / done["kit/video/scene-02"] / "result.json").read_text())
    assert abs(stretched["stretch"] - 2.0) < 0.05
    assert np.abs(_gray(mp4, 5.1) - _gray(mp4, 6.8)).mean() > 3  # still moving near its end: not held

    # captions: on the whole timeline, after the intro; none in the silent scene
    cues = parse_srt((out / "kit.srt").read_text())
    assert cues[0][0] == 2.0 and cues[-1][0] == 7.0
    assert not [c for c in cues if 5.0 <= c[0] < 7.0]

    # sound: each voice at its scene's first frame (within 8 ms: the limiter looks 5 ms ahead)
    sound = decode_audio(mp4, channels=1)[:, 0].astype(np.float64)
    for scene in (manifest["scenes"][0], manifest["scenes"][2]):
        voice = decode_audio(objs / done[f"kit/voice/scene-{scene['index']:02d}"] / "voice.wav", channels=1)[:, 0]
        expected = scene["start_ms"] * 48
        found = voice_offset_samples(sound, voice, expected, window=4800)
        assert abs(found - expected) <= 8 * 48, (scene["index"], (found - expected) / 48)
    # the music bed's level (14 kHz band): full in the silent scene, ducked under speech, present in the intro
    sr = 48000
    band = signal.sosfiltfilt(signal.butter(8, [13500, 14500], btype="bandpass", fs=sr, output="sos"), sound)

    def level(a: float, b: float) -> float:
        seg = band[int(a * sr) : int(b * sr)]
        return 20 * np.log10(np.sqrt(np.mean(seg**2)) + 1e-12)

    mix = json.loads((objs / done["kit/mix"] / "result.json").read_text())
    ((_, a, b),) = [s for s in mix["speech_spans_ms"] if s[0] == 0]
    under_speech = level(a / 1000 + 0.3, b / 1000 - 0.1)
    silent = level(5.5, 6.5)
    assert silent - under_speech > 8, (silent, under_speech)  # duck_db 10: the silent scene is not ducked
    assert level(1.5, 1.9) > under_speech + 5  # the intro has the music bed (past its fade-in)
    assert level(0.0, 0.2) < level(1.5, 1.9) - 10  # ... which fades in from the video's first frame
