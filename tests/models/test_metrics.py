"""PSNR/SSIM agree with scikit-image (the reference every paper uses); temporal error sees flicker."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from studio.models.metrics import psnr, ssim, temporal_error
from tests.clipfactory import expected_frame


def _t(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(img).permute(2, 0, 1)


@pytest.mark.parametrize("shape", [(32, 32), (40, 37), (11, 64)])
@pytest.mark.parametrize("noise", [0.02, 0.2])
def test_ssim_matches_scikit_image(shape: tuple[int, int], noise: float) -> None:
    rng = np.random.default_rng(shape[0] * 7 + int(noise * 100))
    a = rng.random((*shape, 3))
    b = np.clip(a + noise * rng.standard_normal(a.shape), 0, 1)
    ref = structural_similarity(
        a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1, channel_axis=-1
    )
    assert abs(float(ssim(_t(a), _t(b))) - ref) < 1e-3


def test_ssim_on_real_frames_and_batches() -> None:
    frames = [expected_frame(n, 48, 40).astype(np.float64) / 255 for n in (0, 3, 9)]
    refs = [
        structural_similarity(
            frames[0],
            f,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            data_range=1,
            channel_axis=-1,
        )
        for f in frames[1:]
    ]
    batch_a = torch.stack([_t(frames[0])] * 2)
    batch_b = torch.stack([_t(f) for f in frames[1:]])
    assert abs(float(ssim(batch_b, batch_a)) - np.mean(refs)) < 1e-3  # mean over images
    assert float(ssim(batch_a, batch_a)) == pytest.approx(1.0)


def test_psnr_matches_scikit_image() -> None:
    rng = np.random.default_rng(1)
    a = rng.random((24, 24, 3))
    b = np.clip(a + 0.05 * rng.standard_normal(a.shape), 0, 1)
    assert float(psnr(_t(b), _t(a))) == pytest.approx(peak_signal_noise_ratio(a, b, data_range=1), abs=1e-6)


def test_ssim_refuses_too_small_images() -> None:
    with pytest.raises(ValueError, match="11"):
        ssim(torch.rand(3, 8, 8), torch.rand(3, 8, 8))


def test_temporal_error_zero_for_truth_and_sees_a_frozen_prediction() -> None:
    clip = torch.stack(
        [_t(expected_frame(n, 32, 32).astype(np.float32) / 255) for n in range(6)]
    )  # (T, C, H, W)
    frozen = clip[:1].expand_as(clip)
    assert float(temporal_error(clip, clip)) == 0.0
    expected = float(clip.diff(dim=0).abs().mean())  # a still prediction misses all of the truth's motion
    assert float(temporal_error(frozen, clip)) == pytest.approx(expected, rel=1e-6)
