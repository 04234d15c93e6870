"""The front door: the documentation site builds with --strict (a broken link or anchor fails), its
generated reference pages match their sources, the README stays short, and nothing cites a file
that a clone of the repository does not have."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def gen_docs():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_pages_are_up_to_date():
    stale = [str(p.relative_to(ROOT)) for p in gen_docs().stale()]
    assert not stale, f"out of date: {stale}; run `python scripts/gen_docs.py` and commit the pages"


def test_a_stale_page_is_noticed(tmp_path, monkeypatch):
    module = gen_docs()
    monkeypatch.setattr(module, "DOCS", tmp_path / "docs")
    assert len(module.stale()) == 3  # none written yet
    assert module.main([]) == 0
    assert module.stale() == []
    page = tmp_path / "docs" / "reference" / "diagnostics.md"
    page.write_text(page.read_text().replace("E_SYNTAX", "E_SYNTAKS"))
    assert module.stale() == [page]
    assert module.main(["--check"]) == 1


def test_the_generated_pages_say_what_their_sources_say():
    from vidc.compiler.diagnostics import CODES
    from vidc.runtime.cli import COMMANDS

    pages = {p.name: text for p, text in gen_docs().pages().items()}
    assert all(f"`{code}`" in pages["diagnostics.md"] for code in CODES)
    assert all(f"## vidc {name.replace('_', '-')}\n" in pages["cli.md"] for name in COMMANDS)
    assert "| `[spec]` | `.` |" in pages["cli.md"]  # a spec defaults to the current folder
    for key in ("voiceover_text", "duration_seconds", "loudness_lufs", "transition"):
        assert f"| `{key}` |" in pages["spec.md"]


def test_mkdocs_builds_the_site_strictly(tmp_path):
    # Needs the docs extra (`make test` installs it): pip install -e '.[docs]'
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "cli" / "index.html").is_file()
    assert "house rule" in (tmp_path / "site" / "architecture" / "index.html").read_text().lower()


def test_readme_is_a_short_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert "make demo" in text and "make test" in text
    for link in re.findall(r"\]\(([^)#]+)", text):  # every relative link names a file of the repository
        assert link.startswith("http") or (ROOT / link).exists(), link


def test_benchmarks_tables_carry_no_load_averages():
    rows = [line for line in (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    assert rows
    assert not [r for r in rows if re.search(r"\bload\b", r, re.IGNORECASE)]


def test_no_file_cites_documents_outside_the_repository():
    names = ["DESIGN" + ".md", "FACTS" + ".md"]  # spelt apart so this file does not cite them itself
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    )
    hits = []
    for rel in filter(None, files):
        path = ROOT / rel
        if not path.is_file() or path.suffix in {".png", ".jpg", ".mp4", ".wav", ".onnx", ".mkv"}:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        hits += [f"{rel}: {name}" for name in names if name in text]
    assert not hits
