"""A local ``diffusers`` text-to-video pipeline folder: what it holds, whether the studio may load it, and
loading it without the network.

A model is a folder the user downloaded (``model_index.json`` + one sub-folder per component). The studio
never downloads: loading passes ``local_files_only=True`` and sets the Hugging Face libraries offline in this
process first, so a missing file is an error, not a fetch. Weights must be safetensors: a component whose
weights are only pickles (``*.bin``, ``*.pt``, ``*.ckpt``, ``*.pth``) is refused before anything is loaded,
since unpickling runs whatever code the file holds. Custom pipeline code in the folder is never run either
(only the pipeline classes in :data:`FAMILIES`).

:func:`inspect_model` reads only JSON and safetensors headers (no torch, no diffusers): the class found, the
size on disk and the parameter count, which says whether the weights fit the GPU's free memory.
"""

from __future__ import annotations

import json
import os
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import StudioError

PICKLE_SUFFIXES = (".bin", ".pt", ".ckpt", ".pth")
GIB = 2**30
FIT_MARGIN = 0.85  # of the free GPU memory the weights may take and still leave room for activations


@dataclass(frozen=True)
class Family:
    """A supported pipeline class's defaults (what its model cards recommend, steps a little lower)."""

    fps: float
    frames: int
    size: tuple[int, int]  # width, height
    steps: int
    guidance: float
    fps_argument: str | None = None  # the pipeline's own frame-rate argument, if it takes one


FAMILIES: dict[str, Family] = {
    "LTXPipeline": Family(25.0, 97, (704, 480), 30, 3.0, "frame_rate"),
    "WanPipeline": Family(16.0, 81, (832, 480), 30, 5.0),
    "CogVideoXPipeline": Family(8.0, 49, (720, 480), 30, 6.0),
}


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    pipeline_class: str
    components: dict[str, str]  # component name -> its class
    disk_bytes: int  # the safetensors files
    parameters: int  # elements in them (from the headers)
    stored_dtypes: tuple[str, ...] = field(default=())

    @property
    def family(self) -> Family:
        return FAMILIES[self.pipeline_class]

    def weights_bytes(self, dtype_bytes: int) -> int:
        """Memory the weights take once loaded at ``dtype_bytes`` per parameter."""
        return self.parameters * dtype_bytes

    def describe(self, fit: str = "") -> str:
        """One line: class, parameters, size on disk, and ``fit`` (from :func:`gpu_fit`)."""
        line = (
            f"{self.pipeline_class} ({self.path.name}): {_count(self.parameters)} parameters, "
            f"{_bytes(self.disk_bytes)} on disk"
        )
        return f"{line}; {fit}" if fit else line


def _count(n: int) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return str(n)


