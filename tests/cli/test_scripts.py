"""Smoke tests of the demo generator and the README strip script: they run, and what they make is right."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import pytest

from studio.media import probe
from studio.paths import DEMO_PROJECT
from studio.project import load_project
from studio.project.timemap import active_count

ROOT = Path(__file__).resolve().parents[2]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    return _script("make_demo").make_demo(folder)


def test_make_demo_makes_small_clips_and_a_handover_project(demo_copy: Path) -> None:
    project = load_project(demo_copy)
    assert not project.missing_media() and len(project.clips) == 3
    assert sorted(p.name for p in demo_copy.parent.iterdir()) == [
        "demo.avsproj.json",
        "pattern.mp4",
        "sky.mp4",
        "title.mp4",
    ]
    for clip in project.clips:
        info = probe(clip.path)
        assert clip.path.stat().st_size < 300 * 1024
        assert (info.width, info.height, info.fps, info.video_codec) == (480, 270, 24.0, "h264")
        assert info.audio is not None and info.audio.codec == "aac" and 4 <= info.duration <= 6
    s = project.settings
    assert (s.width, s.height, s.fps, s.duration) == (640, 360, 24.0, 8.0)
    counts = active_count(project)
    assert counts.min() >= 1 and counts.max() >= 2  # always something on screen, with overlaps
    # The bundled copy is this script's output (same clips, same project apart from the folder).
    bundled = load_project(DEMO_PROJECT)
    assert [c.name for c in bundled.clips] == [c.name for c in project.clips]
    assert bundled.placements == project.placements


def test_readme_strip(demo_copy: Path, tmp_path: Path, monkeypatch) -> None:
    strip = _script("make_readme_strip")
    monkeypatch.setattr(strip, "DEMO_PROJECT", demo_copy)
    out = strip.make_strip(tmp_path / "strip.png", crossfade=True)
    image = cv2.imread(str(out))
    assert image.shape[1] == 4 * 320 + 3 * 4 and image.shape[0] > 2 * 180
    assert [p.name for p in tmp_path.iterdir()] == ["strip.png"]
