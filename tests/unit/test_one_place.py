"""Rules kept in one place: each test names the one home of a rule and checks that the copies are gone."""

from __future__ import annotations

import re
from pathlib import Path


def _sources() -> dict[str, str]:
    import vidc.compiler
    import vidc.runtime
    import vidc.schemas

    out = {}
    for pkg in (vidc.compiler, vidc.runtime, vidc.schemas):
        base = Path(pkg.__file__).resolve().parent
        for f in sorted(base.rglob("*.py")):
            out[f"{base.name}/{f.relative_to(base)}"] = f.read_text(encoding="utf-8")
    return out


def test_the_stages_are_one_tuple_in_pipeline_order():
    from vidc.runtime.engine import events
    from vidc.schemas.plan import STAGES, Task

    assert STAGES == ("script", "voice", "video", "music", "captions", "mix", "export")
    assert events.STAGES is STAGES
    assert Task.model_json_schema()["properties"]["stage"]["enum"] == list(STAGES)
    copies = [name for name, text in _sources().items() if re.search(r'\(\s*"script",\s*"voice",\s*"video"', text)]
    assert copies == []


def test_tools_run_through_the_runner_with_its_timeout(tmp_path):
    import pytest

    from vidc.runtime.media.tools import BackendError, run_captured

    assert run_captured(["sh", "-c", "echo oops >&2; exit 3"], what="sh").returncode == 3  # the caller reads it
    with pytest.raises(BackendError, match="sleepy did not finish in 0 s"):
        run_captured(["sleep", "5"], what="sleepy", timeout=0.2)
    with pytest.raises(FileNotFoundError):
        run_captured([str(tmp_path / "no-such-tool")], what="x")
    # A tool whose output is streamed (decoded audio) runs under the same limit.
    from vidc.runtime.media.tools import stream_tool

    sizes: list[int] = []
    assert stream_tool(["head", "-c", "3000000", "/dev/zero"], lambda b: sizes.append(len(b)), what="head") == (0, b"")
    assert sum(sizes) == 3000000 and max(sizes) <= 1 << 20
    assert stream_tool(["sh", "-c", "echo bad >&2; exit 2"], sizes.append, what="sh") == (2, b"bad\n")
    with pytest.raises(BackendError, match="slow did not finish"):
        stream_tool(["sleep", "5"], sizes.append, what="slow", timeout=0.2)
    # The media helpers that probe and decode with ffmpeg/ffprobe go through it: a subprocess.run
    # elsewhere in media/ carries its own timeout (fc-match's).
    calls = [
        (name, call)
        for name, text in _sources().items()
        if name.startswith("runtime/media/") and name != "runtime/media/tools.py"
        for call in re.findall(r"subprocess\.run\((.*?)\)\n", text, re.S)
    ]
    assert [name for name, call in calls if "timeout=" not in call] == []
    assert [name for name, _ in calls] == ["runtime/media/fonts.py"]


def _old_caption_clean(text: str) -> str:  # media/captions.py's copy, before it was shared
    import unicodedata

    out = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        if ch in "\r\n\t\f\v" or cat in ("Zl", "Zp"):
            out.append(" ")
        elif cat != "Cc":
            out.append(ch)
    return "".join(out)


def _old_piper_clean(text: str) -> str:  # media/piper_voice.py's copy, before it was shared
    return "".join(
        " " if ch in "\r\n\t\f\v" else ch
        for ch in str(text)
        if not (ord(ch) < 32 or ord(ch) == 127) or ch in "\r\n\t\f\v"
    )


def test_control_characters_are_cleaned_by_one_module_as_before():
    from hypothesis import given, settings, strategies as st

    from vidc.compiler.textsafe import without_c0_controls, without_controls
    from vidc.runtime.media import caption_cues, word_timing

    assert caption_cues.clean is without_controls and word_timing.strip_controls is without_c0_controls
    assert without_controls("a\x1b[31mb\u2028c\x85d\te") == "a[31mb cd e"  # NEL is a C1 control: dropped
    assert without_c0_controls("a\x1b[31mb\u2028c\x85d\te") == "a[31mb\u2028c\x85d e"

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.characters(max_codepoint=0x2100) | st.sampled_from("\u2028\u2029\x85\x9f\x7f")))
    def same(text):
        assert without_controls(text) == _old_caption_clean(text)
        assert without_c0_controls(text) == _old_piper_clean(text)

    same()


def test_caption_styles_are_read_only_through_the_compilers_layout():
    from vidc.compiler.layout import caption_style, caption_styles
    from vidc.runtime.media.captions import get_style, load_styles

    assert load_styles() == caption_styles() and get_style("bold") == caption_style("bold")
    readers = [name for name, text in _sources().items() if re.search(r'\w\(\s*"caption_styles\.yaml"', text)]
    assert readers == ["compiler/layout.py"]


def test_one_model_finder_for_folders_and_cached_hub_ids(tmp_path, monkeypatch):
    from vidc.runtime.media.hub_cache import find_model, is_hub_id

    project = tmp_path / "project"
    (project / "models" / "mine").mkdir(parents=True)
    snap = tmp_path / "hub" / "models--Org--Model" / "snapshots" / "abc"
    snap.mkdir(parents=True)
    (snap / "model_index.json").write_text("{}")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert find_model("models/mine", project, "model_index.json").folder == project / "models" / "mine"
    assert find_model(str(project / "models" / "mine"), tmp_path, "x").folder == project / "models" / "mine"
    hub = find_model("Org/Model", project, "model_index.json")
    assert (hub.folder, hub.hub_id, hub.named) == (snap, "Org/Model", project / "Org" / "Model")
    assert find_model("Org/Model", project, "config.json").folder is None  # its snapshot lacks the marker
    assert find_model("./Org/Model", project, "model_index.json") == find_model("./Org/Model", project, "x")
    assert find_model("./Org/Model", project, "x").hub_id is None and not is_hub_id("./Org/Model")
    copies = [name for name, text in _sources().items() if "A-Za-z0-9_.-]*/[A-Za-z0-9]" in text]
    assert copies == ["runtime/media/hub_cache.py"]


def test_which_assets_are_stills_and_start_images_is_said_once():
    from vidc.compiler.lower import is_start_image, is_still

    assert is_still("a.GIF") and not is_start_image("a.gif") and is_start_image("a.Png") and not is_still("a.mp4")
    tuples = [name for name, text in _sources().items() if re.search(r'\(\s*"png",\s*"jpg"', text)]
    assert tuples == ["compiler/drafts.py"]
