"""The `publish:` block's plan-time rules (compiler/publish_check.py): a schedule compared with the
time handed in, description bytes, a Short's length, and the AI-content default."""

from __future__ import annotations

from vidc.compiler.compile import CompileOptions, compile_videos
from vidc.compiler.frontend import SourceFiles
from vidc.compiler.publish_check import ai_generated, parse_time_ms, tags_length
from vidc.runtime.backends.registry import catalog
from vidc.schemas.hardware import Hardware

BASE = """vidc: 1
name: pub
script:
  scenes:
    - voiceover_text: A short video about lighthouses.
      duration_seconds: 9
"""


def _compile(extra: str, now_ms: int | None = None):
    files = {"p.yaml": BASE + extra}
    src = SourceFiles("p.yaml", files.__getitem__, files.__contains__)
    return compile_videos(src, Hardware(), CompileOptions(catalog=catalog(), now_ms=now_ms))


def _codes(diags):
    return [(d.code, d.line) for d in diags]


def test_a_schedule_in_the_past_is_an_error_at_its_line_only_when_a_clock_is_handed_in():
    spec = "publish:\n  youtube:\n    publish_at: '2027-01-05T09:00:00+01:00'\n"
    at = parse_time_ms("2027-01-05T08:00:00Z")
    assert at is not None
    plan, diags, _ = _compile(spec, now_ms=at + 1)
    assert plan is None and _codes(diags) == [("E_PUBLISH_SCHEDULE", 9)]
    assert "in the past" in diags[0].message
    assert _compile(spec, now_ms=at - 1)[0] is not None
    assert _compile(spec)[0] is not None  # no clock: nothing to compare with
    assert parse_time_ms("2027-01-05T09:00:00") is None  # no zone: ambiguous


def test_description_bytes_not_characters():
    ok = "é" * 2500  # 5,000 bytes
    assert _compile(f"publish:\n  youtube:\n    description: '{ok}'\n")[0] is not None
    plan, diags, _ = _compile(f"publish:\n  youtube:\n    description: '{ok}x'\n")
    assert plan is None and _codes(diags) == [("E_PUBLISH_TEXT", 9)] and "5001 bytes" in diags[0].message


def test_a_vertical_video_longer_than_a_short_is_refused_for_youtube_only():
    long = "".join(
        f"    - voiceover_text: Scene {i}.\n      duration_seconds: 10\n" for i in range(20)
    )  # 21 scenes, over 3 minutes
    files = {"p.yaml": BASE + long + "export: {preset: shorts}\npublish: {youtube: {}}\n"}
    src = SourceFiles("p.yaml", files.__getitem__, files.__contains__)
    plan, diags, _ = compile_videos(src, Hardware(), CompileOptions(catalog=catalog()))
    assert plan is None and [d.code for d in diags] == ["E_PUBLISH_PRESET"]
    files["p.yaml"] = files["p.yaml"].replace("youtube", "tiktok")
    assert compile_videos(src, Hardware(), CompileOptions(catalog=catalog()))[0] is not None


def test_the_videos_come_back_templated_and_ai_generated_follows_what_was_generated():
    plan, diags, videos = _compile(
        "vars: {topic: lights}\npublish:\n  youtube: {title: 'About {{ topic }}', tags: [a b, c]}\n"
    )
    assert plan is not None and not [d for d in diags if d.code != "W_SPARSE"]
    yt = videos[0].spec.publish.youtube
    assert yt.title == "About lights" and yt.privacy == "private" and yt.category == "22"
    assert tags_length(yt.tags) == len('"a b",c')
    assert ai_generated(videos[0].spec)  # a synthetic voice speaks
    silent = videos[0].spec.model_copy(deep=True)
    for s in silent.script.scenes or []:
        s.voiceover_text = ""
    assert not ai_generated(silent)
    silent.video.engine = "wan"
    assert ai_generated(silent)
