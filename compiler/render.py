"""Plan views: the canonical JSON, a text report for people, and dot / mermaid graphs. Pure."""

from __future__ import annotations

import shlex

from vidc.schemas import ids
from vidc.schemas.plan import Plan, Task, VideoPlan

from .canonical import canonical_json
from .pricing import usd
from .render_jobs import scene_jobs_line
from .render_scenes import generated_line
from .textsafe import safe_text


def to_json(plan: Plan) -> str:
    """Canonical plan JSON: sorted keys, one task (and one video) per line, so that diffs read well
    and a 1,000-video plan serialises with the C encoder."""
    data = plan.model_dump(mode="json")
    parts = []
    for key in sorted(data):
        value = data[key]
        if key in ("tasks", "videos", "lanes") and value:
            body = "[\n" + ",\n".join(canonical_json(item) for item in value) + "\n]"
        else:
            body = canonical_json(value)
        parts.append(canonical_json(key) + ":" + body)
    return "{\n" + ",\n".join(parts) + "\n}\n"


def secs(ms: int) -> str:
    s = ms / 1000
    if s < 60:
        return f"{s:.1f}s"
    m, s = divmod(round(s), 60)
    return f"{m}m{s:02d}s" if m < 60 else f"{m // 60}h{m % 60:02d}m{s:02d}s"


