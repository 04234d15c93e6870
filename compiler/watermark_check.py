"""Plan-time rules for `export.watermark.file`, the same as for assets: the path stays in the project
(E_PATH_ESCAPE, checked with the spec's other paths), the file is an image the runtime can read
(E_ASSET_UNREADABLE: a folder, a FIFO, a corrupt file), and it is no larger than a logo needs, so a
20000x20000 picture is refused from its header before anything decodes it. Its content digest is in
the video tasks' fingerprints (digests.attach_digests), so a changed logo renders again."""

from __future__ import annotations

from collections.abc import Callable

from .diagnostics import Diagnostic
from .frontend import LoadedVideo

MAX_SIDE = 8192  # pixels: a logo is scaled to at most half the frame's shorter side
MAX_PIXELS = 16_777_216


def check_watermark(
    video: LoadedVideo, size_of: Callable[[str], tuple[int, int] | str | None] | None
) -> list[Diagnostic]:
    wm = video.spec.export.watermark
    if wm is None or size_of is None:
        return []
    path = ("export", "watermark", "file")
    size = size_of(wm.file)
    if isinstance(size, str):
        return [
            video.diagnostic(
                path,
                "E_ASSET_UNREADABLE",
                f"the watermark `{wm.file}` is {size}",
                "point `export.watermark.file` at a PNG or JPEG logo in the project",
            )
        ]
    if size and (max(size) > MAX_SIDE or size[0] * size[1] > MAX_PIXELS):
        return [
            video.diagnostic(
                path,
                "E_ASSET_UNREADABLE",
                f"the watermark `{wm.file}` is {size[0]}x{size[1]} pixels; a watermark is at most "
                f"{MAX_SIDE} pixels a side and {MAX_PIXELS} pixels in all",
                "scale the logo down (a few hundred pixels wide is plenty)",
            )
        ]
    return []
