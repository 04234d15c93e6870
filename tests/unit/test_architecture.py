"""The house's shape: the import directions of docs/architecture.md (import-linter contracts in pyproject.toml),
no import cycle anywhere in vidc, and a wheel that carries every module (packages are found, not
listed)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import grimp
import networkx as nx
import pytest

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("compiler", "runtime", "schemas", "templates")


@pytest.fixture(scope="module")
def vidc_path(tmp_path_factory) -> Path:
    """The source folders laid out as the `vidc` package they install as (the editable install maps
    them with an import hook that static analysers cannot follow)."""
    base = tmp_path_factory.mktemp("layout")
    (base / "vidc").mkdir()
    for root in ROOTS:
        (base / "vidc" / root).symlink_to(REPO / root)
    return base


def _env(path: Path) -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(path)}


def test_layer_contracts_hold(vidc_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
            str(REPO / "pyproject.toml"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=_env(vidc_path),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout and "KEPT" in proc.stdout


def test_no_import_cycles(vidc_path: Path) -> None:
    code = (
        "import grimp, json; g = grimp.build_graph('vidc', include_external_packages=False); "
        "print(json.dumps([[m, sorted(g.find_modules_directly_imported_by(m))] for m in sorted(g.modules)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_env(vidc_path),
        cwd=vidc_path,
        timeout=300,
        check=True,
    ).stdout
    import json

    graph = nx.DiGraph()
    for module, imported in json.loads(out):
        graph.add_node(module)
        graph.add_edges_from((module, i) for i in imported if i.startswith("vidc.") and i != module)
    # A package's __init__ importing its own submodules is not a cycle a person has to untangle.
    cycles = [
        c
        for c in nx.simple_cycles(graph)
        if not any(b.startswith(a + ".") or a.startswith(b + ".") for a, b in zip(c, c[1:] + c[:1]))
    ]
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c + c[:1]) for c in cycles[:10])
    assert grimp  # the analyser is the well-kept one import-linter uses


def test_wheel_carries_every_module(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("vidc-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"vidc/{p.relative_to(REPO).as_posix()}"
        for root in ROOTS
        for p in (REPO / root).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    missing = sorted(expected - names)
    assert not missing, f"modules missing from the wheel: {missing}"
    assert "vidc/templates/presets.yaml" in names
    meta = next(n for n in names if n.endswith("METADATA"))
    assert "GPL-3.0-or-later" in zipfile.ZipFile(wheel).read(meta).decode()


def test_the_llm_vendor_clients_live_in_their_own_room() -> None:
    import re

    users = sorted(
        p.relative_to(REPO).as_posix()
        for root in ("compiler", "runtime", "schemas")
        for p in (REPO / root).rglob("*.py")
        if re.search(r"^\s*(import|from) (anthropic|openai)\b", p.read_text("utf-8"), re.M)
    )
    # the image engine speaks OpenAI's Images API (not an LLM) through the same SDK, from its own module
    assert users == ["runtime/backends/image_server.py", "runtime/llm/providers.py"]
