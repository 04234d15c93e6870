"""What the review site shows, read from the build: the plan compiled from the spec (what should
exist), each video's manifest (what was published), the journal (what ran, when, and what failed)
and the content-addressed store (the voice clips and music bed behind each mix)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidc.schemas.journal import Claimed, Done, Failed
from vidc.schemas.plan import Plan, VideoPlan

from ..state.journal import Journal
from ..state.store import file_sha256

GAP_S = 60.0  # journal activity separated by more than this belongs to different builds


@dataclass
class Cue:
    start_ms: int
    end_ms: int
    text: str


_SRT_TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{3})\s*-->\s*(\d+):(\d\d):(\d\d)[,.](\d{3})")


def parse_srt(text: str) -> list[Cue]:
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = block.strip().splitlines()
        for i, line in enumerate(lines):
            m = _SRT_TIME.search(line)
            if m:
                g = [int(x) for x in m.groups()]
                start = ((g[0] * 60 + g[1]) * 60 + g[2]) * 1000 + g[3]
                end = ((g[4] * 60 + g[5]) * 60 + g[6]) * 1000 + g[7]
                cues.append(Cue(start, end, "\n".join(lines[i + 1 :]).strip()))
                break
    return cues


@dataclass
class Run:
    """One task's measured run: its claim and its `done` (or `failed`) record."""

    task: str
    lane: str
    start: float
    end: float
    ok: bool
    error: str = ""


@dataclass
class JournalView:
    objects: dict[str, str] = field(default_factory=dict)  # fingerprint -> object (latest done)
    done: dict[tuple[str, str], Done] = field(default_factory=dict)  # (fp, object) -> first done record
    runs: dict[str, list[Run]] = field(default_factory=dict)  # fingerprint -> runs, in order
    failures: dict[str, str] = field(default_factory=dict)  # fingerprint -> last error (if no later done)

    @classmethod
    def read(cls, path: Path) -> JournalView:
        view = cls()
        if not path.exists():
            return view
        claims: dict[tuple[str, str], Claimed] = {}
        for rec in Journal(path).replay():
            fp = rec.fp
            if not fp:
                continue
            if isinstance(rec, Claimed):
                claims[(fp, rec.lane)] = rec
            elif isinstance(rec, (Done, Failed)):
                claim = claims.pop((fp, rec.lane), None)
                done = isinstance(rec, Done)
                start = claim.t if claim else rec.t - (rec.ms / 1000 if done else 0)
                view.runs.setdefault(fp, []).append(
                    Run(rec.task, rec.lane, start, rec.t, done, "" if done else rec.error)
                )
                if isinstance(rec, Done):
                    view.objects[fp] = rec.object
                    view.done.setdefault((fp, rec.object), rec)
                    view.failures.pop(fp, None)
                else:
                    view.failures[fp] = rec.error or "failed"
        return view


@dataclass
class VideoView:
    plan: VideoPlan
    status: str  # built | stale | failed | pending
    out_dir: Path
    manifest: dict[str, Any] | None
    vars: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)  # task id -> error (failed builds)
    media: dict[str, Any] = field(default_factory=dict)  # filled by the site builder
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def mp4(self) -> Path:
        return self.out_dir / f"{self.name}.mp4"


def video_views(
    plan: Plan,
    root: Path,
    vars_by_video: dict[str, dict[str, Any]],
    journal: JournalView,
    published: Path | None = None,
) -> list[VideoView]:
    """`published`: the folder of `vidc build --out DIR`, else each video's `output` in the project."""
    tasks = plan.task_map()
    views = []
    for vp in plan.videos:
        out_dir = published if published is not None else root / vp.output
        manifest = read_manifest(out_dir / f"{vp.name}.json")
        current = {tid: tasks[tid].fingerprint for tid in vp.tasks}
        errors = {tid: journal.failures[fp] for tid, fp in current.items() if fp in journal.failures}
        built = manifest is not None and (out_dir / f"{vp.name}.mp4").is_file()
        if built and vp.script_known and manifest.get("fingerprints") == dict(sorted(current.items())):
            status = "built"
        elif errors:
            status = "failed"
        elif built:
            status = "stale"
        else:
            status = "pending"
        views.append(VideoView(vp, status, out_dir, manifest, vars_by_video.get(vp.name, {}), errors))
    return views


def read_manifest(path: Path) -> dict[str, Any] | None:
    """A video's manifest if it is one (a regular file, whole JSON, its scenes with their times);
    a missing, truncated or damaged one is None: the video shows as not built, never a traceback."""
    from ..state.confine import Refused, read_json

    try:
        m = read_json(path, what="manifest")
    except Refused:
        return None
    if not isinstance(m, dict) or not isinstance(m.get("scenes"), list):
        return None
    timed = ("index", "start_ms", "duration_ms")
    if not all(isinstance(s, dict) and all(isinstance(s.get(k), int) for k in timed) for s in m["scenes"]):
        return None
    for key in ("files", "fingerprints", "audio", "music", "backends"):
        if key in m and not isinstance(m[key], dict):
            return None
    if not all(isinstance(f, str) for f in (m.get("files") or {}).values()):
        return None
    if not isinstance(m.get("duration_ms", 0), int) or not isinstance(m.get("fps", 1), int):
        return None
    return m


