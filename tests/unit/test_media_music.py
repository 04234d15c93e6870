"""The built-in music library: catalogue, determinism, levels, tempo, caching."""

from __future__ import annotations

import numpy as np
import pytest

from vidc.runtime.media import music_library as ml
from vidc.runtime.media.wav import read_wav

REQUIRED_MOODS = {"uplifting", "calm", "dramatic", "dark", "playful", "corporate", "epic", "chill"}


def test_catalog_shape():
    cat = ml.CATALOG
    assert len(cat) >= 8
    assert len({t.id for t in cat}) == len(cat)
    assert {m for t in cat for m in t.moods} >= REQUIRED_MOODS
    bpms = sorted(t.bpm for t in cat)
    assert bpms[0] <= 75 and bpms[-1] >= 135 and all(60 <= b <= 140 for b in bpms)
    assert len(set(bpms)) == len(bpms)
    for t in cat:
        assert t.duration_s >= 110
        assert t.licence == "CC0-1.0" and t.source == f"vidc built-in synthesiser v{ml.SYNTH_VERSION}"
        assert t.key and t.title
        assert ml.track_path(t.id, "/c").as_posix() == f"/c/music/{t.id}-v{ml.SYNTH_VERSION}.wav"
        assert ml.TrackInfo.from_dict(t.to_dict()) == t
    with pytest.raises(KeyError, match="known"):
        ml.get_track("nope")


def _onset_bpm(mono: np.ndarray, sr: int, lo: float = 60, hi: float = 180) -> float:
    """Tempo from the autocorrelation of an energy-flux onset envelope (parabolic peak)."""
    hop = 256
    n = len(mono) // hop
    e = np.log1p(1000 * (mono[: n * hop].reshape(n, hop) ** 2).sum(axis=1))
    flux = np.maximum(np.diff(e), 0)
    flux -= flux.mean()
    ac = np.correlate(flux, flux, "full")[len(flux) - 1 :]
    fps = sr / hop
    lags = np.arange(int(fps * 60 / hi), int(fps * 60 / lo) + 1)
    k = lags[np.argmax(ac[lags])]
    y0, y1, y2 = ac[k - 1], ac[k], ac[k + 1]
    return 60 * fps / (k + 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2))


def test_short_render_is_deterministic_and_sane(tmp_path):
    r1 = ml.render_track("lazy-sunday", tmp_path / "a.wav", seconds=14)
    r2 = ml.render_track("lazy-sunday", tmp_path / "b.wav", seconds=14)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    assert r1 == r2 and r1["samples"] == 14 * 44100 and r1["channels"] == 2
    data, rate = read_wav(tmp_path / "a.wav")
    assert rate == 44100 and data.shape == (14 * 44100, 2)
    x = data.astype(np.float64) / 32768
    peak_db = 20 * np.log10(np.abs(x).max())
    assert -6.3 < peak_db < -5.7
    rms_db = 20 * np.log10(np.sqrt((x**2).mean()))
    assert -40 < rms_db < -12  # clearly audible, with headroom
    assert not np.array_equal(data[:, 0], data[:, 1])  # stereo, not dual mono
    assert np.abs(x[:10]).max() < 0.01  # starts from silence: no click


@pytest.mark.parametrize("track_id", ["clear-path", "paper-kites"])
def test_rendered_tempo_matches_declared_bpm(tmp_path, track_id):
    ml.render_track(track_id, tmp_path / "t.wav", seconds=48)
    data, sr = read_wav(tmp_path / "t.wav")
    mono = data.astype(np.float64).mean(axis=1) / 32768
    bpm = _onset_bpm(mono[20 * sr :], sr)  # the main section: drums in
    assert abs(bpm - ml.get_track(track_id).bpm) / ml.get_track(track_id).bpm < 0.02, bpm


def test_every_recipe_renders(tmp_path):
    for t in ml.CATALOG:
        audio = ml.render_audio(t.id, seconds=2.5)
        assert audio.shape == (int(2.5 * 44100), 2) and np.isfinite(audio).all()
        assert np.abs(audio).max() > 0.4  # normalised to -6 dBFS = 0.501


@pytest.fixture(scope="module")
def full_track(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    import time

    t0 = time.perf_counter()
    path = ml.ensure_track("night-circuit", cache)
    return path, time.perf_counter() - t0


def test_full_track_length_levels_and_shape(full_track):
    path, seconds = full_track
    assert seconds < 10, f"rendering took {seconds:.1f} s"
    data, rate = read_wav(path)
    info = ml.get_track("night-circuit")
    assert data.shape[0] == round(info.duration_s * rate) and data.shape[0] >= 110 * rate
    x = data.astype(np.float64).mean(axis=1) / 32768
    assert abs(20 * np.log10(np.abs(data).max() / 32768) + 6.0) < 0.3

    def rms(a, b):
        seg = x[int(a * rate) : int(b * rate)]
        return 20 * np.log10(np.sqrt((seg**2).mean()) + 1e-12)

    body = rms(30, 60)
    assert rms(0, 4) < body - 1  # an intro, quieter than the body
    assert rms(len(x) / rate - 1.0, len(x) / rate) < body - 20  # a natural end that rings out
    assert np.abs(x[-50:]).max() < 1e-3
    # no stretch of digital silence inside the music
    frames = x[: int((len(x) / rate - 5) * rate)].reshape(-1, 4410)
    assert (np.sqrt((frames**2).mean(axis=1)) > 1e-4).all()


def test_ensure_track_renders_once(full_track, monkeypatch):
    path, _ = full_track
    before = path.stat().st_mtime_ns
    monkeypatch.setattr(ml, "render_track", lambda *a, **k: pytest.fail("rendered again"))
    assert ml.ensure_track("night-circuit", path.parent.parent) == path
    assert path.stat().st_mtime_ns == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left
