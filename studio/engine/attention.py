"""The attention step for one band of patch rows: energies -> logits -> per-clip mass and per-clip choice.

Candidates of patch p: every source clip i, every frame delta (T = 2*window+1 of them) and every spatial
offset o within the search radius (O = (2r+1)^2 of them, in whole patches). Energy (one unit: squared
feature distance)

    E = ||q_p - k_{i,d,p+o}||^2 + prior(d, o) - bonus * [o == offset chosen for clip i at the previous frame]
    logit = -E / temperature + log importance_i                  (-inf for candidates outside the frame)

and the attention weights are the softmax of the logits over all (i, d, o) of a patch.

Why not ``scaled_dot_product_attention``: -||q-k||^2 = 2 q.k - ||q||^2 - ||k||^2 is a dot product plus a
bias, but every patch has its *own* K*T*O keys (a sliding window), so SDPA would need the keys gathered per
patch (a K*T*O*D copy, ~100 MB for one 640x360 frame) and it cannot return the weights, which the record
needs.
Instead the energies are computed offset by offset on shifted views (no gather) and the weights come from an
explicit log-sum-exp, so the maps are exactly the weights the synthesis used.

Features arrive pre-scaled by 1/sqrt(temperature), so energies come out in logit units, and log importance
(the same for all of a clip's candidates) is added by the caller to the clip's score. What leaves the band
is small: each clip's score (the log-sum-exp of its logits: log of its unnormalised
attention mass), its argmax candidate (what the synthesis copies) and that candidate's offset's share of the
clip's weight (summed over deltas: the next frame's stability bonus). The softmax *over clips* is taken by the
caller on the whole frame, so the clips' scores can first be smoothed across neighbouring patches (regions).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Band:
    """Per-patch results of one band of patch rows [y0, y1)."""

    score: torch.Tensor  # (K, rows, w) float32: log-sum-exp of clip i's logits (importance not included)
    choice: torch.Tensor  # (K, rows, w) int64: the argmax candidate of each clip, as an index into T*O
    choice_share: (
        torch.Tensor
    )  # (K, rows, w) float32: chosen offset's share of the clip's weight, over deltas


def offsets(radius: int) -> torch.Tensor:
    """(O, 2) int64 (dy, dx) in patches, row-major; the centre (0, 0) is index O // 2."""
    r = torch.arange(-radius, radius + 1)
    return torch.stack(torch.meshgrid(r, r, indexing="ij"), -1).reshape(-1, 2)


def static_bias(
    t: int, radius: int, h: int, w: int, temperature: float, prior: float, device: torch.device
) -> torch.Tensor:
    """(T, O, h, w) float32 logit bias that depends only on geometry: displacement prior and frame border.

    The prior (``prior`` * (|o|^2 + |d|^2), an energy) only breaks ties between equal-looking candidates in
    favour of "same place, same time"; candidates whose patch falls outside the grid get -inf.
    """
    offs = offsets(radius).to(device)
    deltas = torch.arange(t, device=device) - t // 2
    energy = prior * ((offs.square().sum(1)[None, :]) + deltas.square()[:, None]).float()  # (T, O)
    ys = torch.arange(h, device=device)[None, :, None] + offs[:, 0, None, None]
    xs = torch.arange(w, device=device)[None, None, :] + offs[:, 1, None, None]
    inside = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)  # (O, h, w)
    bias = (-energy / temperature)[:, :, None, None].expand(t, -1, h, w).clone()
    return bias.masked_fill_(~inside[None], float("-inf"))


