"""Where a generated frame looked: the video Transformer's temporal attention, captured during generation
and turned into the attention record format the window's attention viewer reads (studio.project.record).

A :class:`~studio.models.attention.RecordingProcessor` sits on every attention layer while the model fills
its windows; after each window the last block's *temporal* weights say, for every patch of every generated
frame, how much it drew on each known frame. The columns of the record are the known frames by their place
relative to the generated one ("key before" / "key after" / "other keys" when interpolating; "1 back" ...
"4 back" when extending), so rows from different windows line up; a known frame copied into the output (an
interpolation's keys) gets an empty row.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from studio.models.attention import RecordingProcessor

EXTEND_COLUMNS = ("1 back", "2 back", "3 back", "4 back", "earlier")
INTERPOLATE_COLUMNS = ("key before", "key after", "other keys")


def _extend_column(t: int, j: int, known: list[int]) -> int:
    """Known frame j seen from generated frame t while extending: how far before the last known one."""
    back = known[-1] - j
    return min(back, len(EXTEND_COLUMNS) - 1)


def _interpolate_column(t: int, j: int, known: list[int]) -> int:
    before = max((k for k in known if k < t), default=None)
    after = min((k for k in known if k > t), default=None)
    return 0 if j == before else 1 if j == after else 2


class TemporalAttentionCapture:
    """Install on a VideoTransformer for one generation: ``rows`` collects (shares (C,), maps (C, h, w))
    per output frame, in the order the model's ``fill`` calls produced them (the caller maps them to output
    frames)."""

    def __init__(self, model: torch.nn.Module, op: str) -> None:
        self.model = model
        self.columns = EXTEND_COLUMNS if op == "extend" else INTERPOLATE_COLUMNS
        self._column: Callable[[int, int, list[int]], int] = (
            _extend_column if op == "extend" else _interpolate_column
        )
        self.grid = model.cfg.image_size // model.cfg.patch
        self.stride = model.cfg.patch
        self.windows: list[tuple[list[bool], np.ndarray, np.ndarray]] = []  # (known, shares, maps) per fill
        self._recorder = RecordingProcessor()
        self._layer = f"blocks.{len(model.blocks) - 1}.attn_t"  # the last block's temporal attention
        self._before = model.attn_processors

    def __enter__(self) -> TemporalAttentionCapture:
        self.model.set_attn_processor(self._recorder)
        self.model.on_fill = self._after_fill
        return self

    def __exit__(self, *exc: object) -> None:
        self.model.set_attn_processor(self._before)
        self.model.on_fill = None

    def _after_fill(self, known: torch.Tensor) -> None:
        weights = self._recorder.maps[self._layer]  # (B * N, heads, T, T), B = 1
        n, t = self.grid * self.grid, weights.shape[-1]
        w = weights.mean(1).view(-1, n, t, t)[0]  # (N, T query, T key)
        mask = known.tolist()[:t]
        known_idx = [i for i, k in enumerate(mask) if k]
        c = len(self.columns)
        shares = np.zeros((t, c), np.float32)
        maps = np.zeros((t, c, self.grid, self.grid), np.float32)
        for q in range(t):
            if mask[q]:
                continue  # a known frame: copied, not generated
            per_known = w[:, q, known_idx]  # (N, K): mass on each known frame
            per_known = per_known / per_known.sum(1, keepdim=True).clamp_min(1e-12)
            for col_k, j in enumerate(known_idx):
                col = self._column(q, j, known_idx)
                maps[q, col] += per_known[:, col_k].view(self.grid, self.grid).numpy()
            shares[q] = maps[q].mean((1, 2))
        self.windows.append((mask, shares, maps))
