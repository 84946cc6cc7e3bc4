"""Pins met by the engine: real renders of real footage (160x90) in both qualities, measured on the attention
record's shares and compared, frame by frame, with the same render without the pin."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.engine.frame import FrameRenderer
from studio.engine.pins import hold_shares, shares_of
from studio.engine.render import RenderJob
from studio.engine.synth import Crossfade
from studio.media import probe
from studio.project import EngineSettings, GenerationSettings, Pin, Placement, Project, clip_from_info
from studio.project.pins import PIN_RAMP_S
from studio.project.record import AttentionRecordReader
from tests import footage
from tests.engine.test_render_support import decode_video

SIZE = (160, 90)
FPS = 12.0
DURATION = 2.5  # 30 frames
PIN_AT = (1.0, 1.75)  # output seconds: frames 12..20
TOLERANCE = 0.02


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pins")
    return [
        footage.pan_clip(folder / "pan.mp4", "motorcycle", SIZE, frames=36),
        footage.zoom_clip(folder / "zoom.mp4", "coffee", SIZE, frames=36),
        footage.pan_clip(folder / "cat.mp4", "chelsea", SIZE, frames=36, pan=(-1.0, 0.5)),
    ]


def make_project(clips: list[Path], quality: str, pins: tuple[Pin, ...] = (), **engine: object) -> Project:
    """Three clips over the whole output; ``pins`` on the second (clip "zoom"), which starts at 0."""
    settings = GenerationSettings(
        duration=DURATION,
        fps=FPS,
        width=SIZE[0],
        height=SIZE[1],
        audio=False,
        engine=EngineSettings(quality=quality, **engine),
    )
    project = Project("pins", settings=settings)
    for i, path in enumerate(clips):
        project.clips.append(clip_from_info(f"c{i}", path, probe(path), name=path.stem))
        project.placements.append(Placement(f"p{i}", f"c{i}", 0.0, DURATION, pins=pins if i == 1 else ()))
    return project


def render(
    project: Project, folder: Path, name: str, **kwargs: object
) -> tuple[np.ndarray, AttentionRecordReader]:
    """Frames (decoded again: crf 0 is lossless, so equal frames decode equal) and the attention record."""
    job = RenderJob(
        project,
        folder / f"{name}.mp4",
        attention_dir=folder / f"{name}.rec",
        device="cpu",
        crf=0,
        preset="ultrafast",
        **kwargs,
    )
    result = job.run()
    assert result.frames == round(DURATION * FPS)
    return decode_video(result.path), AttentionRecordReader(folder / f"{name}.rec")


@pytest.fixture(scope="module")
def plain(clips: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """The renders without a pin, per quality (made once)."""
    folder = tmp_path_factory.mktemp("plain")
    return {q: render(make_project(clips, q), folder, q) for q in ("draft", "final")}


def _frames(a: float, b: float) -> np.ndarray:
    """Output frames n with a <= n / fps < b."""
    n = np.arange(round(DURATION * FPS))
    return n[(n / FPS >= a - 1e-9) & (n / FPS < b - 1e-9)]


@pytest.mark.parametrize(
    ("quality", "low", "high"),
    [("draft", 0.6, None), ("final", 0.6, None), ("draft", None, 0.12), ("final", 0.15, 0.2)],
)
def test_a_pin_is_met_and_changes_nothing_past_its_ramp(
    clips: list[Path], plain: dict[str, tuple], tmp_path: Path, quality: str, low, high
) -> None:
    pin = Pin(*PIN_AT, low, high)
    frames, record = render(make_project(clips, quality, (pin,)), tmp_path, "pinned")
    plain_frames, plain_record = plain[quality]
    shares, before = record.shares(), plain_record.shares()
    inside = _frames(*PIN_AT)
    assert [(p.clip, p.first, p.stop, p.min_share, p.max_share) for p in record.pins] == [
        (1, inside[0], inside[-1] + 1, low, high)
    ]
    # met over its whole range, within 0.02, where the render without it was well outside
    if low is not None:
        assert shares[inside, 1].min() >= low - TOLERANCE
    if high is not None:
        assert shares[inside, 1].max() <= high + TOLERANCE
    natural = before[inside, 1]
    raised = low is not None and low > 0.3
    assert (natural < low - 0.1).all() if raised else (natural > high + 0.1).all()  # the pin had work
    # the others keep their proportions among themselves (to the render without the pin)
    np.testing.assert_allclose(
        shares[inside][:, [0, 2]] / shares[inside][:, [0, 2]].sum(1, keepdims=True),
        before[inside][:, [0, 2]] / before[inside][:, [0, 2]].sum(1, keepdims=True),
        atol=0.03,
    )
    np.testing.assert_allclose(shares.sum(1), 1.0, atol=1e-4)
    # nothing changes outside the pin and its ramps: same frames, same record
    outside = np.setdiff1d(np.arange(len(frames)), _frames(PIN_AT[0] - PIN_RAMP_S, PIN_AT[1] + PIN_RAMP_S))
    assert len(outside) == 15 and outside[0] == 0 and outside[-1] == len(frames) - 1
    np.testing.assert_array_equal(frames[outside], plain_frames[outside])
    np.testing.assert_array_equal(shares[outside], before[outside])
    # and the ramps spread the change over their frames (smoothstep over 3 frames: at most ~half of it in
    # one frame), where a pin without them would make it at once
    change = abs((low if raised else high) - natural.mean())
    step = np.abs(np.diff(shares[:, 1])).max()
    assert step <= np.abs(np.diff(before[:, 1])).max() + 0.6 * change


def test_the_preview_meets_pins_too(clips: list[Path]) -> None:
    """The window's FrameRenderer gathers through the same code: a pinned frame holds the pin."""
    project = make_project(clips, "draft", (Pin(0.0, 1.0, 0.7),))
    with FrameRenderer(project, device="cpu") as renderer:
        frame = renderer.render(3)
    assert frame.shares[1] >= 0.7 - TOLERANCE


