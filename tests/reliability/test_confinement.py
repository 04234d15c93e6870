"""Confinement: no command reads, writes or deletes outside its root. Each test plants a decoy
outside the project (a file and a folder with a file in it) and reaches it the way a hostile
clone, build folder or CI artifact would (a symlinked `.vidc`, a symlinked store, a crafted
manifest); the decoy must be untouched and the command must say why in one line."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from vidc.runtime.cli import main
from vidc.runtime.state import confine
from vidc.runtime.state.confine import Refused

from .conftest import TINY


@pytest.fixture
def decoy(tmp_path: Path) -> Path:
    d = tmp_path / "home"
    (d / "docs").mkdir(parents=True)
    (d / ".bashrc").write_text("precious\n")
    (d / "docs" / "thesis.txt").write_text("years of work\n")
    (d / "journal.log").write_text('{"ev": "done"}\n')
    return d


def intact(decoy: Path) -> bool:
    return ((decoy / ".bashrc").read_text() == "precious\n"
            and (decoy / "docs" / "thesis.txt").read_text() == "years of work\n"
            and sorted(p.name for p in decoy.iterdir()) == [".bashrc", "docs", "journal.log"])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    p = tmp_path / "proj"
    p.mkdir()
    (p / "project.yaml").write_text(TINY)
    return p


# -- the rule itself ---------------------------------------------------------------------------------

def test_confined_refuses_dotdot_absolute_and_symlinks_out(tmp_path: Path, decoy: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "ok.txt").write_text("x")
    os.symlink(decoy / ".bashrc", root / "link")
    assert confine.confined_file(root, "ok.txt") == (root / "ok.txt").resolve()
    for bad in ("../home/.bashrc", str(decoy / ".bashrc"), "link", "x/" + "../" * 40 + "etc/passwd"):
        with pytest.raises(Refused):
            confine.confined_file(root, bad)


def test_special_files_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result: list[object] = []

    def read() -> None:
        for target in (fifo, Path("/dev/zero"), tmp_path):
            try:
                confine.read_bytes(target)
                result.append("read")
            except Refused as exc:
                result.append(str(exc))

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(5)
    assert not t.is_alive(), "reading a FIFO blocked"
    assert "FIFO" in result[0] and "device" in result[1] and "folder" in result[2]
    with pytest.raises(Refused, match="regular file"):
        confine.regular(fifo)


def test_reads_are_capped(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"a" * 1001)
    with pytest.raises(Refused, match="at most 1000"):
        confine.read_bytes(big, limit=1000)
    assert confine.read_bytes(big, limit=1001) == b"a" * 1001


def test_remove_never_follows_a_link(tmp_path: Path, decoy: Path) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    os.symlink(decoy, root / "sub" / "inner-link")  # a link inside a folder being removed
    os.symlink(decoy, root / "link")  # a link removed on its own
    os.symlink(decoy, root / "via")  # a folder reached through a link
    assert confine.remove(root, root / "link") and not (root / "link").is_symlink()
    assert confine.remove(root, root / "sub") and not (root / "sub").exists()
    with pytest.raises(Refused):
        confine.remove(root, root / "via" / "docs")
    with pytest.raises(Refused):
        confine.remove(root, root / ".." / "home")
    with pytest.raises(Refused):
        confine.remove(root, root)
    assert intact(decoy)


# -- maintenance commands ----------------------------------------------------------------------------

def test_clean_refuses_a_work_folder_symlinked_out(project: Path, decoy: Path, capsys) -> None:
    os.symlink(decoy, project / ".vidc")
    assert main(["clean", str(project)]) == 1
    err = capsys.readouterr().err.strip()
    assert "outside" in err and len(err.splitlines()) == 1
    assert main(["clean", str(project), "--all"]) == 1
    assert intact(decoy)


def test_clean_removes_a_link_inside_the_work_folder_not_its_target(project: Path, decoy: Path) -> None:
    (project / ".vidc").mkdir()
    os.symlink(decoy, project / ".vidc" / "stray")
    (project / ".vidc" / "old").mkdir()
    os.symlink(decoy, project / ".vidc" / "old" / "deep")
    assert main(["clean", str(project)]) == 0
    assert not (project / ".vidc" / "stray").is_symlink() and not (project / ".vidc" / "old").exists()
    assert intact(decoy)


def test_clean_refuses_a_store_symlinked_out(project: Path, decoy: Path) -> None:
    (project / ".vidc").mkdir()
    os.symlink(decoy, project / ".vidc" / "store")
    assert main(["clean", str(project)]) == 1
    assert intact(decoy)


def test_verify_repair_refuses_store_objects_symlinked_out(project: Path, decoy: Path, capsys) -> None:
    (project / ".vidc" / "store").mkdir(parents=True)
    os.symlink(decoy, project / ".vidc" / "store" / "objects")
    assert main(["verify", str(project), "--repair"]) == 1
    assert "store" in capsys.readouterr().err
    os.unlink(project / ".vidc" / "store" / "objects")
    os.rmdir(project / ".vidc" / "store")
    os.rmdir(project / ".vidc")
    os.symlink(decoy, project / ".vidc")
    assert main(["verify", str(project), "--repair"]) == 1
    assert intact(decoy)


def test_verify_repair_removes_a_damaged_entry_that_is_a_link_not_its_target(project: Path, decoy: Path) -> None:
    objects = project / ".vidc" / "store" / "objects"
    objects.mkdir(parents=True)
    os.symlink(decoy, objects / ("a" * 64))
    assert main(["verify", str(project), "--repair"]) == 0
    assert not (objects / ("a" * 64)).is_symlink()
    assert intact(decoy)


def test_calibrate_never_writes_through_a_symlinked_work_folder(project: Path, decoy: Path) -> None:
    os.symlink(decoy, project / ".vidc")
    assert main(["calibrate", str(project)]) == 1
    assert not (decoy / "calibration.json").exists()
    assert intact(decoy)
