"""Relevance, measured: a tiny random CLIP model the test builds scores each stock candidate's
preview against the scene's visual prompt; the best-scoring fitting clip wins and its score is
locked; a hub id that is not in the local cache is refused, never downloaded."""

from __future__ import annotations

import json
import string

import pytest

from tests.factories import plan_of
from tests.fakes.stock_servers import FakePexels
from vidc.runtime.engine.stock_pick import _fitting, pick_missing
from vidc.runtime.media.stock_api import Searcher, StockError
from vidc.schemas.catalog import Facts
from vidc.schemas.stock import StockLock

SPEC = """vidc: 1
name: scored
script:
  scenes:
    - {visual_prompt: "ocean waves at sunrise", duration_seconds: 2}
video: {engine: stock, providers: [pexels], relevance: {model: MODEL, min_score: 0.1}}
captions: {mode: off}
export: {preset: draft}
"""


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder = tmp_path_factory.mktemp("clip")
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for c in string.ascii_lowercase + string.digits:
        vocab.setdefault(c, len(vocab))
        vocab.setdefault(c + "</w>", len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    torch.manual_seed(0)
    text = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                vocab_size=len(vocab), max_position_embeddings=32, bos_token_id=0, eos_token_id=1, pad_token_id=1)  # fmt: skip
    vision = dict(
        hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, image_size=32, patch_size=8
    )
    config = transformers.CLIPConfig(text_config=text, vision_config=vision, projection_dim=8)
    transformers.CLIPModel(config).save_pretrained(folder)
    tokenizer = transformers.CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))
    images = transformers.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    transformers.CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def test_the_best_scoring_clip_wins_and_its_score_is_locked(tiny_clip, tmp_path):
    from vidc.runtime.media.relevance import ClipScorer

    keys = Facts(api_keys=frozenset({"PEXELS_API_KEY", "PIXABAY_API_KEY"}))
    plan = plan_of(SPEC.replace("MODEL", str(tiny_clip)), facts=keys)
    with FakePexels(api_key="k") as px:
        env = {"PEXELS_API_KEY": "k", "PEXELS_API_URL": px.url}
        scorer = ClipScorer(str(tiny_clip), tmp_path)
        searcher = Searcher(cache=tmp_path / "search", env=env, sleep=lambda s: None)
        lock = StockLock()
        pick_missing(plan, lock, tmp_path / "p.stock.json", searcher, tmp_path / "objects", scorer)
        pick = lock.videos["scored"]["1"]
        params = plan.task_map()["scored/stock/scene-01"].params
        fitting = [c for c in _fitting(searcher.search("pexels", "video", params["query"], "landscape"), params, set())
                   if c.duration_ms >= params["min_ms"]]  # fmt: skip
        scores = scorer("ocean waves at sunrise", fitting)
    assert len(fitting) >= 2 and len(set(scores)) == len(scores)  # distinct previews, distinct scores
    best = fitting[scores.index(max(scores))]
    assert (pick.provider, pick.id) == (best.provider, best.id)
    assert pick.score == round(max(scores), 4) and -1 <= pick.score <= 1


def test_a_hub_id_not_in_the_cache_is_refused_without_a_download(tmp_path, monkeypatch):
    from vidc.runtime.media.relevance import ClipScorer

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(StockError, match="never downloads"):
        ClipScorer("openai/clip-vit-base-patch32", tmp_path)