def _excerpt(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def gantt(plan: Plan, width: int = 60) -> list[str]:
    span = max(plan.schedule.makespan_ms, 1)
    rows = []
    for lane in plan.lanes:
        cells = [" "] * width
        for t in plan.tasks:
            if t.lane != lane.id and lane.id not in t.group:
                continue
            a = t.start_ms * width // span
            b = max(a + 1, -(-t.finish_ms * width // span))
            mark = {"video": "█", "voice": "▓", "export": "▒", "mix": "▒"}.get(t.stage, "░")
            for i in range(a, min(b, width)):
                cells[i] = mark
        rows.append(f"  {lane.id:>8} |{''.join(cells)}|")
    rows.append(f"  {'':>8}  0{'':>{width - len(secs(span)) - 1}}{secs(span)}")
    rows.append(f"  {'':>8}  █ video  ▓ voice  ▒ mix/export  ░ other")
    return rows


def _bookend_line(t, fps: int) -> str:
    """`  intro   3.0s  title card "Northwind"` (or the asset it shows)."""
    what = (
        f"asset {t.params['asset']}"
        if "asset" in t.params  # an image or clip; else a title card
        else 'title card "' + _excerpt(" ".join(t.params["lines"]), 56) + '"'
    )
    return f"  {t.params['role']:<5} {secs(int(t.params['frames']) * 1000 // fps):>5}  {what}"


def to_text(plan: Plan) -> str:
    hw = plan.hardware
    hw_line = f"{hw.cpu_workers} CPU workers, " + (
        ", ".join(f"{d.id} {d.name} {d.vram_gb:g} GB x{d.speed:g}" for d in hw.devices) if hw.devices else "no GPU"
    )
    out = [f"plan for {plan.spec}   hardware: {hw.name} ({hw_line})", ""]
    by_video: dict[str, list[Task]] = {}
    spoken: dict[str, str] = {}  # what each voice says, where the normaliser changed the text
    for t in plan.tasks:
        by_video.setdefault(t.video, []).append(t)
        if t.stage == "voice" and isinstance(t.params.get("spoken"), str):
            spoken[t.id] = t.params["spoken"]
    for v in plan.videos:
        out += _video_lines(v, by_video.get(v.name, []), spoken)
    out += _schedule_lines(plan)
    out += gantt(plan)
    if plan.warnings:
        out += ["", "warnings:"] + ["  " + w.replace("\n", "\n  ") for w in plan.warnings]
    out += ["", "ffmpeg commands (@{...} is known after the task it names has run):"]
    for t in plan.tasks:
        for argv in t.argv:
            out.append(f"  # {t.id}")
            out.append("  " + shlex.join(argv))
    # Voiceovers, CSV cells and prompts are untrusted: no ESC or BEL reaches a terminal.
    return safe_text("\n".join(out), multiline=True) + "\n"


def _video_lines(v: VideoPlan, tasks: list[Task], spoken: dict[str, str]) -> list[str]:
    """One video's block: its header, bookends, scenes (and what their voices say), tasks and costs."""
    ends = {t.params.get("role"): t for t in tasks if t.id in (ids.intro(v.name), ids.outro(v.name))}
    total = sum(s.duration_ms for s in v.scenes) + sum(int(t.params["frames"]) * 1000 // v.fps for t in ends.values())
    out = [
        f"video {v.name}   {v.preset} {v.width}x{v.height}@{v.fps}   {len(v.scenes)} scenes"
        f"   ~{secs(total)}   -> {v.output.rstrip('/')}/{v.name}.mp4   ready in ~{secs(v.makespan_ms)}"
        f"   cost ~{usd(v.cost_micro_usd)}"
    ]
    if not v.script_known:
        out.append("  scenes: known after the script (run `vidc script` to generate and lock it)")
    if "intro" in ends:
        out.append(_bookend_line(ends["intro"], v.fps))
    for s in v.scenes:
        flag = "" if s.speakable else "  ! too many words for the duration"
        said = f'"{_excerpt(s.text, 64)}"' if s.words else "(silent: music alone)"
        out.append(f"  {s.index:02d}  {secs(s.duration_ms):>6}  {s.words:>3} words  {said}{flag}")
        if (jobs := scene_jobs_line(tasks, s.index, secs, usd)) is not None:
            out.append(jobs)
        pictures = generated_line(v.name, s.index, tasks)
        if pictures is not None:
            out.append(f"  {'':>24}pictures: {pictures}")
        voice = spoken.get(ids.voice(v.name, s.index))
        if voice and " ".join(voice.split()) != " ".join(s.text.split()):
            out.append(f'  {"":>24}says "{_excerpt(voice, 64)}"')
    if "outro" in ends:
        out.append(_bookend_line(ends["outro"], v.fps))
    out += [f"  {'estimate: ' if n == 0 else '  '}{line}" for n, line in enumerate(v.estimates)]
    out.append("")
    out.append(f"  {'lane':<8} {'task':<44} {'backend':<14} {'start':>8} {'length':>8}")
    for t in sorted(tasks, key=lambda t: (t.lane, t.start_ms, t.id)):
        group = f"   context-parallel group {'+'.join(t.group)}" if t.group else ""
        out.append(f"  {t.lane:<8} {t.id:<44} {t.backend:<14} {secs(t.start_ms):>8} {secs(t.est_ms):>8}{group}")
    out.append("")
    out += _cost_lines(v, tasks)
    return out


def _schedule_lines(plan: Plan) -> list[str]:
    """The schedule's figures, the cost, whether estimates are calibrated, and how busy each lane is."""
    s = plan.schedule
    out = [
        f"schedule: makespan {secs(s.makespan_ms)}   sequential {secs(s.sequential_ms)}"
        f"   lower bound {secs(s.lower_bound_ms)} (critical path {secs(s.critical_path_ms)},"
        f" GPU work / GPU speed {secs(s.gpu_work_bound_ms)}, CPU work / CPU lanes {secs(s.cpu_work_bound_ms)})"
    ]
    out.append(
        f"cost: ~{usd(plan.cost_micro_usd)} estimated beside ~{secs(s.makespan_ms)} of build time"
        " (prices: templates/prices.yaml, or prices.yaml beside the spec)"
    )
    used = sorted({t.backend for t in plan.tasks})
    measured = [b for b in used if b in plan.calibration]
    if not measured:
        out.append(
            "estimates: uncalibrated (the cost model's figures; after a build, `vidc calibrate` measures this machine)"
        )
    elif len(measured) < len(used):
        out.append(
            f"estimates: calibrated for {', '.join(measured)}; uncalibrated for "
            f"{', '.join(b for b in used if b not in measured)}"
        )
    else:
        out.append("estimates: calibrated on this project's builds (`vidc calibrate`)")
    util = "   ".join(f"{ln.id} {100 * ln.busy_ms // max(s.makespan_ms, 1)}%" for ln in plan.lanes)
    out.append(f"lanes: {util}")
    return out


def _cost_lines(v, tasks) -> list[str]:
    paid = [(t.id, t.cost) for t in tasks if t.cost is not None] + [
        (f"{v.name}/(after the script)", c) for c in v.cost_after_script
    ]
    if not paid:
        return []
    out = [f"  {'paid task':<44} {'priced as':<36} {'units':<36} {'cost':>9}"]
    said = ""
    for tid, c in paid:
        units = ", ".join(
            f"{n / 1000:.1f} GPU-seconds" if k == "gpu_ms" else f"{n} {k.replace('_', ' ')}"
            for k, n in sorted(c.units.items())
        )
        out.append(f"  {tid:<44} {c.provider + ' ' + c.item:<36} {units:<36} {usd(c.micro_usd):>9}")
        if c.basis and c.basis != said:
            out.append(f"  {'':<44}   {c.basis}")
        said = c.basis
    return out + [""]


def _node(tid: str) -> str:
    return '"' + tid.replace('"', "'") + '"'


def to_dot(plan: Plan) -> str:
    lines = ["digraph plan {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    for t in plan.tasks:
        lines.append(f'  {_node(t.id)} [label="{t.id}\\n{t.backend} on {t.lane}, {secs(t.est_ms)}"];')
    for t in plan.tasks:
        for dep in t.inputs.values():
            lines.append(f"  {_node(dep)} -> {_node(t.id)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(plan: Plan) -> str:
    ids = {t.id: f"t{n}" for n, t in enumerate(plan.tasks)}
    lines = ["flowchart LR"]
    for t in plan.tasks:
        lines.append(f'  {ids[t.id]}["{t.id}<br/>{t.backend} · {t.lane} · {secs(t.est_ms)}"]')
    for t in plan.tasks:
        for dep in t.inputs.values():
            lines.append(f"  {ids[dep]} --> {ids[t.id]}")
    return "\n".join(lines) + "\n"
