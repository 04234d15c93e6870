"""`vidc publish login youtube|tiktok`: sign in once and store the account's credentials (mode 0600,
in the user's config folder, never the project)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..publish.credentials import PublishFault
from .common import EnvironmentFault, UsageError


def login(args) -> int:
    from ..publish.login import client_of, login as run_login

    platform = args.login_platform
    if platform not in ("youtube", "tiktok"):
        raise UsageError("usage: vidc publish login youtube|tiktok --client-secrets FILE [--account NAME]")
    if not args.client_secrets:
        raise UsageError(
            "vidc publish login needs --client-secrets FILE: the OAuth client of your API project "
            "(Google Cloud console: an OAuth client of type Desktop app; TikTok: the app's client key and secret)"
        )
    try:
        client = client_of(Path(args.client_secrets), platform)
        path = run_login(platform, args.account, client, lambda line: print(line, file=sys.stderr, flush=True))
    except PublishFault as exc:
        raise EnvironmentFault(str(exc)) from None
    print(f"stored the {platform} credentials of account `{args.account}` in {path} (mode 0600)")
    return 0
