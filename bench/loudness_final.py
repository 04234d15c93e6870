"""Loudness and true peak of the encoded sound, for every length and every preset's AAC bitrate.

Takes the voices and the music of a project that was built (its store), lays the voices end to end
(repeated) into timelines of 6 s, 60 s and 10 minutes, and runs the mix task's own steps on each
(speech levelling, the ducked bed, normalisation, the AAC encode and its check on the decoded AAC,
runtime/media/encoded_loudness.py) at 128k (draft), 256k (shorts) and 384k (youtube-1080p). Then
independent meters read each AAC: pyloudnorm, and ffmpeg's ebur128 with true peak. It also prints
what the limiter takes off loud speech with and without the levelling.

Run: .venv/bin/vidc build projects/demo && .venv/bin/python bench/loudness_final.py projects/demo
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyloudnorm
from _common import machine

from vidc.runtime.media import encoded_loudness, leveler, mixer
from vidc.runtime.media.wav import read_wav

R = 44100
ENCODE = ["ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar", str(R), "-ac", "2", "-i", "pipe:0", "-c:a", "aac"]
ENCODE += ["-aac_coder", "fast", "-profile:a", "aac_low", "-ar", "48000", "-ac", "2", "-flags:a", "+bitexact"]


def inputs(project: Path) -> tuple[list[np.ndarray], np.ndarray]:
    """The built voices (mono float, 44.1 kHz) and the music bed (stereo float) of the last build."""
    store = project / ".vidc" / "store" / "objects"
    done = {}
    for line in (project / ".vidc" / "journal.log").read_text().splitlines():
        rec = json.loads(line)
        if rec.get("object") and rec.get("task"):
            done[rec["task"]] = rec["object"]
    voices = []
    for task in sorted(t for t in done if "/voice/" in t):
        data, _ = read_wav(store / done[task] / "voice.wav")
        voices.append((data if data.ndim == 1 else data.mean(axis=1)) / 32768.0)
    music_task = next(t for t in done if t.endswith("/music"))
    m, _ = read_wav(store / done[music_task] / "music.wav")
    return voices, (m if m.ndim == 2 else m[:, None].repeat(2, axis=1))[:, :2] / 32768.0


def timeline(voices: list[np.ndarray], music: np.ndarray, seconds: float):
    """Voices one after another with 0.6 s between them, cut to `seconds`; the music looped under."""
    n = int(seconds * R)
    v, spans, at, k = np.zeros(n), [], int(0.2 * R), 0
    while at < n - R // 2:
        clip = voices[k % len(voices)][: n - at]
        v[at : at + len(clip)] = clip
        spans.append((k, at, at + len(clip)))
        at += len(clip) + int(0.6 * R)
        k += 1
    reps = -(-n // len(music))
    return v, np.concatenate([music] * reps)[:n], spans


def meters(m4a: Path) -> tuple[float, float, float]:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(m4a), "-f", "f32le", "-ac", "2", "-ar", "48000", "-"],
        capture_output=True,
        check=True,
    ).stdout
    x = np.frombuffer(raw, "<f4").reshape(-1, 2).astype(np.float64)
    err = subprocess.run(
        ["ffmpeg", "-nostats", "-i", str(m4a), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
    ).stderr
    s = err[err.rfind("Summary:") :]
    i = float(re.search(r"I:\s+(-?[\d.]+) LUFS", s).group(1))
    tp = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", s).group(1))
    return pyloudnorm.Meter(48000).integrated_loudness(x), i, tp


def main() -> None:
    project = Path(sys.argv[1] if len(sys.argv) > 1 else "projects/demo")
    voices, music = inputs(project)
    print(f"# {machine()}; voices and music of {project}")
    work = Path(tempfile.mkdtemp(prefix="vidc-loud-"))
    for seconds in (6.0, 60.0, 600.0):
        v, m, spans = timeline(voices, music, seconds)
        lev, _ = leveler.level_speech(v, R)
        pre, _ = mixer.premix(
            lev, m, R, spans=spans, volume=0.35, duck=mixer.DuckSettings(), fade_out_seconds=6.0, bpm=None
        )
        plain, _ = mixer.premix(
            v, m, R, spans=spans, volume=0.35, duck=mixer.DuckSettings(), fade_out_seconds=6.0, bpm=None
        )
        for label, mix in (("without levelling", plain), ("levelled", pre)):
            _, st = mixer.normalise(mix, R, -14.0, -1.5)
            red = leveler.speech_reduction_stats(st["limiter"], v, spans, R)
            print(f"{seconds:5.0f} s  limiter on loud speech, {label}: {red}")
        for bitrate in ("128k", "256k", "384k"):
            out = work / f"{int(seconds)}-{bitrate}.m4a"
            t0 = time.perf_counter()

            def render(target: float, ceiling: float, out: Path = out, bitrate: str = bitrate, pre=pre) -> None:
                y, _ = mixer.normalise(pre, R, target, ceiling)
                pcm = np.clip(np.rint(y * 32767.0), -32768, 32767).astype("<i2").tobytes()
                subprocess.run([*ENCODE, "-b:a", bitrate, str(out)], input=pcm, check=True)

            fit = encoded_loudness.fit_encoded(
                render, lambda out=out: encoded_loudness.decode_aac(out), -14.0, -1.0, -1.5
            )
            wall = time.perf_counter() - t0
            lufs, ebu, tp = meters(out)
            print(
                f"{seconds:5.0f} s {bitrate}: {fit.encodes} encode(s), rounds {fit.rounds}, {wall:5.1f} s; "
                f"final: {lufs:6.2f} LUFS (pyloudnorm), {ebu:6.2f} LUFS / {tp:5.2f} dBTP (ebur128)"
            )


if __name__ == "__main__":
    main()
