"""The end of a cluster render, on the driver: the segments joined as they are (``studio.media.concat``), the
audio mixed once for the whole timeline from every chunk's shares and muxed in there, and the attention
record assembled from the chunks' records.

The audio follows the picture (``studio.engine.audio_follow``): its gains are the shares of every output
frame, so it can only be mixed once the last chunk is in; mixed per chunk, its peak normalisation would
differ between chunks and its ~40 ms smoothing would click at every border.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from studio.engine.audio_follow import follow_audio_blocks
from studio.engine.cluster.tasks import ChunkOutcome
from studio.engine.folders import part_dir, replace_dir
from studio.errors import CancelToken
from studio.media.concat import concat_segments
from studio.project.model import Project
from studio.project.pins import record_pins
from studio.project.record import AttentionRecordReader, AttentionRecordWriter

AUDIO_RATE = 48000  # = studio.engine.render.AUDIO_RATE, the single-machine render's


def joined_shares(outcomes: Sequence[ChunkOutcome], n_clips: int) -> np.ndarray:
    """(frames, clips) float32: every chunk's shares (from its record) in output order."""
    parts = [AttentionRecordReader(o.record).shares() for o in outcomes]
    return np.concatenate(parts, axis=0) if parts else np.zeros((0, n_clips), np.float32)


def join_render(
    project: Project,
    outcomes: Sequence[ChunkOutcome],
    output: Path,
    *,
    attention_dir: Path | None = None,
    cancel: CancelToken | None = None,
) -> Path:
    """``output`` made of the chunks' segments (in order) with the project's audio; the attention record too,
    if asked for. Returns ``output``."""
    outcomes = sorted(outcomes, key=lambda o: o.chunk.start)
    shares = joined_shares(outcomes, len(project.clips))
    audio = None
    if project.settings.audio:
        audio = follow_audio_blocks(project, shares, sample_rate=AUDIO_RATE, cancel=cancel)
    record_tmp = assemble_record(project, outcomes, attention_dir) if attention_dir is not None else None
    try:
        path = concat_segments(
            [o.segment for o in outcomes],
            output,
            project.settings.fps,
            frames=[o.chunk.frames for o in outcomes],
            audio=audio,
            audio_rate=AUDIO_RATE,
        )
    except BaseException:
        if record_tmp is not None:  # all or nothing: no record of a video that was not written
            shutil.rmtree(record_tmp, ignore_errors=True)
        raise
    if record_tmp is not None and attention_dir is not None:
        replace_dir(record_tmp, attention_dir)
    return path


def assemble_record(project: Project, outcomes: Sequence[ChunkOutcome], target: Path) -> Path:
    """One attention record for the whole output from the chunks' records (each numbered from its chunk's
    start), complete in a temp folder beside ``target`` (returned): the caller swaps it in."""
    readers = [AttentionRecordReader(o.record) for o in outcomes]
    first = readers[0]
    total = sum(r.frames for r in readers)
    settings = {**first.settings, "synthesizer": outcomes[0].synthesizer}  # not the warm-up wrapper's name
    tmp = part_dir(target)
    writer = AttentionRecordWriter(
        tmp,
        first.clip_names,
        first.clip_paths,
        first.fps,
        first.stride,
        first.map_shape,
        settings,
        total,
        correspondence=first.context,
        pins=record_pins(project),
    )
    try:
        columns = np.arange(len(first.clip_names))
        n = 0
        for reader in readers:
            shares = reader.shares()
            for i in range(reader.frames):
                trace = reader.trace(i) if reader.has_correspondence else None
                writer.append(n, columns, shares[i], reader.maps(i), trace)
                n += 1
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return tmp
