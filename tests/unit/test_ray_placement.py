"""Which plan lanes a Ray cluster can hold (node lists in, kept lanes out; no cluster needed) and
which project files travel to nodes that cannot see the project folder."""

import pytest

from vidc.runtime.engine import ray_project
from vidc.runtime.engine.ray_placement import lanes_that_fit
from vidc.runtime.engine.ray_project import project_files
from vidc.runtime.host.ray_cluster import ClusterError

NEEDS = {"gpu": {"gpu_rtx_4090": 1.0}, "cpu": {"CPU": 2.0}, "big": {"gpu_h100": 1.0}, "cpu2": {"CPU": 2.0}}


def node(addr: str, **resources: float) -> dict:
    return {"NodeManagerAddress": addr, "Alive": True, "Resources": resources}


def fit(lanes: list[str], planned: dict[str, list[str]], nodes: list[dict], gone: dict[str, str]) -> list[str]:
    return lanes_that_fit(
        {lane: lane for lane in lanes}, planned, nodes, lambda lane: NEEDS[lane], lambda lane: f"lane {lane}", gone
    )


def test_lanes_that_fit_are_kept_sorted_and_an_idle_lane_that_fits_nowhere_is_dropped():
    gone: dict[str, str] = {}
    nodes = [node("10.0.0.2", CPU=4.0), node("10.0.0.3", CPU=2.0, gpu_rtx_4090=1.0)]
    assert fit(["gpu", "cpu", "big"], {"gpu": ["t1"]}, nodes, gone) == ["cpu", "gpu"]
    assert gone == {"big": "no node has it"}


def test_planned_work_goes_first_when_room_runs_out():
    gone: dict[str, str] = {}
    nodes = [node("10.0.0.2", CPU=2.0)]
    assert fit(["cpu", "cpu2"], {"cpu2": ["t1"]}, nodes, gone) == ["cpu2"]
    assert gone == {"cpu": "the cluster has no room left for it beside the other lanes"}


def test_a_lane_with_planned_work_that_fits_nowhere_fails_naming_what_the_cluster_has():
    nodes = [node("10.0.0.2", CPU=4.0, memory=1e9, **{"node:10.0.0.2": 1.0})]
    with pytest.raises(ClusterError) as err:
        fit(["big", "cpu"], {"big": ["t1"]}, nodes, {})
    text = str(err.value)
    assert 'lane big needs Ray resources {"gpu_h100": 1.0} and no node has it' in text
    assert "The cluster has: node 10.0.0.2: CPU 4." in text and "memory" not in text
    with pytest.raises(ClusterError, match="The cluster has: no live node"):
        fit(["big"], {"big": ["t1"]}, [], {})


def test_project_files_leave_out_hidden_paths_caches_and_skipped_folders(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(b"png")
    (tmp_path / "video.yaml").write_text("videos: []\n")
    for hidden in (".vidc/journal", "__pycache__/x.pyc", "out/a.mp4"):
        (tmp_path / hidden).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / hidden).write_bytes(b"x")
    files = project_files(tmp_path, [(tmp_path / "out").resolve()])
    assert files == {"assets/logo.png": b"png", "video.yaml": b"videos: []\n"}


def test_project_files_over_the_limit_are_refused(tmp_path, monkeypatch):
    (tmp_path / "a.bin").write_bytes(b"1234")
    monkeypatch.setattr(ray_project, "PROJECT_LIMIT", 3)
    with pytest.raises(ClusterError, match="too much to send to every node"):
        project_files(tmp_path, [])
