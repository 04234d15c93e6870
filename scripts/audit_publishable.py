#!/usr/bin/env python3
"""Audit a finished build against the platforms' publishing rules, reading only what was made.

    .venv/bin/python scripts/audit_publishable.py PROJECT_DIR [--preset PRESET] [--hardware PROFILE]

For each video of the project's last build (its journal and store, its MP4 and manifest):
- the MP4 has two tracks and no edit list (no `edts`/`elst` box);
- the picture is BT.709 tagged (primaries, transfer, matrix) in TV range;
- constant frame rate: every frame one frame-duration after the last, starting at 0, as many
  frames as the manifest's scenes add up to;
- sound and picture agree at every scene: each scene's voice is found (cross-correlation of the
  voice file with the MP4's decoded sound) within one frame of its scene's first frame;
- burned captions: every scene's subtitle file rendered by libass alone on a black frame of the
  video's size, sampled 5 times a second: the lit pixels stay inside the preset's safe area and out
  of its UI zones (templates/safe_areas.yaml);
- speech and karaoke (scripts/audit_speech.py): no digit or symbol reaches the phonemiser, and each
  karaoke word lights within a frame of the voice (median; 100 ms at the 95th percentile);
- storyboard cards: each animatic scene's own drawing chain run on black: the card stays inside
  the safe area;
- contrast behind the burned captions: the text's pixels (libass alone on black) against the
  frame's pixels just around them, at least 3:1;
- the sidecar SRT/VTT files' own rules: lines of at most 42 characters, at most two lines a cue,
  cues of at least 1 s read at no more than 20 characters a second;
- loudness (pyloudnorm) and true peak (ffmpeg ebur128) of the finished sound: -14 +- 0.5 LUFS
  (the manifest's target) and at or under the ceiling.
Prints one line per check and exits 1 when any fails.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
from audit_speech import audit_speech  # scripts/audit_speech.py, beside this file

from vidc.compiler.layout import safe_area
from vidc.runtime.state.journal import Journal
from vidc.schemas.journal import Done


def run(argv: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, check=True, **kw)


def boxes(data: bytes, start: int, end: int, found: list[str]) -> None:
    containers = {"moov", "trak", "mdia", "minf", "stbl", "edts", "udta"}
    pos = start
    while pos + 8 <= end:
        size, kind, head = int.from_bytes(data[pos : pos + 4], "big"), data[pos + 4 : pos + 8].decode("latin-1"), 8
        if size == 1:
            size, head = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        if size < head:
            break
        found.append(kind)
        if kind in containers:
            boxes(data, pos + head, pos + size, found)
        pos += size


def decode_mono(path: Path, rate: int = 48000) -> np.ndarray:
    raw = run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vn", "-f", "f32le", "-ac", "1", "-ar", str(rate), "-"]
    ).stdout
    return np.frombuffer(raw, dtype="<f4")


def find(mix: np.ndarray, voice: np.ndarray, expected: int, window: int) -> int:
    lo, hi = max(0, expected - window), min(len(mix), expected + window + len(voice))
    seg = mix[lo:hi]
    n = 1 << int(np.ceil(np.log2(len(seg) + len(voice))))
    corr = np.fft.irfft(np.fft.rfft(seg, n) * np.conj(np.fft.rfft(voice, n)), n)[: max(1, len(seg) - len(voice) + 1)]
    return lo + int(np.argmax(corr))


def lit_boxes(vf: str, w: int, h: int, seconds: float, fps: float, inputs: list[str] | None = None) -> list[tuple]:
    """Bounding boxes (x0, y0, x1, y1) of the pixels brighter than 24/255 of each frame of a
    filter chain run on black (None for an all-black frame)."""
    src = inputs or ["-f", "lavfi", "-i", f"color=black:s={w}x{h}:r={fps}:d={seconds:.3f}"]
    raw = run(["ffmpeg", "-v", "error", *src, "-vf", f"{vf},format=gray", "-f", "rawvideo", "-"]).stdout
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, h, w)
    out = []
    for f in frames:
        ys, xs = np.nonzero(f > 24)
        out.append(None if not len(xs) else (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
    return out


def inside(box: tuple, w: int, h: int, safe) -> bool:
    x0, y0, x1, y1 = box
    return x0 >= safe.left and y0 >= safe.top and x1 <= w - safe.right and y1 <= h - safe.bottom


def overlaps(box: tuple, zone: tuple) -> bool:
    _, zx0, zy0, zx1, zy1 = zone
    x0, y0, x1, y1 = box
    return x0 < zx1 and zx0 < x1 and y0 < zy1 and zy0 < y1


def gray_frames(argv_input: list[str], vf: str, w: int, h: int) -> np.ndarray:
    raw = run(["ffmpeg", "-v", "error", *argv_input, "-vf", f"{vf},format=gray", "-f", "rawvideo", "-"]).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, h, w)


def contrast_ratio(text: float, behind: float) -> float:
    """WCAG contrast of two 8-bit grey levels (sRGB-decoded)."""
    lum = [(v / 255.0) ** 2.2 for v in (text, behind)]
    return (max(lum) + 0.05) / (min(lum) + 0.05)


def _grow(mask: np.ndarray, n: int) -> np.ndarray:
    out = mask.copy()
    for _ in range(n):
        out[1:] |= out[:-1].copy()
        out[:-1] |= out[1:].copy()
        out[:, 1:] |= out[:, :-1].copy()
        out[:, :-1] |= out[:, 1:].copy()
    return out


def caption_contrast(out: Path, manifest: dict, done: dict, store: Path, name: str, frame: tuple) -> list:
    """Contrast behind the burned captions: each scene's subtitles rendered by libass alone on black
    (twice a second) give the text's pixels; in the MP4's frame at the same time, the pixels around
    them (within 8 px, not the text, its outline or shadow) are what the text is read against. The
    text's colour is read from the frame itself (its brightest 10 %). Checks a 3:1 contrast."""
    w, h, fps = frame
    worst: tuple[float, int, float] | None = None
    samples = 0
    for s in manifest["scenes"]:
        obj = done.get(f"{name}/captions/scene-{s['index']:02d}")
        ass = store / obj / "captions.ass" if obj else None
        if not ass or not ass.exists():
            continue
        secs = s["frames"] / fps
        path = str(ass).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
        # The text alone is drawn on black at the video's own frame rate and then sampled by the same
        # fps filter as the video: both pick the same frame of each half second (fps picks the last frame
        # of its window, not the frame at its timestamp, so sampling each at r=2 would not line up).
        black = ["-f", "lavfi", "-i", f"color=black:s={w}x{h}:r={fps}:d={secs:.3f}"]
        masks = gray_frames(black, f"ass='{path}',fps=2", w, h)
        start = s["start_ms"] / 1000  # (on the whole video's timeline, after any intro)
        pics = gray_frames(["-ss", f"{start:.3f}", "-t", f"{secs:.3f}", "-i", str(out)], "fps=2", w, h)
        for k in range(min(len(masks), len(pics))):
            lit = masks[k] > 24
            if lit.sum() < 50:
                continue
            ring = _grow(lit, 8) & ~_grow(lit, 2)
            text = pics[k][lit & ~_grow(~lit, 1)]
            if not ring.any() or not text.size:
                continue
            fg, bg = float(np.percentile(text, 90)), float(np.median(pics[k][ring]))
            ratio = contrast_ratio(fg, bg)
            samples += 1
            if worst is None or ratio < worst[0]:
                worst = (ratio, s["index"], bg)
    if worst is None:
        return []
    return [
        (
            worst[0] >= 3.0,
            f"contrast behind captions at least 3:1 ({samples} frames sampled; worst {worst[0]:.1f}:1 in scene "
            f"{worst[1]}, background grey {worst[2]:.0f})",
        )
    ]


