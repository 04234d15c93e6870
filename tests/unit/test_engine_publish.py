"""engine/publish.py as it behaves today: finals copied once, atomically, and a clear error when the
output folder cannot be written (the store keeps everything)."""

from __future__ import annotations

import io

from vidc.runtime.engine import publish
from vidc.runtime.engine.events import Reporter
from vidc.runtime.state.store import Store

from .engine_plans import plan, task


def _setup(tmp_path):
    store = Store(tmp_path / "store")
    store.ensure()
    out = store.new_tmp("t")
    (out / "v.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    digest = store.commit(out)
    t = task("v/captions", final=["v.srt"])
    p = plan([t])
    pub = publish.Publisher(p, {t.id: t}, {"v": tmp_path / "build"}, store, Reporter("json", io.StringIO()))
    return pub, {t.id: digest}, tmp_path / "build" / "v.srt"


def test_finals_are_copied_once(tmp_path):
    pub, objects, dst = _setup(tmp_path)
    assert pub._finals(pub.tasks["v/captions"], objects) == [str(dst)]
    assert dst.read_text().endswith("hi\n")
    assert pub._finals(pub.tasks["v/captions"], objects) == []  # same bytes: nothing to write


def test_a_changed_output_file_is_replaced(tmp_path):
    pub, objects, dst = _setup(tmp_path)
    pub._finals(pub.tasks["v/captions"], objects)
    dst.write_text("edited by hand")
    assert pub._finals(pub.tasks["v/captions"], objects) == [str(dst)]
    assert dst.read_text().endswith("hi\n")


def test_unwritable_output_is_a_publish_error_naming_the_fix(tmp_path, monkeypatch):
    pub, objects, dst = _setup(tmp_path)

    def refuse(src, dst, sha256):
        raise PermissionError(13, "Permission denied")

    # A failed publish does not stop the build (issue 9): it is recorded, and the build ends with exit 1.
    monkeypatch.setattr(publish, "_copy_verified", refuse)
    assert pub._finals(pub.tasks["v/captions"], objects) == []
    (error,) = pub.errors
    assert "run `vidc build` again: it will only publish" in error
    assert not dst.exists()