def test_the_crossfade_meets_pins_exactly(clips: list[Path], tmp_path: Path) -> None:
    project = make_project(clips, "draft", (Pin(*PIN_AT, None, 0.1),))
    _, record = render(project, tmp_path, "xfade", synthesizer=Crossfade())
    shares = record.shares()
    inside = _frames(*PIN_AT)
    np.testing.assert_allclose(shares[inside], np.tile([0.45, 0.1, 0.45], (len(inside), 1)), atol=1e-6)
    np.testing.assert_allclose(shares[:6], 1 / 3, atol=1e-6)


def test_guide_mode_meets_pins_on_sources_and_says_when_it_cannot(clips: list[Path], tmp_path: Path) -> None:
    project = make_project(clips, "draft", mode="guide", guide_clip="c0")
    project.placements[2] = dataclasses.replace(project.placements[2], pins=(Pin(0.0, 1.0, 0.8),))
    job = RenderJob(project, tmp_path / "g.mp4", attention_dir=tmp_path / "g.rec", device="cpu")
    job.run()
    shares = AttentionRecordReader(tmp_path / "g.rec").shares()
    assert shares[:12, 2].min() >= 0.8 - TOLERANCE  # a source of the guided synthesis: held
    assert job.result.warnings == ()
    project.placements[0] = dataclasses.replace(project.placements[0], pins=(Pin(0.0, 1.0, 0.5),))
    warnings = RenderJob(project, tmp_path / "h.mp4", device="cpu").run().warnings
    assert any("guide clip 'pan'" in w and "cannot be met" in w for w in warnings)


def test_hold_shares_moves_only_what_is_outside_its_bounds() -> None:
    torch.manual_seed(0)
    logits = torch.randn(4, 4000) * 4.0
    before = shares_of(logits)
    inside = np.array([[0.0, 1.0], [before[1] - 0.05, 1.0], [0.0, 1.0], [0.0, 1.0]], np.float32)
    assert torch.equal(hold_shares(logits, inside), torch.zeros(4))  # already met: nothing moves
    bounds = np.array([[0.0, 1.0], [0.55, 1.0], [0.0, 0.05], [0.0, 1.0]], np.float32)
    after = shares_of(logits + hold_shares(logits, bounds)[:, None])
    assert after[1] >= 0.55 - 1e-3 and after[2] <= 0.05 + 1e-3 and after.sum() == pytest.approx(1.0)
    ratio = lambda s: s[0] / s[3]  # noqa: E731 - the free clips keep their ratio
    assert ratio(after) == pytest.approx(ratio(before), rel=0.02)
    # a weighted measure (the final quality's patch maps) is met on that measure
    measure = torch.rand(4000)
    measure /= measure.sum()
    after = shares_of(logits + hold_shares(logits, bounds, measure)[:, None], measure)
    assert after[1] >= 0.55 - 1e-3 and after[2] <= 0.05 + 1e-3
