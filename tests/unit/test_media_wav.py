"""WAV I/O, atomic writes, and durations measured by decoding."""

from __future__ import annotations

import subprocess
import wave

import numpy as np
import pytest

from vidc.runtime.media.wav import atomic_path, measure_duration_ms, read_wav, samples_to_ms, wav_info, write_wav


def test_roundtrip_mono_and_stereo(tmp_path):
    mono = (np.sin(np.arange(4410) / 10.0) * 0.5).astype(np.float64)
    write_wav(tmp_path / "m.wav", mono, 44100)
    data, rate = read_wav(tmp_path / "m.wav")
    assert rate == 44100 and data.shape == (4410,) and data.dtype == np.int16
    assert np.array_equal(data, np.rint(mono * 32767).astype(np.int16))
    st = np.stack([data, -data], axis=1)
    write_wav(tmp_path / "s.wav", st, 48000)
    back, rate = read_wav(tmp_path / "s.wav")
    assert rate == 48000 and np.array_equal(back, st)
    assert wav_info(tmp_path / "s.wav") == (48000, 2, 4410)


def test_write_is_deterministic_and_clips(tmp_path):
    x = np.array([0.0, 1.5, -1.5, 0.25])
    write_wav(tmp_path / "a.wav", x, 22050)
    write_wav(tmp_path / "b.wav", x, 22050)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    data, _ = read_wav(tmp_path / "a.wav")
    assert data.tolist() == [0, 32767, -32768, 8192]


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    final = tmp_path / "out.bin"
    with pytest.raises(RuntimeError):
        with atomic_path(final) as tmp:
            tmp.write_bytes(b"partial")
            raise RuntimeError("boom")
    assert not final.exists()
    assert list(tmp_path.iterdir()) == []
    with atomic_path(final) as tmp:
        assert tmp.parent == tmp_path and tmp != final
        tmp.write_bytes(b"done")
    assert final.read_bytes() == b"done"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_duration_counts_samples_not_the_header(tmp_path):
    p = tmp_path / "lying.wav"
    write_wav(p, np.zeros(44100 * 2), 44100)  # 2 s of samples
    raw = bytearray(p.read_bytes())
    # make the header claim 10 s (data chunk size field)
    idx = raw.find(b"data")
    raw[idx + 4 : idx + 8] = (44100 * 10 * 2).to_bytes(4, "little")
    p.write_bytes(bytes(raw))
    with wave.open(str(p)) as w:
        assert w.getnframes() == 441000  # the header lies
    assert measure_duration_ms(p) == 2000
    assert samples_to_ms(22050, 44100) == 500 and samples_to_ms(1, 44100) == 0 and samples_to_ms(23, 44100) == 1


def test_duration_of_encoded_audio_and_video(tmp_path):
    mp3 = tmp_path / "tone.m4a"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=1.5:sample_rate=44100", "-c:a", "aac", str(mp3)],
        check=True,
    )
    ms = measure_duration_ms(mp3)
    assert 1490 <= ms <= 1560  # AAC pads a little; decoding counts what is really there
    mp4 = tmp_path / "v.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=32x32:r=25:d=1.2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(mp4),
        ],
        check=True,
    )
    assert measure_duration_ms(mp4) == 1200
    assert measure_duration_ms(mp4, stream="video") == 1200
    with pytest.raises(ValueError):
        measure_duration_ms(mp4, stream="audio")
