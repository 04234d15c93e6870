"""The segment-encode building blocks live in compiler/ffmpeg_encode.py and the lane-aware rank in
compiler/ranks.py; the names other code imports from ffmpeg_args and place stay the same objects,
and the assets command's input flags follow its fit and clip mode."""

from __future__ import annotations

from vidc.compiler import ffmpeg_args, ffmpeg_encode, place, ranks
from vidc.compiler.resources import presets

P = dict(presets()["draft"])


def test_old_import_paths_are_the_new_objects():
    for name in ("x264_args", "frames_s", "to_bt709", "watermark_overlay", "FFMPEG", "BITEXACT"):
        assert getattr(ffmpeg_args, name) is getattr(ffmpeg_encode, name)
    assert place.remaining_rank is ranks.remaining_rank


def _inputs(argv: list[str]) -> list[str]:
    return argv[len(ffmpeg_encode.FFMPEG) : argv.index("-i") + 2]


def test_a_still_is_looped_by_the_input_except_when_it_pans():
    pan = ffmpeg_args.assets(P, "a.png", True, "90", False, fit="cover")
    assert _inputs(pan) == ["-framerate", str(P["fps"]), "-i", "@{project:a.png}"]
    assert "loop=loop=-1:size=1" in pan[pan.index("-vf") + 1]
    for fit in ("contain", "blur"):
        argv = ffmpeg_args.assets(P, "a.png", True, "90", False, fit=fit)
        assert _inputs(argv) == ["-loop", "1", "-framerate", str(P["fps"]), "-i", "@{project:a.png}"]
        assert "loop=loop=-1" not in argv[argv.index("-vf") + 1]


def test_a_clip_loops_only_in_loop_mode_and_each_fit_places_it_its_way():
    loop = ffmpeg_args.assets(P, "c.mp4", False, "90", False, fit="contain", pad_colour="0x112233", clip_mode="loop")
    assert _inputs(loop) == ["-stream_loop", "-1", "-i", "@{project:c.mp4}"]
    vf = loop[loop.index("-vf") + 1]
    assert "pad=" in vf and "color=0x112233" in vf and vf.endswith("tpad=stop_mode=clone:stop=-1,setsar=1")
    hold = ffmpeg_args.assets(P, "c.mp4", False, "90", False, fit="blur")
    assert _inputs(hold) == ["-i", "@{project:c.mp4}"]
    assert "boxblur" in hold[hold.index("-vf") + 1]
