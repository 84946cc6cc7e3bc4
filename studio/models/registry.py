"""Model kinds by name, their configs, and size presets (tiny for tests, small for CPU, base for a GPU)."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch.nn as nn

from studio.errors import StudioError
from studio.models.config_check import check_size, checked_values
from studio.models.convlstm import ConvLSTMConfig, ConvLSTMPredictor
from studio.models.interp import FlowInterpolator, InterpConfig
from studio.models.transformer import TransformerConfig, VideoTransformer
from studio.models.vae import VAE, VAEConfig

KINDS: dict[str, tuple[type[nn.Module], type]] = {
    "vae": (VAE, VAEConfig),
    "convlstm": (ConvLSTMPredictor, ConvLSTMConfig),
    "transformer": (VideoTransformer, TransformerConfig),
    "interp": (FlowInterpolator, InterpConfig),  # native resolution (studio.models.interp)
}

# Overrides of each config's defaults (the defaults are "base"). Sizes are multiples of 8 (the VAE's 1/8
# latent).
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "tiny": {
        "vae": {"image_size": 32, "base_channels": 16},
        "convlstm": {"image_size": 32, "base_channels": 8, "hidden_channels": 16, "layers": 1},
        "transformer": {"image_size": 32, "patch": 4, "dim": 64, "depth": 2, "heads": 4},
        "interp": {"channels": 16, "refine_channels": 8},
    },
    "small": {
        "vae": {"image_size": 64, "base_channels": 24},
        "convlstm": {"image_size": 64, "base_channels": 16, "hidden_channels": 32, "layers": 2},
        "transformer": {"image_size": 64, "patch": 8, "dim": 128, "depth": 3, "heads": 4},
        "interp": {"channels": 32, "refine_channels": 16, "scales": (8, 4)},  # 2 CPU cores: coarser blocks
    },
    "base": {"vae": {}, "convlstm": {}, "transformer": {}, "interp": {}},
}


def make_config(kind: str, preset: str = "small", **overrides: Any):
    """The config dataclass of ``kind`` with the preset's values, then ``overrides`` (e.g. image_size)."""
    if kind not in KINDS:
        raise StudioError(f"unknown model {kind!r}; choose one of {', '.join(KINDS)}")
    if preset not in PRESETS:
        raise StudioError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    return config_from_dict(kind, {**PRESETS[preset][kind], **overrides})


def config_from_dict(kind: str, values: dict[str, Any]):
    if not isinstance(kind, str) or kind not in KINDS:  # a manifest's kind may be anything, even a list
        raise StudioError(f"unknown model kind {kind!r}")
    cfg_cls = KINDS[kind][1]
    return cfg_cls(**checked_values(kind, cfg_cls, values))  # types and bounds: one line if wrong


def build_model(kind: str, cfg: Any) -> nn.Module:
    """The model of ``cfg``, after its size is checked on the meta device (one line if too large)."""
    model_cls = KINDS[kind][0]
    check_size(kind, model_cls, cfg)
    return model_cls(cfg)


def config_to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)
