"""The compiler front-end: load (positions) -> expand (matrix, templating) -> validate."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from vidc.compiler.diagnostics import Diagnostic, did_you_mean, format_all, sort_diagnostics
from vidc.compiler.frontend import LoadedVideo, SourceFiles, load_project, parse_set
from vidc.compiler.source import KEY, load_tree
from vidc.compiler.templating import render_string, slug

MINIMAL = """\
vidc: 1
name: demo
script:
  scenes:
    - voiceover_text: Meet BeatSync, the metronome that listens back.
      duration_seconds: 9
    - voiceover_text: It hears you drift before you do.
      duration_seconds: 10
"""


def project(files: dict[str, str], spec: str = "project.yaml") -> SourceFiles:
    def read(rel: str) -> str:
        if rel in files:
            return files[rel]
        raise FileNotFoundError(rel)

    return SourceFiles(spec_name=spec, read=read, exists=lambda rel: rel in files)


ENGINES = {"voice": ["elevenlabs", "kokoro", "piper"], "video": ["animatic", "assets", "wan"]}
RATES = {"piper": 190, "kokoro": 150, "elevenlabs": 150}  # words per minute, as the catalog declares them


def load(
    text: str, extra: dict[str, str] | None = None, overrides: dict | None = None, spec: str = "project.yaml"
) -> tuple[list[LoadedVideo], list[Diagnostic]]:
    return load_project(project({spec: text, **(extra or {})}, spec), overrides or {}, ENGINES, RATES)


def codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


# --- loading ----------------------------------------------------------------------------------


def test_minimal_spec_loads_with_defaults() -> None:
    videos, diags = load(MINIMAL)
    assert diags == []
    [v] = videos
    s = v.spec
    assert (v.row, s.name, s.matrix, s.output) == (None, "demo", None, "build/")
    assert (s.voice.engine, s.voice.speed, s.voice.words_per_minute, s.voice.wpm) == ("piper", 1.0, None, 190)
    assert (s.video.engine, s.video.resolution, s.video.frames_per_chunk) == ("animatic", None, None)  # the model's own
    assert (s.captions.mode, s.export.preset, s.music.library) == ("both", "youtube-1080p", "builtin")
    assert [sc.scene_index for sc in s.script.scenes] == [1, 2]
    assert s.script.scenes[1].duration_seconds == 10.0


def test_json_spec_loads_like_yaml() -> None:
    import yaml

    as_json = json.dumps(yaml.safe_load(MINIMAL), indent="\t")
    (y,), _ = load(MINIMAL)
    (j,), diags = load(as_json, spec="project.json")
    assert diags == []
    assert j.spec.model_dump() == y.spec.model_dump()
    assert j.locate(("script", "scenes", 1, "duration_seconds"))[0] > 1


def test_yaml_off_and_none_stay_strings() -> None:
    # YAML 1.1 would read `off` as false; the loader only takes true/false as booleans.
    (v,), diags = load(MINIMAL + "captions: {mode: off}\nvideo: {offload: none}\n")
    assert diags == []
    assert (v.spec.captions.mode, v.spec.video.offload) == ("off", "none")


def test_anchor_and_merge_key() -> None:
    text = MINIMAL + "voice: &v {engine: kokoro, speed: 1.2}\nx_base: &b {engine: wan, steps: 4}\n"
    _, diags = load(text)
    assert codes(diags) == ["E_UNKNOWN_KEY"]  # x_base is not a spec key, the merge below works
    tree, pos, d = load_tree("base: &b {engine: wan, steps: 4}\nvideo:\n  <<: *b\n  steps: 8\n", "p.yaml")
    assert d == []
    assert tree["video"] == {"steps": 8, "engine": "wan"}
    assert pos[("video", "steps")] == (4, 10)  # the explicit key, not the merged one
    assert pos[("video", "engine")] == (1, 19)  # merged: where the value is written


def test_positions_of_values_and_keys() -> None:
    tree, pos, diags = load_tree(MINIMAL, "project.yaml")
    assert diags == []
    assert pos[("script", "scenes", 1, "duration_seconds")] == (8, 25)
    assert pos[("script", "scenes", 1, "duration_seconds", KEY)] == (8, 7)
    assert pos[("script", "scenes", 0)] == (5, 7)
    assert pos[("name",)] == (2, 7)
    assert pos.lengths[("name",)] == len("demo")
    assert pos.locate(("script", "scenes", 1, "nope", 3)) == (7, 7)  # nearest known ancestor


def test_loaded_video_locates_and_builds_diagnostics() -> None:
    (v,), _ = load(MINIMAL)
    assert v.locate(("script", "scenes", 0, "voiceover_text")) == (5, 23)
    assert v.locate(("video", "model")) == (1, 1)  # not written: the document
    d = v.diagnostic(("script", "scenes", 1, "duration_seconds"), "E_NO_DEVICE", "x")
    assert (d.file, d.line, d.col, d.source_line) == ("project.yaml", 8, 25, "      duration_seconds: 10")
    assert v.source_line(2) == "name: demo"


def test_duplicate_key_keeps_first_value_and_goes_on() -> None:
    tree, _, diags = load_tree("a: 1\nb: 2\na: 3\n", "x.yaml")
    assert tree == {"a": 1, "b": 2}
    assert [(d.code, d.line, d.col) for d in diags] == [("E_DUPLICATE_KEY", 3, 1)]
    tree, _, diags = load_tree('{"a": 1, "a": 2}', "x.json")
    assert tree == {"a": 1} and codes(diags) == ["E_DUPLICATE_KEY"]


def test_json_syntax_error_has_json_position() -> None:
    _, _, diags = load_tree('{\n  "a": 1,\n  "b": ]\n}', "x.json")
    assert [(d.code, d.line, d.col) for d in diags] == [("E_SYNTAX", 3, 8)]


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    tree, _, diags = load_tree("\n".join(lines), "bomb.yaml")
    assert time.perf_counter() - start < 5  # expanding it would take hours and gigabytes
    assert tree is None and codes(diags) == ["E_ALIAS"]
    tree, _, diags = load_tree("a: &x [1, *x]\n", "cycle.yaml")
    assert tree is None and codes(diags) == ["E_ALIAS"]


def test_missing_spec_and_empty_spec() -> None:
    _, diags = load_project(project({}), {})
    assert codes(diags) == ["E_IO"]
    videos, diags = load("# nothing yet\n")
    assert videos == [] and codes(diags) == ["E_MISSING"]


def test_warning_keeps_the_video() -> None:
    long = " ".join(["word"] * 40)
    videos, diags = load(MINIMAL.replace("It hears you drift before you do.", long))
    assert len(videos) == 1
    [w] = diags
    assert (w.code, w.severity, w.line) == ("W_WORDS", "warning", 7)
    assert "40 spoken words" in w.message and "about 31 fit in 10 s at 190 words per minute" in w.message


def test_faster_voice_fits_more_words() -> None:
    long = " ".join(["word"] * 40)
    videos, diags = load(MINIMAL.replace("It hears you drift before you do.", long) + "voice: {speed: 1.7}\n")
    assert diags == [] and len(videos) == 1


# --- matrix -----------------------------------------------------------------------------------

MATRIX_BODY = """\
script:
  scenes:
    - voiceover_text: Meet {{ product }} from {{ brand }}.
      duration_seconds: "{{ seconds }}"
