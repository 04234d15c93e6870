"""Stock footage at plan time, pure: a scene's search terms, the frame's orientation, which engine
draws each scene (a scene may choose its own source), and the stock lock read beside the spec.

The providers are never asked here: a scene whose pick is in the lock is lowered to that exact
file; a scene without one is planned as a search that `vidc build` runs (and locks) before it
executes the plan, the way an LLM script is written and locked before the rest is planned."""

from __future__ import annotations

import posixpath
import re

from vidc.schemas.spec import Scene, VideoSpec
from vidc.schemas.stock import StockLock, parse_lock

from .diagnostics import Diagnostic
from .frontend import LoadedVideo, SourceFiles

MAX_KEYWORDS = 4
# Words that say nothing about what a picture shows.
_STOP = frozenset(
    """a an the and or but of in on at to for with from by as into onto over under about above below
    is are was were be been being this that these those it its their there here very more most some any
    each every all no not our your his her my we you they he she them us shot shots scene view footage
    video image picture close closeup up wide angle camera depth field shallow soft light lighting
    style cinematic""".split()
)


def keywords(text: str, limit: int = MAX_KEYWORDS) -> str:
    """Search terms from a prompt, deterministically: its first `limit` distinct words that are not
    stop words nor shorter than three letters, lower case, in order."""
    seen: list[str] = []
    for word in re.findall(r"[a-z0-9]+", text.lower().replace("'s ", " ")):
        if len(word) >= 3 and word not in _STOP and not word.isdigit() and word not in seen:
            seen.append(word)
        if len(seen) == limit:
            break
    return " ".join(seen)


def scene_query(scene: Scene) -> str:
    """The scene's own `video.stock_query`, else its `stock_query`, else keywords of its visual
    prompt (or of what it says), else a neutral background."""
    own = scene.video.stock_query if scene.video is not None else None
    given = own or scene.stock_query
    if given and given.strip():
        return " ".join(given.split())
    return keywords(scene.visual_prompt) or keywords(scene.voiceover_text) or "abstract background"


def orientation(width: int, height: int) -> str:
    return "landscape" if width > height else "portrait" if height > width else "square"


def scene_engine(spec: VideoSpec, scene: Scene) -> str:
    """The engine that draws this scene: its own `video.engine`; else `assets` when it names an
    asset and the video's engine draws none of its own (the storyboard, stock); else video.engine."""
    if scene.video is not None:
        return scene.video.engine
    if scene.asset and spec.video.engine in ("animatic", "stock"):
        return "assets"
    return spec.video.engine


def scene_spec(spec: VideoSpec, scene: Scene) -> VideoSpec:
    """The spec a scene is lowered with: the video's own, with the scene's engine when it differs
    (every engine is lowered by the same dispatch, whichever level chose it)."""
    engine = scene_engine(spec, scene)
    if engine == spec.video.engine:
        return spec
    return spec.model_copy(update={"video": spec.video.model_copy(update={"engine": engine})})


def uses_stock(spec: VideoSpec, scenes: list[Scene] | None) -> bool:
    return any(scene_engine(spec, s) == "stock" for s in scenes or [])


def lock_path(spec_name: str) -> str:
    """SPECNAME.stock.json beside the spec: one file for all the spec's videos."""
    stem = posixpath.basename(spec_name).rsplit(".", 1)[0]
    return posixpath.join(posixpath.dirname(spec_name), f"{stem}.stock.json")


def read_stock_lock(src: SourceFiles) -> tuple[StockLock | None, list[Diagnostic]]:
    """The stock lock beside the spec (None when there is none yet), or a diagnostic when it cannot be read."""
    path = lock_path(src.spec_name)
    if not src.exists(path):
        return None, []
    try:
        return parse_lock(src.read(path)), []
    except (OSError, ValueError) as exc:
        return None, [
            Diagnostic(
                file=path,
                line=1,
                col=1,
                code="E_STOCK_LOCK",
                message=f"the stock lock cannot be read: {exc}",
                hint=f"delete it or run `vidc stock repick {src.spec_name} --all` to write it again",
            )
        ]


def stock_warnings(video: LoadedVideo, scenes: list[Scene] | None, lock: StockLock | None) -> list[Diagnostic]:
    """W_STOCK_FALLBACK for each stock scene the lock says nothing fitted (it shows the storyboard
    card), W_RELEVANCE for each locked clip that scored under `video.relevance.min_score`."""
    out = []
    relevance = video.spec.video.relevance
    for i, scene in enumerate(scenes or [], start=1):
        pick = lock.pick(video.spec.name, i) if lock is not None else None
        if scene_engine(video.spec, scene) != "stock" or pick is None or pick.query != scene_query(scene):
            continue  # no pick yet, or the query changed: the scene searches again
        path = ("script", "scenes", i - 1, "video", "engine") if scene.video else ("video", "engine")
        if relevance is not None and pick.score is not None and pick.score < relevance.min_score:
            out.append(
                video.diagnostic(
                    ("video", "relevance", "min_score"),
                    "W_RELEVANCE",
                    f"scene {i} of {video.spec.name}: its clip scores {pick.score:.3f} against the visual prompt, "
                    f"under min_score {relevance.min_score}",
                    f"give the scene a sharper `stock_query`, then `vidc stock repick SPEC --scene {i}`",
                    severity="warning",
                )
            )
        if pick.fallback:
            out.append(
                video.diagnostic(
                    path,
                    "W_STOCK_FALLBACK",
                    f"no stock footage fitted scene {i} of {video.spec.name} ({pick.query!r}): it shows the storyboard card",
                    f"give the scene another `stock_query`, or `vidc stock repick SPEC --scene {i}`",
                    severity="warning",
                )
            )
    return out
