"""`vidc export-timeline VIDEO -o video.otio`: hand a built video to an editor (Resolve, Premiere,
Final Cut) as an OpenTimelineIO timeline of the pieces it was made from, at the manifest's times:

    V1 "Scenes"    one clip per scene: the scene's encoded segment (frames, contiguous)
    V2 "Captions"  one generator clip per caption cue, its text in `metadata.vidc.text`
    A1 "Voice"     one clip per scene's voice WAV, placed at the mix's sample-exact start
    A2 "Music"     the music bed, trimmed to the video, with its duck, volume and fade in metadata

The media is copied beside the timeline (`video.media/`) unless `--no-copy` references the work
folder's store. `.otio` is written natively; `.fcpxml` and `.edl` go through OpenTimelineIO's
adapters (`otio-fcpx-xml-adapter`, `otio-cmx3600-adapter`) when installed; an EDL holds the scene
track only (CMX 3600 has one video track)."""

from __future__ import annotations

import sys
import wave
from pathlib import Path
from typing import Any

from vidc.schemas import ids

from .export_inputs import ExportError, _manifest_path, _objects, _read_manifest, _work_folder

SUFFIX_ADAPTERS = {".otio": "otio_json", ".fcpxml": "fcpx_xml", ".edl": "cmx_3600"}


