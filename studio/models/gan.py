"""A spatio-temporal PatchGAN discriminator (3D convolutions) with the hinge loss.

Switched on by ``--gan``: it judges short clips patch by patch (real = held-in truth, fake = the generator's
output) and its adversarial gradient sharpens the VAE decoder and the predictors, whose MSE loss alone rewards
blur. Spectral norm keeps the discriminator Lipschitz so the tiny-batch training stays stable.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm


@dataclass
class GANConfig:
    base_channels: int = 32
    layers: int = 3  # each halves H and W; the receptive field covers ~1/4 of a 64² frame
    weight: float = 0.05  # adversarial term's weight in the generator loss (MSE stays the main signal)
    lr: float = 2e-4


class PatchDiscriminator3D(nn.Module):
    """(B, T, 3, H, W) in [0, 1] → logits (B, 1, T, H/2^layers, W/2^layers), one per space-time patch."""

    def __init__(self, cfg: GANConfig) -> None:
        super().__init__()
        c = cfg.base_channels
        layers: list[nn.Module] = []
        c_in = 3
        for i in range(cfg.layers):
            c_out = c * 2**i
            # Temporal kernel 3 with padding 1: T is kept, so even single frames (the VAE's T = 1) work.
            layers += [
                spectral_norm(nn.Conv3d(c_in, c_out, (3, 4, 4), (1, 2, 2), (1, 1, 1))),
                nn.LeakyReLU(0.2),
            ]
            c_in = c_out
        layers.append(spectral_norm(nn.Conv3d(c_in, 1, 3, padding=1)))
        self.net = nn.Sequential(*layers)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        return self.net(video.transpose(1, 2) * 2 - 1)  # (B, 3, T, H, W)


def d_hinge_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def g_hinge_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()
