"""Compositing mattes: what the pixels used, summing to 65535 (or 1), the shares, each format, cancel.

Renders are real (factory clips, 160x90: 90 is not a multiple of the 8-px patch, so edge patches hang over).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from studio.engine.config import GeneratorConfig
from studio.engine.frame import RenderedFrame
from studio.engine.generator import AttentionGenerator
from studio.engine.mattes import LEVELS, matte_names, pixel_weights, quantise
from studio.engine.render import RenderJob
from studio.engine.seamless import SeamlessSynthesizer
from studio.engine.synth import Crossfade, SynthInput
from studio.errors import Cancelled, CancelToken, EngineError
from studio.media.matte_video import read_grey_video
from tests.engine.test_render_support import make_project

MW, MH = 160, 90


@pytest.fixture(scope="module")
def clips(make_test_clip) -> list[Path]:
    return [
        make_test_clip("matte_a.mp4", width=MW, height=MH, frames=24, gop=12),
        make_test_clip("matte_b.mp4", width=MW, height=MH, frames=24, gop=12, pattern="noise"),
    ]


def _project(clips: list[Path], quality: str = "final", duration: float = 1.0, height: int = MH):
    """clip 0 on [0, 0.5), clip 1 on [0.25, 0.75) (both in the middle); nothing after 0.75 s."""
    project = make_project(clips, [(0, 0.0, 0.5, None), (1, 0.25, 0.5, None)], duration=duration, audio=False)
    engine = replace(project.settings.engine, quality=quality)
    return replace(project, settings=replace(project.settings, width=MW, height=height, engine=engine))


def _png_mattes(folder: Path, names: list[str], frames: int, height: int = MH) -> np.ndarray:
    """(frames, clips, H, W) uint16 read back from the PNG sequences."""
    out = np.zeros((frames, len(names), height, MW), np.uint16)
    for c, name in enumerate(names):
        files = sorted((folder / name).iterdir())
        assert [f.name for f in files] == [f"{n:06d}.png" for n in range(frames)]
        for n, path in enumerate(files):
            image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            assert image.dtype == np.uint16 and image.shape == (height, MW)
            out[n, c] = image
    return out


def test_quantise_sums_to_exactly_65535() -> None:
    rng = np.random.default_rng(1)
    weights = rng.random((5, 40, 30)).astype(np.float32) ** 4  # many near-0 weights, uneven
    weights /= weights.sum(0)
    levels = quantise(weights)
    assert levels.dtype == np.uint16
    assert np.all(levels.astype(np.int64).sum(0) == LEVELS)
    assert np.abs(levels / LEVELS - weights).max() <= 1.0 / LEVELS + 1e-6  # each within one level


def test_names_are_safe_and_unique() -> None:
    class Clip:
        def __init__(self, id: str, name: str) -> None:
            self.id, self.name = id, name

    clips = [Clip("c0", "beach.mov"), Clip("c1", "Beach mov"), Clip("c2", "../.."), Clip("c3", "2 cats")]
    assert matte_names(clips) == ["beach_mov", "Beach_mov_2", "c2", "clip_2_cats"]


def test_draft_mattes_are_what_its_pixels_used(engine_clips) -> None:
    """Source A has green 255, B green 0: the draft's output green is then 255 * A's weight at each pixel
    (radius 0, window 0: no offsets), which the mattes made from the patch maps must reproduce."""
    a, b = engine_clips["stripes"][0].copy(), engine_clips["dots"][0].copy()
    a[..., 1], b[..., 1] = 255, 0
    generator = AttentionGenerator(GeneratorConfig(device="cpu", radius=0, window=0))
    # unequal importance: with two equal ones the consensus query is as far from both everywhere
    importance = np.array([1.0, 1.5], np.float32)
    out = generator(SynthInput(frames=np.stack([a[None], b[None]]), importance=importance))
    assert 0.1 < out.shares[0] < 0.9 and np.ptp(out.maps[0].astype(np.float32)) > 0.5  # a real layout
    frame = RenderedFrame(0, out.frame, out.shares, out.maps, np.arange(2))
    weights = pixel_weights(frame, 2, (a.shape[1], a.shape[0]), generator.stride)
    green = out.frame[..., 1].astype(np.float32)
    # within float16 maps and the draft's dropped masses under 1/512 (half a level)
    assert np.abs(weights[0] * 255 - green).max() <= 1.0
    assert np.abs(weights[0] * 255 - green).mean() < 0.3


def test_final_mattes_recompose_the_frame(engine_clips) -> None:
    """The final quality mixes per pixel (out = sum_k W_k * source_k): its mattes give the frame back."""
    sources = np.stack([engine_clips["gradient"][:1], engine_clips["stripes"][:1]])
    synth = SeamlessSynthesizer(AttentionGenerator(GeneratorConfig(device="cpu")))
    assert synth(SynthInput(frames=sources, importance=np.ones(2, np.float32))).pixel_weights is None
    synth.keep_pixel_weights = True
    synth.reset()
    out = synth(SynthInput(frames=sources, importance=np.ones(2, np.float32)))
    rendered = RenderedFrame(
        0, out.frame, out.shares, out.maps, np.array([1, 0]), pixel_weights=out.pixel_weights
    )
    weights = pixel_weights(rendered, 2, (sources.shape[3], sources.shape[2]), synth.stride)
    mattes = quantise(weights).astype(np.float32) / LEVELS
    # column 1 is source 0 (clip_indices [1, 0]): the mattes are in project-clip order
    recomposed = mattes[1, ..., None] * sources[0, 0] + mattes[0, ..., None] * sources[1, 0]
    assert np.abs(recomposed - out.frame.astype(np.float32)).max() <= 1.0


def _area_weighted_shares(maps: np.ndarray, height: int, stride: int = 8) -> np.ndarray:
    """(frames, clips) from the record's maps, each patch counted by the pixels it covers (the last row of
    patches hangs over a frame whose height is not a multiple of the stride)."""
    rows = np.minimum(stride, height - np.arange(maps.shape[2]) * stride)
    cols = np.minimum(stride, MW - np.arange(maps.shape[3]) * stride)
    area = rows[:, None] * cols[None, :]
    return (maps.astype(np.float64) * area).sum((2, 3)) / area.sum()


@pytest.mark.slow
@pytest.mark.parametrize("height", [MH, 96])
def test_png_mattes_sum_to_one_and_follow_the_shares(clips, tmp_path, height) -> None:
    project = _project(clips, "final", height=height)
    out, record, mattes = tmp_path / "out.mp4", tmp_path / "rec", tmp_path / "mattes"
    job = RenderJob(project, out, attention_dir=record, mattes_dir=mattes, device="cpu", preset="ultrafast")
    result = job.run()
    assert result.mattes_dir == mattes
    manifest = json.loads((mattes / "mattes.json").read_text())
    names = [c["matte"].split("/")[0] for c in manifest["clips"]]
    assert manifest["encoding"] == "png16" and manifest["weights"] == "per pixel"
    assert manifest["empty_frames"] == list(range(18, 24))
    assert any("6 frames have no clip placed (frames 18-23)" in w for w in result.warnings)
    levels = _png_mattes(mattes, names, 24, height)
    placed = levels[:18].astype(np.int64)
    assert np.all(placed.sum(1) == LEVELS)  # exactly, at every pixel of every frame with a source
    assert np.all(levels[18:] == 0)
    means = placed.mean((2, 3)) / LEVELS
    np.testing.assert_allclose(
        means, _area_weighted_shares(np.load(record / "maps.npy")[:18], height), atol=1e-3
    )
    # the record's shares are the mattes' (a patch row hanging over the frame's edge counts by its pixels)
    np.testing.assert_allclose(means, np.load(record / "shares.npy")[:18], atol=2e-3)
    assert np.all(levels[:6, 1] == 0) and np.all(levels[12:18, 0] == 0)  # only the placed clip there
    both = levels[6:12].astype(np.float32) / LEVELS
    assert both[:, 0].std() > 0.1  # a spatial layout, not a crossfade
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mattes", "out.mp4", "rec"]  # no temp folders


@pytest.mark.slow
def test_ffv1_decodes_to_the_pngs(clips, tmp_path) -> None:
    project = _project(clips, "draft", duration=0.5)
    for fmt in ("png16", "ffv1"):
        RenderJob(project, tmp_path / f"{fmt}.mp4", mattes_dir=tmp_path / fmt, mattes_format=fmt).run()
    manifest = json.loads((tmp_path / "ffv1" / "mattes.json").read_text())
    assert manifest["bits"] == 16 and manifest["weights"] == "per 8-px patch, feathered"
    names = [
        c["matte"].split("/")[0]
        for c in json.loads((tmp_path / "png16" / "mattes.json").read_text())["clips"]
    ]
    pngs = _png_mattes(tmp_path / "png16", names, 12)
    for c, entry in enumerate(manifest["clips"]):
        video = np.stack(list(read_grey_video(tmp_path / "ffv1" / entry["matte"])))
        assert video.dtype == np.uint16 and video.shape == (12, MH, MW)
        np.testing.assert_array_equal(video, pngs[:, c])  # lossless
    assert np.all(pngs.astype(np.int64).sum(1) == LEVELS)


@pytest.mark.slow
def test_exr_has_a_layer_per_clip_and_the_dominant_index(clips, tmp_path) -> None:
    openexr = pytest.importorskip("OpenEXR")
    project = _project(clips, "draft")
    mattes = tmp_path / "exr"
    RenderJob(project, tmp_path / "out.mp4", mattes_dir=mattes, mattes_format="exr").run()
    names = [c["matte"].removesuffix(".Y") for c in json.loads((mattes / "mattes.json").read_text())["clips"]]
    assert sorted(p.name for p in mattes.glob("*.exr")) == [f"{n:06d}.exr" for n in range(24)]
    middle = openexr.File(str(mattes / "000008.exr"), separate_channels=True).channels()
    assert set(middle) == {f"{n}.Y" for n in names} | {"dominant"}
    layers = np.stack([middle[f"{n}.Y"].pixels for n in names])
    assert layers.shape == (2, MH, MW)
    np.testing.assert_allclose(layers.sum(0), 1.0, atol=1e-5)
    np.testing.assert_array_equal(middle["dominant"].pixels, layers.argmax(0).astype(np.float32))
    empty = openexr.File(str(mattes / "000020.exr"), separate_channels=True).channels()
    assert np.all(empty["dominant"].pixels == -1) and not np.any(empty[f"{names[0]}.Y"].pixels)


@pytest.mark.parametrize("fmt", ["png16", "ffv1"])
def test_cancel_leaves_no_mattes(clips, tmp_path, fmt) -> None:
    token = CancelToken()
    job = RenderJob(
        _project(clips),
        tmp_path / "out.mp4",
        mattes_dir=tmp_path / "m",
        mattes_format=fmt,
        synthesizer=Crossfade(),
        cancel=token,
    )
    with pytest.raises(Cancelled):
        for p in job:
            if p.done == 5:
                token.cancel()
    assert list(tmp_path.iterdir()) == []


def test_closing_the_generator_keeps_an_older_matte_folder(clips, tmp_path) -> None:
    old = tmp_path / "m"
    old.mkdir()
    (old / "keep.txt").write_text("earlier mattes")
    progress = iter(RenderJob(_project(clips), tmp_path / "out.mp4", mattes_dir=old, synthesizer=Crossfade()))
    for p in progress:
        if p.done == 3:
            break
    progress.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"] and (old / "keep.txt").exists()


def test_unknown_format_is_refused_before_anything_is_written(clips, tmp_path) -> None:
    with pytest.raises(EngineError, match="unknown mattes format 'tiff'"):
        RenderJob(_project(clips), tmp_path / "out.mp4", mattes_dir=tmp_path / "m", mattes_format="tiff")
    assert list(tmp_path.iterdir()) == []
