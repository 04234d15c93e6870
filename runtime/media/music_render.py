"""The renderer of the built-in tracks: plays each part's events on the synthesiser's voices into dry, pumped,
delayed and reverb buses, and masters the mix (44.1 kHz stereo, -6 dBFS peak)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import synth as S
from .dsp import decimate_2x, resample_2x
from .music_arranger import GATELESS, Event, kick_times, part_events
from .music_catalog import PEAK_DBFS, RECIPE_BY_ID, SR, SYNTH_VERSION, get_track, total_bars, total_samples
from .music_recipes import Part, Recipe
from .music_theory import section_plan


@dataclass
class Mixer:
    n: int
    dry: np.ndarray = field(init=False)
    pumped: np.ndarray = field(init=False)
    delayed: np.ndarray = field(init=False)
    send: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.dry = np.zeros((self.n, 2), dtype=np.float32)
        self.pumped = np.zeros((self.n, 2), dtype=np.float32)
        self.delayed = np.zeros((self.n, 2), dtype=np.float32)
        self.send = np.zeros(self.n, dtype=np.float32)


def voice_fn(voice: str) -> tuple[Callable[..., np.ndarray], dict[str, Any]]:
    table: dict[str, tuple[Callable[..., np.ndarray], dict[str, Any]]] = {
        "pad": (S.pad, {}),
        "epiano": (S.epiano, {}),
        "bell": (S.bell, {}),
        "mallet": (S.mallet, {}),
        "piano": (S.piano, {}),
        "bass": (S.bass, {}),
        "stacc": (S.stacc, {}),
        "pluck": (S.pluck, {}),
        "pizz": (S.pluck, {"bright_cutoff": 2500, "tau_bright": 0.03, "tau_body": 0.16, "body_shape": "sine"}),
        "guitar": (S.pluck, {"bright_cutoff": 3200, "tau_bright": 0.12, "tau_body": 1.1, "release": 0.15}),
        "brass": (S.lead, {"attack": 0.09, "bloom": 0.35, "cutoff": 2600, "vibrato_cents": 10.0}),
        "lead_soft": (
            S.lead,
            {"attack": 0.05, "bloom": 0.2, "cutoff": 1800, "vibrato_cents": 14.0, "shape": "tri", "body": "sine"},
        ),
        "lead_bright": (
            S.lead,
            {
                "attack": 0.01,
                "bloom": 0.05,
                "cutoff": 4200,
                "vibrato_cents": 8.0,
                "release": 0.2,
                "shape": "square",
                "body": "tri",
            },
        ),
        "whistle": (
            S.lead,
            {"attack": 0.06, "bloom": 0.15, "cutoff": 2000, "vibrato_cents": 16.0, "shape": "tri", "body": "sine"},
        ),
    }
    if voice not in table:
        raise KeyError(voice)
    return table[voice]


def drum_fn(voice: str, rng: np.random.Generator) -> np.ndarray:
    if voice == "kick":
        return S.kick(rng)
    if voice == "softkick":
        return 0.9 * S.kick(rng, punch=0.4, tau=0.22, f_hi=100.0, f_lo=50.0)
    if voice == "lofikick":
        return S.kick(rng, punch=0.2, tau=0.25, f_hi=90.0, f_lo=48.0)
    if voice == "snare":
        return S.snare(rng)
    if voice == "bigsnare":
        return S.snare(rng, tone=170.0, tau=0.22, bright=7000.0)
    if voice == "lofisnare":
        return S.snare(rng, tone=200.0, tau=0.11, bright=4500.0)
    if voice == "rimshot":
        return S.rim(rng)
    if voice == "clap":
        return S.clap(rng)
    if voice == "hat":
        return S.hat(rng)
    if voice == "softhat":
        return 0.8 * S.hat(rng, tau=0.025, lo=6000.0)
    if voice == "shaker":
        return S.shaker(rng)
    if voice == "boom":
        return S.boom(rng)
    raise KeyError(voice)


def add_at(bus: np.ndarray, start: int, sig: np.ndarray, gain: float, pan: float) -> None:
    n = bus.shape[0]
    if start >= n or gain == 0.0:
        return
    if start < 0:
        sig = sig[-start:]
        start = 0
    m = min(len(sig), n - start)
    if m <= 0:
        return
    if sig.ndim == 2:
        if pan != 0.0:
            gl, gr = S.pan_gains(pan)
            bus[start : start + m, 0] += (gain * gl * 1.4142135) * sig[:m, 0]
            bus[start : start + m, 1] += (gain * gr * 1.4142135) * sig[:m, 1]
        else:
            bus[start : start + m] += gain * sig[:m]
    else:
        gl, gr = S.pan_gains(pan)
        bus[start : start + m, 0] += (gain * gl) * sig[:m]
        bus[start : start + m, 1] += (gain * gr) * sig[:m]


def add_send(send: np.ndarray, start: int, sig: np.ndarray, gain: float) -> None:
    n = send.shape[0]
    if start >= n or gain == 0.0:
        return
    m = min(len(sig), n - start)
    if m <= 0:
        return
    mono = (sig[:m, 0] + sig[:m, 1]) * 0.5 if sig.ndim == 2 else sig[:m]
    send[start : start + m] += gain * mono


def pump_curve(n: int, times: list[float], depth: float) -> np.ndarray:
    g = np.ones(n, dtype=np.float32)
    if depth <= 0 or not times:
        return g
    k = int(0.6 * SR)  # exp(-0.6 / 0.09) ~ 0.001: the curve returns to 1 without a step
    t = np.arange(k, dtype=np.float64) / SR
    a = int(0.004 * SR)
    shape = 1.0 - depth * np.exp(-t / 0.09)
    shape[:a] = 1.0 - depth * (np.arange(a) / a)  # 4 ms slide down, never a step
    shape = shape.astype(np.float32)
    for tt in times:
        s = int(round(tt * SR))
        if s >= n:
            break
        m = min(k, n - s)
        np.minimum(g[s : s + m], shape[:m], out=g[s : s + m])
    return g


def fast_len(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n (sizes pocketfft transforms quickly)."""
    best = 1 << (n - 1).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def convolve_reverb(send: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """Stereo reverb of a mono send via FFT convolution at half rate (22,050 Hz)."""
    x = decimate_2x(send.astype(np.float64), fast=True)
    size = fast_len(len(x) + len(ir) - 1)
    X = np.fft.rfft(x, size)
    out = np.zeros((len(send), 2), dtype=np.float32)
    for ch in range(2):
        y = np.fft.irfft(X * np.fft.rfft(ir[:, ch], size), size)[: len(x)]
        up = resample_2x(y, fast=True)[: len(send)]
        out[: len(up), ch] = up
    return out


def render_audio(track_id: str, seconds: float | None = None) -> np.ndarray:
    """Render a built-in track to a float32 (n, 2) array at 44.1 kHz, peak -6 dBFS.

    `seconds` renders only the beginning (for tests and previews): the same samples as the full
    render up to that point (before normalisation), with a short fade at the cut.
    """
    if track_id not in RECIPE_BY_ID:
        get_track(track_id)  # raises the helpful KeyError
    recipe = RECIPE_BY_ID[track_id]
    phrases, bars = total_bars(recipe.bpm)
    bar_s = 240.0 / recipe.bpm
    full_n = total_samples(recipe.bpm)
    n = full_n if seconds is None else min(full_n, max(int(round(seconds * SR)), 1))
    sections = section_plan(phrases, 4 * bar_s)
    mix = Mixer(n)
    seed = recipe.seed * 1000 + SYNTH_VERSION

    for pi, part in enumerate(recipe.parts):
        rng = np.random.default_rng([seed, pi, 1])
        events = part_events(recipe, part, sections, bars, rng)
        vrng = np.random.default_rng([seed, pi, 2])
        if part.kind == "drum":
            _play_drums(part, events, vrng, mix)
            continue
        _play_notes(part, events, [seed, pi], mix)
        if part.pump > 0:
            curve = pump_curve(n, kick_times(recipe, sections, bars), part.pump)
            mix.pumped *= curve[:, None]
            mix.dry += mix.pumped
            mix.pumped[:] = 0.0

    if recipe.transitions:
        _transitions(recipe, seed, phrases, sections, mix)
    _echo(recipe, mix)
    return _master(recipe, seed, mix, seconds is None)


def _play_drums(part: Part, events: list[Event], vrng: np.random.Generator, mix: Mixer) -> None:
    samples = [drum_fn(part.voice, vrng) for _ in range(4)]  # round-robin variations
    for k, ev in enumerate(events):
        s = int(round(ev.t * SR))
        if s >= mix.n:
            continue
        sig = samples[k % 4]
        g = part.gain * ev.vel
        add_at(mix.dry, s, sig, g, part.pan)
        add_send(mix.send, s, sig, g * part.reverb)


def _play_notes(part: Part, events: list[Event], seeds: list[int], mix: Mixer) -> None:
    """A pitched part's notes (each distinct note rendered once) into the dry or pumped bus, the delay and the send."""
    fn, base_kw = voice_fn(part.voice)
    kw = dict(base_kw)
    kw.update(dict(part.params))
    memo: dict[tuple[int, int], np.ndarray] = {}
    target = mix.pumped if part.pump > 0 else mix.dry
    for ev in events:
        s = int(round(ev.t * SR))
        if s >= mix.n:
            continue
        gate = max(int(round(ev.gate * SR)), 64)
        key = (ev.midi, 0 if part.voice in GATELESS else gate)
        sig = memo.get(key)
        if sig is None:
            note_rng = np.random.default_rng([*seeds, 3, key[0], key[1]])
            sig = fn(ev.midi, gate, note_rng, **kw).astype(np.float32)
            memo[key] = sig
        g = part.gain * ev.vel
        add_at(target, s, sig, g, part.pan)
        if part.delay > 0:
            add_at(mix.delayed, s, sig, g * part.delay, part.pan)
        add_send(mix.send, s, sig, g * part.reverb)


def _transitions(recipe: Recipe, seed: int, phrases: int, sections: list[str], mix: Mixer) -> None:
    """A riser into, and a crash on, every drop (a main section after a sparser one)."""
    bar_s = 240.0 / recipe.bpm
    frng = np.random.default_rng([seed, 99])
    swell = S.riser(int(bar_s * SR), frng)
    hit = S.crash(frng)
    for ph in range(1, phrases):
        if sections[ph].startswith("main") and not sections[ph - 1].startswith("main"):
            t = ph * 4 * bar_s
            add_at(mix.dry, int(round((t - bar_s) * SR)), swell, 0.05, -0.2)
            add_send(mix.send, int(round((t - bar_s) * SR)), swell, 0.04)
            add_at(mix.dry, int(round(t * SR)), hit, 0.07, 0.25)
            add_send(mix.send, int(round(t * SR)), hit, 0.06)


def _echo(recipe: Recipe, mix: Mixer) -> None:
    """Ping-pong echo of the delay bus: dotted eighths, alternating sides."""
    n = mix.n
    if np.any(mix.delayed):
        d = int(round(0.75 * 60.0 / recipe.bpm * SR))
        mono = mix.delayed.mean(axis=1)
        for k in range(1, 4):
            off = d * k
            if off >= n:
                break
            g = 0.5 * (0.45 ** (k - 1))
            ch = k % 2
            mix.dry[off:, ch] += g * mono[: n - off]
            mix.send[off:] += 0.5 * g * mono[: n - off]


def _master(recipe: Recipe, seed: int, mix: Mixer, whole: bool) -> np.ndarray:
    """Reverb, the fades (a natural ring-out when `whole`, else a short fade at the cut) and the peak level."""
    n = mix.n
    ir = S.reverb_ir(recipe.reverb_s, np.random.default_rng([seed, 7]), SR // 2)
    wet = convolve_reverb(mix.send, ir)
    out = mix.dry + (0.55 * recipe.reverb_mix) * wet

    # fades: a short one at the start (no hard edge), a natural ring-out at the end
    fade_in = min(n, int(0.5 * SR))
    out[:fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)[:, None] ** 2
    if whole:
        fade = int(2.5 * SR)
        out[n - fade :] *= (np.linspace(1.0, 0.0, fade, dtype=np.float32) ** 2)[:, None]
    else:
        fade = min(n, int(0.05 * SR))
        out[n - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
    peak = float(np.max(np.abs(out))) or 1.0
    out *= np.float32(10 ** (PEAK_DBFS / 20.0) / peak)
    return out