def expand_for_dot(query: torch.Tensor, keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rewrite ||q - k||^2 as q'.k' (up to ||q||^2, the same for every candidate of a patch, so it cancels in
    every softmax and argmax downstream): k' = [k, ||k||^2], q' = [-2q, 1]. One multiply-and-sum per offset
    instead of subtract, square and sum. Only for fp32: in half precision ||k||^2 - 2q.k cancels badly.
    """
    ones = torch.ones_like(query[:1])
    norm = keys.square().sum(-3, keepdim=True)
    return torch.cat([query * -2.0, ones], 0), torch.cat([keys, norm], -3)


def attend_band(
    query: torch.Tensor,  # (D, h, w): features * sqrt(weight / temperature), so energies come out in logits
    keys: torch.Tensor,  # (K, T, D, h + 2r, w + 2r) the same, zero-padded by r patches
    bias: torch.Tensor,  # (T, O, h, w) float32 from static_bias
    y0: int,
    y1: int,
    radius: int,
    stable: tuple[torch.Tensor, torch.Tensor] | None,  # previous (offset index, bonus in logits), (K, h, w)
    dot: bool = False,  # query/keys come from expand_for_dot
    aggregate: int = 0,  # energies summed over a (2a+1)^2 patch neighbourhood (caller scales features)
    workspace: Workspace | None = None,  # reused buffers (a fresh 10+ MB buffer costs page faults per frame)
) -> Band:
    k, t, _, hp, wp = keys.shape
    h, w = hp - 2 * radius, wp - 2 * radius
    rows, side = y1 - y0, 2 * radius + 1
    o_count = side * side
    # aggregation needs `aggregate` rows of energies beyond the band on each side (inside the frame)
    e0, e1 = max(0, y0 - aggregate), min(h, y1 + aggregate)
    work = workspace if workspace is not None else Workspace()
    energy = work.get("energy", (k, t, o_count, e1 - e0, w), keys.device)
    if dot and keys.dtype == torch.float32:
        _dot_energies(query[:, e0:e1], keys, energy, e0, radius)
    else:
        q = query[None, None, :, e0:e1]  # (1, 1, D, rows', w)
        for index in range(o_count):  # shifted views: no (K, T, D, O, P) gather is ever materialised
            dy, dx = divmod(index, side)
            shifted = keys[:, :, :, e0 + dy : e1 + dy, dx : dx + w]
            term = shifted * q if dot else (shifted - q).square_()
            if term.dtype == torch.float32:
                torch.sum(term, 2, out=energy[:, :, index])
            else:  # half precision: summed in its own type, stored as float32
                energy[:, :, index] = term.sum(2)
    if aggregate:
        scratch = work.get("box", energy.shape, keys.device)
        logits = _box_sum(energy, aggregate, scratch)[..., y0 - e0 : y1 - e0, :]
    else:
        logits = energy
    if stable is not None:  # energy minus the bonus of the previous frame's (clip, offset)
        prev_offset, bonus = stable
        index = prev_offset[:, None, None, y0:y1].expand(k, t, 1, rows, w)
        logits.scatter_add_(2, index, -bonus[:, None, None, y0:y1].expand(k, t, 1, rows, w))
    flat = work.get("logits", (k, t * o_count, rows, w), keys.device)
    torch.sub(bias[None, :, :, y0:y1], logits, out=flat.view(k, t, o_count, rows, w))  # bias - energy
    best, choice = flat.max(1)  # (K, rows, w): each clip's best candidate and its logit (offset 0 is finite)
    # exp(logit - clip's best) <= 1: no overflow. Clamped at -80 first: exp is ~10x slower on inputs that
    # underflow, and a weight of e^-80 (also what out-of-frame candidates get now) is nothing next to 1.
    weights = flat.sub_(best[:, None]).clamp_(min=-80.0).exp_()
    clip_sum = weights.sum(1)  # (K, rows, w), >= 1
    # the chosen offset's weight at every delta: a (K, T, 1, rows, w) gather, not a sum over the whole buffer
    chosen_offset = (choice % o_count)[:, None, None].expand(k, t, 1, rows, w)
    share = weights.view(k, t, o_count, rows, w).gather(2, chosen_offset).sum((1, 2)) / clip_sum
    return Band(score=best + clip_sum.log(), choice=choice, choice_share=share)


class Workspace:
    """Buffers reused from frame to frame, by name; a new shape replaces the old buffer.

    Why: the energy volume is K*T*O*P floats (~14 MB at 640x360, 4 clips, radius 4); allocating it fresh
    every frame costs more in page faults than filling it.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, torch.Tensor] = {}

    def get(self, name: str, shape: tuple[int, ...], device: torch.device) -> torch.Tensor:
        numel = 1
        for n in shape:
            numel *= n
        buf = self._buffers.get(name)
        if buf is None or buf.device != device or buf.numel() < numel:
            buf = torch.empty(numel, dtype=torch.float32, device=device)
            self._buffers[name] = buf
        return buf[:numel].view(shape)

    def clear(self) -> None:
        self._buffers.clear()


