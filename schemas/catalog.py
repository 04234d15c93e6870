"""The backend catalog and the machine's facts: what the runtime hands the compiler, as data.

The runtime gathers the catalog (built-in backends plus the `vidc.backends` entry-point group) and
the facts of the machine (installed voices, music libraries, model folders, which API keys are set,
never their values); the compiler reads names, versions and engine choices from the catalog only,
and turns each backend's `check()` problems into positioned diagnostics. Nothing here imports the
compiler or the runtime.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel


@dataclass(frozen=True)
class Needs:
    """What a backend needs from a machine."""

    device: Literal["cpu", "device"] = "cpu"  # device: a GPU lane (or a CPU declared as a device)
    vram_gb: float = 0.0
    api_key_env: str | None = None  # the environment variable that holds its key (the name only)
    voice: bool = False  # an installed voice (Piper) must exist
    model: bool = False  # a model folder (weights) must exist


@dataclass(frozen=True)
class Problem:
    """One problem a backend's pure `check()` finds in its task's params.

    `param` names the parameter (the compiler knows where in the spec it came from); `index` an item
    of a list parameter; `choices` lets the compiler add a did-you-mean for `value`."""

    param: str
    code: str
    message: str
    hint: str = ""
    value: str | None = None
    choices: tuple[str, ...] = ()
    index: int | None = None
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class TrackFacts:
    id: str
    duration_s: float
    moods: tuple[str, ...] = ()
    bpm: float | None = None


@dataclass(frozen=True)
class MusicLibraryFacts:
    """A music library as the machine has it: its tracks (with durations and moods), whether the music
    backend can loop a track to cover a longer video, or why the library cannot be read."""

    tracks: tuple[TrackFacts, ...] = ()
    loops: bool = False
    error: str | None = None

    def moods(self) -> list[str]:
        return sorted({m for t in self.tracks for m in t.moods})

    def longest_s(self) -> float:
        return max((t.duration_s for t in self.tracks), default=0.0)


@dataclass(frozen=True)
class ModelFacts:
    """A model as found on this machine: its folder was found, and its pipeline class
    (model_index.json `_class_name`) when known."""

    found: bool
    class_name: str | None = None


@dataclass(frozen=True)
class Facts:
    """What the machine has. None means "not known" (the check is skipped), never "nothing"."""

    piper_voices: tuple[str, ...] | None = None
    caption_styles: tuple[str, ...] | None = None
    music: Mapping[str, MusicLibraryFacts] | None = None  # "builtin" or the library folder as written
    models: Mapping[str, ModelFacts] | None = None  # model reference as written -> what was found
    api_keys: frozenset[str] | None = None  # names of the key variables that are set


Check = Callable[[dict[str, Any], Facts], list[Problem]]


@dataclass(frozen=True)
class BackendEntry:
    name: str
    stage: str
    version: str
    selectable: bool = False  # a user picks it as voice.engine / video.engine
    params: type[BaseModel] | None = None  # the task params it accepts (validated at plan time)
    needs: Needs = field(default_factory=Needs)
    check: Check | None = None
    default_voice: str | None = None
    description: str = ""
    # Params that name a project file (relative to the spec's folder): the compiler digests each one
    # set into the task's params as `<param>_sha256`, so a changed file changes the fingerprint.
    file_params: tuple[str, ...] = ()
    words_per_minute: int | None = None  # a voice's measured speaking rate, for planning scene lengths
    encodes: bool = False  # its task is an ffmpeg video encode (the simulator's "encodes at once" counter)
    price_keys: tuple[str, ...] = ()  # the price table's sections its tasks are priced from ("tts.elevenlabs")


@dataclass(frozen=True)
class Catalog:
    backends: Mapping[str, BackendEntry]

    def entry(self, name: str) -> BackendEntry:
        return self.backends[name]

    def version(self, name: str) -> str:
        return self.backends[name].version

    def voice_rates(self) -> dict[str, int]:
        """Words per minute of each voice engine that declares them (planning scene lengths)."""
        return {
            n: e.words_per_minute for n, e in sorted(self.backends.items()) if e.stage == "voice" and e.words_per_minute
        }

    def engines(self, stage: str) -> list[str]:
        """The engine names a spec may choose for a stage (voice, video), sorted."""
        return sorted(n for n, e in self.backends.items() if e.stage == stage and e.selectable)
