"""Stock footage: the query taken from a scene, the plan of a stock scene (searched, locked, fallen
back, chosen per scene), the provider clients against local servers speaking Pexels' and Pixabay's
APIs (retries, 429, cache, keys kept out of files), verified content-addressed downloads, and the
picker's choices (orientation, size, length, no clip twice)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import compile_text, plan_of
from tests.fakes.stock_servers import FakePexels, FakePixabay, Item
from vidc.compiler.stock_query import keywords, scene_query
from vidc.runtime.engine.stock_pick import pick_missing, unpicked
from vidc.runtime.media.stock_api import Searcher, StockError
from vidc.runtime.media.stock_files import download, file_sha256
from vidc.schemas.catalog import Facts
from vidc.schemas.spec import Scene
from vidc.schemas.stock import StockLock, StockPick, lock_text, parse_lock

SPEC = """vidc: 1
name: waves
script:
  scenes:
    - voiceover_text: "Waves roll in."
      visual_prompt: "ocean waves at sunrise, golden light"
      duration_seconds: 3
    - voiceover_text: "The city wakes."
      stock_query: "city traffic"
      duration_seconds: 3
video: {engine: stock}
captions: {mode: off}
export: {preset: PRESET}
"""
KEYS = Facts(api_keys=frozenset({"PEXELS_API_KEY", "PIXABAY_API_KEY"}))


def spec(preset: str = "draft") -> str:
    return SPEC.replace("PRESET", preset)


def test_keywords_are_deterministic_and_skip_filler():
    assert keywords("close-up of a drummer's hands, warm stage light, shallow depth of field") == (
        "drummer hands warm stage"
    )
    assert scene_query(Scene(duration_seconds=3, visual_prompt="Ocean WAVES at sunrise")) == "ocean waves sunrise"
    assert scene_query(Scene(duration_seconds=3, stock_query="  city   traffic ")) == "city traffic"


def test_an_unlocked_scene_is_planned_as_a_search_and_a_locked_one_as_its_file():
    plan = plan_of(spec("draft-vertical"), facts=KEYS)
    fetch = plan.task_map()["waves/stock/scene-01"].params
    assert fetch["query"] == "ocean waves sunrise golden" and fetch["orientation"] == "portrait"
    assert (fetch["min_width"], fetch["min_height"]) == (360, 640) and "sha256" not in fetch
    assert [t.id for t in unpicked(plan)] == ["waves/stock/scene-01", "waves/stock/scene-02"]
    pick = StockPick(query=fetch["query"], orientation="portrait", provider="pexels", id="7", url="http://x/v.mp4",
                     sha256="ab" * 32, size=10, author="Ada", page="https://p", licence="L")  # fmt: skip
    lock = StockLock(videos={"waves": {"1": pick}})
    locked = plan_of(spec("draft-vertical"), files={"project.stock.json": lock_text(lock)}, facts=KEYS)
    params = locked.task_map()["waves/stock/scene-01"].params
    assert params["sha256"] == "ab" * 32 and params["author"] == "Ada"
    assert [t.id for t in unpicked(locked)] == ["waves/stock/scene-02"]
    clip = locked.task_map()["waves/video/scene-01"]
    assert clip.inputs["stock"] == "waves/stock/scene-01" and "@{in:stock}/source.mp4" in clip.argv[0]
    # another preset turns the frame: the portrait pick no longer fits and the scene searches again
    landscape = plan_of(spec("draft"), files={"project.stock.json": lock_text(lock)}, facts=KEYS)
    assert len(unpicked(landscape)) == 2


def test_a_missing_key_is_an_error_at_the_line_that_chose_stock():
    plan, diags = compile_text(spec(), facts=Facts(api_keys=frozenset({"PEXELS_API_KEY"})))
    assert plan is None
    [d] = [d for d in diags if d.code == "E_STOCK_KEY"]
    assert d.source_line == "video: {engine: stock}"
    assert "PIXABAY_API_KEY" in d.message and d.line == 11 and d.severity == "error"


def test_a_scene_chooses_its_own_source_and_an_asset_is_never_ignored():
    text = (
        spec()
        .replace("video: {engine: stock}", "video: {engine: animatic}")
        .replace('      stock_query: "city traffic"\n', '      video: {engine: stock, stock_query: "city traffic"}\n')
    )
    text = text.replace('      visual_prompt: "ocean', '      asset: a.png\n      visual_prompt: "ocean')
    plan = plan_of(text, files={"a.png": b"\x89PNG"}, facts=KEYS)
    kinds = {t.id: t.backend for t in plan.tasks if t.stage == "video"}
    assert kinds == {
        "waves/video/scene-01": "assets",
        "waves/stock/scene-02": "stock-fetch",
        "waves/video/scene-02": "stock",
    }
    assert plan.task_map()["waves/stock/scene-02"].params["query"] == "city traffic"


def test_a_locked_fallback_draws_the_storyboard_card_with_a_warning():
    lock = StockLock(videos={"waves": {"2": StockPick(query="city traffic", orientation="landscape", fallback=True)}})
    plan, diags = compile_text(spec(), files={"project.stock.json": lock_text(lock)}, facts=KEYS)
    assert plan is not None and "W_STOCK_FALLBACK" in {d.code for d in diags}
    card = plan.task_map()["waves/video/scene-02"]
    assert card.backend == "animatic" and card.params["stock_fallback"] == "city traffic"


@pytest.fixture
def fakes(tmp_path):
    with FakePexels(api_key="px-secret-1") as px, FakePixabay(api_key="pb-secret-2") as pb:
        env = {"PEXELS_API_KEY": "px-secret-1", "PIXABAY_API_KEY": "pb-secret-2",
               "PEXELS_API_URL": px.url, "PIXABAY_API_URL": pb.url + "/api"}  # fmt: skip
        yield px, pb, env


def _searcher(tmp_path: Path, env: dict, waits: list | None = None) -> Searcher:
    return Searcher(cache=tmp_path / "search", env=env, sleep=(waits if waits is not None else []).append)


def test_both_providers_answer_in_their_shapes_and_the_cache_spares_a_second_request(fakes, tmp_path):
    px, pb, env = fakes
    s = _searcher(tmp_path, env)
    vids = s.search("pexels", "video", "ocean", "portrait")
    assert vids and all(c.height > c.width for c in vids) and vids[0].author.startswith("Author")
    photos = s.search("pixabay", "photo", "city", "landscape")
    assert photos and all(c.media == "photo" and c.width > c.height for c in photos)
    assert s.search("pexels", "video", "ocean", "portrait") == vids
    assert px.counts["search"] == 1 and pb.counts["search"] == 1
    cached = " ".join(p.read_text() for p in (tmp_path / "search").iterdir())
    assert "px-secret-1" not in cached and "pb-secret-2" not in cached


def test_429_is_waited_out_and_500_and_bad_json_are_retried(fakes, tmp_path):
    px, _pb, env = fakes
    px.push({"status": 429, "retry_after": "3"}, {"status": 500}, {"bad_json": True})
    waits: list[float] = []
    found = _searcher(tmp_path, env, waits).search("pexels", "video", "forest", "landscape")
    assert found and px.counts["search"] == 4
    assert waits[0] == 3.0 and len(waits) == 3


def test_a_long_retry_after_is_one_line_not_an_hour_asleep(fakes, tmp_path):
    px, _pb, env = fakes
    px.push({"status": 429, "retry_after": "3600"})
    waits: list[float] = []
    with pytest.raises(StockError, match="pexels is rate-limited for 3600 s more"):
        _searcher(tmp_path, env, waits).search("pexels", "video", "forest", "landscape")
    assert waits == []


def test_a_bad_key_is_one_line_without_the_key(fakes, tmp_path):
    _px, pb, env = fakes
    with pytest.raises(StockError) as err:
        _searcher(tmp_path, {**env, "PIXABAY_API_KEY": "wrong-key-9"}).search("pixabay", "video", "sea", "landscape")
    assert "HTTP 400" in str(err.value) and "wrong-key-9" not in str(err.value) and "\n" not in str(err.value)


def test_downloads_are_verified_and_content_addressed(fakes, tmp_path):
    px, _pb, _env = fakes
    url = px.file_url("v-1000-640x360.mp4")
    px.push({"truncate": True})
    path, size = download(url, tmp_path / "objects", "mp4", sleep=lambda s: None)
    assert path.name == f"{file_sha256(path)}.mp4" and path.stat().st_size == size and px.counts["download"] == 2
    assert download(url, tmp_path / "objects", "mp4") == (path, size) and px.counts["download"] == 2  # stored
    px.push({"not_video": True}, {"not_video": True}, {"not_video": True})
    with pytest.raises(StockError, match="not a video"):
        download(px.file_url("v-1001-640x360.mp4"), tmp_path / "objects", "mp4", sleep=lambda s: None)
    assert [p.name for p in (tmp_path / "objects").glob("*.*")] == [path.name]  # nothing half-written


def _pick(tmp_path, env, preset="draft", text=None, lock=None):
    plan = plan_of(text or spec(preset), facts=KEYS)
    lock = lock or StockLock()
    s = _searcher(tmp_path, env)
    report = pick_missing(plan, lock, tmp_path / "project.stock.json", s, tmp_path / "objects")
    return parse_lock((tmp_path / "project.stock.json").read_text()), report, s


@pytest.mark.parametrize("preset,size", [("draft", (640, 360)), ("draft-vertical", (360, 640))])
def test_picks_fit_the_frame_and_never_repeat(fakes, tmp_path, preset, size):
    _px, _pb, env = fakes
    text = spec(preset).replace('stock_query: "city traffic"', 'stock_query: "ocean sea"')  # the same subject twice
    lock, report, _s = _pick(tmp_path, env, preset, text)
    picks = list(lock.videos["waves"].values())
    assert len(picks) == 2 and not report.fallbacks
    assert all((p.width, p.height) == size for p in picks)  # the smallest rendition that fills the frame
    assert len({(p.provider, p.id) for p in picks}) == 2
    assert all(p.duration_ms >= 3000 and p.author and p.page and p.licence and p.sha256 for p in picks)
    assert "px-secret-1" not in json.dumps(lock.model_dump())


def test_a_scene_nothing_fits_falls_back_or_fails_naming_it(fakes, tmp_path):
    px, pb, env = fakes
    px.catalogue[:] = [Item(1, ("ocean",), "landscape", 3)]
    pb.catalogue[:] = []
    lock, report, _s = _pick(tmp_path, env)
    assert lock.videos["waves"]["2"].fallback and "scene 2" in report.fallbacks[0]
    with pytest.raises(StockError, match="waves scene 2: no stock footage fits 'city traffic'"):
        _pick(
            tmp_path,
            env,
            text=spec().replace("video: {engine: stock}", "video: {engine: stock, stock: {fallback: error}}"),
        )


def test_plan_shows_each_query_and_the_requests_against_the_limits():
    from vidc.runtime.cli.stock import plan_summary

    text = plan_summary(plan_of(spec(), facts=KEYS))
    assert "the build searches 2: 2 to 8 requests" in text
    assert "pexels: at most 4 of 200 per hour; pixabay: at most 4 of 100 per minute" in text
    assert "'city traffic': to search (landscape >= 640x360" in text
    assert plan_summary(plan_of(spec().replace("engine: stock", "engine: animatic"))) == ""


def _fetch(tmp_path, **params):
    from vidc.runtime.backends.base import TaskContext
    from vidc.runtime.backends.stock import FetchParams, StockFetch

    out = tmp_path / f"out-{len(list(tmp_path.glob('out-*')))}"  # an empty output folder per task, as the worker gives
    out.mkdir()
    ctx = TaskContext("waves/stock/scene-02", params, {}, out, tmp_path, tmp_path / "cache")
    return StockFetch().run(ctx, FetchParams.model_validate({"scene": 2, "query": "q", **params}))


def test_a_locked_file_that_is_gone_or_differs_names_the_scene_and_the_repick(fakes, tmp_path):
    from vidc.runtime.backends.base import BackendError

    px, _pb, _env = fakes
    url = px.file_url("v-1001-640x360.mp4")
    path, size = download(url, tmp_path / "probe", "mp4")
    sha = path.name.split(".")[0]
    result = _fetch(tmp_path, url=url, sha256=sha, size=size, provider="pexels", author="Ada")
    assert result["credit"]["author"] == "Ada" and (tmp_path / "out-0" / "source.mp4").stat().st_size == size
    n = px.counts["download"]
    _fetch(tmp_path, url=url, sha256=sha, size=size)  # the work folder has it: nothing downloaded
    assert px.counts["download"] == n
    with pytest.raises(BackendError, match=r"scene 2: the locked stock file's bytes differ.*repick SPEC --scene 2"):
        _fetch(tmp_path, url=url, sha256="0" * 64, size=size)
    with pytest.raises(BackendError, match=r"scene 2: the locked stock file is gone.*HTTP 404.*--scene 2"):
        _fetch(tmp_path, url=px.file_url("v-999999-1x1.mp4"), sha256="1" * 64, size=1)


def test_a_scene_without_a_fitting_video_gets_a_photo_shown_as_a_still(fakes, tmp_path):
    px, pb, env = fakes
    px.catalogue[:] = [it for it in px.catalogue if it.seconds == 0]  # photos only
    pb.catalogue[:] = []
    lock, _report, _s = _pick(tmp_path, env)
    pick = lock.videos["waves"]["1"]
    assert pick.media == "photo" and pick.ext == "jpg" and pick.width >= 640
    plan = plan_of(spec(), files={"project.stock.json": lock_text(lock)}, facts=KEYS)
    clip = plan.task_map()["waves/video/scene-01"]
    assert clip.params["still"] is True and "@{in:stock}/source.jpg" in clip.argv[0]