def _dot_energies(
    q: torch.Tensor,  # (D+1, rows, w) from expand_for_dot, rows [e0, e1)
    keys: torch.Tensor,  # (K, T, D+1, hp, wp) contiguous float32 from expand_for_dot; last channel ||k||^2
    energy: torch.Tensor,  # (K, T, O, rows, w) out
    e0: int,
    radius: int,
) -> None:
    """All offsets of one row of offsets at once: the (dx, y, x) windows of a key channel are one strided
    view (x and dx both step one patch), so each (dy, channel) is one ``addcmul_`` over a (K, T, side, rows,
    w) slab instead of a multiply and a sum per offset. 2x fewer passes and no temporaries.
    """
    k, t, dims, _, _ = keys.shape
    _, rows, w = q.shape
    side = 2 * radius + 1
    keys = keys.contiguous()
    s_k, s_t, s_d, s_y, s_x = keys.stride()
    slabs = energy.view(k, t, side, side, rows, w)
    for dy in range(side):
        windows = keys.as_strided(
            (k, t, dims, side, rows, w),
            (s_k, s_t, s_d, s_x, s_y, s_x),
            keys.storage_offset() + (e0 + dy) * s_y,
        )
        slab = slabs[:, :, dy]
        slab.copy_(windows[:, :, dims - 1])  # ||k||^2: its query coefficient is 1
        for d in range(dims - 1):
            slab.addcmul_(windows[:, :, d], q[d])


def _box_sum(energy: torch.Tensor, radius: int, scratch: torch.Tensor | None = None) -> torch.Tensor:
    """Sum over a (2r+1)^2 neighbourhood of patches (the last two dims), by shifted slice additions.

    Why: a patch alone is small (8x8 px); its neighbours voting for the same (clip, delta, offset) makes
    neighbouring patches agree on one offset, so pasted windows line up instead of smearing textures. It is
    cost-volume filtering as in stereo matching. Slices, because avg_pool2d is ~6x slower here on the CPU.
    Every candidate of a patch sums over the same neighbours, so nothing is biased at the frame border.
    """
    if radius == 1 and energy.shape[-1] > 1 and energy.shape[-2] > 1:
        return _box3(energy, scratch)
    out = energy.clone()
    for shift in range(1, radius + 1):
        out[..., shift:] += energy[..., :-shift]
        out[..., :-shift] += energy[..., shift:]
    rows = out.clone()
    for shift in range(1, radius + 1):
        rows[..., shift:, :] += out[..., :-shift, :]
        rows[..., :-shift, :] += out[..., shift:, :]
    return rows


def _box3(e: torch.Tensor, scratch: torch.Tensor | None = None) -> torch.Tensor:
    """3x3 box sum, the default: one scratch buffer, and the input is overwritten with the result."""
    h = torch.empty_like(e) if scratch is None else scratch
    torch.add(e[..., :-2], e[..., 1:-1], out=h[..., 1:-1]).add_(e[..., 2:])
    torch.add(e[..., :1], e[..., 1:2], out=h[..., :1])
    torch.add(e[..., -2:-1], e[..., -1:], out=h[..., -1:])
    torch.add(h[..., :-2, :], h[..., 1:-1, :], out=e[..., 1:-1, :]).add_(h[..., 2:, :])
    torch.add(h[..., :1, :], h[..., 1:2, :], out=e[..., :1, :])
    torch.add(h[..., -2:-1, :], h[..., -1:, :], out=e[..., -1:, :])
    return e
