"""`vidc publish login PLATFORM`: the OAuth authorisation-code flow with a loopback redirect and PKCE,
fit for a headless machine: vidc listens on 127.0.0.1, prints the URL to open (on another machine,
forward the port with `ssh -L PORT:127.0.0.1:PORT HOST` first), takes the code the browser brings
back, exchanges it at the client's token endpoint, and stores the authorised-user credentials with
mode 0600 in the user's config folder. The tokens are never printed."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from .credentials import NAMES, PublishFault, check_root, store

AUTH = {
    "youtube": ("https://accounts.google.com/o/oauth2/auth", "https://www.googleapis.com/auth/youtube.upload"),
    "tiktok": ("https://www.tiktok.com/v2/auth/authorize/", "video.publish,video.upload"),
}


def client_of(path: Path, platform: str) -> dict[str, str]:
    """The OAuth client: Google's installed-app JSON (`{"installed": {...}}`), or a flat
    `{client_id | client_key, client_secret, auth_uri?, token_uri?}`."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishFault(f"cannot read the OAuth client {path}: {type(exc).__name__}") from None
    info = raw.get("installed") or raw.get("web") or raw if isinstance(raw, dict) else {}
    client_id = info.get("client_id") or info.get("client_key")
    if not isinstance(client_id, str):
        raise PublishFault(f"{path} names no client_id (or client_key); download the OAuth client's JSON again")
    from .credentials import TOKEN_URI

    out = {
        "client_id": client_id,
        "client_secret": str(info.get("client_secret", "")),
        "auth_uri": str(info.get("auth_uri") or AUTH[platform][0]),
        "token_uri": str(info.get("token_uri") or TOKEN_URI[platform]),
    }
    check_root(out["auth_uri"], f"the auth_uri of {path}")
    check_root(out["token_uri"], f"the token_uri of {path}")
    return out


def login(
    platform: str, account: str, client: dict[str, str], say: Callable[[str], None], timeout: float = 600
) -> Path:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    got: dict[str, str] = {}
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            query = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).items()}
            ok = query.get("state") == state and "code" in query
            if ok:
                got.update(query)
                done.set()
            body = (
                b"vidc: signed in; you can close this page." if ok else b"vidc: this is not the answer vidc waits for."
            )
            self.send_response(200 if ok else 400)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = HTTPServer(("127.0.0.1", 0), Handler)
    redirect = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        key = "client_key" if platform == "tiktok" else "client_id"
        params = {
            key: client["client_id"],
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": AUTH[platform][1],
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "access_type": "offline",
            "prompt": "consent",
        }
        say(f"open this URL in a browser and allow vidc to publish to {NAMES[platform]}:")
        say(f"  {client['auth_uri']}?{urllib.parse.urlencode(params)}")
        say(
            f"(on a headless machine, first forward the port: ssh -L {server.server_address[1]}:127.0.0.1:"
            f"{server.server_address[1]} THIS-HOST)"
        )
        if not done.wait(timeout):
            raise PublishFault(
                f"no answer from the browser in {timeout:.0f} s; run `vidc publish login {platform}` again"
            )
    finally:
        server.shutdown()
        server.server_close()
    tokens = _exchange(client, got["code"], redirect, verifier, platform)
    saved = {k: client[k] for k in ("client_id", "client_secret", "token_uri")}
    return store(platform, account, {**saved, "refresh_token": tokens["refresh_token"]})


def _exchange(client: dict[str, str], code: str, redirect: str, verifier: str, platform: str) -> dict:
    key = "client_key" if platform == "tiktok" else "client_id"
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect,
        key: client["client_id"],
        "client_secret": client["client_secret"],
        "code_verifier": verifier,
    }
    request = urllib.request.Request(
        client["token_uri"],
        data=urllib.parse.urlencode(form).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            tokens = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise PublishFault(f"the token endpoint refused the sign-in ({exc.code}); run the login again") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise PublishFault(f"cannot reach the token endpoint {client['token_uri']} ({type(exc).__name__})") from None
    if not isinstance(tokens, dict) or not isinstance(tokens.get("refresh_token"), str):
        raise PublishFault(
            "the token endpoint gave no refresh token; revoke vidc's access in the account and log in again"
        )
    return tokens
