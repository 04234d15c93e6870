"""More of `vidc build`: your own assets, a failing task that does not take the others down,
a matrix project, a saved plan (and a stale one), calibration, the music and doctor commands."""

import json
import shutil
import subprocess

from ..conftest import copy_project
from .conftest import build, journal
from .media_checks import probe

ASSETS = """vidc: 1
name: my-assets
script:
  scenes:
    - {voiceover_text: "A still image, slowly panned.", visual_prompt: "", duration_seconds: 8, asset: media/still.png}
    - {voiceover_text: "A short clip, held on its last frame.", visual_prompt: "", duration_seconds: 8, asset: media/clip.mp4}
    - {voiceover_text: "A broken file.", visual_prompt: "", duration_seconds: 8, asset: media/third.png}
video: {engine: assets}
captions: {mode: sidecar}
export: {preset: draft}
"""


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def _damaged_png(path):
    """A PNG whose header is sound (the plan reads its size and accepts it) and whose pixel data is
    not (the encode fails): damage only decoding finds, the case a build must survive."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 640, 480, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"garbage!" * 8) + chunk(b"IEND", b"")
    )


def test_assets_and_a_failing_scene(tmp_path):
    project = tmp_path / "assets"
    (project / "media").mkdir(parents=True)
    (project / "project.yaml").write_text(ASSETS)
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=800x800", "-frames:v", "1", str(project / "media" / "still.png"))
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=s=320x240:r=25",
        "-t",
        "2",
        "-pix_fmt",
        "yuv420p",
        str(project / "media" / "clip.mp4"),
    )
    _damaged_png(project / "media" / "third.png")

    failed = build(project, check=False)
    assert failed.code == 1
    assert "my-assets/video/scene-03" in failed.err and "media/third.png" in failed.err
    assert "Traceback" not in failed.err
    finished = failed.events[-1]
    assert not finished["ok"] and "my-assets/export" in finished["skipped"]
    done = {r.task for r in journal(project) if r.ev == "done"}
    assert {
        "my-assets/video/scene-01",
        "my-assets/video/scene-02",
        "my-assets/mix",
    } <= done  # independent work finished

    ffmpeg("-f", "lavfi", "-i", "color=c=teal:s=640x480", "-frames:v", "1", str(project / "media" / "third.png"))
    before = len(journal(project))
    fixed = build(project)
    ran = {r.task for r in journal(project)[before:] if r.ev == "done"}
    assert "my-assets/video/scene-01" not in ran and "my-assets/video/scene-03" in ran
    video = next(s for s in probe(project / "build" / "my-assets.mp4")["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (640, 360)
    manifest = json.loads((project / "build" / "my-assets.json").read_text())
    assert int(video["nb_read_frames"]) == manifest["frames"] == sum(s["frames"] for s in manifest["scenes"])
    assert fixed.events[-1]["ok"]


def test_matrix_builds_every_row_and_only_picks_some(tmp_path, vidc_session_cmd):
    project = copy_project("catalog", tmp_path)
    rows = (project / "products.csv").read_text().splitlines()
    (project / "products.csv").write_text("\n".join(rows[:3]) + "\n")  # two rows keep the test short
    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace("preset: shorts", "preset: draft"))
    only = build(project, "--only", "short-pulse-buds")
    assert sorted(p.name for p in (project / "build").glob("*.mp4")) == ["short-pulse-buds.mp4"]
    assert only.events[-1]["ok"]
    build(project)
    assert sorted(p.name for p in (project / "build").glob("*.mp4")) == [
        "short-aurora-lamp.mp4",
        "short-pulse-buds.mp4",
    ]
    bad = subprocess.run([*vidc_session_cmd, "build", str(project), "--only", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "short-aurora-lamp" in bad.stderr


def test_saved_plan_is_built_and_a_stale_one_refused(built_demo, tmp_path, vidc_session_cmd):
    project = tmp_path / "demo"
    shutil.copytree(built_demo[0], project)
    plan = project / "plan.json"
    subprocess.run([*vidc_session_cmd, "plan", str(project), "-o", str(plan)], check=True, capture_output=True)
    ok = subprocess.run([*vidc_session_cmd, "build", str(plan)], capture_output=True, text=True)
    assert ok.returncode == 0 and "up to date" in ok.stdout, ok.stderr
    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace("picks up exactly", "picks up right"))
    stale = subprocess.run([*vidc_session_cmd, "build", str(plan)], capture_output=True, text=True)
    assert stale.returncode == 2 and "stale" in stale.stderr


def test_calibrate_turns_the_journal_into_a_cost_profile(built_demo, tmp_path, vidc_session_cmd):
    project = tmp_path / "demo"
    shutil.copytree(built_demo[0], project)
    before = json.loads(
        subprocess.run(
            [*vidc_session_cmd, "plan", str(project), "--format", "json"], capture_output=True, text=True, check=True
        ).stdout
    )
    out = subprocess.run([*vidc_session_cmd, "calibrate", str(project)], capture_output=True, text=True, check=True)
    assert "animatic" in out.stdout and (project / ".vidc" / "calibration.json").is_file()
    after = json.loads(
        subprocess.run(
            [*vidc_session_cmd, "plan", str(project), "--format", "json"], capture_output=True, text=True, check=True
        ).stdout
    )
    assert after["calibration"] and after["calibration"]["animatic"] > 0
    assert [t["work_ms"] for t in after["tasks"]] != [t["work_ms"] for t in before["tasks"]]


def test_music_list_index_and_doctor(tmp_path, vidc_session_cmd):
    listing = subprocess.run([*vidc_session_cmd, "music", "list"], capture_output=True, text=True, check=True)
    assert listing.stdout.count("CC0-1.0") >= 8
    folder = tmp_path / "tracks"
    folder.mkdir()
    ffmpeg("-f", "lavfi", "-i", "sine=f=220:d=3", str(folder / "hum.wav"))
    (folder / "moods.yaml").write_text("hum.wav: {moods: [calm, drone], bpm: 60, licence: CC-BY-4.0}\n")
    indexed = subprocess.run([*vidc_session_cmd, "music", "index", str(folder)], capture_output=True, text=True)
    assert indexed.returncode == 0, indexed.stderr
    catalog = json.loads((folder / "vidc-music.json").read_text())
    (track,) = catalog["tracks"]
    assert track["moods"] == ["calm", "drone"] and abs(track["duration_s"] - 3.0) < 0.05
    doctor = subprocess.run([*vidc_session_cmd, "doctor"], capture_output=True, text=True)
    assert doctor.returncode == 0 and "the offline defaults can run here" in doctor.stdout


def test_init_writes_a_valid_starter_project(tmp_path, vidc_session_cmd):
    made = subprocess.run([*vidc_session_cmd, "init", str(tmp_path)], capture_output=True, text=True)
    assert made.returncode == 0
    ok = subprocess.run([*vidc_session_cmd, "validate", str(tmp_path)], capture_output=True, text=True)
    assert ok.returncode == 0 and "ok (1 video, 2 scenes" in ok.stdout
    assert "warning" not in ok.stdout + ok.stderr  # the starter project shows best practice
    again = subprocess.run([*vidc_session_cmd, "init", str(tmp_path)], capture_output=True, text=True)
    assert again.returncode == 2 and "already exists" in again.stderr
