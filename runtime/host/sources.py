"""Bind the compiler's injected I/O to a project folder on disk (the compiler itself stays pure)."""
from __future__ import annotations

from pathlib import Path

from vidc.compiler.frontend import SourceFiles

from ..state.store import file_sha256

SPEC_NAMES = ("project.yaml", "project.yml", "project.json", "vidc.yaml", "vidc.yml", "vidc.json")


class SpecNotFound(Exception):
    pass


def find_spec(target: str | Path) -> Path:
    path = Path(target)
    if path.is_dir():
        for name in SPEC_NAMES:
            if (path / name).is_file():
                return path / name
        raise SpecNotFound(f"{path}: no project spec here (looked for {', '.join(SPEC_NAMES)}); try `vidc init {path}`")
    if not path.is_file():
        raise SpecNotFound(f"{path}: no such file")
    return path


def project_sources(spec_path: Path) -> tuple[SourceFiles, Path]:
    root = spec_path.resolve().parent

    def inside(rel: str) -> Path:
        target = (root / rel).resolve()
        if root != target and root not in target.parents:
            raise FileNotFoundError(rel)  # the compiler reports escapes itself; never read outside
        return target

    def read(rel: str) -> str:
        return inside(rel).read_text(encoding="utf-8")

    def exists(rel: str) -> bool:
        try:
            return inside(rel).exists()
        except FileNotFoundError:
            return False

    return SourceFiles(spec_name=spec_path.name, read=read, exists=exists), root


def project_digest(root: Path):
    def digest(rel: str) -> str:
        path = (root / rel).resolve()
        return file_sha256(path) if path.is_file() else "missing"
    return digest
