"""A Ray lane that nobody calls while it runs nothing ends itself (so a driver killed for good never
holds a device for long); one that runs a task, or is called, does not. No Ray needed."""

import time

from vidc.runtime.engine.ray_orphans import PING_S, Idle, actor_name, grace_s, prefix


def test_an_idle_lane_nobody_calls_ends_itself_and_a_busy_or_called_one_does_not() -> None:
    ended: list[int] = []
    idle = Idle(0.3, exit_=ended.append)
    idle.busy(True)
    time.sleep(0.6)
    assert ended == []  # running a task (its driver may be gone: it finishes the task first)
    idle.busy(False)
    for _ in range(4):
        time.sleep(0.1)
        idle.touch()  # the driver pings
    assert ended == []
    deadline = time.monotonic() + 3
    while not ended and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ended == [0]


def test_the_grace_comes_from_the_environment_and_is_never_shorter_than_two_pings(monkeypatch) -> None:
    monkeypatch.setenv("VIDC_RAY_ORPHAN_GRACE_S", "600")
    assert grace_s() == 600
    monkeypatch.setenv("VIDC_RAY_ORPHAN_GRACE_S", "0.1")
    assert grace_s() == 2 * PING_S
    monkeypatch.setenv("VIDC_RAY_ORPHAN_GRACE_S", "soon")
    assert grace_s() == 60


def test_actor_names_carry_the_build_key_and_differ_per_actor() -> None:
    a, b = actor_name("k1", "cpu:a", 1), actor_name("k1", "cpu:a", 2)
    assert a != b and a.startswith(prefix("k1")) and not a.startswith(prefix("k2"))
