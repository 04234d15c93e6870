"""Piper speech: byte-identical output, sane durations, word timings inside the audio."""

from __future__ import annotations

import numpy as np
import pytest

from vidc.runtime.backends.base import BackendError
from vidc.runtime.media.dsp import resample_2x
from vidc.runtime.media.piper_voice import PiperSynth, count_phoneme_words, map_words, voice_result
from vidc.runtime.media.wav import measure_duration_ms, read_wav, write_wav

TEXT = (
    "Meet BeatSync, the metronome that listens back. It keeps time with you, not against you, "
    "and it costs 49 dollars at 10:30 today."
)


@pytest.fixture(scope="module")
def synth():
    return PiperSynth()


@pytest.fixture(scope="module")
def two_runs(synth, tmp_path_factory):
    d = tmp_path_factory.mktemp("piper")
    r1 = synth.synthesize(TEXT, 1.0, d / "a.wav")
    r2 = PiperSynth().synthesize(TEXT, 1.0, d / "b.wav")  # a second instance, a fresh session
    return d, r1, r2


def test_two_syntheses_are_byte_identical(two_runs):
    d, r1, r2 = two_runs
    assert (d / "a.wav").read_bytes() == (d / "b.wav").read_bytes()
    assert r1 == r2


def test_idle_session_threads_sleep_and_the_audio_is_the_same_as_spinning(synth, two_runs, tmp_path, monkeypatch):
    import onnxruntime as ort

    opts = synth._voice().session.get_session_options()
    assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    d, r1, _ = two_runs
    monkeypatch.setattr(
        ort.SessionOptions, "add_session_config_entry", lambda self, k, v: None
    )  # onnxruntime's default
    spinning = PiperSynth()
    with pytest.raises(RuntimeError):  # no such entry: onnxruntime's default, spinning
        spinning._voice().session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning")
    assert spinning.synthesize(TEXT, 1.0, tmp_path / "c.wav") == r1
    assert (tmp_path / "c.wav").read_bytes() == (d / "a.wav").read_bytes()


def test_format_and_duration(two_runs):
    d, r1, _ = two_runs
    data, rate = read_wav(d / "a.wav")
    assert rate == 44100 and data.ndim == 1
    assert r1["sample_rate"] == 44100 and r1["samples"] == len(data)
    assert r1["duration_ms"] == measure_duration_ms(d / "a.wav")
    words = len(TEXT.split())
    wpm = words / (r1["duration_ms"] / 60000)
    assert 110 <= wpm <= 230, wpm  # a human-like speaking rate
    peak = np.abs(data.astype(np.int32)).max()
    assert 0.5 * 32767 < peak < 32767  # loud speech, never clipped
    assert np.abs(data[: int(0.004 * 44100)]).max() < 2000  # starts (near) silent


def test_word_timings(two_runs):
    _, r1, _ = two_runs
    words = r1["words"]
    assert [w[0] for w in words] == TEXT.split()
    prev_end = 0
    for _, s, e in words:
        assert 0 <= s <= e <= r1["duration_ms"]
        assert s >= prev_end
        prev_end = e
    # from alignments: words are spread over the whole utterance, with the sentence pause
    assert words[0][1] < 300 and words[-1][2] > r1["duration_ms"] - 600
    back = [w for w in words if w[0] == "back."][0]
    it = [w for w in words if w[0] == "It"][0]
    assert it[1] - back[2] >= 200  # the sentence break (incl. 200 ms of added silence)
    # "10:30" is two spoken words: the grouping keeps it as one text word but longer than "at"
    t1030 = [w for w in words if w[0] == "10:30"][0]
    at = [w for w in words if w[0] == "at"][0]
    assert (t1030[2] - t1030[1]) > 2 * (at[2] - at[1])


def test_speed_changes_duration(synth, tmp_path):
    slow = synth.synthesize("A short sentence to time.", 0.8, tmp_path / "s.wav")
    fast = synth.synthesize("A short sentence to time.", 1.25, tmp_path / "f.wav")
    assert fast["duration_ms"] < slow["duration_ms"] * 0.8


@pytest.mark.parametrize(
    "text",
    [
        'He said "hi" & left: 50% off, C:\\path\\to {brace} [[ phonemes ]] \U0001f642 \u05e9\u05dc\u05d5\u05dd '
        "\u0645\u0631\u062d\u0628\u0627 \u2014 done\u2026",
        "",
        "\U0001f642\U0001f680",
        "   \n\t  ",
    ],
)
def test_nasty_text_does_not_crash(synth, tmp_path, text):
    r = synth.synthesize(text, 1.0, tmp_path / "n.wav")
    assert r["duration_ms"] > 0 and r["samples"] == read_wav(tmp_path / "n.wav")[0].shape[0]
    assert [w[0] for w in r["words"]] == text.split()
    for _, s, e in r["words"]:
        assert 0 <= s <= e <= r["duration_ms"]


def test_map_words_proportional_and_counts():
    out = map_words(["a", "bbbb"], [(0.0, 100.0), (200.0, 300.0), (400.0, 500.0)], (0.0, 600.0), one_to_one=False)
    assert out[0][1] == 0 and out[-1][2] <= 500 and out[0][2] <= out[1][1]
    assert count_phoneme_words([["h", "a", " ", "b", ",", " ", "c"], ["d"]]) == 4


def test_resample_2x_preserves_tone():
    sr = 22050
    x = np.sin(2 * np.pi * 1000 * np.arange(sr) / sr)
    y = resample_2x(x)
    assert len(y) == 2 * len(x)
    ref = np.sin(2 * np.pi * 1000 * np.arange(2 * sr) / (2 * sr))
    assert np.max(np.abs(y[2000:-2000] - ref[2000:-2000])) < 1e-3


def test_voice_result(tmp_path):
    p = tmp_path / "v.wav"
    write_wav(p, np.zeros(44100 * 3), 44100)  # 3.000 s
    r = voice_result(p, [["hi", 10, 500], ["there", 600, 99999]], 8000, 500, 12000, "scene 2")
    assert r["duration_ms"] == 3000 and r["scene_ms"] == 8000 and r["samples"] == 132300
    assert r["words"][-1] == ["there", 600, 3000]
    assert voice_result(p, None, 1000, 500, 12000, "scene 2")["scene_ms"] == 3500
    with pytest.raises(BackendError) as err:
        voice_result(p, [], 1000, 500, 3400, "scene 7")
    msg = str(err.value)
    assert (
        "scene 7" in msg
        and "3.00 s" in msg
        and "script.scene_seconds" in msg
        and "shorten the voiceover text or raise voice.speed" in msg
    )
