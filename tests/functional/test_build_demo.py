"""`vidc build` of the demo (draft preset), checked by independent readers."""

import json
import subprocess

import numpy as np
import pyloudnorm

from .conftest import build, journal
from .media_checks import atom_order, decode_audio, parse_srt, probe, true_peak_db, voice_offset_samples

NAME = "vidc-demo"


def test_mp4_is_publishable(built_demo):
    project, _ = built_demo
    mp4 = project / "build" / f"{NAME}.mp4"
    info = probe(mp4)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["profile"], video["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (video["width"], video["height"], video["r_frame_rate"]) == (640, 360, "30/1")
    assert video["has_b_frames"] == 2
    assert (audio["codec_name"], audio["profile"], audio["sample_rate"], audio["channels"]) == ("aac", "LC", "48000", 2)
    order = atom_order(mp4)
    assert order.index("moov") < order.index("mdat")  # +faststart

    manifest = json.loads((project / "build" / f"{NAME}.json").read_text())
    frames = sum(s["frames"] for s in manifest["scenes"])
    assert int(video["nb_read_frames"]) == frames
    assert abs(float(video["duration"]) - frames / 30) <= 1 / 30
    for scene in manifest["scenes"]:  # a scene lasts its duration, or the voice plus a pause if longer
        assert (
            scene["duration_ms"]
            >= max(
                scene["planned_ms"] if scene["voice_ms"] + 500 <= scene["planned_ms"] else scene["voice_ms"] + 500, 0
            )
            - 34
        )
    assert manifest["music"]["licence"] == "CC0-1.0"
    assert {"piper", "animatic", "mix", "export"} <= set(manifest["backends"])


def test_each_voice_starts_at_its_scene_start(built_demo):
    project, _ = built_demo
    manifest = json.loads((project / "build" / f"{NAME}.json").read_text())
    mix = decode_audio(project / "build" / f"{NAME}.mp4", channels=1)[:, 0]
    store = project / ".vidc" / "store" / "objects"
    done = {r.task: r.object for r in journal(project) if r.ev == "done"}
    for scene in manifest["scenes"]:
        wav = store / done[f"{NAME}/voice/scene-{scene['index']:02d}"] / "voice.wav"
        voice = decode_audio(wav, channels=1)[:, 0]
        expected = scene["start_ms"] * 48
        found = voice_offset_samples(mix, voice, expected, window=48000)
        assert abs(found - expected) <= 48000 // 30, (scene["index"], found, expected)


def test_loudness_and_true_peak(built_demo):
    project, _ = built_demo
    mp4 = project / "build" / f"{NAME}.mp4"
    audio = decode_audio(mp4).astype(np.float64)
    lufs = pyloudnorm.Meter(48000).integrated_loudness(audio)
    assert abs(lufs - (-14.0)) <= 1.0, lufs
    assert true_peak_db(mp4) <= -1.0


def test_captions_cover_every_voiceover(built_demo):
    project, _ = built_demo
    manifest = json.loads((project / "build" / f"{NAME}.json").read_text())
    cues = parse_srt((project / "build" / f"{NAME}.srt").read_text())
    vtt = (project / "build" / f"{NAME}.vtt").read_text()
    assert vtt.startswith("WEBVTT")
    for scene in manifest["scenes"]:
        start, end = scene["start_ms"] / 1000, (scene["start_ms"] + scene["duration_ms"]) / 1000
        text = " ".join(c[2] for c in cues if start - 0.001 <= c[0] < end)
        assert text.split() == scene["voiceover_text"].split()
    assert all(a[1] <= b[0] + 1e-6 for a, b in zip(cues, cues[1:]))  # no overlaps


def test_rebuild_does_nothing_and_says_so(built_demo, vidc_session_cmd):
    project, _ = built_demo
    mp4 = project / "build" / f"{NAME}.mp4"
    before = mp4.read_bytes()
    proc = subprocess.run([*vidc_session_cmd, "build", str(project)], capture_output=True, text=True, check=True)
    assert "up to date" in proc.stdout and "nothing to do" in proc.stdout
    assert mp4.read_bytes() == before
    finished = build(project).events[-1]
    assert finished["ran"] == 0 and finished["ok"]
