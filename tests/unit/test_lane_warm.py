"""A lane warms each backend of its planned tasks once, with the params of the first such task, before
its first task; a backend whose warm-up fails is left for its task (which then reports the failure)."""

from pathlib import Path

import pytest

from vidc.runtime.backends.base import Backend
from vidc.runtime.engine import worker
from vidc.runtime.engine.lanes import Warm, warm_list
from vidc.schemas.plan import Task


class _Warms(Backend):
    name, stage, version = "warms", "voice", "1"
    seen: list = []

    def warm(self, params, project_dir):
        _Warms.seen.append((params, project_dir))

    def run(self, ctx, params):
        return {}


class _Breaks(_Warms):
    name = "breaks"

    def warm(self, params, project_dir):
        raise RuntimeError("no such model")


class _Cold(_Warms):
    name = "cold"
    warm = Backend.warm


def test_the_warm_list_has_each_backend_once_with_its_first_tasks_params() -> None:
    def t(tid: str, backend: str, n: int) -> Task:
        return Task.model_construct(id=tid, backend=backend, params={"n": n})

    queue = [t("a", "piper", 1), t("b", "mix", 2), t("c", "piper", 3)]
    assert warm_list(queue) == [Warm("mix", {"n": 2}), Warm("piper", {"n": 1})]


def test_a_backend_whose_warm_up_fails_is_left_for_its_task(monkeypatch, tmp_path: Path, capsys) -> None:
    classes = {"warms": _Warms, "breaks": _Breaks, "cold": _Cold}
    monkeypatch.setattr(worker, "load_class", classes.__getitem__)
    _Warms.seen.clear()
    backends: dict = {}
    specs = [{"backend": n, "params": {"model": "@{project:models/m}"}} for n in ("breaks", "cold", "warms")]
    worker.warm(backends, specs, "cpu", tmp_path)
    assert sorted(backends) == ["warms"]  # `cold` has nothing to warm; `breaks` failed
    assert _Warms.seen == [({"model": f"file:{tmp_path / 'models/m'}"}, tmp_path)]  # project paths resolved
    assert "breaks was not warmed" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["piper"])
def test_piper_has_a_warm_up(name: str) -> None:
    from vidc.runtime.backends.registry import load_class

    assert load_class(name).warm is not Backend.warm
