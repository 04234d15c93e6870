"""The static checks configured in pyproject.toml pass: ruff's linter and formatter over the whole tree, and mypy over the
packages it names (vidc.compiler, vidc.schemas and vidc.runtime.media)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_lint_passes() -> None:
    r = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format_check_passes() -> None:
    r = _run("ruff", "format", "--check", "--no-cache", ".")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_passes() -> None:
    r = _run("mypy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success" in r.stdout, r.stdout


def test_mypy_links_point_at_the_packages() -> None:
    """mypy reads the packages through scripts/typecheck/vidc/<root> -> ../../../<root>: a moved folder
    would leave a dangling link and mypy would check nothing."""
    for root in ("compiler", "schemas", "runtime", "templates"):
        link = ROOT / "scripts" / "typecheck" / "vidc" / root
        assert link.is_symlink() and link.resolve() == (ROOT / root).resolve(), link