def sidecar_rules(out: Path) -> list:
    """The SRT/VTT files' own rules: at most 42 characters a line, two lines a cue, each cue at least
    1 s on screen and read at no more than 20 characters a second."""
    results = []
    for sidecar in (out.with_suffix(".srt"), out.with_suffix(".vtt")):
        if not sidecar.exists():
            continue
        blocks = [b.strip().splitlines() for b in sidecar.read_text(encoding="utf-8").split("\n\n") if "-->" in b]
        long, many, short, fast = [], 0, 0, 0
        for b in blocks:
            k = next(i for i, line in enumerate(b) if "-->" in line)
            a, e = (_seconds(x) for x in b[k].split("-->"))
            lines = [line for line in b[k + 1 :] if line.strip()]
            long += [line for line in lines if len(line) > 42]
            many += len(lines) > 2
            short += e - a < 0.999
            fast += len(" ".join(lines)) / max(e - a, 1e-3) > 20.0
        results.append(
            (
                not long and not many and not short and not fast,
                f"{sidecar.name}: {len(blocks)} cues, lines <= 42 characters (over: {len(long)}), <= 2 lines "
                f"(over: {many}), >= 1 s (under: {short}), <= 20 characters/s (over: {fast})",
            )
        )
    return results


def _seconds(stamp: str) -> float:
    hms = stamp.strip().split()[0].replace(",", ".")
    parts = [float(x) for x in hms.split(":")]
    return sum(v * 60**i for i, v in enumerate(reversed(parts)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("project", type=Path)
    ap.add_argument("--preset", help="the --preset the build was made with")
    ap.add_argument("--hardware", help="the --hardware profile the build was made with (a Wan build on CPU lanes)")
    args = ap.parse_args()
    root = args.project if args.project.is_dir() else args.project.parent
    spec = args.project / "project.yaml" if args.project.is_dir() else args.project
    vidc = str(Path(sys.executable).parent / "vidc")
    plan = json.loads(
        run(
            [
                vidc,
                "plan",
                str(spec),
                "--format",
                "json",
                *(["--preset", args.preset] if args.preset else []),
                *(["--hardware", args.hardware] if args.hardware else []),
            ],
            text=True,
        ).stdout
    )
    # the plan's own tasks' outputs, by fingerprint: another preset's build of the same task ids is not this one
    by_fp = {r.fp: r.object for r in Journal(root / ".vidc" / "journal.log").replay() if isinstance(r, Done)}
    done = {t["id"]: by_fp[t["fingerprint"]] for t in plan["tasks"] if t["fingerprint"] in by_fp}
    store = root / ".vidc" / "store" / "objects"
    tasks = {t["id"]: t for t in plan["tasks"]}
    failed = 0

    def check(ok: bool, what: str) -> None:
        nonlocal failed
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {what}")

    for export in (t for t in plan["tasks"] if t["backend"] == "export"):
        name = export["params"]["name"]
        out = root / "build" / (args.preset or "") / f"{name}.mp4"
        if not out.exists():
            out = next((p for p in root.rglob(f"{name}.mp4") if ".vidc" not in p.parts), out)
        if not out.exists() or not out.with_suffix(".json").exists():
            check(False, f"{name}: no finished MP4 and manifest (was the build finished?)")
            continue
        manifest = json.loads(out.with_suffix(".json").read_text())
        print(f"== {name}: {out}")
        found: list[str] = []
        data = out.read_bytes()
        boxes(data, 0, len(data), found)
        check(
            found.count("trak") == 2 and "elst" not in found and "edts" not in found,
            f"two tracks, no edit list ({found.count('trak')} tracks, edts: {'edts' in found})",
        )
        info = json.loads(run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(out)], text=True).stdout)
        v = next(s for s in info["streams"] if s["codec_type"] == "video")
        tags = (v.get("color_primaries"), v.get("color_transfer"), v.get("color_space"), v.get("color_range"))
        check(tags == ("bt709", "bt709", "bt709", "tv"), f"BT.709, TV range: {tags}")
        w, h = int(v["width"]), int(v["height"])
        num, den = (int(x) for x in v["time_base"].split("/"))
        fps = int(manifest.get("fps") or round(Fraction(v["r_frame_rate"])))
        pts = sorted(
            int(x)
            for x in run(
                [
                    "ffprobe",
                    "-v",
                    "error",
                    "-select_streams",
                    "v",
                    "-show_entries",
                    "packet=pts",
                    "-of",
                    "csv=p=0",
                    str(out),
                ],
                text=True,
            ).stdout.split()
        )
        step = den // (num * fps)
        frames = sum(s["frames"] for s in manifest["scenes"])
        frames += sum(manifest[end]["frames"] for end in ("intro", "outro") if end in manifest)  # silent segments
        cfr = pts[0] == 0 and all(b - a == step for a, b in zip(pts, pts[1:]))
        check(cfr and len(pts) == frames, f"CFR {fps} fps from 0, {len(pts)} frames (manifest: {frames})")
        sound = decode_mono(out)
        worst = 0.0
        for s in manifest["scenes"]:
            voice_task = f"{name}/voice/scene-{s['index']:02d}"
            wav = store / done.get(voice_task, "-") / "voice.wav"
            if not s.get("voiceover_text") or not wav.exists():
                continue
            voice = decode_mono(wav)
            expected = s["start_ms"] * 48
            off = (find(sound, voice, expected, 4800) - expected) / 48
            worst = max(worst, abs(off))
        check(worst <= 1000 / fps, f"voice within one frame of its scene at every scene (worst {worst:.1f} ms)")
        safe = safe_area(export["params"]["preset"], w, h)
        bad_cap, cues = [], 0
        for s in manifest["scenes"]:
            obj = done.get(f"{name}/captions/scene-{s['index']:02d}")
            ass = store / obj / "captions.ass" if obj else None
            if not ass or not ass.exists():
                continue
            secs = s["frames"] / fps
            path = str(ass).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
            for k, box in enumerate(lit_boxes(f"ass='{path}'", w, h, secs, 5)):
                if box is None:
                    continue
                cues += 1
                if not inside(box, w, h, safe) or any(overlaps(box, z) for z in safe.ui):
                    bad_cap.append((s["index"], round(k / 5, 1), box))
        check(
            not bad_cap,
            f"captions inside the safe area and out of the UI zones ({cues} frames sampled"
            f"{'; outside: ' + str(bad_cap[:4]) if bad_cap else ''})",
        )
        audit_speech(name, manifest, tasks, done, store, check)  # speech read as words; karaoke against the voice
        for ok, what in caption_contrast(out, manifest, done, store, name, (w, h, fps)):
            check(ok, what)
        for ok, what in sidecar_rules(out):
            check(ok, what)
        bad_card, cards = [], 0
        for s in manifest["scenes"]:
            t = tasks.get(f"{name}/video/scene-{s['index']:02d}")
            obj = done.get(f"{name}/video/scene-{s['index']:02d}")
            if not t or t["backend"] != "animatic" or not obj:
                continue
            argv = t["argv"][0]
            if "-vf" in argv:
                chain = argv[argv.index("-vf") + 1]
            else:  # with a thumbnail still: the drawing is the [pic] branch of the graph
                chain = argv[argv.index("-filter_complex") + 1].split("[pic]")[-1]
            chain = chain.split(",fps=")[0].replace("@{out}", str(store / obj))
            chain = re.sub(r"vignette=[^,]*,", "", chain)
            box = lit_boxes(chain, w, h, 1 / fps, fps)[0]
            cards += 1
            if box is None or not inside(box, w, h, safe):
                bad_card.append((s["index"], box))
        if cards:
            check(
                not bad_card,
                f"storyboard cards inside the safe area ({cards} cards"
                f"{'; outside: ' + str(bad_card) if bad_card else ''})",
            )
        import pyloudnorm

        stereo = np.frombuffer(
            run(
                ["ffmpeg", "-v", "error", "-i", str(out), "-vn", "-f", "f32le", "-ac", "2", "-ar", "48000", "-"]
            ).stdout,
            dtype="<f4",
        ).reshape(-1, 2)
        lufs = pyloudnorm.Meter(48000).integrated_loudness(stereo.astype(np.float64))
        err = subprocess.run(
            ["ffmpeg", "-nostats", "-i", str(out), "-vn", "-af", "ebur128=peak=true", "-f", "null", "-"],
            capture_output=True,
            text=True,
        ).stderr
        tp = float(re.findall(r"Peak:\s+(-?[0-9.]+|-inf) dBFS", err)[-1])
        target = manifest["audio"]["loudness_target_lufs"]
        ceiling = manifest["audio"]["true_peak_ceiling_db"]
        check(
            abs(lufs - target) <= 0.5 and tp <= ceiling,
            f"loudness {lufs:.2f} LUFS (target {target}), true peak {tp:.2f} dBTP (ceiling {ceiling})",
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
