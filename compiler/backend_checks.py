"""Each task's params against its backend's catalog entry: the Params model, the API key it needs,
and the backend's own pure check() with the machine's facts, every problem placed at the spec line
that set the param."""

from __future__ import annotations

from pydantic import ValidationError

from vidc.schemas.catalog import Catalog, Facts

from .diagnostics import Diagnostic, suggest
from .drafts import Draft
from .frontend import LoadedVideo
from .pydantic_errors import describe
from .source import dotted

_RANGE = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number"}


def check_backends(video: LoadedVideo, drafts: list[Draft], catalog: Catalog, facts: Facts | None) -> list[Diagnostic]:
    """Each task's params against its backend's Params model, then the backend's pure check() with
    the machine's facts; every problem placed at the spec line that set the param."""
    out: list[Diagnostic] = []
    keys_missing: set[str] = set()
    for d in drafts:
        entry = catalog.backends.get(d.backend)
        section = d.where.get("", (d.stage,))
        if entry is None:
            out.append(video.diagnostic(section, "E_ENUM", f"no backend named `{d.backend}` in the catalog"))
            continue
        if entry.params is not None:
            try:
                entry.params.model_validate(d.params)
            except ValidationError as exc:
                for err in exc.errors(include_url=False):
                    name = str(err["loc"][0]) if err["loc"] else ""
                    path = d.where.get(name, section)
                    msg = str(err.get("msg", "")).removeprefix("Value error, ").replace("Input should be", "must be")
                    code = "E_RANGE" if err["type"] in _RANGE else "E_INVALID"
                    out.append(
                        video.diagnostic(
                            path,
                            code,
                            f"{dotted(path) if path else name} {msg} with the "
                            f"`{entry.name}` {entry.stage} engine, got {describe(err.get('input'))}",
                        )
                    )
                continue
        if facts is None:
            continue
        env = entry.needs.api_key_env
        if env and facts.api_keys is not None and env not in facts.api_keys and env not in keys_missing:
            keys_missing.add(env)
            out.append(
                video.diagnostic(
                    (d.stage, "engine"),
                    "W_API_KEY",
                    f"{env} is not set: the `{entry.name}` engine needs it to run",
                    f"export {env} before `vidc build`",
                    severity="warning",
                )
            )
        try:
            problems = entry.check(d.params, facts) if entry.check else []
        except Exception as exc:  # a plug-in's check is code we do not own: report it, never a traceback
            out.append(
                video.diagnostic(
                    section, "E_INVALID", f"the `{entry.name}` backend's check failed: {type(exc).__name__}: {exc}"
                )
            )
            continue
        for p in problems:
            path = d.where.get(p.param, section)
            if p.index is not None:
                path = path + (p.index,)
            hint = p.hint or (suggest(p.value, list(p.choices), "expected one of") if p.value is not None else "")
            out.append(video.diagnostic(path, p.code, p.message, hint, severity=p.severity))
    return out
