"""How well a stock candidate fits its scene: a CLIP model (through transformers) scores each
candidate's preview picture against the scene's visual prompt (the cosine of their embeddings,
-1..1). The model is a folder, or a hub id already in the local cache: vidc never downloads one."""

from __future__ import annotations

import io
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .hub_cache import find_model
from .stock_api import TIMEOUT_S, Candidate, StockError

MAX_PREVIEW_BYTES = 8 * 1024 * 1024


class ClipScorer:
    """Loaded once per build; call it with (prompt, candidates) for a score each."""

    def __init__(self, ref: str, project: Path) -> None:
        found = find_model(ref, project, "config.json").folder
        if found is None:
            raise StockError(
                f"relevance model {ref!r} not found: give a folder, or a hub id already in the local cache "
                "(vidc never downloads a model)"
            )
        try:
            from transformers import CLIPModel, CLIPProcessor
        except ImportError as exc:
            raise StockError(f"relevance scoring needs transformers ({exc}); pip install transformers") from None
        try:
            self.model = CLIPModel.from_pretrained(found, local_files_only=True).eval()
            self.processor = CLIPProcessor.from_pretrained(found, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise StockError(f"relevance model {ref!r} cannot be loaded: {str(exc).splitlines()[0]}") from None
        self._previews: dict[str, Any] = {}

    def __call__(self, prompt: str, candidates: Sequence[Candidate]) -> list[float]:
        import torch

        images = [self._preview(c) for c in candidates]
        have = [k for k, img in enumerate(images) if img is not None]
        scores = [-1.0] * len(candidates)  # a candidate without a readable preview ranks last
        if not have:
            return scores
        inputs = self.processor(
            text=[prompt], images=[images[k] for k in have], return_tensors="pt", padding=True, truncation=True
        )
        with torch.no_grad():
            out = self.model(**inputs)
        img = torch.nn.functional.normalize(out.image_embeds, dim=-1)
        txt = torch.nn.functional.normalize(out.text_embeds, dim=-1)
        for k, s in zip(have, (img @ txt.T)[:, 0].tolist(), strict=True):
            scores[k] = float(s)
        return scores

    def _preview(self, c: Candidate):
        """The candidate's preview picture (fetched once per build), or None when it cannot be read."""
        if not c.preview:
            return None
        if c.preview not in self._previews:
            self._previews[c.preview] = _fetch_image(c.preview)
        return self._previews[c.preview]


def _fetch_image(url: str):
    from PIL import Image, UnidentifiedImageError

    try:
        req = urllib.request.Request(url, headers={"User-Agent": "vidc"})
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            data = resp.read(MAX_PREVIEW_BYTES + 1)
        if len(data) > MAX_PREVIEW_BYTES:
            return None
        return Image.open(io.BytesIO(data)).convert("RGB")
    except (OSError, ValueError, UnidentifiedImageError):
        return None
