"""OpenTimelineIO interchange: a project survives project → .otio → project unchanged, the .otio is what an
editor expects (a track per placement, gaps, in points, time warps), what an editor changed wins over the
stored values, and an editor's own timeline (built here with the OTIO API, shaped as Kdenlive writes it)
imports as placements with one warning line per thing left out."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from studio.errors import ProjectError
from studio.media import probe
from studio.project import (
    EngineSettings,
    GenerationSettings,
    ImportanceCurve,
    Keyframe,
    MaskKey,
    Pin,
    Placement,
    Project,
    clip_from_info,
    save_project,
)
from studio.project.otio import STUDIO_KEY, project_to_timeline, read_otio, timeline_to_project, write_otio

otio = pytest.importorskip("opentimelineio")
RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange


@pytest.fixture(scope="module")
def media(make_test_clip: Callable[..., Path]) -> dict[str, Path]:
    """Real H.264 files: 2 s at 24 fps, 1 s at 30 fps with audio."""
    return {
        "waves": make_test_clip("otio_waves.mp4", frames=48, gop=8),
        "city": make_test_clip("otio_city.mp4", fps=30, frames=30, audio=True, pattern="static"),
    }


def studio_project(media: dict[str, Path], folder: Path) -> Project:
    waves = clip_from_info("clip-1", media["waves"], probe(media["waves"]))
    city = dataclasses.replace(
        clip_from_info("clip-2", media["city"], probe(media["city"]), name="city at night"),
        in_s=0.2,
        out_s=0.9,
        provenance={"model": "interp", "inputs": ["clip-1"]},
    )
    still = dataclasses.replace(waves, id="clip-3", name="one frame", in_s=0.5, out_s=0.5 + 1 / 24)
    curve = ImportanceCurve((Keyframe(0.0, 0.2, "smooth"), Keyframe(1.25, 2.5, "linear"), Keyframe(2.0, 1.0)))
    placements = [
        Placement("p-1", "clip-1", 0.0, 3.0, importance=curve, pins=(Pin(0.5, 1.5, 0.3, None),)),
        Placement(
            "p-2",
            "clip-2",
            0.1,  # not on any frame grid: the stored value must come back exactly
            2.5,
            speed=1.5,
            end_mode="pingpong",
            pins=(Pin(1.0, 2.0, None, 0.5), Pin(0.0, 0.5, 0.1, 0.6)),
            masks=(MaskKey(0.0, "proj.masks/never.png", mode="never", feather=4.0, motion="track"),),
        ),
        Placement("p-3", "clip-3", 2.0, 1.0, end_mode="hold", importance=ImportanceCurve.constant(0.5)),
        Placement("p-4", "clip-1", 1.0 / 3.0, 0.75, speed=0.5),
    ]
    settings = GenerationSettings(
        duration=3.0,
        fps=25.0,
        width=96,
        height=64,
        fit="fill",
        seed=11,
        crf=18,
        audio=False,
        engine=EngineSettings(temperature=0.25, radius=2, coherence=0.4, mode="guide", guide_clip="clip-2"),
    )
    project = Project("OTIO test", [waves, city, still], placements, settings)
    save_project(project, folder / "proj.avsproj.json")
    return project


def round_trip(project: Project, path: Path) -> tuple[Project, list[str]]:
    write_otio(project, path)
    warnings: list[str] = []
    back = read_otio(path, warn=warnings.append)
    back.path = project.path  # the one thing that differs: it has not been saved anywhere yet
    return back, warnings


def test_a_project_round_trips_through_an_otio_file_unchanged(media, tmp_path: Path) -> None:  # noqa: ANN001
    project = studio_project(media, tmp_path)
    back, warnings = round_trip(project, tmp_path / "cut.otio")
    assert warnings == []
    assert back.clips == project.clips
    assert back.placements == project.placements
    assert back.settings == project.settings
    assert back == project


def test_the_otio_file_is_what_an_editor_reads(media, tmp_path: Path) -> None:  # noqa: ANN001
    project = studio_project(media, tmp_path)
    timeline = otio.adapters.read_from_file(str(write_otio(project, tmp_path / "cut.otio")))
    tracks = list(timeline.tracks)
    assert [t.kind for t in tracks] == [otio.schema.TrackKind.Video] * 4  # a track per placement
    assert [t.name for t in tracks] == ["p-1", "p-2", "p-3", "p-4"]
    assert timeline.global_start_time == RT(0, 25)
    by_track = [t.find_clips()[0] for t in tracks]
    for item, placement in zip(by_track, project.placements, strict=True):
        clip = project.clip(placement.clip_id)
        assert item.range_in_parent().start_time.to_seconds() == pytest.approx(placement.start, abs=1e-9)
        assert item.source_range.start_time == otio.opentime.from_seconds(clip.in_s, clip.fps)
        assert item.source_range.duration.to_seconds() == pytest.approx(placement.duration, abs=1e-9)
        assert item.media_reference.target_url == clip.path.as_uri()
        assert item.name == clip.name
        assert item.metadata[STUDIO_KEY]["placement"]["end_mode"] == placement.end_mode
    assert len(tracks[0]) == 1 and isinstance(tracks[1][0], otio.schema.Gap)  # p-1 starts at 0: no gap
    assert [type(e).__name__ for e in by_track[1].effects] == ["LinearTimeWarp"]
    assert by_track[1].effects[0].time_scalar == 1.5
    assert [type(e).__name__ for e in by_track[2].effects] == ["FreezeFrame"]  # a held one-frame segment
    assert by_track[3].effects[0].time_scalar == 0.5
    assert len(by_track[0].effects) == 0  # speed 1: no time warp
    stored = json.loads(otio.adapters.write_to_string(timeline, "otio_json"))["metadata"][STUDIO_KEY]
    assert stored["settings"]["engine"]["guide_clip"] == "clip-2"
    assert [c["id"] for c in stored["clips"]] == ["clip-1", "clip-2", "clip-3"]


def test_what_the_editor_changed_wins_over_the_stored_values(media, tmp_path: Path) -> None:  # noqa: ANN001
    project = studio_project(media, tmp_path)
    timeline = project_to_timeline(project)
    p2 = timeline.tracks[1]
    p2[0].source_range = TR(RT(0, 25), RT(25, 25))  # moved to 1.0 s
    item = p2[1]
    item.source_range = TR(otio.opentime.from_seconds(0.4, 30), RT(30, 30))  # trimmed head, 1 s long
    item.effects[0].time_scalar = 2.0
    timeline.tracks[0][0].effects.append(otio.schema.LinearTimeWarp(time_scalar=0.75))
    copy = timeline.tracks[3][1].clone()  # p-4 copied and pasted on p-1's track at 3 s
    timeline.tracks[0].append(copy)
    back = timeline_to_project(timeline)
    p1, p2_back = back.placement("p-1"), back.placement("p-2")
    assert (p2_back.start, p2_back.duration, p2_back.speed) == (1.0, 1.0, 2.0)
    assert p2_back.pins == project.placements[1].pins and p2_back.masks == project.placements[1].masks
    trimmed = back.clip(p2_back.clip_id)
    assert trimmed.id != "clip-2" and trimmed.path == project.clip("clip-2").path
    assert trimmed.in_s == pytest.approx(0.4) and trimmed.out_s == 0.9
    assert back.clip("clip-2") == project.clip("clip-2")  # other placements of it keep the old trim
    assert p1.speed == 0.75 and p1.importance == project.placements[0].importance
    assert [p.id for p in back.placements] == ["p-1", "p-5", "p-2", "p-3", "p-4"]  # track by track
    pasted, original = back.placement("p-5"), back.placement("p-4")
    assert pasted.start == pytest.approx(3.0) and (pasted.duration, pasted.speed) == (0.75, 0.5)
    assert original == project.placement("p-4")  # the one still where it was keeps the id
    assert back.placement("p-3") == project.placement("p-3")


def kdenlive_timeline(media: dict[str, Path], missing: Path) -> otio.schema.Timeline:
    """What the Kdenlive adapter writes: no global start, tracks of gaps and clips at the project rate,
    plain file paths, an audio track; a colour generator and a clip whose bin entry is gone."""
    rate = 24

    def clip(name: str, url: str, start: float, duration: float, length: float = 10.0) -> otio.schema.Clip:
        ref = otio.schema.ExternalReference(
            target_url=url, available_range=TR(RT(0, rate), RT(length * rate, rate))
        )
        source = TR(RT(start * rate, rate), RT(duration * rate, rate))
        return otio.schema.Clip(name=name, media_reference=ref, source_range=source)

    timeline = otio.schema.Timeline(name="Kdenlive imported timeline")
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    v1.append(otio.schema.Gap(duration=RT(12, rate)))
    v1.append(clip("Waves", str(media["waves"]), 0.25, 1.0))
    fast = clip("City fast", media["city"].as_uri(), 0.0, 0.25)
    fast.effects.append(otio.schema.LinearTimeWarp(time_scalar=2.0))
    v1.append(fast)
    v2 = otio.schema.Track(name="V2", kind=otio.schema.TrackKind.Video)
    color = otio.schema.GeneratorReference(generator_kind="SolidColor", parameters={"color": "0xff0000ff"})
    v2.append(otio.schema.Clip(name="Red", media_reference=color, source_range=TR(RT(0, rate), RT(24, rate))))
    v2.append(otio.schema.Clip(name="Gone", media_reference=otio.schema.MissingReference(),
                               source_range=TR(RT(0, rate), RT(12, rate))))  # fmt: skip
    v2.append(clip("Waves again", str(media["waves"]), 0.25, 1.0))  # same file and trim: the same clip
    v2.append(clip("Offline", str(missing), 1.0, 0.5))
    a1 = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    a1.append(clip("City sound", str(media["city"]), 0.0, 2.0))
    timeline.tracks.extend([v1, v2, a1])
    return timeline


def test_a_kdenlive_timeline_imports_as_placements(media, tmp_path: Path) -> None:  # noqa: ANN001
    missing = tmp_path / "not-here.mov"
    warnings: list[str] = []
    project = timeline_to_project(kdenlive_timeline(media, missing), tmp_path, warn=warnings.append)
    got = [(p.start, p.duration, p.speed) for p in project.placements]
    assert got == pytest.approx([(0.5, 1.0, 1.0), (1.5, 0.25, 2.0), (1.5, 1.0, 1.0), (2.5, 0.5, 1.0)])
    assert project.settings.duration == pytest.approx(3.0) and project.settings.fps == 24.0
    waves, city = project.clip(project.placements[0].clip_id), project.clip(project.placements[1].clip_id)
    assert waves.path == media["waves"] and waves.in_s == 0.25 and waves.out_s == 1.25
    assert (waves.frames, waves.fps, waves.online) == (48, 24.0, True)  # probed
    assert city.path == media["city"] and city.fps == 30.0 and city.out_s == 0.5  # 0.25 s at 2x
    assert city.has_audio and city.name == "City fast"
    assert project.placements[2].clip_id == waves.id
    offline = project.clip(project.placements[3].clip_id)
    assert offline.path == missing and offline.offline_reason == f"file not found: {missing}"
    assert len(project.clips) == 3 and len({p.id for p in project.placements}) == 4
    assert len(warnings) == 3, warnings
    assert 'skipped "Red" at 0.000 s: no media file (GeneratorReference)' in warnings
    assert 'skipped "Gone" at 1.000 s: no media file (MissingReference)' in warnings
    assert warnings[-1].startswith("1 audio track ignored")
    # and it is a project like any other: it saves and loads
    saved = save_project(project, tmp_path / "imported.avsproj.json")
    assert [p.start for p in read_back(saved).placements] == [p.start for p in project.placements]


def read_back(path: Path) -> Project:
    from studio.project import load_project

    return load_project(path)


def test_the_timeline_rate_and_media_timecode_are_respected(media) -> None:  # noqa: ANN001
    rate = 25
    ref = otio.schema.ExternalReference(
        target_url=media["waves"].as_uri(), available_range=TR(RT(90000, rate), RT(50, rate))
    )  # media timecode 01:00:00:00
    item = otio.schema.Clip(name="tc", media_reference=ref, source_range=TR(RT(90010, rate), RT(10, rate)))
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    track.extend([otio.schema.Gap(duration=RT(5, rate)), item])
    timeline = otio.schema.Timeline(global_start_time=RT(90000, rate))
    timeline.tracks.append(track)
    project = timeline_to_project(timeline)
    assert project.settings.fps == 25.0 and project.settings.duration == pytest.approx(0.6)
    assert project.clips[0].in_s == pytest.approx(0.4)  # 10 frames past the media's first
    assert project.placements[0].start == pytest.approx(0.2)


def test_a_timeline_with_nothing_to_place_is_one_line(tmp_path: Path) -> None:
    timeline = otio.schema.Timeline()
    timeline.tracks.append(otio.schema.Track(kind=otio.schema.TrackKind.Audio))
    with pytest.raises(ProjectError, match="^no video clip with a media file in the timeline$"):
        timeline_to_project(timeline, warn=lambda _line: None)
