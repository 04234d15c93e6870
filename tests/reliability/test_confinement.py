"""Confinement: no command reads, writes or deletes outside its root. Each test plants a decoy
outside the project (a file and a folder with a file in it) and reaches it the way a hostile
clone, build folder or CI artifact would (a symlinked `.vidc`, a symlinked store, a crafted
manifest); the decoy must be untouched and the command must say why in one line."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest

from vidc.runtime.cli import main
from vidc.runtime.state import confine
from vidc.runtime.state.confine import Refused
from vidc.schemas.journal import Done, Failed

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
    return (
        (decoy / ".bashrc").read_text() == "precious\n"
        and (decoy / "docs" / "thesis.txt").read_text() == "years of work\n"
        and sorted(p.name for p in decoy.iterdir()) == [".bashrc", "docs", "journal.log"]
    )


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


# -- export-timeline: a crafted build folder -----------------------------------------------------------


def _wav(path: Path, samples: int = 4410) -> None:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\x01\x00" * samples)


def _object(project: Path, files: dict[str, bytes | None]) -> str:
    """A store object holding `files` (None: a short WAV), committed as a build would."""
    from vidc.runtime.state.store import Store

    store = Store(project / ".vidc" / "store")
    store.ensure()
    tmp = store.new_tmp("t")
    for name, data in files.items():
        if data is None:
            _wav(tmp / name)
        else:
            (tmp / name).write_bytes(data)
    return store.commit(tmp)


@pytest.fixture
def built(project: Path) -> Path:
    """A small build as `vidc build` leaves it: a journal, the store, build/v.json and v.mp4 (no media
    is decoded by export-timeline except the voice WAV's header)."""
    from vidc.runtime.state.journal import Journal

    seg = _object(project, {"segment.mp4": b"\x00" * 2048})
    voice = _object(project, {"voice.wav": None})
    journal = Journal(project / ".vidc" / "journal.log")
    journal.append(Done(fp="fp-seg", object=seg, task="v/video/scene-01", lane="cpu-0"))
    journal.append(Done(fp="fp-voice", object=voice, task="v/voice/scene-01", lane="cpu-0"))
    build = project / "build"
    build.mkdir()
    (build / "v.mp4").write_bytes(b"mp4")
    (build / "v.srt").write_text("1\n00:00:00,000 --> 00:00:00,500\nHello there.\n")
    manifest = {
        "name": "v",
        "fps": 30,
        "duration_ms": 1000,
        "frames": 30,
        "fingerprints": {"v/video/scene-01": "fp-seg", "v/voice/scene-01": "fp-voice"},
        "files": {"mp4": "v.mp4", "srt": "v.srt"},
        "audio": {},
        "scenes": [
            {
                "index": 1,
                "frames": 30,
                "start_ms": 0,
                "duration_ms": 1000,
                "voice_ms": 100,
                "voiceover_text": "Hello there.",
                "visual_prompt": "a red square",
            }
        ],
    }
    (build / "v.json").write_text(json.dumps(manifest))
    return project


def _manifest(project: Path, **change) -> None:
    path = project / "build" / "v.json"
    m = json.loads(path.read_text())
    m.update(change)
    path.write_text(json.dumps(m))


def test_export_timeline_writes_from_a_sound_build(built: Path, tmp_path: Path) -> None:
    pytest.importorskip("opentimelineio")
    out = tmp_path / "cut" / "v.otio"
    out.parent.mkdir()
    assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(out)]) == 0
    assert (out.with_suffix(".media") / "scene-01.mp4").read_bytes() == b"\x00" * 2048
    assert (out.with_suffix(".media") / "v.srt").is_file()


