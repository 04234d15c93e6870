"""The static review site: index.html (a card per video, filters, keyboard navigation) and one page
per video (player, contact sheet, waveform lanes, captions, estimated vs measured schedule,
backends, licences, costs). Plain HTML, CSS and a small script rendered with Jinja2 from
templates/review/; pictures and envelopes come from media.py. It links the published MP4s where
they are (relative links), so the folder opens from disk without a server."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, select_autoescape
from jinja2.loaders import FunctionLoader

from vidc.compiler.pricing import usd
from vidc.compiler.render import secs
from vidc.compiler.resources import template_text
from vidc.schemas import ids
from vidc.schemas.plan import Plan

from ..state.atomic import write_text
from ..state.confine import Refused, confined, confined_file, read_json, read_text, real_folder
from ..state.store import DIGEST, file_sha256
from . import media
from .data import JournalView, VideoView, checks, matrix_columns, measured_runs, parse_srt, video_views
from .pictures import picture_files, picture_links, render_pictures

BINS = 600
THUMB_W, FRAME_W = 480, 320


def _env() -> Environment:
    env = Environment(
        loader=FunctionLoader(lambda name: template_text(f"review/{name}")),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["secs"] = lambda ms: secs(int(ms or 0))
    env.filters["usd"] = lambda micro: usd(int(micro or 0))
    return env


def _url(target: Path, base: Path) -> str:
    rel = os.path.relpath(target, base)
    return "/".join(quote(part) for part in Path(rel).as_posix().split("/"))


def _page_name(name: str) -> str:
    return f"video-{quote(name, safe='')}.html"


class Site:
    def __init__(
        self, plan: Plan, root: Path, out: Path, vars_by_video: dict[str, dict[str, Any]], published: Path | None = None
    ):
        self.plan, self.root, self.out = plan, root, out
        self.work = root / ".vidc"
        self.journal = JournalView.read(self.work / "journal.log")
        self.views = video_views(plan, root, vars_by_video, self.journal, published)
        for v in self.views:  # a failed task's message names files by their place in the project, never absolutely
            v.errors = {t: project_relative(e, root) for t, e in v.errors.items()}

    def _stored(self, fingerprint: str, name: str) -> Path | None:
        """A task's output file in the store: an object named by a digest, the file inside it."""
        obj = self.journal.objects.get(fingerprint)
        if not obj or not DIGEST.match(obj):
            return None
        try:
            path = confined(self.work / "store" / "objects", f"{obj}/{name}", "store file")
        except Refused:
            return None
        return path if path.is_file() else None

    def _folder(self, folder: Path) -> Path:
        """A folder of the site: a real folder inside it (never a link planted elsewhere), made if missing."""
        real_folder(self.out, folder, "review folder")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def served(self) -> list[tuple[Path, Path]]:
        """What `--serve` may serve, as (root, file): the pages and assets the site wrote, the pictures it
        rendered, and the MP4s and caption tracks its pages link; nothing else."""
        site = [self.out / "index.html", self.out / "assets" / "review.css", self.out / "assets" / "review.js"]
        files = [(self.out, f) for f in site]
        for v in self.views:
            folder = self.out / "media" / v.name
            files.append((self.out, self.out / _page_name(v.name)))
            files.append((self.out, folder / "thumb.jpg"))
            files += [
                (self.out, folder / f"scene-{s['index']:02d}.jpg") for s in (v.manifest or {}).get("scenes") or []
            ]
            files += [(self.out, f) for f in picture_files(v.manifest, folder)]
            files.append((v.out_dir, v.mp4))
            vtt = _published(v.out_dir, ((v.manifest or {}).get("files") or {}).get("vtt"))
            if vtt is not None:
                files.append((v.out_dir, vtt))
        return files

    # -- media ----------------------------------------------------------------------------------
    def _media(self, v: VideoView) -> None:
        m = v.manifest
        if m is None or not v.mp4.is_file():
            v.checks = checks(v, {})
            return
        self._folder(self.out / "media")
        folder = self._folder(self.out / "media" / v.name)
        digest = file_sha256(v.mp4)
        stamp = _read_stamp(folder / "stamp.json")
        stamp_path = folder / "stamp.json"
        if stamp.get("sha256") != digest or stamp.get("version") != 1:
            stamp = {"version": 1, "sha256": digest, **self._render_media(v, folder)}
            write_text(stamp_path, json.dumps(stamp, sort_keys=True))
        v.media = stamp
        v.checks = checks(v, stamp.get("loudness", {}))

    def _render_media(self, v: VideoView, folder: Path) -> dict[str, Any]:
        m = v.manifest or {}
        scenes = m.get("scenes") or []
        total = int(m.get("duration_ms") or 0)
        first = scenes[0] if scenes else {"start_ms": 0, "duration_ms": total}
        media.frame(v.mp4, first["start_ms"] + first["duration_ms"] // 2, folder / "thumb.jpg", THUMB_W)
        for s in scenes:
            media.frame(v.mp4, s["start_ms"] + s["duration_ms"] // 2, folder / f"scene-{s['index']:02d}.jpg", FRAME_W)
        render_pictures(m, folder, self._stored)
        out: dict[str, Any] = {"loudness": media.loudness(v.mp4)}
        waves: dict[str, Any] = {"mix": media.envelope(media.decode_mono(v.mp4), BINS)}
        fps = m.get("fingerprints") or {}
        clips = []
        for s in scenes:
            wav = self._stored(fps.get(ids.voice(v.name, s["index"]), ""), "voice.wav")
            if wav is not None:
                clips.append((s["start_ms"], media.decode_mono(wav)))
        if clips:
            waves["voice"] = media.placed_envelope(clips, total, BINS)
        bed = self._stored(fps.get(ids.music(v.name), ""), "music.wav")
        if bed is not None:
            mix = next((t for t in self.plan.tasks if t.id == ids.mix(v.name)), None)
            volume = float(mix.params.get("volume", 1.0)) if mix else 1.0
            duck_db = float(mix.params.get("duck_db", 0.0)) if mix else 0.0
            music = media.decode_mono(bed)[: total * media.ENVELOPE_RATE // 1000] * volume
            mixed = self._mix_result(fps.get(ids.mix(v.name), ""))
            spans = (
                [(int(a), int(b)) for _, a, b in mixed["speech_spans_ms"]]
                if mixed.get("speech_spans_ms")
                else [(s["start_ms"], s["start_ms"] + int(s.get("voice_ms", 0))) for s in scenes]
            )
            gain = 10 ** (-duck_db / 20)
            for a, b in spans:  # the mix's envelope holds the bed exactly duck_db down over these spans
                music[a * media.ENVELOPE_RATE // 1000 : b * media.ENVELOPE_RATE // 1000] *= gain
            waves["music"] = media.placed_envelope([(0, music)], total, BINS)
            waves["duck"] = {"db": duck_db, "spans": spans}
        out["waves"] = waves
        return out

    def _mix_result(self, fingerprint: str) -> dict:
        """The mix task's measurements (its speech spans), or {} before a build made it."""
        path = self._stored(fingerprint, "result.json")
        try:
            data = read_json(path, what="task result") if path is not None else {}
        except Refused:
            return {}
        return data if isinstance(data, dict) else {}

    # -- pages ----------------------------------------------------------------------------------
    def build(self) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)

        def one(v: VideoView) -> None:
            try:
                self._media(v)
            except media.MediaError as exc:
                v.checks = checks(v, {}) + [
                    {"name": "media", "ok": False, "detail": project_relative(str(exc), self.root)}
                ]

        # ffmpeg does the work: one thread per core keeps them all busy on a batch of fifty.
        with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
            list(pool.map(one, self.views))
        env = _env()
        assets = self._folder(self.out / "assets")
        for name in ("review.css", "review.js"):
            write_text(assets / name, template_text(f"review/{name}"))
        columns = matrix_columns(self.views)
        cards = [self._card(v, columns) for v in self.views]
        counts = {s: sum(1 for c in cards if c["status"] == s) for s in ("built", "failed", "stale", "pending")}
        write_text(
            self.out / "index.html",
            env.get_template("index.html.j2").render(
                project=self.plan.project,
                spec=self.plan.spec,
                cards=cards,
                columns=columns,
                counts=counts,
                total_cost=sum(c["cost_micro"] for c in cards),
            ),
        )
        for i, v in enumerate(self.views):
            prev_v = self.views[i - 1] if i > 0 else None
            next_v = self.views[i + 1] if i + 1 < len(self.views) else None
            page = self._page(v, cards[i])
            write_text(
                self.out / _page_name(v.name),
                env.get_template("video.html.j2").render(
                    v=page,
                    card=cards[i],
                    prev=prev_v and _page_name(prev_v.name),
                    next=next_v and _page_name(next_v.name),
                    position=i + 1,
                    count=len(self.views),
                ),
            )
        return self.out / "index.html"

    def _card(self, v: VideoView, columns: dict[str, list[str]]) -> dict[str, Any]:
        m = v.manifest or {}
        loud = v.media.get("loudness") or {}
        cost = m.get("cost") or {}
        thumb = self.out / "media" / v.name / "thumb.jpg"
        return {
            "name": v.name,
            "status": v.status,
            "page": _page_name(v.name),
            "thumb": _url(thumb, self.out) if thumb.is_file() and v.media else None,
            "vars": {k: v.vars.get(k) for k in columns},
            "all_vars": dict(sorted(v.vars.items())),
            "duration_ms": m.get("duration_ms") or sum(s.duration_ms for s in v.plan.scenes),
            "lufs": loud.get("integrated_lufs"),
            "tp": loud.get("true_peak_db"),
            "failed": [c for c in v.checks if not c["ok"]],
            "preset": f"{v.plan.preset} {v.plan.width}x{v.plan.height}@{v.plan.fps}",
            "cost_micro": cost.get("measured_micro_usd", v.plan.cost_micro_usd),
            "cost_kind": "measured" if cost else "estimated",
        }

    def _page(self, v: VideoView, card: dict[str, Any]) -> dict[str, Any]:
        m = v.manifest or {}
        total = int(m.get("duration_ms") or 0) or 1
        folder = self.out / "media" / v.name
        scenes = []
        credits = {c.get("scene"): _credit(c) for c in m.get("credits") or [] if isinstance(c, dict)}
        for s in m.get("scenes") or []:
            img = folder / f"scene-{s['index']:02d}.jpg"
            scenes.append(
                {
                    **s,
                    "credit": credits.get(s["index"]),
                    "frame": _url(img, self.out) if img.is_file() else None,
                    "picture_links": picture_links(s, folder, lambda p: _url(p, self.out)),
                    "left": 100 * s["start_ms"] / total,
                    "width": 100 * s["duration_ms"] / total,
                }
            )
        cues, vtt = _captions(v, m, total)
        waves = v.media.get("waves") or {}
        lanes = [
            (label, key)
            for label, key in (("voice", "voice"), ("music (ducked)", "music"), ("final mix", "mix"))
            if waves.get(key)
        ]
        duck = waves.get("duck") or {}
        return {
            "name": v.name,
            "status": v.status,
            "manifest": m,
            "checks": v.checks,
            "errors": v.errors,
            "player": _url(v.mp4, self.out) if v.mp4.is_file() else None,
            "vtt": _url(vtt, self.out) if vtt is not None else None,
            "scenes": scenes,
            "planned_scenes": v.plan.scenes,
            "total_ms": total,
            "cues": cues,
            "waves": [{"label": label, "path": media.svg_wave(waves[key], BINS, 60)} for label, key in lanes],
            "duck": [{"left": 100 * a / total, "width": 100 * (b - a) / total} for a, b in duck.get("spans", [])],
            "duck_db": duck.get("db"),
            "gantt": self._gantt(v),
            "backends": m.get("backends") or {},
            "music": m.get("music") or {},
            "cost": m.get("cost"),
            "plan_cost": v.plan.cost_micro_usd,
            "vars": card["all_vars"],
            "audio": m.get("audio") or {},
            "loudness": {"integrated_lufs": None, "true_peak_db": None, **(v.media.get("loudness") or {})},
        }

    def _gantt(self, v: VideoView) -> dict[str, Any]:
        tasks = [t for t in self.plan.tasks if t.video == v.name]
        est = []
        if tasks:
            t0 = min(t.start_ms for t in tasks)
            est = [
                {"task": t.id, "lane": t.lane, "stage": t.stage, "start": t.start_ms - t0, "end": t.finish_ms - t0}
                for t in tasks
            ]
        runs, reused = measured_runs(v, self.plan, self.journal)
        meas = []
        if runs:
            r0 = min(r.start for r in runs)
            stage = {t.id: t.stage for t in tasks}
            meas = [
                {
                    "task": r.task,
                    "lane": r.lane,
                    "stage": stage.get(r.task, ids.step_of(r.task)),
                    "start": round((r.start - r0) * 1000),
                    "end": round((r.end - r0) * 1000),
                    "ok": r.ok,
                }
                for r in runs
            ]
        span = max([b["end"] for b in est + meas] + [1])

        def rows(bars):
            by_lane: dict[str, list] = {}
            for b in sorted(bars, key=lambda b: (b["lane"], b["start"])):
                b = {**b, "left": 100 * b["start"] / span, "width": max(0.3, 100 * (b["end"] - b["start"]) / span)}
                by_lane.setdefault(b["lane"], []).append(b)
            return sorted(by_lane.items())

        ran = {r.task for r in runs} | set(reused)
        not_run = sorted(t.id for t in tasks if t.id not in ran)
        return {
            "estimated": rows(est),
            "measured": rows(meas),
            "span_ms": span,
            "reused": reused,
            "not_run": not_run,
            "est_ms": max([b["end"] for b in est] + [0]),
            "meas_ms": max([b["end"] for b in meas] + [0]),
        }


def _credit(c: dict[str, Any]) -> dict[str, Any]:
    """A stock clip's credit for the page: links only when they are web addresses."""
    link = {k: c[k] for k in ("page", "author_url") if str(c.get(k, "")).startswith(("https://", "http://"))}
    return {**{k: v for k, v in c.items() if k not in ("page", "author_url")}, **link}


def _read_stamp(path: Path) -> dict[str, Any]:
    """The stamp of the pictures rendered for a video; a missing, damaged or foreign one is no stamp
    (the pictures are rendered again), never an error."""
    try:
        data = read_json(path, limit=1 << 20, what="review stamp")
    except Refused:
        return {}
    return data if isinstance(data, dict) else {}


def project_relative(text: str, root: Path) -> str:
    """`text` with the project's absolute path taken out (shown relative to the project), and any
    other absolute path cut to its last part: a review page never shows where files sit."""
    import re

    for prefix in sorted({str(root), str(root.resolve())}, key=len, reverse=True):
        text = text.replace(prefix + "/", "").replace(prefix, ".")
    return re.sub(r"(?<![\w.:/])/(?:[^\s/'\"]+/)+([^\s/'\"]*)", lambda m: "…/" + m.group(1), text)


def _captions(v: VideoView, m: dict[str, Any], total: int) -> tuple[list[dict[str, Any]], Path | None]:
    """The published captions' cues placed on the timeline (none when unreadable), and the WebVTT file."""
    files = m.get("files") or {}
    srt, vtt = _published(v.out_dir, files.get("srt")), _published(v.out_dir, files.get("vtt"))
    try:
        cues = parse_srt(read_text(srt, what="captions file")) if srt is not None else []
    except Refused:
        cues = []
    placed = [
        {
            "start": c.start_ms,
            "end": c.end_ms,
            "text": c.text,
            "left": 100 * c.start_ms / total,
            "width": max(0.2, 100 * (c.end_ms - c.start_ms) / total),
        }
        for c in cues
    ]
    return placed, vtt


def _published(out_dir: Path, name: Any) -> Path | None:
    """A file the manifest names beside the video: inside the build folder and a regular file, or None."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return confined_file(out_dir, name, "published file")
    except Refused:
        return None
