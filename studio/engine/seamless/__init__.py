"""The final quality: seamless attention synthesis at pixel level (export and ``studio render``).

The draft (:class:`~studio.engine.generator.AttentionGenerator`) pastes whole 8-px patches and is kept for
the live preview. The final quality is still attention — weights from feature distances, importance and
priors, recorded — but its correspondences are pixels:

- free mode (``regions.py``): every output pixel is owned by the clips' attention at that pixel; borders run
  where the clips agree or along edges (a contrast-sensitive seam term, mean-field, coarse to fine), the
  transition is a few pixels wide, and the previous output carried along each clip's motion keeps regions
  steady. Inside a region the output *is* the source, so it is as sharp and as steady as the source.
- guide mode (``guided.py``): PatchMatch-style correspondences from the guide's structure to the sources'
  pixels, voted densely (EbSynth-like), the previous frame's field carried forward by flow as the seed.

The record's maps are the weights the pixels used, averaged over each patch of the record's grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from studio.engine.features import area_shares
from studio.engine.flow import flow_grey
from studio.engine.pins import unmet, unmet_message
from studio.engine.seamless import guided
from studio.engine.seamless.motion import FlowField, warp
from studio.engine.seamless.regions import Previous, resize, solve, unary
from studio.engine.synth import SynthInput, SynthOutput
from studio.engine.trace import at_anchor, from_field


class SeamlessSynthesizer:
    """Implements ``Synthesizer`` for the final quality, with the draft generator's settings and device."""

    def __init__(self, draft: Any) -> None:
        self.draft = draft  # the AttentionGenerator: config, device, warnings, and guide mode's features
        self.config = draft.config
        self.stride = draft.stride
        self.fallbacks = draft.fallbacks
        self._pin_warned = False
        self._flow = FlowField()
        self.keep_pixel_weights = False  # hand the per-pixel mix out too (SynthOutput.pixel_weights): mattes
        self.reset()

    @property
    def device(self) -> torch.device:
        return self.draft.device

    @property
    def features(self) -> Any:
        """The draft's patch features (hand-made or a learned encoder): guide mode's structure keys."""
        return self.draft.features

    def reset(self) -> None:
        self.draft.reset()
        self._prev_output: torch.Tensor | None = None  # (3, h, w) at half size, in [0, 1]
        self._prev: dict[object, tuple[np.ndarray, torch.Tensor]] = {}  # source -> (grey small, carry (h, w))
        self._bias: dict[object, float] = {}
        self._guided: tuple[np.ndarray, torch.Tensor, guided.Field] | None = None  # guide grey, output, field

    @torch.inference_mode()
    def __call__(self, inp: SynthInput) -> SynthOutput:
        frames = np.ascontiguousarray(inp.frames)
        k, t, height, width, _ = frames.shape
        importance = np.asarray(inp.importance, np.float64).reshape(-1)
        ids: list[object] = list(inp.sources) if inp.sources is not None else list(range(k))
        if inp.new_shot is not None:
            self._forget_shots(ids, np.asarray(inp.new_shot, bool))
        dev = self.device
        centre = torch.from_numpy(frames[:, t // 2]).to(dev)  # (K, H, W, 3) uint8
        rgb = centre.permute(0, 3, 1, 2).float() / 255.0
        valid = _valid_mask(inp.valid, k, height, width, dev)
        weights = torch.from_numpy(importance / importance.sum()).float().to(dev)

        if self.config.mode == "guide" and inp.guide is not None:
            masks = None if inp.prior is None else torch.from_numpy(inp.prior).to(dev)  # painted masks
            w, out, field = self._guide(rgb, valid, weights, inp.guide, inp.bounds, masks)
            result = self._output(w, out, t // 2, field=field)  # the trace: where the shown pixels came from
            why = "the guide's structure finds too few matches in its clip"
            return self._checked(result, inp.bounds, why)
        half = (max(1, -(-height // 2)), max(1, -(-width // 2)))
        rgb_half = resize(rgb, half)
        valid_half = resize(valid[:, None].float(), half)[:, 0]
        greys = [flow_grey(frames[i, t // 2]) for i in range(k)]
        previous = self._previous(ids, greys, half, dev)
        energy = unary(rgb_half, valid_half, previous, self.config.stability)
        bias = torch.tensor([self._bias.get(i, 0.0) for i in ids], device=dev)
        result = solve(
            rgb,
            valid,
            weights,
            energy,
            temperature=self.config.temperature,
            balance=self.config.balance,
            bias=bias,
            bounds=inp.bounds,
            masks=None if inp.prior is None else torch.from_numpy(inp.prior).to(dev),  # painted masks
        )
        w = result.weights  # (K, H, W)
        out = torch.einsum("khw,kchw->chw", w, rgb)
        self._prev_output = resize(out[None], half)[0]
        if result.shown is not None and result.shown is not w:  # pins: shown held, the state as without
            w = result.shown
            out = torch.einsum("khw,kchw->chw", w, rgb)
        self._prev = {i: (greys[j], result.carry[j]) for j, i in enumerate(ids)}
        self._bias = {i: float(result.bias[j]) for j, i in enumerate(ids)}
        result = self._output(w, out, t // 2)
        return self._checked(result, inp.bounds, "its clip has too few places it may take")

    def _forget_shots(self, ids: list[object], new_shot: np.ndarray) -> None:
        """Sources that crossed a scene cut: no motion carries their last frame into this one (a flow across
        a cut is meaningless); every source new is a fresh start, as after a seek."""
        if new_shot.all():
            self.reset()
            return
        for source, fresh in zip(ids, new_shot, strict=True):
            if fresh:
                self._prev.pop(source, None)

    def _checked(self, result: SynthOutput, bounds: np.ndarray | None, why: str) -> SynthOutput:
        """Say once if a pin could not be held."""
        miss = unmet(result.shares, bounds)
        if miss is not None and not self._pin_warned:
            self._pin_warned = True
            self.draft._warn(unmet_message(miss, why))
        return result

    def _guide(
        self,
        rgb: torch.Tensor,
        valid: torch.Tensor,
        weights: torch.Tensor,
        guide_frame: np.ndarray,
        bounds: np.ndarray | None = None,
        masks: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, guided.Field]:
        """Guide mode: correspondences from the guide's structure to the sources' pixels, voted: the weights,
        the frame and the field shown."""
        height, width = rgb.shape[-2:]
        guide = (
            torch.from_numpy(np.array(guide_frame, np.uint8)).to(rgb.device).permute(2, 0, 1).float() / 255
        )
        grey = flow_grey(guide_frame)
        prev_out = prev_field = flow = None
        if self._guided is not None and self._guided[1].shape[-2:] == (height, width):
            before, prev_out, prev_field = self._guided
            flow = torch.from_numpy(self._flow.backward(grey, before, (width, height))).to(rgb.device)
        state = (rgb, valid, guide, weights, prev_out, prev_field, flow)
        seed = int(self.config.seed)
        shown: list[torch.Tensor] = []  # the vote with the pins held, when they act
        pins = bounds if masks is None else None  # with masks the pins are held on the masked search
        out, w, field = guided.synthesize(*state, seed=seed, bounds=pins, shown=shown)
        self._guided = (grey, out, field)  # the next frame follows the frame as without pins or masks
        if masks is not None:  # what is shown: the same search from the same state, the masks in its energy
            # (in the state, a region's new content would be carried along the guide's motion into every
            # later frame, far from the mask: 2-12 levels of change outside it over 12 frames of a pan)
            out, w, field = guided.synthesize(*state, seed=seed, bounds=bounds, shown=shown, prior=masks)
        if shown:  # pins: the frame shown holds them
            out, w = shown
        return w, out, field

    def _output(
        self, w: torch.Tensor, out: torch.Tensor, centre: int, field: guided.Field | None = None
    ) -> SynthOutput:
        """The frame and its record: per clip the weights the pixels used, averaged per record patch, and
        where each patch came from: in place in free mode (out = sum_k W_k * source_k), the field in guide
        mode. ``centre``: the window frame the sources were used at."""
        frame = (out * 255.0).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0)
        maps = _patch_maps(w, self.stride)
        height, width = out.shape[-2:]
        shares = area_shares(maps, height, width, self.stride).float()
        weight = maps.float().cpu().numpy()
        if field is None:
            trace = at_anchor(weight, centre, self.stride, height, width)
        else:
            k, y, x = (a.cpu().numpy() for a in (field.k, field.y, field.x))
            trace = from_field(weight, k, y, x, centre, self.stride)
        return SynthOutput(
            frame=frame.cpu().numpy(),
            shares=shares.cpu().numpy(),
            maps=maps.half().cpu().numpy(),
            trace=trace,
            pixel_weights=w.float().cpu().numpy() if self.keep_pixel_weights else None,
        )

    def _previous(
        self, ids: list[object], greys: list[np.ndarray], half: tuple[int, int], dev: torch.device
    ) -> Previous | None:
        """The last output and the clips' weights, carried to this frame along each clip's motion."""
        if self._prev_output is None or self._prev_output.shape[-2:] != half:
            return None
        flows, carry = [], []
        for i, grey in zip(ids, greys, strict=True):
            before = self._prev.get(i)
            if before is None or before[0].shape != grey.shape:  # a clip new in this frame: no motion known
                flows.append(torch.zeros((*half, 2), device=dev))
                carry.append(torch.zeros(half, device=dev))
                continue
            flow = torch.from_numpy(self._flow.backward(grey, before[0], (half[1], half[0]))).to(dev)
            flows.append(flow)
            carry.append(warp(before[1][None, None], flow[None])[0, 0])
        return Previous(output=self._prev_output, carry=torch.stack(carry), flows=torch.stack(flows))


def _valid_mask(boxes: np.ndarray | None, k: int, height: int, width: int, dev: torch.device) -> torch.Tensor:
    """(K, H, W) bool: each source's real pixels (its ``fit`` content box)."""
    valid = torch.ones((k, height, width), dtype=torch.bool, device=dev)
    if boxes is None:
        return valid
    for i, (x0, y0, x1, y1) in enumerate(np.asarray(boxes).reshape(k, 4)):
        valid[i] = False
        valid[i, max(0, y0) : min(height, y1), max(0, x0) : min(width, x1)] = True
    return valid


def _patch_maps(weights: torch.Tensor, stride: int) -> torch.Tensor:
    """(K, h, w) mean weight per patch of the record's grid (ceil division: an edge patch hangs over, and
    its mean is that of the pixels it covers)."""
    maps = F.avg_pool2d(weights[None], stride, stride, ceil_mode=True)[0]  # an edge patch: its pixels' mean
    return maps / maps.sum(0, keepdim=True).clamp(min=1e-12)
