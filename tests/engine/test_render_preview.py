"""FrameRenderer, the window's Qt-free core: columns, black gaps, temporal state, edits, same as export."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from studio.engine.frame import FrameRenderer
from studio.engine.render import RenderJob
from studio.engine.synth import Crossfade, SynthInput, SynthOutput
from tests import clipfactory
from tests.engine.test_render_support import H, W, decode_video, make_project, ramp


class SpyCrossfade(Crossfade):
    """The crossfade, counting resets and remembering what it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.resets = 0
        self.inputs: list[SynthInput] = []

    def reset(self) -> None:
        self.resets += 1

    def __call__(self, inp: SynthInput) -> SynthOutput:
        self.inputs.append(inp)
        return super().__call__(inp)


def _clips(make_test_clip):
    return [
        make_test_clip("prev_a.mp4", width=W, height=H, frames=24, gop=6),
        make_test_clip("prev_b.mp4", width=W, height=H, frames=24, gop=6, pattern="static"),
    ]


def test_columns_gaps_and_window(make_test_clip) -> None:
    a, b = _clips(make_test_clip)
    # clip 0 twice (overlapping), clip 1 once; nothing after 1 s.
    project = make_project(
        [a, b],
        [(0, 0.0, 1.0, None), (0, 0.25, 0.75, ramp((0, 2.0))), (1, 0.0, 1.0, None)],
        duration=1.5,
        window=1,
    )
    spy = SpyCrossfade()
    with FrameRenderer(project, synthesizer=spy) as renderer:
        r = renderer.render(12)
        assert r.frame.shape == (H, W, 3) and r.frame.dtype == np.uint8
        assert list(r.clip_indices) == [0, 0, 1]
        np.testing.assert_allclose(r.shares, [0.75, 0.25], atol=1e-6)  # importances 1 + 2 vs 1
        assert r.shares.dtype == np.float32 and r.maps.dtype == np.float16
        assert r.maps.shape == (2, -(-H // spy.stride), -(-W // spy.stride))
        np.testing.assert_allclose(r.maps.astype(np.float32).sum(0), 1.0, atol=1e-3)
        # T = 2 * window + 1 frames centred on the mapped one, clamped at the clip's start.
        frames = spy.inputs[-1].frames
        assert frames.shape == (3, 3, H, W, 3)
        assert [clipfactory.frame_index(f) for f in frames[0]] == [11, 12, 13]
        assert [clipfactory.frame_index(f) for f in frames[1]] == [5, 6, 7]  # placed at 0.25 s
        # the placement ids ride along, in the sources' order (the generator resets when they change)
        assert spy.inputs[-1].sources == tuple(p.id for p in project.placements)
        r0 = renderer.render(0)
        assert [clipfactory.frame_index(f) for f in spy.inputs[-1].frames[0]] == [0, 0, 1]
        gap = renderer.render(30)
        assert not gap.frame.any() and not gap.shares.any() and not gap.maps.any()
        assert len(gap.clip_indices) == 0 and r0.n == 0


def test_temporal_state_resets_only_on_jumps(make_test_clip) -> None:
    project = make_project(_clips(make_test_clip)[:1], [(0, 0.0, 1.0, None)], duration=1.0)
    spy = SpyCrossfade()
    renderer = FrameRenderer(project, synthesizer=spy)
    for n in (0, 1, 2, 3):
        renderer.render(n)
    assert spy.resets == 1  # playback: one reset, at the start
    renderer.render(10)
    renderer.render(11)
    assert spy.resets == 2  # a seek resets, the frame after it does not
    renderer.render(11)
    assert spy.resets == 3  # re-rendering the same frame must not depend on itself
    renderer.close()


def test_set_project_after_an_edit(make_test_clip) -> None:
    a, b = _clips(make_test_clip)
    project = make_project([a, b], [(0, 0.0, 1.0, None)], duration=1.0)
    renderer = FrameRenderer(project, synthesizer=Crossfade())
    before = renderer.render(5)
    edited = replace(project, placements=[replace(project.placements[0], clip_id="c1")])
    renderer.set_project(edited)
    after = renderer.render(5)
    assert list(before.clip_indices) == [0] and list(after.clip_indices) == [1]
    assert clipfactory.frame_index(before.frame) == 5 and not np.array_equal(before.frame, after.frame)
    renderer.close()


def test_preview_and_export_agree(make_test_clip, tmp_path) -> None:
    a, b = _clips(make_test_clip)
    project = make_project(
        [a, b], [(0, 0.0, 1.0, ramp((0, 1.0), (1, 0.2))), (1, 0.0, 1.0, None)], duration=1.0, audio=False
    )
    RenderJob(project, tmp_path / "o.mp4", synthesizer=Crossfade(), crf=0, preset="ultrafast").run()
    exported = decode_video(tmp_path / "o.mp4")
    with FrameRenderer(project, synthesizer=Crossfade()) as renderer:
        for n in (0, 9, 23):
            diff = np.abs(renderer.render(n).frame.astype(int) - exported[n].astype(int))
            assert diff.mean() < 2.5  # only the YUV 4:2:0 round trip between them


def test_guide_clip_feeds_the_guide_not_the_sources(make_test_clip) -> None:
    a, b = _clips(make_test_clip)
    project = make_project([a, b], [(0, 0.0, 1.0, None), (1, 0.0, 1.0, None)], duration=1.0)
    engine = replace(project.settings.engine, mode="guide", guide_clip="c0")
    project = replace(project, settings=replace(project.settings, engine=engine))
    spy = SpyCrossfade()
    with FrameRenderer(project, synthesizer=spy) as renderer:
        r = renderer.render(7)
    inp = spy.inputs[-1]
    assert inp.guide is not None and clipfactory.frame_index(inp.guide) == 7  # the guide's own frame
    assert list(r.clip_indices) == [1] and inp.frames.shape[0] == 1  # appearance from the other clip
    np.testing.assert_allclose(r.shares, [0.0, 1.0])


def test_window_clamps_at_in_and_out_points_like_the_time_map(make_test_clip) -> None:
    a, _ = _clips(make_test_clip)
    project = make_project([a], [(0, 0.0, 1.0, None)], duration=1.0, window=1, end_mode="hold")
    # In at 0.53 s (frame 12.72 -> frame 12 is showing), out at 0.8 s (frame 19.2 -> last frame 19).
    project.clips[0] = replace(project.clips[0], in_s=0.53, out_s=0.8)
    spy = SpyCrossfade()
    with FrameRenderer(project, synthesizer=spy) as renderer:
        renderer.render(0)
        assert [clipfactory.frame_index(f) for f in spy.inputs[-1].frames[0]] == [12, 12, 13]
        renderer.render(20)  # held on the last frame of the segment
        assert [clipfactory.frame_index(f) for f in spy.inputs[-1].frames[0]] == [18, 19, 19]


def test_the_preview_is_draft_unless_told_and_ignores_the_export_quality(make_test_clip, monkeypatch) -> None:
    from studio.engine import frame as preview

    asked: list[str | None] = []

    def fake(project, device, **kwargs):  # noqa: ANN001, ANN202
        asked.append(kwargs.get("quality"))
        return SpyCrossfade()

    monkeypatch.setattr(preview, "make_synthesizer", fake)
    project = make_project(_clips(make_test_clip)[:1], [(0, 0.0, 1.0, None)], duration=1.0)
    assert project.settings.engine.quality == "final"  # what export makes
    with FrameRenderer(project) as renderer:
        synth = renderer.synthesizer
        assert renderer.last is None
        assert renderer.render(3).quality == "draft" and renderer.last == 3 and asked == ["draft"]
        draft = replace(project.settings.engine, quality="draft")
        renderer.set_project(replace(project, settings=replace(project.settings, engine=draft)))
        assert renderer.synthesizer is synth and renderer.last is None  # an export setting: no rebuild
        hot = replace(project.settings.engine, temperature=2.0)
        renderer.set_project(replace(project, settings=replace(project.settings, engine=hot)))
        assert renderer.synthesizer is not synth and asked == ["draft", "draft"]
    with FrameRenderer(project, quality="final") as renderer:
        assert renderer.render(0).quality == "final" and asked[-1] == "final"
    with FrameRenderer(project, quality=None) as renderer:  # None: the project's
        assert renderer.quality == "final" and asked[-1] is None


def test_the_preview_refuses_a_frame_that_cannot_fit_in_one_line_and_renders_once_it_can(
    make_test_clip, monkeypatch
) -> None:  # noqa: ANN001
    """As the export does (studio.engine.memory): the preview of a project whose search cannot fit is one
    line naming the settings to lower, not a process the system kills; after the edit that lowers them it
    renders."""
    import pytest

    from studio.engine import memory
    from studio.errors import EngineError

    monkeypatch.setattr(memory, "free_memory", lambda device: 16 * 2**20)  # 16 MiB left: ~69 wanted
    project = make_project(_clips(make_test_clip), [(0, 0.0, 1.0, None), (1, 0.0, 1.0, None)], duration=1.0)
    wide = replace(project.settings.engine, patch=2, radius=64, window=0, device="cpu")
    greedy = replace(project, settings=replace(project.settings, engine=wide))
    with FrameRenderer(greedy, device="cpu") as renderer:
        with pytest.raises(EngineError, match=r"^refused: one frame needs .*lower engine\.radius"):
            renderer.render(0)
        lean = replace(wide, patch=8, radius=3)
        renderer.set_project(replace(greedy, settings=replace(greedy.settings, engine=lean)))
        assert renderer.render(0).frame.shape == (H, W, 3)
