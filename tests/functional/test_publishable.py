"""The demo build (draft preset) meets the platforms' picture specs: BT.709 tagged and converted,
no MP4 edit lists, constant frame rate with every frame where it belongs, and the word-level
caption files beside the line-level SRT/VTT."""

import json
import subprocess

from .conftest import journal
from .media_checks import decode_audio, mp4_boxes, probe, voice_offset_samples

NAME = "vidc-demo"


def test_no_edit_lists_bt709_and_constant_frame_rate(built_demo):
    project, _ = built_demo
    mp4 = project / "build" / f"{NAME}.mp4"
    found: list[str] = []
    data = mp4.read_bytes()
    mp4_boxes(data, 0, len(data), {"edts", "elst", "trak"}, found)
    assert found.count("trak") == 2 and "elst" not in found and "edts" not in found
    info = probe(mp4)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (video["color_space"], video["color_primaries"], video["color_transfer"], video["color_range"]) == (
        "bt709",
        "bt709",
        "bt709",
        "tv",
    )
    assert float(video["start_time"]) == 0.0
    pts = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts", "-of", "csv=p=0", str(mp4)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pts = sorted(int(x) for x in pts)
    step = pts[1] - pts[0]
    assert pts[0] == 0 and all(b - a == step for a, b in zip(pts, pts[1:]))  # CFR, no drift, no gap
    num, den = (int(x) for x in video["time_base"].split("/"))
    assert step * 30 * num == den  # exactly one frame at 30 fps
    manifest = json.loads((project / "build" / f"{NAME}.json").read_text())
    assert len(pts) == sum(s["frames"] for s in manifest["scenes"])


def test_word_level_captions_are_written(built_demo):
    project, _ = built_demo
    words = json.loads((project / "build" / f"{NAME}.words.json").read_text())["words"]
    manifest = json.loads((project / "build" / f"{NAME}.json").read_text())
    assert [w["word"] for w in words] == " ".join(s["voiceover_text"] for s in manifest["scenes"]).split()
    assert all(a["start_ms"] <= b["start_ms"] for a, b in zip(words, words[1:]))
    vtt = (project / "build" / f"{NAME}.words.vtt").read_text()
    assert vtt.startswith("WEBVTT") and vtt.count("<00:") >= len(words) - 2 * vtt.count(" --> ")
    srt = (project / "build" / f"{NAME}.srt").read_text()
    assert "<00:" not in srt


def test_sound_and_picture_agree_at_every_scene(built_demo):
    """No edit list, yet no AAC priming delay: each voice is found in the MP4's sound within 8 ms of
    its scene's first frame (the mix's limiter looks 5 ms ahead)."""
    project, _ = built_demo
    manifest = json.loads((project / "build" / f"{NAME}.json").read_text())
    sound = decode_audio(project / "build" / f"{NAME}.mp4", channels=1)[:, 0]
    store = project / ".vidc" / "store" / "objects"
    done = {r.task: r.object for r in journal(project) if r.ev == "done"}
    for scene in manifest["scenes"]:
        voice = decode_audio(store / done[f"{NAME}/voice/scene-{scene['index']:02d}"] / "voice.wav", channels=1)[:, 0]
        expected = scene["start_ms"] * 48
        found = voice_offset_samples(sound, voice, expected, window=4800)
        assert abs(found - expected) <= 8 * 48, (scene["index"], (found - expected) / 48)
