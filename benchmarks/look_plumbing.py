"""bench_look's plumbing around ../shared/look_metrics.py: finding it, memoising its per-source work, and a
faster coherence search with the same numbers (the measures themselves are the script's, untouched)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load_metrics(path: Path | None):
    """look_metrics.py as a module: --metrics, else shared/ in the repo or beside it (CI's clone has one)."""
    candidates = (
        [path] if path else [ROOT / "shared" / "look_metrics.py", ROOT.parent / "shared" / "look_metrics.py"]
    )
    for candidate in candidates:
        if candidate is not None and candidate.is_file():
            spec = importlib.util.spec_from_file_location("look_metrics", candidate)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module, candidate
    raise SystemExit(
        f"look_metrics.py not found (looked at {', '.join(map(str, candidates))}); pass --metrics"
    )


def cache_references(lm) -> None:
    """Memoise look_metrics' per-source work across cases (the same sources come back in every case): the
    ffmpeg reference of a source, and the warp error of a reference (or a slice of one). Same numbers,
    minutes less; outputs are never cached (only arrays that are, or view, a cached reference)."""
    references: dict[tuple, object] = {}
    warps: dict[tuple, float] = {}
    reference, warp_error = lm.reference, lm.warp_error

    def cached_reference(clip, w, h, fps, n):
        key = (str(clip), w, h, float(fps), n)
        if key not in references:
            references[key] = reference(clip, w, h, fps, n)
        return references[key]

    def cached_warp_error(frames):
        owner = next((r for r in references.values() if frames is r or frames.base is r), None)
        if owner is None:
            return warp_error(frames)
        key = (id(owner), frames.shape, frames.__array_interface__["data"][0])
        if key not in warps:
            warps[key] = warp_error(frames)
        return warps[key]

    lm.reference, lm.warp_error = cached_reference, cached_warp_error


def fast_coherence(lm):
    """look_metrics' ``coherence`` with the same draws, candidates and tie-breaking, ~40x faster: each
    window's squared distances come from one ``cv2.matchTemplate`` (TM_SQDIFF) instead of an unfold per
    patch, and the near-best candidates (within float noise of the minimum) are re-scored exactly as the
    script does (float32 mean of squared differences, first minimum in its unfold order, a strictly better
    source / frame offset replaces the previous one). Same numbers to every printed digit on the crossfade,
    free2 and free4 outputs (2-3 s a case instead of 1.5-4 min on a busy 2-core box); ``--exact-metrics``
    uses the script's own loop."""

    def coherence(out, sources, frames_idx, n=120, p=7, r=48, seed=0):
        rng = np.random.default_rng(seed)
        dists, owners, sharp = [], [], []
        h, w = out.shape[1:3]
        side = 2 * r + 1  # candidate positions per row of a window
        as_float: dict[tuple[int, int], np.ndarray] = {}
        for t in frames_idx:
            ys = rng.integers(r, h - r - p, n)
            xs = rng.integers(r, w - r - p, n)
            frames = []
            for k, src in enumerate(sources):
                for dt in (-1, 0, 1):
                    i = min(max(t + dt, 0), len(src) - 1)
                    if (k, i) not in as_float:
                        as_float[(k, i)] = src[i].astype(np.float32)
                    frames.append((k, as_float[(k, i)]))
            for y, x in zip(ys, xs, strict=True):
                qp = out[t, y : y + p, x : x + p].astype(np.float32)
                q = qp.reshape(-1)
                best, owner, match = np.inf, -1, None
                for k, s in frames:
                    win = s[y - r : y + r + p, x - r : x + r + p]
                    d2 = cv2.matchTemplate(win, qp, cv2.TM_SQDIFF).ravel() / q.size
                    lo = float(d2.min())
                    bd, bi = np.inf, -1
                    for ci in np.flatnonzero(d2 <= lo + 1e-3 * max(lo, 1.0) + 0.02):
                        a, b = divmod(int(ci), side)
                        d = float(((win[a : a + p, b : b + p].reshape(-1) - q) ** 2).mean(dtype=np.float32))
                        if d < bd:
                            bd, bi = d, int(ci)
                    if bd < best:
                        a, b = divmod(bi, side)
                        best, owner, match = bd, k, win[a : a + p, b : b + p]
                dists.append(np.sqrt(best))
                owners.append(owner)
                g_src = lm._grad(match)
                if g_src > 4.0:  # textured: a ratio means something
                    sharp.append(lm._grad(qp) / g_src)
        owners = np.asarray(owners)
        shares = [float((owners == k).mean()) for k in range(len(sources))]
        s_med = float(np.median(sharp)) if sharp else float("nan")
        return float(np.mean(dists)), float(np.percentile(dists, 90)), shares, s_med

    return coherence
