"""One output frame at a time, for the window: the Qt-free core the UI's engine worker hosts on its QThread.

``FrameRenderer.render(n)`` gives the frame and its attention record in *project-clip columns* (one column
per ``project.clips`` entry, whatever placements were active), which is what the heatmap and the record
store. Export (``RenderJob``) uses the same gathering and column code, so the preview and
the export agree pixel for pixel.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.engine.cpu_share import SHARE
from studio.engine.sources import Gathered, SourceGatherer
from studio.engine.synth import Crossfade, Synthesizer, SynthOutput, map_shape
from studio.engine.trace import to_project
from studio.project.model import Project
from studio.project.pins import pin_warnings
from studio.project.trace import TOP, empty_trace


@dataclass(frozen=True)
class RenderedFrame:
    n: int
    frame: np.ndarray  # (H, W, 3) uint8
    shares: (
        np.ndarray
    )  # (n_clips,) float32 in project-clip columns; sums to 1, or all 0 when nothing is active
    maps: np.ndarray  # (n_clips, h, w) float16 at patch resolution; sums to 1 over clips, or all 0
    clip_indices: np.ndarray  # (K,) int64: the columns of the sources that were active (repeats possible)
    quality: str = "draft"  # QUALITIES: which synthesis made it ("draft" real time, "final" seamless)
    # (TOP, h, w) TRACE_DTYPE in project terms (clip column, clip frame, x, y, weight): where each patch
    # came from (``studio.project.trace``); None: the synthesizer does not say
    trace: np.ndarray | None = None
    # (K, H, W) float32 in source order (as clip_indices): the synthesizer's per-pixel mix when it gave one
    # (SynthOutput.pixel_weights, for the mattes); None: patch level only (the maps)
    pixel_weights: np.ndarray | None = None


def make_synthesizer(
    project: Project,
    device: str = "auto",
    *,
    crossfade: bool = False,
    on_warning: Callable[[str], None] | None = None,
    quality: str | None = None,
) -> Synthesizer:
    """The synthesizer for the project's engine settings, or the crossfade (asked for / not built).

    ``quality``: "draft" (the real-time patch attention), "final" (the seamless pixel-level synthesis,
    ``studio.engine.seamless``); None takes the project's ``EngineSettings.quality`` (export and
    ``studio render``). The crossfade is the generator's exact degenerate case, so falling back keeps every
    contract (shapes, shares) and the app stays usable while the generator is missing.
    """
    if crossfade:
        return Crossfade(stride=int(project.settings.engine.patch))
    quality = quality or getattr(project.settings.engine, "quality", "draft")
    try:
        from studio.engine.generator import synthesizer_for
    except ImportError:
        return Crossfade(stride=int(project.settings.engine.patch))
    generator = synthesizer_for(
        project.settings.engine, device=device, seed=int(project.settings.seed), on_warning=on_warning
    )
    for message in pin_warnings(project) if on_warning is not None else ():
        on_warning(message)  # what no synthesizer can honour (a pin on the guide clip in guide mode)
    if getattr(project.settings.engine, "features", "handmade") == "vae":
        from studio.engine.learned import use_learned_features  # torch and the models, as the generator

        use_learned_features(generator, project, on_warning)
    if quality == "final":
        from studio.engine.seamless import SeamlessSynthesizer

        return SeamlessSynthesizer(generator)
    return generator


def on_cpu(device: str) -> bool:
    """Whether ``device`` means the torch engine runs on the CPU (False without torch: the crossfade)."""
    try:
        from studio.engine.device import choose_device  # torch
    except ImportError:
        return False
    return device == "cpu" or (device == "auto" and choose_device("auto").type == "cpu")


@contextlib.contextmanager
def cpu_threads(device: str, reserved: int, user: str = "preview") -> Iterator[None]:
    """torch's intra-op threads for ``user``'s share of the usable cores - ``reserved`` (at least 1) while
    the block runs on the CPU (:data:`studio.engine.cpu_share.SHARE`: engines running at once split them).

    Why: the render job decodes and encodes in threads beside the engine, and the preview shares the
    machine with the UI thread. torch's default (every core) then oversubscribes: on 2 cores an engine with
    2 threads costs ~1.4x the CPU time of one thread for ~1.3x the speed, and its workers spin while
    decode/encode want the core. Set and restored in the calling thread (OpenMP's setting is per thread).
    """
    if not on_cpu(device):
        yield
        return
    import torch

    SHARE.touch(user)
    before = torch.get_num_threads()
    torch.set_num_threads(SHARE.threads(reserved))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def shared_cpu_threads(device: str, reserved: int, user: str) -> Iterator[Callable[[], None]]:
    """For a long job on this thread (a render): ``user`` holds its share of the cores for the whole block;
    the yielded ``refresh()`` re-reads the share (call it per frame: a preview may start or stop meanwhile).
    No-op off the CPU."""
    if not on_cpu(device):
        yield lambda: None
        return
    import torch

    before = torch.get_num_threads()
    SHARE.enter(user)

    def refresh() -> None:
        wanted = SHARE.threads(reserved)
        if torch.get_num_threads() != wanted:  # only on change: a new count rebuilds OpenMP's pool
            torch.set_num_threads(wanted)

    try:
        refresh()
        yield refresh
    finally:
        SHARE.leave(user)
        torch.set_num_threads(before)


def to_columns(out: SynthOutput, clip_indices: np.ndarray, n_clips: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum the K sources' shares and maps into project-clip columns (two placements of one clip add up)."""
    shares = np.zeros(n_clips, np.float32)
    np.add.at(shares, clip_indices, out.shares.astype(np.float32))
    maps = np.zeros((n_clips, *out.maps.shape[1:]), np.float32)
    np.add.at(maps, clip_indices, out.maps.astype(np.float32))
    return shares, maps.astype(np.float16)


def synthesize(
    synth: Synthesizer,
    gathered: Gathered,
    n_clips: int,
    size: tuple[int, int],
    *,
    quality: str = "draft",
) -> RenderedFrame:
    """Run the synthesizer on gathered sources; nothing active -> black, all-zero shares. ``quality`` only
    labels the result (the synthesizer decides the pixels)."""
    w, h = size
    if gathered.inp is None:
        mh, mw = map_shape(h, w, synth.stride)
        return RenderedFrame(
            n=gathered.n,
            frame=np.zeros((h, w, 3), np.uint8),
            shares=np.zeros(n_clips, np.float32),
            maps=np.zeros((n_clips, mh, mw), np.float16),
            clip_indices=gathered.clip_indices,
            quality=quality,
            trace=empty_trace((TOP, mh, mw)),
        )
    out = synth(gathered.inp)
    shares, maps = to_columns(out, gathered.clip_indices, n_clips)
    trace = getattr(out, "trace", None)
    if trace is not None:
        trace = to_project(trace, gathered.clip_indices, gathered.source_frames)
    pixels = getattr(out, "pixel_weights", None)
    return RenderedFrame(gathered.n, out.frame, shares, maps, gathered.clip_indices, quality, trace, pixels)


class FrameRenderer:
    """Renders single output frames on demand, fast when called for n, n+1, n+2, ... (playback).

    Readers stay open and the synthesizer keeps its temporal state between consecutive frames; any other jump
    (seek, scrub, loop back) resets that state so a frame never depends on what was shown before the jump.
    Not thread-safe: the engine worker calls it from its one thread.

    ``quality``: "draft" (default: the window plays and scrubs in real time whatever the project exports),
    "final" (the engine worker's refinement of a paused frame), None = the project's ``engine.quality``.
    With an explicit ``synthesizer`` it only labels the frames.

    What its synthesizer warns of (a device fallback, learned features missing) is kept in ``warnings``,
    each message once; ``take_warnings()`` hands over those not taken yet (the engine worker, after a frame).
    """

    def __init__(
        self,
        project: Project,
        *,
        device: str = "auto",
        synthesizer: Synthesizer | None = None,
        quality: str | None = "draft",
    ) -> None:
        self._device = device
        self._quality_arg = quality
        self.warnings: list[str] = []
        self._taken = 0
        self.quality = str(quality or getattr(project.settings.engine, "quality", "draft"))
        self._own_synth = synthesizer is None
        self._synth = synthesizer if synthesizer is not None else self._make_synth(project)
        self._gatherer = SourceGatherer(project)
        self._project = project
        self._last: int | None = None
        self._memory_checked = False  # the preview too refuses a frame that cannot fit (engine.memory)

    def _make_synth(self, project: Project) -> Synthesizer:
        return make_synthesizer(project, self._device, quality=self._quality_arg, on_warning=self._warn)

    def _warn(self, message: str) -> None:
        if message not in self.warnings:  # a synthesizer rebuilt after an edit says it again: once is enough
            self.warnings.append(message)

    def take_warnings(self) -> list[str]:
        """The warnings since the last call."""
        new, self._taken = self.warnings[self._taken :], len(self.warnings)
        return new

    def _engine_key(self, project: Project) -> Any:
        """The engine settings the synthesizer depends on: a fixed quality ignores the project's (an export
        setting), so switching the export quality rebuilds nothing here."""
        engine = project.settings.engine
        if self._quality_arg is not None and dataclasses.is_dataclass(engine) and hasattr(engine, "quality"):
            return dataclasses.replace(engine, quality=self._quality_arg)
        return engine

    @property
    def project(self) -> Project:
        return self._project

    @property
    def synthesizer(self) -> Synthesizer:
        return self._synth

    @property
    def frame_count(self) -> int:
        return int(self._project.settings.frame_count)

    @property
    def last(self) -> int | None:
        """The frame rendered last since the temporal state was started (None: the next render resets).
        Rendering ``last + 1`` continues that state; the worker's refinement warms up from here."""
        return self._last

    def set_project(self, project: Project) -> None:
        """After an edit: reopen only the readers that changed; rebuild the generator if its settings did."""
        old_key = self._engine_key(self._project)
        self._project = project
        self._gatherer.set_project(project)
        if self._quality_arg is None:
            self.quality = str(getattr(project.settings.engine, "quality", "draft"))
        if self._own_synth and self._engine_key(project) != old_key:
            self._synth = self._make_synth(project)
        self._last = None  # the edit may change any frame: the next one starts fresh
        self._memory_checked = False  # the size, the settings or the clips at once may have changed

    def render(self, n: int) -> RenderedFrame:
        if n < 0:
            raise IndexError(f"frame {n} is before the start")
        if not self._memory_checked:  # one line naming the settings to lower, not the system's OOM killer
            from studio.engine.memory import check_render_memory  # noqa: PLC0415 - torch lazily, as make_synthesizer

            check_render_memory(self._project, getattr(self._synth, "device", "cpu"), self._synth)
            self._memory_checked = True
        if self._last is None or n != self._last + 1:
            self._synth.reset()
        gathered = self._gatherer.gather(n)
        for message in self._gatherer.masks.warnings:  # a missing mask picture, said once
            self._warn(message)
        with cpu_threads(self._device, reserved=1):  # the UI thread keeps a core
            result = synthesize(
                self._synth, gathered, len(self._project.clips), self._gatherer.size, quality=self.quality
            )
        self._last = n
        return result

    def close(self) -> None:
        self._gatherer.close()
        self._last = None

    def __enter__(self) -> FrameRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
