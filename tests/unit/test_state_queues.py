"""state/queues.py, state/lock.py, state/atomic.py and state/workfolder.py as they behave today."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vidc.runtime.state import atomic, queues
from vidc.runtime.state.lock import Busy, WorkLock
from vidc.runtime.state.workfolder import WorkFolder


def test_queue_lines_are_read_once_and_in_order(tmp_path):
    q = tmp_path / "cpu-0.queue"
    r = queues.QueueReader(q)
    assert r.next_lines() == []  # no file yet
    queues.append(q, "v/voice/scene-01", "tasks/a.json", "objects-tmp/a")
    queues.append(q, "v/voice/scene-02", "tasks/b.json", "objects-tmp/b")
    assert r.next_lines() == [
        "v/voice/scene-01|tasks/a.json|objects-tmp/a",
        "v/voice/scene-02|tasks/b.json|objects-tmp/b",
    ]
    assert r.next_lines() == []
    queues.append_stop(q)
    assert r.next_lines() == [queues.STOP]


def test_queue_reader_resumes_from_an_offset_and_waits_for_whole_lines(tmp_path):
    q = tmp_path / "q"
    queues.append(q, "a", "d", "o")
    first = len(q.read_bytes())
    queues.append(q, "b", "d", "o")
    assert queues.QueueReader(q, first).next_lines() == ["b|d|o"]  # a restarted worker skips what it ran
    with open(q, "ab") as fh:
        fh.write(b"c|d|")
    r = queues.QueueReader(q, len(q.read_bytes()) - 4)
    assert r.next_lines() == []  # half a line is not a task
    with open(q, "ab") as fh:
        fh.write(b"o\n")
    assert r.next_lines() == ["c|d|o"]


def test_lock_excludes_a_second_holder_and_names_the_first(tmp_path):
    path = tmp_path / ".vidc" / "lock"
    first = WorkLock(path)
    first.acquire()
    code = (
        "import sys; from pathlib import Path; from vidc.runtime.state.lock import WorkLock, Busy\n"
        f"l = WorkLock(Path({str(path)!r}))\n"
        "try:\n    l.acquire()\nexcept Busy as b:\n    print(b.pid); sys.exit(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3 and proc.stdout.strip() == str(os.getpid())
    first.release()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0


def test_lock_is_released_when_the_holder_dies(tmp_path):
    path = tmp_path / "lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from pathlib import Path; "
            "from vidc.runtime.state.lock import WorkLock; "
            f"WorkLock(Path({str(path)!r})).acquire(); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(Busy):
        WorkLock(path).acquire()
    holder.kill()
    holder.wait(10)
    lock = WorkLock(path)
    lock.acquire()  # the kernel dropped the dead holder's flock: no stale-lock cleanup needed
    lock.release()


def test_atomic_write_never_leaves_a_partial_final(tmp_path):
    final = tmp_path / "out" / "video.mp4"
    atomic.write_text(final, "v1")
    assert final.read_text() == "v1" and oct(final.stat().st_mode & 0o777) == oct(atomic.FILE_MODE)
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(final) as tmp:
            tmp.write_text("half")
            raise RuntimeError("ffmpeg died")
    assert final.read_text() == "v1"
    assert sorted(p.name for p in final.parent.iterdir()) == ["video.mp4"]  # no .part left behind
    src = tmp_path / "src"
    src.write_bytes(b"abc")
    atomic.copy_file(src, final)
    assert final.read_bytes() == b"abc"


def test_work_folder_layout(tmp_path):
    w = WorkFolder(tmp_path / ".vidc")
    assert w.journal == tmp_path / ".vidc" / "journal.log"
    assert w.queue("cuda:0") == tmp_path / ".vidc" / "queues" / "cuda_0.queue"
    assert w.store.root == tmp_path / ".vidc" / "store"
    assert {w.tasks.name, w.cache.name, w.lock.name} == {"tasks", "cache", "lock"}
    assert isinstance(w.root, Path)
