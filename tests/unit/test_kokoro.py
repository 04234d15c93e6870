"""The `kokoro` backend end to end on CPU with a tiny random Kokoro model built by the test.

What is real here: kokoro's KModel and KPipeline (chunking, inference, word timestamps), misaki's
English G2P (its gold/silver lexicons, number and currency handling, eSpeak NG fallback for unknown
words through espeakng-loader), misaki's eSpeak G2P for Spanish, the resampling to 44.1 kHz, the WAV
written and measured.

What is STUBBED (only when the package is not installed, which is the case offline): spaCy's
statistical English pipeline `en_core_web_sm`, which misaki loads for tokenising and part-of-speech
tags. It cannot be installed from PyPI and misaki would download it at run time, so `spacy.load`
returns spaCy's rule-based blank English tokenizer instead: no POS tags, so tag-dependent rules
(homographs such as "read", currency order, some punctuation) are not exercised. The voice itself
is random noise: the model's weights are random, so nothing checks that it sounds like speech.
"""

from __future__ import annotations

import math
import subprocess
import sys
import wave
from pathlib import Path

import pytest

pytest.importorskip("kokoro")

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.*` when pytest runs without the repo root on sys.path
    sys.path.insert(0, str(ROOT))

from tests import fixtures_models  # noqa: E402
from vidc.runtime.backends.base import BackendError, TaskContext  # noqa: E402
from vidc.runtime.backends.kokoro_voice import KokoroParams, KokoroVoice  # noqa: E402

TEXT = "Hello world, this is vidc. It costs $5 today — zyxqwerble!"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def kokoro_dir(tmp_path_factory):
    return fixtures_models.build_tiny_kokoro(tmp_path_factory.mktemp("kokoro") / "Kokoro-82M")


@pytest.fixture(autouse=True, scope="module")
def spacy_en():
    """Use the real en_core_web_sm if installed; otherwise stub it with spaCy's blank English (see above)."""
    import spacy
    import spacy.util

    if spacy.util.is_package("en_core_web_sm"):
        yield "en_core_web_sm"
        return
    mp = pytest.MonkeyPatch()
    real_is_package = spacy.util.is_package
    mp.setattr(spacy.util, "is_package", lambda name: name == "en_core_web_sm" or real_is_package(name))
    mp.setattr(spacy, "load", lambda name, **kw: spacy.blank("en"))
    yield "blank-en (stub)"
    mp.undo()


@pytest.fixture(scope="module")
def backend():
    b = KokoroVoice()
    b.setup("cpu")
    return b


def params(model, **over):
    p = dict(text=TEXT, voice=None, speed=1.0, language="en-us", model=str(model) if model else None,
             min_scene_ms=1000, pause_ms=500, max_scene_ms=60000, scene=3)  # fmt: skip
    p.update(over)
    return p


def run(backend, tmp_path, name, p, project_dir=None):
    out = tmp_path / name
    out.mkdir()
    logs: list[str] = []
    ctx = TaskContext(task_id=f"v/voice/{name}", params=p, inputs={}, out=out, project_dir=project_dir or tmp_path,
                      cache_dir=tmp_path / "cache", device="cpu", log=logs.append)  # fmt: skip
    return out, backend.run(ctx, KokoroParams.model_validate(p))


def read_wav(path: Path):
    import numpy as np

    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (44100, 1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def test_speaks_english_with_word_timings(backend, kokoro_dir, tmp_path):
    out, r = run(backend, tmp_path, "s3", params(kokoro_dir))
    pcm = read_wav(out / "voice.wav")
    assert set(r) == {"duration_ms", "samples", "sample_rate", "words", "scene_ms", "engine"}
    assert r["engine"]["voice"] == "af_heart" and r["engine"]["lang_code"] == "a"
    assert r["sample_rate"] == 44100 and r["samples"] == len(pcm) > 44100
    assert r["duration_ms"] == round(len(pcm) * 1000 / 44100)
    assert r["scene_ms"] == r["duration_ms"] + 500
    assert float(abs(pcm.astype("f8")).mean()) > 10, "the WAV is silent"
    # ffprobe agrees with the header-free measure (rule 8: measured by decoding).
    dur = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                          str(out / "voice.wav")], capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert math.isclose(float(dur) * 1000, r["duration_ms"], abs_tol=1)
    words = r["words"]
    texts = [w[0] for w in words]
    assert texts[:2] == ["Hello", "world,"] and "vidc." in texts and texts[-1] == "zyxqwerble!"
    assert "$5" in texts and "—" not in texts  # a word needs a letter or digit
    starts = [w[1] for w in words]
    assert starts == sorted(starts) and all(w[1] < w[2] for w in words)
    assert words[-1][2] <= r["duration_ms"] + 50


def test_same_text_same_samples_speed_shortens_lines_split(backend, kokoro_dir, tmp_path):
    text = "One sentence here.\nAnd another line."
    a, slow = run(backend, tmp_path, "a", params(kokoro_dir, text=text))
    b, again = run(backend, tmp_path, "b", params(kokoro_dir, text=text))
    _, fast = run(backend, tmp_path, "fast", params(kokoro_dir, text=text, speed=2.0))
    assert (a / "voice.wav").read_bytes() == (b / "voice.wav").read_bytes() and slow == again
    assert backend.loads == 1
    assert not [p for p in a.iterdir() if p.name != "voice.wav"], "temporary files left behind"
    assert fast["duration_ms"] < 0.7 * slow["duration_ms"]
    words = [w[0] for w in slow["words"]]
    assert words == ["One", "sentence", "here.", "And", "another", "line."]
    assert slow["words"][3][1] >= slow["words"][2][2], "the second line's timings are offset by the first's audio"


def test_scene_length_rules(backend, kokoro_dir, tmp_path):
    _, r = run(backend, tmp_path, "min", params(kokoro_dir, text="Hi.", min_scene_ms=9000))
    assert r["scene_ms"] == 9000
    with pytest.raises(BackendError) as exc:
        run(backend, tmp_path, "max", params(kokoro_dir, text="Hi there.", max_scene_ms=600))
    msg = str(exc.value)
    assert "scene 3" in msg and "voice.speed" in msg and "voiceover text" in msg and " s" in msg


def test_british_voice_blends_and_voice_language_check(backend, kokoro_dir, tmp_path):
    _, r = run(backend, tmp_path, "gb", params(kokoro_dir, language="en-gb", voice="bf_emma", text="Colour me."))
    assert [w[0] for w in r["words"]] == ["Colour", "me."]
    blend = f"af_heart,{kokoro_dir / 'voices' / 'bf_emma.pt'}"
    _, r = run(backend, tmp_path, "blend", params(kokoro_dir, voice=blend, text="Blend."))
    assert r["samples"] > 0
    with pytest.raises(BackendError, match="bf_emma is a British English.*af_heart"):
        run(backend, tmp_path, "mismatch", params(kokoro_dir, voice="bf_emma"))
    with pytest.raises(BackendError, match="af_nope.*af_heart, bf_emma, ef_dora"):
        run(backend, tmp_path, "missing", params(kokoro_dir, voice="af_nope"))
    with pytest.raises(BackendError, match="does not speak"):
        run(backend, tmp_path, "xx", params(kokoro_dir, language="xx"))


def test_spanish_goes_through_espeak_without_word_timings(backend, kokoro_dir, tmp_path, monkeypatch):
    import spacy.util

    # Spanish needs no spaCy model at all: eSpeak NG (bundled by espeakng-loader) does the G2P.
    monkeypatch.setattr(spacy.util, "is_package", lambda name: pytest.fail("spaCy consulted for Spanish"))
    _, r = run(backend, tmp_path, "es", params(kokoro_dir, language="es", text="Hola, amigo."))
    assert r["samples"] > 0 and r["words"] is None and r["engine"]["voice"] == "ef_dora"


def test_weights_from_the_hf_cache_and_relative_folders(kokoro_dir, tmp_path, monkeypatch):
    snap = tmp_path / "hf" / "hub" / "models--hexgrad--Kokoro-82M" / "snapshots" / "abc123"
    snap.parent.mkdir(parents=True)
    snap.symlink_to(kokoro_dir, target_is_directory=True)  # the hub cache links snapshot files too
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    b = KokoroVoice()
    b.setup("cpu")
    _, r = run(b, tmp_path, "cache", params(None, text="Cache."))
    assert r["samples"] > 0
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "kokoro").symlink_to(kokoro_dir, target_is_directory=True)
    _, r = run(b, tmp_path, "rel", params("models/kokoro", text="Project."), project_dir=project)
    assert r["samples"] > 0
    assert b.loads == 1, "the same weights file is loaded once"


def test_missing_weights_say_where_to_put_them(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    with pytest.raises(BackendError) as exc:
        run(backend, tmp_path, "none", params(None))
    msg = str(exc.value)
    assert "huggingface-cli download hexgrad/Kokoro-82M" in msg and str(tmp_path / "empty" / "hub") in msg
    assert "config.json, kokoro-v1_0.pth and voices/<voice>.pt" in msg and "voice.model" in msg
    with pytest.raises(BackendError, match="does not exist"):
        run(backend, tmp_path, "nope", params("./models/nope"))
    half = tmp_path / "half-model"
    half.mkdir()
    (half / "config.json").write_text("{}")
    with pytest.raises(BackendError, match="no kokoro-v1_0.pth"):
        run(backend, tmp_path, "half", params(str(half)))


def test_missing_spacy_model_is_a_clear_error_not_a_download(kokoro_dir, tmp_path, monkeypatch):
    import spacy
    import spacy.cli
    import spacy.util

    monkeypatch.setattr(spacy.util, "is_package", lambda name: False)
    monkeypatch.setattr(spacy.cli, "download", lambda *a, **k: pytest.fail("tried to download a spaCy model"))
    b = KokoroVoice()
    b.setup("cpu")
    with pytest.raises(BackendError, match="en_core_web_sm.*spacy download"):
        run(b, tmp_path, "x", params(kokoro_dir))


def test_no_heavy_imports_at_module_import():
    code = (
        "import sys, vidc.runtime.backends.kokoro_voice;"
        "heavy = [m for m in ('torch', 'kokoro', 'misaki', 'spacy') if m in sys.modules];"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cuda(kokoro_dir, tmp_path):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU visible to torch")
    b = KokoroVoice()
    b.setup("cuda:0")
    out = tmp_path / "gpu"
    out.mkdir()
    p = params(kokoro_dir)
    ctx = TaskContext(task_id="v/voice/gpu", params=p, inputs={}, out=out, project_dir=tmp_path,
                      cache_dir=tmp_path, device="cuda:0")  # fmt: skip
    r = b.run(ctx, KokoroParams.model_validate(p))
    assert r["samples"] > 0 and r["words"]


def test_fixture_is_the_real_layout(kokoro_dir):
    assert {p.name for p in kokoro_dir.iterdir()} == {"config.json", "kokoro-v1_0.pth", "voices"}
    assert {p.name for p in (kokoro_dir / "voices").iterdir()} == {"af_heart.pt", "bf_emma.pt", "ef_dora.pt"}
