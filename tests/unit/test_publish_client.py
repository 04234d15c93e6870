"""The publish room's parts against the local YouTube-protocol server: chunked resumable uploads
(256 KiB rule, a 5xx retried), credentials (where they are found, mode 0600, loopback-only http),
the ledger's replay, and the login's loopback flow."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.fakes.youtube_server import FakeYouTube
from vidc.runtime.publish import credentials
from vidc.runtime.publish.credentials import PublishFault
from vidc.runtime.publish.jobs import Job
from vidc.runtime.publish.ledger import PublishLedger
from vidc.schemas.publish import YouTubePublish

pytest.importorskip("googleapiclient")


def _job(path: Path) -> Job:
    return Job(
        video="v",
        platform="youtube",
        account="default",
        mp4=path,
        sha256="0" * 64,
        size=path.stat().st_size,
        title="A title",
        description="",
        language="en",
        thumbnail=None,
        captions=None,
        ai_generated=True,
        block=YouTubePublish(),
    )


def test_a_multi_chunk_upload_keeps_the_256_kib_rule_and_rides_out_a_503(tmp_path):
    from vidc.runtime.publish.youtube import YouTube

    data = os.urandom(600_000)
    (tmp_path / "v.mp4").write_bytes(data)
    with FakeYouTube() as fake:
        fake.push("upload_put", {"status": 503})
        yt = YouTube(fake.credentials(), fake.url, chunk=256 * 1024)
        sessions, progress = [], []
        resource = yt.upload(_job(tmp_path / "v.mp4"), None, sessions.append, progress.append)
        assert fake.videos[resource["id"]]["bytes"] == len(data)
        assert resource["status"]["containsSyntheticMedia"] is True
        assert resource["status"]["privacyStatus"] == "private"
        assert len(sessions) == 1 and sessions[0].startswith(fake.url)
        assert progress == [262144, 524288]
        ranges = [r["range"] for r in fake.requests if r["kind"] == "upload_put"]
        assert ranges == [
            "bytes 0-262143/600000",
            "bytes 0-262143/600000",  # the 503, retried by the client
            "bytes 262144-524287/600000",
            "bytes 524288-599999/600000",
        ]


def test_the_fake_refuses_a_chunk_that_breaks_the_rule(tmp_path):
    from vidc.runtime.publish.youtube import YouTube

    (tmp_path / "v.mp4").write_bytes(os.urandom(300_000))
    with FakeYouTube() as fake:
        yt = YouTube(fake.credentials(), fake.url, chunk=100_000)
        with pytest.raises(PublishFault, match="400 badChunk"):
            yt.upload(_job(tmp_path / "v.mp4"), None, lambda uri: None, lambda n: None)
        assert fake.videos == {}


def test_bad_credentials_are_one_line_naming_the_login(tmp_path):
    from vidc.runtime.publish.youtube import YouTube

    (tmp_path / "v.mp4").write_bytes(b"x" * 10)
    with FakeYouTube() as fake:
        info = {**fake.credentials(), "refresh_token": "revoked"}
        with pytest.raises(PublishFault, match=r"refused the YouTube credentials .*vidc publish login youtube"):
            YouTube(info, fake.url).upload(_job(tmp_path / "v.mp4"), None, lambda u: None, lambda n: None)


def test_credentials_are_found_in_order_and_stored_0600_outside_the_project(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.delenv("VIDC_YOUTUBE_CREDENTIALS", raising=False)
    with pytest.raises(PublishFault, match="run `vidc publish login youtube`"):
        credentials.find("youtube", "default", None)
    path = credentials.store("youtube", "default", {"client_id": "c", "client_secret": "s", "refresh_token": "r"})
    assert path == tmp_path / "cfg" / "vidc" / "credentials" / "youtube" / "default.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert credentials.find("youtube", "default", None) == path
    other = tmp_path / "ci.json"
    other.write_text(json.dumps({"client_id": "c", "refresh_token": "r"}))
    monkeypatch.setenv("VIDC_YOUTUBE_CREDENTIALS", str(other))
    assert credentials.find("youtube", "default", None) == other
    assert credentials.find("youtube", "default", str(path)) == path  # --credentials wins
    assert credentials.load(other, "youtube")["token_uri"] == "https://oauth2.googleapis.com/token"


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://youtube.googleapis.com/", True),
        ("http://127.0.0.1:8080/", True),
        ("http://localhost:1/", True),
        ("http://[::1]:9/", True),
        ("http://example.com/", False),
        ("http://10.0.0.5/", False),
        ("ftp://127.0.0.1/", False),
    ],
)
def test_plain_http_only_for_loopback(url, ok, monkeypatch):
    monkeypatch.setenv("VIDC_YOUTUBE_API_URL", url)
    if ok:
        assert credentials.api_root("youtube").endswith("/")
    else:
        with pytest.raises(PublishFault, match="https"):
            credentials.api_root("youtube")


def test_the_ledger_replays_what_was_confirmed_and_ignores_a_torn_line(tmp_path):
    ledger = PublishLedger(tmp_path / "publish.log")
    key = {"platform": "youtube", "account": "a", "video": "v", "sha256": "s"}
    ledger.append("session", uri="http://127.0.0.1/u?upload_id=1", size=100, **key)
    ledger.append("progress", bytes=40, **key)
    with open(ledger.path, "ab") as fh:
        fh.write(b'{"kind": "uploaded", "id": "torn')  # power lost mid-write
    state = ledger.replay().videos[("youtube", "a", "v", "s")]
    assert (state.session, state.size, state.confirmed, state.id) == ("http://127.0.0.1/u?upload_id=1", 100, 40, None)
    ledger.append("uploaded", id="X", url="https://www.youtube.com/watch?v=X", **key)
    ledger.append("quota", platform="youtube", account="a", day="2027-01-01", units=100)
    rep = ledger.replay()
    assert rep.videos[("youtube", "a", "v", "s")].id == "X" and rep.units == {("youtube", "a", "2027-01-01"): 100}


def test_login_by_loopback_redirect_stores_the_refresh_token_0600(tmp_path, vidc_cmd):
    with FakeYouTube() as fake:
        client = tmp_path / "client.json"
        auth = fake.url + "auth"
        client.write_text(
            json.dumps(
                {
                    "installed": {
                        "client_id": fake.client_id,
                        "client_secret": fake.client_secret,
                        "auth_uri": auth,
                        "token_uri": fake.url + "token",
                    }
                }
            )
        )
        env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
        proc = subprocess.Popen(
            [*vidc_cmd, "publish", "login", "youtube", "--client-secrets", str(client)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stderr is not None
            url = ""
            for line in proc.stderr:
                if line.strip().startswith(auth):
                    url = line.strip()
                    break
            query = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
            redirect = urllib.request.unquote(query["redirect_uri"])
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", redirect) and query["code_challenge_method"] == "S256"
            with urllib.request.urlopen(f"{redirect}?code={fake.auth_code}&state={query['state']}") as resp:
                assert resp.status == 200  # the browser's landing page
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err
        stored = tmp_path / "cfg" / "vidc" / "credentials" / "youtube" / "default.json"
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert json.loads(stored.read_text())["refresh_token"] == fake.refresh_token
        assert fake.refresh_token not in out + err and fake.redirects == [redirect]


def test_tiktok_chunks_follow_the_api_rule():
    from vidc.runtime.publish.tiktok import chunks

    mb = 1024 * 1024
    assert chunks(4 * mb) == (4 * mb, 1)  # under 5 MB: whole
    assert chunks(8 * mb) == (8 * mb, 1)  # up to 64 MB: one chunk is allowed
    assert chunks(64 * mb) == (64 * mb, 1)
    assert chunks(105 * mb) == (10 * mb, 10)  # the last chunk takes the remainder (15 MB, under 128 MB)
