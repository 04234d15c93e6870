"""`video.engine: image`: lowering (pictures per scene, seeds, placement, fingerprints), the plan's
line and price, the spec's diagnostics, and the image server client against a local fake server
speaking `POST /v1/images/generations` through the openai SDK (answers, retries, refusals, keys)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from tests.fakes.image_server import FakeImageServer, draw_png
from vidc.compiler.compile import CompileOptions, compile_project
from vidc.compiler.render import to_text
from vidc.runtime.backends.registry import catalog
from vidc.runtime.host.sources import project_sources
from vidc.schemas.hardware import Device, Hardware

CPU = Hardware(name="cpu", cpu_workers=2)
GPU = Hardware(
    name="gpu", cpu_workers=2, devices=[Device(id="cuda:0", kind="cuda", name="RTX 4090", vram_gb=24, speed=1.0)]
)

SPEC = """\
vidc: 1
name: pics
script:
  scene_seconds: [1, 12]
  scenes:
    - voiceover_text: "A red fox runs through the snow at sunrise."
      visual_prompt: "a red fox in the snow"
      duration_seconds: 9
    - voiceover_text: "The city wakes up with its lights still on."
      visual_prompt: "a city at night"
      duration_seconds: 5
video: {engine: image, seed: 7IMAGE}
export: {preset: draft}
"""


def _plan(
    tmp_path, image: str = ", image: {model: m1, base_url: 'http://127.0.0.1:9/v1', price_per_image: 0.02}", hw=CPU
):
    (tmp_path / "p.yaml").write_text(SPEC.replace("IMAGE", image))
    src, _ = project_sources(tmp_path / "p.yaml")
    return compile_project(src, hw, CompileOptions(catalog=catalog()))


def test_a_scene_gets_a_picture_every_few_seconds_each_its_own_seeded_task(tmp_path):
    plan, diags = _plan(tmp_path)
    assert plan is not None, diags
    pics = [t for t in plan.tasks if t.kind == "picture"]
    assert [t.id for t in pics] == [
        "pics/video/scene-01/chunk-01",
        "pics/video/scene-01/chunk-02",
        "pics/video/scene-01/chunk-03",
        "pics/video/scene-02/chunk-01",
        "pics/video/scene-02/chunk-02",
    ]  # 9 s and 5 s at a picture every 4 s
    assert len({t.params["seed"] for t in pics}) == 5
    assert {(t.params["width"], t.params["height"]) for t in pics} == {(800, 448)}  # 640x360 x 1.25
    assert all(t.requires.kind == "cpu" for t in pics)  # a server's pictures wait on a CPU lane
    motion = next(t for t in plan.tasks if t.id == "pics/assemble/scene-01")
    assert motion.backend == "ken-burns" and sorted(motion.inputs) == [
        "captions",
        "chunk-01",
        "chunk-02",
        "chunk-03",
        "voice",
    ]
    assert sum(t.cost.micro_usd for t in pics if t.cost) == 100_000  # 5 pictures at $0.02
    text = to_text(plan)
    assert "pictures: image x3 (m1, server), ~24.0s, $0.0600" in text


def test_an_edited_prompt_changes_only_its_own_scenes_pictures(tmp_path):
    before, _ = _plan(tmp_path)
    spec = tmp_path / "p.yaml"
    spec.write_text(spec.read_text().replace("a city at night", "a lake at dawn"))
    src, _ = project_sources(spec)
    after, _ = compile_project(src, CPU, CompileOptions(catalog=catalog()))
    assert before is not None and after is not None
    old = {t.id: t.fingerprint for t in before.tasks}
    changed = {t.id for t in after.tasks if old[t.id] != t.fingerprint}
    assert {t for t in changed if "/video/" in t} == {"pics/video/scene-02/chunk-01", "pics/video/scene-02/chunk-02"}
    assert "pics/assemble/scene-01" not in changed


def test_a_local_model_runs_on_a_device_lane_with_its_vram(tmp_path):
    plan, diags = _plan(tmp_path, ", image: {model: stabilityai/sdxl-turbo, steps: 1}", GPU)
    assert plan is not None, diags
    pics = [t for t in plan.tasks if t.kind == "picture"]
    assert all(t.requires.kind == "device" and t.requires.vram_gb == 10 for t in pics)
    assert {t.lane for t in pics} == {"cuda:0"}
    _, diags = _plan(tmp_path, ", image: {model: stabilityai/sdxl-turbo, steps: 1}", CPU)
    assert any(d.code == "E_NO_DEVICE" for d in diags)  # no GPU to run it on: said at plan time


def test_the_engine_without_image_settings_is_a_diagnostic_at_the_video_line(tmp_path):
    from vidc.runtime.backends.facts import gather_facts

    (tmp_path / "p.yaml").write_text(SPEC.replace("IMAGE", ""))
    src, _ = project_sources(tmp_path / "p.yaml")
    plan, diags = compile_project(src, CPU, CompileOptions(catalog=catalog(), facts=gather_facts(tmp_path, catalog())))
    assert plan is None
    assert [d.code for d in diags if d.severity == "error"] == ["E_MISSING"]  # once, and no wan VRAM message
    assert "video.image" in diags[0].message and diags[0].line == 12


def test_a_local_model_that_is_not_here_is_a_warning(tmp_path):
    from vidc.runtime.backends.facts import gather_facts

    (tmp_path / "p.yaml").write_text(SPEC.replace("IMAGE", ", image: {model: models/none-here}"))
    src, _ = project_sources(tmp_path / "p.yaml")
    opts = CompileOptions(catalog=catalog(), facts=gather_facts(tmp_path, catalog()))
    plan, diags = compile_project(src, GPU, opts)
    assert plan is not None
    assert any(d.code == "W_MODEL_NOT_FOUND" and "models/none-here" in d.message for d in diags)


# -- the server client --------------------------------------------------------------------------
def _params(base_url: str, **kw):
    base = dict(
        model="fake-image-1", prompt="a red fox", width=96, height=64, seed=5, scene=2, picture=3,
        base_url=base_url, api_key_env=None, timeout_s=5.0, retries=2,
    )  # fmt: skip
    return SimpleNamespace(**{**base, **kw})


def _size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(png)).size


def test_b64_and_url_answers_give_the_picture_and_the_request_carries_model_size_seed():
    from vidc.runtime.backends.image_server import generate

    with FakeImageServer(["ok", "url"]) as srv:
        first = generate(_params(srv.base_url), print, sleep=lambda s: None)
        second = generate(_params(srv.base_url, seed=6), print, sleep=lambda s: None)
    assert _size(first["png"]) == (96, 64) and first["tries"] == 1
    assert _size(second["png"]) == (96, 64)
    body = srv.generations()[0].body
    assert (body["model"], body["size"], body["prompt"], body["seed"], body["n"]) == (
        "fake-image-1",
        "96x64",
        "a red fox",
        5,
        1,
    )
    assert first["png"] != second["png"]


def test_a_500_garbage_and_a_timeout_are_retried_then_give_up_naming_the_scene():
    from vidc.runtime.backends.base import BackendError
    from vidc.runtime.backends.image_server import generate

    pauses: list[float] = []
    journaled: list[int] = []
    with FakeImageServer(["500", "garbage", "ok"]) as srv:
        got = generate(_params(srv.base_url), print, sleep=pauses.append, before=journaled.append)
    assert got["tries"] == 3 and pauses == [0.5, 1.0] and journaled == [1, 2, 3]
    with FakeImageServer(["slow", "500", "500"], slow_s=2.0) as srv:
        with pytest.raises(BackendError) as err:
            generate(_params(srv.base_url, timeout_s=0.5), print, sleep=lambda s: None)
    text = str(err.value)
    assert "scene 2, picture 3" in text and "3 tries" in text and "HTTP 500" in text and "\n" not in text


def test_a_refusal_is_not_retried_and_a_missing_key_is_one_line(monkeypatch):
    from vidc.runtime.backends.base import BackendError
    from vidc.runtime.backends.image_server import generate

    with FakeImageServer(["400", "ok"]) as srv:
        with pytest.raises(BackendError, match=r"scene 2, picture 3: .*HTTP 400"):
            generate(_params(srv.base_url), print, sleep=lambda s: None)
        assert len(srv.generations()) == 1
        monkeypatch.delenv("VIDC_TEST_IMAGE_KEY", raising=False)
        with pytest.raises(BackendError, match="VIDC_TEST_IMAGE_KEY is not set"):
            generate(_params(srv.base_url, api_key_env="VIDC_TEST_IMAGE_KEY"), print)
        monkeypatch.setenv("VIDC_TEST_IMAGE_KEY", "sk-test-123")
        generate(_params(srv.base_url, api_key_env="VIDC_TEST_IMAGE_KEY"), print)
    assert srv.generations()[-1].headers["authorization"] == "Bearer sk-test-123"


def test_the_fake_draws_real_deterministic_pictures():
    assert draw_png("a", 1, (40, 30)) == draw_png("a", 1, (40, 30)) != draw_png("a", 2, (40, 30))
    assert _size(draw_png("a", 1, (40, 30))) == (40, 30)


def test_a_tiny_local_pipeline_makes_the_same_picture_for_the_same_seed(tmp_path):
    pytest.importorskip("diffusers")
    from tests.fixtures_t2i import build_tiny_t2i
    from vidc.runtime.backends.base import BackendError, TaskContext
    from vidc.runtime.backends.image_gen import ImageGen, ImageParams

    build_tiny_t2i(tmp_path / "models" / "t2i")
    backend = ImageGen()
    backend.setup("cpu")

    def run(seed: int, name: str, model: str = "models/t2i") -> tuple[bytes, dict]:
        out = tmp_path / name
        out.mkdir()
        params = ImageParams(
            model=model, prompt="a red fox", width=48, height=32, seed=seed, scene=1, picture=1, steps=2
        )
        ctx = TaskContext(task_id="t", params={}, inputs={}, out=out, project_dir=tmp_path, cache_dir=tmp_path)
        result = backend.run(ctx, params)
        return (out / "picture.png").read_bytes(), result

    a, result = run(3, "a")
    b, _ = run(3, "b")
    c, _ = run(4, "c")
    assert a == b != c and _size(a) == (48, 32) and backend.cache.loads == 1
    assert result["source"] == "local" and result["seed"] == 3 and result["model_revision"].startswith("sha256:")
    with pytest.raises(BackendError, match="not on this machine"):
        run(3, "d", "models/missing")