def matrix_columns(views: list[VideoView]) -> dict[str, list[str]]:
    """Variables whose values differ between the videos (the matrix's columns), with their values."""
    keys = sorted({k for v in views for k in v.vars})
    out = {}
    for k in keys:
        values = {_text(v.vars.get(k)) for v in views}
        if len(values) > 1:
            out[k] = sorted(values)
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def checks(view: VideoView, measured: dict[str, float | None]) -> list[dict[str, Any]]:
    """Each check: name, ok, detail. A failed check shows as a badge on the card."""
    m = view.manifest or {}
    out = []
    if view.status == "failed":
        out.append(
            {
                "name": "build",
                "ok": False,
                "detail": f"{len(view.errors)} task(s) failed: "
                + "; ".join(
                    f"{t}: {e.strip().splitlines()[0] if e.strip() else 'failed'}"
                    for t, e in sorted(view.errors.items())
                ),
            }
        )
    if not m:
        return out
    if view.mp4.is_file() and m.get("video_sha256"):
        same = file_sha256(view.mp4) == m["video_sha256"]
        out.append(
            {
                "name": "file",
                "ok": same,
                "detail": "the MP4 matches its manifest's sha256"
                if same
                else "the MP4 differs from the one the manifest describes (edited or damaged since)",
            }
        )
    audio = m.get("audio") or {}
    target, ceiling = audio.get("loudness_target_lufs"), audio.get("true_peak_ceiling_db")
    lufs, tp = measured.get("integrated_lufs"), measured.get("true_peak_db")
    if target is not None and lufs is not None:
        ok = abs(lufs - target) <= 1.0
        out.append({"name": "loudness", "ok": ok, "detail": f"{lufs:.1f} LUFS, target {target:g} ±1 LU"})
    if ceiling is not None and tp is not None:
        ok = tp <= ceiling + 0.5
        out.append(
            {"name": "true peak", "ok": ok, "detail": f"{tp:.1f} dBTP, ceiling {ceiling:g} dBTP (+0.5 dB for AAC)"}
        )
    over = [s["index"] for s in m.get("scenes", []) if s.get("voice_ms", 0) > s.get("duration_ms", 0)]
    out.append(
        {
            "name": "voice fits",
            "ok": not over,
            "detail": "every voice fits its scene"
            if not over
            else f"scene(s) {', '.join(map(str, over))}: the voice is longer than the scene",
        }
    )
    files = m.get("files") or {}
    missing = [f for f in files.values() if not _beside(view.out_dir, f)]
    out.append(
        {
            "name": "files",
            "ok": not missing,
            "detail": "all published files present" if not missing else "missing: " + ", ".join(missing),
        }
    )
    return out


def measured_runs(view: VideoView, plan: Plan, journal: JournalView) -> tuple[list[Run], list[str]]:
    """The runs of the build that made this video (the latest window of activity), and the tasks
    whose outputs came from an earlier build (reused). Tasks that never ran are in neither."""
    m = view.manifest or {}
    fps = m.get("fingerprints") or {t.id: t.fingerprint for t in plan.tasks if t.video == view.name}
    latest: dict[str, Run] = {}
    for tid, fp in fps.items():
        ok = [r for r in journal.runs.get(fp, []) if r.ok]
        bad = [r for r in journal.runs.get(fp, []) if not r.ok]
        pick = ok[0] if ok else (bad[-1] if bad else None)  # the run that made the object, else the failure
        if pick is not None:
            latest[tid] = Run(tid, pick.lane, pick.start, pick.end, pick.ok, pick.error)
    if not latest:
        return [], []
    # Merge the runs into activity windows; keep the window that ends last (the latest build).
    ordered = sorted(latest.values(), key=lambda r: r.start)
    windows: list[list[Run]] = []
    end = None
    for r in ordered:
        if end is None or r.start > end + GAP_S:
            windows.append([])
            end = r.end
        windows[-1].append(r)
        end = max(end, r.end)
    keep = max(windows, key=lambda w: max(r.end for r in w))
    kept = {r.task for r in keep}
    return keep, sorted(t for t in latest if t not in kept)


def _beside(out_dir: Path, name: str) -> bool:
    """A published file of the manifest: a regular file inside the build folder (never one outside)."""
    from ..state.confine import Refused, confined_file

    try:
        confined_file(out_dir, name, "published file")
    except Refused:
        return False
    return True