def register(sub) -> None:
    p = sub.add_parser(
        "export-timeline", help="write an editor's timeline (OpenTimelineIO; FCPXML, EDL) of a built video"
    )
    p.add_argument("video", help="the video's manifest (build/NAME.json), its MP4, or its name (with --spec)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="NAME.otio, NAME.fcpxml or NAME.edl")
    p.add_argument("--spec", default=".", help="with a video name: the project spec or folder (default: .)")
    p.add_argument(
        "--project", metavar="DIR", help="the project folder holding .vidc/ (default: found above the manifest)"
    )
    p.add_argument(
        "--no-copy", action="store_true", help="reference the media in the work folder's store instead of copying it"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        import opentimelineio  # noqa: F401
    except ImportError:
        print("vidc: error: export-timeline needs OpenTimelineIO: pip install 'vidc[otio]'", file=sys.stderr)
        return 2
    from ..state.confine import no_link_out
    from ..state.faults import StateFault

    try:
        out = Path(args.output)
        check_output(out, copy=not args.no_copy)  # a refused -o fails before any media is copied
        manifest_path = _manifest_path(args.video, args.spec)
        work = _work_folder(manifest_path, args.project)
        no_link_out(work.parent, out, "timeline")  # inside the project, never through a link out of it
        try:
            timeline = build_timeline(
                _read_manifest(manifest_path),
                manifest_path.parent,
                work,
                None if args.no_copy else out.with_suffix(".media"),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:  # a manifest missing a field: one line
            why = " ".join(str(exc).split())[:200]
            raise ExportError(
                f"{manifest_path}: not a complete vidc manifest (missing or wrong {why}); build the video again"
            ) from None
        except (wave.Error, EOFError) as exc:  # a stored WAV that is not one (a damaged store)
            raise ExportError(
                f"a stored voice or music WAV is damaged ({exc}): run `vidc verify --repair`, then `vidc build`"
            ) from None
        timeline = write_timeline(timeline, out)
    except ExportError as exc:
        print(f"vidc: error: {exc}", file=sys.stderr)
        return 2
    except StateFault as exc:  # a path the build folder or work folder names that leaves its root
        print(f"vidc: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out}: {clip_counts(timeline)}")
    return 0


def check_output(out: Path, copy: bool = True) -> None:
    """What -o names is writable as asked: a known suffix whose adapter is installed, not a folder or
    a special file, and its media folder (when copying) a real folder, not a link elsewhere."""
    import opentimelineio as otio

    from ..state.confine import real_folder

    adapter = SUFFIX_ADAPTERS.get(out.suffix.lower())
    if adapter is None:
        raise ExportError(f"{out}: write .otio, .fcpxml or .edl")
    if adapter not in otio.adapters.available_adapter_names():
        package = {"fcpx_xml": "otio-fcpx-xml-adapter", "cmx_3600": "otio-cmx3600-adapter"}[adapter]
        raise ExportError(
            f"{out.suffix} needs OpenTimelineIO's {adapter} adapter: pip install {package} "
            "(or write .otio, which every OpenTimelineIO tool reads)"
        )
    if out.exists() and not out.is_symlink() and not out.is_file():
        raise ExportError(f"{out} exists and is not a regular file; name a timeline file")
    if copy:
        real_folder(out.parent, out.with_suffix(".media"), "media folder")


def _task_file(fps: dict[str, str], objects: dict[str, str], work: Path, task_id: str, name: str) -> Path:
    """A task's output in the store: an object named by a digest, a regular file inside it."""
    from ..state.confine import confined
    from ..state.store import DIGEST

    fp = fps.get(task_id) if isinstance(fps, dict) else None
    obj = objects.get(fp or "")
    path = confined(work / "store" / "objects", f"{obj}/{name}", "store file") if obj and DIGEST.match(obj) else None
    if path is None or not path.is_file():
        raise ExportError(f"the output of {task_id} ({name}) is not in the work folder's store: run `vidc build` again")
    return path


def build_timeline(m: dict[str, Any], out_dir: Path, work: Path, media_dir: Path | None):
    import opentimelineio as otio

    t = _Tracks(m, work, media_dir)
    srt_path = _captions_file(m, out_dir)
    timeline = otio.schema.Timeline(name=t.name, global_start_time=t.frames(0))
    timeline.metadata["vidc"] = {
        "manifest": m.get("vidc_manifest"),
        "spec_fingerprint": m.get("spec_fingerprint"),
        "video_sha256": m.get("video_sha256"),
        "width": m.get("width"),
        "height": m.get("height"),
        "fps": t.fps,
        "preset": m.get("preset"),
    }
    for track in (t.scenes(), t.captions(srt_path), t.voice(), t.music()):
        timeline.tracks.append(track)
    if media_dir is not None and srt_path is not None:
        t.place(srt_path, srt_path.name)
    return timeline


class _Tracks:
    """The timeline's four tracks, from the manifest `m` and the work folder's store; each file a
    track names is placed in `media_dir` (copied), or referenced in the store when it is None."""

    def __init__(self, m: dict[str, Any], work: Path, media_dir: Path | None) -> None:
        import opentimelineio as otio

        self.otio, self.m, self.work, self.media_dir = otio, m, work, media_dir
        self.name, self.fps = m["name"], int(m["fps"])
        self.fingerprints, self.objects = m.get("fingerprints") or {}, _objects(work)

    def file(self, task: str, name: str) -> Path:
        return _task_file(self.fingerprints, self.objects, self.work, task, name)

    def place(self, src: Path, as_name: str) -> str:
        from ..state.atomic import copy_file
        from ..state.store import file_sha256

        if self.media_dir is None:
            return src.resolve().as_uri()
        dst = self.media_dir / Path(as_name).name  # a plain name inside the media folder, never a path
        if dst.is_symlink() or not dst.is_file() or file_sha256(dst) != file_sha256(src):
            copy_file(src, dst)  # atomic: replaces a stale file (or a link) by name, never writes through it
        return dst.resolve().as_uri()

    def frames(self, n: int) -> Any:
        return self.otio.opentime.RationalTime(n, self.fps)

    def _segment(self, task: str, as_name: str, n_frames: int, clip_name: str, meta: dict[str, Any]) -> Any:
        otio, frames = self.otio, self.frames
        seg = self.file(task, "segment.mp4")
        ref = otio.schema.ExternalReference(
            target_url=self.place(seg, as_name), available_range=otio.opentime.TimeRange(frames(0), frames(n_frames))
        )
        clip = otio.schema.Clip(
            name=clip_name, media_reference=ref, source_range=otio.opentime.TimeRange(frames(0), frames(n_frames))
        )
        clip.metadata["vidc"] = meta
        return clip

    def scenes(self) -> Any:
        """V1: the intro, each scene's encoded segment, the outro (where the manifest has them)."""
        m, name = self.m, self.name
        track = self.otio.schema.Track(name="Scenes", kind=self.otio.schema.TrackKind.Video)
        self._bookend(track, "intro")
        for s in m["scenes"]:
            i = s["index"]
            seg_task = ids.assemble(name, i) if ids.assemble(name, i) in self.fingerprints else ids.clip(name, i)
            track.append(
                self._segment(
                    seg_task,
                    f"scene-{i:02d}.mp4",
                    s["frames"],
                    f"scene-{i:02d}",
                    {
                        "scene": i,
                        "task": seg_task,
                        "voiceover_text": s["voiceover_text"],
                        "visual_prompt": s["visual_prompt"],
                        "start_ms": s["start_ms"],
                        "duration_ms": s["duration_ms"],
                    },
                )
            )
        self._bookend(track, "outro")
        return track

    def _bookend(self, track: Any, end: str) -> None:
        """The intro/outro segment (silent; the music plays under it), where the manifest has one."""
        b = self.m.get(end)
        if not b:
            return
        task = ids.intro(self.name) if end == "intro" else ids.outro(self.name)
        track.append(self._segment(task, f"{end}.mp4", b["frames"], end, {"task": task, **b}))

    def captions(self, srt_path: Path | None) -> Any:
        """V2: one generator clip per caption cue, gaps between them."""
        from ..review.data import parse_srt
        from ..state.confine import read_text

        otio, frames, fps = self.otio, self.frames, self.fps
        track = otio.schema.Track(name="Captions", kind=otio.schema.TrackKind.Video)
        if srt_path is None:
            return track
        at = 0
        for n, cue in enumerate(parse_srt(read_text(srt_path, what="captions file")), start=1):
            start, end = _ms_frames(cue.start_ms, fps), _ms_frames(cue.end_ms, fps)
            start = max(start, at)
            if end <= start:
                continue
            if start > at:
                track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(frames(0), frames(start - at))))
            ref = otio.schema.GeneratorReference(
                name="caption", generator_kind="vidc.caption", parameters={"text": cue.text}
            )
            clip = otio.schema.Clip(
                name=cue.text.replace("\n", " "),
                media_reference=ref,
                source_range=otio.opentime.TimeRange(frames(0), frames(end - start)),
            )
            clip.metadata["vidc"] = {"cue": n, "text": cue.text, "start_ms": cue.start_ms, "end_ms": cue.end_ms}
            track.append(clip)
            at = end
        return track

    def voice(self) -> Any:
        """A1: each scene's voice WAV at the mix's sample-exact start (a silent scene has none)."""
        from ..media.wav import wav_info

        otio, m = self.otio, self.m
        track = otio.schema.Track(name="Voice", kind=otio.schema.TrackKind.Audio)
        starts = (m.get("audio") or {}).get("voice_starts_samples_44100") or []
        at = 0
        for k, s in enumerate(m["scenes"]):
            i = s["index"]
            wav = self.file(ids.voice(self.name, i), "voice.wav")
            info = wav_info(wav)
            rate = info.sample_rate
            if not info.samples:  # a silent scene says nothing
                continue
            start = starts[k] * rate // 44100 if k < len(starts) else s["start_ms"] * rate // 1000
            if start > at:
                track.append(
                    otio.schema.Gap(
                        source_range=otio.opentime.TimeRange(
                            otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(start - at, rate)
                        )
                    )
                )
            length = otio.opentime.RationalTime(info.samples, rate)
            ref = otio.schema.ExternalReference(
                target_url=self.place(wav, f"voice-{i:02d}.wav"),
                available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), length),
            )
            clip = otio.schema.Clip(
                name=f"voice-{i:02d}",
                media_reference=ref,
                source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), length),
            )
            clip.metadata["vidc"] = {"scene": i, "text": s["voiceover_text"], "voice_ms": s.get("voice_ms")}
            track.append(clip)
            at = start + info.samples
        return track

    def music(self) -> Any:
        """A2: the music bed, trimmed to the video."""
        from ..media.wav import wav_info

        otio, m, name = self.otio, self.m, self.name
        track = otio.schema.Track(name="Music", kind=otio.schema.TrackKind.Audio)
        music = m.get("music") or {}
        if ids.music(name) not in self.fingerprints:
            return track
        bed = self.file(ids.music(name), "music.wav")
        info = wav_info(bed)
        rate = info.sample_rate
        total = min(info.samples, int(m["duration_ms"]) * rate // 1000)
        ref = otio.schema.ExternalReference(
            target_url=self.place(bed, "music.wav"),
            available_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(info.samples, rate)
            ),
        )
        clip = otio.schema.Clip(
            name=str(music.get("title") or music.get("id") or "music"),
            media_reference=ref,
            source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(total, rate)
            ),
        )
        clip.metadata["vidc"] = {
            "licence": music.get("licence"),
            "id": music.get("id"),
            "source": music.get("source"),
            "note": "the published mix ducks this bed under the voice and fades it out",
        }
        track.append(clip)
        return track


