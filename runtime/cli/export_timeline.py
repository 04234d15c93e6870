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

import json
import sys
from pathlib import Path
from typing import Any

from vidc.schemas import ids

SUFFIX_ADAPTERS = {".otio": "otio_json", ".fcpxml": "fcpx_xml", ".edl": "cmx_3600"}


class ExportError(Exception):
    pass


def register(sub) -> None:
    p = sub.add_parser("export-timeline", help="write an editor's timeline (OpenTimelineIO; FCPXML, EDL) of a built video")
    p.add_argument("video", help="the video's manifest (build/NAME.json), its MP4, or its name (with --spec)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="NAME.otio, NAME.fcpxml or NAME.edl")
    p.add_argument("--spec", default=".", help="with a video name: the project spec or folder (default: .)")
    p.add_argument("--project", metavar="DIR", help="the project folder holding .vidc/ (default: found above the manifest)")
    p.add_argument("--no-copy", action="store_true", help="reference the media in the work folder's store instead of copying it")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        import opentimelineio  # noqa: F401
    except ImportError:
        print("vidc: error: export-timeline needs OpenTimelineIO: pip install 'vidc[otio]'", file=sys.stderr)
        return 2
    try:
        manifest_path = _manifest_path(args.video, args.spec)
        work = _work_folder(manifest_path, args.project)
        out = Path(args.output)
        timeline = build_timeline(json.loads(manifest_path.read_text(encoding="utf-8")), manifest_path.parent, work,
                                  None if args.no_copy else out.with_suffix(".media"))
        timeline = write_timeline(timeline, out)
    except ExportError as exc:
        print(f"vidc: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}: {clip_counts(timeline)}")
    return 0


def _manifest_path(video: str, spec: str) -> Path:
    path = Path(video)
    if path.suffix == ".json" and path.is_file():
        return path
    if path.suffix == ".mp4" and path.with_suffix(".json").is_file():
        return path.with_suffix(".json")
    if path.exists():
        raise ExportError(f"{video}: expected a video's manifest (NAME.json) or its MP4 with the manifest beside it")
    from vidc.compiler.frontend import load_project, parse_set

    from ..host.sources import SpecNotFound, find_spec, project_sources

    try:
        src, root = project_sources(find_spec(spec))
    except SpecNotFound as exc:
        raise ExportError(f"{video}: not a file, and {exc}") from None
    videos, _ = load_project(src, parse_set([])[0])
    for v in videos:
        if v.spec.name == video:
            candidate = root / v.spec.output / f"{video}.json"
            if candidate.is_file():
                return candidate
            raise ExportError(f"{video} is not built yet ({candidate} is missing): run `vidc build` first")
    raise ExportError(f"no video named {video} in {src.spec_name}; videos: {', '.join(v.spec.name for v in videos)}")


def _work_folder(manifest: Path, project: str | None) -> Path:
    if project:
        work = Path(project) / ".vidc"
        if not (work / "journal.log").is_file():
            raise ExportError(f"{project} has no build state (.vidc/journal.log)")
        return work
    for folder in [manifest.parent.resolve(), *manifest.parent.resolve().parents]:
        if (folder / ".vidc" / "journal.log").is_file():
            return folder / ".vidc"
    raise ExportError(f"cannot find the build's work folder (.vidc/) above {manifest.parent}; pass --project DIR")


def _objects(work: Path) -> dict[str, str]:
    from ..state.journal import Finished, Journal

    return Finished.from_records(Journal(work / "journal.log").replay()).objects


def _task_file(fps: dict[str, str], objects: dict[str, str], work: Path, task_id: str, name: str) -> Path:
    fp = fps.get(task_id)
    obj = objects.get(fp or "")
    path = work / "store" / "objects" / obj / name if obj else None
    if path is None or not path.is_file():
        raise ExportError(f"the output of {task_id} ({name}) is not in the work folder's store: run `vidc build` again")
    return path


def build_timeline(m: dict[str, Any], out_dir: Path, work: Path, media_dir: Path | None):
    import opentimelineio as otio

    from ..media.wav import wav_info
    from ..review.data import parse_srt
    from ..state.atomic import copy_file

    name, fps = m["name"], int(m["fps"])
    fingerprints, objects = m.get("fingerprints") or {}, _objects(work)

    def place(src: Path, as_name: str) -> str:
        if media_dir is None:
            return src.resolve().as_uri()
        dst = media_dir / as_name
        if not (dst.is_file() and dst.stat().st_size == src.stat().st_size):
            copy_file(src, dst)
        return dst.resolve().as_uri()

    def frames(n: int) -> Any:
        return otio.opentime.RationalTime(n, fps)

    timeline = otio.schema.Timeline(name=name, global_start_time=frames(0))
    timeline.metadata["vidc"] = {"manifest": m.get("vidc_manifest"), "spec_fingerprint": m.get("spec_fingerprint"),
                                 "video_sha256": m.get("video_sha256"), "width": m.get("width"), "height": m.get("height"),
                                 "fps": fps, "preset": m.get("preset")}
    scenes_track = otio.schema.Track(name="Scenes", kind=otio.schema.TrackKind.Video)

    def bookend(end: str) -> None:
        """The intro/outro segment (silent; the music plays under it), where the manifest has one."""
        b = m.get(end)
        if not b:
            return
        task = ids.intro(name) if end == "intro" else ids.outro(name)
        seg = _task_file(fingerprints, objects, work, task, "segment.mp4")
        ref = otio.schema.ExternalReference(target_url=place(seg, f"{end}.mp4"),
                                            available_range=otio.opentime.TimeRange(frames(0), frames(b["frames"])))
        clip = otio.schema.Clip(name=end, media_reference=ref,
                                source_range=otio.opentime.TimeRange(frames(0), frames(b["frames"])))
        clip.metadata["vidc"] = {"task": task, **b}
        scenes_track.append(clip)

    bookend("intro")
    for s in m["scenes"]:
        i = s["index"]
        seg_task = ids.assemble(name, i) if ids.assemble(name, i) in fingerprints else ids.clip(name, i)
        seg = _task_file(fingerprints, objects, work, seg_task, "segment.mp4")
        ref = otio.schema.ExternalReference(target_url=place(seg, f"scene-{i:02d}.mp4"),
                                            available_range=otio.opentime.TimeRange(frames(0), frames(s["frames"])))
        clip = otio.schema.Clip(name=f"scene-{i:02d}", media_reference=ref,
                                source_range=otio.opentime.TimeRange(frames(0), frames(s["frames"])))
        clip.metadata["vidc"] = {"scene": i, "task": seg_task, "voiceover_text": s["voiceover_text"],
                                 "visual_prompt": s["visual_prompt"], "start_ms": s["start_ms"], "duration_ms": s["duration_ms"]}
        scenes_track.append(clip)
    bookend("outro")

    captions_track = otio.schema.Track(name="Captions", kind=otio.schema.TrackKind.Video)
    srt = (m.get("files") or {}).get("srt")
    if srt and (out_dir / srt).is_file():
        at = 0
        for n, cue in enumerate(parse_srt((out_dir / srt).read_text(encoding="utf-8")), start=1):
            start, end = _ms_frames(cue.start_ms, fps), _ms_frames(cue.end_ms, fps)
            start = max(start, at)
            if end <= start:
                continue
            if start > at:
                captions_track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(frames(0), frames(start - at))))
            ref = otio.schema.GeneratorReference(name="caption", generator_kind="vidc.caption",
                                                 parameters={"text": cue.text})
            clip = otio.schema.Clip(name=cue.text.replace("\n", " "), media_reference=ref,
                                    source_range=otio.opentime.TimeRange(frames(0), frames(end - start)))
            clip.metadata["vidc"] = {"cue": n, "text": cue.text, "start_ms": cue.start_ms, "end_ms": cue.end_ms}
            captions_track.append(clip)
            at = end

    audio = m.get("audio") or {}
    voice_track = otio.schema.Track(name="Voice", kind=otio.schema.TrackKind.Audio)
    starts = audio.get("voice_starts_samples_44100") or []
    at = 0
    for k, s in enumerate(m["scenes"]):
        i = s["index"]
        wav = _task_file(fingerprints, objects, work, ids.voice(name, i), "voice.wav")
        info = wav_info(wav)
        rate = info.sample_rate
        if not info.samples:  # a silent scene says nothing
            continue
        start = starts[k] * rate // 44100 if k < len(starts) else s["start_ms"] * rate // 1000
        if start > at:
            voice_track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(start - at, rate))))
        length = otio.opentime.RationalTime(info.samples, rate)
        ref = otio.schema.ExternalReference(target_url=place(wav, f"voice-{i:02d}.wav"),
                                            available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), length))
        clip = otio.schema.Clip(name=f"voice-{i:02d}", media_reference=ref,
                                source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), length))
        clip.metadata["vidc"] = {"scene": i, "text": s["voiceover_text"], "voice_ms": s.get("voice_ms")}
        voice_track.append(clip)
        at = start + info.samples

    music_track = otio.schema.Track(name="Music", kind=otio.schema.TrackKind.Audio)
    music = m.get("music") or {}
    if ids.music(name) in fingerprints:
        bed = _task_file(fingerprints, objects, work, ids.music(name), "music.wav")
        info = wav_info(bed)
        rate = info.sample_rate
        total = min(info.samples, int(m["duration_ms"]) * rate // 1000)
        ref = otio.schema.ExternalReference(target_url=place(bed, "music.wav"), available_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(info.samples, rate)))
        clip = otio.schema.Clip(name=str(music.get("title") or music.get("id") or "music"), media_reference=ref,
                                source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate),
                                                                     otio.opentime.RationalTime(total, rate)))
        clip.metadata["vidc"] = {"licence": music.get("licence"), "id": music.get("id"), "source": music.get("source"),
                                 "note": "the published mix ducks this bed under the voice and fades it out"}
        music_track.append(clip)

    for track in (scenes_track, captions_track, voice_track, music_track):
        timeline.tracks.append(track)
    if media_dir is not None and srt and (out_dir / srt).is_file():
        copy_file(out_dir / srt, media_dir / srt)
    return timeline


