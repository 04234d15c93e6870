"""Plan a 1,000-row matrix project; print total seconds and ms per video. Target: under 5 s.

Run: .venv/bin/python bench/plan_scale.py [--rows 1000]
"""

from __future__ import annotations

import argparse
import csv
import io
import platform
import time

from vidc.compiler.compile import CompileOptions, compile_project
from vidc.compiler.frontend import SourceFiles
from vidc.compiler.render import to_json
from vidc.runtime.backends.registry import catalog
from vidc.schemas.hardware import Hardware

SPEC = """\
vidc: 1
name: "promo-{{ sku | slug }}"
matrix: {file: rows.csv}
script:
  scenes:
    - voiceover_text: "Meet the {{ product }}, built for {{ audience }}."
      visual_prompt: "hero shot of the {{ product }} on a {{ colour }} backdrop"
      duration_seconds: 8
    - voiceover_text: "It does one thing and does it well: {{ benefit }}."
      visual_prompt: "close-up of hands using the {{ product }}, daylight"
      duration_seconds: 9
    - voiceover_text: "{{ product }}. Find it today."
      visual_prompt: "logo of {{ product }} on {{ colour }}"
      duration_seconds: 8
music: {mood: [uplifting]}
captions: {mode: both}
export: {preset: shorts}
"""


def rows_csv(n: int) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["sku", "product", "audience", "colour", "benefit"])
    for i in range(n):
        w.writerow(
            [
                f"SKU-{i:05d}",
                f"Gadget {i}",
                "busy people",
                ("teal", "amber", "red")[i % 3],
                f"it saves {i % 60 + 1} minutes a day",
            ]
        )
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    args = ap.parse_args()
    files = {"project.yaml": SPEC, "rows.csv": rows_csv(args.rows)}
    src = SourceFiles(spec_name="project.yaml", read=lambda p: files[p], exists=lambda p: p in files)
    t0 = time.perf_counter()
    plan, diags = compile_project(src, Hardware(name="bench", cpu_workers=2), CompileOptions(catalog=catalog()))
    t1 = time.perf_counter()
    assert plan is not None, [d.format() for d in diags]
    text = to_json(plan)
    t2 = time.perf_counter()
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"videos: {len(plan.videos)}   tasks: {len(plan.tasks)}   plan.json: {len(text) / 1e6:.1f} MB")
    print(
        f"compile: {t1 - t0:.2f} s   serialise: {t2 - t1:.2f} s   total: {t2 - t0:.2f} s "
        f"({(t2 - t0) * 1000 / len(plan.videos):.2f} ms per video)   target: < 5 s"
    )


if __name__ == "__main__":
    main()
