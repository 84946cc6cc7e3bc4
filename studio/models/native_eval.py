"""Scoring the square models (ConvLSTM, Transformer) at the clip's own size: what the artist gets from them.

A square model sees the clip's centre square at its training size; what it makes is lifted to the clip's
size by detail transfer (:mod:`studio.models.fullsize`), exactly as ``studio generate`` does, and scored
against the real full-size frames of held-out shots (:mod:`studio.models.native`: the last shot, else the
tail, never across a cut), beside the classical baselines on the same frames:

* ``predict-8`` (ConvLSTM, Transformer): 4 frames of context, the next 8; baselines repeat-last, DIS
  extrapolation and the studio's flow extend (:func:`studio.models.native_generate.extrapolate`);
* ``interp-2x`` (Transformer): the middle of every held-out triplet; baselines DIS flow and the blend.

The VAE has no full-size output (its reconstructions and morphs are its square): ``studio eval --square``
scores it, and every square model, on the square as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn as nn

from studio.errors import StudioError
from studio.models import baselines
from studio.models.data import ClipSource, decode_clip, to_tensor, to_uint8
from studio.models.evaluate import MODEL_TASKS, EvalResult
from studio.models.fullsize import lift
from studio.models.interp_train import mean_scores
from studio.models.native import MAX_FRAMES, NativeData, native_size
from studio.models.native_generate import extrapolate

CONTEXT, AHEAD = 4, 8
NATIVE_TASKS = ("predict-8", "interp-2x")


def evaluate_native(
    model: nn.Module, sources: Sequence[ClipSource], device: torch.device | str, limit: int = 32
) -> list[EvalResult]:
    tasks = [t for t in MODEL_TASKS[model.kind] if t in NATIVE_TASKS]
    if not tasks:
        raise StudioError(f"a {model.kind} model makes no full-size frames; score it with --square")
    size = model.cfg.image_size
    full = [decode_clip(s, native_size(s), MAX_FRAMES) for s in sources]
    square = [decode_clip(s, (size, size), MAX_FRAMES) for s in sources]
    from studio.media.cuts import detect_cuts

    data = NativeData(full, [detect_cuts(c) for c in full])
    rows: list[EvalResult] = []
    model.eval()
    if "predict-8" in tasks:
        rows += _predict(model, data, square, device, limit)
    if "interp-2x" in tasks:
        rows += _interp(model, data, square, device, limit)
    return rows


def _predict(model, data: NativeData, square, device, limit) -> list[EvalResult]:
    starts = [
        (seg.clip, s)
        for seg in data.segments
        if seg.held_out
        for s in range(seg.start + CONTEXT, seg.stop - AHEAD + 1, 2)
    ]
    if not starts:
        raise StudioError(f"no held-out shot has {CONTEXT + AHEAD} frames; use longer clips")
    if len(starts) > limit:
        starts = [starts[i] for i in np.linspace(0, len(starts) - 1, limit).round().astype(int)]
    made: dict[str, list[np.ndarray]] = {
        m: [] for m in (model.kind, "repeat-last", "dis-flow", "flow extend")
    }
    truths = []
    for clip, s in starts:
        full, small = data.clips[clip], square[clip]
        ctx = to_tensor(small[s - CONTEXT : s], device)[None]
        with torch.no_grad():
            out = to_uint8(model.extend(ctx, AHEAD)[0])
        made[model.kind] += [lift(f, small[s - 1], full[s - 1]) for f in out]
        context = full[s - CONTEXT : s]
        made["repeat-last"] += list(baselines.predict(context, AHEAD, "repeat-last"))
        made["dis-flow"] += list(baselines.predict(context, AHEAD, "dis-flow"))
        made["flow extend"] += list(extrapolate(context, AHEAD)[0])
        truths += list(full[s : s + AHEAD])
    return [EvalResult("predict-8", m, *mean_scores(frames, truths)) for m, frames in made.items()]


def _interp(model, data: NativeData, square, device, limit) -> list[EvalResult]:
    triplets = data.triplets(held_out=True, limit=limit)
    if not triplets:
        raise StudioError("no held-out triplets: the clips are too short to hold frames out")
    made: dict[str, list[np.ndarray]] = {m: [] for m in (model.kind, "dis-flow", "linear")}
    truths = []
    known = torch.tensor([True, False, True], device=device)
    for tr in triplets:
        a, b, target = data.frames(tr)
        small = square[tr.clip][tr.first : tr.first + 3]
        with torch.no_grad():
            mid = to_uint8(model.fill(to_tensor(small, device)[None], known)[0, 1])
        made[model.kind].append(lift(mid, small[0], a))
        made["dis-flow"].append(baselines.interpolate(a, b, 0.5, "dis-flow"))
        made["linear"].append(baselines.interpolate(a, b, 0.5, "linear"))
        truths.append(target)
    return [EvalResult("interp-2x", m, *mean_scores(frames, truths)) for m, frames in made.items()]
