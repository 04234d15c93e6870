"""Rules kept in one place: each test names the one home of a rule and checks that the copies are gone."""
from __future__ import annotations

import re
from pathlib import Path




def _sources() -> dict[str, str]:
    import vidc.compiler
    import vidc.runtime
    import vidc.schemas

    out = {}
    for pkg in (vidc.compiler, vidc.runtime, vidc.schemas):
        base = Path(pkg.__file__).resolve().parent
        for f in sorted(base.rglob("*.py")):
            out[f"{base.name}/{f.relative_to(base)}"] = f.read_text(encoding="utf-8")
    return out


def test_the_stages_are_one_tuple_in_pipeline_order():
    from vidc.runtime.engine import events
    from vidc.schemas.plan import STAGES, Task

    assert STAGES == ("script", "voice", "video", "music", "captions", "mix", "export")
    assert events.STAGES is STAGES
    assert Task.model_json_schema()["properties"]["stage"]["enum"] == list(STAGES)
    copies = [name for name, text in _sources().items()
              if re.search(r'\(\s*"script",\s*"voice",\s*"video"', text)]
    assert copies == []
