"""Search and download overhead of stock footage: a 6-scene stock build beside the same video as a
storyboard, against local servers that speak Pexels' and Pixabay's APIs (tests/fakes/stock_servers.py,
tiny generated clips). Each round, cold (a new project folder: no lock, no cache, no store):

  storyboard  `vidc build` with video.engine animatic
  pick        `vidc stock repick --all`: the searches and downloads alone (what a first stock build adds)
  stock       `vidc build` with video.engine stock (searches, downloads, locks, then renders)
  locked      `vidc build` again in a fresh work folder with the lock kept: no search, downloads only

The fake servers answer on 127.0.0.1 without the internet's latency: the pick figures are the
overhead vidc itself adds (requests, verification, hashing, the lock), not a provider's round trips.
Scenes are silent (music only) so the voice does not drown the difference. Ratios are formed within
a round; the median and range over the rounds are printed.

Run: .venv/bin/python bench/stock.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, VIDC, WORK, machine

sys.path.insert(0, str(ROOT))
from tests.fakes.stock_servers import FakePexels, FakePixabay

QUERIES = ["ocean waves", "city traffic", "forest trees", "coffee cup", "mountain snow", "sea sunrise"]
SPEC = """vidc: 1
name: bench-stock
script:
  scenes:
{scenes}
video: {{engine: ENGINE}}
music: {{track: bed.wav}}
captions: {{mode: off}}
export: {{preset: draft}}
"""


def _project(tag: str, engine: str) -> Path:
    dest = WORK / "stock" / tag
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    scenes = "\n".join(f'    - {{stock_query: "{q}", visual_prompt: "{q}", duration_seconds: 3}}' for q in QUERIES)
    (dest / "project.yaml").write_text(SPEC.format(scenes=scenes).replace("ENGINE", engine))
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=f=220:d=40", "-ar", "44100", str(dest / "bed.wav")],
        check=True,
    )
    return dest


def _timed(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def one_round(k: int, env: dict[str, str], servers) -> dict[str, float]:
    out = {"storyboard": _timed([VIDC, "build", str(_project(f"board-{k}", "animatic"))], env)}
    pick = _project(f"pick-{k}", "stock")
    out["pick"] = _timed([VIDC, "stock", "repick", str(pick), "--all"], env)
    stock = _project(f"stock-{k}", "stock")
    before = sum(s.counts["search"] for s in servers)
    out["stock"] = _timed([VIDC, "build", str(stock)], env)
    out["searches"] = sum(s.counts["search"] for s in servers) - before
    shutil.rmtree(stock / ".vidc")
    shutil.rmtree(stock / "build")
    before = sum(s.counts["search"] for s in servers)
    out["locked"] = _timed([VIDC, "build", str(stock)], env)
    out["locked_searches"] = sum(s.counts["search"] for s in servers) - before
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    rows = []
    with FakePexels(api_key="bench-px") as px, FakePixabay(api_key="bench-pb") as pb:
        env = {**os.environ, "PEXELS_API_KEY": "bench-px", "PIXABAY_API_KEY": "bench-pb",
               "PEXELS_API_URL": px.url, "PIXABAY_API_URL": pb.url + "/api"}  # fmt: skip
        for k in range(args.rounds):
            r = one_round(k, env, (px, pb))
            rows.append(r)
            print(
                f"round {k + 1}: storyboard {r['storyboard']:.1f}s  stock {r['stock']:.1f}s "
                f"({r['stock'] / r['storyboard']:.2f}x; {r['searches']:.0f} searches)  search+download alone "
                f"{r['pick']:.1f}s ({r['pick'] / r['storyboard']:.2f}x)  locked rebuild {r['locked']:.1f}s "
                f"({r['locked'] / r['storyboard']:.2f}x; {r['locked_searches']:.0f} searches)"
            )
    for label, key in (("stock / storyboard", "stock"), ("search+download / storyboard", "pick"),
                       ("locked rebuild / storyboard", "locked")):  # fmt: skip
        ratios = [r[key] / r["storyboard"] for r in rows]
        print(f"{label}: median {statistics.median(ratios):.2f}x  range {min(ratios):.2f}-{max(ratios):.2f}x")


if __name__ == "__main__":
    main()
