"""Learned keys for the attention (``EngineSettings.features = "vae"``): the project's trained VAE encoder.

A torch module, as ``studio.engine.generator`` is, so ``studio.engine.frame`` (torch-free at import: without
torch it falls back to the crossfade) imports both only when it builds a generator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.errors import StudioError
from studio.models.checkpoint import load_checkpoint
from studio.models.locations import find_checkpoint
from studio.models.vae_features import VAEPatchFeatures
from studio.project.model import Project


def use_learned_features(
    generator: Any, project: Project, on_warning: Callable[[str], None] | None = None
) -> bool:
    """Give ``generator`` the project's trained VAE encoder as its keys (``EngineSettings.features="vae"``).
    Without a trained VAE, or one that does not load, it keeps the hand-made features and says so."""
    path = find_checkpoint(project.path, ("vae",))
    reason = "no VAE is trained for this project yet (Training panel)" if path is None else None
    if path is not None:
        try:
            vae = load_checkpoint(path, generator.device).model
            generator.features = VAEPatchFeatures(vae, generator.stride).to(generator.device)
            return True
        except StudioError as exc:
            reason = str(exc)
    if on_warning is not None:
        on_warning(f"Learned features: {reason}; using the hand-made features")
    return False
