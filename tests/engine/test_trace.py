"""The correspondence: where every output pixel came from, recorded by a real render and read back.

The final quality's output *is* its sources inside each clip's region, so the source patch the record names
must match the output patch up to the encoder's error; a wrong source frame or position would not.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from studio.engine.synth import Crossfade, SynthInput
from studio.engine.trace import from_field, to_project
from studio.errors import EngineError
from studio.project.record import AttentionRecordReader, AttentionRecordWriter
from studio.project.trace import TOP, TRACE_DTYPE, anchor
from tests import footage
from tests.engine.trace_support import SIZE, SourceFrames, patch_rms, render_traced


@pytest.fixture(scope="module")
def final(tmp_path_factory: pytest.TempPathFactory):
    return render_traced(tmp_path_factory.mktemp("trace-final"), "final")


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory):
    return render_traced(tmp_path_factory.mktemp("trace-draft"), "draft")


def _positions(seed: int, count: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    return [(int(rng.integers(0, SIZE[0])), int(rng.integers(0, SIZE[1]))) for _ in range(count)]


def test_final_sources_match_the_output(final) -> None:
    reader = AttentionRecordReader(final.record)
    assert reader.has_correspondence and reader.meta["version"] == 2
    frames = SourceFrames(reader.context)
    errors, wrong_frame, wrong_place, asked = [], [], [], 0
    for n in (0, 5, 11):
        for x, y in _positions(n, 150):
            sources = reader.sources_at(n, x, y)
            assert 1 <= len(sources) <= TOP
            assert [s.weight for s in sources] == sorted((s.weight for s in sources), reverse=True)
            assert sum(s.weight for s in sources) <= 1.01
            top = sources[0]
            assert top.clip_id in ("c0", "c1") and top.clip_name in ("pan", "zoom")
            asked += 1
            if top.weight < 0.9:  # a border between two clips: a blend, not one source's pixels
                continue
            errors.append(patch_rms(final.video[n], x, y, top, frames))
            wrong_frame.append(patch_rms(final.video[n], x, y, replace(top, frame=top.frame + 3), frames))
            x0, y0, x1, y1 = top.patch
            dx = 6 if x1 + 6 <= SIZE[0] else -6
            wrong_place.append(
                patch_rms(final.video[n], x, y, replace(top, patch=(x0 + dx, y0, x1 + dx, y1)), frames)
            )
    frames.close()
    assert len(errors) > 0.8 * asked  # most pixels come from one clip
    rms = float(np.sqrt(np.mean(np.square(errors))))
    assert rms <= 6.0, rms
    # what the test would see with a wrong answer: the pan and the zoom moved, the texture is not flat
    assert np.sqrt(np.mean(np.square(wrong_frame))) > 2 * rms
    assert np.sqrt(np.mean(np.square(wrong_place))) > 2 * rms


def test_draft_names_the_attention_choice(draft) -> None:
    """The draft pastes each patch's chosen candidate: the record names it (clip = the heaviest map)."""
    reader = AttentionRecordReader(draft.record)
    frames = SourceFrames(reader.context)
    radius = (reader.settings["engine"]["radius"] + 1) * reader.stride
    errors = []
    for n in (2, 9):
        trace, maps = reader.trace(n), reader.maps(n).astype(np.float32)
        heavy = maps.max(0) > 0.6
        assert np.array_equal(trace["clip"][0][heavy], maps.argmax(0)[heavy])
        np.testing.assert_allclose(trace["weight"][0], maps.max(0), atol=2e-3)
        for x, y in _positions(n, 100):
            top = reader.sources_at(n, x, y)[0]
            assert abs(top.x - x) <= radius and abs(top.y - y) <= radius
            if top.weight > 0.9:
                errors.append(patch_rms(draft.video[n], x, y, top, frames))
    frames.close()
    assert np.median(errors) < 10.0  # feathered windows blend 4 candidates: near, not exact


def test_a_version_1_record_still_opens(tmp_path) -> None:
    with AttentionRecordWriter(tmp_path / "old", ["a"], ["/a.mp4"], 24.0, 8, (2, 3), {}, 2) as rec:
        rec.append(0, [0], np.ones(1, np.float32), np.ones((1, 2, 3), np.float16))
    reader = AttentionRecordReader(tmp_path / "old")
    assert reader.meta["version"] == 1 and not reader.has_correspondence
    assert reader.maps(0) is not None
    with pytest.raises(EngineError, match="no correspondence in this record"):
        reader.sources_at(0, 1, 1)


def test_bad_frame_or_position_is_one_line(final) -> None:
    reader = AttentionRecordReader(final.record)
    for frame, x, y, message in (
        (12, 5, 5, "outside the record's 12 frames"),
        (-1, 5, 5, "outside the record's"),
        (0, 320, 5, "outside the 320x180 frame"),
        (0, 5, -1, "outside the 320x180 frame"),
    ):
        with pytest.raises(EngineError, match=message) as info:
            reader.sources_at(frame, x, y)
        assert "\n" not in str(info.value)


