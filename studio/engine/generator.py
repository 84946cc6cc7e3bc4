"""The Attention Video Generator: a :class:`~studio.engine.synth.Synthesizer` built on patch attention.

For output frame n the generator asks, for every patch, "which source patch should be here?":

- query q_p: in free mode the importance-weighted mean of the sources' centre-frame features; in guide mode
  the guide frame's features (structure weighted up, colour down: structure from the guide, appearance from
  the sources). Either is pulled toward the previous *output* frame's features by ``coherence``.
- keys: every source's patches at its mapped frame +-window and at offsets within ``radius`` patches.
- weights: softmax of -||q-k||^2 / temperature + log importance + priors (see ``attention.py``); in free
  mode the match costs are averaged over 3x3 patches (``aggregate``) so neighbours agree on an offset.
- clip mass: each clip's share of a patch's weights, with the clips' scores averaged over neighbouring
  patches (``region``: coherent regions) and, in free mode, balanced so the frame's shares follow the
  importance (``balance``: importance says how much of each clip, similarity says where); where pins act
  (``SynthInput.bounds``) the shares are then held within them (``pins.py``), in guide mode too.
- pixels: each clip's best candidate, weighted by that clip's mass, pasted as feathered overlapping
  windows (see ``synthesis.py``).
- record: per clip the mass map at patch resolution and its mean by the pixels each patch covers (the
  share): the weights the pixels used, and per patch the top clips' chosen candidates (``trace``: where the
  pixels were copied from).

Work is split into bands of patch rows so memory stays bounded (``max_tile_bytes``); an out-of-memory error
halves the band and retries, then moves to the CPU; every fallback is reported through ``on_warning`` and kept
in ``fallbacks``. Nothing is random, so equal inputs and settings give identical frames on one device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from studio.engine.attention import Workspace, attend_band, expand_for_dot, offsets, static_bias
from studio.engine.clip_mass import clip_logits, held_by_pins
from studio.engine.config import GeneratorConfig
from studio.engine.device import choose_device, empty_cache, is_out_of_memory
from studio.engine.features import DIM, FeatureCache, PatchFeatures, area_shares, grid_shape, patch_areas
from studio.engine.mask_bias import patch_prior, with_prior
from studio.engine.pins import unmet, unmet_message
from studio.engine.synth import SynthInput, SynthOutput
from studio.engine.synthesis import FeatherCanvas, cut_blocks
from studio.engine.trace import from_offsets
from studio.errors import EngineError

PRIOR = 0.002  # energy per patch^2 of displacement / frame^2 of delay: a tie-breaker, not a force
BONUS = 0.1  # energy of the stability bonus per unit of `stability` and of previous weight
# On a GPU a band is bounded by launches, not caches: each costs ~200 small kernels (one pass per offset), and
# the 8 bands that 64 MiB gives a 1080p frame with 4 clips cost more in launches than in maths. One band,
# up to this (or an eighth of the card), and the out-of-memory path still halves it where it does not fit.
GPU_TILE_BYTES = 1 << 30
AGREEMENT = 1.0  # energy: sources whose features spread less than this count as agreeing (no pull)
# Guide mode's feature weights (squared-distance weights, in features.py's order): the guide's luma layout and
# structure count, its chroma hardly (appearance comes from the sources). Luma counts as structure here: the
# guide's light and dark regions are its shapes. Picked by the edge-correlation test on real clips.
GUIDE_WEIGHTS = (1.5, 0.2, 0.2, 1.5, 1.5, 1.5, 1.0, 1.0, 1.0)


class AttentionGenerator(nn.Module):
    """Implements ``Synthesizer``: ``reset()``, ``__call__(SynthInput) -> SynthOutput``, ``stride``."""

    def __init__(
        self,
        config: GeneratorConfig | None = None,
        *,
        device: torch.device | str | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.config = config or GeneratorConfig()
        self.device = torch.device(device) if device is not None else choose_device(self.config.device)
        self.stride = self.config.patch
        self.on_warning = on_warning
        self.fallbacks: list[str] = []
        # swappable (a learned encoder): any module (N, H, W, 3) uint8 -> (N, D, h, w) float32 at patch stride
        self.features: nn.Module = PatchFeatures(self.config.patch)
        self.features.to(self.device)
        self._tile_rows: int | None = None  # set after an OOM: never grow back within this generator
        self._guide_warned = False
        self._pin_warned = False
        self._geometry: dict[tuple[int, ...], torch.Tensor] = {}
        self._feature_cache = FeatureCache()
        self._workspace = Workspace()  # attention buffers reused across frames
        self._block_pool: torch.Tensor | None = None  # (slots, blocks per frame, s*s*3) uint8 source pixels
        self._block_slots: np.ndarray | None = None  # (K, T) slot of each frame of the last call
        self._norms: dict[tuple[int, ...], torch.Tensor] = {}  # summed feathers by geometry (synthesis)
        self.reset()

    # -- Synthesizer protocol -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the previous output frame and choices (start of a render, or a seek)."""
        self._prev_frame: torch.Tensor | None = None  # (H, W, 3) uint8 on the device
        self._stable: tuple[torch.Tensor, torch.Tensor] | None = None  # (offset idx, bonus energy) (K, h, w)
        self._state_key: tuple[object, ...] | None = None

    @torch.inference_mode()
    def forward(self, inp: SynthInput) -> SynthOutput:
        frames, importance = _validate(inp)
        k, t, height, width, _ = frames.shape
        key = (k, t, height, width, inp.sources)  # ids: the same number of *other* clips is a new set too
        if key != self._state_key:  # a different set of sources: the old choices mean nothing now
            self.reset()
            self._state_key = key
        if inp.new_shot is not None:
            self._forget_shots(np.asarray(inp.new_shot, bool))
        while True:
            try:
                return self._run(frames, importance, inp.guide, inp.bounds, inp.prior)
            except Exception as exc:  # noqa: BLE001 - only OOM is handled, everything else re-raised
                if not is_out_of_memory(exc):
                    raise
                self._shrink_after_oom(exc, h=grid_shape(height, width, self.stride)[0])

    # -- internals ------------------------------------------------------------------------------------------

    def _warn(self, message: str) -> None:
        self.fallbacks.append(message)
        if self.on_warning is not None:
            self.on_warning(message)

    def _forget_shots(self, new_shot: np.ndarray) -> None:
        """Sources that crossed a scene cut lose their stability bonus (it rewarded choices in the old shot);
        when every source did, the previous output goes too (nothing in it belongs to the new shots)."""
        if new_shot.all():
            self._prev_frame, self._stable = None, None
        elif self._stable is not None and self._stable[1].shape[0] == new_shot.shape[0]:
            bonus = self._stable[1].clone()
            bonus[torch.from_numpy(np.flatnonzero(new_shot)).to(bonus.device)] = 0.0
            self._stable = (self._stable[0], bonus)

    def _check_pins(self, shares: np.ndarray, bounds: np.ndarray | None) -> None:
        """Say once if a pin could not be held (a clip with too little room: letterboxed, nearly alone)."""
        miss = unmet(shares, bounds)
        if miss is not None and not self._pin_warned:
            self._pin_warned = True
            self._warn(unmet_message(miss, "its clip has too few places it may take"))

    def _shrink_after_oom(self, exc: BaseException, h: int) -> None:
        empty_cache(self.device)
        rows = self._tile_rows or h
        if rows > 1:
            self._tile_rows = max(1, rows // 2)
            self._warn(f"out of memory on {self.device.type}: band of {rows} patch rows -> {self._tile_rows}")
            return
        if self.device.type == "cpu":
            raise EngineError(
                "Out of memory on the CPU even one patch row at a time: use a smaller size"
            ) from exc
        self._warn(f"out of memory on {self.device.type} even one patch row at a time: continuing on the CPU")
        self.to_device(torch.device("cpu"))

    def to_device(self, device: torch.device) -> None:
        """Move the generator (and its temporal state) to another device."""
        self.device = device
        self.features.to(device)
        self._geometry.clear()
        self._norms.clear()
        self._workspace.clear()
        self._block_pool = self._block_slots = None
        self._feature_cache.clear()
        self._tile_rows = None
        if self._prev_frame is not None:
            self._prev_frame = self._prev_frame.to(device)
        if self._stable is not None:
            self._stable = (self._stable[0].to(device), self._stable[1].to(device))

    def _compute_dtype(self) -> torch.dtype:
        precision = self.config.precision
        if precision == "auto":
            return torch.float16 if self.device.type == "cuda" else torch.float32
        return {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[precision]

    def _band_rows(self, k: int, t: int, h: int, w: int, radius: int) -> int:
        """Patch rows per band so that the band's energy buffer and pasted windows fit the byte budget."""
        s = self.stride
        per_row = max(k * t * (2 * radius + 1) ** 2 * w * 4 * 3, k * w * 12 * s * s * 5)
        rows = max(1, min(h, self._tile_budget() // per_row))
        return min(rows, self._tile_rows) if self._tile_rows else rows

    def _tile_budget(self) -> int:
        budget = self.config.max_tile_bytes
        if self.device.type == "cuda":
            total = torch.cuda.get_device_properties(self.device).total_memory
            budget = max(budget, min(GPU_TILE_BYTES, total // 8))
        elif self.device.type == "mps":
            budget = max(budget, GPU_TILE_BYTES // 4)  # shared memory: a quarter of the CUDA budget
        return budget

    def working_set_bytes(self, frames_shape: tuple[int, ...]) -> int:
        """Bytes of the largest tensors one frame allocates (for estimates where no allocator counts them)."""
        k, t, height, width, _ = frames_shape
        s, r = self.stride, self.config.radius
        h, w = grid_shape(height, width, s)
        n = k * t + 2  # sources + previous output + guide
        rows = self._band_rows(k, t, h, w, r)
        total = k * t * height * width * 3  # the frames on the device
        total += n * 3 * h * w * s * s * 4  # features: the frames as float
        total += k * t * 3 * (h + 2) * (w + 2) * s * s  # padded sources
        total += t * (2 * r + 1) ** 2 * h * w * 4  # geometric logit bias
        total += k * t * (2 * r + 1) ** 2 * rows * w * 4  # one band's energies
        total += k * rows * w * 12 * s * s * 5  # one band's pasted windows (uint8 + float)
        total += 2 * 3 * (h + 1) * (w + 1) * s * s * 4  # canvas and its feather norm
        return total

    def _bias(self, t: int, h: int, w: int, radius: int) -> torch.Tensor:
        key = (t, h, w, radius)
        if key not in self._geometry:
            self._geometry[key] = static_bias(t, radius, h, w, self.config.temperature, PRIOR, self.device)
        return self._geometry[key]

    def _source_blocks(self, src: torch.Tensor, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``source_blocks`` of (K, T, H, W, 3) in a pool of frame slots, cutting only frames the feature
        cache did not see last call: (slots * blocks per frame, s*s*3) uint8 and the (K, T) slot of each.

        The window slides by one frame per output frame, so 2 of every source's 3 frames were cut already;
        re-cutting all of them (pad + a permuting copy of every frame) cost ~3 ms of ~25 at 640x360 x 4,
        and copying the old ones over would cost most of that again: they stay in their slots instead.
        """
        k, t = src.shape[:2]
        per = (h + 1) * (w + 1)
        shape = (2 * k * t, per, self.stride**2 * 3)  # room for this call's frames beside the last call's
        pool, slots, reused = self._block_pool, self._block_slots, self._feature_cache.reused
        if pool is None or pool.shape != shape or pool.device != src.device or slots is None:
            pool = torch.empty(shape, dtype=torch.uint8, device=src.device)
            reused = {}
        slot = np.full((k, t), -1, np.int64)
        for (i, j), (oi, oj) in reused.items():
            slot[i, j] = slots[oi, oj]
        todo = [(i, j) for i in range(k) for j in range(t) if slot[i, j] < 0]
        free = iter(sorted(set(range(shape[0])) - set(slot[slot >= 0].tolist())))
        for i, j in todo:
            slot[i, j] = next(free)
            cut_blocks(src[i, j], self.stride, h, w, out=pool[slot[i, j]])
        self._block_pool, self._block_slots = pool, slot
        return pool.view(-1, shape[2]), torch.from_numpy(slot).to(src.device)

    def _pull(
        self, centre: torch.Tensor, query: torch.Tensor, weights: torch.Tensor, guided: bool
    ) -> torch.Tensor | float:
        """Per-patch coherence: the full ``coherence`` where the sources disagree, none where they agree.

        The pull exists to keep an *artificial* query (a blend of disagreeing sources) from flickering. Where
        one source is active, or all look alike, the query is a real patch already, and pulling it toward the
        previous frame would only make the output lag behind the motion.
        """
        if guided:
            return self.config.coherence
        spread = torch.einsum("k,kdhw->hw", weights, (centre - query).square())  # weighted variance (h, w)
        return self.config.coherence * spread / (spread + AGREEMENT)

    def _run(
        self,
        frames: np.ndarray,
        importance: np.ndarray,
        guide: np.ndarray | None,
        bounds: np.ndarray | None = None,
        prior: np.ndarray | None = None,  # the painted masks' logits per pixel (K, H, W)
    ) -> SynthOutput:
        cfg, dev, s = self.config, self.device, self.stride
        k, t, height, width, _ = frames.shape
        h, w = grid_shape(height, width, s)
        radius = cfg.radius
        src = torch.from_numpy(frames).to(dev)  # (K, T, H, W, 3) uint8
        guided = cfg.mode == "guide" and guide is not None
        if cfg.mode == "guide" and guide is None and not self._guide_warned:
            self._guide_warned = True
            self._warn("guide mode without a guide frame: generating in free mode where the guide is missing")
        live = np.flatnonzero(importance > 0)  # a clip at importance 0 gets mass 0: no need to search it
        weights = torch.from_numpy(importance / importance.sum()).float().to(dev)
        keys = self._feature_cache(self.features, src, dev)  # (K, T, D, h, w); uploaded once, above
        if len(live) < k:
            keys = keys[torch.from_numpy(live).to(dev)]
        extra = [self._prev_frame] if self._prev_frame is not None else []
        if guided:
            extra.append(
                torch.from_numpy(np.array(guide, copy=True)).to(dev)
            )  # readers' frames are read-only
        extra_feats = self.features(torch.stack(extra)) if extra else None  # (0..2, D, h, w)
        query = extra_feats[-1] if guided else torch.einsum("k,kdhw->dhw", weights[live], keys[:, t // 2])
        if self._prev_frame is not None and cfg.coherence > 0:
            pull = self._pull(keys[:, t // 2], query, weights[live], guided)
            query = torch.lerp(query, extra_feats[0], pull)

        # weight the features and fold the temperature in: squared distances come out in logits
        dim = keys.shape[2]  # DIM for the built-in features; whatever a swapped-in encoder gives
        guide_weights = GUIDE_WEIGHTS if dim == DIM else (1.0,) * dim  # the weights know only our features
        scale = torch.tensor(guide_weights if cfg.mode == "guide" else (1.0,) * dim, device=dev)
        # guide mode matches each patch to the guide's own structure: aggregating over neighbours blurs it
        aggregate = 0 if guided else cfg.aggregate
        scale = (scale / (cfg.temperature * (2 * aggregate + 1) ** 2)).sqrt()[:, None, None]  # a mean
        dtype = self._compute_dtype()
        query = (query * scale).to(dtype)
        padded = torch.nn.functional.pad((keys * scale).reshape(-1, dim, h, w), (radius,) * 4)
        padded = padded.to(dtype).view(len(live), t, dim, h + 2 * radius, w + 2 * radius)
        dot = dtype == torch.float32
        if dot:
            query, padded = expand_for_dot(query, padded)

        bias = self._bias(t, h, w, radius)
        stable = None
        if self._stable is not None:
            stable = (self._stable[0][live], self._stable[1][live])
        score = torch.full((k, h, w), float("-inf"), device=dev)
        choice = torch.full((k, h, w), bias.shape[1] // 2 + t // 2 * bias.shape[1], device=dev)
        share = torch.zeros((k, h, w), device=dev)
        rows = self._band_rows(len(live), t, h, w, radius)
        index = torch.from_numpy(live).to(dev)
        for y0 in range(0, h, rows):
            y1 = min(h, y0 + rows)
            band = attend_band(query, padded, bias, y0, y1, radius, stable, dot, aggregate, self._workspace)
            score[index, y0:y1], choice[index, y0:y1], share[index, y0:y1] = (
                band.score,
                band.choice,
                band.choice_share,
            )
        score[index] += weights[live].log()[:, None, None]
        logits = clip_logits(score, weights, cfg.region, 0.0 if guided else cfg.balance)
        mass = torch.softmax(logits, 0)  # what the temporal state follows: the frame as without pins, masks
        masks = patch_prior(prior, s, h, w, dev)  # painted masks: after the balance, which would undo them
        if bounds is not None or masks is not None:  # the masks, then the pins held on the masked shares
            area = patch_areas((h, w), height, width, s).to(dev, torch.float32)  # the share's measure
            shown = torch.softmax(held_by_pins(with_prior(logits, masks), bounds, area), 0)
        else:
            shown = mass

        offs = offsets(radius).to(dev)
        o_count = offs.shape[0]
        sources, frame_slot = self._source_blocks(src, h, w)

        def paint(m: torch.Tensor) -> torch.Tensor:
            canvas = FeatherCanvas(s, h, w, height, width, dev, self._norms)
            for y0 in range(0, h, rows):
                picked = choice[:, y0 : y0 + rows]
                delta, offset = picked // o_count, offs[picked % o_count]
                canvas.paste(sources, frame_slot, m[:, y0 : y0 + rows], delta, offset, y0)
            return canvas.finish()

        frame = paint(mass)
        self._prev_frame = frame
        # the next frame's bonus: this frame's weight of (clip, chosen offset), as logits
        bonus = mass * share * (BONUS * cfg.stability / cfg.temperature)
        self._stable = (choice % o_count, bonus) if cfg.stability > 0 else None
        if shown is not mass:  # pinned, masked: the frame shown holds them; the state stays the free one
            frame = paint(shown)

        shares = area_shares(shown, height, width, s).float().cpu().numpy()
        self._check_pins(shares, bounds)
        maps = shown.half().cpu().numpy()
        where = (choice // o_count).cpu().numpy(), offs[choice % o_count].cpu().numpy()  # frame, offset
        trace = from_offsets(maps.astype(np.float32), *where, s, height, width)
        return SynthOutput(frame=frame.cpu().numpy(), shares=shares, maps=maps, trace=trace)


def _validate(inp: SynthInput) -> tuple[np.ndarray, np.ndarray]:
    """Shapes and dtypes the render job promises; a broken promise is a bug, but importance is user data."""
    frames = np.ascontiguousarray(inp.frames)
    if frames.ndim != 5 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(
            f"SynthInput.frames must be (K, T, H, W, 3) uint8, got {frames.shape} {frames.dtype}"
        )
    importance = np.asarray(inp.importance, dtype=np.float64).reshape(-1)
    if importance.shape[0] != frames.shape[0]:
        raise ValueError(f"importance has {importance.shape[0]} entries for {frames.shape[0]} sources")
    if not np.all(np.isfinite(importance)) or np.any(importance < 0) or importance.sum() <= 0:
        raise EngineError("Importance must be finite, >= 0, and > 0 for at least one active clip")
    if inp.guide is not None and inp.guide.shape != frames.shape[2:]:
        raise ValueError(f"guide frame {inp.guide.shape} does not match the sources' {frames.shape[2:]}")
    return frames, importance


def synthesizer_for(
    settings: Any,
    device: str = "auto",
    *,
    seed: int | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> AttentionGenerator:
    """The generator for a project's ``EngineSettings``; an explicit ``device`` other than auto wins."""
    config = GeneratorConfig.from_settings(settings, seed=seed)
    if device and device != "auto":
        config = GeneratorConfig(**{**config.to_dict(), "device": device})
    return AttentionGenerator(config, on_warning=on_warning)
