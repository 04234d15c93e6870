"""The text normaliser, checked through the phonemes Piper receives (eSpeak NG via piper-tts)."""

from __future__ import annotations

import pytest

from vidc.compiler.speech import normalise, spoken_text

CASES = [
    ("$12.5 million", "twelve point five million dollars"),
    ("$9.99", "nine dollars and ninety-nine cents"),
    ("$1", "one dollar"),
    ("€2.50", "two euros and fifty cents"),
    ("1-800-555-0199", "one, eight zero zero, five five five, zero one nine nine"),
    ("(555) 123-4567", "five five five, one two three, four five six seven"),
    ("10,000th", "ten thousandth"),
    ("21st", "twenty-first"),
    ("48 CPUs", "forty-eight see pee yous"),
    ("50 ms", "fifty milliseconds"),
    ("3.5GHz", "three point five gigahertz"),
    ("1 km", "one kilometre"),
    ("50%", "fifty percent"),
    ("vidc", "vid see"),
    ("Dr. Smith", "Doctor Smith"),
    ("10:30 am", "ten thirty eigh em"),
    ("9:05", "nine oh five"),
    ("2024-05-01", "May first twenty twenty-four"),
    ("in 1999", "in nineteen ninety-nine"),
    ("1,234", "one thousand two hundred and thirty-four"),
    ("hello@vidc.dev", "hello at vid see dot dev"),
    ("https://example.com/docs", "example dot com slash docs"),
    ("NASA and the API", "nasa and the eigh pee eye"),
    ("e.g. this", "for example this"),
]


@pytest.mark.parametrize("written,said", CASES)
def test_spoken_forms(written, said):
    assert spoken_text(written) == said


def test_counts_map_every_written_word_and_punctuation_stays():
    s = normalise("We raised $12.5 million, from 48 CPUs. Call Dr. Jones!")
    assert s.text == "We raised twelve point five million dollars, from forty-eight see pee yous. Call Doctor Jones!"
    assert len(s.counts) == len(s.written) and sum(s.counts) == len(s.words)
    assert s.counts == [1, 1, 5, 0, 1, 4, 0, 1, 1, 1]


def test_lexicon_wins_and_is_case_insensitive():
    assert (
        spoken_text("Vidc ships Kubernetes.", lexicon={"kubernetes": "koo ber net ees"})
        == "vid see ships koo ber net ees."
    )
    assert spoken_text("vidc", lexicon={"vidc": "video compiler"}) == "video compiler"


@pytest.fixture(scope="module")
def piper():
    from vidc.runtime.media.piper_voice import PiperSynth

    return PiperSynth()._voice()


def _phonemes(voice, text: str) -> list[str]:
    return ["".join(s) for s in voice.phonemize(text)]


@pytest.mark.parametrize(
    "written,said",
    [
        c
        for c in CASES
        if c[0] in ("$12.5 million", "$9.99", "1-800-555-0199", "10,000th", "48 CPUs", "50 ms", "vidc", "Dr. Smith")
    ],
)
def test_piper_receives_the_spoken_words(piper, written, said):
    got = _phonemes(piper, spoken_text(written))
    assert got == _phonemes(piper, said)
    assert got != _phonemes(piper, written)  # the raw text is misread: this test can fail


def test_abbreviation_full_stop_is_no_sentence_break(piper):
    assert len(_phonemes(piper, "Dr. Smith arrived.")) == 2  # eSpeak splits after "Dr."
    assert len(_phonemes(piper, spoken_text("Dr. Smith arrived."))) == 1
    assert "vˈɪd sˈiː" in _phonemes(piper, spoken_text("vidc"))[0]


SPEC = """vidc: 1
name: lex
script:
  scenes:
    - voiceover_text: "vidc costs $9.99 on Kubernetes."
      duration_seconds: 9
voice:
  lexicon: {kubernetes: koo ber net ees}
  lexicon_file: %s
"""


def test_plan_shows_the_spoken_text_and_reads_the_lexicon_file(tmp_path, capsys):
    from vidc.runtime.cli import main

    (tmp_path / "words.yaml").write_text("vidc: video compiler\nkubernetes: not this one\n", encoding="utf-8")
    (tmp_path / "project.yaml").write_text(SPEC % "words.yaml", encoding="utf-8")
    assert main(["plan", str(tmp_path / "project.yaml"), "-o", str(tmp_path / "plan.json")]) == 0
    import json

    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    voice = next(t for t in plan["tasks"] if t["id"] == "lex/voice/scene-01")
    assert voice["params"]["text"] == "vidc costs $9.99 on Kubernetes."  # captions keep the written form
    assert voice["params"]["spoken"] == "video compiler costs nine dollars and ninety-nine cents on koo ber net ees."
    (tmp_path / "project.yaml").write_text(SPEC % "missing.yaml", encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(tmp_path / "project.yaml")]) == 2
    assert "error[E_LEXICON]: lexicon file `missing.yaml` not found" in capsys.readouterr().err
