"""`vidc publish`: upload every built video of a spec that is not yet published on the platform's
account, once (the publish ledger in the work folder), resumably, labelled as AI content where
anything was generated. `vidc publish login PLATFORM` stores the account's credentials."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..host.sources import find_spec
from ..publish.credentials import NAMES, PublishFault
from ..publish.jobs import Job, make_jobs
from ..publish.ledger import PublishLedger
from ..state.workfolder import project_work_folder
from .common import (
    EnvironmentFault,
    UsageError,
    add_spec_args,
    compile_spec_rows,
    hardware_of,
    parse_overrides,
    show_diagnostics,
)
from .left_out import add_skip_arg, show_left_out


def register(sub) -> None:
    p = sub.add_parser(
        "publish", help="upload the built videos to YouTube or TikTok, once each (`vidc publish login PLATFORM` first)"
    )
    add_spec_args(p)
    p.add_argument("login_platform", nargs="?", metavar="PLATFORM", help=argparse_hide())
    p.add_argument(
        "--platform", choices=("youtube", "tiktok"), default="youtube", help="where to publish (default youtube)"
    )
    p.add_argument("--dry-run", action="store_true", help="print what would be sent and the quota it would use")
    p.add_argument("--json", action="store_true", help="print one JSON event per line")
    p.add_argument(
        "--republish", action="store_true", help="upload a video whose MP4 changed since it was published as a new one"
    )
    p.add_argument(
        "--draft", action="store_true", help="TikTok: send to the creator's inbox as a draft instead of posting"
    )
    p.add_argument("--credentials", metavar="FILE", help="authorised-user credentials JSON (default: the stored login)")
    p.add_argument("--account", default="default", help="login: the name to store the credentials under")
    p.add_argument("--client-secrets", metavar="FILE", help="login: the OAuth client (Google's installed-app JSON)")
    add_skip_arg(p, exit_one=False)  # its exit status is the publishing's own
    p.set_defaults(func=run)


def argparse_hide() -> str:
    import argparse

    return argparse.SUPPRESS


def run(args) -> int:
    if args.spec == "login":
        from .publish_login import login

        return login(args)
    if args.login_platform is not None:
        raise UsageError(f"unexpected argument {args.login_platform!r} (did you mean `vidc publish login ...`?)")
    spec = find_spec(args.spec)
    overrides, skip = parse_overrides(args.set, args.preset), args.skip_invalid_rows
    plan, diags, root, videos, args.left_out = compile_spec_rows(spec, hardware_of(args), overrides, None, skip)
    show_diagnostics(diags, spec)
    if plan is None:
        return 2
    show_left_out(args.left_out, spec)
    jobs = make_jobs(videos, plan, spec.resolve().parent, args.platform)
    emit = _emitter(args.json)
    if not jobs:
        emit(
            {
                "event": "nothing",
                "platform": args.platform,
                "reason": f"no video of the spec has `publish.{args.platform}`",
            }
        )
        return 0
    ledger = PublishLedger(project_work_folder(root).root / "publish.log")
    try:
        return _publish(args, jobs, ledger, emit)
    except PublishFault as exc:
        raise EnvironmentFault(str(exc)) from None


def _publish(args, jobs: list[Job], ledger: PublishLedger, emit) -> int:
    from ..publish import run as publish_run

    if args.dry_run:
        return publish_run.dry_run(jobs, ledger, emit)
    from ..publish import credentials, youtube

    if args.platform == "tiktok":
        return _tiktok(args, jobs, ledger, emit)

    youtube.require_client()
    account = jobs[0].account

    def client():
        info = credentials.load(credentials.find("youtube", account, args.credentials), "youtube")
        return youtube.YouTube(info, credentials.api_root("youtube"))

    return _report(args, publish_run.publish_youtube(jobs, ledger, client, args.republish, emit))


def _report(args, out) -> int:
    for line in out.errors:
        print(f"vidc: error: {line}", file=sys.stderr)
    if not args.json:
        print(
            f"{NAMES[args.platform]}: {len(out.published)} published or completed, {len(out.errors)} failed",
            file=sys.stderr,
        )
    return 1 if out.errors else 0


def _tiktok(args, jobs: list[Job], ledger: PublishLedger, emit) -> int:
    from ..publish import credentials
    from ..publish.run_tiktok import publish_tiktok
    from ..publish.tiktok import TikTok

    account = jobs[0].account

    def client():
        info = credentials.load(credentials.find("tiktok", account, args.credentials), "tiktok")
        return TikTok(info, credentials.api_root("tiktok"))

    out = publish_tiktok(jobs, ledger, client, args.republish, args.draft, emit)
    return _report(args, out)


def _emitter(as_json: bool):
    def emit(event: dict) -> None:
        if as_json:
            print(json.dumps(event, sort_keys=True, ensure_ascii=False), flush=True)
            return
        print(_line(event), flush=True)

    return emit


def _line(e: dict) -> str:
    video, kind = e.get("video", ""), e["event"]
    if kind == "published":
        return f"{video}: {'published' if e.get('new') else 'already published'} {e['url']}"
    if kind == "would_publish":
        r = e["resource"]
        status = r.get("status", {})
        return (
            f"{video}: {e['state']}; would send {e['bytes']} bytes, title {r.get('snippet', r).get('title')!r}, "
            f"privacy {status.get('privacyStatus', '-')}, AI label {status.get('containsSyntheticMedia', '-')}, "
            f"thumbnail {e['thumbnail']}, captions {e['captions']}, {e['units']} units"
            + (f" ({e['problem']})" if "problem" in e else "")
        )
    if kind == "quota" and e["platform"] == "tiktok":
        return f"quota: this publish would make about {e['requests']} TikTok API requests (at most {e['per_minute']} a minute per token)"
    if kind == "quota":
        return f"quota: this publish would use {e['units']} units; {e['used']} of {e['limit']} used on {e['day']} (Pacific)"
    if kind == "resuming":
        return f"{video}: resuming its upload session (the server says how much it has; {e['confirmed']} bytes noted)"
    if kind == "step":
        return f"{video}: {e['step']} attached"
    return f"{video}: {kind}: {e.get('reason') or e.get('error') or ''}".strip()


def publish_states(spec: Path, plan, videos) -> dict[str, dict[str, str]]:
    """Each video's state on each platform its spec publishes to (for `vidc plan` and `vidc review`),
    from the publish ledger; nothing is written."""
    from ..publish.run import video_state

    rep = PublishLedger(spec.resolve().parent / ".vidc" / "publish.log").replay()
    out: dict[str, dict[str, str]] = {}
    for platform in ("youtube", "tiktok"):
        for job in make_jobs(videos, plan, spec.resolve().parent, platform, verify=False):
            out.setdefault(job.video, {})[platform] = video_state(job, rep)
    return out


def publish_lines(spec: Path, plan, videos) -> list[str]:
    from ..publish import quota
    from ..publish.run import units_to_spend

    states = publish_states(spec, plan, videos)
    if not states:
        return []
    lines = ["publish:"] + [f"  {name} on {p}: {s}" for name, by in states.items() for p, s in sorted(by.items())]
    jobs = make_jobs(videos, plan, spec.resolve().parent, "youtube", verify=False)
    if jobs:
        rep = PublishLedger(spec.resolve().parent / ".vidc" / "publish.log").replay()
        used = rep.units.get(("youtube", jobs[0].account, quota.day()), 0)
        lines.append(
            f"  YouTube quota: publishing would use {units_to_spend(jobs, rep)} units; {used} of "
            f"{quota.daily_limit()} used on {quota.day()} (Pacific)"
        )
    return lines