def _captions_file(m: dict[str, Any], out_dir: Path) -> Path | None:
    """The manifest's captions (files.srt): confined to the build folder and a regular file."""
    from ..state.confine import Refused, confined_file

    srt = (m.get("files") or {}).get("srt")
    try:
        return confined_file(out_dir, srt, "captions file") if isinstance(srt, str) and srt else None
    except Refused as exc:
        raise ExportError(f"the manifest's files.srt: {exc}") from None


def _ms_frames(ms: int, fps: int) -> int:
    return (ms * fps + 500) // 1000


def write_timeline(timeline, out: Path):
    """Write with the adapter the suffix names; return the timeline as written (an EDL keeps fewer tracks)."""
    import opentimelineio as otio

    from ..state.atomic import write_text

    check_output(out, copy=False)
    adapter = SUFFIX_ADAPTERS[out.suffix.lower()]
    if adapter == "cmx_3600":  # one video track: the scenes
        timeline = _only(timeline, ("Scenes",))
    elif adapter == "fcpx_xml":  # its writer takes media files only (captions travel as the SRT beside),
        timeline = _conform(_only(timeline, ("Scenes", "Voice", "Music")))  # on the video's frame grid
    try:
        text = otio.adapters.write_to_string(timeline, adapter_name=adapter)
    except Exception as exc:
        raise ExportError(f"the {adapter} adapter could not write this timeline: {exc}") from None
    write_text(out, text if text.endswith("\n") else text + "\n")
    return timeline


