"""The final quality (``studio.engine.seamless``) on real encoded footage: properties, not pictures.

Clips are photos filmed by a virtual camera (``tests/footage.py``), H.264-encoded and decoded back, small
(192x108) so each test takes a second or two on 2 cores.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from studio.engine.config import GeneratorConfig
from studio.engine.features import area_shares
from studio.engine.generator import AttentionGenerator
from studio.engine.seamless import SeamlessSynthesizer
from studio.engine.synth import Crossfade, SynthInput
from tests import footage

SIZE = (192, 108)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    folder = tmp_path_factory.mktemp("seamless")
    shots = {
        "pan": footage.Shot("motorcycle", 12, pan=(1.5, 0.2)),
        "zoom": footage.Shot("coffee", 12, zoom=1.01),
        "cat": footage.Shot("chelsea", 12, pan=(-1.0, 0.5)),
    }
    return {
        name: footage.decode(footage.write_clip(folder / f"{name}.mp4", [shot], SIZE))
        for name, shot in shots.items()
    }


def final(**overrides: object) -> SeamlessSynthesizer:
    return SeamlessSynthesizer(AttentionGenerator(GeneratorConfig(device="cpu", **overrides)))


def inp(frames: list[np.ndarray], importance=None, **kw: object) -> SynthInput:
    k = len(frames)
    weights = np.ones(k, np.float32) if importance is None else np.asarray(importance, np.float32)
    return SynthInput(
        frames=np.stack([f[None] for f in frames]),
        importance=weights,
        sources=tuple(map(str, range(k))),
        **kw,
    )


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def warp_error(frames: list[np.ndarray]) -> float:
    """Mean |O_t - O_{t-1} warped by the output's own DIS flow| (look_metrics' W, without its crop)."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    h, w = frames[0].shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    errors = []
    for a, b in zip(frames, frames[1:], strict=False):
        flow = dis.calc(cv2.cvtColor(b, cv2.COLOR_RGB2GRAY), cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), None)
        warped = cv2.remap(a.astype(np.float32), gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR)
        errors.append(np.abs(b.astype(np.float32) - warped)[8:-8, 8:-8].mean())
    return float(np.mean(errors))


def test_one_source_is_itself(clips: dict[str, np.ndarray]) -> None:
    synth = final()
    for n in range(3):
        out = synth(inp([clips["pan"][n]]))
        assert psnr(out.frame, clips["pan"][n]) > 45
        assert out.shares.tolist() == [1.0] and np.allclose(out.maps, 1.0)


def test_huge_temperature_is_the_crossfade(clips: dict[str, np.ndarray]) -> None:
    frames = [clips["pan"][0], clips["zoom"][0]]
    x = inp(frames, importance=[0.7, 0.3])
    out = final(temperature=1e9)(x)
    reference = Crossfade()(x)
    assert np.abs(out.frame.astype(int) - reference.frame.astype(int)).max() <= 1
    np.testing.assert_allclose(out.shares, [0.7, 0.3], atol=1e-3)


def test_region_border_lies_on_the_content_border(clips: dict[str, np.ndarray]) -> None:
    """Clip A shows a photo on the left and flat grey on the right; clip B the other way round. Whatever
    the layout could be, the border belongs on the content's own border (x = 96)."""
    grey = np.full_like(clips["pan"][0], 128)
    a, b = grey.copy(), grey.copy()
    a[:, :96], b[:, 96:] = clips["pan"][0][:, :96], clips["cat"][0][:, 96:]
    out = final()(inp([a, b]))
    maps = out.maps.astype(np.float32)  # (2, 14, 24) at 8-px patches: the border at patch column 12
    assert maps[0, :, :11].mean() > 0.95 and maps[1, :, 13:].mean() > 0.95
    assert np.array_equal(out.frame[:, :90], a[:, :90]) and np.array_equal(out.frame[:, 102:], b[:, 102:])


