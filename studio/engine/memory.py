"""Will one frame fit? The synthesizer's own working-set figure against the memory this process can still
take, checked before a render (or its estimate) allocates anything.

``engine {patch 2, radius 64, window 16}`` at 160x90 passed 6 GiB in 7 s: the generator cuts its energies into
bands that fit (``max_tile_bytes``), but not the geometry of its search (candidates x patches: the radius,
the window and the patch against the output size). So a frame that cannot fit is refused, in one line
naming the settings to lower, rather than started and killed by the system.
"""

from __future__ import annotations

import os

import torch

from studio.engine.device import describe
from studio.errors import EngineError
from studio.project.model import Project
from studio.project.timemap import active_count

# The share of the free memory one frame's working set may take: the queues, the decoder and the encoder
# (and the window's preview, when it renders) need the rest.
MEMORY_SHARE = 0.8


def working_set(synthesizer: object, frames_shape: tuple[int, ...]) -> int | None:
    """Bytes one frame of ``synthesizer`` allocates for sources of ``frames_shape`` (K, T, H, W, 3), from
    its own arithmetic (nothing is allocated). The final quality runs the draft first, so the draft's need
    is the least it has. None for a synthesizer that does not say (the crossfade: a few frames' worth)."""
    draft = getattr(synthesizer, "draft", synthesizer)
    figure = getattr(draft, "working_set_bytes", None)
    return int(figure(tuple(frames_shape))) if callable(figure) else None


def free_memory(device: torch.device | str) -> int | None:
    """Bytes this process can still allocate on ``device``: the GPU's free memory; on the CPU the system's
    available memory or what the address-space limit (``ulimit -v``) leaves, whichever is less."""
    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    if device.type != "cpu":
        return None  # MPS shares the system's memory but does not say how much of it a process may take
    limits = [x for x in (_available_ram(), _address_space_left()) if x is not None]
    return min(limits) if limits else None


def check_memory(synthesizer: object, frames_shape: tuple[int, ...], device: torch.device | str) -> None:
    """An EngineError (one line) when one frame of ``synthesizer`` on sources of ``frames_shape`` needs
    more than :data:`MEMORY_SHARE` of what :func:`free_memory` says is left; nothing otherwise."""
    need = working_set(synthesizer, frames_shape)
    have = free_memory(device)
    if need is None or have is None or need <= have * MEMORY_SHARE:
        return
    _, t, height, width, _ = frames_shape
    radius = getattr(getattr(synthesizer, "config", None), "radius", "?")
    patch = getattr(synthesizer, "stride", "?")
    raise EngineError(
        f"refused: one frame needs ~{_gib(need)} (search radius {radius} patches, {t} frames of window, "
        f"patch {patch} px at {width}x{height}), more than the {_gib(have)} free on {describe(device)}: "
        "lower engine.radius or engine.window, raise engine.patch, or render smaller"
    )


def check_render_memory(project: Project, device: torch.device | str, synthesizer: object = None) -> None:
    """:func:`check_memory` for a render of ``project``: as many sources as are ever active at once, the
    temporal window's frames of each, at the output size. ``synthesizer`` defaults to the project's draft
    generator (built, which allocates nothing of note), whose figure the final quality's is at least."""
    settings = project.settings
    counts = active_count(project)
    sources = max(1, int(counts.max()) if len(counts) else 1)
    window = 2 * int(settings.engine.window) + 1
    if synthesizer is None:
        from studio.engine.generator import synthesizer_for  # noqa: PLC0415 - lazily, as make_synthesizer

        synthesizer = synthesizer_for(settings.engine, device=str(device))
    check_memory(synthesizer, (sources, window, int(settings.height), int(settings.width), 3), device)


def _available_ram() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not on this platform (macOS has no AVPHYS)
        return None


def _address_space_left() -> int | None:
    try:
        import resource  # noqa: PLC0415 - POSIX only
    except ImportError:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        used = 0  # no /proc: the limit itself is the best figure there is
    return max(0, soft - used)


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"
