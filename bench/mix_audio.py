"""The mix task before and after issue 11/13, side by side on the same inputs: the demo's six Piper
voices on their frame-exact timeline and its built-in music bed.

  before: the ffmpeg chain vidc used (sidechain compressor, loudnorm pass 1 writing a premix, loudnorm
          pass 2 "linear" at 192 kHz, then the AAC encode): three ffmpeg runs, written out below.
  after:  vidc's mix backend (runtime/media/mixer.py, in-process on PCM, one AAC encode on stdin).

Prints wall and CPU seconds (this process plus its children) of each, their ratio, and what
independent meters read on each AAC (pyloudnorm; ffmpeg ebur128 with true peak).

Run: .venv/bin/python bench/mix_audio.py
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyloudnorm
import yaml
from _common import machine

ROOT = Path(__file__).resolve().parent.parent
FPS, RATE = 30, 44100
OLD = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-loglevel"]


def cpu() -> float:
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def meter(m4a: Path) -> str:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(m4a), "-f", "f32le", "-ac", "2", "-ar", "48000", "-"],
        capture_output=True,
        check=True,
    ).stdout
    x = np.frombuffer(raw, "<f4").reshape(-1, 2).astype(np.float64)
    err = subprocess.run(
        ["ffmpeg", "-nostats", "-hide_banner", "-i", str(m4a), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
    ).stderr
    s = err[err.rfind("Summary:") :]
    i = re.search(r"I:\s+(-?[\d.]+) LUFS", s).group(1)
    tp = re.search(r"Peak:\s+(-?[\d.]+) dBFS", s).group(1)
    return f"I {pyloudnorm.Meter(48000).integrated_loudness(x):6.2f} LUFS (pyloudnorm), {i} LUFS / {tp} dBTP (ebur128)"


def before(work: Path, timeline: Path, music: Path, total_s: float) -> None:
    fade = min(6.0, total_s / 2)
    chain = (
        f"[1:a]atrim=0:{total_s:.6f},asetpts=N/SR/TB,volume=0.35,afade=t=in:d=1.5,"
        f"afade=t=out:st={total_s - fade:.6f}:d=6.0[m];"
        "[0:a]aformat=channel_layouts=stereo,acompressor=threshold=-30dB:ratio=4:attack=3:release=120:makeup=3,"
        "alimiter=limit=0.7:level=false,asplit=2[vo][sc];"
        "[m][sc]sidechaincompress=threshold=0.015:ratio=7.67:attack=15:release=350:makeup=1[duck];"
        "[vo][duck]amix=inputs=2:duration=first:normalize=0,"
    )
    target = "I=-14.0:TP=-1.5:LRA=20"
    err = subprocess.run(
        [
            *OLD,
            "info",
            "-i",
            str(timeline),
            "-i",
            str(music),
            "-filter_complex",
            chain + f"asplit=2[pre][meas];[meas]loudnorm={target}:print_format=json[stats]",
            "-map",
            "[pre]",
            "-c:a",
            "pcm_s16le",
            str(work / "premix.wav"),
            "-map",
            "[stats]",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    st = json.loads(re.findall(r"\{[^{}]*\"input_i\"[^{}]*\}", err, flags=re.S)[-1])
    measured = ":".join(f"measured_{k}={st['input_' + k.lower()]}" for k in ("I", "TP", "LRA", "thresh"))
    subprocess.run(
        [
            *OLD,
            "error",
            "-i",
            str(work / "premix.wav"),
            "-af",
            f"loudnorm={target}:{measured}:offset={st['target_offset']}:linear=true,aresample=48000",
            "-c:a",
            "pcm_s16le",
            "-ar",
            "48000",
            "-ac",
            "2",
            str(work / "mix.wav"),
        ],
        check=True,
    )
    subprocess.run(
        [
            *OLD,
            "error",
            "-i",
            str(work / "mix.wav"),
            "-c:a",
            "aac",
            "-aac_coder",
            "fast",
            "-b:a",
            "384k",
            "-ar",
            "48000",
            "-ac",
            "2",
            str(work / "before.m4a"),
        ],
        check=True,
    )


def main() -> None:
    from vidc.compiler import ffmpeg_args
    from vidc.compiler.refs import frames_for_ms
    from vidc.compiler.speech import spoken_text
    from vidc.runtime.backends.base import TaskContext
    from vidc.runtime.backends.mix import Mix
    from vidc.runtime.media import music_library
    from vidc.runtime.media.piper_voice import PiperSynth
    from vidc.runtime.media.timeline import frames_to_samples, place_voices

    spec = yaml.safe_load((ROOT / "projects/demo/project.yaml").read_text())
    work = Path(tempfile.mkdtemp(prefix="vidc-bench-mix-"))
    synth = PiperSynth()
    inputs, starts, frames, wavs = {}, [], 0, []
    for k, scene in enumerate(spec["script"]["scenes"], 1):
        d = work / f"voice-{k:02d}"
        d.mkdir()
        r = synth.synthesize(
            spoken_text(scene["voiceover_text"].replace("{{ product }}", "vidc")), 1.0, d / "voice.wav"
        )
        r["scene_ms"] = max(scene["duration_seconds"] * 1000, r["duration_ms"] + 500)
        (d / "result.json").write_text(json.dumps(r))
        inputs[d.name] = d
        starts.append(frames_to_samples(frames, FPS, RATE))
        frames += frames_for_ms(r["scene_ms"], FPS)
        wavs.append(d / "voice.wav")
    total = frames_to_samples(frames, FPS, RATE)
    place_voices(wavs, starts, total, work / "timeline.wav")
    track = music_library.ensure_track("clear-path", work / "cache")
    (work / "music").mkdir()
    os.link(track, work / "music" / "music.wav")
    (work / "music" / "result.json").write_text(json.dumps({"bpm": 108.0}))
    inputs["music"] = work / "music"

    c0, w0 = cpu(), time.perf_counter()
    before(work, work / "timeline.wav", work / "music" / "music.wav", frames / FPS)
    b_cpu, b_wall = cpu() - c0, time.perf_counter() - w0
    p = {
        "fps": FPS,
        "volume": 0.35,
        "duck_db": 10.0,
        "duck_attack_ms": 250,
        "duck_hold_ms": 300,
        "duck_release_ms": 700,
        "duck_gap_ms": 1500,
        "fade_out_seconds": 6.0,
        "lufs": -14.0,
        "tp_margin_db": 0.5,
        "true_peak": -1.0,
        "sample_rate": 44100,
        "audio_bitrate": "384k",
    }
    out = work / "after"
    out.mkdir()
    argv = [[a.replace("@{out}", str(out)) for a in ffmpeg_args.mix(p)[0]]]
    ctx = TaskContext(
        task_id="bench/mix", params=p, inputs=inputs, out=out, project_dir=work, cache_dir=work / "cache", argv=argv
    )
    c0, w0 = cpu(), time.perf_counter()
    Mix().run(ctx, None)
    a_cpu, a_wall = cpu() - c0, time.perf_counter() - w0
    print(f"machine: {machine()}")
    print(f"audio: {frames / FPS:.1f} s, 6 Piper voices, built-in track clear-path")
    print(
        f"before (3 ffmpeg runs, loudnorm at 192 kHz): {b_wall:6.2f} s wall, {b_cpu:6.2f} s CPU   {meter(work / 'before.m4a')}"
    )
    print(
        f"after  (in-process PCM, one AAC encode):     {a_wall:6.2f} s wall, {a_cpu:6.2f} s CPU   {meter(out / 'mix.m4a')}"
    )
    print(f"ratio after/before: {a_wall / b_wall:.2f}x wall, {a_cpu / b_cpu:.2f}x CPU")


if __name__ == "__main__":
    sys.exit(main())
