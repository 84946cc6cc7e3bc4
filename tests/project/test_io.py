"""Project files: round trip, relative media paths, atomic saves with .bak, versions, offline media."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from studio.errors import MediaError, ProjectError
from studio.paths import DEMO_PROJECT
from studio.project import (
    CURRENT_VERSION,
    Project,
    load_project,
    project_from_dict,
    project_to_dict,
    refresh_media,
    require_online,
    save_project,
)
from tests.project.conftest import build_project


def _saved(tmp_path: Path, **kwargs) -> tuple[Project, Path]:
    project = build_project(tmp_path / "proj", **kwargs)
    path = save_project(project, tmp_path / "proj" / "demo.avsproj.json")
    return project, path


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    project, path = _saved(tmp_path, outside=tmp_path / "elsewhere")
    loaded = load_project(path)
    assert loaded == project  # dataclass equality: clips, placements, curves, settings, path
    assert project_to_dict(loaded) == project_to_dict(project)
    assert loaded.path == path and loaded.missing_media() == []


def test_media_under_the_project_folder_is_stored_relative(tmp_path: Path) -> None:
    _, path = _saved(tmp_path, outside=tmp_path / "elsewhere")
    stored = [c["path"] for c in json.loads(path.read_text())["clips"]]
    assert stored[:2] == ["media/waves.mp4", "media/city.mov"]
    assert stored[2] == str(tmp_path / "elsewhere" / "birds.mkv")  # not under the tree: absolute
    # Move the project together with its media: relative clips follow, the absolute one stays put.
    moved = tmp_path / "moved"
    os.rename(tmp_path / "proj", moved)
    loaded = load_project(moved / path.name)
    assert [c.path for c in loaded.clips[:2]] == [moved / "media/waves.mp4", moved / "media/city.mov"]
    assert all(c.path.is_absolute() for c in loaded.clips)
    assert loaded.missing_media() == []


def test_save_keeps_the_previous_file_as_bak_and_leaves_no_temp(tmp_path: Path) -> None:
    project, path = _saved(tmp_path)
    first = path.read_text()
    project.name = "Second"
    save_project(project)
    assert path.with_name(path.name + ".bak").read_text() == first
    assert load_project(path).name == "Second"
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "demo.avsproj.json",
        "demo.avsproj.json.bak",
        "media",
    ]


def test_a_failure_while_writing_leaves_the_old_file_intact(tmp_path: Path, monkeypatch) -> None:
    project, path = _saved(tmp_path)
    before = sorted(path.parent.iterdir())
    original = path.read_bytes()

    def disk_full(fd: int) -> None:  # the document is in the temp file, the disk cannot take it
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", disk_full)
    project.name = "Never written"
    with pytest.raises(ProjectError, match=r"^cannot save .*demo\.avsproj\.json: disk full$"):
        save_project(project, path)
    assert path.read_bytes() == original
    assert sorted(path.parent.iterdir()) == before


def test_a_failing_rename_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch) -> None:
    project, path = _saved(tmp_path)
    save_project(project)  # now a .bak exists too
    before = {p: p.read_bytes() for p in path.parent.iterdir() if p.is_file()}

    def refuse(src, dst) -> None:
        raise PermissionError("locked")

    monkeypatch.setattr(os, "replace", refuse)
    project.name = "Never written"
    with pytest.raises(ProjectError, match="locked"):
        save_project(project)
    assert {p: p.read_bytes() for p in path.parent.iterdir() if p.is_file()} == before


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "attention-video-studio",\n  "version": 1,,\n}')
    with pytest.raises(ProjectError, match=r"^broken\.json: not valid JSON: .* at line 3, column 16$"):
        load_project(path)


def test_missing_file_and_wrong_format(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no such project file"):
        load_project(tmp_path / "nope.json")
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "kdenlive", "version": 1}))
    with pytest.raises(ProjectError, match=r"^other\.json: format: expected \"attention-video-studio\""):
        load_project(path)


def test_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"format": "attention-video-studio", "version": 7}))
    with pytest.raises(ProjectError) as err:
        load_project(path)
    assert str(err.value) == (
        "future.json: made by a newer Attention Video Studio (version 7); "
        f"this one reads up to {CURRENT_VERSION}"
    )


def test_version_0_is_migrated(tmp_path: Path) -> None:
    (tmp_path / "a.mp4").write_bytes(b"x")
    v0 = {
        "format": "attention-video-studio",
        "version": 0,
        "generation_time": 3.5,
        "clips": [{"id": "c1", "path": "a.mp4", "fps": 25, "frames": 50, "width": 64, "height": 48}],
        "placements": [{"id": "p1", "clip_id": "c1", "start": 0, "duration": 2, "importance": 0.4}],
    }
    project = project_from_dict(v0, tmp_path)
    assert project.settings.duration == 3.5
    curve = project.placements[0].importance
    assert [curve.value_at(t) for t in (0.0, 1.0, 5.0)] == [0.4, 0.4, 0.4]
    assert v0["version"] == 0 and v0["placements"][0]["importance"] == 0.4  # input left untouched
    assert project_to_dict(project, tmp_path)["version"] == CURRENT_VERSION


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    project, path = _saved(tmp_path)
    data = json.loads(path.read_text())
    data["plugin_state"] = {"x": 1}
    data["clips"][0]["color_label"] = "red"
    data["settings"]["engine"]["future_knob"] = 3
    assert project_from_dict(data, path.parent).clips == project.clips


def test_missing_media_loads_offline_and_render_is_refused(tmp_path: Path) -> None:
    project, path = _saved(tmp_path)
    require_online(load_project(path))  # all present: no error
    gone = project.clips[1].path
    gone.unlink()
    loaded = load_project(path)
    assert [c.id for c in loaded.missing_media()] == ["clip-2"]
    assert loaded.clips[1].offline_reason == f"file not found: {gone}"
    with pytest.raises(
        ProjectError, match=r"^1 clip is offline, relink before rendering: city: file not found: "
    ):
        require_online(loaded)
    # Offline is a state of this session, not of the document: saving it does not write it.
    assert "offline" not in json.dumps(project_to_dict(loaded))


def test_refresh_media_updates_metadata_and_marks_unreadable_files(tmp_path: Path) -> None:
    project, _ = _saved(tmp_path)

    def probe(path: Path) -> SimpleNamespace:
        if path.name == "city.mov":
            raise MediaError("city.mov: invalid data found when processing input")
        return SimpleNamespace(fps=50.0, frames=100, width=320, height=240, audio=None)

    missing = refresh_media(project, probe)
    assert [c.id for c in missing] == ["clip-2"]
    assert project.clips[1].offline_reason == "city.mov: invalid data found when processing input"
    assert (project.clips[0].fps, project.clips[0].frames, project.clips[0].width) == (50.0, 100, 320)
    assert project.clips[0].has_audio is False


def test_a_real_clip_is_probed_by_the_media_package(tmp_path: Path, audio_clip: Path) -> None:
    project, _ = _saved(tmp_path)
    shutil.copyfile(audio_clip, project.clips[2].path)  # 64x48, 24 fps, 24 frames, AAC
    assert [c.id for c in refresh_media(project)] == ["clip-1", "clip-2"]  # the other two are not videos
    clip = project.clips[2]
    assert (clip.fps, clip.frames, clip.width, clip.height, clip.has_audio) == (24.0, 24, 64, 48, True)
    assert clip.offline_reason is None and "\n" not in project.clips[0].offline_reason


@pytest.mark.skipif(not DEMO_PROJECT.is_file(), reason="the bundled demo is not built in this checkout")
def test_the_bundled_demo_loads_with_its_clips_beside_it() -> None:
    project = load_project(DEMO_PROJECT)
    assert project.missing_media() == [] and project.clips
    assert all(c.path.is_relative_to(DEMO_PROJECT.parent) for c in project.clips)


def test_saving_into_a_missing_folder_is_a_one_line_error(tmp_path: Path) -> None:
    project = build_project(tmp_path / "proj")
    with pytest.raises(ProjectError, match=r"^cannot save .*p\.json: "):
        save_project(project, tmp_path / "no" / "such" / "p.json")
    with pytest.raises(ProjectError, match="never been saved"):
        save_project(project)
    assert project.path is None


def test_a_bug_while_writing_propagates_as_is_and_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    project, path = _saved(tmp_path)
    before = sorted(path.parent.iterdir())

    def bug(*args, **kwargs) -> None:
        raise TypeError("not JSON serialisable")

    monkeypatch.setattr(json, "dumps", bug)
    with pytest.raises(TypeError):
        save_project(project)
    assert sorted(path.parent.iterdir()) == before


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_saved_files_get_normal_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        project, path = _saved(tmp_path)
        assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
        path.chmod(0o664)
        save_project(project)
        assert path.stat().st_mode & 0o777 == 0o664  # an existing file keeps its mode
    finally:
        os.umask(umask)


def test_generated_clip_provenance_round_trips_and_is_validated(tmp_path: Path) -> None:
    import dataclasses

    project, path = _saved(tmp_path)
    provenance = {"operation": "extend", "model": "convlstm", "inputs": [{"clip_id": project.clips[0].id}]}
    project.clips[0] = dataclasses.replace(project.clips[0], provenance=provenance)
    save_project(project, path)
    assert load_project(path).clips[0].provenance == provenance
    assert load_project(path).clips[1].provenance is None

    data = json.loads(path.read_text())
    data["clips"][0]["provenance"] = "by hand"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match=r"clips\[0\]\.provenance: expected an object"):
        load_project(path)


def test_a_file_name_that_is_not_utf8_saves_and_opens_as_the_same_file(tmp_path: Path) -> None:
    """Linux file names are bytes: one that is not UTF-8 reaches Python with lone surrogates (os.fsdecode),
    which UTF-8 cannot write. The project keeps it exact (JSON's \\u escapes) instead of failing the save."""
    project, _ = _saved(tmp_path)
    odd = os.fsdecode(str(tmp_path / "proj" / "media").encode() + b"/caf\xe9 take.mp4")
    Path(odd).write_bytes(b"not decoded by the project package")
    project.clips[0] = replace(project.clips[0], path=Path(odd), name=Path(odd).stem)
    project.name = "rough cut \ud800"
    path = save_project(project, tmp_path / "proj" / "odd.avsproj.json")
    json.loads(path.read_text(encoding="utf-8"))  # still UTF-8 on disk, as every JSON reader wants
    again = load_project(path)
    assert os.fsencode(again.clips[0].path).endswith(b"/caf\xe9 take.mp4") and again.clips[0].online
    assert again.clips[0].name == project.clips[0].name and again.name == "rough cut \ud800"
