"""The input contract: a project spec (v1) as pydantic models.

Every model forbids unknown keys so that a typo becomes a diagnostic with a did-you-mean hint.
Defaults make a minimal spec short. Cross-field rules that need positions (scene duration range,
words per minute) live in the compiler, not here, so that they can point at a line.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, WithJsonSchema, model_validator

from .publish import Publish
from .video_server import VideoServerFields

LLM_PROVIDERS = ("anthropic", "openai", "openai-compatible")
SAMPLERS = ("euler", "unipc")
OFFLOAD_MODES = ("none", "model", "sequential")
CONTINUITY = ("cut", "extend")
STEP_CACHES = ("none", "first_block", "taylorseer", "magcache")
CAPTION_MODES = ("burn", "sidecar", "both", "off")
TRANSITIONS = ("cut", "crossfade", "fade")
PRESETS = ("youtube-1080p", "youtube-720p", "shorts", "reels", "tiktok", "square-1080", "draft", "draft-vertical")

Scalar = str | int | float | bool | None

# Words per minute a voice speaks at speed 1.0 when neither the spec (`voice.words_per_minute`) nor
# its engine's catalog entry (a backend's `words_per_minute`, set on the spec by the compiler's
# loader) says: the common planning rate. `vidc calibrate` measures a machine's voice.
COMMON_WPM = 150


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False)


class Transition(_Strict):
    """How one scene gives way to the next, centred on their boundary (half before, half after).
    `video.transition: crossfade` is short for `{type: crossfade}`."""

    type: Literal["cut", "crossfade", "fade"] = Field(
        "cut", description="cut (a join by stream copy), crossfade (a blend of the two scenes), fade (through black)"
    )
    seconds: float = Field(0.5, gt=0, le=5, description="Length, centred on the boundary: half in each scene")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {"type": value} if isinstance(value, str) else value


# The shorthand string is part of the contract: editors should accept `transition: crossfade`.
_TRANSITION_JSON = {
    "anyOf": [
        {"type": "string", "enum": list(TRANSITIONS)},
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "type": {"type": "string", "enum": list(TRANSITIONS), "default": "cut"},
                "seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 5, "default": 0.5},
            },
        },
    ]
}
TransitionField = Annotated[Transition, WithJsonSchema(_TRANSITION_JSON)]


class SceneVideo(_Strict):
    """A scene's own picture source, dispatched by engine name like `video.engine`."""

    engine: str = Field(description="A video engine of the backend catalog (animatic, assets, stock, ...)")
    stock_query: str | None = Field(None, description="stock: what to search for (default: the scene's keywords)")


class Scene(_Strict):
    scene_index: int | None = Field(None, ge=1, description="1-based; implied by order when absent")
    voiceover_text: str = Field(
        "",
        description="What the voice says in this scene; empty or absent: a silent scene "
        "(music alone), which needs a number of `duration_seconds`",
    )
    visual_prompt: str = Field("", description="What the picture shows (a prompt for wan, a note in the animatic)")
    duration_seconds: Annotated[float, Field(gt=0)] | Literal["auto"] = Field(
        description="Planned scene length (the voice may extend it): any number from 1 s up to script.scene_seconds' "
        "maximum, or auto: the measured speech plus voice.pause_seconds"
    )
    asset: str | None = Field(None, description="Image or clip for the assets engine, relative to the spec")
    clip_mode: Literal["hold", "loop", "stretch"] | None = Field(
        None, description="This scene's clip when shorter than the scene (default: video.clip_mode)"
    )
    transition: TransitionField | None = Field(
        None, description="The transition into this scene from the one before (default: video.transition)"
    )
    stock_query: str | None = Field(
        None, description="stock: the search terms (default: keywords taken from visual_prompt)"
    )
    video: SceneVideo | None = Field(None, description="This scene's own picture source (default: video.engine)")


class LLM(_Strict):
    provider: Literal["anthropic", "openai", "openai-compatible"]
    model: str
    base_url: str | None = None
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(4096, ge=256)


