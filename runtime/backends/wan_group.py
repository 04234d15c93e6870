"""One wan chunk on a context-parallel group of devices (Ulysses attention, diffusers'
`ContextParallelConfig`), started torchrun-style on this node.

Interface: `run_group(devices, ctx, params) -> (frames, info)`. The lane worker that leads the group
calls it; it starts one process per device (`python -m vidc.runtime.backends.wan_group`) with the
environment torchrun would give (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1, MASTER_PORT),
each pinned to its device (CUDA_VISIBLE_DEVICES for a GPU; a CPU device runs gloo). Every rank loads
the model, enables context parallelism on each transformer, seeds the same generator and runs the
chunk; rank 0 writes the frames (frames.npy) and its result (rank0.json) to a folder beside the
task's output, which the caller reads back. Ranks die with the worker that started them. The
executor reserves the group's lanes for the task (their workers free their models first).

The ranks load the model for each group task: a group pays a model load per chunk, and placement
counts it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..media.tools import die_with_parent
from .base import BackendError, TaskContext

GROUP_TIMEOUT_S = 3 * 3600


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_group(
    devices: list[str], ctx: TaskContext, params: Any, timeout: float = GROUP_TIMEOUT_S
) -> tuple[Any, dict[str, Any]]:
    import numpy as np

    n = len(devices)
    if params.cache in ("first_block", "magcache"):
        raise BackendError(
            f"`cache: {params.cache}` cannot run in a context-parallel group (each rank would decide "
            f"from its own slice); use taylorseer or none, or `parallel: off`"
        )
    kinds = {"cpu" if d == "cpu" else "cuda" for d in devices}
    if len(kinds) != 1:
        raise BackendError(f"a context-parallel group mixes CPU and GPU devices ({', '.join(devices)})")
    work = Path(tempfile.mkdtemp(prefix="wan-group-", dir=ctx.out.parent))
    job = {
        "params": params.model_dump(mode="json"),
        "project_dir": str(ctx.project_dir),
        "cache_dir": str(ctx.cache_dir),
        "inputs": {k: str(v) for k, v in ctx.inputs.items()},
        "out": str(work),
    }
    (work / "job.json").write_text(json.dumps(job), encoding="utf-8")
    t0 = time.perf_counter()
    procs = _start_ranks(devices, work)
    failed = _wait_ranks(procs, timeout)
    for rank, (p, log) in enumerate(procs):
        if p.returncode != 0:
            tail = log.read_text(errors="replace").strip().splitlines()[-10:] if log.exists() else []
            failed.append(f"rank {rank} on {devices[rank]} exited {p.returncode}:\n" + "\n".join(tail))
    if failed:
        raise BackendError(f"context-parallel group of {n} ({', '.join(devices)}) failed: " + "\n".join(failed))
    frames = np.load(work / "frames.npy")
    info = json.loads((work / "rank0.json").read_text(encoding="utf-8"))
    info["group"] = {"devices": devices, "ulysses_degree": n, "wall_seconds": round(time.perf_counter() - t0, 3)}
    for f in work.iterdir():
        f.unlink()
    work.rmdir()
    return frames, info


def _start_ranks(devices: list[str], work: Path) -> list[tuple[subprocess.Popen, Path]]:
    """One process per rank, each on its device, logging to work/rank<N>.log."""
    n = len(devices)
    port = _free_port()
    threads = max(1, (os.cpu_count() or 1) // n)
    procs: list[tuple[subprocess.Popen, Path]] = []
    for rank, dev in enumerate(devices):
        env = dict(
            os.environ,
            RANK=str(rank),
            WORLD_SIZE=str(n),
            LOCAL_RANK=str(rank),
            LOCAL_WORLD_SIZE=str(n),
            MASTER_ADDR="127.0.0.1",
            MASTER_PORT=str(port),
        )
        if dev == "cpu":
            env["OMP_NUM_THREADS"] = str(threads)
            env.pop("CUDA_VISIBLE_DEVICES", None)
            rank_device = "cpu"
        else:
            env["CUDA_VISIBLE_DEVICES"] = dev.split(":")[-1]
            rank_device = "cuda:0"
        log = work / f"rank{rank}.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen(
                [sys.executable, "-m", "vidc.runtime.backends.wan_group", str(work / "job.json"), rank_device],
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent(),
            )
        procs.append((proc, log))
    return procs


def _wait_ranks(procs: list[tuple[subprocess.Popen, Path]], timeout: float) -> list[str]:
    """Wait for every rank; once one fails or the time is up, stop the rest. Returns a timeout's message."""
    failed: list[str] = []
    try:
        deadline = time.monotonic() + timeout
        while any(p.poll() is None for p, _ in procs):
            if time.monotonic() > deadline:
                failed.append(f"the group did not finish in {timeout:.0f} s")
                break
            if any(p.poll() not in (None, 0) for p, _ in procs):
                time.sleep(2.0)  # let the others fail on their own (a broken collective), then stop them
                break
            time.sleep(0.05)
    finally:
        for p, _ in procs:
            if p.poll() is None:
                p.terminate()  # our own children only
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    return failed


def _rank_main(job_path: str, device: str) -> int:
    import numpy as np
    import torch
    import torch.distributed as dist

    from .wan_chunk import WanParams, _input_images, generate
    from .wan_pipeline import load_pipeline, resolve_model

    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    rank = int(os.environ["RANK"])
    if device == "cpu":
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
        dist.init_process_group(backend="gloo")
    else:
        torch.cuda.set_device(0)
        dist.init_process_group(backend="cpu:gloo,cuda:nccl", device_id=torch.device("cuda:0"))
    try:
        p = WanParams.model_validate(job["params"])
        ctx = TaskContext(
            task_id="group",
            params=job["params"],
            inputs={k: Path(v) for k, v in job["inputs"].items()},
            out=Path(job["out"]),
            project_dir=Path(job["project_dir"]),
            cache_dir=Path(job["cache_dir"]),
        )
        ref = resolve_model(p.model, ctx.project_dir)
        loaded = load_pipeline(ref, device, p.offload, p.precision, p.compile)
        enable_context_parallel(loaded, dist.get_world_size(), device)
        prev_image, start_image = _input_images(ctx, p)
        frames, info = generate(loaded, p, prev_image, start_image, ctx.cache_dir if rank == 0 else None)
        if rank == 0:
            np.save(Path(job["out"]) / "frames.npy", frames)
            (Path(job["out"]) / "rank0.json").write_text(json.dumps(info), encoding="utf-8")
        dist.barrier()
    finally:
        dist.destroy_process_group()
    return 0


def enable_context_parallel(loaded: Any, degree: int, device: str) -> None:
    """Ulysses context parallelism of `degree` on every transformer of the pipeline (both A14B experts)."""
    import torch
    from diffusers import ContextParallelConfig

    heads = loaded.transformers[0].config.num_attention_heads
    if heads % degree:
        raise BackendError(
            f"a context-parallel group of {degree} needs a degree that divides the model's {heads} attention heads"
        )
    for tr in loaded.transformers:
        if device == "cpu":
            # diffusers picks the rank's device as rank % accelerator count, which is 0 without a GPU:
            # CPU ranks each count as one device (gloo runs the collectives).
            from unittest import mock

            with mock.patch.object(torch.accelerator, "device_count", lambda: 1):
                tr.enable_parallelism(config=ContextParallelConfig(ulysses_degree=degree))
        else:
            tr.enable_parallelism(config=ContextParallelConfig(ulysses_degree=degree))


if __name__ == "__main__":
    sys.exit(_rank_main(sys.argv[1], sys.argv[2]))
