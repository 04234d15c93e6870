"""`vidc music list [DIR]` and `vidc music index DIR`."""

from __future__ import annotations

import sys
from pathlib import Path


def _table(tracks) -> str:
    rows = [f"{'id':<16} {'bpm':>5} {'length':>7}  {'licence':<12} moods"]
    for t in sorted(tracks, key=lambda t: t.id):
        bpm = f"{t.bpm:.0f}" if t.bpm else "?"
        rows.append(f"{t.id:<16} {bpm:>5} {t.duration_s:>6.0f}s  {t.licence:<12} {', '.join(t.moods)}")
    return "\n".join(rows)


def register(sub) -> None:
    p = sub.add_parser("music", help="music libraries")
    msub = p.add_subparsers(dest="music_command", required=True)
    q = msub.add_parser("list", help="show a catalog (default: the built-in library)")
    q.add_argument("folder", nargs="?", help="a folder indexed with `vidc music index`")
    q.set_defaults(func=run)
    q = msub.add_parser("index", help="build a catalog for a folder of tracks")
    q.add_argument("folder")
    q.set_defaults(func=run)


def run(args) -> int:
    from ..media import music_library, music_select
    from ..state.faults import StateFault

    try:
        if args.music_command == "list":
            if args.folder:
                print(_table(music_select.load_catalog(args.folder)))
            else:
                print(f"built-in library ({music_library.SOURCE}; rendered on first use into .vidc/cache/music)")
                print(_table(music_library.CATALOG))
            return 0
        catalog = music_select.index_folder(args.folder)
        path = music_select.write_catalog(args.folder, catalog)
        print(f"wrote {path}: {len(catalog['tracks'])} tracks")
        print(_table(music_select.load_catalog(args.folder)))
        return 0
    except (OSError, ValueError, StateFault) as exc:
        print(f"vidc: error: {exc}", file=sys.stderr)
        return 1 if Path(args.folder or ".").is_dir() else 2
