"""What every command shares: finding and compiling the spec, printing diagnostics, the one
`--set` parser, the hardware profile, and the exit codes (0 ok, 1 a failed build or an
environment fault, 2 a bad spec or usage)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from vidc.compiler.compile import PRESET_KEY, CompileOptions, compile_rows
from vidc.compiler.diagnostics import Diagnostic, format_all
from vidc.schemas.hardware import Hardware
from vidc.schemas.spec import PRESETS

from ..backends.facts import gather_facts
from ..backends.registry import CatalogError, catalog
from ..backends.wan_models import wan_model_facts
from ..host.hardware import detect, load_hardware
from ..host.sources import find_spec, project_asset_size, project_digest, project_sources
from ..media.fonts import font_source
from ..state.calibration import load_calibration

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A bad command line: exit 2."""


class EnvironmentFault(Exception):
    """The machine, not the spec, is wrong (ffmpeg missing, a read-only folder): exit 1, one line."""


def add_spec_args(p: argparse.ArgumentParser, *, hardware: bool = True) -> None:
    p.add_argument(
        "spec", nargs="?", default=".", help="project spec file, or a folder holding project.yaml (default: .)"
    )
    if hardware:
        p.add_argument(
            "--hardware",
            metavar="FILE",
            help="hardware profile (default: detect this machine); ray:auto or ray:ADDRESS reads it from a Ray cluster",
        )
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a template variable")
    p.add_argument(
        "--preset",
        choices=PRESETS,
        metavar="PRESET",
        help="render every video at this export preset, into OUTPUT/PRESET/ (e.g. draft-vertical)",
    )


def hardware_of(args) -> Hardware:
    spec = getattr(args, "hardware", None)
    if spec and spec.startswith("ray:"):  # the profile of a Ray cluster: ray:auto, ray:HOST:PORT, ray:ray://HOST:PORT
        from ..host.ray_cluster import ClusterError, cluster_hardware

        require_ray()
        try:
            return cluster_hardware(spec[len("ray:") :] or "auto")
        except ClusterError as exc:
            raise EnvironmentFault(str(exc)) from exc
    return load_hardware(spec) if spec else detect()


def require_ray() -> None:
    """Ray is an optional extra: say how to get it instead of a traceback."""
    try:
        import ray  # noqa: F401
    except ImportError as exc:
        raise EnvironmentFault(
            "Ray is not installed; install it with `pip install 'vidc[ray]'` (on every node of the cluster)"
        ) from exc


def parse_overrides(items: list[str] | None, preset: str | None = None) -> dict[str, str]:
    """`--set KEY=VALUE` items (repeatable) -> {KEY: VALUE}; the compiler types the values.
    `--preset` joins them under PRESET_KEY."""
    out = {PRESET_KEY: preset} if preset else {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"--set {item!r}: expected key=value")
        out[key.strip()] = value
    return out


def backend_catalog():
    """The backend catalog; a plug-in that cannot be loaded is an environment fault (one line, exit 1)."""
    try:
        return catalog()
    except CatalogError as exc:
        raise EnvironmentFault(str(exc)) from exc


def compile_spec(
    spec_path: Path,
    hardware: Hardware,
    overrides: dict[str, str],
    calibration: dict | None = None,
    skip_invalid: bool = False,
):
    """Compile with the project's calibration (from `vidc calibrate`) unless one is given.
    Returns (plan | None, diagnostics, project folder). `skip_invalid`: see compile_spec_rows."""
    plan, diags, root, _, _ = compile_spec_rows(spec_path, hardware, overrides, calibration, skip_invalid)
    return plan, diags, root


def compile_spec_videos(
    spec_path: Path, hardware: Hardware, overrides: dict[str, str], calibration: dict | None = None
):
    """compile_spec, and the loaded, templated videos: (plan | None, diagnostics, project folder, videos)."""
    plan, diags, root, videos, _ = compile_spec_rows(spec_path, hardware, overrides, calibration)
    return plan, diags, root, videos


def compile_spec_rows(
    spec_path: Path,
    hardware: Hardware,
    overrides: dict[str, str],
    calibration: dict | None = None,
    skip_invalid: bool = False,
):
    """compile_spec_videos, and the videos left out: with `skip_invalid` (--skip-invalid-rows), a matrix
    row whose errors are its own is left out of the plan instead of failing it.
    (plan | None, diagnostics, project folder, videos, left out)."""
    src, root = project_sources(spec_path)
    scale = load_calibration(root) if calibration is None else calibration
    cat = backend_catalog()
    options = CompileOptions(
        overrides=overrides,
        digest=project_digest(root),
        cost_overrides={"scale": scale},
        catalog=cat,
        facts=gather_facts(root, cat),
        fonts=font_source,
        model_facts=wan_model_facts(root),
        asset_size=project_asset_size(root),
        now_ms=int(time.time() * 1000),  # a publish_at in the past is a diagnostic
        skip_invalid_videos=skip_invalid,
    )
    plan, diags, videos, left_out = compile_rows(src, hardware, options)
    return plan, diags, root, videos, left_out


def show_diagnostics(diags: list[Diagnostic], spec_path: Path) -> None:
    if not diags:
        return
    prefix = spec_path.parent
    fixed = [
        Diagnostic(
            **{
                **d.__dict__,
                "file": str(prefix / d.file) if not Path(d.file).is_absolute() and d.file != "--set" else d.file,
            }
        )
        for d in diags
    ]
    print(format_all(fixed), file=sys.stderr)


def compile_args(args):
    """Compile the spec named on the command line; diagnostics go to stderr. (spec, plan | None)."""
    spec, plan, _ = compile_args_videos(args)
    return spec, plan


def compile_args_videos(args):
    """compile_args, and the loaded, templated videos: (spec, plan | None, videos). With
    --skip-invalid-rows, the videos left out are in `args.left_out` (cli/left_out.py shows them)."""
    spec = find_spec(args.spec)
    overrides = parse_overrides(args.set, getattr(args, "preset", None))
    skip = bool(getattr(args, "skip_invalid_rows", False))
    plan, diags, _, videos, args.left_out = compile_spec_rows(spec, hardware_of(args), overrides, None, skip)
    show_diagnostics(diags, spec)
    return spec, plan, videos
