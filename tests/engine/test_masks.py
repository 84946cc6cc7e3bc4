"""Painted masks in real renders of real footage (160x90): "never" keeps its clip out of the region and leaves
the rest of the frame as it was, "must" pulls the clip in, in both qualities and in guide mode's final;
tracked keys follow a pan; a missing picture is left out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest

from studio.engine.frame import FrameRenderer
from studio.engine.render import RenderJob
from studio.engine.sources import SourceGatherer
from studio.media import probe
from studio.project import (
    EngineSettings,
    GenerationSettings,
    MaskKey,
    Placement,
    Project,
    clip_from_info,
    save_project,
)
from studio.project.masks import store_mask_png
from tests import footage

W, H, FPS, FRAMES = 160, 90, 24, 24
PAN = (2.5, 0.4)  # camera px per frame: the scene moves by minus this on screen
REGION = (slice(20, 70), slice(40, 120))  # rows, columns painted
FEATHER = 8


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("mask-footage")
    return [
        footage.pan_clip(folder / "pan.mp4", "motorcycle", size=(W, H), frames=FRAMES, pan=PAN),
        footage.zoom_clip(folder / "zoom.mp4", "coffee", size=(W, H), frames=FRAMES),
    ]


def make_project(folder: Path, clips: list[Path], quality: str, seconds: float = 0.5) -> Project:
    settings = GenerationSettings(
        duration=seconds, fps=FPS, width=W, height=H, audio=False, engine=EngineSettings(quality=quality)
    )
    project = Project("masks", settings=settings)
    for i, path in enumerate(clips):
        project.clips.append(clip_from_info(f"c{i}", path, probe(path)))
    project.placements = [Placement(f"p{i}", f"c{i}", 0.0, seconds) for i in range(len(clips))]
    save_project(project, folder / "masks.avsproj.json")
    return project


def mask_png(alpha: np.ndarray) -> bytes:
    """An RGBA PNG whose alpha is ``alpha`` (what the painter writes)."""
    rgba = np.dstack([np.full_like(alpha, 200)] * 3 + [alpha])
    return cv2.imencode(".png", rgba)[1].tobytes()


def painted(project: Project, alpha: np.ndarray, **key) -> Project:
    rel = store_mask_png(project.path, "p0", mask_png(alpha))
    masked = project.snapshot()
    masked.placements[0] = dataclasses.replace(project.placements[0], masks=(MaskKey(0.0, rel, **key),))
    return masked


def render(project: Project, folder: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(maps (F, C, h, w) float32 from the record, decoded frames): lossless, so pixels compare exactly."""
    out, record = folder / f"{name}.mp4", folder / f"{name}.record"
    RenderJob(project, out, attention_dir=record, device="cpu", crf=0).run()
    return np.load(record / "maps.npy").astype(np.float32), footage.decode(out)


def region_alpha() -> np.ndarray:
    alpha = np.zeros((H, W), np.uint8)
    alpha[REGION] = 255
    return alpha


def patches(pixels: np.ndarray, shape: tuple[int, int], stride: int) -> np.ndarray:
    """Patches of the record's grid wholly inside the pixel mask."""
    padded = np.zeros((shape[0] * stride, shape[1] * stride), bool)
    padded[: pixels.shape[0], : pixels.shape[1]] = pixels
    return padded.reshape(shape[0], stride, shape[1], stride).all((1, 3))


def beyond(pixels: np.ndarray, margin: int) -> np.ndarray:
    """Pixels further than ``margin`` from the mask."""
    size = 2 * margin + 1
    return ~cv2.dilate(pixels.astype(np.uint8), np.ones((size, size), np.uint8)).astype(bool)


@pytest.mark.parametrize("quality", ["draft", "final"])
def test_never_keeps_the_clip_out_and_the_rest_of_the_frame_unchanged(clips, tmp_path, quality) -> None:
    project = make_project(tmp_path, clips, quality)
    free_maps, free_frames = render(project, tmp_path, "free")
    maps, frames = render(painted(project, region_alpha(), mode="never", feather=FEATHER), tmp_path, "never")
    stride = project.settings.engine.patch
    inside = np.zeros((H, W), bool)
    inside[REGION] = True
    in_region = patches(inside, maps.shape[-2:], stride)
    assert free_maps[:, 0][:, in_region].mean() > 0.3  # the clip was there without the mask
    assert maps[:, 0][:, in_region].max() <= 0.05

    # beyond the feather (plus the patch it reaches into and that patch's pasted window, in the draft)
    # nothing differs, in any frame
    outside = beyond(inside, FEATHER + 2 * stride)
    assert outside.mean() > 0.1
    np.testing.assert_array_equal(frames[:, outside], free_frames[:, outside])
    far = patches(beyond(inside, FEATHER + stride), maps.shape[-2:], stride)
    np.testing.assert_array_equal(maps[:, :, far], free_maps[:, :, far])
    assert not np.array_equal(frames, free_frames)


