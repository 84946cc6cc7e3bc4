"""New clips from a trained model: extend a clip, interpolate it (more frames per second), or morph one clip
into another; the result is an H.264 MP4 added to the project with where it came from (model, checkpoint,
inputs).

Provenance is stored on the project's ``Clip`` (``Clip.provenance``) and also in a sidecar
``<clip>.provenance.json`` beside the generated file, so it survives the clip being used in another project.
Models work at their training size (a small centre square, e.g. 64×64). Extended and interpolated clips are
lifted to the clip's own size (at most 1280×720) by detail transfer from its real frames
(:mod:`studio.models.fullsize`); ``square=True`` keeps the model's square, and morphs (two clips' latents
blended: no real frame shows their mix) stay square.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from studio import paths
from studio.errors import StudioError
from studio.models.checkpoint import Checkpoint, atomic_write_text, load_checkpoint
from studio.models.data import ClipSource, decode_clip, sources_from_clips, to_tensor, to_uint8
from studio.models.device import choose_device
from studio.models.locations import saved_project_path, work_folder
from studio.project.record import AttentionRecordWriter

OPERATIONS = {
    "extend": ("convlstm", "transformer"),
    "interpolate": (
        "interp",
        "transformer",
    ),  # interp: native size (studio.models.interp); none: its untrained path
    "morph": ("vae",),
}
CONTEXT_FRAMES = 8


@dataclass(frozen=True)
class GenerateResult:
    path: Path
    clip_id: str
    frames: int
    fps: float
    provenance: dict[str, Any]
    clip: Any = None  # the project Clip made for the file (studio.project.Clip), provenance included
    project_path: Path | None = None  # the project saved with the clip added (``generate``)


def _frames(model_out: torch.Tensor) -> np.ndarray:
    return to_uint8(model_out)  # (T, H, W, 3)


def run_model(
    ck: Checkpoint, op: str, inputs: list[np.ndarray], frames: int, factor: int, device
) -> np.ndarray:
    """The generated frames (T, H, W, 3) uint8 for ``op`` on decoded input clips (each (T, H, W, 3) uint8)."""
    if ck.kind not in OPERATIONS[op]:
        raise StudioError(
            f"a {ck.kind} checkpoint cannot {op}; use a {' or '.join(OPERATIONS[op])} checkpoint"
        )
    model = ck.model
    with torch.no_grad():
        if op == "extend":
            ctx = to_tensor(inputs[0][-CONTEXT_FRAMES:], device)[None]  # (1, C, 3, H, W)
            return _frames(model.extend(ctx, frames)[0])
        if op == "interpolate":
            if factor < 2:
                raise StudioError("the interpolation factor must be 2 or more")
            return _frames(model.interpolate(to_tensor(inputs[0], device)[None], factor)[0])
        a, b = inputs  # morph: the end of A turns into the start of B, both still playing
        pick_a = np.linspace(max(0, len(a) - frames), len(a) - 1, frames).round().astype(int)
        pick_b = np.linspace(0, min(frames, len(b)) - 1, frames).round().astype(int)
        return _frames(model.latent_morph(to_tensor(a[pick_a], device), to_tensor(b[pick_b], device), frames))


def _default_output(project_path: Path | None, name: str) -> Path:
    folder = work_folder(project_path) / "generated" if project_path else paths.cache_dir("generated")
    folder.mkdir(parents=True, exist_ok=True)
    n = 1
    while (folder / f"{name}-{n}.mp4").exists():
        n += 1
    return folder / f"{name}-{n}.mp4"


def generate_clip(
    project: Any,
    checkpoint: str | os.PathLike[str] | None,
    op: str,
    clip_refs: list[str],
    *,
    frames: int = 48,
    factor: int = 2,
    output: str | os.PathLike[str] | None = None,
    device: str = "auto",
    cancel: Any = None,
    square: bool = False,
) -> GenerateResult:
    """Run ``op`` ("extend" | "interpolate" | "morph") on the named clips of an in-memory ``project`` and
    write the MP4 and its provenance sidecar; the project is not changed (``result.clip`` is the Clip to
    add). Safe to call off the GUI thread: it only reads the project. ``cancel``: a CancelToken checked
    between the model run and the writing. ``checkpoint`` None: interpolate with the native interpolator
    untrained (full-resolution DIS flow), extend by continuing the clip's motion at its own size
    (provenance ``trustworthy_frames``), morph by a flow-carried cross-dissolve at A's size; a VAE checkpoint
    morphs in its latent space on its square."""
    if op not in OPERATIONS:
        raise StudioError(f"unknown operation {op!r}")
    if frames < 1:
        raise StudioError("--frames must be at least 1")
    sources: list[ClipSource] = [sources_from_clips(project.clips, [ref])[0] for ref in clip_refs]
    torch_device = choose_device(device)
    ck = load_checkpoint(checkpoint, torch_device) if checkpoint is not None else None
    if ck is None and op == "morph":  # at A's own size: flow-carried cross-dissolve (native_generate)
        from studio.models.native_generate import morph_clips

        out_frames = morph_clips(sources[0], sources[1], frames, torch_device)
        fps = project.clip(sources[0].id).fps
        extra = {"model": "flow morph (DIS)"}
        return _write_result(project, None, op, sources, out_frames, fps, 1, output, None, extra)
    if ck is None and op == "extend":  # at the clip's own size: its motion continued (native_generate)
        from studio.models.native_generate import extend_clip

        out_frames, trusted = extend_clip(sources[0], frames)
        result = _write_result(
            project,
            None,
            op,
            sources,
            out_frames,
            project.clip(sources[0].id).fps,
            1,
            output,
            None,
            {"model": "flow (DIS velocity traced)", "trustworthy_frames": trusted},
        )
        return result
    if ck is None or ck.kind == "interp":
        if op != "interpolate":
            raise StudioError(f"an interp checkpoint cannot {op}; it interpolates")
        from studio.models.native_generate import interpolate_clip

        clip = project.clip(sources[0].id)
        out_frames = interpolate_clip(ck.model if ck else None, sources[0], factor, torch_device, cancel)
        extra = {"model": "interp (untrained: DIS flow)"} if ck is None else None
        return _write_result(
            project, ck, op, sources, out_frames, clip.fps * factor, factor, output, None, extra
        )
    size = ck.model.cfg.image_size
    inputs = [decode_clip(src, (size, size)) for src in sources]
    capture = None
    if ck.kind == "transformer":  # its temporal attention goes into a record the attention viewer opens
        from studio.models.attention_capture import TemporalAttentionCapture

        capture = TemporalAttentionCapture(ck.model, op)
    with capture or contextlib.nullcontext():
        out_frames = run_model(ck, op, inputs, frames, factor, torch_device)
    if cancel is not None:
        cancel.raise_if_cancelled()
    if not square and op in ("extend", "interpolate"):
        out_frames = _full_size(out_frames, op, factor, inputs[0], sources[0], project.clip(sources[0].id))
    fps = project.clip(sources[0].id).fps * (factor if op == "interpolate" else 1)
    return _write_result(project, ck, op, sources, out_frames, fps, factor, output, capture)


def _write_result(project: Any, ck: Checkpoint | None, op: str, sources: list[ClipSource],
                  out_frames: np.ndarray, fps: float, factor: int, output: Any, capture: Any,
                  extra: dict[str, Any] | None = None) -> GenerateResult:  # fmt: skip
    """Write the MP4, its attention record (if captured) and provenance sidecar; the Clip for it."""
    from studio.media import VideoWriter, probe
    from studio.project import clip_from_info

    height, width = out_frames.shape[1:3]
    name = f"{sources[0].name}-{op}" if op != "morph" else f"{sources[0].name}-to-{sources[1].name}"
    project_path = Path(project.path) if getattr(project, "path", None) else None
    # absolute: the provenance (and its attention record's path) must not depend on the folder it ran in
    out_path = (Path(output) if output else _default_output(project_path, name)).absolute()
    with VideoWriter(out_path, width, height, fps) as writer:
        for frame in out_frames:
            writer.write(frame)
    provenance = {
        "operation": op,
        "model": ck.kind if ck else None,
        "checkpoint": str(ck.path.resolve()) if ck else None,
        "checkpoint_sha256": ck.manifest.get("sha256") if ck else None,
        "checkpoint_step": ck.step if ck else 0,
        "inputs": [{"clip_id": s.id, "name": s.name, "path": str(s.path)} for s in sources],
        "frames": int(len(out_frames)),
        "factor": factor if op == "interpolate" else None,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **(extra or {}),
    }
    if capture is not None and ck is not None:
        record = _write_attention(capture, op, len(out_frames), fps, out_path, sources[0], ck.kind)
        provenance["attention"] = str(record)
    atomic_write_text(json.dumps(provenance, indent=2), provenance_path(out_path))
    clip = clip_from_info(project.new_id("clip"), out_path, probe(out_path), name=out_path.stem)
    clip = dataclasses.replace(clip, provenance=provenance)
    return GenerateResult(out_path, clip.id, len(out_frames), fps, provenance, clip)


def generate(
    project_path: str | os.PathLike[str],
    checkpoint: str | os.PathLike[str],
    op: str,
    clip_refs: list[str],
    **options: Any,
) -> GenerateResult:
    """:func:`generate_clip` (``options``: its keywords) on a saved project, then the clip added to it and the
    project saved (the CLI)."""
    from studio.project import AddClip, load_project, save_project

    project_path = Path(project_path)
    project = load_project(project_path)
    result = generate_clip(project, checkpoint, op, clip_refs, **options)
    AddClip(result.clip).redo(project)
    saved = save_project(project, saved_project_path(project_path))
    return dataclasses.replace(result, project_path=saved)


def _full_size(out: np.ndarray, op: str, factor: int, seen: np.ndarray, source: ClipSource, clip: Any
               ) -> np.ndarray:  # fmt: skip
    """The generated squares at the clip's own size: each lifted from the real frame it grew from (the
    last context frame when extending; the nearest key when interpolating, whose own frames are exact)."""
    from studio.media import ClipReader
    from studio.models.fullsize import lift, output_size

    size = output_size(int(clip.width) or out.shape[2], int(clip.height) or out.shape[1])
    lifted = np.empty((len(out), size[1], size[0], 3), np.uint8)
    with ClipReader(source.path, size=size, fit="fill") as reader:  # the frames decode_clip saw, full size
        start = max(0, round(source.in_s * reader.fps))
        if op == "extend":
            last = reader.read(start + len(seen) - 1)
            for n, frame in enumerate(out):
                lifted[n] = lift(frame, seen[-1], last)
            return lifted
        for n, frame in enumerate(out):
            key = min(len(seen) - 1, round(n / factor))
            full = reader.read(start + key)
            lifted[n] = full if n % factor == 0 else lift(frame, seen[key], full)
    return lifted


def _write_attention(capture: Any, op: str, frames: int, fps: float, out_path: Path, source: ClipSource,
                     kind: str) -> Path:  # fmt: skip
    """The captured temporal attention as an attention record ``<clip>.attention/`` beside the clip: one row
    per output frame (an interpolation's copied keys: empty rows)."""
    rows: list[tuple[np.ndarray, np.ndarray]] = []
    for mask, shares, maps in capture.windows:
        if op == "extend":  # each window: its known context, then the frames it made
            first_new = mask.index(False) if False in mask else len(mask)
            rows.extend(zip(shares[first_new:], maps[first_new:], strict=True))
        else:  # interpolation windows start on the key the previous window ended on
            if not rows:
                rows.append((shares[0], maps[0]))
            rows.extend(zip(shares[1:], maps[1:], strict=True))
    rows = rows[:frames]
    columns = list(capture.columns)
    directory = out_path.with_name(out_path.stem + ".attention")
    writer = AttentionRecordWriter(
        directory, columns, [str(source.path)] * len(columns), fps, capture.stride,
        (capture.grid, capture.grid), {"model": kind, "operation": op}, frames,
    )  # fmt: skip
    with writer:
        for n, (shares, maps) in enumerate(rows):
            writer.append(n, range(len(columns)), shares, maps)
    return directory


def provenance_path(clip_path: Path) -> Path:
    return clip_path.with_name(clip_path.stem + ".provenance.json")
