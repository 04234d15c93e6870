"""`video.engine: image` inside a real `vidc build`, against a local server speaking
`POST /v1/images/generations` (tests/fakes/image_server.py, through the openai SDK), and on a tiny
diffusers text-to-image pipeline built by the test (CPU device lanes): exact frames, no borders,
motion, one request per picture, a rebuild that asks nothing, an edit that asks only for its scene's
pictures, a bad answer retried, a refusal that names the scene and keeps every finished picture."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.cli import run_cli
from tests.fakes.image_server import FakeImageServer
from tests.fixtures_models import TWO_CPU_DEVICES

from .conftest import build, journal
from .media_checks import probe

pytest.importorskip("openai")

SPEC = """vidc: 1
name: pics
script:
  scene_seconds: [1, 6]
  scenes:
    - voiceover_text: "A red fox runs through the snow."
      visual_prompt: "a red fox runs in the snow"
      duration_seconds: 3
    - voiceover_text: "The city lights come on."
      visual_prompt: "city at night lights"
      duration_seconds: 3
video: {engine: image, seed: 4, image: IMAGE}
music: {mood: [calm]}
captions: {mode: off}
export: {preset: PRESET}
"""


def _project(tmp_path: Path, image: str, preset: str = "draft") -> Path:
    project = tmp_path / "pics"
    project.mkdir(exist_ok=True)
    (project / "project.yaml").write_text(SPEC.replace("IMAGE", image).replace("PRESET", preset))
    return project


def _frames(mp4: Path, w: int, h: int) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(mp4), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


@pytest.mark.parametrize("preset,size", [("draft", (640, 360)), ("draft-vertical", (360, 640))])
def test_a_server_build_moves_over_its_pictures_and_a_rebuild_asks_nothing(tmp_path, preset, size):
    with FakeImageServer() as srv:
        image = f"{{model: fake-image-1, base_url: '{srv.base_url}', seconds_per_picture: 1.5, retries: 1}}"
        project = _project(tmp_path, image, preset)
        build(project)
        asked = srv.generations()
        assert len(asked) == 4  # 2 scenes x 3 s / 1.5 s
        body = asked[0].body
        w, h = (int(x) for x in body["size"].split("x"))
        assert w / h == pytest.approx(size[0] / size[1], rel=0.01) and w >= size[0] * 1.25 - 16
        assert body["model"] == "fake-image-1" and isinstance(body["seed"], int)
        assert len({r.body["seed"] for r in asked}) == 4
        mp4 = project / "build" / "pics.mp4"
        manifest = json.loads((project / "build" / "pics.json").read_text())
        frames = _frames(mp4, *size)
        assert len(frames) == manifest["frames"]
        edges = np.concatenate([frames[:, 0], frames[:, -1], frames[:, :, 0], frames[:, :, -1]], axis=1)
        assert edges.reshape(len(frames), -1).max(axis=1).min() > 30  # no black border in any frame
        first = frames[:10].astype(float)
        assert np.abs(np.diff(first, axis=0)).mean() > 0.3  # the picture moves
        pics = manifest["scenes"][1]["pictures"]
        assert [(p["task"], p["model"], p["prompt"]) for p in pics] == [
            (f"pics/video/scene-02/chunk-0{k}", "fake-image-1", "city at night lights") for k in (1, 2)
        ]
        assert len({p["seed"] for p in pics}) == 2 and {p["seed"] for p in pics} <= {r.body["seed"] for r in asked}
        if preset == "draft":  # the review page shows each scene's generated pictures
            run_cli("review", project).ok()
            page = next((project / "build" / "review").glob("video-*.html")).read_text()
            assert page.count('alt="generated picture') == 4
            assert (project / "build" / "review" / "media" / "pics" / "scene-02-picture-02.jpg").is_file()
        before = mp4.read_bytes()
        build(project)  # nothing changed: every picture and segment is reused, nothing is asked
        assert len(srv.generations()) == 4 and mp4.read_bytes() == before
        spec = project / "project.yaml"
        spec.write_text(spec.read_text().replace("city at night lights", "a lake at sunrise"))
        build(project)
        again = srv.generations()[4:]
        assert len(again) == 2 and all(r.body["prompt"] == "a lake at sunrise" for r in again)


def test_bad_answers_are_retried_and_a_refusal_names_the_scene_keeping_finished_pictures(tmp_path):
    # On one CPU lane the first picture gets a 500, then garbage, then a url answer (3 tries with
    # retries: 2); the other scene's picture is refused (400): the build fails naming it, and the
    # finished picture is kept.
    with FakeImageServer(["500", "garbage", "url", "400"]) as srv:
        image = f"{{model: fake-image-1, base_url: '{srv.base_url}', seconds_per_picture: 3, retries: 2}}"
        project = _project(tmp_path, image)
        (project / "one.yaml").write_text("name: one-lane\ncpu_workers: 1\n")
        result = build(project, "--hardware", str(project / "one.yaml"), check=False)
        assert result.code == 1
        text = result.out + result.err
        assert "HTTP 400" in text and "Traceback" not in text
        refused = re.search(r"scene (\d), picture 1", text)
        assert refused is not None
        kept = 3 - int(refused.group(1))
        done = {r.task for r in journal(project) if r.ev == "done"}
        assert f"pics/video/scene-0{kept}/chunk-01" in done
        assert len(srv.generations()) == 4
        build(project, "--hardware", str(project / "one.yaml"))  # answered now: only the refused one is asked again
        assert len(srv.generations()) == 5
        assert srv.generations()[-1].body["prompt"] == srv.generations()[3].body["prompt"]


def test_a_tiny_local_text_to_image_pipeline_renders_a_scene_on_cpu(tmp_path):
    pytest.importorskip("diffusers")
    from tests.fixtures_t2i import build_tiny_t2i

    project = _project(tmp_path, "{model: models/tiny-t2i, size: 96x64, steps: 2, seconds_per_picture: 2}")
    spec = project / "project.yaml"
    text = spec.read_text()
    spec.write_text(text[: text.index('    - voiceover_text: "The city')] + text[text.index("video:") :])
    build_tiny_t2i(project / "models" / "tiny-t2i")
    (project / "hardware.yaml").write_text(TWO_CPU_DEVICES)
    build(project, "--hardware", str(project / "hardware.yaml"))
    done = [r for r in journal(project) if r.ev == "done"]
    assert {r.lane for r in done if "/chunk-" in r.task} <= {"cpu:a", "cpu:b"}
    assert len([r for r in done if "/chunk-" in r.task]) == 2
    video = next(s for s in probe(project / "build" / "pics.mp4")["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (640, 360)


def test_max_cost_refuses_pictures_past_the_ceiling_before_any_request(tmp_path):
    with FakeImageServer() as srv:
        image = f"{{model: fake-image-1, base_url: '{srv.base_url}', seconds_per_picture: 1.5, price_per_image: 0.01}}"
        project = _project(tmp_path, image)
        result = build(project, "--max-cost", "0.03", check=False)
        assert result.code == 2 and "more than --max-cost $0.0300" in result.out + result.err
        assert srv.generations() == []
