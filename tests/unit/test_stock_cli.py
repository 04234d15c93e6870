"""`vidc stock show` and `vidc stock repick` against local servers speaking Pexels' and Pixabay's
APIs, fresh clips across a matrix, Pexels' rate-limit headers, and a provider that keeps failing
ending in one line naming the scene (exit 1)."""

from __future__ import annotations

import pytest

from tests.cli import run_cli
from tests.fakes.stock_servers import FakePexels, FakePixabay
from vidc.runtime.media.stock_api import Searcher
from vidc.schemas.stock import parse_lock

SPEC = """vidc: 1
name: "{{ row }}-clip"
matrix: [{row: a}, {row: b}]
script:
  scenes:
    - {stock_query: "ocean", duration_seconds: 2}
    - {stock_query: "city", duration_seconds: 2}
video: {engine: stock}
captions: {mode: off}
export: {preset: draft}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "project.yaml").write_text(SPEC)
    with FakePexels(api_key="k1") as px, FakePixabay(api_key="k2") as pb:
        for k, v in {"PEXELS_API_KEY": "k1", "PIXABAY_API_KEY": "k2", "PEXELS_API_URL": px.url,
                     "PIXABAY_API_URL": pb.url + "/api"}.items():  # fmt: skip
            monkeypatch.setenv(k, v)
        yield tmp_path, px, pb


def _lock(root):
    return parse_lock((root / "project.stock.json").read_text())


def test_repick_locks_fresh_clips_across_a_matrix_and_show_lists_them(project):
    root, px, _pb = project
    run_cli("stock", "repick", root, "--all").ok()
    lock = _lock(root)
    picks = [p for v in ("a-clip", "b-clip") for p in lock.videos[v].values()]
    assert len(picks) == 4 and len({(p.provider, p.id) for p in picks}) == 4  # the catalogue allows it
    shown = run_cli("stock", "show", root).ok().out
    assert "video a-clip" in shown and f"{picks[0].provider} video {picks[0].id}" in shown and picks[0].author in shown
    searches = px.counts["search"]
    px.reshuffle(5)
    run_cli("stock", "repick", root, "--scene", "2").ok()
    after = _lock(root)
    for v in ("a-clip", "b-clip"):
        assert after.videos[v]["1"] == lock.videos[v]["1"]  # scene 1 kept as locked
        assert after.videos[v]["2"].id != lock.videos[v]["2"].id  # scene 2 picked again: another clip
    assert px.counts["search"] == searches  # from the day's cached answers: no new request


def test_a_provider_that_keeps_failing_is_one_line_naming_the_scene(project, monkeypatch):
    root, px, _pb = project
    monkeypatch.setattr("vidc.runtime.media.stock_api.MAX_WAIT_S", 0.0)  # no real backoff in a test
    px.push(*[{"status": 500}] * 4)
    result = run_cli("stock", "repick", root, "--all")
    assert result.code == 1
    [line] = result.err.strip().splitlines()
    assert line.startswith("vidc: error: a-clip scene 1: pexels failed 4 times (HTTP 500)") and "k1" not in line


def test_pexels_rate_limit_headers_are_honoured(project, tmp_path):
    _root, px, _pb = project
    waits: list[float] = []
    now = [1000.0]
    px.limit_headers = lambda: {"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "1030"}  # type: ignore[method-assign]
    s = Searcher(cache=tmp_path / "c", env={"PEXELS_API_KEY": "k1", "PEXELS_API_URL": px.url}, sleep=waits.append,
                 now=lambda: now[0])  # fmt: skip
    s.search("pexels", "video", "ocean", "landscape")
    s.search("pexels", "video", "city", "landscape")
    assert waits == [30.0]  # the second request waited for the reset
