"""Image/video quality figures in torch: PSNR, SSIM (scikit-image's Gaussian variant) and temporal
consistency.

All functions take float tensors in [0, 1] shaped ``(..., C, H, W)`` (any leading batch/time dims) and
return a Python-float-able scalar tensor averaged over everything. SSIM matches
``skimage.metrics.structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=1, channel_axis=-1)`` — checked to 1e-3 in the tests — so our numbers can be compared with papers'.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

_SSIM_SIGMA = 1.5
_SSIM_RADIUS = 5  # scipy's gaussian_filter with truncate=3.5: int(3.5 * 1.5 + 0.5) = 5 → an 11-tap window
_C1 = 0.01**2  # (K1 * data_range)^2 with data_range = 1
_C2 = 0.03**2


def _flat(x: torch.Tensor) -> torch.Tensor:
    """(..., C, H, W) → (N, C, H, W) in float64 (SSIM sums many small terms; float64 keeps the 1e-3 match)."""
    return x.reshape(-1, *x.shape[-3:]).to(torch.float64)


def mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(pred.to(torch.float64), target.to(torch.float64))


def psnr(pred: torch.Tensor, target: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """PSNR in dB of each image (over C, H, W), averaged over images; identical images give 100 dB
    (capped)."""
    p, t = _flat(pred), _flat(target)
    per_image = ((p - t) ** 2).mean(dim=(1, 2, 3)).clamp_min(1e-10)
    return (10.0 * torch.log10(data_range**2 / per_image)).mean()


def _gaussian_kernel(device: torch.device) -> torch.Tensor:
    x = torch.arange(-_SSIM_RADIUS, _SSIM_RADIUS + 1, dtype=torch.float64, device=device)
    g = torch.exp(-(x**2) / (2 * _SSIM_SIGMA**2))
    return g / g.sum()  # (11,)


def _blur(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Separable Gaussian blur, 'valid' only: scikit-image crops the 5-pixel border that padding touched
    anyway."""
    c = x.shape[1]
    x = F.conv2d(x, g.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(x, g.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def ssim(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean SSIM (Gaussian window 11, σ 1.5, data range 1), averaged over channels, then images."""
    p, t = _flat(pred), _flat(target)
    if min(p.shape[-2:]) < 2 * _SSIM_RADIUS + 1:
        raise ValueError(f"SSIM needs images of at least 11×11, got {tuple(p.shape[-2:])}")
    g = _gaussian_kernel(p.device)
    mu_p, mu_t = _blur(p, g), _blur(t, g)
    var_p = _blur(p * p, g) - mu_p**2
    var_t = _blur(t * t, g) - mu_t**2
    cov = _blur(p * t, g) - mu_p * mu_t
    num = (2 * mu_p * mu_t + _C1) * (2 * cov + _C2)
    den = (mu_p**2 + mu_t**2 + _C1) * (var_p + var_t + _C2)
    return (num / den).mean(dim=(2, 3)).mean(dim=1).mean()


def temporal_error(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean |Δpred − Δtarget| over consecutive frames of (..., T, C, H, W) clips: flicker/jerk the truth
    lacks.

    0 means the prediction changes from frame to frame exactly as the truth does (lower is better); a static
    prediction of a moving scene scores the truth's own mean motion.
    """
    if pred.shape[-4] < 2:
        return torch.zeros((), dtype=torch.float64)
    dp = pred.diff(dim=-4).to(torch.float64)
    dt = target.diff(dim=-4).to(torch.float64)
    return (dp - dt).abs().mean()