def test_export_timeline_never_writes_where_the_manifest_points(
    built: Path, decoy: Path, tmp_path: Path, capsys
) -> None:
    pytest.importorskip("opentimelineio")
    out = tmp_path / "cut" / "v.otio"
    out.parent.mkdir()
    target = str(decoy / ".bashrc").lstrip("/")
    for srt in ("x/" + "../" * 60 + target, str(decoy / ".bashrc"), "../../home/.bashrc"):
        (built / "build" / "x").mkdir(exist_ok=True)
        (built / "build" / "x" / target.split("/")[-1]).write_text("planted\n")
        _manifest(built, files={"srt": srt})
        assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(out)]) != 0
        err = capsys.readouterr().err.strip()
        assert "files.srt" in err and len(err.splitlines()) == 1
    os.symlink(decoy / ".bashrc", built / "build" / "link.srt")  # a symlink in build/ pointing out
    _manifest(built, files={"srt": "link.srt"})
    assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(out)]) != 0
    assert intact(decoy)


def test_export_timeline_refuses_store_paths_from_a_crafted_journal(built: Path, decoy: Path, tmp_path: Path) -> None:
    pytest.importorskip("opentimelineio")
    from vidc.runtime.state.journal import Journal

    (decoy / "docs" / "segment.mp4").write_bytes(b"outside")  # what a crafted object name would reach
    Journal(built / ".vidc" / "journal.log").append(
        Done(fp="fp-seg", object="../" * 8 + str(decoy / "docs").lstrip("/"), task="v/video/scene-01", lane="cpu-0")
    )
    out = tmp_path / "v.otio"
    assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(out)]) == 2
    assert not out.exists() and intact(decoy)


def test_export_timeline_media_folder_symlinked_out_is_refused_before_copying(
    built: Path, decoy: Path, tmp_path: Path
) -> None:
    pytest.importorskip("opentimelineio")
    os.symlink(decoy, built / "build" / "v.media")
    assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(built / "build" / "v.otio")]) == 1
    assert not (built / "build" / "v.otio").exists() and intact(decoy)


def test_a_refused_output_copies_nothing(built: Path, tmp_path: Path) -> None:
    pytest.importorskip("opentimelineio")
    assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(tmp_path / "cut.txt")]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]  # no cut.media


def test_a_reexport_replaces_stale_media_of_the_same_size(built: Path, tmp_path: Path) -> None:
    pytest.importorskip("opentimelineio")
    out = tmp_path / "v.otio"
    assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(out)]) == 0
    copied = out.with_suffix(".media") / "scene-01.mp4"
    copied.write_bytes(b"\x07" * 2048)  # stale: same size, other content
    assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(out)]) == 0
    assert copied.read_bytes() == b"\x00" * 2048