class Script(_Strict):
    scenes: list[Scene] | None = None
    brief: str | None = None
    scene_count: int | None = Field(None, ge=1, le=60)
    llm: LLM | None = None
    scene_seconds: tuple[float, float] = Field(
        (8.0, 12.0),
        description="Scene length [min, max]: the range an LLM "
        "writes scenes in; max bounds every scene (a hand-written duration may be "
        "as short as 1 s)",
    )
    lock_file: str | None = Field(
        None, description="Where the generated script is locked; default NAME.script.json beside the spec"
    )

    @model_validator(mode="after")
    def _one_source(self) -> Script:
        if self.scenes is None and self.brief is None:
            raise ValueError("give either `scenes` or `brief` + `scene_count` + `llm`")
        if self.scenes is not None and self.brief is not None:
            raise ValueError("give either `scenes` or `brief`, not both")
        if self.brief is not None and (self.scene_count is None or self.llm is None):
            raise ValueError("a `brief` needs `scene_count` and `llm`")
        if self.scene_seconds[0] > self.scene_seconds[1]:
            raise ValueError("scene_seconds is [min, max] with min <= max")
        return self


class Voice(_Strict):
    engine: str = Field(
        "piper", description="A voice engine of the backend catalog (built in: piper, kokoro, elevenlabs)"
    )
    voice: str | None = Field(None, description="Engine voice: en_US-joe-medium, af_heart, or an ElevenLabs voice id")
    speed: float = Field(1.0, gt=0.25, le=4.0)
    language: str = "en-us"
    words_per_minute: int | None = Field(
        None, ge=60, le=400, description="The voice's speaking rate for planning; default: the engine's measured rate"
    )
    model: str | None = Field(None, description="Engine model, e.g. eleven_turbo_v2_5 or a Kokoro folder")
    pause_seconds: float = Field(
        0.5, ge=0, le=5, description="Silence kept after the voice when it sets the scene length"
    )
    lexicon: dict[str, str] = Field(
        default_factory=dict, description="Word -> how to say it (a respelling), e.g. vidc: vid see"
    )
    lexicon_file: str | None = Field(
        None, description="A YAML/JSON file of word -> respelling, relative to the spec; the spec's lexicon wins"
    )
    _engine_wpm: int | None = PrivateAttr(None)  # the engine's rate, from the backend catalog

    @property
    def wpm(self) -> int:
        """The speaking rate the planner uses: the spec's, else the engine's (from the backend
        catalog), else the common rate."""
        return self.words_per_minute or self._engine_wpm or COMMON_WPM

    def use_engine_rate(self, wpm: int | None) -> None:
        """The engine's words per minute, as its catalog entry declares them (None: not declared)."""
        self._engine_wpm = wpm

    normalise_text: bool = Field(
        True,
        description="Read numbers, currency, dates, units and acronyms as a person would (captions keep the written text)",
    )


def _both_providers() -> list[Literal["pexels", "pixabay"]]:
    return ["pexels", "pixabay"]


class StockOptions(_Strict):
    fallback: Literal["animatic", "error"] = Field(
        "animatic", description="A scene nothing fits: the storyboard card with a warning, or a failed build"
    )


class Relevance(_Strict):
    model: str = Field(description="A CLIP model: a folder, or a hub id already in the local cache")
    min_score: float = Field(0.2, ge=-1, le=1, description="A scene scoring below this is warned about")


class ImageSettings(_Strict):
    """`video.engine: image`: generated pictures with Ken Burns motion. A local diffusers text-to-image
    model (a folder or a cached hub id) on a GPU lane, or, with `base_url`, any server speaking
    `POST /v1/images/generations`."""

    model: str = Field(
        min_length=1,
        description="A diffusers text-to-image folder or cached hub id (e.g. black-forest-labs/FLUX.1-schnell), "
        "or the server's model name",
    )
    base_url: str | None = Field(None, description="A server's OpenAI-style base URL (…/v1): generate there")
    api_key_env: str | None = Field(
        None, pattern=r"^[A-Z_][A-Z0-9_]*$", description="The variable holding the server's key (the name only)"
    )
    seconds_per_picture: float = Field(4.0, ge=1, le=60, description="A new picture every this many seconds")
    size: str | None = Field(
        None,
        pattern=r"^[0-9]{2,5}x[0-9]{2,5}$",
        description="Picture size WxH; default: the frame's aspect ratio, large enough to zoom without upscaling",
    )
    steps: int = Field(4, ge=1, le=200, description="Local models: denoising steps (4 suits distilled models)")
    cfg: float = Field(0.0, ge=0, le=30, description="Local models: guidance scale (0 for distilled models)")
    zoom: float = Field(1.25, ge=1, le=2, description="The tightest crop of a move: the widest / this")
    crossfade_seconds: float = Field(0.75, ge=0, le=3, description="Between one picture and the next")
    price_per_image: float | None = Field(
        None, ge=0, le=100, description="US dollars per picture from a server the price table does not know"
    )
    timeout_s: float = Field(120, gt=0, le=3600, description="A server's answer must come within this")
    retries: int = Field(2, ge=0, le=10, description="Tries after a failed answer (5xx, timeout, not an image)")


