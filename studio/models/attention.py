"""Multi-head self-attention whose maths is a swappable *processor* (diffusers' ``set_attn_processor`` idea).

The default :class:`AttnProcessor` calls ``F.scaled_dot_product_attention`` (flash/memory-efficient kernels on
GPU, never materialises the weights). :class:`RecordingProcessor` computes the weights explicitly — the
same output up to float rounding — and keeps them per layer so the UI can show where each patch looked.
Swapping processors never touches the model's weights.
"""

from __future__ import annotations

from typing import Protocol

import torch
import torch.nn as nn
import torch.nn.functional as F


class Processor(Protocol):
    def __call__(self, attn: Attention, x: torch.Tensor) -> torch.Tensor: ...


class Attention(nn.Module):
    """(B, L, D) → (B, L, D); ``name`` is the layer's path in the model (set by the model, used as record
    key)."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not a multiple of heads {heads}")
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.processor: Processor = AttnProcessor()
        self.name = ""

    def split_heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, L, D) → q, k, v each (B, heads, L, D/heads)."""
        b, l, d = x.shape
        q, k, v = self.qkv(x).view(b, l, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        return q, k, v

    def merge_heads(self, y: torch.Tensor) -> torch.Tensor:
        """(B, heads, L, d) → (B, L, D) through the output projection."""
        b, h, l, d = y.shape
        return self.proj(y.transpose(1, 2).reshape(b, l, h * d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.processor(self, x)


class AttnProcessor:
    """The fast path: fused scaled-dot-product attention."""

    def __call__(self, attn: Attention, x: torch.Tensor) -> torch.Tensor:
        q, k, v = attn.split_heads(x)
        return attn.merge_heads(F.scaled_dot_product_attention(q, k, v))


class RecordingProcessor:
    """Explicit softmax(q kᵀ / √d) v; stores the weights (B, heads, L, L) float32 on the CPU per layer name.

    One instance can serve every layer (``model.set_attn_processor(RecordingProcessor())``); ``maps`` holds
    the last forward pass only, so memory stays bounded while the UI scrubs.
    """

    def __init__(self) -> None:
        self.maps: dict[str, torch.Tensor] = {}

    def __call__(self, attn: Attention, x: torch.Tensor) -> torch.Tensor:
        q, k, v = attn.split_heads(x)
        scale = q.shape[-1] ** -0.5
        weights = torch.softmax((q @ k.transpose(-2, -1)).float() * scale, dim=-1)
        self.maps[attn.name] = weights.detach().cpu()
        return attn.merge_heads(weights.to(v.dtype) @ v)

    def clear(self) -> None:
        self.maps.clear()


class AttentionMixin:
    """``attn_processors`` / ``set_attn_processor`` over every :class:`Attention` inside an ``nn.Module``."""

    def _attention_layers(self) -> dict[str, Attention]:
        return {name: m for name, m in self.named_modules() if isinstance(m, Attention)}  # type: ignore[attr-defined]

    @property
    def attn_processors(self) -> dict[str, Processor]:
        return {name: m.processor for name, m in self._attention_layers().items()}

    def set_attn_processor(self, processor: Processor | dict[str, Processor]) -> None:
        """One processor for all layers, or a dict naming every layer (as ``attn_processors`` lists them)."""
        layers = self._attention_layers()
        if isinstance(processor, dict):
            missing = set(layers) - set(processor)
            if missing:
                raise ValueError(f"no processor given for {sorted(missing)[0]}")
            for name, m in layers.items():
                m.processor = processor[name]
        else:
            for m in layers.values():
                m.processor = processor
