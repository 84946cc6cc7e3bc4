"""The VAE's encoder as the attention engine's keys: ``EngineSettings.features = "vae"``.

Learned features see texture and shape the way the project's own footage has them, where the hand-made
ones (colour, Haar split, structure tensor) see only generic contrast. The module follows the engine's
feature contract (``studio.engine.features``): uint8 RGB frames (N, H, W, 3) -> (N, D, h, w) float32 at the
patch stride, on the frames' device.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

DOWNSAMPLE = 8  # the VAE's encoder halves the size three times
# Unit-norm features put similar patches at squared distances of ~0.1-0.5; x2 brings that to the hand-made
# features' unit (1 = a plainly visible difference), which the engine's temperature 0.1 is set against.
GAIN = 2.0


class VAEPatchFeatures(nn.Module):
    def __init__(self, vae: nn.Module, patch: int) -> None:
        super().__init__()
        self.vae = vae.eval()
        self.patch = patch

    @torch.no_grad()
    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        n, height, width, _ = frames.shape
        h, w = -(-height // self.patch), -(-width // self.patch)  # the engine's patch grid (ceil)
        x = frames.permute(0, 3, 1, 2).float().div_(255.0)  # (N, 3, H, W) in [0, 1]
        pad_h, pad_w = -height % DOWNSAMPLE, -width % DOWNSAMPLE
        if pad_h or pad_w:  # the encoder needs multiples of 8: repeat the edge, as the engine pads frames
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        dtype = next(self.vae.parameters()).dtype
        feats = self.vae.encode_features(x.to(dtype)).float()  # (N, C, H/8, W/8), unit norm per cell
        if feats.shape[-2:] != (h, w):  # another patch size: resample the grid, keep unit norm
            feats = F.interpolate(feats, size=(h, w), mode="bilinear", align_corners=False)
            feats = F.normalize(feats, dim=1)
        return feats * GAIN