def test_a_truncated_manifest_is_one_line(built: Path, tmp_path: Path, capsys) -> None:
    pytest.importorskip("opentimelineio")
    path = built / "build" / "v.json"
    path.write_text(path.read_text()[:60])
    assert main(["export-timeline", str(path), "-o", str(tmp_path / "v.otio")]) == 2
    path.write_text(json.dumps({"name": "v", "scenes": [{}]}))
    assert main(["export-timeline", str(path), "-o", str(tmp_path / "v.otio")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("manifest" in line for line in err)


# -- plan time: spec-given files through the runtime's reader --------------------------------------


def _compile(project: Path):
    from vidc.runtime.cli.common import compile_spec
    from vidc.schemas.hardware import Hardware

    plan, diags, _ = compile_spec(project / "project.yaml", Hardware(name="t", cpu_workers=2), {})
    return plan, [d.format() for d in diags if d.severity == "error"]


def _spec(project: Path, extra: str) -> None:
    (project / "project.yaml").write_text(TINY.replace("export: {preset: draft}\n", extra))


@pytest.mark.parametrize("kind", ["fifo", "folder", "link-out"])
def test_a_special_watermark_is_a_plan_error_without_hanging(project: Path, decoy: Path, kind: str) -> None:
    logo = project / "logo.png"
    if kind == "fifo":
        os.mkfifo(logo)
    elif kind == "folder":
        logo.mkdir()
    else:
        os.symlink(decoy / ".bashrc", logo)
    _spec(project, "export: {preset: draft, watermark: {file: logo.png}}\n")
    result: list = []
    t = threading.Thread(target=lambda: result.append(_compile(project)), daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "planning hung on the watermark"
    plan, errors = result[0]
    assert plan is None and len(errors) == 1 and "logo.png" in errors[0]
    assert ("E_ASSET_UNREADABLE" if kind == "folder" else "E_FILE_NOT_FOUND") in errors[0]


def test_a_changed_watermark_changes_the_video_fingerprints(project: Path) -> None:
    from PIL import Image

    Image.new("RGBA", (40, 20), (255, 0, 0, 255)).save(project / "logo.png")
    _spec(project, "export: {preset: draft, watermark: {file: logo.png}}\n")
    before, errors = _compile(project)
    assert before is not None, errors
    Image.new("RGBA", (40, 20), (0, 0, 255, 255)).save(project / "logo.png")
    after, _ = _compile(project)
    changed = {t.id for t in before.tasks} - {t.id for t in after.tasks} | {
        a.id for a, b in zip(before.tasks, after.tasks) if a.fingerprint != b.fingerprint
    }
    assert "tiny/video/scene-01" in changed


@pytest.mark.parametrize("kind", ["fifo", "folder", "dev-zero-link", "too-big"])
def test_a_special_lexicon_file_is_one_diagnostic(project: Path, kind: str) -> None:
    words = project / "words.yaml"
    if kind == "fifo":
        os.mkfifo(words)
    elif kind == "folder":
        words.mkdir()
    elif kind == "dev-zero-link":
        os.symlink("/dev/zero", words)
    else:
        words.write_text("a: b\n" * (4 * 1024 * 1024))
    _spec(project, "export: {preset: draft}\n")
    (project / "project.yaml").write_text(
        (project / "project.yaml").read_text().replace("speed: 1.0}", "speed: 1.0, lexicon_file: words.yaml}")
    )
    result: list = []
    t = threading.Thread(target=lambda: result.append(_compile(project)), daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "planning hung on the lexicon file"
    plan, errors = result[0]
    assert plan is None and len(errors) == 1 and "E_LEXICON" in errors[0] and "words.yaml" in errors[0]


def test_a_changed_track_of_a_music_library_rebuilds_the_music(project: Path) -> None:
    lib = project / "lib"
    lib.mkdir()
    _wav(lib / "bed.wav", 44100)
    (lib / "vidc-music.json").write_text(
        json.dumps(
            {
                "vidc_music": 1,
                "tracks": [
                    {
                        "id": "bed",
                        "title": "bed",
                        "moods": ["uplifting"],
                        "bpm": 100.0,
                        "duration_s": 600.0,
                        "path": "bed.wav",
                        "licence": "CC0-1.0",
                        "source": "test",
                    }
                ],
            }
        )
    )
    _spec(project, "export: {preset: draft}\n")
    (project / "project.yaml").write_text(
        (project / "project.yaml").read_text().replace("music: {mood:", "music: {library: lib, mood:")
    )
    before, errors = _compile(project)
    assert before is not None, errors
    _wav(lib / "bed.wav", 44100 * 2)
    after, _ = _compile(project)
    music = [(a.fingerprint, b.fingerprint) for a, b in zip(before.tasks, after.tasks) if a.id == "tiny/music"]
    assert music and music[0][0] != music[0][1]
    assert before.inputs["lib"] != after.inputs["lib"]  # a saved plan names the library as changed


# -- vidc say ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "folder", "dev-zero", "passwd", "ok"])
def test_say_reads_the_lexicon_file_as_the_compiler_does(project: Path, kind: str, capsys) -> None:
    words = "words.yaml"
    if kind == "fifo":
        os.mkfifo(project / words)
    elif kind == "folder":
        (project / words).mkdir()
    elif kind == "dev-zero":
        os.symlink("/dev/zero", project / words)
    elif kind == "passwd":
        words = "../" * 12 + "etc/passwd"
    else:
        (project / words).write_text("beat: bee tee\n")
    (project / "project.yaml").write_text(TINY.replace("speed: 1.0}", f"speed: 1.0, lexicon_file: '{words}'}}"))
    result: list = []
    t = threading.Thread(
        target=lambda: result.append(main(["say", "beat", "--spec", str(project), "-o", "-"])), daemon=True
    )
    t.start()
    t.join(60)
    assert not t.is_alive(), "vidc say hung on the lexicon file"
    out, err = capsys.readouterr()
    if kind == "ok":
        assert result == [0] and out.strip() == "bee tee"
    else:
        assert result == [2] and len(err.strip().splitlines()) == 1 and "lexicon file" in err and out == ""


def test_say_limits_its_input_and_the_lexicon_output(tmp_path: Path, capsys) -> None:
    assert main(["say", "a" * 126_000, "-o", "-"]) == 2
    lex = tmp_path / "lex.yaml"
    lex.write_text("la: " + "la " * 300 + "\n")
    assert main(["say", "la " * 1000, "--lexicon", str(lex), "-o", "-"]) == 2
    assert main(["say", "la", "--lexicon", "/dev/zero", "-o", "-"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "at most 5000" in err[0] and "spoken text" in err[1] and "device" in err[2]


def test_music_index_reads_only_the_library_own_files(tmp_path: Path, decoy: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    _wav(lib / "bed.wav", 44100 * 2)
    _wav(decoy / "docs" / "secret.wav", 44100 * 2)
    os.symlink(decoy / "docs" / "secret.wav", lib / "linked.wav")
    (decoy / "docs" / "secret.moods.txt").write_text("stolen\n")
    os.symlink(decoy / "docs" / "secret.moods.txt", lib / "bed.moods.txt")
    (lib / "moods.yaml").write_text("bed.wav: {bpm: 100}\nlinked.wav: {bpm: 100}\n")
    assert main(["music", "index", str(lib)]) == 0
    catalog = json.loads((lib / "vidc-music.json").read_text())
    assert [t["path"] for t in catalog["tracks"]] == ["bed.wav"]
    assert catalog["tracks"][0]["moods"] == []  # the linked sidecar outside was not read


# -- vidc review ---------------------------------------------------------------------------------------


def test_review_never_writes_through_links_in_its_folders(project: Path, decoy: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    os.symlink(decoy, site / "assets")
    assert main(["review", str(project), "-o", str(site)]) == 1
    os.unlink(site / "assets")
    os.symlink(decoy, site / "media")
    (project / "build").mkdir()
    (project / "build" / "tiny.mp4").write_bytes(b"not really")
    (project / "build" / "tiny.json").write_text(json.dumps({"name": "tiny", "scenes": []}))
    assert main(["review", str(project), "-o", str(site)]) == 1
    os.symlink(decoy, project / "build" / "review")  # the default site folder, planted in the build folder
    assert main(["review", str(project)]) == 1
    assert intact(decoy)


def test_review_refuses_a_work_folder_symlinked_out(project: Path, decoy: Path, tmp_path: Path) -> None:
    os.symlink(decoy, project / ".vidc")
    assert main(["review", str(project), "-o", str(tmp_path / "site")]) == 1
    assert intact(decoy)


def test_review_of_damaged_files_is_no_traceback(project: Path, tmp_path: Path) -> None:
    build = project / "build"
    build.mkdir()
    (build / "tiny.mp4").write_bytes(b"not an mp4")
    scenes = [{"index": 1, "start_ms": 0, "duration_ms": 8000, "frames": 240}]
    (build / "tiny.json").write_text(json.dumps({"name": "tiny", "scenes": scenes, "duration_ms": 8000}))
    stamp = tmp_path / "site" / "media" / "tiny" / "stamp.json"
    stamp.parent.mkdir(parents=True)
    stamp.write_text('{"version": 1, "sha2')  # damaged
    assert main(["review", str(project), "-o", str(tmp_path / "site")]) == 0
    stamp.write_text("[1, 2]")
    assert main(["review", str(project), "-o", str(tmp_path / "site")]) == 0
    (build / "tiny.json").write_text('{"name": "tiny", "scenes": [{"index": 1, "sta')  # truncated
    assert main(["review", str(project), "-o", str(tmp_path / "site")]) == 0
    (build / "tiny.json").write_text(json.dumps({"name": "tiny", "scenes": [{"index": "x"}], "files": [1]}))
    assert main(["review", str(project), "-o", str(tmp_path / "site")]) == 0
    assert 'data-status="pending"' in (tmp_path / "site" / "index.html").read_text()


def test_a_failed_video_page_shows_no_absolute_path(project: Path, tmp_path: Path) -> None:
    from vidc.runtime.state.journal import Journal

    plan, errors = _compile(project)
    assert plan is not None, errors
    voice = next(t for t in plan.tasks if t.id == "tiny/voice/scene-01")
    (project / ".vidc").mkdir()
    where = project.resolve() / ".vidc" / "store" / "tmp" / "x" / "voice.wav"
    Journal(project / ".vidc" / "journal.log").append(
        Failed(
            fp=voice.fingerprint,
            task=voice.id,
            lane="cpu-0",
            error=f"piper failed writing {where}: disk error; see /opt/secret/place/log.txt",
        )
    )
    assert main(["review", str(project), "-o", str(tmp_path / "site")]) == 0
    page = (tmp_path / "site" / "video-tiny.html").read_text()
    assert "disk error" in page and ".vidc/store/tmp/x/voice.wav" in page and "…/log.txt" in page
    assert str(project.resolve()) not in page and "/opt/secret" not in page and str(tmp_path) not in page


def test_review_takes_the_preset_of_a_draft_build(project: Path) -> None:
    assert main(["review", str(project), "--preset", "draft-vertical"]) == 0
    assert (project / "build" / "draft-vertical" / "review" / "index.html").is_file()


def _get(port: int, path: str, host: str | None = None) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


def test_the_review_server_serves_the_site_own_files_only(tmp_path: Path, decoy: Path) -> None:
    from vidc.runtime.review.serve import make_server, routes

    build = tmp_path / "build"
    (build / "review" / "assets").mkdir(parents=True)
    (build / "review" / "index.html").write_text("<h1>review</h1>")
    (build / "review" / "assets" / "review.css").write_text("body{}")
    (build / "v.mp4").write_bytes(b"mp4")
    (build / "other.txt").write_text("not linked")
    os.symlink(decoy / ".bashrc", build / "linked.mp4")
    files, base = routes(
        [
            (build / "review", build / "review" / "index.html"),
            (build / "review", build / "review" / "assets" / "review.css"),
            (build, build / "v.mp4"),
            (build, build / "linked.mp4"),
            (build, build / "missing.mp4"),
        ]
    )
    assert base == build.resolve() and sorted(files) == ["/review/assets/review.css", "/review/index.html", "/v.mp4"]
    server = make_server(files, "/review/index.html", 0)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert _get(port, "/review/index.html") == (200, b"<h1>review</h1>")
        assert _get(port, "/review/index.html", host=f"localhost:{port}")[0] == 200
        assert _get(port, "/v.mp4")[1] == b"mp4"
        assert _get(port, "/")[0] == 302
        for path in (
            "/other.txt",
            "/review/",
            "/review/assets",
            "/linked.mp4",
            "/../home/.bashrc",
            "/review/../other.txt",
            "/%2e%2e/home/.bashrc",
        ):
            assert _get(port, path)[0] == 404, path
        assert _get(port, "/review/index.html", host="evil.example:80")[0] == 421  # DNS rebinding
        assert _get(port, "/review/index.html", host=f"evil.example:{port}")[0] == 421
        (build / "v.mp4").unlink()
        os.symlink(decoy / ".bashrc", build / "v.mp4")  # swapped for a link after the site was made
        assert _get(port, "/v.mp4")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
    assert intact(decoy)


def test_a_busy_or_impossible_port_is_one_line(project: Path, tmp_path: Path, capsys) -> None:
    import socket

    from vidc.runtime.review.serve import ServeError, make_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        with pytest.raises(ServeError, match=f"port {busy} on 127.0.0.1 is in use"):
            make_server({}, "/", busy)
        assert main(["review", str(project), "-o", str(tmp_path / "s"), "--serve", "--port", str(busy)]) == 1
    assert main(["review", str(project), "-o", str(tmp_path / "s"), "--serve", "--port", "70000"]) == 2
    err = [
        line
        for line in capsys.readouterr().err.splitlines()
        if "warning[" not in line and line.startswith(("vidc", "Trace"))
    ]
    assert len(err) == 2 and "in use" in err[0] and "70000" in err[1]


def test_review_shows_no_file_a_crafted_manifest_points_outside(project: Path, decoy: Path, tmp_path: Path) -> None:
    build = project / "build"
    build.mkdir()
    (build / "tiny.mp4").write_bytes(b"not an mp4")
    (decoy / "docs" / "secret.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nTOP SECRET\n")
    os.symlink(decoy / "docs" / "secret.srt", build / "linked.srt")
    scenes = [{"index": 1, "start_ms": 0, "duration_ms": 8000, "frames": 240}]
    for srt in ("../" * 12 + str(decoy / "docs" / "secret.srt").lstrip("/"), "linked.srt"):
        (build / "tiny.json").write_text(
            json.dumps({"name": "tiny", "scenes": scenes, "duration_ms": 8000, "files": {"srt": srt, "vtt": srt}})
        )
        assert main(["review", str(project), "-o", str(tmp_path / "site")]) == 0
        page = (tmp_path / "site" / "video-tiny.html").read_text()
        assert "TOP SECRET" not in page and not re.search(r'(src|href)="[^"]*secret', page)
        assert "missing: " in page  # named as missing from the build folder, not read from outside it


def test_a_calibration_behind_a_linked_work_folder_is_not_read(project: Path, decoy: Path) -> None:
    from vidc.runtime.state.calibration import load_calibration

    (decoy / "calibration.json").write_text('{"scale": {"piper": 3.0}}')
    os.symlink(decoy, project / ".vidc")
    assert load_calibration(project) == {}
    os.unlink(project / ".vidc")
    (project / ".vidc").mkdir()
    (project / ".vidc" / "calibration.json").write_text('{"scale": {"piper": 3.0}}')
    assert load_calibration(project) == {"piper": 3.0}


# -- red-team round: JSON no reader chokes on, crafted manifest numbers, planted FIFOs ---------------

DEEP = "[" * 100_000 + "]" * 100_000  # parses only by exhausting Python's recursion


def test_read_json_refuses_damaged_and_deeply_nested_json_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    for text in (DEEP, '{"a": ', "[1, 2]"):
        path.write_text(text)
        if text == "[1, 2]":
            assert confine.read_json(path) == [1, 2]
            continue
        with pytest.raises(confine.NotJSON) as exc:
            confine.read_json(path, what="manifest")
        assert "manifest" in str(exc.value) and "\n" not in str(exc.value)


def test_deeply_nested_json_in_the_work_and_build_folders_is_no_traceback(project: Path, tmp_path: Path) -> None:
    from vidc.runtime.state.calibration import load_calibration
    from vidc.runtime.state.store import Store

    (project / ".vidc").mkdir()
    (project / ".vidc" / "calibration.json").write_text('{"scale": ' + DEEP + "}")
    assert load_calibration(project) == {}
    digest = _object(project, {"a.txt": b"a"})
    store = Store(project / ".vidc" / "store")
    (store.index / f"{digest}.json").write_text(DEEP)
    assert store.verify(digest, full=False)  # no record: hashed in full, and the record written again
    assert store.recorded(digest) is not None
    build = project / "build"
    build.mkdir()
    (build / "tiny.mp4").write_bytes(b"not an mp4")
    (build / "tiny.json").write_text(DEEP)
    stamp = tmp_path / "site" / "media" / "tiny" / "stamp.json"
    stamp.parent.mkdir(parents=True)
    stamp.write_text(DEEP)
    assert main(["review", str(project), "-o", str(tmp_path / "site")]) == 0


def test_a_fifo_planted_as_a_store_record_never_blocks(project: Path) -> None:
    from vidc.runtime.state.store import Store

    digest = _object(project, {"a.txt": b"a"})
    store = Store(project / ".vidc" / "store")
    record = store.index / f"{digest}.json"
    record.unlink()
    os.mkfifo(record)
    result: list[object] = []
    t = threading.Thread(
        target=lambda: result.append((store.verify(digest, full=False), store.recorded(digest))), daemon=True
    )
    t.start()
    t.join(30)
    assert not t.is_alive(), "a FIFO in store/index blocked the store"
    assert result[0][0] is True and result[0][1] is not None and record.is_file()  # replaced by a real record


@pytest.mark.parametrize(
    "change",
    [
        {"fps": "abc"},
        {"fps": 0},
        {"fps": 1e400},
        {"duration_ms": "x"},
        {"scenes": [{"index": "../x"}]},
        {"scenes": [{"index": 1.5, "frames": 30, "start_ms": 0, "duration_ms": 1000}]},
        {"scenes": [{"index": 1, "frames": "x", "start_ms": 0, "duration_ms": 1000}]},
        {"scenes": [{"index": 1, "frames": 10**30, "start_ms": 0, "duration_ms": 1000}]},
        {"intro": "x"},
        "deep",
    ],
)
def test_export_timeline_crafted_manifest_numbers_are_one_line(built: Path, tmp_path: Path, change, capsys) -> None:
    pytest.importorskip("opentimelineio")
    if change == "deep":
        (built / "build" / "v.json").write_text(DEEP)
    else:
        _manifest(built, **change)
    out = tmp_path / "v.otio"
    assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "manifest" in err and not out.exists()


def test_export_timeline_damaged_stored_wav_is_one_line(built: Path, tmp_path: Path, capsys) -> None:
    pytest.importorskip("opentimelineio")
    for wav in (built / ".vidc" / "store" / "objects").glob("*/voice.wav"):
        os.chmod(wav, 0o644)
        wav.write_bytes(b"RIFFjunk")
    assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(tmp_path / "v.otio")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "verify --repair" in err


def test_a_deeply_nested_lexicon_is_one_line(project: Path, tmp_path: Path, capsys) -> None:
    (project / "words.yaml").write_text(DEEP)
    (project / "project.yaml").write_text(TINY.replace("speed: 1.0}", "speed: 1.0, lexicon_file: words.yaml}"))
    plan, errors = _compile(project)
    assert plan is None and len(errors) == 1 and "E_LEXICON" in errors[0] and "nested too deep" in errors[0]
    assert main(["say", "hi", "--lexicon", str(project / "words.yaml"), "-o", "-"]) == 2
    laughs = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):  # 9**9 strings if expanded
        laughs.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    (tmp_path / "laughs.yaml").write_text("\n".join(laughs) + "\n")
    assert main(["say", "hi", "--lexicon", str(tmp_path / "laughs.yaml"), "-o", "-"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "nested too deep" in err[0] and "not a mapping" in err[1]


LLM_SPEC = """vidc: 1
name: sl
script:
  brief: A short teaser for a metronome.
  scene_count: 1
  llm: {provider: openai-compatible, model: m, base_url: "http://127.0.0.1:9/v1"}
  lock_file: LOCK
voice: {engine: piper}
video: {engine: animatic}
music: {mood: [uplifting]}
export: {preset: draft}
"""


@pytest.mark.parametrize("kind", ["fifo", "link-out", "folder", "folder-link-out"])
def test_vidc_script_never_reads_or_writes_a_lock_outside_or_special(
    tmp_path: Path, decoy: Path, kind: str, capsys
) -> None:
    proj = tmp_path / "llm"
    proj.mkdir()
    name = {"fifo": "l.json", "link-out": "l.json", "folder": "l.json", "folder-link-out": "out/l.json"}[kind]
    (proj / "project.yaml").write_text(LLM_SPEC.replace("LOCK", name))
    if kind == "fifo":
        os.mkfifo(proj / name)
    elif kind == "link-out":
        os.symlink(decoy / ".bashrc", proj / name)
    elif kind == "folder":
        (proj / name).mkdir()
    else:
        os.symlink(decoy, proj / "out")
    result: list[int] = []
    t = threading.Thread(target=lambda: result.append(main(["script", str(proj)])), daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "vidc script hung on the lock file"
    err = capsys.readouterr().err.strip()
    assert result == [1] and len(err.splitlines()) == 1 and "script lock file" in err
    assert intact(decoy)


def test_a_lock_file_that_is_a_folder_or_too_deep_is_a_diagnostic(tmp_path: Path) -> None:
    from vidc.runtime.cli.common import compile_spec
    from vidc.schemas.hardware import Hardware

    proj = tmp_path / "llm"
    proj.mkdir()
    (proj / "project.yaml").write_text(LLM_SPEC.replace("LOCK", "l.json"))
    for make in (lambda p: p.mkdir(), lambda p: (p.rmdir(), p.write_text(DEEP))):
        make(proj / "l.json")
        plan, diags, _ = compile_spec(proj / "project.yaml", Hardware(name="t", cpu_workers=2), {})
        errors = [d.format() for d in diags if d.severity == "error"]
        assert plan is None and len(errors) == 1 and "E_SCRIPT_LOCK" in errors[0]


def test_a_music_catalog_nested_too_deep_is_one_diagnostic(project: Path) -> None:
    lib = project / "lib"
    lib.mkdir()
    _wav(lib / "bed.wav", 44100)
    (lib / "vidc-music.json").write_text(DEEP)
    (project / "project.yaml").write_text(TINY.replace("music: {mood:", "music: {library: lib, mood:"))
    plan, errors = _compile(project)
    assert plan is None and len(errors) == 1 and "E_MUSIC_LIBRARY" in errors[0] and "nested too deep" in errors[0]


def test_an_output_named_inside_the_project_never_goes_through_a_link_out(
    built: Path, decoy: Path, tmp_path: Path, capsys
) -> None:
    os.symlink(decoy, built / "out")
    assert main(["plan", str(built), "-o", str(built / "out" / "plan.json")]) == 1
    assert main(["review", str(built), "-o", str(built / "out" / "site")]) == 1
    if __import__("importlib").util.find_spec("opentimelineio"):
        assert main(["export-timeline", str(built / "build" / "v.json"), "-o", str(built / "out" / "v.otio")]) == 1
    err = [line for line in capsys.readouterr().err.strip().splitlines() if line.startswith("vidc: error")]
    assert len(err) >= 2 and all("through a symlink" in line for line in err)
    assert intact(decoy)
    assert main(["plan", str(built), "-o", str(built / "plan.json")]) == 0  # inside, no link: written
    assert main(["plan", str(built), "-o", str(tmp_path / "elsewhere.json")]) == 0  # outside: the user's choice
    assert (built / "plan.json").is_file() and (tmp_path / "elsewhere.json").is_file()


@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_a_worker_log_planted_as_a_link_or_fifo_is_refused_before_any_lane_opens_it(
    project: Path, decoy: Path, kind: str, capsys
) -> None:
    from vidc.runtime.state.faults import StateFault
    from vidc.runtime.state.workfolder import project_work_folder

    logs = project / ".vidc" / "logs"
    logs.mkdir(parents=True)
    if kind == "link":
        os.symlink(decoy / ".bashrc", logs / "cpu-0.log")  # a lane's log is opened for appending
    else:
        os.mkfifo(logs / "cpu-0.log")
    with pytest.raises(StateFault, match="worker log"):
        project_work_folder(project)
    assert main(["build", str(project)]) == 1
    assert "worker log" in capsys.readouterr().err
    assert intact(decoy)


def test_a_fifo_planted_as_a_music_cache_record_never_blocks(tmp_path: Path) -> None:
    from vidc.runtime.media import music_library

    cache = tmp_path / "cache"
    track = music_library.CATALOG[0].id
    record = music_library._record(music_library.track_path(track, cache))
    os.mkfifo(record)
    result: list[bool] = []
    t = threading.Thread(
        target=lambda: result.append(music_library._cached_ok(music_library.track_path(track, cache))), daemon=True
    )
    t.start()
    t.join(30)
    assert not t.is_alive(), "a FIFO in .vidc/cache/music.index blocked the music task"
    assert result == [False]  # no record: the track is rendered again


def test_a_hardware_profile_nested_too_deep_is_one_line(project: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "hw.yaml").write_text(DEEP)
    assert main(["validate", str(project), "--hardware", str(tmp_path / "hw.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nested too deep" in err
