"""The chunk plan and the border check of a cluster render (pure: no Ray, no video)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.engine.cluster.chunks import BORDER_DB, Chunk, Tail, border_agrees, border_psnr, plan_chunks


def test_chunks_tile_the_output_and_warm_up_before_their_start() -> None:
    plan = plan_chunks(250, 24.0, chunk_seconds=2.0, warmup_seconds=0.5)
    assert [(c.start, c.stop) for c in plan] == [(0, 48), (48, 96), (96, 144), (144, 192), (192, 250)]
    assert [c.warmup for c in plan] == [0, 12, 12, 12, 12]  # 58 frames: a 10-frame tail joined the last
    assert plan[1].warm_start == 36 and sum(c.frames for c in plan) == 250


def test_a_short_project_is_one_chunk_and_warm_up_never_reaches_before_frame_0() -> None:
    assert plan_chunks(10, 24.0, chunk_seconds=10.0) == [Chunk(0, 0, 10, 0)]
    assert plan_chunks(30, 24.0, chunk_seconds=0.5, warmup_seconds=5.0)[1].warmup == 12
    assert Chunk(3, 40, 60, 16).widened().warmup == 32 and Chunk(3, 40, 60, 32).widened().warmup == 40
    assert Chunk(1, 12, 24, 0).widened().warmup == 1  # no warm-up asked: the first widening gives one frame


@pytest.mark.parametrize("seconds", [0.0, -1.0, float("inf"), float("nan")])
def test_a_chunk_length_that_is_no_length_is_refused(seconds: float) -> None:
    with pytest.raises(ValueError, match="positive number of seconds"):
        plan_chunks(100, 24.0, chunk_seconds=seconds)


def _tail(*frames: np.ndarray, shares: float = 0.5) -> Tail:
    return Tail(tuple(frames), tuple(np.array([shares, 1 - shares], np.float32) for _ in frames))


def test_a_border_agrees_only_when_both_histories_give_the_same_frames() -> None:
    rng = np.random.default_rng(0)
    a, b = (rng.integers(0, 255, (90, 160, 3)).astype(np.uint8) for _ in range(2))
    near = np.clip(a.astype(int) + (rng.random(a.shape) < 0.001), 0, 255).astype(np.uint8)  # ~60 dB
    chunk = Chunk(1, 24, 48, 12)
    assert border_agrees(chunk, _tail(b, a), _tail(b, near))
    assert border_psnr(_tail(b, a), _tail(b, near))[0] > BORDER_DB
    assert not border_agrees(chunk, _tail(a, a), _tail(a, b))  # another layout: a few dB
    assert not border_agrees(chunk, _tail(b, a), _tail(b, a, shares=0.3))  # the same pixels, other shares
    assert not border_agrees(chunk, _tail(b, a), _tail(a))  # a warm-up over black frames warmed nothing
    assert border_agrees(Chunk(1, 24, 48, 24), _tail(a, a), _tail())  # from frame 0: the one render itself


def test_without_ray_a_cluster_render_says_how_to_get_it(monkeypatch) -> None:
    import sys

    from studio.engine.cluster.job import import_ray
    from studio.errors import EngineError

    monkeypatch.setitem(sys.modules, "ray", None)  # as if the cluster extra were not installed
    with pytest.raises(EngineError, match=r"pip install 'attention-video-studio\[cluster\]'"):
        import_ray()


def test_frames_past_the_border_count_too() -> None:
    """The previous chunk's frames rendered past its end against the next chunk's first frames: two
    histories that agree at the border but part two frames later (the draft's stability keeps choices
    the pixels do not show yet) do not agree; the comparison goes only as far as both sides have frames."""
    from studio.engine.cluster.chunks import across

    rng = np.random.default_rng(1)
    a, b, c = (rng.integers(0, 256, (9, 16, 3), dtype=np.uint8) for _ in range(3))
    chunk = Chunk(1, 24, 48, 12)
    same = across(_tail(a, b), _tail(c, a, b), _tail(a, b), _tail(c, a, b))
    assert border_agrees(chunk, *same) and len(same[0].thumbs) == 5
    parted = across(_tail(a, b), _tail(c, a, b), _tail(a, b), _tail(c, a, c))
    assert not border_agrees(chunk, *parted) and border_psnr(*parted)[0] < BORDER_DB
    short = across(_tail(a, b), _tail(c, a, b), _tail(a, b), _tail(c))  # a next chunk of one frame
    assert [len(t.thumbs) for t in short] == [3, 3] and border_agrees(chunk, *short)
    assert border_agrees(chunk, *across(_tail(a, b), _tail(), _tail(a, b), _tail(c)))  # the last chunk
