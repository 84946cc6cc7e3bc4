"""The engine's fast paths give what the plain formulations give (up to float rounding)."""

from __future__ import annotations

import numpy as np
import torch

from studio.engine.attention import Workspace, attend_band, expand_for_dot, static_bias
from studio.engine.clip_mass import _quantile
from studio.engine.config import GeneratorConfig
from studio.engine.features import _pool, _sobel
from studio.engine.generator import AttentionGenerator
from studio.engine.synthesis import source_blocks


def _reference_energy(query: torch.Tensor, keys: torch.Tensor, radius: int) -> torch.Tensor:
    """||q - k||^2 offset by offset: (K, T, O, h, w)."""
    k, t, _, hp, wp = keys.shape
    h, w, side = hp - 2 * radius, wp - 2 * radius, 2 * radius + 1
    out = torch.empty((k, t, side * side, h, w))
    for index in range(side * side):
        dy, dx = divmod(index, side)
        out[:, :, index] = (keys[:, :, :, dy : dy + h, dx : dx + w] - query).square().sum(2)
    return out


def test_batched_dot_attention_matches_the_per_offset_distances() -> None:
    torch.manual_seed(0)
    k, t, d, h, w, radius = 2, 3, 9, 7, 11, 2
    query, keys = torch.randn(d, h, w), torch.randn(k, t, d, h + 2 * radius, w + 2 * radius)
    bias = static_bias(t, radius, h, w, 1.0, 0.0, torch.device("cpu"))
    stable = (torch.randint(0, (2 * radius + 1) ** 2, (k, h, w)), torch.rand(k, h, w))
    q_dot, k_dot = expand_for_dot(query, keys)
    work = Workspace()
    for y0, y1 in ((0, h), (2, 5)):
        fast = attend_band(q_dot, k_dot, bias, y0, y1, radius, stable, True, 0, work)
        slow = attend_band(query, keys, bias, y0, y1, radius, stable, False, 0)
        q_norm = query.square().sum(0)[y0:y1]  # the dot form drops ||q||^2 (the same for every candidate)
        torch.testing.assert_close(fast.score - q_norm, slow.score, rtol=0, atol=1e-3)
        assert torch.equal(fast.choice, slow.choice)
        torch.testing.assert_close(fast.choice_share, slow.choice_share, rtol=0, atol=1e-4)
    # the energies themselves, against the plain per-offset distances (||q||^2 dropped by the dot form)
    energy = _reference_energy(query, keys, radius) - query.square().sum(0)
    e = work.get("energy", energy.shape, torch.device("cpu"))
    attend_band(q_dot, k_dot, bias, 0, h, radius, None, True, 0, work)
    torch.testing.assert_close(e, energy, rtol=0, atol=1e-3)


def test_cpu_pooling_and_gradients_match_torch() -> None:
    torch.manual_seed(1)
    x = torch.rand(2, 3, 24, 40).contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(_pool(x, 6, 10), torch.nn.functional.avg_pool2d(x, 4), rtol=0, atol=1e-6)
    luma = torch.rand(2, 1, 12, 20)
    p = torch.nn.functional.pad(luma, (1, 1, 1, 1), mode="replicate")
    kx = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]) / 8
    gx = torch.nn.functional.conv2d(p, kx[None, None])
    gy = torch.nn.functional.conv2d(p, kx.T.contiguous()[None, None])
    fast_x, fast_y = _sobel(luma)
    torch.testing.assert_close(fast_x, gx, rtol=0, atol=1e-6)
    torch.testing.assert_close(fast_y, gy, rtol=0, atol=1e-6)


def test_quantile_matches_torch() -> None:
    x = torch.randn(501) * 10
    for q in (0.0, 0.1, 1 / 3, 0.5, 0.95, 1.0):
        torch.testing.assert_close(_quantile(x, q), torch.quantile(x, q), rtol=0, atol=1e-5)


def test_block_pool_holds_every_frame_of_a_sliding_window() -> None:
    """Frames kept in their slots from the last call must be the frames of this call."""
    rng = np.random.default_rng(2)
    video = rng.integers(0, 256, (2, 8, 20, 28, 3), dtype=np.uint8)
    gen = AttentionGenerator(GeneratorConfig(device="cpu", window=1, patch=4))
    h, w = 5, 7
    for n in range(1, 6):
        frames = np.ascontiguousarray(video[:, n - 1 : n + 2])
        gen._feature_cache(gen.features, frames, gen.device)  # the cache decides what is reused
        pool, slot = gen._source_blocks(torch.from_numpy(frames), h, w)
        expected = source_blocks(torch.from_numpy(frames), 4, h, w).view(2, 3, -1, 48)
        per = (h + 1) * (w + 1)
        for i in range(2):
            for j in range(3):
                got = pool[int(slot[i, j]) * per : (int(slot[i, j]) + 1) * per]
                assert torch.equal(got, expected[i, j]), (n, i, j)
