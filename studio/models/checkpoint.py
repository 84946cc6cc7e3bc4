"""Checkpoints: safetensors weights + a JSON manifest beside them; pickles are never loaded.

Layout of a checkpoint folder::

    checkpoint.json           the manifest (the commit point): kind, config, step, metrics, weights file
                              name, its SHA-256, every tensor's shape; training-state file and its SHA-256
    model-000120.safetensors  the model's weights (step-numbered: the manifest always names a whole file)
    state-000120.safetensors  optimiser (+ discriminator) state for ``--resume``

Writing: each safetensors file goes to a temp name and is ``os.replace``-d; then the manifest is replaced
the same way. A crash or cancel at any moment leaves the previous manifest naming the previous, complete
files. Loading refuses ``.pt/.pth/.ckpt/.pkl``, files starting with a pickle or zip magic, a SHA-256 that
does not match, and tensors whose names or shapes differ from the model the config builds — each with a
one-line StudioError. The manifest is data from wherever the folder came from: the files it names must lie
in its own folder, and its config is checked (types, bounds, the model's size on the meta device,
``config_check``) before the model is built.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from studio.errors import StudioError
from studio.models.locations import MANIFEST
from studio.models.registry import build_model, config_from_dict, config_to_dict
from studio.project.safe_json import read_json

FORMAT = "attention-video-studio-model"
VERSION = 1

MANIFEST_BYTES = 4 << 20  # a manifest lists tensor shapes: kilobytes; a bigger one is not ours
PICKLE_SUFFIXES = {".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".bin"}
_PICKLE_MAGICS = (b"\x80", b"PK\x03\x04")  # pickle protocol ≥ 2, and torch.save's zip container


@dataclass
class Checkpoint:
    model: nn.Module
    kind: str
    step: int
    manifest: dict[str, Any]
    path: Path  # the manifest


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_save_tensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".part")
    os.close(fd)
    try:
        save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def atomic_write_text(text: str, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def save_checkpoint(
    folder: str | os.PathLike[str],
    model: nn.Module,
    *,
    step: int,
    metrics: dict[str, float] | None = None,
    train_state: dict[str, torch.Tensor] | None = None,
    train_meta: dict[str, Any] | None = None,
) -> Path:
    """Write weights (+ training state) then the manifest, atomically; returns the manifest's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"model-{step:06d}.safetensors"
    state_dict = model.state_dict()
    _atomic_save_tensors(state_dict, weights)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "kind": model.kind,
        "config": config_to_dict(model.cfg),
        "step": step,
        "metrics": metrics or {},
        "weights": weights.name,
        "sha256": sha256_file(weights),
        "tensors": {k: list(v.shape) for k, v in state_dict.items()},
    }
    if train_state is not None:
        state = folder / f"state-{step:06d}.safetensors"
        _atomic_save_tensors(train_state, state)
        manifest.update(state=state.name, state_sha256=sha256_file(state), train=train_meta or {})
    atomic_write_text(json.dumps(manifest, indent=2), folder / MANIFEST)
    # Only now is the older pair unreferenced: remove it (keeps one checkpoint's worth of disk).
    keep = {manifest["weights"], manifest.get("state")}
    for old in [*folder.glob("model-*.safetensors"), *folder.glob("state-*.safetensors")]:
        if old.name not in keep:
            old.unlink(missing_ok=True)
    return folder / MANIFEST


def resolve_manifest(path: str | os.PathLike[str]) -> Path:
    """A checkpoint folder, its ``checkpoint.json``, or a weights file with the manifest beside it → the
    manifest."""
    path = Path(path)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise StudioError(
            f"{path.name}: pickle checkpoints (.pt/.pth/.ckpt) are not loaded; use a safetensors checkpoint"
        )
    try:
        if path.is_dir():
            path = path / MANIFEST
        elif path.suffix == ".safetensors":
            path = path.with_name(MANIFEST)
        found = path.exists()
    except OSError as exc:  # a name too long for the file system
        raise StudioError(f"no checkpoint at {str(path)[:60]}: {exc.strerror or exc}") from None
    if not found:
        raise StudioError(f"no checkpoint at {path}")
    return path