def test_no_pixel_takes_padding(clips: dict[str, np.ndarray]) -> None:
    """A letterboxed source's black bars are never keys where another clip has real pixels."""
    boxed = clips["pan"][0].copy()
    boxed[:20], boxed[-20:] = 0, 0
    valid = np.array([[0, 20, SIZE[0], SIZE[1] - 20], [0, 0, SIZE[0], SIZE[1]]], np.int32)
    synth = final()
    for n in range(3):
        out = synth(inp([boxed, clips["zoom"][n]], valid=valid))
        assert np.array_equal(out.frame[:20], clips["zoom"][n][:20])
        assert np.array_equal(out.frame[-20:], clips["zoom"][n][-20:])
        assert out.maps[0, :2].max() == 0  # the record agrees: clip 0 has no weight in the bars


def test_record_explains_the_pixels_and_shares_follow_importance(clips: dict[str, np.ndarray]) -> None:
    synth = final()
    synth.keep_pixel_weights = True
    frames = [clips["pan"], clips["zoom"], clips["cat"]]
    for n in range(6):
        out = synth(inp([f[n] for f in frames], importance=[0.5, 0.3, 0.2]))
    # the shares are the pixels' own (what the mattes show), also where the last patch row hangs over
    np.testing.assert_allclose(out.pixel_weights.mean((1, 2)), out.shares, atol=1e-4)
    height, width = out.frame.shape[:2]
    by_area = area_shares(torch.from_numpy(out.maps.astype(np.float32)), height, width, 8).numpy()
    np.testing.assert_allclose(by_area, out.shares, atol=2e-3)  # and the record's maps, as they weigh
    np.testing.assert_allclose(out.shares, [0.5, 0.3, 0.2], atol=0.08)
    # wherever the record says one clip owns a patch, the pixels are that clip's
    maps = out.maps.astype(np.float32)
    for k, source in enumerate(f[5] for f in frames):
        rows, cols = np.nonzero(maps[k] > 0.999)
        assert len(rows) > 10
        for r, c in zip(rows, cols, strict=True):
            patch = np.s_[r * 8 : r * 8 + 8, c * 8 : c * 8 + 8]
            assert np.abs(out.frame[patch].astype(int) - source[patch].astype(int)).max() <= 2


def test_deterministic(clips: dict[str, np.ndarray]) -> None:
    def run() -> list[np.ndarray]:
        synth = final()
        return [synth(inp([clips["pan"][n], clips["cat"][n]])).frame for n in range(4)]

    for a, b in zip(run(), run(), strict=True):
        assert np.array_equal(a, b)


def test_temporal_term_lowers_warp_error(clips: dict[str, np.ndarray]) -> None:
    def frames(stability: float) -> list[np.ndarray]:
        synth = final(stability=stability)
        sources = [clips["pan"], clips["zoom"], clips["cat"]]
        return [synth(inp([s[n] for s in sources])).frame for n in range(12)]

    steady, unsteady = warp_error(frames(0.5)), warp_error(frames(0.0))
    assert steady < 0.85 * unsteady


def test_guide_mode_keeps_the_guide_structure(clips: dict[str, np.ndarray]) -> None:
    """Structure from the guide (edge strength correlates with it), pixels from the sources."""

    def edges(img: np.ndarray) -> np.ndarray:
        y = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
        mag = np.hypot(cv2.Sobel(y, cv2.CV_32F, 1, 0), cv2.Sobel(y, cv2.CV_32F, 0, 1))
        return cv2.GaussianBlur(mag, (0, 0), 2)[8:-8, 8:-8].ravel()

    guide = clips["cat"]
    synth = final(mode="guide")
    for n in range(3):
        out = synth(inp([clips["pan"][n], clips["zoom"][n]], guide=guide[n]))
    corr = np.corrcoef(edges(out.frame), edges(guide[2]))[0, 1]
    assert corr > 0.5
    assert psnr(out.frame, guide[2]) < 25  # not the guide itself: its appearance comes from the sources
    np.testing.assert_allclose(out.maps.astype(np.float32).sum(0), 1.0, atol=1e-2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.gpu
def test_cuda_matches_cpu_closely(clips: dict[str, np.ndarray]) -> None:
    x = inp([clips["pan"][0], clips["zoom"][0]])
    cpu = final()(x).frame
    gpu = SeamlessSynthesizer(AttentionGenerator(GeneratorConfig(device="cuda")))(x).frame
    assert psnr(cpu, gpu) > 35
