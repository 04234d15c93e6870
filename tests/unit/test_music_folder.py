"""The user music folder's pieces that need no decoder: file listing, sidecar precedence, track ids, and the
names music_select still exports."""

from __future__ import annotations

from vidc.runtime.media import music_folder as mf, music_select as ms


def test_old_names_stay_importable_from_music_select():
    for name in ("index_folder", "write_catalog", "load_catalog", "measure_loudness", "CATALOG_FILE"):
        assert getattr(ms, name) is getattr(mf, name)
    assert ms.MusicSelectionError is mf.MusicSelectionError


def test_audio_files_sorted_hidden_skipped(tmp_path):
    for rel in ("b.mp3", "a/z.WAV", ".hidden/x.wav", "notes.txt", "a/c.flac"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    assert [p.relative_to(tmp_path).as_posix() for p in mf._audio_files(tmp_path)] == ["a/c.flac", "a/z.WAV", "b.mp3"]


def test_sidecars_later_ones_win(tmp_path):
    track = tmp_path / "intro.wav"
    folder_meta = {"intro.wav": {"moods": ["Calm"], "license": "CC0-1.0", "bpm": 90}}
    entry, moods, licence = mf._sidecar_meta(tmp_path, track, folder_meta)
    assert (entry["bpm"], moods, licence) == (90, ["calm"], "CC0-1.0")
    (tmp_path / "intro.moods.txt").write_text("Epic, dark\n")
    (tmp_path / "intro.licence.txt").write_text("\nCC-BY-4.0\n")
    _, moods, licence = mf._sidecar_meta(tmp_path, track, folder_meta)
    assert sorted(moods) == ["dark", "epic"] and licence == "CC-BY-4.0"
    _, moods, licence = mf._sidecar_meta(tmp_path, tmp_path / "other.wav", {"other": "a, B"})  # keyed by stem
    assert sorted(moods) == ["a", "b"] and licence == "unknown"


def test_unique_ids_count_up():
    used: set[str] = set()
    ids = [mf._unique_id(rel, used) for rel in ("My Song.mp3", "my-song.wav", "My_Song.flac", "x/y.ogg")]
    assert ids == ["my-song", "my-song-2", "my-song-3", "x-y"] and used == set(ids)
