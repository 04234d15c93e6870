"""The project's files, gathered for Ray nodes that cannot see the project folder: everything but
the work and output folders and hidden paths, up to a size limit."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..host.ray_cluster import ClusterError

PROJECT_LIMIT = 2 << 30  # bytes of project files shipped to nodes that cannot see the project folder


def project_files(project_dir: Path, skip: Iterable[Path]) -> dict[str, bytes]:
    """The project's files by relative POSIX path, leaving out hidden paths, __pycache__ and anything
    under the resolved folders in skip; a ClusterError when they add up to over PROJECT_LIMIT bytes."""
    skip = set(skip)
    files, size = {}, 0
    for path in sorted(project_dir.rglob("*")):
        rel = path.relative_to(project_dir)
        if not path.is_file() or any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
            continue
        if any(path.resolve().is_relative_to(s) for s in skip):
            continue
        size += path.stat().st_size
        if size > PROJECT_LIMIT:
            raise ClusterError(
                f"the project folder {project_dir} is over {PROJECT_LIMIT >> 30} GB, too "
                f"much to send to every node; put it (or its large files, such as models) on a "
                f"path every node sees at the same place"
            )
        files[rel.as_posix()] = path.read_bytes()
    return files
