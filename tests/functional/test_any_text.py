"""Any text renders: quotes, colons, percent signs, backslashes, braces, emoji and right-to-left
scripts in narration and visual prompts go through drawtext, libass and Piper without an error."""

import json

from .conftest import build
from .media_checks import parse_srt

SPEC = r"""vidc: 1
name: any-text
script:
  scene_seconds: [3, 12]
  scenes:
    - voiceover_text: "It's 10:30 — 50% off! Quotes \"here\", a back\\slash, {braces} and \\N, too."
      visual_prompt: "emoji 🎬🔥 and 'quotes': 100% \\ escaped % %{pts} text, [brackets]; semi;colons"
      duration_seconds: 4
    - voiceover_text: "Hello שלום مرحبا."
      visual_prompt: "right-to-left: مرحبا بالعالم — שלום"
      duration_seconds: 4
export: {preset: draft}
"""


def test_nasty_text_builds(tmp_path):
    (tmp_path / "project.yaml").write_text(SPEC, encoding="utf-8")
    build(tmp_path)
    cues = parse_srt((tmp_path / "build" / "any-text.srt").read_text(encoding="utf-8"))
    text = " ".join(c[2] for c in cues)
    assert "{braces}" in text and "back\\slash" in text and "שלום" in text and "50%" in text
    manifest = json.loads((tmp_path / "build" / "any-text.json").read_text(encoding="utf-8"))
    assert len(manifest["scenes"]) == 2
