"""Positions and the SourceMap: where a loaded value was written, and the diagnostic that points there."""

from __future__ import annotations

from vidc.compiler import source, source_map
from vidc.compiler.source import load_source
from vidc.compiler.source_map import KEY, Positions, SourceMap, dotted, split_lines


def test_the_loader_still_exports_the_position_names():
    for name in ("KEY", "Path", "Positions", "SourceMap", "dotted", "split_lines"):
        assert getattr(source, name) is getattr(source_map, name)


def test_dotted_names_a_place_as_messages_do():
    assert dotted(("script", "scenes", 0, "asset")) == "script.scenes[0].asset"
    assert dotted(("script", "scenes", 2, KEY)) == "script.scenes[2]"
    assert dotted(()) == ""


def test_split_lines_counts_the_line_breaks_the_yaml_reader_counts():
    assert split_lines("a\r\nb\rc\nd\u2028e\x85f") == ["a", "b", "c", "d", "e", "f"]


def test_span_falls_back_to_the_nearest_known_ancestor():
    pos = Positions()
    pos[("script",)] = (3, 1)
    pos[("script", "scenes")] = (4, 3)
    pos.lengths[("script", "scenes")] = 6
    assert pos.span(("script", "scenes", 5, "asset")) == (4, 3, 6)
    assert pos.locate(("script", "brief")) == (3, 1)
    assert pos.span(("music",)) == (1, 1, 1)


def test_at_points_at_the_key_when_asked_and_scrubs_control_characters():
    _, smap, diags = load_source('vidc: 1\nname: "a\\x1bb"\nmusic:\n  mood: [calm]\n', "p.yaml")
    assert diags == []
    value = smap.at(("music", "mood"), "E_TYPE", "bad")
    key = smap.at(("music", "mood"), "E_UNKNOWN_KEY", "bad", key=True)
    assert (value.line, value.col, key.line, key.col, key.length) == (4, 9, 4, 3, 4)
    smap2 = SourceMap("p.yaml", ["name: \x1b[31mred"])
    d = smap2.diag(1, 7, "E_TYPE", "bad")
    assert d.source_line == "name: \ufffd[31mred"
    assert (smap2.diag(0, 0, "E", "m").line, smap2.diag(9, 1, "E", "m").source_line) == (1, "")
