"""Preview proxies: at most 540p, the source's frame grid one for one, every frame a keyframe, its cuts
known; made once per file (a touched file gets a new one), nothing left by a cancelled transcode, and the
cache kept under its size by dropping the least recently used."""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import av
import numpy as np
import pytest

from studio.media import ClipReader, probe, proxy
from studio.media.proxy import cached_proxy, evict, make_proxy, needs_proxy, proxy_file, proxy_size
from studio.media.shot_cache import cached_cuts
from tests import clipfactory


def _run(gen: Generator[float, None, Path]) -> tuple[list[float], Path]:
    progress = []
    while True:
        try:
            progress.append(next(gen))
        except StopIteration as done:
            return progress, done.value


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    """1280x720, 30 frames: above a 320x180 preview (cuts at 12 and 23: the pattern's blue jumps there)."""
    return clipfactory.make_clip(tmp_path / "big.mp4", width=1280, height=720, frames=30, gop=12)


def test_sizes() -> None:
    assert proxy_size(3840, 2160) == (960, 540)
    assert proxy_size(1080, 1920) == (540, 960)  # portrait: the short side is 540
    assert proxy_size(2048, 858) == (960, 402)  # scope: the long side bounds it, even sizes
    assert proxy_size(640, 360) == (640, 360)  # never upscaled
    assert needs_proxy(1280, 720, (320, 180)) and needs_proxy(3840, 2160, (1920, 1080))
    assert not needs_proxy(640, 360, (320, 180))  # no smaller than a proxy would be
    assert not needs_proxy(1280, 720, (1280, 720))  # no larger than the preview


def test_a_proxy_has_the_source_frames_one_for_one(source: Path) -> None:
    progress, made = _run(make_proxy(source))
    assert made == proxy_file(source) and made.parent.name == "proxies"
    assert progress == sorted(progress) and all(0 < p <= 1 for p in progress)
    info, small = probe(source), probe(made)
    assert (small.width, small.height, small.fps, small.frames) == (960, 540, info.fps, info.frames)
    assert small.audio is None
    with av.open(str(made)) as container:
        packets = [p for p in container.demux(container.streams.video[0]) if p.size]
        assert all(p.is_keyframe for p in packets)  # all-intra: any frame decodes on its own
    size = (320, 180)
    with ClipReader(source, fps=info.fps, size=size) as a, ClipReader(made, fps=info.fps, size=size) as b:
        assert a.frame_count == b.frame_count == 30
        for n in (0, 11, 12, 29):
            assert clipfactory.frame_index(b.read(n)) == n  # the same frame, not a neighbour
            assert np.abs(a.read(n).astype(int) - b.read(n).astype(int)).mean() < 3
    assert cached_cuts(source) == cached_cuts(made) == [12, 23]  # found on the way, for both files


def test_made_once_and_again_for_a_changed_file(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, first = _run(make_proxy(source))
    monkeypatch.setattr(proxy, "VideoWriter", None, raising=False)  # transcoding again would fail
    assert _run(make_proxy(source)) == ([], first)
    assert cached_proxy(source) == first
    monkeypatch.undo()
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert cached_proxy(source) is None
    progress, second = _run(make_proxy(source))
    assert progress and second != first and second.exists()


def test_a_cancelled_transcode_leaves_nothing(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("studio.media.shot_cache.PROGRESS_EVERY_S", 0.0)
    before = set(proxy_file(source).parent.iterdir())
    gen = make_proxy(source)
    next(gen)
    assert any(
        p.name.endswith(".mp4") and p.name.startswith(".") for p in proxy_file(source).parent.iterdir()
    )
    gen.close()  # what the job does when cancelled
    assert set(proxy_file(source).parent.iterdir()) == before
    assert cached_proxy(source) is None and cached_cuts(source) is None


def test_the_cache_drops_the_least_recently_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    clips = [
        clipfactory.make_clip(tmp_path / f"c{i}.mp4", width=1280, height=720, frames=6) for i in range(3)
    ]
    made = [_run(make_proxy(c))[1] for c in clips]
    for i, path in enumerate(made):  # used in the order 1, 0, 2 (atime marks use)
        os.utime(path, ns=(10**18 + [1, 0, 2][i] * 10**9, path.stat().st_mtime_ns))
    sizes = [p.stat().st_size for p in made]
    gone = evict(sum(sizes) - 1)
    assert gone == [made[1]]
    assert evict(0, keep=[made[2]]) == [made[0]] and made[2].exists()
