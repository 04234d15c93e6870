"""Transitions between scenes, as planned: the spec's shapes, what each scene's encode does at its
ends, the crossfade tasks and the export's join, and which tasks an edit re-runs."""

from __future__ import annotations

from tests.factories import DEMO, compile_text, plan_of
from vidc.compiler.transitions import Edges, edges, half_frames, joins
from vidc.runtime.engine.resolve import convert
from vidc.schemas.spec import VideoSpec

V = "vidc-demo"


def _with(text: str, video_transition: str | None = None, scene: dict[int, str] | None = None) -> str:
    """The demo spec with `video.transition` and per-scene transitions (scene number -> YAML value)."""
    out = text
    if video_transition is not None:
        out = out.replace(
            "video: {engine: animatic}", f"video: {{engine: animatic, transition: {video_transition}}}", 1
        )
        assert out != text
    lines = out.split("\n")
    for n, value in (scene or {}).items():
        starts = [i for i, line in enumerate(lines) if line.lstrip().startswith("- voiceover_text:")]
        indent = lines[starts[n - 1]].index("-") + 2
        lines.insert(starts[n - 1] + 1, " " * indent + f"transition: {value}")
    return "\n".join(lines)


def _spec(transition, scenes=3, own=None) -> VideoSpec:
    sc = [{"voiceover_text": "hello", "duration_seconds": 9} for _ in range(scenes)]
    for i, t in (own or {}).items():
        sc[i - 1]["transition"] = t
    return VideoSpec.model_validate(
        {"vidc": 1, "name": "t", "script": {"scenes": sc}, "video": {"transition": transition}}
    )


def test_shorthand_default_and_per_scene_override():
    spec = _spec("crossfade", own={3: {"type": "fade", "seconds": 1.0}})
    assert spec.video.transition.type == "crossfade" and spec.video.transition.seconds == 0.5
    js = joins(spec, spec.script.scenes, 30)
    assert [(j.after, j.type, j.frames, j.path) for j in js] == [
        (1, "crossfade", 8, ("video", "transition")),
        (2, "fade", 15, ("script", "scenes", 2, "transition")),
    ]
    assert (
        VideoSpec.model_validate(
            {"vidc": 1, "name": "t", "script": {"scenes": [{"voiceover_text": "x", "duration_seconds": 9}]}}
        ).video.transition.type
        == "cut"
    )


def test_half_frames_round_and_never_vanish():
    assert half_frames(0.5, 30) == 8 and half_frames(0.5, 24) == 6 and half_frames(1.0, 30) == 15
    assert half_frames(0.01, 30) == 1


def test_edges_of_each_scene():
    spec = _spec("cut", scenes=4, own={2: "crossfade", 3: "fade"})
    js = joins(spec, spec.script.scenes, 30)
    assert edges(js, 1) == Edges(key_out=8)
    assert edges(js, 2) == Edges(key_in=8, fade_out=8)
    assert edges(js, 3) == Edges(fade_in=8)
    assert edges(js, 4) == Edges() and not edges(js, 4).any


def test_shifted_frame_references_resolve():
    assert convert(3417, "frames:30") == "103"
    assert convert(3417, "frames:30:-8") == "95"
    assert convert(3417, "seconds_at:30:-8.5") == f"{(103 - 8.5) / 30:.6f}"


def test_cut_plans_are_todays_plans():
    """`transition: cut` (and no transition at all) plan exactly what vidc planned before transitions."""
    base = plan_of(DEMO)
    cut = plan_of(_with(DEMO, "{type: cut, seconds: 2}"))
    assert [(t.id, t.argv, t.params) for t in base.tasks] == [(t.id, t.argv, t.params) for t in cut.tasks]
    assert not any("transition" in t.id for t in base.tasks)
    export = base.task_map()[f"{V}/export"]
    assert "transitions" not in export.params and "-c" in export.argv[0] and "copy" in export.argv[0]
    assert not any("-force_key_frames" in t.argv[0] or "fade=" in " ".join(t.argv[0]) for t in base.tasks if t.argv)


