"""The built-in music library's catalogue: what each track is (TrackInfo), how long its recipe plays, and
where it loops."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from . import synth as S
from .music_recipes import RECIPES
from .music_theory import section_plan

SYNTH_VERSION = 1  # (adding a track keeps the others' bytes: no bump)
SOURCE = f"vidc built-in synthesiser v{SYNTH_VERSION}"
SR = S.SR
PEAK_DBFS = -6.0
MIN_MUSIC_S = 112.0  # music before the final chord; + the final bar and tail => > 115 s
TAIL_S = 4.0


@dataclass(frozen=True)
class TrackInfo:
    """One track of a music catalogue (the built-in one or a user folder's `vidc-music.json`)."""

    id: str
    title: str
    moods: tuple[str, ...]
    bpm: float | None
    duration_s: float
    key: str | None = None
    licence: str = "CC0-1.0"
    source: str = SOURCE
    path: str | None = None  # user libraries: the file, relative to the library folder
    loudness_lufs: float | None = None
    sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["moods"] = list(self.moods)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrackInfo:
        known = {f for f in cls.__dataclass_fields__}
        kw = {k: v for k, v in d.items() if k in known}
        kw["moods"] = tuple(str(m).strip().lower() for m in (kw.get("moods") or ()) if str(m).strip())
        if kw.get("bpm") is not None:
            kw["bpm"] = float(kw["bpm"])
        kw["duration_s"] = float(kw.get("duration_s") or 0.0)
        kw.setdefault("title", kw.get("id", ""))
        if "licence" not in d and "license" in d:
            kw["licence"] = d["license"]
        return cls(**kw)


def total_bars(bpm: float) -> tuple[int, int]:
    """(phrases of 4 bars, total bars including the final chord bar)."""
    bar_s = 240.0 / bpm
    phrases = math.ceil(MIN_MUSIC_S / (4 * bar_s))
    return phrases, phrases * 4 + 1


def total_samples(bpm: float) -> int:
    _, bars = total_bars(bpm)
    return int(math.ceil((bars * 240.0 / bpm + TAIL_S) * SR))


CATALOG: list[TrackInfo] = [
    TrackInfo(
        id=r.id,
        title=r.title,
        moods=r.moods,
        bpm=float(r.bpm),
        duration_s=round(total_samples(r.bpm) / SR, 3),
        key=r.key,
    )
    for r in RECIPES
]
RECIPE_BY_ID = {r.id: r for r in RECIPES}


def get_track(track_id: str) -> TrackInfo:
    for t in CATALOG:
        if t.id == track_id:
            return t
    raise KeyError(f"no built-in music track {track_id!r}; known: {', '.join(t.id for t in CATALOG)}")


def loop_region(track_id: str) -> tuple[int, int, int]:
    """(loop start, loop end, crossfade) in samples of a built-in track: from the first bar of its
    first main section to the first bar of its outro, a whole number of 4-bar phrases (so the
    chord progression carries on across the join), crossfaded over one beat. Looping it keeps
    the intro at the start and the track's own ending at the end."""
    recipe = RECIPE_BY_ID[get_track(track_id).id]
    phrases, _ = total_bars(recipe.bpm)
    bar_s = 240.0 / recipe.bpm
    sections = section_plan(phrases, 4 * bar_s)
    first_main = next(i for i, sec in enumerate(sections) if sec.startswith("main"))
    outro = next(i for i, sec in enumerate(sections) if sec == "outro")

    def to_samples(phrase: int) -> int:
        return int(round(phrase * 4 * bar_s * SR))

    return to_samples(first_main), to_samples(outro), int(round(60.0 / recipe.bpm * SR))
