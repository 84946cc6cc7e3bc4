"""HDR clips (PQ and HLG, 10-bit BT.2020) are tone-mapped to SDR as the ffmpeg CLI's zscale+tonemap recipe
does; SDR clips are untouched."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
import pytest

from studio.media import ClipReader, probe, probe_safe

W, H, BLOCK = 128, 64, 16
TRANSFERS = {"pq": 16, "hlg": 18}  # AVColorTransferCharacteristic
RECIPE = (
    "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,"
    "zscale=t=bt709:m=bt709:r=tv,format=gbrpf32le"
)


def _write_hdr(path: Path, transfer: str) -> Path:
    """Blocks of legal BT.2020 colours (non-linear R'G'B' in [0.03, 0.97]), as 10-bit limited-range YUV."""
    rng = np.random.default_rng(7)
    rgb = rng.uniform(0.03, 0.97, (H // BLOCK, W // BLOCK, 3))
    kr, kb = 0.2627, 0.0593  # BT.2020 non-constant luminance
    y = kr * rgb[..., 0] + (1 - kr - kb) * rgb[..., 1] + kb * rgb[..., 2]
    cb, cr = (rgb[..., 2] - y) / (2 * (1 - kb)), (rgb[..., 0] - y) / (2 * (1 - kr))
    planes = [
        np.kron(np.rint(64 + 876 * y), np.ones((BLOCK, BLOCK))),
        np.kron(np.rint(512 + 896 * cb), np.ones((BLOCK // 2, BLOCK // 2))),
        np.kron(np.rint(512 + 896 * cr), np.ones((BLOCK // 2, BLOCK // 2))),
    ]
    trc = TRANSFERS[transfer]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx265", rate=24)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p10le"
        stream.options = {"crf": "4", "x265-params": "log-level=error"}
        ctx = stream.codec_context
        ctx.color_primaries, ctx.color_trc, ctx.colorspace, ctx.color_range = 9, trc, 9, 1  # BT.2020, limited
        for n in range(3):
            frame = av.VideoFrame(W, H, "yuv420p10le")
            for plane, data in zip(frame.planes, planes, strict=True):
                view = np.frombuffer(plane, np.uint16).reshape(plane.height, plane.line_size // 2)
                view[:, : data.shape[1]] = data.astype(np.uint16)
            frame.pts = n
            frame.colorspace, frame.color_range, frame.color_trc, frame.color_primaries = 9, 1, trc, 9
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _interiors() -> np.ndarray:
    """Block centres: chroma upsampling (zimg's and swscale's differ) only changes block edges."""
    mask = np.zeros((H, W), bool)
    for y in range(0, H, BLOCK):
        for x in range(0, W, BLOCK):
            mask[y + 4 : y + BLOCK - 4, x + 4 : x + BLOCK - 4] = True
    return mask


@pytest.mark.parametrize("transfer", ["pq", "hlg"])
def test_hdr_is_tone_mapped_like_the_ffmpeg_recipe(tmp_path: Path, transfer: str) -> None:
    path = _write_hdr(tmp_path / f"{transfer}.mp4", transfer)
    assert probe(path).hdr == transfer and probe_safe(path).hdr == transfer
    with ClipReader(path) as reader:
        ours = reader.read(0).astype(int)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", RECIPE, "-frames:v", "1"]
    raw = subprocess.run([*cmd, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True)
    reference = np.frombuffer(raw.stdout, np.uint8).reshape(H, W, 3).astype(int)
    inside = _interiors()
    error = np.abs(ours - reference)[inside]
    assert error.mean() < 2.0 and np.percentile(error, 99) <= 8, (error.mean(), np.percentile(error, 99))
    with av.open(str(path)) as container:  # what reading it as SDR shows: far off (the test can fail)
        plain = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    assert np.abs(plain - reference)[inside].mean() > 10


def test_hdr_frames_fit_the_output_size_and_stay_read_only(tmp_path: Path) -> None:
    path = _write_hdr(tmp_path / "hlg.mp4", "hlg")
    with ClipReader(path, size=(64, 48), fit="fit") as reader:
        frame = reader.read(1)
    assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8 and not frame.flags.writeable
    assert frame[:8].max() == 0 and frame[-8:].max() == 0  # letterbox bars stay black through the tone map
