"""Title-card colours are parsed at plan time the way ffmpeg reads them (compiler/colours.py)."""

import shutil
import subprocess

import pytest

from vidc.compiler.colours import NAMES, colour_problem


def test_fixed_colours_pass_and_random_or_unknown_ones_do_not():
    for ok in ("#102040", "#A0b0C0", "0x102040", "abcdef", "navy", "LightGrey", "black"):
        assert colour_problem(ok) is None, ok
    for bad in ("random", "Bikeshed"):
        message, hint = colour_problem(bad)
        assert "different colour on every run" in message and "#102040" in hint
    assert colour_problem("notacolour")[0] == "background `notacolour` is not a colour ffmpeg can read"
    assert colour_problem("lightgray")[1] == "did you mean `lightgrey`?"
    assert colour_problem("#12345") is not None and colour_problem("#1234567") is not None


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_the_names_are_exactly_ffmpegs():
    out = subprocess.run(["ffmpeg", "-hide_banner", "-colors"], capture_output=True, text=True, check=True).stdout
    names = {line.split()[0].lower() for line in out.splitlines()[1:] if line.strip()}
    assert names == NAMES