def _ms_frames(ms: int, fps: int) -> int:
    return (ms * fps + 500) // 1000


def write_timeline(timeline, out: Path):
    """Write with the adapter the suffix names; return the timeline as written (an EDL keeps fewer tracks)."""
    import opentimelineio as otio

    from ..state.atomic import write_text

    adapter = SUFFIX_ADAPTERS.get(out.suffix.lower())
    if adapter is None:
        raise ExportError(f"{out}: write .otio, .fcpxml or .edl")
    if adapter not in otio.adapters.available_adapter_names():
        package = {"fcpx_xml": "otio-fcpx-xml-adapter", "cmx_3600": "otio-cmx3600-adapter"}[adapter]
        raise ExportError(f"{out.suffix} needs OpenTimelineIO's {adapter} adapter: pip install {package} "
                          "(or write .otio, which every OpenTimelineIO tool reads)")
    if adapter == "cmx_3600":  # one video track: the scenes
        timeline = _only(timeline, ("Scenes",))
    elif adapter == "fcpx_xml":  # its writer takes media files only (captions travel as the SRT beside),
        timeline = _conform(_only(timeline, ("Scenes", "Voice", "Music")))  # on the video's frame grid
    try:
        text = otio.adapters.write_to_string(timeline, adapter_name=adapter)
    except Exception as exc:  # noqa: BLE001 - an adapter's own limits, reported in one line
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
                ref.available_range = TimeRange(on_grid(ref.available_range.start_time), on_grid(ref.available_range.duration))
    return timeline


def clip_counts(timeline) -> str:
    import opentimelineio as otio

    return ", ".join(f"{track.name.lower()}: {sum(isinstance(c, otio.schema.Clip) for c in track)} clips"
                     for track in timeline.tracks)
