"""Shared by the correspondence tests (no tests here): a real render of realistic footage, with its record,
and the RMS between an output patch and the source patch the record names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.engine.render import RenderJob
from studio.media import ClipReader, probe
from studio.project import (
    EngineSettings,
    GenerationSettings,
    ImportanceCurve,
    Placement,
    Project,
    clip_from_info,
)
from studio.project.trace import Contribution, TraceContext
from tests import footage
from tests.engine.test_render_support import decode_video

SIZE = (320, 180)  # the output; the clips are 480x270, so the render scales them (fit)
FRAMES = 12


@dataclass
class TracedRender:
    project: Project
    video: np.ndarray  # (F, H, W, 3) the encoded output, decoded again
    record: Path
    clips: list[Path]


def render_traced(folder: Path, quality: str = "final", crf: int = 14) -> TracedRender:
    """Two real clips (a pan, a push in) side by side for 0.5 s, rendered with an attention record.

    crf 14: the output's own encoding error stays ~2 levels, so what is measured is the correspondence."""
    folder.mkdir(parents=True, exist_ok=True)
    clips = [
        footage.pan_clip(folder / "pan.mp4", size=(480, 270), frames=FRAMES + 4),
        footage.zoom_clip(folder / "zoom.mp4", size=(480, 270), frames=FRAMES + 4),
    ]
    engine = EngineSettings(quality=quality, device="cpu")
    settings = GenerationSettings(
        duration=FRAMES / 24, fps=24.0, width=SIZE[0], height=SIZE[1], audio=False, crf=crf, engine=engine
    )
    project = Project(name="traced", settings=settings)
    for i, path in enumerate(clips):
        project.clips.append(clip_from_info(f"c{i}", path, probe(path)))
        project.placements.append(
            Placement(f"p{i}", f"c{i}", start=0.0, duration=FRAMES / 24, importance=ImportanceCurve())
        )
    out, record = folder / f"out-{quality}.mp4", folder / f"record-{quality}"
    RenderJob(project, out, attention_dir=record, device="cpu", preset="veryfast").run()
    return TracedRender(project, decode_video(out), record, clips)


class SourceFrames:
    """Source frames decoded the way the render read them (output size, the project's fit)."""

    def __init__(self, context: TraceContext) -> None:
        self.context = context
        self._readers: dict[int, ClipReader] = {}

    def frame(self, source: Contribution) -> np.ndarray:
        if source.column not in self._readers:
            self._readers[source.column] = ClipReader(
                source.clip_path, fps=source.fps, size=self.context.frame_size, fit=self.context.fit
            )
        return self._readers[source.column].read(source.frame)

    def close(self) -> None:
        for reader in self._readers.values():
            reader.close()


def patch_rms(output: np.ndarray, x: int, y: int, source: Contribution, frames: SourceFrames) -> float:
    """RMS between the output patch holding pixel (x, y) (the record's grid) and the source patch the record
    names for it (``source.patch``, in the source frame as the render read it)."""
    x0, y0, x1, y1 = source.patch
    s = frames.context.stride
    ox, oy = (x // s) * s, (y // s) * s
    a = output[oy : oy + (y1 - y0), ox : ox + (x1 - x0)].astype(np.float64)
    b = frames.frame(source)[y0:y1, x0:x1].astype(np.float64)
    if a.shape != b.shape:  # an edge patch named at the far edge of the source: compare what both have
        h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
        a, b = a[:h, :w], b[:h, :w]
    return float(np.sqrt(np.mean((a - b) ** 2)))