def _only(timeline, names: tuple[str, ...]):
    import copy

    import opentimelineio as otio

    kept = otio.schema.Timeline(name=timeline.name, global_start_time=timeline.global_start_time)
    kept.metadata.update(copy.deepcopy(dict(timeline.metadata)))
    for track in timeline.tracks:
        if track.name in names:
            kept.tracks.append(copy.deepcopy(track))
    return kept


def _conform(timeline):
    """Audio times in samples -> the nearest video frame (FCPXML places everything on frames)."""
    from opentimelineio.opentime import RationalTime, TimeRange

    fps = int(timeline.metadata["vidc"]["fps"])

    def on_grid(rt):
        return RationalTime(round(rt.rescaled_to(fps).value), fps)

    for track in timeline.tracks:
        for item in track:
            sr = item.source_range
            item.source_range = TimeRange(on_grid(sr.start_time), on_grid(sr.duration))
            ref = getattr(item, "media_reference", None)
            if ref is not None and ref.available_range is not None:
                ref.available_range = TimeRange(
                    on_grid(ref.available_range.start_time), on_grid(ref.available_range.duration)
                )
    return timeline


def clip_counts(timeline) -> str:
    import opentimelineio as otio

    return ", ".join(
        f"{track.name.lower()}: {sum(isinstance(c, otio.schema.Clip) for c in track)} clips"
        for track in timeline.tracks
    )
