"""The backend catalog and the machine's facts: gathered by the runtime, handed to the compiler as data."""

from __future__ import annotations

import json

import pytest

from vidc.compiler.compile import CompileOptions, compile_project
from vidc.compiler.frontend import SourceFiles
from vidc.runtime.backends import facts as facts_mod
from vidc.runtime.backends.registry import BUILTIN, catalog, load_class
from vidc.schemas.catalog import Facts, ModelFacts
from vidc.schemas.hardware import Hardware


def test_catalog_has_every_builtin_with_its_declared_version_and_params():
    cat = catalog()
    assert set(BUILTIN) <= set(cat.backends)
    for name in BUILTIN:
        cls, entry = load_class(name), cat.entry(name)
        assert (entry.name, entry.stage, entry.version, entry.params) == (cls.name, cls.stage, cls.version, cls.Params)
    assert cat.engines("voice") == ["elevenlabs", "kokoro", "piper"]
    assert cat.engines("video") == ["animatic", "assets", "image", "openai-videos", "stock", "wan"]
    assert cat.entry("elevenlabs").needs.api_key_env == "ELEVENLABS_API_KEY"
    assert cat.entry("piper").default_voice == "en_US-joe-medium"
    # Every built-in validates its params with a model of its own: none takes the catch-all NoParams.
    from vidc.runtime.backends.base import NoParams

    assert {n for n in BUILTIN if cat.entry(n).params is NoParams} == set()


def test_backends_read_only_their_validated_params():
    """A backend gets its params as its validated model (run's `params`), never the raw dict."""
    from pathlib import Path

    import vidc.runtime.backends as pkg

    readers = [f.name for f in sorted(Path(pkg.__file__).parent.glob("*.py")) if "ctx.params" in f.read_text("utf-8")]
    assert readers == []


def test_facts_name_keys_but_never_hold_their_values(tmp_path, monkeypatch):
    monkeypatch.setenv("ELEVENLABS_API_KEY", "sk-secret-value")
    f = facts_mod.gather_facts(tmp_path, catalog())
    assert f.api_keys == frozenset({"ELEVENLABS_API_KEY"})
    assert "sk-secret-value" not in repr(f)
    monkeypatch.delenv("ELEVENLABS_API_KEY")
    assert facts_mod.gather_facts(tmp_path, catalog()).api_keys == frozenset()
    monkeypatch.setenv("MY_VIDEO_SERVER_KEY", "sk-other")  # a key variable a spec names (video.api_key_env)
    keys = facts_mod.gather_facts(tmp_path, catalog()).api_keys
    assert "MY_VIDEO_SERVER_KEY" in keys and "NOT_SET_ANYWHERE_KEY" not in keys and "sk-other" not in repr(keys)


def test_facts_of_the_builtin_music_and_caption_styles(tmp_path):
    f = facts_mod.gather_facts(tmp_path, catalog())
    lib = f.music["builtin"]
    assert len(lib.tracks) >= 5 and all(t.duration_s > 100 for t in lib.tracks) and "happy" in lib.moods()
    assert lib.loops is True and lib.error is None  # the music backend loops tracks (any video length)
    assert "default" in f.caption_styles and "en_US-joe-medium" in f.piper_voices
    missing = f.music["no-such-folder"]
    assert missing.error and "vidc music index" in missing.error


def test_model_facts_read_the_pipeline_class(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model_index.json").write_text(json.dumps({"_class_name": "WanImageToVideoPipeline"}))
    assert facts_mod.model_facts("m", tmp_path) == ModelFacts(found=True, class_name="WanImageToVideoPipeline")
    assert facts_mod.model_facts(str(tmp_path / "m"), tmp_path / "elsewhere").class_name == "WanImageToVideoPipeline"
    assert facts_mod.model_facts("Nobody/Nothing-Diffusers", tmp_path) == ModelFacts(found=False)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "model_index.json").write_text("{not json")
    assert facts_mod.model_facts("bad", tmp_path) == ModelFacts(found=True, class_name=None)


def test_compiler_needs_the_catalog_and_uses_its_versions():
    spec = (
        "vidc: 1\nname: demo\nscript:\n  scenes:\n    - voiceover_text: Hello there, a test.\n"
        "      duration_seconds: 9\n"
    )
    src = SourceFiles("p.yaml", lambda rel: spec, lambda rel: False)
    with pytest.raises(ValueError, match="catalog"):
        compile_project(src, Hardware())
    plan, diags = compile_project(src, Hardware(), CompileOptions(catalog=catalog(), facts=Facts()))
    assert plan is not None and all(t.backend_version == catalog().version(t.backend) for t in plan.tasks)
    # A version bump in the catalog changes the fingerprints of that backend's tasks (and what follows).
    cat = catalog()
    bumped = type(cat)(
        backends={
            **cat.backends,
            "piper": type(cat.entry("piper"))(
                **{**cat.entry("piper").__dict__, "version": cat.entry("piper").version + "-bumped"}
            ),
        }
    )
    plan2, _ = compile_project(src, Hardware(), CompileOptions(catalog=bumped, facts=Facts()))
    changed = {t.id for t, u in zip(plan.tasks, plan2.tasks) if t.fingerprint != u.fingerprint}
    assert "demo/voice/scene-01" in changed and "demo/script" not in changed