"""


def test_matrix_inline_list() -> None:
    text = (
        "vidc: 1\nname: promo-{{ product | slug }}\nvars: {brand: Acme, seconds: 9}\n"
        "matrix:\n  - {product: Metro One}\n  - {product: Metro Two, seconds: 11}\n" + MATRIX_BODY
    )
    videos, diags = load(text)
    assert diags == []
    assert [(v.row, v.spec.name) for v in videos] == [(0, "promo-metro-one"), (1, "promo-metro-two")]
    assert [v.spec.script.scenes[0].duration_seconds for v in videos] == [9.0, 11.0]
    assert videos[0].spec.script.scenes[0].voiceover_text == "Meet Metro One from Acme."
    assert videos[1].vars == {"brand": "Acme", "seconds": 11, "product": "Metro Two"}
    assert videos[1].spec.vars == videos[1].vars and videos[1].spec.matrix is None


def test_matrix_csv_values_stay_strings() -> None:
    text = "vidc: 1\nname: promo-{{ product | slug }}\nvars: {brand: Acme}\nmatrix: {file: rows.csv}\n" + MATRIX_BODY
    csv_text = '\ufeffproduct,seconds\nMetro One,9\n\n"Metro, Two",10.5\n'
    videos, diags = load(text, {"rows.csv": csv_text})
    assert diags == []
    assert [v.spec.name for v in videos] == ["promo-metro-one", "promo-metro-two"]
    assert videos[1].vars["seconds"] == "10.5"  # a CSV cell has no type
    assert videos[1].spec.script.scenes[0].duration_seconds == 10.5


def test_matrix_jsonl_keeps_json_types() -> None:
    text = "vidc: 1\nname: promo-{{ product | slug }}\nvars: {brand: Acme}\nmatrix: {file: rows.jsonl}\n" + MATRIX_BODY
    rows = '{"product": "Metro One", "seconds": 9}\n\n{"product": "Metro Two", "seconds": 12}\n'
    videos, diags = load(text, {"rows.jsonl": rows})
    assert diags == []
    assert [v.vars["seconds"] for v in videos] == [9, 12]
    assert [v.row for v in videos] == [0, 1]


def test_matrix_file_relative_to_spec_folder() -> None:
    text = (
        "vidc: 1\nname: promo-{{ product | slug }}\nvars: {brand: Acme, seconds: 9}\nmatrix: {file: ../data/rows.csv}\n"
        + MATRIX_BODY
    )
    videos, diags = load(text, {"data/rows.csv": "product\nMetro\n"}, spec="specs/project.yaml")
    assert diags == [] and videos[0].spec.name == "promo-metro"
    _, diags = load(text, {}, spec="project.yaml")
    assert codes(diags) == ["E_PATH_ESCAPE"]


def test_matrix_error_names_only_the_rows_it_concerns() -> None:
    text = (
        "vidc: 1\nname: promo-{{ product | slug }}\nvars: {brand: Acme}\n"
        "matrix:\n  - {product: A, seconds: 9}\n  - {product: B}\n  - {product: C, seconds: 30}\n" + MATRIX_BODY
    )
    videos, diags = load(text)
    assert videos == []
    assert [(d.code, d.message) for d in diags] == [
        ("E_SCENE_DURATION", "scene 1 lasts 30 s; scenes last at most 12 s (script.scene_seconds) (in matrix row 3)"),
        ("E_UNDEFINED_VAR", "undefined variable `seconds` (in matrix row 2)"),
    ]


def test_thousand_rows() -> None:  # timing lives in bench/plan_scale.py, not here
    text = "vidc: 1\nname: promo-{{ n }}\nvars: {brand: Acme, seconds: 9}\nmatrix: {file: rows.csv}\n" + MATRIX_BODY
    rows = "product,n\n" + "".join(f"Product {i},{i}\n" for i in range(1000))
    videos, diags = load(text, {"rows.csv": rows})
    assert diags == [] and len(videos) == 1000
    assert videos[999].spec.name == "promo-999"
    assert videos[999].spec.script.scenes[0].voiceover_text == "Meet Product 999 from Acme."


# --- overrides --------------------------------------------------------------------------------


def test_set_overrides_win_over_rows_and_vars() -> None:
    text = (
        "vidc: 1\nname: promo-{{ product | slug }}\nvars: {brand: Acme, seconds: 9}\n"
        "matrix:\n  - {product: A, brand: RowBrand}\n" + MATRIX_BODY
    )
    overrides, diags = parse_set(["brand=Cli", "seconds=10"])
    assert diags == [] and overrides == {"brand": "Cli", "seconds": 10}
    (v,), diags = load(text, overrides=overrides)
    assert diags == []
    assert v.spec.script.scenes[0].voiceover_text == "Meet A from Cli."
    assert v.spec.script.scenes[0].duration_seconds == 10.0


def test_parse_set_values_are_yaml_scalars() -> None:
    got, diags = parse_set(["a=9", "b=true", "c=1.5", "d=", "e=x=y", "f=[1, 2]", "g=null", "h= off ", "i=a: b"])
    assert diags == []
    assert got == {"a": 9, "b": True, "c": 1.5, "d": "", "e": "x=y", "f": "[1, 2]", "g": None, "h": "off", "i": "a: b"}


def test_parse_set_rejects_bad_items() -> None:
    got, diags = parse_set(["novalue", "=x", "bad key=1", "ok=1"])
    assert got == {"ok": 1}
    assert [(d.code, d.file, d.line) for d in diags] == [
        ("E_SET", "--set", 1),
        ("E_SET", "--set", 2),
        ("E_SET", "--set", 3),
    ]


# --- templating -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("BeatSync Pro", "beatsync-pro"),
        ("Café Crème 2!", "cafe-creme-2"),
        ("  --Hello,   World--  ", "hello-world"),
        ("Ünïcödé ß straße", "unicode-strae"),
        ("日本語", ""),
        (42, "42"),
    ],
)
def test_slug(value: object, expected: str) -> None:
    assert slug(value) == expected


def test_plain_strings_pass_through_untouched() -> None:
    s = "no template here, even with } and { braces"
    out, err = render_string(s, {})
    assert err is None and out is s


def test_sandbox_escape_is_a_diagnostic_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payloads = [
        f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        f"{{{{ lipsum.__globals__['os'].popen('touch {marker}').read() }}}}",
        "{{ ''.format }}",  # a function's repr holds an address: never printed
    ]
    text = "vidc: 1\nname: x\nscript:\n  scenes:\n" + "".join(
        f"    - voiceover_text: {json.dumps(p)}\n      duration_seconds: 9\n" for p in payloads
    )
    videos, diags = load(text)
    assert videos == []
    assert codes(diags) == ["E_SANDBOX"] * len(payloads)
    assert [d.line for d in diags] == [5, 7, 9, 11]
    assert not marker.exists()


def test_undefined_variable_lists_the_defined_ones() -> None:
    _, diags = load(MINIMAL.replace("Meet BeatSync", "Meet {{ prodcut }}") + "vars: {product: X, brand: Y}\n")
    [d] = diags
    assert (d.code, d.line, d.col) == ("E_UNDEFINED_VAR", 5, 23)
    assert d.message == "undefined variable `prodcut`"
    assert d.hint == "did you mean `product`? (defined: `brand`, `product`)"


def test_keys_are_not_templated() -> None:
    _, diags = load(MINIMAL + "'{{ x }}': 1\n")
    assert codes(diags) == ["E_UNKNOWN_KEY"]


# --- diagnostics ------------------------------------------------------------------------------


def test_format_matches_the_house_style() -> None:
    d = Diagnostic(
        "projects/x/project.yaml",
        12,
        7,
        "E_UNKNOWN_KEY",
        "unknown key `voiceover_txt` in script.scenes[0]",
        "did you mean `voiceover_text`?",
        source_line='    - voiceover_txt: "Meet BeatSync"',
        length=13,
    )
    assert d.format() == (
        "projects/x/project.yaml:12:7: error[E_UNKNOWN_KEY]: unknown key `voiceover_txt` in script.scenes[0]\n"
        '   12 |     - voiceover_txt: "Meet BeatSync"\n'
        "      |       ^^^^^^^^^^^^^\n"
        "  hint: did you mean `voiceover_text`?"
    )


def test_did_you_mean() -> None:
    assert did_you_mean("voiceover_txt", ["voiceover_text", "visual_prompt"]) == "voiceover_text"
    assert did_you_mean("Piper", ["piper", "kokoro"]) == "piper"
    assert did_you_mean("zzz", ["piper", "kokoro"]) is None


def test_every_problem_in_one_pass_and_sorted() -> None:
    text = (
        MINIMAL.replace("voiceover_text: Meet", "voiceover_txt: Meet").replace("10\n", "30\n")
        + "voice: {engine: pipr}\nvideo: {resolution: 1000x1000}\n"
    )
    _, diags = load(text)
    assert codes(diags) == ["E_UNKNOWN_KEY", "E_SCENE_DURATION", "E_ENUM", "E_RESOLUTION"]
    assert diags == sort_diagnostics(diags)


def test_determinism() -> None:
    text = (
        "vidc: 1\nname: promo-{{ product | slug }}\nvars: {brand: Acme, seconds: 9}\n"
        "matrix:\n  - {product: A}\n  - {product: B, seconds: 40}\n  - {product: a}\n"
        + MATRIX_BODY
        + "voice: {engine: pipr}\nbogus: 1\n"
    )
    runs = [format_all(load(text)[1]) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2] and runs[0]
    (a,), _ = load(MINIMAL)
    (b,), _ = load(MINIMAL)
    assert a.spec.model_dump_json() == b.spec.model_dump_json()


def test_brief_spec_loads_without_scenes() -> None:
    text = (
        "vidc: 1\nname: teaser\nscript:\n  brief: A teaser for {{ product }}.\n  scene_count: 3\n"
        "  llm: {provider: openai-compatible, model: qwen3-32b, base_url: 'http://127.0.0.1:8000/v1'}\n"
        "vars: {product: BeatSync}\n"
    )
    (v,), diags = load(text)
    assert diags == []
    assert v.spec.script.scenes is None and v.spec.script.brief == "A teaser for BeatSync."


def test_paths_inside_the_project_are_fine() -> None:
    text = (
        MINIMAL.replace("duration_seconds: 9\n", "duration_seconds: 9\n      asset: img/one.png\n")
        + "video: {engine: animatic, model: models/wan-tiny}\nmusic: {track: ./music/../music/bed.wav}\n"
        "output: out/videos\n"
    )
    files = {"img/one.png": "", "music/bed.wav": "", "models/wan-tiny": ""}
    (v,), diags = load(text, files)
    assert diags == []
    assert v.spec.script.scenes[0].asset == "img/one.png"
    _, diags = load(text.replace("models/wan-tiny", "./../wan"), files)
    assert [(d.code, d.line) for d in diags] == [("E_PATH_ESCAPE", 10)]


def test_assets_engine_needs_existing_assets() -> None:
    text = (
        MINIMAL.replace("duration_seconds: 9\n", "duration_seconds: 9\n      asset: img/one.png\n")
        + "video: {engine: assets}\n"
    )
    _, diags = load(text, {"img/one.png": ""})
    assert [(d.code, d.line, d.col) for d in diags] == [("E_MISSING", 8, 7)]  # scene 2 has none
    _, diags = load(text)
    assert codes(diags) == ["E_FILE_NOT_FOUND", "E_MISSING"]


def test_non_scalar_vars_are_refused() -> None:
    _, diags = load(MINIMAL + "vars: {product: [a, b], ok: 1}\n")
    assert [(d.code, d.line, d.col) for d in diags] == [("E_TYPE", 9, 17)]


@pytest.mark.parametrize("version", ["2", '"1"', "1.0", "true"])
def test_only_integer_version_one(version: str) -> None:
    videos, diags = load(MINIMAL.replace("vidc: 1", f"vidc: {version}"))
    assert videos == [] and [(d.code, d.line, d.col) for d in diags] == [("E_VERSION", 1, 7)]
