"""`openai-videos` against a local server speaking the OpenAI Videos API (tests/fakes/videos_server):
jobs journaled before their first poll, re-attached instead of created again, failed and timed-out
jobs tried again and each priced in the spend ledger, downloads verified, --max-cost before a job."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.videos_server import FakeVideos
from vidc.runtime.backends.base import BackendError, TaskContext
from vidc.runtime.backends.openai_videos import OpenAIVideos, OpenAIVideosParams
from vidc.runtime.backends.remote_jobs import JobBook, request_key
from vidc.runtime.backends.spend import Ledger, SpendLimit

TASK = "kite/video/scene-01/chunk-01"


def _params(fake: FakeVideos, **over) -> OpenAIVideosParams:
    base = dict(model="wan2.2-ti2v", prompt="a red kite over a beach", seconds=1, size="160x96", seed=7,
                server_params={"num_inference_steps": 4}, base_url=fake.base_url, timeout_s=30,
                poll_seconds=(0.05, 0.2), scene=1, chunk=1)  # fmt: skip
    return OpenAIVideosParams.model_validate({**base, **over})


def _ctx(tmp: Path, task: str = TASK, inputs: dict | None = None) -> TaskContext:
    work = tmp / "work"
    (work / "store").mkdir(parents=True, exist_ok=True)
    out = work / "store" / f"out-{len(list((work / 'store').iterdir()))}"
    out.mkdir()
    return TaskContext(task_id=task, params={}, inputs=inputs or {}, out=out, project_dir=tmp,
                       cache_dir=work / "cache", store_root=work / "store")  # fmt: skip


def _ledger(tmp: Path, ceiling: int | None = None, per_second: float = 100_000.0, task: str = TASK) -> Ledger:
    ledger = Ledger(tmp / "work" / "spend.log")
    (tmp / "work").mkdir(exist_ok=True)
    ledger.start(ceiling)
    ledger.price(task, "openai-videos", "wan2.2-ti2v", {"seconds": per_second})
    return ledger


def _backend() -> OpenAIVideos:
    b = OpenAIVideos()
    b.setup("cpu")
    return b


def test_a_job_is_created_once_polled_downloaded_and_decoded(tmp_path):
    with FakeVideos() as fake:
        ledger = _ledger(tmp_path)
        ctx = _ctx(tmp_path)
        result = _backend().run(ctx, _params(fake))
        assert fake.creates == 1 and fake.polls >= 2
        (job,) = fake.jobs.values()
        assert job["fields"]["seed"] == 7 and job["fields"]["num_inference_steps"] == 4
        assert job["fields"]["seconds"] == "1" and job["fields"]["size"] == "160x96"
        assert result["frames"] == 8 and (result["width"], result["height"]) == (160, 96)
        assert result["job_id"] == next(iter(fake.jobs)) and result["overlap_frames"] == 0
        assert result["jobs"] == [{"try": 1, "id": result["job_id"], "state": "completed", "micro_usd": 100_000}]
        assert (ctx.out / "frames.mkv").stat().st_size > 0 and (ctx.out / "last_frame.png").is_file()
        (sent,) = ledger.requests()
        assert sent["micro_usd"] == 100_000 and sent["task"] == TASK


def test_a_failing_job_is_tried_again_and_each_try_is_costed(tmp_path):
    with FakeVideos() as fake:
        fake.fail_jobs(1)
        ledger = _ledger(tmp_path)
        result = _backend().run(_ctx(tmp_path), _params(fake))
        assert fake.creates == 2
        assert [j["state"] for j in result["jobs"]] == ["failed", "completed"]
        assert "CUDA out of memory" in result["jobs"][0]["error"]
        assert [r["micro_usd"] for r in ledger.requests()] == [100_000, 100_000]
        assert result["micro_usd"] == 200_000


def test_jobs_that_keep_failing_end_in_one_clear_error(tmp_path):
    with FakeVideos() as fake:
        fake.fail_jobs(5)
        with pytest.raises(BackendError, match=r"scene 1 job 1: 2 jobs ended without a clip .*CUDA out of memory"):
            _backend().run(_ctx(tmp_path), _params(fake, max_tries=2))
        assert fake.creates == 2


def test_a_job_that_never_finishes_is_cancelled_after_timeout_s_and_tried_again(tmp_path):
    with FakeVideos() as fake:
        fake.hang_jobs(1)
        started = time.monotonic()
        result = _backend().run(_ctx(tmp_path), _params(fake, timeout_s=1.0))
        assert time.monotonic() - started < 120  # bounded by timeout_s, not by the job (which never ends)
        first = next(iter(fake.jobs))
        assert fake.deletes == [first] and fake.creates == 2
        assert [j["state"] for j in result["jobs"]] == ["timed_out", "completed"]


def _quick_backoff() -> tuple[OpenAIVideos, list[float]]:
    """A backend whose backoff waits are recorded and cut to 10 ms (the downloads' 2, 4, 8 s)."""
    b, waits = _backend(), []
    b.sleep = lambda s: (waits.append(s), time.sleep(min(s, 0.01)))[-1]
    return b, waits


def test_a_truncated_or_non_video_download_is_fetched_again_never_kept(tmp_path):
    with FakeVideos() as fake:
        fake.bad_downloads(2)
        ctx = _ctx(tmp_path)
        backend, waits = _quick_backoff()
        result = backend.run(ctx, _params(fake))
        assert fake.creates == 1 and result["frames"] == 8
        assert [w for w in waits if w >= 1] == [2.0, 4.0]  # it backed off before each new download
    with FakeVideos() as fake:  # three bad answers: that job is given up, a new one made
        fake.bad_downloads(3)
        result = _quick_backoff()[0].run(_ctx(tmp_path, task="kite/video/scene-02/chunk-01"), _params(fake))
        assert fake.creates == 2 and result["jobs"][0]["state"] == "bad_download"
        assert "not a video" in result["jobs"][0]["error"] or "decode" in result["jobs"][0]["error"]


def test_a_journaled_job_is_re_attached_not_created_again(tmp_path):
    with FakeVideos() as fake:
        p = _params(fake)
        status, job = fake.create(p.request(), None, "k1")  # made by a build that was killed before polling
        ctx = _ctx(tmp_path)
        book = JobBook(ctx.store_root.parent / "jobs", TASK, request_key(TASK, p.request(), None))
        book.mark(book.begin("k1", None, 0, time.time()), "running", id=job["id"])
        result = _backend().run(ctx, p)
        assert fake.creates == 1 and result["job_id"] == job["id"]
        # killed between journaling the try and hearing the id: the same idempotency key, the same job
        ctx2 = _ctx(tmp_path, task="kite/video/scene-02/chunk-01")
        book2 = JobBook(ctx2.store_root.parent / "jobs", ctx2.task_id, request_key(ctx2.task_id, p.request(), None))
        fake.create(p.request(), None, "k2")
        book2.begin("k2", None, 0, time.time())
        result2 = _backend().run(ctx2, p)
        assert fake.creates == 2 and result2["job_id"] == fake.by_key["k2"]


def test_the_previous_clip_s_last_frame_is_sent_as_input_reference(tmp_path):
    with FakeVideos() as fake:
        first = _ctx(tmp_path)
        _backend().run(first, _params(fake))
        second = _ctx(tmp_path, task="kite/video/scene-01/chunk-02", inputs={"prev": first.out})
        result = _backend().run(second, _params(fake, input_reference=True, chunk=2))
        job = list(fake.jobs.values())[1]
        assert job["reference"] == (first.out / "last_frame.png").read_bytes()
        assert job["fields"]["prompt"] == "a red kite over a beach" and result["overlap_frames"] == 1


def test_max_cost_refuses_a_job_that_would_pass_it(tmp_path):
    with FakeVideos() as fake:
        fake.fail_jobs(1)
        _ledger(tmp_path, ceiling=150_000)  # one job fits, the second does not
        with pytest.raises(SpendLimit, match="more than --max-cost"):
            _backend().run(_ctx(tmp_path), _params(fake))
        assert fake.creates == 1


def test_a_server_key_is_sent_and_never_shown(tmp_path, monkeypatch):
    with FakeVideos(api_key="sk-secret-123") as fake:
        monkeypatch.setenv("VIDC_TEST_VIDEOS_KEY", "sk-secret-123")
        _backend().run(_ctx(tmp_path), _params(fake, api_key_env="VIDC_TEST_VIDEOS_KEY"))
        monkeypatch.setenv("VIDC_TEST_VIDEOS_KEY", "sk-wrong")
        with pytest.raises(BackendError) as err:
            _backend().run(
                _ctx(tmp_path, task="v/video/scene-02/chunk-01"),
                _params(fake, api_key_env="VIDC_TEST_VIDEOS_KEY", max_tries=1),
            )
        assert "sk-wrong" not in str(err.value) and "401" in str(err.value)
        for f in (tmp_path / "work").rglob("*"):
            assert not f.is_file() or b"sk-" not in f.read_bytes()


CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.unit.test_openai_videos import _backend, _ctx, _params
from tests.fakes.videos_server import FakeVideos
class F: base_url = {url!r}
_backend().run(_ctx(Path({tmp!r})), _params(F, timeout_s=60))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_asks_the_server_to_cancel(tmp_path, sig):
    with FakeVideos() as fake:
        fake.hang_jobs(1)
        code = CHILD.format(root=str(Path(__file__).parents[2]), url=fake.base_url, tmp=str(tmp_path))
        handler = "import signal, sys; signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))\n"  # as a worker
        child = subprocess.Popen([sys.executable, "-c", handler + code], stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not (fake.jobs and fake.polls >= 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(sig)
        child.wait(timeout=30)
        assert fake.deletes == list(fake.jobs) and len(fake.deletes) == 1
        (book,) = (tmp_path / "work" / "jobs").glob("*.json")
        assert json.loads(book.read_text())["tries"][0]["state"] == "cancelled"


PLAN_SPEC = """vidc: 1
name: kites
script:
  scenes:
    - voiceover_text: "Kites fly over the beach in the wind today."
      visual_prompt: "a red kite over a beach"
      duration_seconds: 9
video:
  engine: openai-videos
  model: wan2.2-ti2v
{extra}export: {{preset: shorts}}
"""


def test_plan_time_a_missing_server_is_a_diagnostic_and_jobs_cover_the_scene():
    from tests.factories import compile_text
    from vidc.schemas.catalog import Facts

    plan, diags = compile_text(PLAN_SPEC.format(extra=""), facts=Facts())
    (d,) = [d for d in diags if d.code == "E_MISSING"]
    assert plan is None and (d.line, "base_url" in d.message + d.hint) == (9, True)  # at `engine: openai-videos`
    extra = "  base_url: http://127.0.0.1:30000/v1\n  api_key_env: NOT_SET_VIDEOS_KEY\n  price_per_second: 0.02\n"
    plan, diags = compile_text(PLAN_SPEC.format(extra=extra), facts=Facts(api_keys=frozenset()))
    assert plan is not None and [d.code for d in diags if d.code == "W_API_KEY"] == ["W_API_KEY"]
    jobs = [t for t in plan.tasks if t.backend == "openai-videos"]
    assert len(jobs) == 3  # 9 s in jobs of 4 s
    assert jobs[0].params["size"] == "720x1280" and jobs[0].params["seconds"] == 4  # shorts: vertical
    assert len({t.params["seed"] for t in jobs}) == 3
    assert all(t.cost is not None and t.cost.micro_usd == 80_000 for t in jobs)  # 4 s at $0.02/s