class Video(_Strict, VideoServerFields):
    engine: str = Field(
        "animatic",
        description="A video engine of the backend catalog (built in: animatic, assets, stock, image, wan, openai-videos)",
    )
    model: str = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
    resolution: str | None = Field(
        None,
        description="480p | 720p | WxH (multiples of 16; 32 for Wan2.2 TI2V-5B); "
        "default: the model's own (720p for TI2V-5B, else 480p)",
    )
    fps: int | None = Field(None, ge=1, le=60, description="default: the model's own (24 for TI2V-5B, else 16)")
    frames_per_chunk: int | None = Field(
        None, ge=5, le=241, description="4k+1; default: the model's own (121 for TI2V-5B, else 81)"
    )
    steps: int = Field(8, ge=1, le=200)
    sampler: Literal["euler", "unipc"] = "euler"
    cfg: float = Field(3.5, ge=0, le=30)
    seed: int = 0
    negative_prompt: str = ""
    offload: Literal["none", "model", "sequential"] = "none"
    continuity: Literal["cut", "extend"] = "cut"
    fit: Literal["cover", "contain", "blur"] = Field(
        "cover", description="assets: cover (crop to fill), contain (pad with `pad`), blur (pad with a blurred copy)"
    )
    pad: str = Field(
        "black",
        pattern=r"^(#[0-9A-Fa-f]{6}|[a-z]+)$",
        description="Pad colour of assets with fit: contain (a name or #RRGGBB)",
    )
    clip_mode: Literal["hold", "loop", "stretch"] = Field(
        "hold", description="assets: a clip shorter than its scene holds its last frame, loops, or is slowed to fill it"
    )
    cfg_2: float | None = Field(
        None, ge=0, le=30, description="Guidance of the low-noise expert (Wan2.2 A14B); default: cfg"
    )
    boundary_ratio: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="Wan2.2 A14B: the share of the noise schedule the high-noise expert runs; default: the model's",
    )
    cache: Literal["none", "first_block", "taylorseer", "magcache"] = Field(
        "none", description="Step cache: skip transformer work between similar denoising steps"
    )
    cache_threshold: float | None = Field(
        None, gt=0, le=1, description="first_block (default 0.05) and magcache (default 0.06): higher skips more"
    )
    cache_interval: int | None = Field(None, ge=1, le=50, description="taylorseer: full steps every N (default 2)")
    compile: Literal["none", "regional"] = Field(
        "none", description="regional: torch.compile each transformer block once (GPU)"
    )
    precision: Literal["bf16", "fp8", "fp32"] = Field(
        "bf16", description="GPU weights and compute; fp8 stores the transformer in float8 (CUDA); CPU runs fp32"
    )
    parallel: Literal["auto", "off"] | int = Field(
        "auto",
        description="auto: the planner may split one chunk over a context-parallel group of GPUs when GPUs "
        "would idle; off: one chunk per GPU; N: groups of N (divides the model's heads)",
    )
    image: ImageSettings | None = Field(
        None, description="engine image: the picture model (local or a server) and the motion's settings"
    )
    transition: TransitionField = Field(
        default_factory=Transition,
        description="Between consecutive scenes: cut | crossfade | fade, or "
        "{type, seconds}; a scene's own `transition` overrides it",
    )
    providers: list[Literal["pexels", "pixabay"]] = Field(
        default_factory=_both_providers, min_length=1, description="stock: which providers, in order"
    )
    stock: StockOptions = Field(default_factory=StockOptions, description="stock: what a scene nothing fits does")
    relevance: Relevance | None = Field(None, description="stock: score candidates against the visual prompt")