def _check_tensor_file(path: Path, expected_sha: str | None) -> None:
    if not path.is_file():
        raise StudioError(f"checkpoint file missing: {path}")
    with open(path, "rb") as fh:
        head = fh.read(9)
    if head.startswith(_PICKLE_MAGICS):
        raise StudioError(f"{path.name} is a pickle, not safetensors; refusing to load it")
    if len(head) < 9 or head[8:9] != b"{":  # safetensors: 8-byte header length, then a JSON header
        raise StudioError(f"{path.name} is not a safetensors file")
    if expected_sha is None or sha256_file(path) != expected_sha:
        raise StudioError(
            f"{path.name} does not match the SHA-256 in its checkpoint.json (modified or damaged)"
        )


def read_manifest(path: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    manifest_path = resolve_manifest(path)
    # a regular file, size-capped, depth-guarded (``[`` x 100000 was a RecursionError)
    manifest = read_json(
        manifest_path, what="checkpoint manifest", error=StudioError, max_bytes=MANIFEST_BYTES
    )
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise StudioError(f"{manifest_path}: not an Attention Video Studio checkpoint")
    if manifest.get("version") != VERSION:
        raise StudioError(f"{manifest_path}: checkpoint version {manifest.get('version')} is not supported")
    return manifest_path, manifest


def load_checkpoint(path: str | os.PathLike[str], device: torch.device | str = "cpu") -> Checkpoint:
    """Verify and load; the model is returned in eval mode on ``device``."""
    manifest_path, manifest = read_manifest(path)
    kind, step = manifest.get("kind"), manifest.get("step", 0)
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise StudioError(f"{manifest_path.name}: step: expected an integer >= 0, got {type(step).__name__}")
    config = manifest.get("config") or {}
    if not isinstance(config, dict):
        raise StudioError(f"{manifest_path.name}: config: expected an object, got {type(config).__name__}")
    config = dict(config)
    if kind == "transformer":  # saved before the flow guess existed: those weights learned a blend residual
        config.setdefault("guess", "blend")
        config.setdefault("blend_input", False)  # and before the blend was fed beside the flow guess
    weights = _inside_folder(manifest_path, manifest.get("weights"), "weights")
    try:  # types, bounds and the model's size are checked before anything is allocated
        model = build_model(kind, config_from_dict(kind, config))
    except StudioError as exc:
        raise StudioError(f"{manifest_path.name}: {exc}") from None
    except (ValueError, TypeError, AssertionError, ZeroDivisionError) as exc:  # the constructor's refusal
        raise StudioError(f"{manifest_path.name}: the {kind} config makes no model: {exc}") from None
    _check_tensor_file(weights, manifest.get("sha256"))
    tensors = _load_tensors(weights)
    expected = model.state_dict()
    if set(tensors) != set(expected):
        diff = sorted(set(tensors) ^ set(expected))[0]
        raise StudioError(f"{weights.name}: tensor {diff!r} does not match the {kind} model of its config")
    for name, value in tensors.items():
        if tuple(value.shape) != tuple(expected[name].shape):
            raise StudioError(
                f"{weights.name}: tensor {name!r} has shape {tuple(value.shape)}, "
                f"the model needs {tuple(expected[name].shape)}"
            )
    model.load_state_dict(tensors)
    model.to(device).eval()
    return Checkpoint(model=model, kind=kind, step=step, manifest=manifest, path=manifest_path)


def _inside_folder(manifest_path: Path, name: Any, what: str) -> Path:
    """The file the manifest names, which must lie in the checkpoint's own folder: a manifest pointing at
    ``../outside/...`` or an absolute path (a folder shared with a project could carry one) is refused."""
    if not isinstance(name, str) or not name:
        raise StudioError(f"{manifest_path.name}: {what}: expected a file name, got {type(name).__name__}")
    folder = manifest_path.parent.resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder):
        raise StudioError(
            f"{manifest_path.name}: {what} {name[:60]!r} lies outside the checkpoint's folder; not loaded"
        )
    return path


def _load_tensors(path: Path) -> dict[str, torch.Tensor]:
    """safetensors' own reading, its refusals (a damaged header whose SHA-256 was updated) one line."""
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise StudioError(f"{path.name} is not a readable safetensors file: {str(exc)[:120]}") from None


def load_train_state(manifest_path: Path, manifest: dict[str, Any]) -> dict[str, torch.Tensor] | None:
    """The optimiser/discriminator tensors saved for resuming, verified like the weights; None if absent."""
    if not manifest.get("state"):
        return None
    state = _inside_folder(manifest_path, manifest["state"], "state")
    _check_tensor_file(state, manifest.get("state_sha256"))
    return _load_tensors(state)
