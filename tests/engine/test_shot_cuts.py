"""Scene cuts in the engine: the temporal window never reaches across a cut of its clip, and at the frame a
source enters a new shot the synthesizer forgets what it carried for it (the stability bonus; everything
when every source cut), so the frame is the one a fresh render makes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from studio.engine.frame import FrameRenderer
from studio.engine.generator import AttentionGenerator
from studio.engine.seamless import SeamlessSynthesizer
from studio.engine.sources import SourceGatherer
from studio.engine.synth import SynthInput
from studio.media.shot_cache import cached_cuts, clip_cuts
from tests import footage
from tests.engine.test_render_support import H, W, make_project

FRAMES, CUT = 24, 12  # footage.cut_clip: a hard cut at frames // 2


@pytest.fixture(scope="module")
def cut_clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two clips of two shots each, both cut at frame 12 (hard cuts), their cuts found and cached."""
    folder = tmp_path_factory.mktemp("shot-cuts")
    paths = [
        footage.cut_clip(folder / "a.mp4", ("astronaut", "coffee"), size=(W, H), frames=FRAMES),
        footage.cut_clip(folder / "b.mp4", ("rocket", "chelsea"), size=(W, H), frames=FRAMES),
    ]
    for path in paths:
        assert clip_cuts(path) == [CUT]
    return paths


def test_the_window_never_mixes_shots(cut_clips: list[Path], make_test_clip) -> None:
    project = make_project(cut_clips[:1], [(0, 0.0, 1.0, None)], duration=1.0, window=3)
    with SourceGatherer(project) as gatherer:
        assert gatherer.cuts["c0"] == (CUT,)
        for n in range(FRAMES):
            read = gatherer.gather(n).source_frames[0]
            shot = int(n >= CUT)
            assert all(int(f >= CUT) == shot for f in read), (n, read)
            assert n in read  # the centre is the time map's frame
        assert list(gatherer.gather(CUT - 1).source_frames[0]) == [8, 9, 10, 11, 11, 11, 11]
        assert list(gatherer.gather(CUT).source_frames[0]) == [12, 12, 12, 12, 13, 14, 15]
    # a clip whose cuts were never looked for is one shot: its window runs on
    plain = make_test_clip("shots_plain.mp4", width=W, height=H, frames=FRAMES)
    assert cached_cuts(plain) is None
    with SourceGatherer(make_project([plain], [(0, 0.0, 1.0, None)], duration=1.0, window=3)) as gatherer:
        assert list(gatherer.gather(CUT).source_frames[0]) == [9, 10, 11, 12, 13, 14, 15]


def test_sources_entering_a_new_shot_are_flagged(cut_clips: list[Path]) -> None:
    # clip a from 0 s, clip b from 0.25 s: b reaches its cut 6 frames later
    project = make_project(cut_clips, [(0, 0.0, 1.0, None), (1, 0.25, 0.75, None)], duration=1.0)
    with SourceGatherer(project) as gatherer:
        flags = {n: gatherer.gather(n).inp.new_shot for n in range(FRAMES)}
    assert list(flags[CUT]) == [True, False]
    assert list(flags[CUT + 6]) == [False, True]
    assert all(flags[n] is None for n in range(FRAMES) if n not in (CUT, CUT + 6))


def test_at_a_cut_of_every_source_the_frame_is_a_fresh_render(cut_clips: list[Path]) -> None:
    project = make_project(cut_clips, [(0, 0.0, 1.0, None), (1, 0.0, 1.0, None)], duration=1.0)
    torch.manual_seed(0)
    with FrameRenderer(project, device="cpu") as renderer:
        played = [renderer.render(n).frame for n in range(CUT + 2)]
        fresh = renderer.render(CUT).frame  # a jump: the renderer starts from nothing
        after = renderer.render(CUT + 1).frame
    np.testing.assert_array_equal(played[CUT], fresh)
    np.testing.assert_array_equal(played[CUT + 1], after)  # and carries on as from a fresh start


def test_the_draft_drops_the_bonus_of_the_source_that_cut() -> None:
    gen = AttentionGenerator(device="cpu")
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (2, 1, 32, 48, 3), dtype=np.uint8)
    inp = SynthInput(frames=frames, importance=np.ones(2, np.float32), sources=("p0", "p1"))
    gen(inp)
    assert gen._stable is not None and float(gen._stable[1][0].abs().sum()) > 0
    kept = gen._stable[1][1].clone()
    gen._forget_shots(np.array([True, False]))
    assert float(gen._stable[1][0].abs().sum()) == 0.0
    assert torch.equal(gen._stable[1][1], kept)
    assert gen._prev_frame is not None  # the other source still follows the previous output
    gen._forget_shots(np.array([True, True]))
    assert gen._prev_frame is None and gen._stable is None


def test_the_final_quality_carries_no_motion_across_a_cut() -> None:
    final = SeamlessSynthesizer(AttentionGenerator(device="cpu"))
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, (2, 1, 32, 48, 3), dtype=np.uint8)
    carried: list[set] = []  # which sources' last frames are carried into each frame along their motion
    previous = final._previous
    final._previous = lambda ids, *rest: (carried.append(set(final._prev)), previous(ids, *rest))[1]
    ones = np.ones(2, np.float32)
    final(SynthInput(frames=frames, importance=ones, sources=("p0", "p1")))
    final(SynthInput(frames=frames, importance=ones, sources=("p0", "p1")))
    final(SynthInput(frames=frames, importance=ones, sources=("p0", "p1"), new_shot=np.array([False, True])))
    assert carried == [set(), {"p0", "p1"}, {"p0"}]
    final(SynthInput(frames=frames, importance=ones, sources=("p0", "p1"), new_shot=np.array([True, True])))
    assert final._prev_output is not None and len(carried) == 4 and carried[-1] == set()  # a fresh start


def test_a_render_finds_the_cuts_nobody_looked_for_first(tmp_path: Path) -> None:
    """A render from the CLI may be the first to see a clip: it finds the clip's cuts before the frames
    (reporting the SHOTS stage, which stops like any other), so its window never mixes the two shots. A
    clip that is not placed is not analysed."""
    from studio.engine.render import FRAMES as FRAME_STAGE
    from studio.engine.render import SHOTS, RenderJob

    fresh = footage.cut_clip(tmp_path / "fresh.mp4", ("astronaut", "coffee"), size=(W, H), frames=FRAMES)
    unused = footage.cut_clip(tmp_path / "unused.mp4", ("rocket", "chelsea"), size=(W, H), frames=FRAMES)
    project = make_project([fresh, unused], [(0, 0.0, 1.0, None)], duration=1.0, window=2)
    assert cached_cuts(fresh) is None and cached_cuts(unused) is None
    stopped = iter(RenderJob(project, tmp_path / "stopped.mp4", device="cpu"))
    assert next(stopped).stage == SHOTS
    stopped.close()  # stopped while finding them: nothing stored, no file
    assert cached_cuts(fresh) is None and not (tmp_path / "stopped.mp4").exists()
    stages = [p.stage for p in RenderJob(project, tmp_path / "out.mp4", device="cpu")]
    assert stages[0] == SHOTS and FRAME_STAGE in stages and stages.index(FRAME_STAGE) > stages.index(SHOTS)
    assert cached_cuts(fresh) == [CUT] and cached_cuts(unused) is None
    stages = [p.stage for p in RenderJob(project, tmp_path / "again.mp4", device="cpu")]
    assert SHOTS not in stages  # known now: no second look
