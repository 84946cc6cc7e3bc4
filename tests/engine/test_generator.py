"""The attention generator's properties, on frames decoded from real H.264 clips (96x64, fast on 2 cores)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.engine.config import GeneratorConfig
from studio.engine.generator import AttentionGenerator
from studio.engine.synth import Crossfade, Synthesizer, map_shape
from tests.engine.conftest import HEIGHT, WIDTH, psnr

ALL = ["gradient", "stripes", "dots"]


def generator(**settings: object) -> AttentionGenerator:
    return AttentionGenerator(GeneratorConfig(device="cpu", **settings))


def test_implements_the_synthesizer_protocol(make_input):
    gen = generator()
    assert isinstance(gen, torch.nn.Module)
    synth: Synthesizer = gen  # the render job only sees the protocol
    out = synth(make_input(ALL, 3))
    assert synth.stride == 8
    assert out.frame.shape == (HEIGHT, WIDTH, 3) and out.frame.dtype == np.uint8
    assert out.maps.shape == (3, *map_shape(HEIGHT, WIDTH, 8)) and out.maps.dtype == np.float16
    assert out.shares.shape == (3,) and out.shares.dtype == np.float32


def test_weights_sum_to_one_everywhere_and_shares_are_map_means(make_input):
    gen = generator()
    for n in range(4):
        out = gen(make_input(ALL, n, importance=[1.0, 2.0, 0.5]))
        maps = out.maps.astype(np.float32)
        assert np.all(maps >= 0)
        np.testing.assert_allclose(maps.sum(0), 1.0, atol=2e-3)  # float16 storage
        np.testing.assert_allclose(out.shares.sum(), 1.0, atol=1e-5)
        np.testing.assert_allclose(out.shares, maps.mean((1, 2)), atol=2e-3)
    mixed = gen(make_input(ALL, 5)).shares
    assert mixed.min() > 0.05, mixed  # equal importance: every clip is used somewhere, nobody takes all


def test_one_source_gives_back_the_source_with_default_settings(make_input, engine_clips):
    gen = generator()  # defaults: radius 4, window 1, coherence, stability all on
    for name in ALL:
        gen.reset()
        for n in range(6):
            out = gen(make_input([name], n))
            assert psnr(out.frame, engine_clips[name][n]) > 45, (name, n)
            np.testing.assert_array_equal(out.maps, 1)


def test_one_hot_importance_gives_that_clip(make_input, engine_clips):
    gen = generator()
    for n in range(5):
        out = gen(make_input(ALL, n, importance=[0.0, 1.0, 0.0]))
        assert psnr(out.frame, engine_clips["stripes"][n]) > 45, n
        np.testing.assert_array_equal(out.shares, [0, 1, 0])
        np.testing.assert_array_equal(out.maps[1], 1)


def test_no_search_no_window_high_temperature_is_exactly_the_crossfade(make_input):
    gen, fade = generator(radius=0, window=0, temperature=1e6), Crossfade(stride=8)
    for n in range(5):  # several frames: stability and coherence must not leak into the limit
        inp = make_input(ALL, n, importance=[0.2, 1.0, 0.5], window=0)
        out, ref = gen(inp), fade(inp)
        assert np.abs(out.frame.astype(int) - ref.frame.astype(int)).max() <= 1, n
        np.testing.assert_allclose(out.shares, ref.shares, atol=1e-5)
        np.testing.assert_allclose(out.maps.astype(np.float32), ref.maps.astype(np.float32), atol=1e-3)


def test_same_settings_give_identical_frames(make_input):
    first, second, other_seed = generator(seed=7), generator(seed=7), generator(seed=8)
    for n in range(4):
        inp = make_input(ALL, n, importance=[1.0, 0.7, 1.3])
        a, b, c = first(inp), second(inp), other_seed(inp)
        np.testing.assert_array_equal(a.frame, b.frame)
        np.testing.assert_array_equal(a.maps, b.maps)
        # the generator uses no randomness, so the seed cannot change anything either
        np.testing.assert_array_equal(a.frame, c.frame)


def test_reset_forgets_the_previous_frame(make_input):
    gen = generator()
    fresh = gen(make_input(ALL, 5)).frame
    for n in range(5):
        gen(make_input(ALL, n))
    gen.reset()
    np.testing.assert_array_equal(gen(make_input(ALL, 5)).frame, fresh)


def test_other_clips_swapping_in_reset_the_temporal_state(make_input):
    """Same K, T and size but other placements: the old choices belong to other clips, so start afresh."""
    from dataclasses import replace

    gen = generator()
    ab, cd = ("p-stripes", "p-dots"), ("p-gradient", "p-dots")
    fresh = gen(replace(make_input(["gradient", "dots"], 5), sources=cd)).frame
    gen.reset()
    for n in range(5):
        gen(replace(make_input(["stripes", "dots"], n), sources=ab))
    swapped = gen(replace(make_input(["gradient", "dots"], 5), sources=cd)).frame
    np.testing.assert_array_equal(swapped, fresh)
    # without ids the generator cannot tell, and carries the stripes' frame over (the old behaviour)
    gen.reset()
    for n in range(5):
        gen(make_input(["stripes", "dots"], n))
    assert not np.array_equal(gen(make_input(["gradient", "dots"], 5)).frame, fresh)


def test_record_explains_the_output(make_input, engine_clips):
    """Stripes are pure red, dots pure blue: where the map says "stripes" the output has no blue, etc."""
    stray_blue = int(engine_clips["stripes"][..., 2].max())  # what H.264 leaves of "no blue" in the stripes
    stray_red = int(engine_clips["dots"][..., 0].max())
    gen = generator()
    for n in range(5):
        out = gen(make_input(["stripes", "dots"], n))
        red_map = out.maps[0].astype(np.float32)
        # a pixel is fully explained by one clip when all 4 patches whose windows cover it agree
        full = np.kron(red_map, np.ones((8, 8)))[:HEIGHT, :WIDTH]
        covered = np.minimum.reduce([np.roll(full, (dy, dx), (0, 1)) for dy in (-4, 4) for dx in (-4, 4)])
        uncovered = np.minimum.reduce(
            [np.roll(1 - full, (dy, dx), (0, 1)) for dy in (-4, 4) for dx in (-4, 4)]
        )
        red_only, blue_only = covered > 0.99, uncovered > 0.99
        if n > 0:  # with a previous frame (coherence, stability) the regions are decisive
            assert red_only.sum() > 200 and blue_only.sum() > 200, n  # both clips own sizeable regions
        assert (
            out.frame[red_only][:, 2].max(initial=0) <= stray_blue + 2
        )  # no blue where only stripes were used
        assert out.frame[blue_only][:, 0].max(initial=0) <= stray_red + 2  # no red where only dots were used
        redness = out.frame[..., 0].astype(np.float32).mean() / 127.5  # stripes' mean red is ~127.5
        assert abs(redness - out.shares[0]) < 0.15


def test_shares_follow_importance(make_input):
    """Importance says how much of each clip is used (balance), similarity says where."""
    gen = generator()
    for n in range(5):
        out = gen(make_input(ALL, n, importance=[1.0, 2.0, 1.0]))
        np.testing.assert_allclose(out.shares, [0.25, 0.5, 0.25], atol=0.05)
    raw = generator(balance=0.0)
    assert max(abs(raw(make_input(ALL, n, [1.0, 2.0, 1.0])).shares[1] - 0.5) for n in range(5)) > 0.1


def sobel_edges(rgb: np.ndarray, blur: float) -> np.ndarray:
    import cv2

    grey = rgb.astype(np.float32).mean(-1)
    if blur:
        grey = cv2.GaussianBlur(grey, (0, 0), blur)
    return np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))


def edge_correlation(a: np.ndarray, b: np.ndarray, blur: float = 0.0) -> float:
    return float(np.corrcoef(sobel_edges(a, blur).ravel(), sobel_edges(b, blur).ravel())[0, 1])


def test_guide_mode_keeps_the_guide_edges(make_input, engine_clips):
    """Structure from the guide, appearance from the sources: the output's edges follow the guide's.

    Measured on Sobel edge maps, raw and after a 1.5 px blur (patches place an edge to within a few pixels;
    the blurred score says whether the shapes are there, the raw one that real edges are)."""
    gen, fade = generator(mode="guide"), Crossfade()
    scores = []
    for n in range(4):
        inp = make_input(["gradient", "stripes", "dots"], n, guide="guide")
        out, ref, guide = gen(inp).frame, fade(inp).frame, engine_clips["guide"][n]
        scores.append(
            [edge_correlation(out, guide, b) for b in (0, 1.5)]
            + [edge_correlation(ref, guide, b) for b in (0, 1.5)]
        )
    guided_raw, guided_blur, plain_raw, plain_blur = np.mean(scores, 0)
    assert guided_raw > plain_raw + 0.15, scores
    assert guided_blur > 0.4 and guided_blur > plain_blur + 0.3, scores


def test_frame_size_not_a_multiple_of_the_patch(engine_clips):
    from studio.engine.synth import SynthInput

    frames = engine_clips["gradient"][None, 2:5, :61, :90]  # 90x61 with patch 8: overhanging patches
    out = generator()(SynthInput(np.ascontiguousarray(frames), np.ones(1, np.float32)))
    assert out.frame.shape == (61, 90, 3) and out.maps.shape == (1, 8, 12)
    assert psnr(out.frame, frames[0, 1]) > 45


def assert_same_up_to_rounding(a, b) -> None:
    """Float sums over bands of other shapes may round differently in the last bit, nothing more."""
    diff = np.abs(a.frame.astype(int) - b.frame.astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3
    np.testing.assert_allclose(a.maps.astype(np.float32), b.maps.astype(np.float32), atol=1e-3)


def test_bands_do_not_change_the_result(make_input):
    """Memory bounding (one patch row at a time) must give the frames of the one-band run."""
    whole, banded = generator(), generator(max_tile_bytes=1 << 16)
    assert banded._band_rows(3, 3, 8, 12, 4) == 1
    for n in range(3):
        inp = make_input(ALL, n)
        a, b = whole(inp), banded(inp)
        assert_same_up_to_rounding(a, b)


def test_bf16_distances_stay_close_to_fp32(make_input):
    exact, half = generator(precision="fp32"), generator(precision="bf16")
    for n in range(3):
        inp = make_input(ALL, n)
        a, b = exact(inp), half(inp)
        assert psnr(a.frame, b.frame) > 25
        assert np.abs(a.shares - b.shares).max() < 0.1


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fp16_on_gpu_matches_fp32(make_input):
    on_gpu = AttentionGenerator(GeneratorConfig(device="cuda", precision="fp16"))
    on_cpu = generator(precision="fp32")
    for n in range(3):
        inp = make_input(ALL, n)
        a, b = on_gpu(inp), on_cpu(inp)
        assert psnr(a.frame, b.frame) > 30
        assert np.abs(a.shares - b.shares).max() < 0.05
        assert np.abs(a.maps.astype(np.float32) - b.maps.astype(np.float32)).mean() < 0.05


def test_features_of_repeated_frames_are_reused_not_recomputed(make_input):
    from studio.engine.features import FeatureCache, PatchFeatures

    extractor, calls = PatchFeatures(8), []
    counting = lambda batch: calls.append(len(batch)) or extractor(batch)  # noqa: E731
    cache = FeatureCache()
    first = make_input(ALL, 3).frames
    second = make_input(ALL, 4).frames  # the window slid by one frame: 2 of 3 frames per source repeat
    cache(counting, first, torch.device("cpu"))
    reused = cache(counting, second, torch.device("cpu"))
    assert calls == [9, 3]
    fresh = extractor(torch.from_numpy(second.reshape(-1, *second.shape[2:]))).view(reused.shape)
    torch.testing.assert_close(reused, fresh, rtol=0, atol=0)
    held = second.copy()
    held[1, 2] = held[1, 1]  # a held frame inside the window is found too
    cache(counting, held, torch.device("cpu"))
    assert calls == [9, 3]  # nothing new to compute


def test_the_feature_extractor_is_swappable(make_input, engine_clips):
    """A learned encoder can replace the hand-made features: any (N,H,W,3) u8 -> (N,D,h,w) module."""
    import torch.nn.functional as F

    class MeanColour(torch.nn.Module):
        def forward(self, frames: torch.Tensor) -> torch.Tensor:  # D = 3: the patch's mean colour
            return F.avg_pool2d(frames.permute(0, 3, 1, 2).float() / 25.5, 8, ceil_mode=True)

    gen = generator()
    gen.features = MeanColour()
    for n in range(3):
        assert psnr(gen(make_input(["dots"], n)).frame, engine_clips["dots"][n]) > 45
    out = gen(make_input(ALL, 3))
    np.testing.assert_allclose(out.maps.astype(np.float32).sum(0), 1.0, atol=2e-3)
