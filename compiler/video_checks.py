"""Plan-time checks of one lowered video: its title cards fit (E_TITLE_FIT), its assets are readable
and not cropped hard (E_ASSET_UNREADABLE, W_CROP), its speech fills its scenes (W_SPARSE), and a
device of the hardware profile can run its GPU tasks (E_NO_DEVICE)."""

from __future__ import annotations

from collections.abc import Callable

from vidc.schemas.hardware import Hardware
from vidc.schemas.spec import Scene

from .bookends import title_card_layout
from .diagnostics import Diagnostic
from .drafts import Draft
from .frame import export_settings
from .frontend import LoadedVideo
from .pacing import estimated_voice_ms, is_silent
from .place import eligible
from .textfit import FontSource


def check_bookends(video: LoadedVideo, fonts: FontSource | None) -> list[Diagnostic]:
    """E_TITLE_FIT: an intro/outro title card whose text does not fit the safe area even at the
    smallest size (the layout would cut it)."""
    spec, out = video.spec, []
    p = export_settings(spec)
    for end in ("intro", "outro"):
        be = getattr(spec, end)
        if be is None or be.title is None:
            continue
        if not be.title.strip():
            out.append(
                video.diagnostic(
                    (end, "title"),
                    "E_INVALID",
                    f"the {end}'s title is empty",
                    "write the title card's text, or show an image or clip with `asset:`",
                )
            )
            continue
        card = title_card_layout(spec, end, p, fonts)
        if card["truncated"]:
            out.append(
                video.diagnostic(
                    (end, "title"),
                    "E_TITLE_FIT",
                    f"the {end}'s title card does not fit the `{spec.export.preset}` frame's safe area "
                    f"({card['box_w']}x{card['box_h']} px of {p['width']}x{p['height']}) even at the smallest size",
                    "shorten the title or the subtitle (lines break at spaces)",
                )
            )
    return out


CROP_LIMIT = 0.4  # fit `cover` losing more than this share of an asset's width or height is a warning


def crop_loss(size: tuple[int, int], width: int, height: int) -> tuple[float, str]:
    """The share of the asset fit `cover` cuts off, and along which side ("width" or "height")."""
    w, h = size
    scale = max(width / w, height / h)
    lost_w, lost_h = 1 - width / (w * scale), 1 - height / (h * scale)
    return (lost_w, "width") if lost_w >= lost_h else (lost_h, "height")


def check_assets(
    video: LoadedVideo, scenes: list[Scene] | None, asset_size: Callable[[str], tuple[int, int] | str | None] | None
) -> list[Diagnostic]:
    """E_ASSET_UNREADABLE: an asset the runtime could not read (a corrupt image, a file that is no
    video), found now instead of by a failed encode. W_CROP: fit `cover` cropping more than 40 % of
    an asset (a landscape picture in a vertical frame). An asset of unknown size is not judged."""
    spec = video.spec
    if asset_size is None:
        return []
    p = export_settings(spec)
    items: list[tuple[tuple, str, str]] = []
    if spec.video.engine in ("assets", "wan"):  # wan: a scene's image starts its first chunk
        items += [
            (("script", "scenes", i, "asset"), f"scene {i + 1}", s.asset) for i, s in enumerate(scenes or []) if s.asset
        ]
    items += [
        ((end, "asset"), f"the {end}", getattr(spec, end).asset)
        for end in ("intro", "outro")
        if getattr(spec, end) is not None and getattr(spec, end).asset
    ]
    cover = spec.video.fit == "cover"
    out = []
    for path, who, asset in items:
        size = asset_size(asset)
        if isinstance(size, str):
            out.append(
                video.diagnostic(
                    path,
                    "E_ASSET_UNREADABLE",
                    f"{who}: `{asset}` is {size}",
                    "replace the file, or point `asset:` at an image or a clip",
                )
            )
            continue
        if not size or min(size) <= 0:
            continue
        lost, side = crop_loss(size, p["width"], p["height"])
        if cover and lost > CROP_LIMIT and (spec.video.engine == "assets" or path[0] in ("intro", "outro")):
            out.append(
                video.diagnostic(
                    path,
                    "W_CROP",
                    f"{who}: `{asset}` ({size[0]}x{size[1]}) loses {round(100 * lost)} % of its {side} "
                    f"to fit `cover` in the {p['width']}x{p['height']} `{spec.export.preset}` frame",
                    "use `video: {fit: blur}` (whole, over a blurred copy) or `fit: contain`, or crop the asset to the "
                    "frame's shape",
                    severity="warning",
                )
            )
    return out


SPARSE = 0.6  # speech filling less of a scene than this is a warning


def check_sparse(video: LoadedVideo, scenes: list[Scene] | None) -> list[Diagnostic]:
    """W_SPARSE: a scene whose speech (at the voice's measured rate) fills under 60 % of it."""
    spec, out = video.spec, []
    for i, scene in enumerate(scenes or []):
        if scene.duration_seconds == "auto" or spec.script.scenes is None or is_silent(scene):
            continue
        speech_s = estimated_voice_ms(scene, spec) / 1000
        if speech_s < SPARSE * scene.duration_seconds:
            line, col = video.locate(("script", "scenes", i, "duration_seconds"))
            out.append(
                Diagnostic(
                    file=video.file,
                    line=line,
                    col=col,
                    code="W_SPARSE",
                    severity="warning",
                    message=f"scene {i + 1}'s speech lasts about {speech_s:.1f} s at {spec.voice.wpm * spec.voice.speed:g} "
                    f"words per minute, {round(100 * speech_s / scene.duration_seconds)} % of its "
                    f"{scene.duration_seconds:g} s: the rest is music alone",
                    hint="write more, shorten the scene, or use `duration_seconds: auto` (the measured speech plus "
                    "voice.pause_seconds)",
                )
            )
    return out


def check_devices(video: LoadedVideo, drafts: list[Draft], lanes, hw: Hardware) -> list[Diagnostic]:
    need = next((d for d in drafts if d.requires["kind"] == "device"), None)
    if need is None or eligible(need, lanes, hw):
        return []
    line, col = video.locate(("video", "model"))
    gpus = [d for d in hw.devices if d.kind == "cuda"]
    largest = max(gpus, key=lambda d: d.vram_gb, default=None)
    where = (
        f"the largest device is {largest.id} ({largest.name or 'GPU'}, {largest.vram_gb:g} GB)"
        if largest
        else f"the hardware profile `{hw.name}` has no GPU"
    )
    offload = video.spec.video.offload
    what = f"`{video.spec.video.model}` with offload `{offload}`"
    hint = (
        "use `offload: model` or `offload: sequential`, a smaller model, or `--hardware` with a bigger GPU"
        " (a profile may also declare a CPU device to run wan slowly)"
    )
    if need.backend == "image":  # a local text-to-image model (without one, E_MISSING says so)
        if not need.params.get("model"):
            return []
        line, col = video.locate(("video", "image", "model"))
        what = f"text-to-image model `{need.params['model']}`"
        hint = "use an image server (video.image.base_url), a smaller model, or `--hardware` with a bigger GPU"
    return [
        Diagnostic(
            file=video.file,
            line=line,
            col=col,
            code="E_NO_DEVICE",
            source_line=video.source_line(line),
            message=f"{what} needs {need.requires['vram_gb']:g} GB of VRAM; {where}",
            hint=hint,
        )
    ]