def _bytes(n: int) -> str:
    for unit, size in (("GiB", GIB), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def _safetensors_parameters(path: Path) -> tuple[int, set[str]]:
    """Parameter count and dtypes from a safetensors header (8-byte length, then JSON): no tensor is read."""
    try:
        with path.open("rb") as fh:
            (length,) = struct.unpack("<Q", fh.read(8))
            if length > 100 * 2**20:
                raise ValueError("header too large")
            header = json.loads(fh.read(length))
    except (OSError, ValueError, struct.error) as exc:
        raise StudioError(f"{path}: not a readable safetensors file ({exc})") from None
    count, dtypes = 0, set()
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        elements = 1
        for dim in entry.get("shape", []):
            elements *= int(dim)
        count += elements
        dtypes.add(str(entry.get("dtype", "?")))
    return count, dtypes


def inspect_model(folder: str | os.PathLike[str]) -> ModelInfo:
    """What the pipeline folder holds; a one-line StudioError when the studio will not load it."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise StudioError(f"{path}: no such model folder")
    index_file = path / "model_index.json"
    try:
        index = json.loads(index_file.read_text("utf-8"))
    except FileNotFoundError:
        raise StudioError(f"{path}: no model_index.json, not a diffusers pipeline folder") from None
    except (OSError, ValueError) as exc:
        raise StudioError(f"{index_file}: unreadable ({exc})") from None
    class_name = index.get("_class_name")
    if not isinstance(class_name, str):  # a list names custom code in the folder: never run
        raise StudioError(f"{path}: the pipeline is custom code ({class_name!r}); the studio does not run it")
    if class_name not in FAMILIES:
        supported = ", ".join(FAMILIES)
        raise StudioError(
            f"{path.name}: {class_name} is not a text-to-video pipeline the studio runs ({supported})"
        )
    components = {
        name: str(value[1])
        for name, value in index.items()
        if not name.startswith("_") and isinstance(value, list) and len(value) == 2 and value[1]
    }
    disk, parameters, dtypes = 0, 0, set()
    for name in components:
        sub = path / name
        if not sub.is_dir():
            continue
        safetensors = sorted(sub.rglob("*.safetensors"))
        pickles = sorted(p for p in sub.rglob("*") if p.suffix in PICKLE_SUFFIXES)
        if pickles and not safetensors:
            raise StudioError(
                f"{path.name}: {name}/ holds pickle weights only ({pickles[0].name}); "
                "the studio loads safetensors only"
            )
        for file in safetensors:
            disk += file.stat().st_size
            count, kinds = _safetensors_parameters(file)
            parameters += count
            dtypes |= kinds
    return ModelInfo(path, class_name, components, disk, parameters, tuple(sorted(dtypes)))


def go_offline() -> None:
    """The Hugging Face libraries in this process never reach the network (set before they are imported;
    patched in too if they already are)."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
        os.environ[name] = "1"
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        constants.HF_HUB_OFFLINE = True
        constants.HF_HUB_DISABLE_TELEMETRY = True


def torch_dtype_for(device: Any) -> Any:
    """bf16 on CUDA (fp16 where the GPU has no bf16), fp16 on Apple MPS, fp32 on the CPU."""
    import torch

    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def gpu_fit(info: ModelInfo, device: Any) -> tuple[bool | None, str]:
    """(fits, one phrase): the weights at the device's dtype against the GPU's free memory; None off CUDA."""
    import torch

    if device.type != "cuda":
        return None, f"runs on the {device.type.upper()} (no CUDA GPU in use)"
    dtype = torch_dtype_for(device)
    need = info.weights_bytes(torch.empty((), dtype=dtype).element_size())
    free, _total = torch.cuda.mem_get_info(device)
    name = torch.cuda.get_device_name(device)
    fits = need <= free * FIT_MARGIN
    verdict = "fits" if fits else "does not fit whole: CPU offload and VAE tiling"
    weights = f"{need / GIB:.1f} GiB of weights in {str(dtype).split('.')[-1]}"
    return fits, f"{weights}, {free / GIB:.1f} GiB free on {name}: {verdict}"


@dataclass
class LoadedPipeline:
    pipe: Any
    info: ModelInfo
    device: Any  # torch.device the pipeline computes on
    dtype: Any
    low_vram: bool  # CPU offload / VAE tiling and slicing on
    fit: str  # the gpu_fit phrase

    def describe(self) -> str:
        return self.info.describe(self.fit)

    def release(self) -> None:
        """Let the weights go and hand the allocator's cached GPU memory back (the preview wants it)."""
        import gc

        import torch

        self.pipe = None
        gc.collect()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()


def load_pipeline(
    folder: str | os.PathLike[str], device: str = "auto", low_vram: str = "auto"
) -> LoadedPipeline:
    """Load the pipeline in ``folder`` from its files alone. ``low_vram``: ``auto`` (when the weights do not
    fit the GPU's free memory), ``on`` or ``off``: model CPU offload (accelerate's hooks move each component
    to the GPU only while it runs) plus VAE tiling and slicing. Raises a one-line StudioError."""
    if low_vram not in ("auto", "on", "off"):
        raise StudioError(f"low-VRAM mode must be auto, on or off, not {low_vram!r}")
    info = inspect_model(folder)
    go_offline()
    try:
        import diffusers
    except ImportError:
        raise StudioError(
            "text-to-video needs the t2v extra: pip install 'attention-video-studio[t2v]'"
        ) from None
    from studio.models.device import choose_device

    target = choose_device(device)
    dtype = torch_dtype_for(target)
    fits, fit = gpu_fit(info, target)
    pipeline_class = getattr(diffusers, info.pipeline_class)
    # newer diffusers name it `dtype` (and warn on `torch_dtype`); older ones know only `torch_dtype`
    dtype_argument = (
        "dtype" if hasattr(diffusers.utils.deprecation_utils, "_resolve_dtype") else "torch_dtype"
    )
    try:
        pipe = pipeline_class.from_pretrained(
            str(info.path), local_files_only=True, use_safetensors=True, **{dtype_argument: dtype}
        )
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StudioError(f"{info.path.name}: could not load {info.pipeline_class}: {first}") from None
    low = target.type == "cuda" and (low_vram == "on" or (low_vram == "auto" and not fits))
    if low and _has_accelerate():
        pipe.enable_model_cpu_offload(device=target)
    else:
        pipe.to(target)
    if low:
        vae = getattr(pipe, "vae", None)
        for switch in ("enable_tiling", "enable_slicing"):
            if hasattr(vae, switch):
                getattr(vae, switch)()
    pipe.set_progress_bar_config(disable=True)  # progress goes through the studio's own callback
    return LoadedPipeline(pipe, info, target, dtype, low, fit)


def _has_accelerate() -> bool:
    try:
        import accelerate  # noqa: F401
    except ImportError:
        return False
    return True
