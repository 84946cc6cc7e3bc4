"""Next-frame prediction in pixel space: CNN encoder → stacked ConvLSTM at 1/4 resolution → decoder.

The decoder predicts the *change* from the last frame (a residual), so an untrained model already behaves
like the
repeat-last baseline and training only has to learn motion. Trained on windows of ``window`` frames: the first
``context`` are fed as they are (teacher forcing), the rest from the model's own predictions (closed loop), so
the multi-frame rollouts of :meth:`ConvLSTMPredictor.extend` are what it practised.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.models.layers import Down, ResBlock, Up


@dataclass
class ConvLSTMConfig:
    image_size: int = 64
    base_channels: int = 32  # encoder width at 1/2; the ConvLSTM runs at 1/4 with 2× this
    hidden_channels: int = 64
    layers: int = 2
    kernel_size: int = 3
    window: int = 12  # frames per training sample
    context: int = 4  # of which fed as ground truth


class ConvLSTMCell(nn.Module):
    """(B, C_in, h, w) + state (h, c) each (B, C_hid, h, w) → new state; all four gates from one conv."""

    def __init__(self, c_in: int, c_hid: int, k: int) -> None:
        super().__init__()
        self.c_hid = c_hid
        self.gates = nn.Conv2d(c_in + c_hid, 4 * c_hid, k, padding=k // 2)

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None):
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.c_hid, *x.shape[2:])
            state = (zeros, zeros)
        h, c = state
        i, f, o, g = self.gates(torch.cat([x, h], dim=1)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, (h, c)


class ConvLSTMPredictor(nn.Module):
    kind = "convlstm"

    def __init__(self, cfg: ConvLSTMConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.window = cfg.window
        c = cfg.base_channels
        self.encoder = nn.Sequential(  # (B, 3, H, W) → (B, 2c, H/4, W/4)
            nn.Conv2d(3, c, 3, padding=1), ResBlock(c, c), Down(c), ResBlock(c, 2 * c), Down(2 * c)
        )
        self.cells = nn.ModuleList(
            ConvLSTMCell(2 * c if i == 0 else cfg.hidden_channels, cfg.hidden_channels, cfg.kernel_size)
            for i in range(cfg.layers)
        )
        self.decoder = nn.Sequential(  # (B, hidden, H/4, W/4) → (B, 3, H, W) change from the last frame
            nn.Conv2d(cfg.hidden_channels, 2 * c, 3, padding=1),
            ResBlock(2 * c, 2 * c),
            Up(2 * c),
            ResBlock(2 * c, c),
            Up(c),
            nn.Conv2d(c, 3, 3, padding=1),
        )
        nn.init.zeros_(self.decoder[-1].weight)  # start as repeat-last: Δ = 0
        nn.init.zeros_(self.decoder[-1].bias)

    def step(self, frame: torch.Tensor, states: list | None) -> tuple[torch.Tensor, list]:
        """One frame (B, 3, H, W) in [0, 1] → the prediction of the next one, and the new recurrent states."""
        x = self.encoder(frame * 2 - 1)
        states = states or [None] * len(self.cells)
        new_states = []
        for cell, st in zip(self.cells, states, strict=True):
            x, st = cell(x, st)
            new_states.append(st)
        return frame + self.decoder(x), new_states

    def rollout(self, video: torch.Tensor, context: int, total: int) -> torch.Tensor:
        """Feed ``video[:, :context]`` (B, T, 3, H, W), then own outputs; returns predictions of frames
        1..total-1."""
        preds, states = [], None
        frame = video[:, 0]
        for t in range(total - 1):
            pred, states = self.step(frame, states)
            preds.append(pred)
            frame = video[:, t + 1] if t + 1 < context else pred.clamp(0, 1)
        return torch.stack(preds, dim=1)  # (B, total-1, 3, H, W)

    def training_step(self, video: torch.Tensor):
        """video (B, T, 3, H, W) → (loss, logged losses, predictions, targets) for frames 1..T-1."""
        pred = self.rollout(video, self.cfg.context, video.shape[1])
        target = video[:, 1:]
        loss = F.mse_loss(pred, target)
        return loss, {"mse": loss.item()}, pred, target

    @torch.no_grad()
    def extend(self, frames: torch.Tensor, n: int) -> torch.Tensor:
        """Continue (B, T, 3, H, W) context by ``n`` predicted frames → (B, n, 3, H, W) in [0, 1]."""
        t = frames.shape[1]
        preds = self.rollout(torch.cat([frames, frames[:, -1:].expand(-1, n, -1, -1, -1)], 1), t, t + n)
        return preds[:, t - 1 :].clamp(0, 1)