def test_a_check_that_raises_is_a_diagnostic_not_a_traceback():
    spec = (
        "vidc: 1\nname: demo\nscript:\n  scenes:\n    - voiceover_text: Hello there, a test.\n"
        "      duration_seconds: 9\n"
    )
    src = SourceFiles("p.yaml", lambda rel: spec, lambda rel: False)
    cat = catalog()

    def broken(params, facts):
        raise RuntimeError("plug-in bug")

    bad = type(cat)(
        backends={**cat.backends, "piper": type(cat.entry("piper"))(**{**cat.entry("piper").__dict__, "check": broken})}
    )
    plan, diags = compile_project(src, Hardware(), CompileOptions(catalog=bad, facts=Facts()))
    assert plan is None and any("plug-in bug" in d.message and d.code == "E_INVALID" for d in diags)


def _with_plugin_voice(file_params: tuple[str, ...]):
    """The catalog plus a plug-in voice engine `beep` whose `model` param names a project file."""
    from vidc.runtime.backends.base import VoiceParams
    from vidc.schemas.catalog import BackendEntry

    cat = catalog()
    beep = BackendEntry(
        name="beep",
        stage="voice",
        version="1",
        selectable=True,
        params=VoiceParams,
        default_voice="sine",
        file_params=file_params,
    )
    return type(cat)(backends={**cat.backends, "beep": beep})


def test_a_plugins_file_param_enters_its_fingerprint():
    spec = (
        "vidc: 1\nname: demo\nscript:\n  scenes:\n    - voiceover_text: Hello there, a test.\n"
        "      duration_seconds: 9\nvoice: {engine: beep, model: voices/beep.bin}\n"
    )
    files = {"voices/beep.bin": "first"}
    src = SourceFiles("p.yaml", lambda rel: spec, lambda rel: rel in files)

    def voice_task(cat):
        opts = CompileOptions(catalog=cat, facts=Facts(), digest=lambda rel: "sha-of-" + files.get(rel, "missing"))
        plan, diags = compile_project(src, Hardware(), opts)
        assert plan is not None, [d.format() for d in diags]
        return next(t for t in plan.tasks if t.id == "demo/voice/scene-01"), plan

    declared = _with_plugin_voice(("model",))
    before, plan = voice_task(declared)
    assert before.params["model_sha256"] == "sha-of-first" and plan.inputs["voices/beep.bin"] == "sha-of-first"
    files["voices/beep.bin"] = "second"  # the plug-in's file changes: its task (and only what follows) is rebuilt
    after, _ = voice_task(declared)
    assert after.fingerprint != before.fingerprint and after.params["model_sha256"] == "sha-of-second"
    # Undeclared, the file is a plain string to the compiler: the fingerprint cannot see it change.
    undeclared, _ = voice_task(_with_plugin_voice(()))
    files["voices/beep.bin"] = "first"
    assert (
        "model_sha256" not in undeclared.params
        and voice_task(_with_plugin_voice(()))[0].fingerprint == undeclared.fingerprint
    )


def test_the_catalog_declares_what_the_core_needs_to_know():
    cat = catalog()
    assert {n: e.file_params for n, e in cat.backends.items() if e.file_params} == {
        "assets": ("asset",),
        "wan": ("start_image", "lora_file"),
        "music-select": ("track", "library"),
    }
    assert {n for n, e in cat.backends.items() if e.encodes} == {
        "animatic",
        "assets",
        "assemble",
        "transition",
        "export",
        "stock",
        "ken-burns",
    }
    assert {n: e.words_per_minute for n in cat.engines("voice") for e in [cat.entry(n)]} == {
        "piper": 190,
        "kokoro": 150,
        "elevenlabs": 150,
    }
    assert cat.entry("elevenlabs").price_keys == ("tts.elevenlabs",) and cat.entry("llm-script").price_keys == ("llm",)


def test_a_voice_engines_declared_rate_paces_its_scenes():
    """Words per minute come from the engine's catalog entry (a plug-in's too), not from a table of names."""
    from vidc.runtime.backends.base import VoiceParams
    from vidc.schemas.catalog import BackendEntry

    spec = (
        "vidc: 1\nname: demo\nscript:\n  scene_seconds: [1, 12]\n  scenes:\n"
        "    - voiceover_text: One two three four five six.\n      duration_seconds: auto\nvoice: {engine: beep}\n"
    )
    src = SourceFiles("p.yaml", lambda rel: spec, lambda rel: False)
    cat = catalog()

    def scene_ms(wpm):
        beep = BackendEntry(
            name="beep", stage="voice", version="1", selectable=True, params=VoiceParams, words_per_minute=wpm
        )
        plan, diags = compile_project(
            src, Hardware(), CompileOptions(catalog=type(cat)(backends={**cat.backends, "beep": beep}), facts=Facts())
        )
        assert plan is not None, [d.format() for d in diags]
        return plan.videos[0].scenes[0].duration_ms

    assert scene_ms(60) == 6 * 1000 + 500  # six words at one a second, then the pause
    assert scene_ms(120) == 3 * 1000 + 500
    assert scene_ms(None) == 6 * 60000 // 150 + 500  # declared nowhere: the common rate
