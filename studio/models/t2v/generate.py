"""A new clip from a prompt with a loaded text-to-video pipeline (``studio.models.t2v.load.load_pipeline``).

Writes the H.264 MP4 through :class:`studio.media.VideoWriter` (atomic: a temp name, then renamed), the
provenance (model, prompt, seed, settings) in a ``<clip>.provenance.json`` sidecar (and on the project's clip,
:func:`clip_for`), and, when asked, the word-attention record (:mod:`~studio.models.t2v.word_attention`).

Frame counts: the video VAEs decode r·k + 1 frames (r: their temporal compression, 8 for LTX-Video, 4 for Wan
and CogVideoX); any other count is made as the next such count and trimmed. Sizes must be multiples of the
VAE's spatial compression times the transformer's patch (32 for LTX-Video, 16 for Wan and CogVideoX).

Progress: ``on_step(StepUpdate)`` after every denoising step (the pipeline's ``callback_on_step_end``), with
an ETA and, every ``preview_every`` steps, a rough picture of the latents' middle frame (their first three
channels, each stretched to 0–255: the layout of the picture, not its colours). ``cancel`` (a
``CancelToken``) is checked there too, so a cancel stops the run within one step.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from studio.errors import CancelToken, StudioError
from studio.models.checkpoint import atomic_write_text
from studio.models.t2v.load import LoadedPipeline
from studio.models.t2v.settings import StepUpdate, T2VSettings, parse_size

__all__ = ["StepUpdate", "T2VResult", "T2VSettings", "generate_video", "parse_size"]

OPERATION = "text-to-video"


def resolve_settings(settings: T2VSettings, loaded: LoadedPipeline) -> T2VSettings:
    """Defaults filled in from the model family, then checked (one-line StudioErrors)."""
    family = loaded.info.family
    done = dataclasses.replace(
        settings,
        prompt=settings.prompt.strip(),
        frames=settings.frames or family.frames,
        size=settings.size or family.size,
        steps=settings.steps or family.steps,
        guidance=family.guidance if settings.guidance is None else settings.guidance,
        fps=settings.fps or family.fps,
    )
    multiple, _step = video_geometry(loaded.pipe)
    width, height = done.size
    if not done.prompt:
        raise StudioError("the prompt is empty")
    if width <= 0 or height <= 0 or width % multiple or height % multiple:
        raise StudioError(
            f"--size must be multiples of {multiple} for {loaded.info.pipeline_class}, not {width}x{height}"
        )
    if done.frames < 1 or done.steps < 1:
        raise StudioError("--frames and --steps must be at least 1")
    if not 0 <= done.seed < 2**63:
        raise StudioError("--seed must be a non-negative integer")
    return done


@dataclass(frozen=True)
class T2VResult:
    path: Path
    frames: int
    fps: float
    width: int
    height: int
    provenance: dict[str, Any]
    attention: Path | None
    media: Any  # studio.media.MediaInfo of the written file


def video_geometry(pipe: Any) -> tuple[int, int]:
    """(pixels per video token along each side, output frames per latent frame after the first)."""
    spatial = getattr(pipe, "vae_spatial_compression_ratio", None) or getattr(
        pipe, "vae_scale_factor_spatial", 8
    )
    temporal = getattr(pipe, "vae_temporal_compression_ratio", None) or getattr(
        pipe, "vae_scale_factor_temporal", 4
    )
    denoiser = getattr(pipe, "transformer", None) or getattr(pipe, "unet", None)
    patch = getattr(getattr(denoiser, "config", None), "patch_size", 1) or 1
    patch = int(patch[-1]) if isinstance(patch, (tuple, list)) else int(patch)
    return int(spatial) * patch, int(temporal)


def frames_to_make(frames: int, step: int) -> int:
    """The smallest count the VAE decodes (step·k + 1) that holds ``frames``."""
    return step * math.ceil((frames - 1) / step) + 1 if frames > 1 else 1


def latent_preview(latents: torch.Tensor, grid: tuple[int, int], channels: int) -> np.ndarray | None:
    """The latents' middle frame as a rough RGB picture (h, w, 3) uint8; None for a layout not known here."""
    x = latents[-1].detach().float()
    if x.ndim == 2 and x.shape[0] % (grid[0] * grid[1]) == 0:  # packed (tokens, C): LTX-Video
        x = x.reshape(-1, grid[0], grid[1], x.shape[-1])
        picture = x[len(x) // 2]
    elif x.ndim == 4:  # (C, F, H, W): Wan; (F, C, H, W): CogVideoX
        x = x if x.shape[0] == channels else x.transpose(0, 1)
        picture = x[:, x.shape[1] // 2].permute(1, 2, 0)
    else:
        return None
    rgb = picture[..., :3].cpu().numpy()
    low, high = rgb.min(axis=(0, 1)), rgb.max(axis=(0, 1))
    return ((rgb - low) / np.maximum(high - low, 1e-6) * 255).round().astype(np.uint8)


def _text_length(pipe: Any) -> int | None:
    parameter = inspect.signature(pipe.__call__).parameters.get("max_sequence_length")
    return (
        None if parameter is None or parameter.default is inspect.Parameter.empty else int(parameter.default)
    )


def generate_video(
    loaded: LoadedPipeline,
    settings: T2VSettings,
    output: str | os.PathLike[str],
    *,
    attention: str | os.PathLike[str] | None = None,
    cancel: CancelToken | None = None,
    on_step: Callable[[StepUpdate], None] | None = None,
    preview_every: int = 4,
) -> T2VResult:
    """Make the clip at ``output`` (and the word-attention record at ``attention``, if given)."""
    from studio.media import VideoWriter, probe
    from studio.models.t2v.word_attention import PromptWords, WordAttentionCapture

    settings = resolve_settings(settings, loaded)
    pipe = loaded.pipe
    width, height = settings.size
    multiple, step = video_geometry(pipe)
    made = frames_to_make(settings.frames, step)
    grid = (height // multiple, width // multiple)
    capture = None
    if attention is not None:
        words = PromptWords.from_prompt(pipe.tokenizer, settings.prompt, _text_length(pipe))
        denoisers = [getattr(pipe, name, None) for name in ("transformer", "transformer_2", "unet")]
        capture = WordAttentionCapture(denoisers, words, grid)
    channels = int(getattr(getattr(pipe, "transformer", None), "config", {}).get("in_channels", 0) or 0)
    started = time.perf_counter()

    def step_end(_pipe: Any, index: int, _timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        if capture is not None:
            capture.next_step()
        if on_step is not None:
            done = index + 1
            elapsed = time.perf_counter() - started
            eta = elapsed / done * (settings.steps - done)
            show = done % max(1, preview_every) == 0 or done == settings.steps
            preview = (
                latent_preview(tensors["latents"], grid, channels) if show and "latents" in tensors else None
            )
            on_step(StepUpdate(done, settings.steps, elapsed, eta, preview))
        if cancel is not None:
            cancel.raise_if_cancelled()  # out of the pipeline's loop at the end of the step it came in
        return tensors

    call: dict[str, Any] = {
        "prompt": settings.prompt,
        "negative_prompt": settings.negative or None,
        "num_frames": made,
        "height": height,
        "width": width,
        "num_inference_steps": settings.steps,
        "guidance_scale": settings.guidance,
        "generator": torch.Generator(device="cpu").manual_seed(settings.seed),  # the same noise on any device
        "output_type": "np",
        "callback_on_step_end": step_end,
        "callback_on_step_end_tensor_inputs": ["latents"],
    }
    if loaded.info.family.fps_argument:
        call[loaded.info.family.fps_argument] = settings.fps
    if cancel is not None:
        cancel.raise_if_cancelled()
    if capture is not None:
        with capture:
            result = pipe(**call)
    else:
        result = pipe(**call)
    if cancel is not None:
        cancel.raise_if_cancelled()
    video = np.asarray(result.frames[0])[: settings.frames]
    frames = (np.clip(video, 0.0, 1.0) * 255).round().astype(np.uint8)
    out_path = Path(output)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with VideoWriter(out_path, width, height, settings.fps) as writer:
        for frame in frames:
            writer.write(frame)
    record = None
    if capture is not None and attention is not None:
        word_attention = capture.result(made, len(frames))
        record = word_attention.write(
            attention, settings.fps, multiple, out_path, _record_settings(loaded, settings)
        )
    provenance = _provenance(loaded, settings, len(frames), made, record)
    atomic_write_text(json.dumps(provenance, indent=2), provenance_path(out_path))
    return T2VResult(
        out_path, len(frames), float(settings.fps), width, height, provenance, record, probe(out_path)
    )


def _record_settings(loaded: LoadedPipeline, settings: T2VSettings) -> dict[str, Any]:
    return {
        "model": f"{loaded.info.pipeline_class} word attention",
        "operation": OPERATION,
        "rows": "words",  # what the record's "clips" are, for the viewer's description
        "prompt": settings.prompt,
        "normalisation": "per patch the words sum to 1; per frame the rows (words) sum to 1",
        "description": (
            f"Which words of “{settings.prompt}” {loaded.info.pipeline_class} attended to: the text→video "
            "cross-attention averaged over heads, layers and steps, per word (rows) per frame; at every "
            "patch the words sum to 1. Click a frame for its per-patch maps."
        ),
    }


def _provenance(loaded: LoadedPipeline, settings: T2VSettings, frames: int, made: int, record: Path | None
                ) -> dict[str, Any]:  # fmt: skip
    import diffusers

    prompt = settings.prompt if len(settings.prompt) <= 60 else settings.prompt[:57] + "…"
    provenance: dict[str, Any] = {
        "operation": OPERATION,
        "model": f"{loaded.info.pipeline_class} ({loaded.info.path.name})",
        "model_path": str(loaded.info.path.resolve()),
        "pipeline": loaded.info.pipeline_class,
        "parameters": loaded.info.parameters,
        "prompt": settings.prompt,
        "negative_prompt": settings.negative,
        "seed": settings.seed,
        "frames": frames,
        "frames_generated": made,
        "size": list(settings.size),
        "steps": settings.steps,
        "guidance": settings.guidance,
        "fps": settings.fps,
        "device": str(loaded.device),
        "dtype": str(loaded.dtype).split(".")[-1],
        "low_vram": loaded.low_vram,
        "diffusers": diffusers.__version__,
        "inputs": [{"name": f"the prompt “{prompt}”"}],  # what the library's tooltip says it came from
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if record is not None:
        provenance["attention"] = str(record.resolve())
    return provenance


def provenance_path(clip_path: Path) -> Path:
    return clip_path.with_name(clip_path.stem + ".provenance.json")


def clip_for(project: Any, result: T2VResult) -> Any:
    """The project Clip for a generated file, its provenance on it (add it with ``AddClip``)."""
    from studio.project import clip_from_info

    clip = clip_from_info(project.new_id("clip"), result.path, result.media, name=result.path.stem)
    return dataclasses.replace(clip, provenance=result.provenance)


def add_to_project(project_path: str | os.PathLike[str], result: T2VResult) -> tuple[str, Path]:
    """Add the clip to the saved project (one command, then saved): its id, and where the project was saved
    (``saved_project_path``: the shipped demo is saved as a copy in the user's data folder)."""
    from studio.models.locations import saved_project_path
    from studio.project import AddClip, load_project, save_project

    project = load_project(project_path)
    clip = clip_for(project, result)
    AddClip(clip).redo(project)
    return clip.id, save_project(project, saved_project_path(project_path))
