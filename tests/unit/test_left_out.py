"""CompileOptions.skip_invalid_videos: a matrix row's own error leaves its video out of the plan, the
other videos are planned exactly as a spec without that row plans them, and an error that is not one
row's own (the shared spec, the matrix file, every row bad) still fails the compile."""

from __future__ import annotations

import json

import pytest

from tests.factories import CPU, options, sources
from vidc.compiler.compile import compile_rows
from vidc.compiler.render import to_json

SPEC = """vidc: 1
name: "promo-{{ n }}"
matrix: {file: rows.csv}
script:
  scene_seconds: [1, 12]
  scenes:
    - voiceover_text: "{{ line }}"
      visual_prompt: "a card"
      duration_seconds: "{{ secs }}"
      asset: "media/{{ n }}.png"
video: {engine: assets}
captions: {mode: off}
export: {preset: draft}
"""
HEADER = "n,line,secs\n"
ROW_A, ROW_C = "a,Hello there.,2\n", "c,Goodbye now.,2\n"
MEDIA = {f"media/{n}.png": "png" for n in "abcvw"}
LONG = " ".join(["word"] * 500)  # 2,500 characters: more than any voice says in the 12 s maximum

# One bad row 2 of each kind the nightly job meets: a non-number, an asset that is not there, a
# voiceover no voice can speak in the scene's maximum, and (found while lowering) an unreadable asset.
BAD_ROWS = {
    "not a number": ("w,Middle one.,abc\n", "E_TYPE"),
    "missing asset": ("x,Middle one.,2\n", "E_FILE_NOT_FOUND"),
    "voiceover too long": (f"v,{LONG},2\n", "E_VOICEOVER_LENGTH"),
    "unreadable asset": ("b,Middle one.,2\n", "E_ASSET_UNREADABLE"),
}


def _size(asset: str) -> tuple[int, int] | str:
    return "not an image (its header is damaged)" if asset == "media/b.png" else (320, 240)


def _compile(rows: str, skip: bool):
    src = sources(SPEC, {"rows.csv": HEADER + rows, **MEDIA})
    return compile_rows(src, CPU, options(skip_invalid_videos=skip, asset_size=_size))


def _without_inputs(plan) -> dict:
    """The plan's JSON less what fingerprints the files read (the rows file differs, so must they)."""
    data = json.loads(to_json(plan))
    data.pop("spec_fingerprint")
    data["inputs"].pop("rows.csv")
    return data


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_a_bad_row_is_left_out_and_the_others_plan_as_they_would_alone(kind: str) -> None:
    bad, code = BAD_ROWS[kind]
    alone, alone_diags, _, alone_left = _compile(ROW_A + ROW_C, skip=False)
    assert alone is not None and alone_left == [], alone_diags

    failed, diags, _, left = _compile(ROW_A + bad + ROW_C, skip=False)  # without the flag: as before
    assert failed is None and left == [] and code in {d.code for d in diags}

    plan, diags, videos, left = _compile(ROW_A + bad + ROW_C, skip=True)
    assert plan is not None, [d.format() for d in diags]
    assert [v.name for v in plan.videos] == ["promo-a", "promo-c"] == [v.spec.name for v in videos]
    assert _without_inputs(plan) == _without_inputs(alone)  # ids, outputs, fingerprints, schedule, cost
    assert plan.spec_fingerprint != alone.spec_fingerprint  # the rows file is another file
    assert diags == alone_diags and not any(d.severity == "error" for d in diags)
    [gone] = left
    assert (gone.row, gone.label) == (1, "row 2 (rows.csv line 3)")
    assert gone.name == "promo-" + bad[0]
    assert code in {d.code for d in gone.diagnostics}
    first = gone.diagnostics[0]
    assert first.file == "project.yaml" and first.line > 1 and first.severity == "error"
    warned = gone.warnings()[0]
    assert warned.severity == "warning" and warned.message.startswith("row 2 (rows.csv line 3) left out: ")


def test_the_plan_is_the_unflagged_plan_when_no_row_is_bad() -> None:
    flagged, diags, _, left = _compile(ROW_A + ROW_C, skip=True)
    plain, plain_diags, _, _ = _compile(ROW_A + ROW_C, skip=False)
    assert flagged is not None and plain is not None and left == []
    assert to_json(flagged) == to_json(plain) and diags == plain_diags


def test_every_row_bad_still_fails_with_every_rows_errors() -> None:
    plan, diags, _, left = _compile("b,One.,abc\nd,Two.,xyz\n", skip=True)
    assert plan is None and left == []
    assert sorted(d.message.split("(in ")[-1] for d in diags if d.code == "E_TYPE") == [
        "row 1 (rows.csv line 2))",
        "row 2 (rows.csv line 3))",
    ]


def test_a_row_left_out_at_load_is_reported_when_the_rest_fails_later() -> None:
    """Row 2 is left out while loading and row 1 fails while lowering: every row is bad."""
    src = sources(SPEC, {"rows.csv": HEADER + "b,One.,2\nw,Two.,xyz\n", **MEDIA})
    plan, diags, _, left = compile_rows(src, CPU, options(skip_invalid_videos=True, asset_size=_size))
    assert plan is None and left == []
    assert {d.code for d in diags if d.severity == "error"} == {"E_ASSET_UNREADABLE", "E_TYPE"}
    assert any("(in row 2 (rows.csv line 3))" in d.message for d in diags if d.code == "E_TYPE")


def test_a_shared_error_still_fails_the_compile() -> None:
    src = sources(SPEC.replace("voiceover_text", "voiceover_txt"), {"rows.csv": HEADER + ROW_A + ROW_C, **MEDIA})
    plan, diags, _, left = compile_rows(src, CPU, options(skip_invalid_videos=True))
    assert plan is None and left == [] and "E_UNKNOWN_KEY" in {d.code for d in diags}


def test_a_malformed_matrix_file_still_fails_the_compile() -> None:
    plan, diags, _, left = _compile(ROW_A + "b,too,many,fields\n" + ROW_C, skip=True)
    assert plan is None and left == [] and "E_MATRIX_FILE" in {d.code for d in diags}


def test_a_spec_without_a_matrix_is_never_left_out() -> None:
    text = SPEC.replace("matrix: {file: rows.csv}\n", 'vars: {n: a, line: "Hi.", secs: "abc"}\n')
    plan, diags, _, left = compile_rows(sources(text, MEDIA), CPU, options(skip_invalid_videos=True))
    assert plan is None and left == [] and "E_TYPE" in {d.code for d in diags}
