"""The preview's sound, Qt-free: the export's attention-following mix (``audio_follow``) made one span of
output time at a time, while the picture plays. ``audio_ring`` carries it to a sound device, ``audio_feed``
runs it on a thread of its own.

Gains are the render job's: ``frame_gains`` of the placement timeline and a (frames, clips) shares table,
per sample by ``voice_block``. The table starts as the importance curves' expected shares (importance
normalised per frame: what the crossfade gives, and what the generator is pulled towards) and a row becomes
the frame's real shares once the preview engine has rendered it (``set_shares``), so the sound follows what
is shown, and is already close before.

Level: the export scales its whole mix once by its peak; a preview cannot look ahead, so it scales by the
loudest clip's peak: the shares of a frame sum to at most 1, so the mix never exceeds it (no clipping, and
no pumping from a gain that changes block to block). Mute and solo multiply a clip's gains by 0; the others
keep their level (nothing is redistributed, as on a mixing desk).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np

from studio.engine.audio_follow import (
    PEAK_LIMIT,
    SMOOTH_S,
    PlacementTimeline,
    frame_gains,
    placement_timeline,
    voice_block,
)
from studio.project.model import Project
from studio.project.timemap import importance_matrix

PREVIEW_RATE = 48000  # the export's rate (AUDIO_RATE) and every sound device's native one


def expected_shares(project: Project) -> np.ndarray:
    """(frames, clips) float32: each frame's importance normalised over its clips (0 where none is active)."""
    importance = importance_matrix(project).astype(np.float64)
    total = importance.sum(axis=1, keepdims=True)
    shares = np.divide(importance, total, out=np.zeros_like(importance), where=total > 0)
    return shares.astype(np.float32)


def frame_samples(frame: float, fps: float, sample_rate: int) -> int:
    """The output sample where (possibly fractional) output frame ``frame`` begins."""
    return round(frame * sample_rate / fps)


class PreviewMixer:
    """Mixes any span of output samples: ``mix(start, stop)``, the same sound however the spans are cut.

    Built off the GUI thread (the placement timeline costs ~10 us per frame and placement)."""

    def __init__(
        self,
        project: Project,
        audio: Mapping[Path, np.ndarray] | None = None,
        *,
        sample_rate: int = PREVIEW_RATE,
        channels: int = 2,
    ) -> None:
        self.project = project
        self.fps = float(project.settings.fps)
        self.sample_rate, self.channels = int(sample_rate), int(channels)
        self.frames = int(project.settings.frame_count)
        self.timeline = placement_timeline(project, self.frames)
        self.shares = expected_shares(project)
        self.clip_ids = [c.id for c in project.clips]
        self._column = np.array([project.clip_index(p.clip_id) for p in project.placements], np.int64)
        self._gates = np.ones(len(project.clips), np.float64)  # 0: muted (or another clip soloed)
        self._audio: dict[int, np.ndarray] = {}  # placement index -> its clip's (C, n) audio
        self._scale = 1.0
        self.set_audio(audio or {})

    @property
    def audible(self) -> bool:
        """Whether any placement has sound (its clip's audio decoded)."""
        return bool(self._audio)

    def set_audio(self, audio: Mapping[Path, np.ndarray]) -> None:
        """The decoded sound of the clips (by file); clips not in it are silent until they are."""
        self._audio = {}
        peak = 0.0
        for p, placement in enumerate(self.project.placements):
            clip = self.project.clip(placement.clip_id)
            track = audio.get(Path(clip.path))
            if clip.has_audio and track is not None and track.shape[1] and track.shape[0] == self.channels:
                self._audio[p] = track
                peak = max(peak, float(np.abs(track).max()))
        self._scale = PEAK_LIMIT / peak if peak > PEAK_LIMIT else 1.0

    def set_shares(self, n: int, shares: np.ndarray) -> None:
        """Frame ``n``'s real shares (project-clip columns), from the preview engine."""
        shares = np.asarray(shares, np.float32)
        if 0 <= n < self.frames and shares.shape == (self.shares.shape[1],):
            self.shares[n] = shares

    def set_gates(self, muted: Collection[str] = (), solo: Collection[str] = ()) -> None:
        """Mute and solo by clip id: with any clip soloed only the soloed ones sound; muted never do."""
        self._gates = np.array(
            [0.0 if cid in muted or (solo and cid not in solo) else 1.0 for cid in self.clip_ids], np.float64
        )

    def mix(self, start: int, stop: int) -> np.ndarray:
        """(C, stop - start) float32: the output's sound on output samples [start, stop) at speed 1."""
        out = np.zeros((self.channels, max(0, stop - start)), np.float32)
        if stop <= start or not self._audio:
            return out
        # The frames whose gains reach the span: the smoothing's margin and one frame centre either side.
        reach = (max(1, round(SMOOTH_S * self.sample_rate)) + 2) / self.sample_rate * self.fps
        first = max(0, math.floor(start / self.sample_rate * self.fps - reach) - 2)
        last = min(self.frames, math.ceil(stop / self.sample_rate * self.fps + reach) + 2)
        if first >= last:
            return out
        part = PlacementTimeline(self.timeline.source_time[first:last], self.timeline.importance[first:last])
        gains = frame_gains(self.project, part, self.shares[first:last])
        gains *= self._gates[self._column][None, :]
        for p, audio in self._audio.items():
            if not np.any(gains[:, p] > 0):
                continue
            placement = self.project.placements[p]
            clip = self.project.clip(placement.clip_id)
            track, gain = voice_block(
                audio, clip, placement, gains[:, p], self.fps, self.sample_rate, start, stop, first
            )
            out += track * gain
        if self._scale != 1.0:
            out *= np.float32(self._scale)
        return out
