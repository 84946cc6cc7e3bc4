"""A small convolutional VAE: RGB frames ↔ a latent at 1/8 resolution, KL-regularised with a small β.

Uses beyond reconstruction: :meth:`VAE.sample` (decode Gaussian noise), :meth:`VAE.latent_morph` (slerp
between two clips' latents), and :meth:`VAE.encode_features` — learned per-patch features at 1/8 resolution
that the attention engine can use as keys instead of its hand-made colour/gradient features.
Frames are float (B, 3, H, W) in [0, 1]; H and W multiples of 8.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.models.layers import Down, ResBlock, Up, group_norm


@dataclass
class VAEConfig:
    image_size: int = 64  # training/sampling size (square); any multiple of 8 works at inference
    base_channels: int = 32  # width at full resolution; doubles at 1/4 and 1/8
    latent_channels: int = 4
    beta: float = 1e-4  # small: we want sharp reconstructions, the KL only keeps the latent smooth for morphs


class VAE(nn.Module):
    kind = "vae"
    window = 1  # frames per training sample: the VAE works on single frames

    def __init__(self, cfg: VAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        c = cfg.base_channels
        widths = (c, c, 2 * c, 4 * c)  # full, 1/2, 1/4, 1/8
        self.feature_channels = widths[-1]
        enc: list[nn.Module] = [nn.Conv2d(3, c, 3, padding=1)]
        for w_in, w_out in zip(widths[:-1], widths[1:], strict=True):
            enc += [ResBlock(w_in, w_out), Down(w_out)]
        enc += [ResBlock(widths[-1], widths[-1]), group_norm(widths[-1]), nn.SiLU()]
        self.encoder = nn.Sequential(*enc)
        self.to_moments = nn.Conv2d(widths[-1], 2 * cfg.latent_channels, 1)
        dec: list[nn.Module] = [nn.Conv2d(cfg.latent_channels, widths[-1], 3, padding=1)]
        for w_in, w_out in zip(widths[:0:-1], widths[-2::-1], strict=True):
            dec += [ResBlock(w_in, w_out), Up(w_out)]
        dec += [
            ResBlock(widths[0], widths[0]),
            group_norm(widths[0]),
            nn.SiLU(),
            nn.Conv2d(widths[0], 3, 3, padding=1),
        ]
        self.decoder = nn.Sequential(*dec)

    # --- core -----------------------------------------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 3, H, W) in [0, 1] → mean, log-variance, each (B, L, H/8, W/8)."""
        moments = self.to_moments(self.encoder(x * 2 - 1))
        mean, logvar = moments.chunk(2, dim=1)
        return mean, logvar.clamp(-30, 20)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(B, L, H/8, W/8) → (B, 3, H, W), unclamped (the loss sees the raw values; callers clamp to [0,
        1])."""
        return (self.decoder(z) + 1) / 2

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mean, logvar = self.encode(x)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp() if self.training else mean
        return self.decode(z), mean, logvar

    def training_step(
        self, video: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, float], torch.Tensor, torch.Tensor]:
        """video (B, T, 3, H, W) → (loss, logged losses, prediction, target) with prediction/target (B, T,
        3, H, W)."""
        b, t = video.shape[:2]
        x = video.flatten(0, 1)  # (B*T, 3, H, W)
        recon, mean, logvar = self(x)
        rec = F.mse_loss(recon, x)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        loss = rec + self.cfg.beta * kl
        return loss, {"rec": rec.item(), "kl": kl.item()}, recon.view_as(video), video

    # --- uses -----------------------------------------------------------------------------------------------
    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) → (B, 3, H, W) in [0, 1] through the latent mean."""
        return self.decode(self.encode(x)[0]).clamp(0, 1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` frames (n, 3, S, S) decoded from N(0, I) latents at the training size S."""
        s = self.cfg.image_size // 8
        device = next(self.parameters()).device
        z = torch.randn(n, self.cfg.latent_channels, s, s, generator=generator).to(device)
        return self.decode(z).clamp(0, 1)

    @torch.no_grad()
    def latent_morph(self, a_frames: torch.Tensor, b_frames: torch.Tensor, steps: int) -> torch.Tensor:
        """``steps`` frames (steps, 3, H, W) going from clip A to clip B by spherical interpolation of
        latents.

        ``a_frames``/``b_frames`` are (N, 3, H, W) with N = 1 (a still morph between two frames) or N =
        steps (both clips keep playing while one turns into the other). Slerp, not lerp: Gaussian latents
        keep their norm.
        """
        za, zb = self.encode(a_frames)[0], self.encode(b_frames)[0]  # (N, L, h, w)
        t = torch.linspace(0, 1, steps, device=za.device)
        za = za.expand(steps, *za.shape[1:]) if len(za) == 1 else za
        zb = zb.expand(steps, *zb.shape[1:]) if len(zb) == 1 else zb
        return self.decode(slerp(za, zb, t)).clamp(0, 1)

    @torch.no_grad()
    def encode_features(self, frames: torch.Tensor) -> torch.Tensor:
        """Learned keys for the attention engine: (B, 3, H, W) in [0, 1] → (B, C, H/8, W/8), unit norm per
        patch.

        These are the encoder's last hidden features (C = 4 × base_channels), richer than the 4-channel
        latent; normalised so that −‖q − k‖² behaves like a cosine similarity whatever the image's contrast.
        """
        return F.normalize(self.encoder(frames * 2 - 1), dim=1)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of each sample's flattened latent: a, b (N, ...), t (N,) → (N, ...)."""
    fa, fb = a.flatten(1), b.flatten(1)
    na, nb = fa.norm(dim=1, keepdim=True), fb.norm(dim=1, keepdim=True)
    cos = ((fa / na.clamp_min(1e-8)) * (fb / nb.clamp_min(1e-8))).sum(1, keepdim=True).clamp(-1, 1)
    omega = torch.acos(cos)
    so = torch.sin(omega)
    t = t.view(-1, 1)
    near = so.abs() < 1e-4  # (almost) parallel: slerp → lerp
    wa = torch.where(near, 1 - t, torch.sin((1 - t) * omega) / so.where(~near, torch.ones_like(so)))
    wb = torch.where(near, t, torch.sin(t * omega) / so.where(~near, torch.ones_like(so)))
    return (wa * fa + wb * fb).view_as(a)