@pytest.mark.parametrize("quality", ["draft", "final"])
def test_must_raises_the_clips_weight_in_the_region(clips, tmp_path, quality) -> None:
    project = make_project(tmp_path, clips, quality)
    free_maps, _ = render(project, tmp_path, "free")
    stride = project.settings.engine.patch

    def block(columns: slice) -> np.ndarray:
        alpha = np.zeros((H, W), np.uint8)
        alpha[10:80, columns] = 255
        return alpha

    def weight(maps: np.ndarray, alpha: np.ndarray) -> float:
        return float(maps[:, 0][:, patches(alpha > 0, maps.shape[-2:], stride)].mean())

    # the side of the frame where the other clip is most of the time without a mask
    alpha = min((block(slice(10, 70)), block(slice(90, 150))), key=lambda a: weight(free_maps, a))
    maps, _ = render(painted(project, alpha, mode="must", feather=FEATHER), tmp_path, "must")
    before, after = weight(free_maps, alpha), weight(maps, alpha)
    assert before < 0.6 and after > 0.9, (before, after)


def centroid(bias: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(bias < -1.0)
    return np.array([xs.mean(), ys.mean()])


def test_tracked_keys_follow_the_pan_and_held_keys_stay(clips, tmp_path) -> None:
    project = make_project(tmp_path, clips, "draft", seconds=0.9)
    alpha = np.zeros((H, W), np.uint8)
    cv2.circle(alpha, (110, 50), 16, 255, -1)
    n = 20
    expected = np.array([110.0, 50.0]) - n * np.array(PAN)  # the scene moved left (and a little up)
    for motion, where in (("track", expected), ("hold", np.array([110.0, 50.0]))):
        masked = painted(project, alpha, mode="never", feather=4, motion=motion)
        with SourceGatherer(masked) as gatherer:
            prior = gatherer.gather(n).inp.prior
        assert prior is not None and prior.shape == (2, H, W)
        assert not prior[1].any()  # only the masked placement's clip is biased
        assert np.abs(centroid(prior[0]) - where).max() < 3.0, (motion, centroid(prior[0]), where)
    # and the render keeps the clip out where the content went
    maps, _ = render(painted(project, alpha, mode="never", feather=4, motion="track"), tmp_path, "track")
    moved = np.zeros((H, W), np.uint8)
    cv2.circle(moved, tuple(int(v) for v in expected.round()), 10, 255, -1)
    assert maps[n, 0][patches(moved > 0, maps.shape[-2:], project.settings.engine.patch)].max() <= 0.05


def test_a_missing_picture_is_left_out_of_the_render(clips, tmp_path, caplog) -> None:
    project = make_project(tmp_path, clips, "draft")
    masked = painted(project, region_alpha(), mode="never")
    (tmp_path / masked.placements[0].masks[0].path).unlink()
    free_maps, free_frames = render(project, tmp_path, "free")
    maps, frames = render(masked, tmp_path, "missing")
    np.testing.assert_array_equal(maps, free_maps)
    np.testing.assert_array_equal(frames, free_frames)
    lines = [r.getMessage() for r in caplog.records if "mask picture" in r.getMessage()]
    assert len(lines) == 1 and "missing" in lines[0] and "\n" not in lines[0]
    with FrameRenderer(masked, device="cpu") as preview:  # the preview's status bar hears it once
        preview.render(0)
        preview.render(1)
        assert [m for m in preview.take_warnings() if "mask" in m] == lines


def test_guide_modes_final_quality_keeps_a_never_region_free_of_its_clip(clips, tmp_path) -> None:
    """The guide (another pan over the same photo) is matched from the sources' pixels; without the mask the
    pan clip supplies most of the region, with a "never" mask on it the region is made of the other clip,
    and the frame far from the mask changes little (the correspondences search globally, so not bit for
    bit; the state stays the unmasked search's, so the region's new content is not carried out of it)."""
    guide = footage.pan_clip(tmp_path / "guide.mp4", "motorcycle", size=(W, H), frames=FRAMES, pan=(2.0, 0.3))
    project = make_project(tmp_path, [*clips, guide], "final")
    project.placements = project.placements[:2] + [Placement("p2", "c2", 0.0, 0.5)]
    project.settings = dataclasses.replace(
        project.settings,
        engine=dataclasses.replace(project.settings.engine, mode="guide", guide_clip="c2"),
    )
    free_maps, free_frames = render(project, tmp_path, "guided")
    maps, frames = render(painted(project, region_alpha(), mode="never", feather=FEATHER), tmp_path, "never")
    stride = project.settings.engine.patch
    inside = np.zeros((H, W), bool)
    inside[REGION] = True
    in_region = patches(inside, maps.shape[-2:], stride)
    assert free_maps[:, 0][:, in_region].mean() > 0.9  # the guide is the pan's photo: the pan supplied it
    assert maps[:, 0][:, in_region].mean() <= 0.03
    # the vote averages each pixel's 3x3 neighbours' correspondences: at the painted edge (inside the
    # feather, where the bias is gentle) a pixel's outside neighbours still bring the clip's colour in
    core = cv2.erode(inside.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)  # 2 px in
    assert maps[:, 0][:, patches(core, maps.shape[-2:], stride)].max() <= 0.05
    outside = beyond(inside, FEATHER + 16)
    change = np.abs(frames[:, outside].astype(np.int16) - free_frames[:, outside]).mean()
    assert change < 3.0, change  # ~1 level a frame (2.3 on the first, which has no state to start from)
