"""The hard items a voice must read as a person would (tests/data/speech_corpus.tsv): every item is
checked and every failure is reported at once, with what the normaliser said instead. Captions keep the
written form: every written word keeps its place in the counts."""

from __future__ import annotations

import re
from pathlib import Path

from vidc.compiler.speech import normalise

CORPUS = Path(__file__).resolve().parents[1] / "data" / "speech_corpus.tsv"


def _plain(text: str) -> str:
    """Lower case, hyphens as spaces, no pause punctuation: 'Twenty-four,' -> 'twenty four'."""
    text = text.lower().replace("-", " ").replace("’", "'")
    return " ".join(re.sub(r"[,.;:!?\"]", " ", text).split())


def load_corpus() -> list[tuple[int, str, list[str]]]:
    items = []
    for n, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        written, said = line.split("\t")
        items.append((n, written, [_plain(s) for s in said.split(" | ")]))
    return items


def test_the_corpus_is_large_and_well_formed():
    items = load_corpus()
    assert len(items) >= 200
    assert len({w for _, w, _ in items}) == len(items)  # no item twice


def test_every_hard_item_is_read_acceptably():
    failures = []
    for n, written, accepted in load_corpus():
        got = normalise(written)
        assert len(got.counts) == len(got.written) and sum(got.counts) == len(got.words), written
        if _plain(got.text) not in accepted:
            failures.append(f"line {n}: {written!r} -> {got.text!r}; expected {accepted[0]!r}")
    assert not failures, f"{len(failures)} items misread:\n" + "\n".join(failures)


def test_vidc_say_shows_what_each_changed_item_became(capsys):
    from vidc.runtime.cli import main

    assert main(["say", "Drive at 120 km/h with Louis XIV and friends.", "-o", "-"]) == 0
    captured = capsys.readouterr()
    assert (
        captured.out == "Drive at one hundred and twenty kilometres per hour with Louis the fourteenth and friends.\n"
    )
    rows = [line.split(None, 1) for line in captured.err.splitlines()[1:]]
    assert rows[0] == ["written", "spoken"]
    assert rows[1:] == [["120", "one hundred and twenty"], ["km/h", "kilometres per hour"], ["XIV", "the fourteenth"]]
