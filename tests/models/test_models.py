"""Shapes, the identities each model is built on, and the swappable attention processors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from studio.models import baselines
from studio.models.attention import AttnProcessor, RecordingProcessor
from studio.models.data import to_tensor, to_uint8
from studio.models.gan import GANConfig, PatchDiscriminator3D, d_hinge_loss, g_hinge_loss
from studio.models.registry import build_model, make_config
from studio.models.transformer import initial_guess, random_mask
from studio.models.vae import slerp


def _model(kind: str, seed: int = 0):
    torch.manual_seed(seed)
    return build_model(kind, make_config(kind, "tiny")).eval()


def _video(b: int = 2, t: int = 12, size: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.rand(b, t, 3, size, size, generator=torch.Generator().manual_seed(seed))


def test_vae_shapes_features_and_samples() -> None:
    vae = _model("vae")
    x = _video(2, 1)[:, 0]
    mean, logvar = vae.encode(x)
    assert mean.shape == logvar.shape == (2, 4, 4, 4)  # latent at 1/8
    assert vae.reconstruct(x).shape == x.shape
    feats = vae.encode_features(x)
    assert feats.shape == (2, vae.feature_channels, 4, 4)
    assert torch.allclose(feats.norm(dim=1), torch.ones(2, 4, 4), atol=1e-5)
    s = vae.sample(3, generator=torch.Generator().manual_seed(1))
    assert s.shape == (3, 3, 32, 32) and float(s.min()) >= 0 and float(s.max()) <= 1


def test_latent_morph_goes_from_a_to_b() -> None:
    vae = _model("vae")
    a, b = _video(1, 1, seed=1)[:, 0], _video(1, 1, seed=2)[:, 0]
    morph = vae.latent_morph(a, b, 5)
    assert morph.shape == (5, 3, 32, 32)
    assert torch.allclose(morph[0], vae.reconstruct(a)[0], atol=1e-5)
    assert torch.allclose(morph[-1], vae.reconstruct(b)[0], atol=1e-5)
    assert not torch.allclose(morph[2], morph[0], atol=1e-3)


def test_slerp_endpoints_and_norm() -> None:
    a, b = torch.randn(3, 4, 2, 2), torch.randn(3, 4, 2, 2)
    t = torch.tensor([0.0, 0.5, 1.0])
    out = slerp(a, b, t)
    assert torch.allclose(out[0], a[0], atol=1e-5) and torch.allclose(out[2], b[2], atol=1e-5)
    same = slerp(a, a.clone(), t)  # parallel latents fall back to lerp without NaNs
    assert torch.isfinite(same).all() and torch.allclose(same, a, atol=1e-5)


def test_untrained_convlstm_is_repeat_last() -> None:
    model = _model("convlstm")
    v = _video(2, 4)
    out = model.extend(v, 3)
    assert out.shape == (2, 3, 3, 32, 32)
    assert torch.allclose(out, v[:, -1:].expand_as(out))
    loss, logs, pred, target = model.training_step(_video(2, 12))
    assert pred.shape == target.shape == (2, 11, 3, 32, 32) and loss.requires_grad and "mse" in logs


def test_untrained_transformer_is_the_initial_guess_and_keeps_known_frames() -> None:
    torch.manual_seed(0)
    model = build_model("transformer", make_config("transformer", "tiny", guess="blend")).eval()
    v = _video(2, 9)
    known = torch.arange(9) % 4 == 0
    out = model.fill(v, known)
    assert torch.equal(out[:, known], v[:, known])
    assert torch.allclose(out, initial_guess(v, known).clamp(0, 1), atol=1e-6)
    assert torch.allclose(out[:, 2], (v[:, 0] + v[:, 4]) / 2, atol=1e-6)  # halfway between known neighbours
    assert model.extend(v[:, :4], 13).shape == (2, 13, 3, 32, 32)  # longer than one window: chunked
    assert model.interpolate(v[:, :5], 4).shape == (2, 17, 3, 32, 32)


def test_untrained_flow_transformer_is_exactly_the_dis_flow_baseline() -> None:
    model = _model("transformer")  # guess="flow" by default
    assert model.cfg.guess == "flow"
    pan = _pan(12)  # (12, 32, 32, 3) uint8
    v = to_tensor(pan)[None]
    known = torch.arange(12) < 4  # predict-8, as evaluated
    out = model.fill(v, known)
    assert torch.equal(out[:, known], v[:, known])
    assert np.array_equal(to_uint8(out)[0, 4:], baselines.predict(pan[:4], 8, "dis-flow"))
    known = torch.arange(9) % 2 == 0  # interp-2x, as evaluated
    out = to_uint8(model.fill(v[:, :9], known))[0]
    expected = [baselines.interpolate(pan[t - 1], pan[t + 1], 0.5, "dis-flow") for t in (1, 3, 5, 7)]
    assert np.array_equal(out[1::2], np.stack(expected))
    loss, logs, pred, target = model.training_step(v.expand(2, -1, -1, -1, -1))
    assert logs["vs_guess"] == pytest.approx(1.0) and loss.requires_grad  # starts exactly at the guess
    with pytest.raises(ValueError, match="guess"):
        build_model("transformer", make_config("transformer", "tiny", guess="magic"))


def _pan(frames: int, size: int = 32) -> np.ndarray:
    """A smooth texture panning 2 px/frame: (frames, size, size, 3) uint8."""
    rng = np.random.default_rng(0)
    noise = rng.random((size // 4, (size + 2 * frames) // 4 + 1, 3)).astype(np.float32)
    wide = cv2.resize(noise, (size + 2 * frames + 4, size), interpolation=cv2.INTER_CUBIC)
    wide = np.clip(wide * 255, 0, 255).astype(np.uint8)
    return np.stack([wide[:, 2 * k : 2 * k + size] for k in range(frames)])


def test_training_masks_cover_prediction_and_pure_interpolation() -> None:
    torch.manual_seed(0)
    kinds = set()
    for _ in range(200):
        known = random_mask(12, "cpu")
        assert known[0] and not known.all()
        idx = known.nonzero().flatten().tolist()
        if idx == list(range(len(idx))):  # a known prefix: prediction over the full window
            assert len(known) == 12
            kinds.add("predict")
        else:  # every f-th frame known, the window ending on a known frame (no extrapolated tail)
            f = idx[1]
            assert known[-1] and idx == list(range(0, len(known), f)) and len(known) == 11 // f * f + 1
            kinds.add(f"interp-{f}")
    assert kinds == {"predict", "interp-2", "interp-4"}


def test_recording_processor_matches_sdpa_and_records_every_layer() -> None:
    model = _model("transformer")
    for p in model.head.parameters():  # make the output depend on attention
        torch.nn.init.normal_(p, std=0.05)
    v = _video(1, 12)
    known = torch.arange(12) < 4
    fast = model.fill(v, known)
    rec = RecordingProcessor()
    model.set_attn_processor(rec)
    slow = model.fill(v, known)
    assert torch.allclose(fast, slow, atol=1e-5)
    assert set(rec.maps) == set(model.attn_processors)
    temporal = rec.maps["blocks.0.attn_t"]  # (B * patches, heads, T, T)
    assert temporal.shape == (64, 4, 12, 12)
    assert torch.allclose(temporal.sum(-1), torch.ones(64, 4, 12), atol=1e-5)
    model.set_attn_processor(dict.fromkeys(model.attn_processors, AttnProcessor()))
    assert all(isinstance(p, AttnProcessor) for p in model.attn_processors.values())
    with pytest.raises(ValueError, match="no processor"):
        model.set_attn_processor({"blocks.0.attn_s": AttnProcessor()})


def test_patch_discriminator_and_hinge_losses() -> None:
    disc = PatchDiscriminator3D(GANConfig(base_channels=8))
    assert disc(_video(2, 6)).shape == (2, 1, 6, 4, 4)
    assert disc(_video(2, 1)).shape == (2, 1, 1, 4, 4)  # the VAE's single frames
    real, fake = torch.full((4,), 2.0), torch.full((4,), -2.0)
    assert float(d_hinge_loss(real, fake)) == 0.0  # confident and right: no loss
    assert float(d_hinge_loss(-real, -fake)) == pytest.approx(6.0)
    assert float(g_hinge_loss(fake)) == pytest.approx(2.0)


def test_flow_guess_of_a_batch_in_threads_equals_one_window_at_a_time() -> None:
    from studio.models.transformer import _flow_fill_batch

    pan = _pan(13)
    windows = np.stack([pan[s : s + 9] for s in (0, 1, 4)])  # (3, 9, 32, 32, 3)
    mask = [t % 4 == 0 for t in range(9)]
    serial = np.stack([baselines.flow_fill(w, mask) for w in windows])
    assert np.array_equal(_flow_fill_batch(windows, mask), serial)