class Music(_Strict):
    library: str = Field("builtin", description="builtin, or a folder indexed with `vidc music index`")
    mood: list[str] = Field(default_factory=list)
    bpm: float | tuple[float, float] | None = None
    tail_seconds: tuple[float, float] = (10.0, 15.0)
    volume: float = Field(0.35, ge=0, le=2)
    duck_db: float = Field(10.0, ge=0, le=40, description="How far the music drops under speech, exactly")
    duck_attack_ms: int = Field(
        250, ge=0, le=5000, description="The music reaches full depth at the first word, over this"
    )
    duck_hold_ms: int = Field(300, ge=0, le=5000, description="The music stays down this long after the last word")
    duck_release_ms: int = Field(700, ge=0, le=10000, description="Then it comes back up over this")
    duck_gap_ms: int = Field(
        1500, ge=0, le=20000, description="Between scenes the music comes up only in silences at least this long"
    )
    fade_out_seconds: float = Field(6.0, ge=0, le=30)
    track: str | None = Field(None, description="A fixed track, relative to the spec; skips selection")


class Captions(_Strict):
    mode: Literal["burn", "sidecar", "both", "off"] = "both"
    max_chars_per_line: int = Field(42, ge=10, le=80)
    style: str = "default"


class Watermark(_Strict):
    file: str = Field(description="A logo image (PNG with transparency), relative to the spec")
    position: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = "top-right"
    opacity: float = Field(0.8, ge=0, le=1)
    width: float = Field(0.15, gt=0, le=0.5, description="Logo width / the frame's shorter side")


class Export(_Strict):
    preset: Literal[
        "youtube-1080p", "youtube-720p", "shorts", "reels", "tiktok", "square-1080", "draft", "draft-vertical"
    ] = "youtube-1080p"
    loudness_lufs: float = Field(-14.0, ge=-40, le=-5)
    true_peak_db: float = Field(-1.0, ge=-9, le=0)
    fps: int | None = Field(None, ge=1, le=60)
    crf: int | None = Field(None, ge=0, le=51)
    maxrate: str | None = Field(None, pattern=r"^[0-9]+(\.[0-9]+)?[kKmM]$")
    watermark: Watermark | None = Field(None, description="A logo on every frame, inside the safe area")


class Thumbnail(_Strict):
    scene: int | Literal["best"] = Field(
        "best", description="The scene whose picture it shows; best: the most detailed"
    )
    at: float = Field(0.5, ge=0, le=0.95, description="Where in the scene, as a fraction of its length")
    title: str | None = Field(None, description="Text set large on the thumbnail (templated like the scenes)")


class Bookend(_Strict):
    """An intro or outro: a silent segment (the music plays under it) showing an asset or a title card."""

    asset: str | None = Field(None, description="An image or clip, relative to the spec (fit like scene assets)")
    title: str | None = Field(None, description="A title card's text (templated like the scenes)")
    subtitle: str | None = Field(None, description="A smaller line under the title")
    seconds: float = Field(3.0, gt=0, le=30, description="How long it lasts")
    background: str = Field(
        "black",
        pattern=r"^(#[0-9A-Fa-f]{6}|[a-z]+)$",
        description="A title card's background colour (a name or #RRGGBB)",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Bookend:
        if (self.asset is None) == (self.title is None):
            raise ValueError("give either `asset` (an image or clip) or `title` (a title card)")
        return self


class MatrixFile(_Strict):
    file: str


class Project(_Strict):
    """A project spec as written (before templating)."""

    vidc: Literal[1]
    name: str
    vars: dict[str, Scalar] = Field(default_factory=dict)
    matrix: list[dict[str, Scalar]] | MatrixFile | None = None
    output: str = "build/"
    script: Script
    voice: Voice = Field(default_factory=Voice)
    video: Video = Field(default_factory=Video)
    music: Music = Field(default_factory=Music)
    captions: Captions = Field(default_factory=Captions)
    export: Export = Field(default_factory=Export)
    thumbnail: Thumbnail | None = Field(None, description="Write NAME.thumbnail.jpg at the platform's thumbnail size")
    intro: Bookend | None = Field(None, description="A silent segment before scene 1: an asset or a title card")
    outro: Bookend | None = Field(None, description="A silent segment after the last scene: an asset or a title card")
    publish: Publish | None = Field(None, description="Where `vidc publish` uploads each video, per platform")


class VideoSpec(Project):
    """One video after templating and matrix expansion: `name` is final and scenes are indexed."""
