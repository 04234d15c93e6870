"""Music selection rules and user-library indexing."""

from __future__ import annotations

import importlib.util
import json
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from vidc.runtime.backends.base import BackendError
from vidc.runtime.media.music_library import CATALOG, TrackInfo
from vidc.runtime.media.music_select import (
    MusicSelectionError,
    bpm_distance,
    index_folder,
    load_catalog,
    mood_score,
    select_track,
    write_catalog,
)


def T(id, moods, bpm, dur=120.0):
    return TrackInfo(id=id, title=id, moods=tuple(moods), bpm=bpm, duration_s=dur)


LIB = [
    T("a-up", ["uplifting", "electronic"], 124),
    T("b-up", ["uplifting", "corporate"], 100),
    T("c-calm", ["calm"], 72),
    T("d-short", ["uplifting", "electronic"], 120, dur=60),
    T("e-up", ["uplifting", "electronic"], 128),
]


def test_mood_then_bpm_then_id():
    # d-short (60 s) is the closest BPM and can be looped: mood and BPM come before length
    assert select_track(LIB, ["uplifting", "electronic"], 120, 100).id == "d-short"
    assert select_track(LIB, ["uplifting", "electronic"], [120, 124], 100).id == "a-up"  # long enough wins a tie
    assert select_track(LIB, ["uplifting", "electronic"], 127, 100).id == "e-up"
    assert select_track(LIB, ["uplifting", "electronic"], 126, 100).id == "a-up"  # tie 2 vs 2 -> id
    assert select_track(LIB, ["uplifting", "electronic"], 120, 50).id == "d-short"
    assert select_track(LIB, ["uplifting"], None, 100).id == "a-up"  # Jaccard 1/2 for all three; id
    assert select_track(LIB, ["uplifting"], 101, 100).id == "b-up"  # same Jaccard: BPM decides
    assert select_track(LIB, ["Calm "], [60, 80], 100).id == "c-calm"
    assert select_track(LIB, [], [98, 105], 100).id == "b-up"  # no mood wish: BPM range decides
    assert select_track([t.to_dict() for t in LIB], ["calm"], None, 100).id == "c-calm"  # dicts work


def test_too_short_to_loop_is_a_clear_error():
    tiny = [T("x", ["calm"], 90, dur=5.0), T("y", ["calm"], 90, dur=3.0)]
    with pytest.raises(MusicSelectionError) as err:
        select_track(tiny, ["calm"], None, 500)
    msg = str(err.value)
    assert "500.0 s" in msg and "'x' at 5.0 s" in msg
    assert isinstance(err.value, BackendError) and isinstance(err.value, ValueError)
    assert select_track(tiny, ["calm"], None, 4).id == "x"  # long enough without a loop
    assert select_track(LIB, ["calm"], None, 500).id == "c-calm"  # any real track loops to any length
    with pytest.raises(MusicSelectionError, match="empty"):
        select_track([], ["calm"], None, 1)


def test_scores():
    assert mood_score(["a", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert mood_score([], ["b"]) == 0.0
    assert bpm_distance(120, 110) == 10 and bpm_distance([100, 130], 110) == 0
    assert bpm_distance((100, 130), 90) == 10 and bpm_distance([130, 100], 140) == 10 and bpm_distance(None, 1) == 0


@given(
    st.lists(st.sampled_from(["uplifting", "calm", "dark", "epic", "chill", "playful", "corporate", "x"]), max_size=4),
    st.one_of(st.none(), st.floats(40, 200), st.tuples(st.floats(40, 200), st.floats(40, 200))),
    st.floats(0, 400),
)
@settings(max_examples=150, deadline=None)
def test_builtin_selection_is_optimal_and_order_free(moods, bpm, need):
    best = select_track(CATALOG, moods, bpm, need)  # any length: the built-in tracks loop
    assert select_track(list(reversed(CATALOG)), moods, bpm, need) == best

    def key(t):
        return (-mood_score(moods, t.moods), bpm_distance(bpm, t.bpm), t.duration_s < need, t.id)

    assert all(key(best) <= key(t) for t in CATALOG)


def _tone(path, seconds, freq=440):
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"sine=f={freq}:d={seconds}:sample_rate=44100",
            "-ac",
            "2",
            str(path),
        ],
        check=True,
    )


def test_index_folder_with_sidecars(tmp_path):
    lib = tmp_path / "lib"
    (lib / "sub").mkdir(parents=True)
    _tone(lib / "Calm Piano.wav", 2.5)
    _tone(lib / "sub" / "drive.mp3", 1.5, 660)
    (lib / "moods.yaml").write_text("Calm Piano.wav: {moods: [Calm, piano], licence: CC0-1.0, bpm: 70}\n")
    (lib / "sub" / "drive.moods.txt").write_text("uplifting, electronic\nenergetic\n")
    (lib / "sub" / "drive.licence.txt").write_text("\nCC-BY-4.0\n")
    (lib / "sub" / "moods.yaml").write_text("drive: {bpm: 128}\n")
    (lib / "notes.txt").write_text("not audio")
    cat = index_folder(lib)
    assert cat["vidc_music"] == 1
    by = {t["path"]: t for t in cat["tracks"]}
    assert list(by) == ["Calm Piano.wav", "sub/drive.mp3"]
    piano, drive = by["Calm Piano.wav"], by["sub/drive.mp3"]
    assert piano["id"] == "calm-piano" and piano["moods"] == ["calm", "piano"] and piano["bpm"] == 70
    assert piano["licence"] == "CC0-1.0" and piano["duration_s"] == 2.5
    assert -25 < piano["loudness_lufs"] < -10 and len(piano["sha256"]) == 64
    assert drive["id"] == "sub-drive" and drive["moods"] == ["electronic", "energetic", "uplifting"]
    assert drive["licence"] == "CC-BY-4.0" and drive["bpm"] == 128 and 1.45 < drive["duration_s"] < 1.6
    # canonical: indexing twice gives the same JSON; load_catalog reads it back
    write_catalog(lib, cat)
    first = (lib / "vidc-music.json").read_bytes()
    write_catalog(lib, index_folder(lib))
    assert (lib / "vidc-music.json").read_bytes() == first
    tracks = load_catalog(lib)
    assert [t.id for t in tracks] == ["calm-piano", "sub-drive"]
    assert select_track(tracks, ["uplifting"], 120, 1.0).id == "sub-drive"
    assert json.loads(first)["tracks"][0]["path"] == "Calm Piano.wav"


def test_index_without_sidecars_needs_librosa_or_gives_defaults(tmp_path):
    _tone(tmp_path / "x.wav", 1.0)
    if importlib.util.find_spec("librosa") is None:
        with pytest.raises(MusicSelectionError, match=r"pip install 'vidc\[music\]'"):
            index_folder(tmp_path)
    else:  # with the music extra installed
        t = index_folder(tmp_path)["tracks"][0]
        assert t["moods"] == [] and t["licence"] == "unknown" and t["bpm"] is not None


def test_load_catalog_errors(tmp_path):
    with pytest.raises(MusicSelectionError, match="vidc music index"):
        load_catalog(tmp_path)
    (tmp_path / "vidc-music.json").write_text("{nope")
    with pytest.raises(MusicSelectionError, match="not valid JSON"):
        load_catalog(tmp_path)
