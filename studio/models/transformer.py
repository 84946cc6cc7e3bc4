"""A video Transformer over per-frame patches with factorised space/time attention, trained by masked-frame
modelling: one model predicts (future frames masked) and interpolates (in-between frames masked).

Masked frames are not blank: they start as a training-free guess from the known frames and the network
predicts a correction (its head starts at zero), so an untrained model *is* that baseline and training only
adds what it misses. ``TransformerConfig.guess``: "flow" (default) — OpenCV DIS optical flow, interpolated
between the nearest known neighbours and extrapolated along the last known motion beyond them
(:func:`studio.models.baselines.flow_fill`, on CPU, ~0.5 ms per flow at 64²); "blend" — linear blend between
the nearest known neighbours, or a repeat of the last known one beyond them.

With the flow guess, each token also sees the linear blend of the same patch (``blend_input``, default on):
the two estimates fail in different places (flow at occlusions and where DIS latches onto the wrong motion,
the blend wherever anything moves more than a pixel), so the network learns where to trust which on top of
learning corrections. Checkpoints saved before this input existed load without it.

Each block: spatial attention within a frame → temporal attention across frames at each patch position → MLP.
Attention maths goes through swappable processors (see :mod:`studio.models.attention`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from studio.models import baselines
from studio.models.attention import Attention, AttentionMixin
from studio.models.data import to_tensor, to_uint8

GUESSES = ("blend", "flow")


@dataclass
class TransformerConfig:
    image_size: int = 64
    patch: int = 8  # pixels per patch side: (64/8)² = 64 tokens per frame
    max_frames: int = 12  # temporal positions; also the training window
    dim: int = 192
    depth: int = 4
    heads: int = 4
    mlp_ratio: int = 4
    known_loss_weight: float = (
        0.1  # known frames are copied in, but a little weight keeps their tokens honest
    )
    guess: str = "flow"  # the masked frames' starting point: "flow" (DIS optical flow) or "blend"
    blend_input: bool = True  # with guess="flow": each token also gets the blend guess's patch


class Block(nn.Module):
    """x (B, T, N, D) → (B, T, N, D): space attention, time attention, MLP, each pre-norm with a residual."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        d = cfg.dim
        self.norm_s, self.attn_s = nn.LayerNorm(d), Attention(d, cfg.heads)
        self.norm_t, self.attn_t = nn.LayerNorm(d), Attention(d, cfg.heads)
        self.norm_m = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, cfg.mlp_ratio * d), nn.GELU(), nn.Linear(cfg.mlp_ratio * d, d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, n, d = x.shape
        x = x + self.attn_s(self.norm_s(x).reshape(b * t, n, d)).view(b, t, n, d)  # within each frame
        xt = (
            self.norm_t(x).transpose(1, 2).reshape(b * n, t, d)
        )  # (B*N, T, D): one sequence per patch position
        x = x + self.attn_t(xt).view(b, n, t, d).transpose(1, 2)
        return x + self.mlp(self.norm_m(x))


_flow_pool: ThreadPoolExecutor | None = None


def _flow_fill_batch(windows: np.ndarray, mask: list[bool]) -> np.ndarray:
    """flow_fill over (B, T, H, W, 3) uint8 windows, in parallel: OpenCV releases the GIL inside DIS, and on
    a GPU this CPU step is what bounds training speed (a batch of 16 interpolation windows is ~80 flows)."""
    global _flow_pool
    if len(windows) == 1 or (os.cpu_count() or 1) == 1:
        return np.stack([baselines.flow_fill(w, mask) for w in windows])
    if _flow_pool is None:
        _flow_pool = ThreadPoolExecutor(max_workers=min(16, os.cpu_count() or 1), thread_name_prefix="flow")
    return np.stack(list(_flow_pool.map(lambda w: baselines.flow_fill(w, mask), windows)))


@torch.no_grad()
def initial_guess(video: torch.Tensor, known: torch.Tensor, mode: str = "blend") -> torch.Tensor:
    """Fill unknown frames of (B, T, 3, H, W); known frames kept exactly. "blend": lerp between the nearest
    known neighbours, else repeat the nearest. "flow": DIS flow per window on CPU (uint8, like the baseline),
    see :func:`studio.models.baselines.flow_fill`."""
    if mode == "flow":
        if not bool(known.any()):
            raise ValueError("at least one frame must be known")
        mask = known.tolist()
        u8 = to_uint8(video)  # (B, T, H, W, 3)
        flowed = to_tensor(_flow_fill_batch(u8, mask), video.device)
        return torch.where(known.view(1, -1, 1, 1, 1), video, flowed.to(video.dtype))
    if mode != "blend":
        raise ValueError(f"unknown guess {mode!r}; choose one of {', '.join(GUESSES)}")
    idx = torch.nonzero(known).flatten().tolist()
    if not idx:
        raise ValueError("at least one frame must be known")
    out = video.clone()
    for t in range(video.shape[1]):
        if known[t]:
            continue
        before = [i for i in idx if i < t]
        after = [i for i in idx if i > t]
        if before and after:
            p, q = before[-1], after[0]
            w = (t - p) / (q - p)
            out[:, t] = (1 - w) * video[:, p] + w * video[:, q]
        else:
            out[:, t] = video[:, before[-1] if before else after[0]]
    return out


class VideoTransformer(AttentionMixin, nn.Module):
    kind = "transformer"

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        if cfg.image_size % cfg.patch:
            raise ValueError("image_size must be a multiple of patch")
        if cfg.guess not in GUESSES:
            raise ValueError(f"unknown guess {cfg.guess!r}; choose one of {', '.join(GUESSES)}")
        self.cfg = cfg
        self.window = cfg.max_frames
        self.on_fill: Callable[[torch.Tensor], None] | None = None
        p, d = cfg.patch, cfg.dim
        n = (cfg.image_size // p) ** 2
        self.blend_input = cfg.blend_input and cfg.guess == "flow"  # with guess="blend" it would be a copy
        self.embed = nn.Linear((6 if self.blend_input else 3) * p * p, d)
        self.known_embed = nn.Embedding(2, d)  # tells a token whether its frame was given or guessed
        self.pos_space = nn.Parameter(torch.randn(1, 1, n, d) * 0.02)
        self.pos_time = nn.Parameter(torch.randn(1, cfg.max_frames, 1, d) * 0.02)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 3 * p * p)
        nn.init.zeros_(self.head.weight)  # start as the initial guess
        nn.init.zeros_(self.head.bias)
        for name, module in self.named_modules():
            if isinstance(module, Attention):
                module.name = name

    # --- patches --------------------------------------------------------------------------------------------
    def patchify(self, video: torch.Tensor) -> torch.Tensor:
        """(B, T, 3, H, W) → (B, T, N, 3·p·p)."""
        b, t, c, h, w = video.shape
        p = self.cfg.patch
        x = video.reshape(b, t, c, h // p, p, w // p, p).permute(0, 1, 3, 5, 2, 4, 6)
        return x.reshape(b, t, (h // p) * (w // p), c * p * p)

    def unpatchify(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """(B, T, N, 3·p·p) → (B, T, 3, H, W)."""
        b, t = x.shape[:2]
        p = self.cfg.patch
        x = x.reshape(b, t, h // p, w // p, 3, p, p).permute(0, 1, 4, 2, 5, 3, 6)
        return x.reshape(b, t, 3, h, w)

    # --- model ----------------------------------------------------------------------------------------------
    def forward(
        self, video: torch.Tensor, known: torch.Tensor, guess: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """video (B, T, 3, H, W) in [0, 1] (unknown frames' content is ignored), known (T,) bool, optional
        precomputed ``initial_guess`` → (output with known frames copied, raw guess + correction), both (B,
        T, 3, H, W)."""
        b, t, _, h, w = video.shape
        if t > self.cfg.max_frames or h != self.cfg.image_size or w != self.cfg.image_size:
            raise ValueError(
                f"expects ≤ {self.cfg.max_frames} frames of {self.cfg.image_size}², got {t} of {h}×{w}"
            )
        if guess is None:
            guess = initial_guess(video, known, self.cfg.guess)
        tokens = self.patchify(guess * 2 - 1)  # (B, T, N, 3·p·p)
        if self.blend_input:
            blend = self.patchify(initial_guess(video, known, "blend") * 2 - 1)
            tokens = torch.cat([tokens, blend], dim=-1)  # (B, T, N, 6·p·p)
        x = self.embed(tokens)  # (B, T, N, D)
        x = x + self.known_embed(known.long())[None, :, None] + self.pos_space + self.pos_time[:, :t]
        for block in self.blocks:
            x = block(x)
        delta = self.unpatchify(self.head(self.norm(x)), h, w)
        known_v = known.view(1, t, 1, 1, 1)
        return torch.where(known_v, video, guess + delta), guess + delta

    def training_step(self, video: torch.Tensor):
        """Random task per step (prediction with 1..T-1 known frames, 2× or 4× interpolation); loss on the
        unknown frames (+ a little on the known ones). Returns (loss, logs, predicted unknown, true
        unknown)."""
        known = random_mask(video.shape[1], video.device)
        video = video[:, : len(known)]  # interpolation windows end on a known frame, as at inference
        guess = initial_guess(video, known, self.cfg.guess)
        _, raw = self(video, known, guess)
        unknown = ~known
        # Each unknown frame's error relative to the initial guess's error on that frame: easy frames (2×
        # interpolation) and hard ones (8 ahead) pull equally, and 1.0 means "no better than the guess".
        with torch.no_grad():
            base = (guess - video).pow(2).mean(dim=(0, 2, 3, 4)).clamp_min(1e-5)  # (T,)
        err = (raw - video).pow(2).mean(dim=(0, 2, 3, 4))  # (T,)
        rel = (err / base)[unknown].mean()
        loss_k = err[known].mean()
        loss = rel + self.cfg.known_loss_weight * loss_k / base[unknown].mean()
        logs = {"masked": err[unknown].mean().item(), "known": loss_k.item(), "vs_guess": rel.item()}
        return loss, logs, raw[:, unknown], video[:, unknown]

    # --- uses -----------------------------------------------------------------------------------------------
    @torch.no_grad()
    def fill(self, video: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        """Known frames kept, the others generated: (B, T, 3, H, W) → same, clamped to [0, 1]."""
        out = self(video, known)[0].clamp(0, 1)
        if self.on_fill is not None:  # an attention capture (studio.models.attention_capture) reads it now
            self.on_fill(known)
        return out

    @torch.no_grad()
    def extend(self, frames: torch.Tensor, n: int) -> torch.Tensor:
        """Continue (B, C, 3, H, W) by ``n`` frames → (B, n, 3, H, W), in chunks that fit ``max_frames``."""
        t_max = self.cfg.max_frames
        context = max(1, min(frames.shape[1], t_max // 3))  # keep ≥ 2/3 of the window for new frames
        out = frames
        made = 0
        while made < n:
            ctx = out[:, -context:]
            k = min(n - made, t_max - ctx.shape[1])
            video = torch.cat([ctx, ctx[:, -1:].expand(-1, k, -1, -1, -1)], dim=1)
            known = torch.arange(video.shape[1], device=video.device) < ctx.shape[1]
            out = torch.cat([out, self.fill(video, known)[:, ctx.shape[1] :]], dim=1)
            made += k
        return out[:, frames.shape[1] :]

    @torch.no_grad()
    def interpolate(self, frames: torch.Tensor, factor: int) -> torch.Tensor:
        """(B, K, 3, H, W) → (B, (K-1)·factor + 1, …): ``factor - 1`` new frames between each pair."""
        keys_per_chunk = (self.cfg.max_frames - 1) // factor + 1
        if keys_per_chunk < 2:
            raise ValueError(f"factor {factor} does not fit a {self.cfg.max_frames}-frame window")
        pieces = [frames[:, :1]]
        for start in range(0, frames.shape[1] - 1, keys_per_chunk - 1):
            keys = frames[:, start : start + keys_per_chunk]
            span = (keys.shape[1] - 1) * factor + 1
            video = keys.new_zeros(keys.shape[0], span, *keys.shape[2:])
            video[:, ::factor] = keys
            known = torch.arange(span, device=keys.device) % factor == 0
            pieces.append(self.fill(video, known)[:, 1:])
        return torch.cat(pieces, dim=1)


def random_mask(t: int, device: torch.device | str) -> torch.Tensor:
    """Known-frames mask (T',) bool, T' <= T: half prediction (a random number of leading frames known,
    T' = T), a quarter each 2× and 4× interpolation (every 2nd / 4th frame known, T' ends on the last known
    frame)."""
    r = torch.rand(()).item()
    if r < 0.5:
        return torch.arange(t, device=device) < int(torch.randint(1, t, ()).item())
    factor = 2 if r < 0.75 else 4
    span = (t - 1) // factor * factor + 1
    return torch.arange(span, device=device) % factor == 0
