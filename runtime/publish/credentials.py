"""Where a platform's credentials live, and where its API is.

Authorised-user credentials (`{type: authorized_user, client_id, client_secret, refresh_token,
token_uri}`) are found, in order, at `--credentials FILE`, at `VIDC_YOUTUBE_CREDENTIALS` /
`VIDC_TIKTOK_CREDENTIALS`, or where `vidc publish login` stored them: the user's config folder
(`$XDG_CONFIG_HOME/vidc/credentials/PLATFORM/ACCOUNT.json`, mode 0600), never the project. They are
read here and handed to the client; nothing vidc writes (ledger, events, logs) carries them.
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

ENV = {"youtube": "VIDC_YOUTUBE_CREDENTIALS", "tiktok": "VIDC_TIKTOK_CREDENTIALS"}
API_ENV = {"youtube": "VIDC_YOUTUBE_API_URL", "tiktok": "VIDC_TIKTOK_API_URL"}
API_DEFAULT = {"youtube": "https://youtube.googleapis.com/", "tiktok": "https://open.tiktokapis.com/"}
TOKEN_URI = {"youtube": "https://oauth2.googleapis.com/token", "tiktok": "https://open.tiktokapis.com/v2/oauth/token/"}
NAMES = {"youtube": "YouTube", "tiktok": "TikTok"}


class PublishFault(Exception):
    """The machine, the account or the platform, not the spec, is wrong: one line, exit 1."""


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vidc"


def stored_path(platform: str, account: str) -> Path:
    return config_dir() / "credentials" / platform / f"{account}.json"


def find(platform: str, account: str, explicit: str | None) -> Path:
    """The credentials file to use (it must exist)."""
    for path, where in ((explicit, "--credentials"), (os.environ.get(ENV[platform]), ENV[platform])):
        if path:
            if not Path(path).is_file():
                raise PublishFault(f"{where} names {path}, which is not a file; point it at the credentials JSON")
            return Path(path)
    path = stored_path(platform, account)
    if not path.is_file():
        raise PublishFault(
            f"no {NAMES[platform]} credentials for account `{account}`: run `vidc publish login {platform}"
            f"{'' if account == 'default' else ' --account ' + account}`, or point --credentials or "
            f"{ENV[platform]} at an authorised-user JSON file"
        )
    return path


def load(path: Path, platform: str) -> dict:
    """The authorised-user info of a credentials file; a broken file is one line naming it."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishFault(f"cannot read the credentials {path}: {type(exc).__name__}; log in again") from None
    need = ("client_id", "refresh_token")
    if not isinstance(info, dict) or any(not isinstance(info.get(k), str) for k in need):
        raise PublishFault(f"{path} is not authorised-user credentials (client_id, refresh_token); log in again")
    info.setdefault("token_uri", TOKEN_URI[platform])
    info.setdefault("client_secret", "")
    check_root(str(info["token_uri"]), f"the token_uri of {path}")
    return info


def store(platform: str, account: str, info: dict) -> Path:
    """Write credentials with mode 0600 (folders 0700), atomically."""
    path = stored_path(platform, account)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for folder in (path.parent, path.parent.parent):  # credentials/ and credentials/PLATFORM/
        os.chmod(folder, 0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps({"type": "authorized_user", **info}, sort_keys=True).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def api_root(platform: str) -> str:
    """The API root: VIDC_*_API_URL or the official one, ending in `/`."""
    url = os.environ.get(API_ENV[platform]) or API_DEFAULT[platform]
    check_root(url, API_ENV[platform])
    return url if url.endswith("/") else url + "/"


def check_root(url: str, what: str) -> None:
    """https anywhere; plain http only to a loopback address (a test server, a local proxy)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _loopback(parts.hostname):
        return
    raise PublishFault(f"{what} is {url!r}: use an https:// URL (plain http:// only for a loopback address)")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
