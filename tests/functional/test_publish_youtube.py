"""`vidc publish` against a local server that speaks the YouTube Data API's protocol (resumable
sessions, 308 + Range, the 256 KiB chunk rule, token refresh at the credentials' token_uri,
quotaExceeded), driven through the official client. Three tiny videos are built once (draft preset,
one 1.5 s scene each); each test publishes a copy of that build."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.fakes.youtube_server import FakeYouTube
from vidc.runtime.publish import quota
from vidc.runtime.state.store import file_sha256

pytest.importorskip("googleapiclient")

SPEC = """vidc: 1
name: pub-{{ item | slug }}
matrix:
  - {item: alpha}
  - {item: beta}
  - {item: gamma}
script:
  scenes:
    - voiceover_text: "Meet {{ item }}."
      visual_prompt: "a box"
      duration_seconds: 1.5
music: {mood: [uplifting]}
captions: {mode: sidecar}
export: {preset: draft}
thumbnail: {scene: 1}
publish:
  youtube:
    title: "All about {{ item }}"
    description: "A short film about {{ item }}."
    tags: [vidc, "{{ item }}"]
"""
NAMES = ("pub-alpha", "pub-beta", "pub-gamma")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("publish-build")
    (project / "project.yaml").write_text(SPEC)
    run_cli("build", project, "--json").ok()
    return project


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "p"
    dest.mkdir()
    shutil.copy(built / "project.yaml", dest / "project.yaml")
    shutil.copytree(built / "build", dest / "build")
    return dest


@pytest.fixture
def fake(tmp_path: Path):
    with FakeYouTube() as server:
        yield server


def _env(fake: FakeYouTube, tmp_path: Path) -> dict[str, str]:
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir(exist_ok=True)
    creds = secrets_dir / "youtube.json"
    creds.write_text(json.dumps(fake.credentials()))
    return {
        "VIDC_YOUTUBE_API_URL": fake.url,
        "VIDC_YOUTUBE_CREDENTIALS": str(creds),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def _uploads(fake: FakeYouTube) -> list[dict]:
    return [r for r in fake.requests if r["kind"] in ("upload_start", "upload_put")]


def test_a_matrix_publishes_private_labelled_with_thumbnail_and_captions_once(project, fake, tmp_path):
    env = _env(fake, tmp_path)
    planned = run_cli("plan", project).ok().out
    assert "  pub-alpha on youtube: not published\n" in planned
    assert "  YouTube quota: publishing would use 1650 units; 0 of 10000 used" in planned  # 3 x (100 + 400 + 50)
    result = run_cli("publish", project, "--json", env=env).ok()
    assert [e["video"] for e in result.events if e["event"] == "published"] == list(NAMES)
    assert "  pub-beta on youtube: published https://www.youtube.com/watch?v=" in run_cli("plan", project).ok().out
    assert fake.token_requests >= 1  # the token was refreshed at the credentials' token_uri
    by_title = {v["snippet"]["title"]: v for v in fake.videos.values()}
    assert sorted(by_title) == ["All about alpha", "All about beta", "All about gamma"]
    for name in NAMES:
        video = by_title[f"All about {name[4:]}"]
        assert video["status"]["privacyStatus"] == "private"
        assert video["status"]["containsSyntheticMedia"] is True  # a synthetic (Piper) voice speaks
        assert video["snippet"]["tags"] == ["vidc", name[4:]]
        assert video["sha256"] == file_sha256(project / "build" / f"{name}.mp4")
        assert fake.thumbnails[video["id"]] == (project / "build" / f"{name}.thumbnail.jpg").read_bytes()
    assert sorted(c["snippet"]["videoId"] for c in fake.captions) == sorted(fake.videos)
    assert all(c["file"].startswith(b"1\n") for c in fake.captions)  # the SRT itself

    before = len(fake.requests)
    again = run_cli("publish", project, "--json", env=env).ok()
    assert len(fake.requests) == before  # nothing uploaded, nothing attached again
    assert [e["new"] for e in again.events if e["event"] == "published"] == [False, False, False]
    assert len(fake.videos) == 3

    secrets = set(fake.tokens) | {fake.refresh_token, fake.client_secret}
    for path in project.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(s.encode() in data for s in secrets), f"a credential leaked into {path}"
    assert not any(s in again.out + result.out for s in secrets)


def test_a_publish_killed_mid_upload_resumes_from_the_confirmed_offset(project, fake, tmp_path, vidc_cmd):
    env = {**os.environ, **_env(fake, tmp_path)}
    fake.hang_after = 20_000  # the server keeps 20,000 bytes of the first upload, then never answers
    proc = subprocess.Popen(
        [*vidc_cmd, "publish", str(project), "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert fake.hung.wait(120), "the upload never started"
        ledger = project / ".vidc" / "publish.log"
        assert '"kind": "session"' in ledger.read_text()  # journaled before the bytes left
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert fake.videos == {}
    result = run_cli("publish", project, "--json", env=_env(fake, tmp_path)).ok()
    assert [e["video"] for e in result.events if e["event"] == "resuming"] == ["pub-alpha"]
    assert [r["range"] for r in fake.requests if r["kind"] == "upload_status"] == [
        f"bytes */{(project / 'build' / 'pub-alpha.mp4').stat().st_size}"
    ]
    puts = [r["range"] for r in fake.requests if r["kind"] == "upload_put"]
    assert puts[1].startswith("bytes 20000-")  # the rest, from the offset the server confirmed
    assert len([r for r in fake.requests if r["kind"] == "upload_start"]) == 3  # one session per video
    alpha = [v for v in fake.videos.values() if v["snippet"]["title"] == "All about alpha"]
    assert len(alpha) == 1 and alpha[0]["sha256"] == file_sha256(project / "build" / "pub-alpha.mp4")
    assert len(fake.videos) == 3


def test_quota_exceeded_stops_with_one_line_and_the_ledger_resumes_the_next_day(project, fake, tmp_path, monkeypatch):
    env = _env(fake, tmp_path)
    fake.quota_left = 600  # alpha: upload 100 + captions 400 + thumbnail 50; beta's upload is refused
    result = run_cli("publish", project, env=env)
    assert result.code == 1
    last = result.err.strip().splitlines()[-1]
    assert last.startswith("vidc: error: YouTube's daily quota is used up (403 quotaExceeded)")
    assert "again after" in last and "UTC" in last and "Traceback" not in result.err
    assert len(fake.videos) == 1 and len(fake.thumbnails) == 1 and len(fake.captions) == 1

    before = len(fake.requests)
    same_day = run_cli("publish", project, env=env)
    assert same_day.code == 1 and "used up" in same_day.err and len(fake.requests) == before  # nothing sent

    fake.quota_left = 10_000
    tomorrow = time.time() + 86_400
    monkeypatch.setattr(quota, "now", lambda: tomorrow)
    run_cli("publish", project, env=env).ok()
    assert len(fake.videos) == 3
    assert sorted(v["snippet"]["title"] for v in fake.videos.values())[0] == "All about alpha"
    assert len([r for r in fake.requests if r["kind"] == "upload_start"]) == 4  # beta's refused start, then 2


def test_a_failed_step_is_retried_alone_and_a_changed_video_needs_republish(project, fake, tmp_path):
    env = _env(fake, tmp_path)
    fake.push("thumbnail", {"status": 500})
    first = run_cli("publish", project, env=env)
    assert first.code == 1 and "thumbnail" in first.err and len(fake.videos) == 3
    uploads = len(_uploads(fake))
    run_cli("publish", project, env=env).ok()
    assert len(_uploads(fake)) == uploads and len(fake.thumbnails) == 3  # only the thumbnail again

    mp4, manifest = project / "build" / "pub-beta.mp4", project / "build" / "pub-beta.json"
    with open(mp4, "ab") as fh:  # a rebuild that changed the video (its manifest says so)
        fh.write(b"\0" * 16)
    m = json.loads(manifest.read_text())
    m["video_sha256"] = file_sha256(mp4)
    manifest.write_text(json.dumps(m))
    skipped = run_cli("publish", project, "--json", env=env).ok()
    assert [e["video"] for e in skipped.events if e["event"] == "skipped"] == ["pub-beta"]
    assert len(fake.videos) == 3
    dry = run_cli("publish", project, "--dry-run", env=env).ok()
    assert "pub-beta: changed since published" in dry.out
    run_cli("publish", project, "--republish", env=env).ok()
    assert len(fake.videos) == 4


def test_a_title_of_101_characters_is_exit_2_at_its_line(project, fake, tmp_path):
    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace('title: "All about {{ item }}"', 'title: "{{ item }}' + "x" * 96 + '"'))
    result = run_cli("publish", project, env=_env(fake, tmp_path))
    assert result.code == 2 and fake.requests == []
    assert f"{spec}:18:12: error[E_PUBLISH_TEXT]: the YouTube title of `pub-alpha` has 101 characters" in result.err
    assert "pub-beta" not in result.err and "`pub-gamma` has 101" in result.err  # beta + 96 = 100: fine


def test_tiktok_direct_post_and_draft_once_each_with_the_ai_label(project, tmp_path):
    from tests.fakes.tiktok_server import FakeTikTok

    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace("publish:\n", "publish:\n  tiktok: {title: 'Tik {{ item }}'}\n"))
    with FakeTikTok() as tt:
        creds = tmp_path / "tt.json"
        creds.write_text(json.dumps(tt.credentials()))
        env = {
            "VIDC_TIKTOK_API_URL": tt.url,
            "VIDC_TIKTOK_CREDENTIALS": str(creds),
            "VIDC_TIKTOK_REQUESTS_PER_MINUTE": "60",
        }
        tt.per_minute = 60
        dry = run_cli("publish", project, "--platform", "tiktok", "--dry-run", env=env).ok()
        assert "would make about 7 TikTok API requests" in dry.out and tt.requests == []
        result = run_cli("publish", project, "--platform", "tiktok", "--json", env=env).ok()
        urls = [e["url"] for e in result.events if e["event"] == "published"]
        assert len(urls) == 3 and all(u.startswith("https://www.tiktok.com/@vidc_test/video/") for u in urls)
        inits = [r["body"] for r in tt.requests if r["path"].endswith("/video/init/")]
        assert sorted(i["post_info"]["title"] for i in inits) == ["Tik alpha", "Tik beta", "Tik gamma"]
        assert all(i["post_info"]["is_aigc"] is True and i["post_info"]["privacy_level"] == "SELF_ONLY" for i in inits)
        for post in tt.posts.values():
            assert post["status"] == "PUBLISH_COMPLETE" and len(post["data"]) == post["size"]
        before = len(tt.requests)
        run_cli("publish", project, "--platform", "tiktok", env=env).ok()
        assert len(tt.requests) == before  # posted once

        tt.per_minute = 1  # the platform's rate limit: a clear stop, what was posted kept
        (project / ".vidc" / "publish.log").unlink()
        stopped = run_cli("publish", project, "--platform", "tiktok", "--draft", env=env)
        assert stopped.code == 1 and "TikTok is limiting this account (429 rate_limit_exceeded)" in stopped.err
        tt.per_minute, tt.calls = 60, []
        run_cli("publish", project, "--platform", "tiktok", "--draft", env=env).ok()
        assert sum(p["inbox"] for p in tt.posts.values()) == 3
        assert all(p["status"] == "SEND_TO_USER_INBOX" for p in tt.posts.values() if p["inbox"])
        leaked = tt.tokens | {tt.refresh_token, tt.client_secret}
        assert not any(s in (project / ".vidc" / "publish.log").read_text() for s in leaked)
        assert "upload_token" not in (project / ".vidc" / "publish.log").read_text()


def test_an_expired_upload_session_starts_a_new_upload(project, fake, tmp_path):
    from vidc.runtime.publish.ledger import PublishLedger

    mp4 = project / "build" / "pub-alpha.mp4"
    ledger = PublishLedger(project / ".vidc" / "publish.log")
    gone = f"{fake.url}upload/youtube/v3/videos?uploadType=resumable&upload_id=expired"
    key = {"platform": "youtube", "account": "default", "video": "pub-alpha", "sha256": file_sha256(mp4)}
    ledger.append("session", uri=gone, size=mp4.stat().st_size, **key)
    result = run_cli("publish", project, "--json", env=_env(fake, tmp_path)).ok()
    assert [e["video"] for e in result.events if e["event"] == "session_expired"] == ["pub-alpha"]
    assert [(r["kind"], r["range"]) for r in fake.requests if r["kind"] == "upload_gone"] == [
        ("upload_gone", f"bytes */{mp4.stat().st_size}")  # the client asked where the session stands
    ]
    assert [r["kind"] for r in fake.requests][:2] == ["upload_gone", "upload_start"]
    assert len(fake.videos) == 3
