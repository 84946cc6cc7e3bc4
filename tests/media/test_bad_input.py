"""Every way a user can hand us a bad file ends in a one-line MediaError with the reason: no crash or hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.errors import MediaError
from studio.media import ClipReader, decode_audio, probe, probe_safe, thumbnail
from tests import clipfactory


def _refused(path: Path, match: str) -> None:
    for call in (probe, probe_safe, ClipReader, thumbnail):
        with pytest.raises(MediaError, match=match) as caught:
            call(path)
        assert "\n" not in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    _refused(tmp_path / "gone.mp4", "gone.mp4: file not found")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "clips.mp4"
    folder.mkdir()
    _refused(folder, "is a folder")


def test_zero_bytes(tmp_path: Path) -> None:
    _refused(clipfactory.make_empty(tmp_path / "empty.mp4"), "empty")


def test_text_renamed_mp4(tmp_path: Path) -> None:
    _refused(clipfactory.make_text_as_video(tmp_path / "notes.mp4"), "not a media file")


def test_audio_only(audio_only_file: Path) -> None:
    _refused(audio_only_file, "has no video stream")


def test_still_image(still_png: Path, tmp_path: Path) -> None:
    _refused(still_png, "is a still image, not a video")
    _refused(clipfactory.make_still(tmp_path / "photo.jpg"), "is a still image")


def test_too_large_refused_before_decoding(tmp_path: Path) -> None:
    wide = clipfactory.make_clip(tmp_path / "wide.mp4", width=8200, height=16, frames=1)
    _refused(wide, "8200x16; the largest supported side is 8192")


def test_unreadable_file(h264_clip: Path, tmp_path: Path) -> None:
    locked = clipfactory.copy_clip(h264_clip, tmp_path / "locked.mp4")
    locked.chmod(0)
    try:
        try:
            locked.open("rb").close()
            pytest.skip("running as root: chmod 000 does not stop root from reading")
        except PermissionError:
            pass
        _refused(locked, "permission denied")
    finally:
        locked.chmod(0o644)


def test_truncated_without_index(h264_clip: Path, tmp_path: Path) -> None:
    """A plain MP4 keeps its index (moov) at the end: cut short, nothing can be read, and we say so."""
    cut = clipfactory.truncate_copy(h264_clip, tmp_path / "cut.mp4", 0.6)
    _refused(cut, "damaged/truncated")


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.55, 0.8, 0.97])
def test_truncated_faststart_reads_what_is_there(make_test_clip, tmp_path: Path, fraction: float) -> None:
    """Index first: the header promises 48 frames; we report the frames really present and read them all."""
    full = make_test_clip("faststart.mp4", faststart=True, gop=8, frames=48, audio=True)
    cut = clipfactory.truncate_copy(full, tmp_path / "cut.mp4", fraction)
    try:
        info = probe(cut)
    except MediaError as exc:  # too little left for even one frame: a clear refusal is fine
        assert fraction < 0.1, exc
        return
    assert 0 < info.frames <= 48
    if fraction <= 0.8:  # (the last 3% may hold only audio)
        assert info.frames < 48
    assert probe_safe(cut).frames == info.frames
    with ClipReader(cut) as reader:
        frames = list(reader.iter_frames())
        assert len(frames) == reader.frame_count
        shown = [clipfactory.frame_index(f) for f in frames]
        assert shown == sorted(shown) and shown[0] == 0  # in order, from the start, no garbage
        assert reader.read(10_000).shape == (48, 64, 3)  # past the end: clamps, no hang
    assert decode_audio(cut).shape[0] == 2
