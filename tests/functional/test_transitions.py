"""Transitions on a real build: a 3-scene draft animatic with a crossfade (1 -> 2) and a fade through
black (2 -> 3), against the same project cut. The timeline does not move: the same frames, CFR
with no gap and no edit list, the very same sound; the crossfade's middle frame is the mean of the
two scenes' frames there, the fade's boundary frame is black, and the cut build still joins its
segments by stream copy."""

import json
import subprocess

import numpy as np

from .conftest import build, journal
from .media_checks import decode_audio, mp4_boxes, probe, voice_offset_samples

SPEC = """\
vidc: 1
name: tr
script:
  scene_seconds: [2, 12]
  scenes:
    - voiceover_text: "Meet the Aurora Lamp."
      visual_prompt: "a red lamp on an oak desk"
      duration_seconds: 3
    - voiceover_text: "It glows like a sunrise."
      visual_prompt: "a deep blue bedroom at night, stars outside"
      duration_seconds: 3.05
      transition: {type: crossfade, seconds: 0.5}
    - voiceover_text: "Order yours today."
      visual_prompt: "a bright green meadow at dawn"
      duration_seconds: 3
      transition: fade
captions: {mode: burn}
music: {mood: [calm]}
export: {preset: draft}
"""
FPS = 30


def _frames(mp4, width=640, height=360) -> np.ndarray:
    """Every frame's luma plane (limited range, as coded)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(mp4), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width).astype(np.float64)


def _project(root, text):
    root.mkdir()
    (root / "project.yaml").write_text(text)
    return root


def test_crossfade_and_fade_keep_the_timeline(tmp_path, vidc_session_cmd):
    faded = _project(tmp_path / "faded", SPEC)
    cut = _project(
        tmp_path / "cut",
        SPEC.replace("      transition: {type: crossfade, seconds: 0.5}\n", "").replace("      transition: fade\n", ""),
    )
    build(faded)
    build(cut)
    mp4, ref = faded / "build" / "tr.mp4", cut / "build" / "tr.mp4"
    scenes = json.loads((faded / "build" / "tr.json").read_text())["scenes"]
    assert [s["frames"] for s in scenes] == [90, 92, 90]  # 3.05 s: 91.5 frames, rounded up
    assert [s.get("transition_in") for s in scenes] == [
        None,
        {"type": "crossfade", "frames_each_side": 8},
        {"type": "fade", "frames_each_side": 8},
    ]

    # the same timeline: frames, CFR pts from 0 with no gap, no edit list
    data = mp4.read_bytes()
    found: list[str] = []
    mp4_boxes(data, 0, len(data), {"edts", "elst", "trak"}, found)
    assert found.count("trak") == 2 and "elst" not in found
    video = next(s for s in probe(mp4)["streams"] if s["codec_type"] == "video")
    num, den = (int(x) for x in video["time_base"].split("/"))
    step = den // (FPS * num)
    for out in (mp4, ref):  # the cut build too: its 92-frame scene is 3066.667 ms
        pts = sorted(
            int(x)
            for x in subprocess.run(
                [
                    "ffprobe",
                    "-v",
                    "error",
                    "-select_streams",
                    "v",
                    "-show_entries",
                    "packet=pts",
                    "-of",
                    "csv=p=0",
                    str(out),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
        )
        assert len(pts) == sum(s["frames"] for s in scenes) == 272
        assert pts == [k * step for k in range(len(pts))], out

    # the very same sound, every voice where its scene starts
    sound = decode_audio(mp4, channels=1)[:, 0]
    assert np.array_equal(sound, decode_audio(ref, channels=1)[:, 0])
    done = {r.task: r.object for r in journal(faded) if r.ev == "done"}
    for s in scenes:
        voice = decode_audio(
            faded / ".vidc" / "store" / "objects" / done[f"tr/voice/scene-{s['index']:02d}"] / "voice.wav", channels=1
        )[:, 0]
        found_at = voice_offset_samples(sound, voice, s["start_ms"] * 48, window=4800)
        assert abs(found_at - s["start_ms"] * 48) <= 8 * 48, s["index"]

    y, yc = _frames(mp4), _frames(ref)
    assert len(y) == len(yc) == 272
    # crossfade at frame 90 (h = 8): frames 82..97 blend; at 90 the two scenes weigh half each
    b = 90
    mean = (yc[b - 1] + yc[b]) / 2  # scene 1's last frame (held) and scene 2's first (the cut build's)
    apart = np.abs(yc[b - 1] - yc[b]).mean()
    assert apart > 3  # the two scenes differ (cards, captions, colours)
    assert np.abs(y[b] - mean).mean() < 0.25 * apart
    assert np.abs(y[b] - yc[b - 1]).mean() > 0.3 * apart and np.abs(y[b] - yc[b]).mean() > 0.3 * apart
    assert np.abs(y[b - 9] - yc[b - 9]).mean() < 2 and np.abs(y[b + 8] - yc[b + 8]).mean() < 2  # outside: untouched
    # fade through black at frame 182 (h = 8): 174..181 fade out, 182..189 fade in; 182 is black
    f = 182
    assert y[f].max() <= 20 and y[f - 1].mean() < 16 + 0.2 * (yc[f - 1].mean() - 16)
    assert np.abs(y[f + 8] - yc[f + 8]).mean() < 2 and np.abs(y[f - 9] - yc[f - 9]).mean() < 2

    # the plan: the crossfade is a task of its own; the cut build's export is a stream copy of its segments
    plan = json.loads(
        subprocess.run(
            [*vidc_session_cmd, "plan", str(cut), "--format", "json"], capture_output=True, text=True, check=True
        ).stdout
    )
    tasks = {t["id"]: t for t in plan["tasks"]}
    assert not any("/transition/" in t for t in tasks)
    argv = tasks["tr/export"]["argv"][0]
    assert argv[argv.index("-c") + 1] == "copy" and "transitions" not in tasks["tr/export"]["params"]
    assert any(r.task == "tr/transition/scene-01-02" for r in journal(faded) if r.ev == "done")