def test_crossfade_and_fade_lower_to_tasks_and_filters():
    plan = plan_of(_with(DEMO, "crossfade", {4: "{type: fade, seconds: 1}"}))
    tasks = plan.task_map()
    crossfades = sorted(t for t in tasks if "/transition/" in t)
    assert crossfades == [
        f"{V}/transition/scene-01-02",
        f"{V}/transition/scene-02-03",
        f"{V}/transition/scene-04-05",
        f"{V}/transition/scene-05-06",
    ]
    x = tasks[f"{V}/transition/scene-01-02"]
    assert x.backend == "transition" and x.params["frames"] == 8 and x.est_ms > 0
    assert x.inputs == {"from": f"{V}/video/scene-01", "to": f"{V}/video/scene-02", "voice": f"{V}/voice/scene-01"}
    argv = " ".join(x.argv[0])
    assert (
        "-frames:v 16" in argv
        and "xfade=transition=fade" in argv
        and f"@{{{V}/voice/scene-01:scene_ms|seconds_at:30:-8.5}}" in argv
    )
    export = tasks[f"{V}/export"]
    assert export.params["transitions"] == [
        [1, "crossfade", 8],
        [2, "crossfade", 8],
        [3, "fade", 15],
        [4, "crossfade", 8],
        [5, "crossfade", 8],
    ]
    assert {r for r in export.inputs if r.startswith("transition-")} == {
        "transition-01",
        "transition-02",
        "transition-04",
        "transition-05",
    }
    assert export.argv[0][export.argv[0].index("-c") + 1] == "copy"  # the join is still a stream copy
    s2 = " ".join(tasks[f"{V}/video/scene-02"].argv[0])  # crossfades on both sides: two forced keyframes
    assert f"expr:eq(n,8)+eq(n,@{{{V}/voice/scene-02:scene_ms|frames:30:-8}})" in s2 and "fade=" not in s2
    s3 = " ".join(tasks[f"{V}/video/scene-03"].argv[0])  # crossfade in, fade out (1 s: 15 frames)
    assert (
        "-force_key_frames expr:eq(n,8) " in s3
        and f"fade=t=out:s=@{{{V}/voice/scene-03:scene_ms|frames:30:-15}}:n=15" in s3
    )
    s4 = " ".join(tasks[f"{V}/video/scene-04"].argv[0])  # fade in, crossfade out
    assert "fade=t=in:s=0:n=15" in s4 and "-force_key_frames" in s4
    assert s4.index("ass=") < s4.index("fade=t=in")  # captions fade with the picture


def test_editing_one_scene_reruns_only_the_transitions_next_to_it():
    spec = _with(DEMO, "crossfade")
    before = plan_of(spec)
    after = plan_of(spec.replace("nothing is lost", "nothing at all is lost"))  # scene 5
    changed = {t.id for t in before.tasks if t.fingerprint != after.task_map()[t.id].fingerprint}
    assert {t for t in changed if "/transition/" in t} == {f"{V}/transition/scene-04-05", f"{V}/transition/scene-05-06"}
    assert f"{V}/video/scene-04" not in changed


def test_scene_one_transition_and_too_long_ones_are_diagnosed():
    short = DEMO.replace("scenes:\n", "scene_seconds: [1, 12]\n  scenes:\n", 1).replace(
        "duration_seconds: 10", "duration_seconds: 2", 2
    )
    text = _with(short, "{type: crossfade, seconds: 2}", {1: "fade"})
    plan, diags = compile_text(text)
    codes = [d.code for d in diags if d.code.startswith(("E_TRANS", "W_TRANS"))]
    assert plan is None and codes.count("W_TRANSITION_FIRST") == 1 and "E_TRANSITION_LENGTH" in codes


def test_an_auto_scene_is_padded_to_what_its_transitions_need():
    """An `auto` scene's length is measured at run time: instead of a plan-time guess that a build
    could contradict, its voice pads the scene to one frame more than its two transitions take."""
    auto = DEMO.replace("scenes:\n", "scene_seconds: [1, 12]\n  scenes:\n", 1).replace(
        "duration_seconds: 10", "duration_seconds: auto"
    )
    plan = plan_of(_with(auto, "{type: crossfade, seconds: 1.6}", {3: "{type: fade, seconds: 0.5}"}))
    tasks = plan.task_map()
    # scene 2: crossfade in (24 frames) and fade out (8): at least 33 frames at 30 fps
    assert tasks[f"{V}/voice/scene-02"].params["min_scene_ms"] == 32 * 1000 // 30 + 1
    assert -(-tasks[f"{V}/voice/scene-02"].params["min_scene_ms"] * 30 // 1000) == 33
    # scene 1: only the crossfade out of it (24 frames); the last scene: only the crossfade into it
    assert tasks[f"{V}/voice/scene-01"].params["min_scene_ms"] == 24 * 1000 // 30 + 1
    cut = plan_of(auto)
    assert cut.task_map()[f"{V}/voice/scene-02"].params["min_scene_ms"] == 0


def test_every_video_engine_gets_the_fades_and_keyframes():
    """The join is generic over segments: assets clips and wan's assembled segments fade and force
    keyframes the same way the animatic does, and their crossfades read the same segment.mp4."""
    from .test_wan_plan import gpus, plan as wan_plan, spec as wan_spec

    wan = wan_plan(wan_spec(durations=(8, 9, 10), extra=", transition: crossfade"), gpus(1))
    tasks = wan.task_map()
    assert sorted(t for t in tasks if "/transition/" in t) == [
        "ref/transition/scene-01-02",
        "ref/transition/scene-02-03",
    ]
    assert tasks["ref/transition/scene-01-02"].inputs["from"] == "ref/assemble/scene-01"
    assert "-force_key_frames" in tasks["ref/assemble/scene-02"].argv[0]
    assets = plan_of(
        DEMO.replace("video: {engine: animatic}", "video: {engine: assets, transition: fade}").replace(
            "      duration_seconds: 10", "      asset: a.png\n      duration_seconds: 10"
        ),
        files={"a.png": ""},
    )
    a2 = " ".join(assets.task_map()[f"{V}/video/scene-02"].argv[0])
    assert "fade=t=in:s=0:n=8" in a2 and f"fade=t=out:s=@{{{V}/voice/scene-02:scene_ms|frames:30:-8}}:n=8" in a2
