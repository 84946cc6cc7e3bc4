"""Small building blocks shared by the model files (nanoGPT style: plain modules, shapes in comments)."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def group_norm(channels: int) -> nn.GroupNorm:
    # GroupNorm, not BatchNorm: batches are tiny (a few windows) and statistics must not depend on them.
    return nn.GroupNorm(min(8, channels), channels)


class ResBlock(nn.Module):
    """Two 3×3 convs with a residual path: (B, C_in, H, W) → (B, C_out, H, W)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.norm1 = group_norm(c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.norm2 = group_norm(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Identity() if c_in == c_out else nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class Down(nn.Module):
    """Stride-2 conv: (B, C, H, W) → (B, C, H/2, W/2)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Up(nn.Module):
    """Nearest ×2 then 3×3 conv (no checkerboard of transposed convs): (B, C, H, W) → (B, C, 2H, 2W)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))
