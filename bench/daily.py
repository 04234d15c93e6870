"""A night of videos, with faults: an N-video matrix (default 50, at the draft preset) built once without
interruption by the local executor (the reference), then again from scratch by the local executor and
by the Ray executor on a Ray cluster simulated on this machine (ray.cluster_utils.Cluster: a head with
the CPU lanes' cores and two nodes whose `cpu_device_a` / `cpu_device_b` resources stand in for two
GPUs), while a seeded fault injector SIGKILLs the driver, a lane worker or (Ray) a node at random
moments and a supervisor starts the build again until it finishes.

The matrix mixes three projects sharing one hardware profile (two CPU lanes, two CPU "GPU" lanes):
storyboard videos (animatic, one scene), media videos (a still and a clip, two scenes) and tiny Wan
videos (a randomly initialised Wan pipeline on the two "GPU" lanes, one scene); about 1/6 of the
videos are Wan, 1/4 media and the rest storyboard.

It prints, per executor: videos per hour (N / wall time of every attempt, restarts included), the
uninterrupted build's wall time against the plan's makespan estimate, the work redone after faults
(task-seconds run twice / all, from the journal: bench/_supervisor.py), the driver's and the largest
worker's peak memory and the driver's growth per video (slope of its RSS against videos finished, in
the uninterrupted build), the journal and store size per video, how many MP4s pass
scripts/audit_publishable.py, and how many match the uninterrupted build byte for byte. With
--runs R it repeats the whole and prints the median and range of each figure.

Run: .venv/bin/python bench/daily.py [--videos 50] [--runs 1] [--seed 1] [--faults 2] [--executors local,ray]
(--faults is per project build; Ray needs `vidc[ray]`, Wan needs `vidc[wan]`)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, VIDC, WORK, machine
from _supervisor import Supervised, growth_per_video, redone, supervise

sys.path.insert(0, str(ROOT))
from tests.fixtures_models import TWO_CPU_DEVICES, build_tiny_wan

MB = 2**20
COMMON = """music: {mood: [uplifting], bpm: [96, 124]}
captions: {mode: off}
export: {preset: draft}
"""
STORY = """vidc: 1
name: "story-{{ n }}"
matrix: {file: rows.csv}
script:
  scene_seconds: [1, 6]
  scenes:
    - {voiceover_text: "Story {{ n }}: a small card for tonight.", visual_prompt: "card {{ n }}", duration_seconds: 2}
voice: {engine: piper, voice: en_US-joe-medium}
video: {engine: animatic}
"""
MEDIA = """vidc: 1
name: "media-{{ n }}"
matrix: {file: rows.csv}
script:
  scene_seconds: [1, 6]
  scenes:
    - {voiceover_text: "Media {{ n }}, a still.", visual_prompt: "", duration_seconds: 2, asset: media/still.png}
    - {voiceover_text: "And a clip.", visual_prompt: "", duration_seconds: 2, asset: media/clip.mp4}
voice: {engine: piper, voice: en_US-joe-medium}
video: {engine: assets}
"""
WAN = """vidc: 1
name: "wan-{{ n }}"
matrix: {file: rows.csv}
script:
  scene_seconds: [1, 6]
  scenes:
    - {voiceover_text: "Wan {{ n }}: a cat dances.", visual_prompt: "a cat dance {{ n }}", duration_seconds: 2}
voice: {engine: piper, voice: en_US-joe-medium}
video: {engine: wan, model: models/tiny-wan, resolution: 32x32, fps: 8, frames_per_chunk: 9, steps: 2,
        sampler: euler, continuity: cut, seed: 3}
