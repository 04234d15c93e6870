"""Publishing: copy finished finals (MP4, SRT, VTT) from the store to the output folder and write
each video's manifest beside them, atomically. Publishing finishes or leaves nothing:

- every copy is hashed before it takes its final name and must match the hash recorded when the
  object was committed, so a damaged store object is never published;
- `.NAME.XXXXXXXX.part` files a killed build left in the output folder are swept at the start;
- a failure to write (a read-only output folder) does not stop the build: rendering goes on, the
  journal keeps every rendered output, the build ends with exit 1 and the next one only publishes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from vidc.compiler.canonical import canonical_json
from vidc.compiler.refs import frames_for_ms
from vidc.schemas import ids
from vidc.schemas.plan import Plan, Task, VideoPlan

from ..state.atomic import atomic_path, write_text
from ..state.store import Store, file_sha256
from ..state.workfolder import sweep_parts
from .events import Reporter
from .job_money import scene_jobs
from .pictures import scene_pictures
from .stock_credits import credits_text, relevance_summary, stock_credits, stock_fallbacks


class PublishError(Exception):
    pass


class Publisher:
    def __init__(self, plan: Plan, tasks: dict[str, Task], out_dirs: dict[str, Path], store: Store, reporter: Reporter):
        self.plan, self.tasks, self.out_dirs = plan, tasks, out_dirs
        self.store, self.reporter = store, reporter
        self.videos = {v.name: v for v in plan.videos if any(t in tasks for t in v.tasks)}
        self.costs = None  # a budget.CostBook: when set, manifests carry estimated and measured costs
        self.errors: list[str] = []  # one line per file that could not be published

    def sweep(self) -> None:
        """Remove the temporary files an interrupted publish of these videos left behind."""
        names: dict[Path, set[str]] = {}
        for name in self.videos:
            finals = {f for tid in self.videos[name].tasks if tid in self.tasks for f in self.tasks[tid].final}
            names.setdefault(self.out_dirs[name], set()).update(finals | {f"{name}.json"})
        for folder, files in names.items():
            for path in sweep_parts(folder, files):
                self.reporter.message(f"removed {path}, left by an interrupted build")

    def on_done(self, tid: str, objects: dict[str, str], result: Callable[[str], dict]) -> list[str]:
        written = self._finals(self.tasks[tid], objects)
        video = self.tasks[tid].video
        if all(t in objects for t in self.videos[video].tasks):
            written += self._manifest(video, objects, result)
        return written

    def publish_all(self, objects: dict[str, str], result: Callable[[str], dict]) -> list[str]:
        written: list[str] = []
        for name, video in self.videos.items():
            if not all(t in objects for t in video.tasks):
                continue
            for tid in video.tasks:
                written += self._finals(self.tasks[tid], objects)
            written += self._manifest(name, objects, result)
        return written

    def _finals(self, task: Task, objects: dict[str, str]) -> list[str]:
        written = []
        for name in task.final:
            digest = objects[task.id]
            src = self.store.object_dir(digest) / name
            dst = self.out_dirs[task.video] / name
            want = self.store.file_hash(digest, name)
            if want is None:  # no record (an old store): the object was verified in full on recovery
                want = file_sha256(src)
            try:
                if dst.is_file() and not dst.is_symlink() and file_sha256(dst) == want:
                    continue
            except OSError:
                pass
            if self._guard(lambda src=src, dst=dst, want=want: _copy_verified(src, dst, want), dst):
                written.append(str(dst))
                self.reporter.published(str(dst))
        return written

    def _manifest(self, video: str, objects: dict[str, str], result: Callable[[str], dict]) -> list[str]:
        manifest = build_manifest(self.plan, video, objects, result, self.costs)
        written = (
            self._text(self.out_dirs[video] / f"{video}.credits.txt", credits_text(video, manifest["credits"]))
            if manifest.get("credits")
            else []
        )
        return written + self._text(self.out_dirs[video] / f"{video}.json", canonical_json(manifest, indent=2))

    def _text(self, dst: Path, text: str) -> list[str]:
        try:
            if dst.is_file() and not dst.is_symlink() and dst.read_text(encoding="utf-8") == text:
                return []
        except (OSError, UnicodeDecodeError):
            pass
        if not self._guard(lambda: write_text(dst, text), dst):
            return []
        self.reporter.published(str(dst))
        return [str(dst)]

    def _guard(self, action: Callable[[], None], dst: Path) -> bool:
        """Run one write; on failure record one line (the build goes on rendering) and say False."""
        try:
            action()
            return True
        except DamagedObject as exc:
            line = str(exc)
        except OSError as exc:
            line = (
                f"cannot write {dst}: {exc.strerror or exc}. Every rendered file is safe in the work folder; "
                f"make {dst.parent} writable (or pass --out DIR) and run `vidc build` again: it will only publish."
            )
        if line not in self.errors:
            self.errors.append(line)
            self.reporter.message(f"vidc: error: {line}")
        return False


class DamagedObject(Exception):
    pass


def _copy_verified(src: Path, dst: Path, sha256: str) -> None:
    """Copy src to dst atomically; the copy must hash to `sha256` before it takes its name."""
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)
        if file_sha256(tmp) != sha256:
            raise DamagedObject(
                f"the stored copy of {dst.name} ({src.parent}) is damaged, so it was not published; "
                f"run `vidc build` again: it renders it again (or `vidc verify --repair`)"
            )


def build_manifest(plan: Plan, video: str, objects: dict[str, str], result: Callable[[str], dict], costs=None) -> dict:
    vp = next(v for v in plan.videos if v.name == video)
    tasks = {t.id: t for t in plan.tasks if t.video == video}
    scenes, ends, start_frames = _timeline(vp, tasks, video, result)
    backends = _backends(tasks, objects, result)
    export = result(ids.export(video))
    files = {"video": f"{video}.mp4"}
    if ids.captions(video) in tasks:
        files.update(srt=f"{video}.srt", vtt=f"{video}.vtt")
    manifest = {
        "vidc_manifest": 1,
        "name": video,
        "preset": vp.preset,
        "width": vp.width,
        "height": vp.height,
        "fps": vp.fps,
        "duration_ms": start_frames * 1000 // vp.fps,
        "frames": start_frames,
        "files": files,
        "video_sha256": export.get("sha256"),
        "scenes": scenes,
        **ends,
        "music": result(ids.music(video)),
        "audio": {k: v for k, v in result(ids.mix(video)).items() if k != "engine"},
        "backends": dict(sorted(backends.items())),
        "fingerprints": {tid: tasks[tid].fingerprint for tid in sorted(tasks)},
        "spec_fingerprint": plan.spec_fingerprint,
    }
    if credits := stock_credits(tasks):  # only a video with stock footage has these keys
        manifest["credits"] = credits
        if relevance := relevance_summary(tasks):
            manifest["relevance"] = relevance
    if fallbacks := stock_fallbacks(tasks):
        manifest["stock_fallbacks"] = fallbacks
    if costs is not None:
        from .budget import cost_section

        manifest["cost"] = cost_section(costs, plan, video, objects, result)
    return manifest


def _timeline(
    vp: VideoPlan, tasks: dict[str, Task], video: str, result: Callable[[str], dict]
) -> tuple[list, dict, int]:
    """The video's scenes and bookends (intro, outro) in order, with their frames and times; the total frames."""
    scenes, start_frames, ends = [], 0, {}

    def bookend(end: str, tid: str) -> None:
        nonlocal start_frames
        if tid not in tasks:
            return
        t = tasks[tid]
        frames = int(t.params["frames"])
        shows_asset = "asset" in t.params  # an image or clip; else a title card (its measured lines)
        ends[end] = {
            "kind": "asset" if shows_asset else "title",
            "frames": frames,
            "start_ms": start_frames * 1000 // vp.fps,
            "duration_ms": frames * 1000 // vp.fps,
            **({"asset": t.params["asset"]} if shows_asset else {"title": t.params["lines"]}),
        }
        start_frames += frames

    bookend("intro", ids.intro(video))
    export_task = tasks.get(ids.export(video))
    joins = {
        int(after) + 1: {"type": kind, "frames_each_side": int(h)}  # the transition into that scene
        for after, kind, h in (export_task.params.get("transitions") if export_task else None) or []
    }
    for info in vp.scenes:
        voice = result(ids.voice(video, info.index))
        frames = frames_for_ms(voice["scene_ms"], vp.fps)
        scenes.append(
            {
                "index": info.index,
                "voiceover_text": info.text,
                "visual_prompt": info.visual_prompt,
                "planned_ms": info.duration_ms,
                "voice_ms": voice["duration_ms"],
                "frames": frames,
                "start_ms": start_frames * 1000 // vp.fps,
                "duration_ms": frames * 1000 // vp.fps,
                **({"silent": True} if voice.get("silent") else {}),
                **({"transition_in": joins[info.index]} if info.index in joins else {}),
                **scene_jobs(tasks, info.index, result),
                **scene_pictures(tasks, video, info.index, result),
            }
        )
        start_frames += frames
    bookend("outro", ids.outro(video))
    return scenes, ends, start_frames


def _backends(tasks: dict[str, Task], objects: dict[str, str], result: Callable[[str], dict]) -> dict[str, dict]:
    """Each backend the video used: its version, stage and the engine its results report."""
    backends: dict[str, dict] = {}
    for t in tasks.values():
        entry = backends.setdefault(t.backend, {"version": t.backend_version, "stage": t.stage})
        engine = result(t.id).get("engine") if t.id in objects else None
        if engine:
            entry["engine"] = engine
    return backends
