"""`vidc export-timeline`: the demo build as an OpenTimelineIO timeline whose clips sit exactly where
the manifest says (scenes by frame, voices by sample, captions by cue, the music bed under all),
read back with opentimelineio itself; FCPXML and EDL through OpenTimelineIO's adapters."""

import json
import re
import subprocess
from urllib.parse import unquote, urlparse

import pytest

otio = pytest.importorskip("opentimelineio", reason="pip install 'vidc[otio]'")


def _path(url: str):
    from pathlib import Path

    return Path(unquote(urlparse(url).path))


def _export(vidc_cmd, *args):
    return subprocess.run([*vidc_cmd, "export-timeline", *args], capture_output=True, text=True, timeout=120)


def test_otio_clip_times_match_the_manifest(built_demo, tmp_path, vidc_session_cmd):
    project, _ = built_demo
    manifest_path = project / "build" / "vidc-demo.json"
    m = json.loads(manifest_path.read_text())
    proc = _export(vidc_session_cmd, str(manifest_path), "-o", str(tmp_path / "demo.otio"))
    assert proc.returncode == 0, proc.stderr
    tl = otio.adapters.read_from_file(str(tmp_path / "demo.otio"))
    tracks = {t.name: t for t in tl.tracks}
    assert list(tracks) == ["Scenes", "Captions", "Voice", "Music"]
    fps = m["fps"]

    scenes = list(tracks["Scenes"].find_clips())
    assert len(scenes) == len(m["scenes"])
    start = 0
    for clip, s in zip(scenes, m["scenes"]):
        rng = clip.range_in_parent()
        assert rng.start_time.rescaled_to(fps).value == start  # exact, in frames
        assert rng.duration.rescaled_to(fps).value == s["frames"]
        assert int(rng.start_time.to_seconds() * 1000 + 1e-6) == s["start_ms"]  # the manifest's (floored) ms
        assert int(rng.duration.to_seconds() * 1000 + 1e-6) == s["duration_ms"]
        media = _path(clip.media_reference.target_url)
        assert media.is_file() and media.parent == tmp_path / "demo.media"
        start += s["frames"]
    assert tracks["Scenes"].duration().rescaled_to(fps).value == m["frames"]

    voices = list(tracks["Voice"].find_clips())
    starts = m["audio"]["voice_starts_samples_44100"]
    for clip, s, at in zip(voices, m["scenes"], starts):
        rng = clip.range_in_parent()
        rate = rng.start_time.rate
        assert rng.start_time.value * 44100 == at * rate  # sample-exact, where the mix placed it
        assert abs(rng.start_time.to_seconds() * 1000 - s["start_ms"]) < 1  # each voice starts with its scene
        assert abs(rng.duration.to_seconds() * 1000 - s["voice_ms"]) <= 1
    assert len(voices) == len(m["scenes"])

    (bed,) = tracks["Music"].find_clips()
    assert bed.range_in_parent().start_time.value == 0
    assert abs(bed.range_in_parent().duration.to_seconds() * 1000 - m["duration_ms"]) <= 1
    assert bed.metadata["vidc"]["licence"] == m["music"]["licence"]

    cues = re.findall(r"(\d\d):(\d\d):(\d\d),(\d{3}) -->", (project / "build" / "vidc-demo.srt").read_text())
    captions = list(tracks["Captions"].find_clips())
    assert len(captions) == len(cues) > 0
    for clip, (h, mi, s, ms) in zip(captions, cues):
        cue_ms = ((int(h) * 60 + int(mi)) * 60 + int(s)) * 1000 + int(ms)
        assert abs(clip.range_in_parent().start_time.to_seconds() * 1000 - cue_ms) <= 1000 / fps / 2 + 1
        assert clip.metadata["vidc"]["text"]


def test_fcpxml_and_edl_through_the_adapters(built_demo, tmp_path, vidc_session_cmd):
    if not {"fcpx_xml", "cmx_3600"} <= set(otio.adapters.available_adapter_names()):
        pytest.skip("OpenTimelineIO's FCPXML and CMX 3600 adapters are not installed")
    project, _ = built_demo
    m = json.loads((project / "build" / "vidc-demo.json").read_text())
    edl = tmp_path / "demo.edl"
    proc = _export(
        vidc_session_cmd, str(project / "build" / "vidc-demo.mp4"), "-o", str(edl), "--project", str(project)
    )
    assert proc.returncode == 0, proc.stderr
    events = re.findall(r"^\d{3}\s+\S+\s+V\s+C\s+\S+ \S+ (\S+) (\S+)$", edl.read_text(), re.M)
    fps = m["fps"]

    def tc(frames):
        return (
            f"{frames // (3600 * fps):02d}:{frames // (60 * fps) % 60:02d}:{frames // fps % 60:02d}:{frames % fps:02d}"
        )

    start, expect = 0, []
    for s in m["scenes"]:
        expect.append((tc(start), tc(start + s["frames"])))
        start += s["frames"]
    assert events == expect  # record in/out of every scene, frame-exact

    fcp = tmp_path / "demo.fcpxml"
    proc = _export(vidc_session_cmd, str(project / "build" / "vidc-demo.json"), "-o", str(fcp))
    assert proc.returncode == 0, proc.stderr
    back = otio.adapters.read_from_file(str(fcp))
    assert len(list(back.find_clips())) >= len(m["scenes"]) * 2 + 1  # scenes, voices and the bed


def test_unknown_video_and_missing_work_folder_are_clear_errors(built_demo, tmp_path, vidc_session_cmd):
    project, _ = built_demo
    proc = _export(vidc_session_cmd, "no-such-video", "--spec", str(project), "-o", str(tmp_path / "x.otio"))
    assert proc.returncode == 2 and "no video named no-such-video" in proc.stderr and "Traceback" not in proc.stderr
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "v.json").write_text((project / "build" / "vidc-demo.json").read_text())
    proc = _export(vidc_session_cmd, str(lone / "v.json"), "-o", str(tmp_path / "x.otio"))
    assert proc.returncode == 2 and "work folder" in proc.stderr