"""


def split(n: int) -> dict[str, int]:
    wan = max(1, round(n / 6)) if n >= 3 else 0
    media = max(1, round(n / 4)) if n >= 2 else 0
    return {"story": n - wan - media, "media": media, "wan": wan}


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def make_projects(base: Path, n: int) -> list[Path]:
    if base.exists():
        shutil.rmtree(base)
    out = []
    for kind, count in split(n).items():
        if not count:
            continue
        project = base / kind
        project.mkdir(parents=True)
        text = {"story": STORY, "media": MEDIA, "wan": WAN}[kind] + COMMON
        (project / "project.yaml").write_text(text)
        (project / "rows.csv").write_text("n\n" + "".join(f"{i + 1:03d}\n" for i in range(count)))
        (project / "hardware.yaml").write_text(TWO_CPU_DEVICES)
        if kind == "media":
            (project / "media").mkdir()
            ffmpeg("-f", "lavfi", "-i", "testsrc2=s=800x800", "-frames:v", "1", str(project / "media" / "still.png"))
            ffmpeg("-f", "lavfi", "-i", "testsrc=s=320x240:r=25", "-t", "2", "-pix_fmt", "yuv420p", str(project / "media" / "clip.mp4"))  # fmt: skip
        if kind == "wan":
            build_tiny_wan(project / "models" / "tiny-wan")
        out.append(project)
    return out


def build_argv(project: Path, executor: str, address: str | None) -> list[str]:
    argv = [VIDC, "build", str(project), "--json", "--hardware", str(project / "hardware.yaml")]
    if executor == "ray":
        argv += ["--executor", "ray", "--ray-address", address or ""]
    return argv


def plan_makespan_s(project: Path) -> float:
    proc = subprocess.run(
        [VIDC, "plan", str(project), "--format", "json", "--hardware", str(project / "hardware.yaml")],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)["schedule"]["makespan_ms"] / 1000


def digests(projects: list[Path]) -> dict[str, str]:
    return {
        f"{p.name}/{mp4.name}": hashlib.sha256(mp4.read_bytes()).hexdigest()
        for p in projects
        for mp4 in sorted((p / "build").glob("*.mp4"))
    }


def audited(project: Path) -> tuple[int, int]:
    """(MP4s whose audit passed, MP4s) for one project (the script audits every video of the project)."""
    videos = len(list((project / "build").glob("*.mp4")))
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "audit_publishable.py"),
            str(project),
            "--hardware",
            str(project / "hardware.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        fails = [ln for ln in proc.stdout.splitlines() if ln.startswith("FAIL")]
        print(f"    audit of {project.name}: {len(fails)} checks failed, e.g. {fails[:2]}")
        return 0, videos
    return videos, videos


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def run_builds(projects, executor, seed, faults, kinds, address=None, kill_node=None, windows=None) -> dict:
    """Build every project with the supervisor; the figures of that run."""
    runs: list[Supervised] = []
    wasted = total = 0.0
    t0 = time.monotonic()
    for i, project in enumerate(projects):
        window = (0.5, max(1.0, 0.9 * windows[project.name])) if windows else (1.0, 20.0)
        print(f"  {executor}: {project.name}" + (f", {faults} fault(s) in {window[0]:.1f}-{window[1]:.1f}s" if faults else ""))  # fmt: skip
        res = supervise(
            build_argv(project, executor, address),
            project / "build",
            seed=seed * 100 + i,
            faults=faults,
            kinds=kinds,
            window=window,
            kill_node=kill_node,
            log=print,
        )
        if not res.ok:
            raise SystemExit(f"{project} did not build after {len(res.attempts)} attempts:\n{res.last_stdout[-2000:]}")
        w, t = redone(project / ".vidc" / "journal.log", [f.t for f in res.faults])
        wasted, total = wasted + w, total + t
        runs.append(res)
    wall = time.monotonic() - t0
    return {
        "wall_s": wall,
        "walls": {p.name: r.wall_s for p, r in zip(projects, runs, strict=True)},
        "faults": sum(len(r.faults) for r in runs),
        "attempts": sum(len(r.attempts) for r in runs),
        "redone_pct": 100 * wasted / total if total else 0.0,
        "task_s": total,
        "driver_peak_mb": max(r.driver_peak for r in runs) / MB,
        "worker_peak_mb": max(r.worker_peak for r in runs) / MB,
        "growth_kb_per_video": statistics.mean(growth_per_video(r.samples) for r in runs) / 1024,
        "journal_kb_per_video": sum(size_of(p / ".vidc" / "journal.log") for p in projects) / 1024,  # per video below
        "store_mb_per_video": sum(size_of(p / ".vidc" / "store" / "objects") for p in projects) / MB,
    }


def start_cluster():
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 2, "object_store_memory": 80 * MB, "include_dashboard": False}
    )
    cluster.devices = {}
    for name in ("a", "b"):
        cluster.devices[name] = cluster.add_node(num_cpus=0, resources={f"cpu_device_{name}": 1}, object_store_memory=80 * MB)  # fmt: skip
    cluster.wait_for_nodes()
    return cluster


def node_killer(cluster, rng_seed: int):
    import random

    rng = random.Random(rng_seed)

    def kill() -> str:
        name = rng.choice(sorted(cluster.devices))
        cluster.remove_node(cluster.devices.pop(name))  # the node dies (its raylet and workers SIGKILLed)
        # a replacement comes up, as a cluster's autoscaler or a restarted machine would bring one
        cluster.devices[name] = cluster.add_node(num_cpus=0, resources={f"cpu_device_{name}": 1}, object_store_memory=80 * MB)  # fmt: skip
        return f"node cpu_device_{name}"

    return kill


def one_run(args, run: int) -> dict[str, dict]:
    n, seed = args.videos, args.seed + run
    base = WORK / "daily"
    ref = make_projects(base / "reference", n)
    estimate = sum(plan_makespan_s(p) for p in ref)
    print(f"run {run + 1}: {n} videos {split(n)}; plan's makespan estimate {estimate:.1f}s")
    figures = {"uninterrupted": run_builds(ref, "local", seed, 0, ())}
    figures["uninterrupted"]["estimate_s"] = estimate
    want = digests(ref)
    cluster = start_cluster() if "ray" in args.executors else None
    try:
        for executor in args.executors:
            projects = []
            for p in ref:
                dest = base / executor / p.name
                shutil.rmtree(dest, ignore_errors=True)
                shutil.copytree(p, dest, ignore=shutil.ignore_patterns(".vidc", "build", ".supervisor-stdout"))
                projects.append(dest)
            kinds = ("driver", "worker", "node") if executor == "ray" else ("driver", "worker")
            figures[executor] = run_builds(
                projects,
                executor,
                seed,
                args.faults,
                kinds,
                address=cluster.address if cluster else None,
                kill_node=node_killer(cluster, seed) if cluster else None,
                windows=figures["uninterrupted"]["walls"],
            )
            got = digests(projects)
            figures[executor]["identical"] = sum(got.get(k) == v for k, v in want.items())
            figures[executor]["audited"] = sum(audited(p)[0] for p in projects)
    finally:
        if cluster is not None:
            cluster.shutdown()
    figures["uninterrupted"]["identical"] = len(want)
    figures["uninterrupted"]["audited"] = sum(audited(p)[0] for p in ref)
    for fig in figures.values():
        fig["videos_per_hour"] = n / fig["wall_s"] * 3600
        fig["journal_kb_per_video"] /= n
        fig["store_mb_per_video"] /= n
    return figures


ROWS = [
    ("videos per hour", "videos_per_hour", "{:.0f}"),
    ("wall time, s (all attempts)", "wall_s", "{:.1f}"),
    ("faults struck / attempts", None, None),
    ("work redone, % of task-seconds", "redone_pct", "{:.2f}"),
    ("task-seconds run", "task_s", "{:.1f}"),
    ("driver peak RSS, MB", "driver_peak_mb", "{:.0f}"),
    ("largest worker peak RSS, MB", "worker_peak_mb", "{:.0f}"),
    ("driver RSS growth per video, kB", "growth_kb_per_video", "{:.0f}"),
    ("journal per video, kB", "journal_kb_per_video", "{:.1f}"),
    ("store per video, MB", "store_mb_per_video", "{:.2f}"),
]


def report(all_runs: list[dict[str, dict]], n: int) -> None:
    print(f"\n{n} videos, {len(all_runs)} run(s); median [min-max] over the runs")
    for col in all_runs[0]:
        print(f"\n[{col}]")
        for label, key, fmt in ROWS:
            if key is None:
                vals = [f"{r[col]['faults']}/{r[col]['attempts']}" for r in all_runs]
                print(f"  {label:36s} {', '.join(vals)}")
                continue
            vals = [r[col][key] for r in all_runs]
            med = fmt.format(statistics.median(vals))
            print(f"  {label:36s} {med} [{fmt.format(min(vals))}-{fmt.format(max(vals))}]")
        if col == "uninterrupted":
            ratios = [r[col]["wall_s"] / r[col]["estimate_s"] for r in all_runs]
            print(f"  {'wall time / plan estimate':36s} {statistics.median(ratios):.2f}x [{min(ratios):.2f}-{max(ratios):.2f}]")  # fmt: skip
        for key in ("audited", "identical"):
            print(f"  {key + ' (of ' + str(n) + ')':36s} {', '.join(str(r[col][key]) for r in all_runs)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=int, default=50)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--faults", type=int, default=2, help="faults per project build (default 2)")
    ap.add_argument("--executors", default="local,ray", type=lambda s: [x for x in s.split(",") if x])
    args = ap.parse_args()
    print(f"machine: {machine()}")
    all_runs = []
    for run in range(args.runs):
        all_runs.append(one_run(args, run))
        (WORK / "daily-figures.json").write_text(json.dumps(all_runs, indent=1, sort_keys=True))
        report(all_runs, args.videos)  # after every run: a long bench cut short still says what it measured
    bad = any(r[c]["identical"] != args.videos or r[c]["audited"] != args.videos for r in all_runs for c in r)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
