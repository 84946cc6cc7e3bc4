"""What the preview engine renders with: the draft and final renderers and the small rules around them
(which device a project asks for, how a record is labelled, how a renderer is closed). Kept apart from the
worker's threading so that both read on their own."""

from __future__ import annotations

import dataclasses
from typing import Any

DRAFT, FINAL = "draft", "final"


def default_renderer_factory(project: Any, device: str) -> Any:
    from studio.engine.frame import FrameRenderer  # torch loads here, on the worker thread

    return FrameRenderer(project, device=device, quality=DRAFT)


def default_final_factory(project: Any, device: str) -> Any:
    """The refinement's renderer: its own readers and its own (final, seamless) synthesizer."""
    from studio.engine.frame import FrameRenderer

    return FrameRenderer(project, device=device, quality=FINAL)


def device_of(project: Any) -> str:
    return str(getattr(project.settings.engine, "device", "auto") or "auto")


def resolved_device(name: str) -> str:
    """The device ``name`` runs on, for the status bar (torch is loaded by now: the renderer imported it)."""
    from studio.engine.device import resolve_device

    return resolve_device(name)[0]


def frame_count(project: Any) -> int:
    return int(project.settings.frame_count)


def labelled(record: Any, quality: str) -> Any:
    """``record`` with ``quality`` set (a renderer that does not label its frames is labelled here)."""
    if getattr(record, "quality", quality) != quality and dataclasses.is_dataclass(record):
        return dataclasses.replace(record, quality=quality)
    return record


def close_renderer(renderer: Any) -> None:
    close = getattr(renderer, "close", None)
    if callable(close):
        close()
