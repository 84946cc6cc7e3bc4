"""The painted masks' prior (``mask_prior.py``: a logit bias per source and output pixel) at the draft's
patch resolution, on the device (the final quality takes it per pixel as it is)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def patch_prior(
    prior: np.ndarray | None, stride: int, h: int, w: int, device: torch.device
) -> torch.Tensor | None:
    """(K, H, W) pixel bias -> (K, h, w) mean per patch of the draft's grid (edge patches hang over the frame
    and average what they cover). None stays None: no mask, nothing computed."""
    if prior is None:
        return None
    pixels = torch.from_numpy(np.ascontiguousarray(prior, np.float32)).to(device)
    height, width = pixels.shape[-2:]
    pad = (0, w * stride - width, 0, h * stride - height)
    padded = F.pad(pixels[None], pad, mode="replicate") if any(pad) else pixels[None]
    return F.avg_pool2d(padded, stride)[0]


def with_prior(score: torch.Tensor, prior: torch.Tensor | None) -> torch.Tensor:
    """The clips' scores (K, h, w) plus the masks' bias; the scores as they are without masks."""
    return score if prior is None else score + prior
