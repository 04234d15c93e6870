"""Lowering the script and the voice: the script task (inline or LLM), and one voice task per
scene (a `silence` task for a scene without narration), with the normalised text it will say."""

from __future__ import annotations

from typing import Any

from vidc.schemas import ids
from vidc.schemas.catalog import Catalog
from vidc.schemas.spec import Scene, VideoSpec

from .costs import CostModel
from .drafts import Draft
from .pacing import min_scene_ms, spoken

_SCENE_KEYS_WHEN_SET = (
    "clip_mode",
    "transition",
    "stock_query",
    "video",
)  # keys added after v1's first plans: dumped only when given


def scene_dump(scene: Scene) -> dict[str, Any]:
    out = scene.model_dump(mode="json")
    for key in _SCENE_KEYS_WHEN_SET:
        if out.get(key) is None:
            out.pop(key, None)
    return out


def script_task(spec: VideoSpec, scenes: list[Scene] | None, costs: CostModel) -> Draft:
    s = spec.script
    if s.brief is None:
        params: dict[str, Any] = {"scenes": [scene_dump(sc) for sc in scenes or []]}
        return Draft(
            id=ids.script(spec.name),
            video=spec.name,
            stage="script",
            kind="script",
            backend="inline-script",
            params=params,
            est_ms=costs.get("script_inline_ms"),
        )
    assert s.llm is not None
    params = {
        "brief": s.brief,
        "scene_count": s.scene_count,
        "provider": s.llm.provider,
        "model": s.llm.model,
        "locked": scenes is not None,
        "scenes": [scene_dump(sc) for sc in scenes] if scenes is not None else None,
    }
    return Draft(
        id=ids.script(spec.name),
        video=spec.name,
        stage="script",
        kind="script",
        backend="llm-script",
        params=params,
        est_ms=costs.get("script_inline_ms" if scenes is not None else "script_llm_ms"),
    )


def voice_task(
    spec: VideoSpec,
    scene: Scene,
    i: int,
    voice_id: str,
    costs: CostModel,
    catalog: Catalog | None,
    lexicon: dict[str, str] | None = None,
    floor_ms: int = 0,
) -> Draft:
    """`floor_ms`: the least an `auto` scene may last (what its transitions need)."""
    vo = spec.voice
    entry = catalog.backends.get(vo.engine) if catalog is not None else None
    said = spoken(spec, scene.voiceover_text, lexicon)
    extra = {} if said is None else {"spoken": said.text, "spoken_counts": said.counts}
    return Draft(
        id=voice_id,
        video=spec.name,
        stage="voice",
        kind="voice",
        backend=vo.engine,
        where={
            "text": ("script", "scenes", i - 1, "voiceover_text"),
            **{k: ("voice", k) for k in ("voice", "speed", "language", "model")},
            "": ("voice",),
        },
        params={
            "text": scene.voiceover_text,
            "voice": vo.voice or (entry.default_voice if entry else None),
            "speed": vo.speed,
            "language": vo.language,
            "model": vo.model,
            "scene": i,
            "min_scene_ms": max(min_scene_ms(scene), floor_ms),
            "pause_ms": int(vo.pause_seconds * 1000),
            "max_scene_ms": int(spec.script.scene_seconds[1] * 1000),
            **extra,
        },
        est_ms=costs.voice_ms(vo.engine, len(scene.voiceover_text.split())),
    )


def silence_task(spec: VideoSpec, scene: Scene, i: int, voice_id: str) -> Draft:
    """A silent scene's voice: no engine call, a result with the scene's length like any voice's."""
    return Draft(
        id=voice_id,
        video=spec.name,
        stage="voice",
        kind="voice",
        backend="silence",
        params={"scene": i, "scene_ms": min_scene_ms(scene)},
        where={"scene_ms": ("script", "scenes", i - 1, "duration_seconds"), "": ("script", "scenes", i - 1)},
        est_ms=50,
    )