def test_crossfade_names_every_source_in_place() -> None:
    frames = np.zeros((2, 1, 20, 27, 3), np.uint8)
    out = Crossfade(stride=8)(SynthInput(frames=frames, importance=np.array([1.0, 3.0], np.float32)))
    assert out.trace.shape == (TOP, 3, 4) and out.trace.dtype == TRACE_DTYPE
    assert (out.trace["clip"][0] == 1).all() and (out.trace["clip"][1] == 0).all()
    assert (out.trace["clip"][2] == -1).all() and (out.trace["weight"][2] == 0).all()
    np.testing.assert_allclose(out.trace["weight"][0], 0.75, atol=1e-3)
    assert out.trace["x"][0, 0].tolist() == anchor(np.arange(4), 8, 27).tolist() == [4, 12, 20, 26]


def test_guide_field_is_read_at_each_clips_pixels() -> None:
    """Guide mode: each clip's position comes from a pixel of the patch it owns, moved to the anchor."""
    height, width, s = 16, 24, 8
    rows, cols = np.mgrid[0:height, 0:width]
    clip = (cols >= 20).astype(np.int64)  # clip 1 owns the last 4 columns
    y, x = rows + 2, cols - 3  # the field: every pixel came from 2 down, 3 left
    weight = np.zeros((2, 2, 3), np.float32)
    weight[0], weight[1, :, 2] = 1.0, 0.5
    weight[0, :, 2] = 0.5
    trace = from_field(weight, clip, y, x, frame=1, stride=s)
    ay, ax = anchor(np.arange(2), s, height), anchor(np.arange(3), s, width)
    assert (trace["y"][0] == ay[:, None] + 2).all() and (trace["x"][0] == ax[None, :] - 3).all()
    assert (trace["frame"][:2] == 1).all()
    # patch column 2 (pixels 16..23, anchor 20) is half clip 1's: its entry is read where clip 1 is
    assert set(trace["clip"][:2, :, 2].ravel().tolist()) == {0, 1}
    one = trace["clip"][:, :, 2] == 1
    assert (trace["x"][:, :, 2][one] == 20 - 3).all()
    # into project terms: source k -> clip column, window slot -> the clip's frame
    mapped = to_project(trace, np.array([4, 7]), np.array([[10, 11, 12], [50, 51, 52]]))
    expected = np.select([trace["clip"] == 0, trace["clip"] == 1], [4, 7], -1)
    assert np.array_equal(mapped["clip"], expected)
    assert (mapped["frame"][expected == 7] == 51).all() and (mapped["frame"][expected == 4] == 11).all()


def test_guide_mode_names_where_its_patches_were_found(tmp_path) -> None:
    """Guide mode rebuilds the guide's layout from a clip's pixels found elsewhere: the patch the record
    names resembles the output far more than the clip's patch in place does."""
    from studio.engine.config import GeneratorConfig
    from studio.engine.generator import AttentionGenerator
    from studio.engine.seamless import SeamlessSynthesizer

    size = (192, 108)
    shot = footage.Shot("motorcycle", 4, pan=(1.5, 0.2))
    clip = footage.decode(footage.write_clip(tmp_path / "clip.mp4", [shot], size))
    guide_shot = footage.Shot("motorcycle", 4, pan=(-2.0, 0.0))
    guide = footage.decode(footage.write_clip(tmp_path / "guide.mp4", [guide_shot], size))
    synth = SeamlessSynthesizer(AttentionGenerator(GeneratorConfig(device="cpu", mode="guide")))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # its many small ops: one thread is 10x faster than two on a busy machine
    try:
        for n in range(3):
            inp = SynthInput(frames=clip[n][None, None], importance=np.ones(1, np.float32), guide=guide[n])
            out = synth(inp)
    finally:
        torch.set_num_threads(threads)
    s, (width, height) = 8, size
    named, in_place = [], []
    for py in range(height // s):
        for px in range(width // s):
            sy = int(out.trace["y"][0, py, px]) - int(anchor(py, s, height)) + py * s
            sx = int(out.trace["x"][0, py, px]) - int(anchor(px, s, width)) + px * s
            if 0 <= sy <= height - s and 0 <= sx <= width - s:
                patch = out.frame[py * s : py * s + s, px * s : px * s + s].astype(np.float64)
                named.append(np.sqrt(np.mean((patch - clip[2][sy : sy + s, sx : sx + s]) ** 2)))
                here = clip[2][py * s : py * s + s, px * s : px * s + s]
                in_place.append(np.sqrt(np.mean((patch - here) ** 2)))
    assert len(named) > 0.8 * (height // s) * (width // s)
    assert np.median(named) < 0.7 * np.median(in_place), (np.median(named), np.median(in_place))
