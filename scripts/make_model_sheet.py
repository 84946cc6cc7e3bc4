"""Contact sheet of what the native-size generators make, on realistic footage, for docs/.

    python scripts/make_model_sheet.py [--out docs/images/model_sheet.png] [--checkpoint INTERP_DIR]

Footage: ``tests/footage.py`` at 640x360 (H.264). Rows, each frame shown at half size:

- interpolate (parallax scene with an occluder): frame 20 | the made frame 21 | the real frame 21 | frame 22
- extend (pan, motorcycle): last real frame 23 | +1 | +4 | +8 made | the real +8
- morph (pan into push-in): A's last frame | 25 % | 50 % | 75 % | B's first frame

Interpolation uses ``--checkpoint`` (an interp model) or, without one, the untrained interpolator (DIS flow),
exactly what *Retime to fill* does on a project without training.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.models.interp import interpolate  # noqa: E402
from studio.models.native_generate import extrapolate, morph_frames  # noqa: E402
from tests import footage  # noqa: E402


def label(img: np.ndarray, text: str) -> np.ndarray:
    img = cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)
    cv2.rectangle(img, (0, 0), (8 + 7 * len(text), 16), (0, 0, 0), -1)
    cv2.putText(img, text, (4, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def row(cells: list[np.ndarray]) -> np.ndarray:
    gap = np.full((cells[0].shape[0], 4, 3), 255, np.uint8)
    while len(cells) < 5:
        cells.append(np.full_like(cells[0], 255))
    return np.concatenate([c for cell in cells for c in (cell, gap)][:-1], 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "images" / "model_sheet.png"))
    ap.add_argument("--checkpoint", type=Path)
    a = ap.parse_args()
    model = None
    if a.checkpoint:
        from studio.models.checkpoint import load_checkpoint

        model = load_checkpoint(a.checkpoint).model
    with tempfile.TemporaryDirectory() as tmp:
        pan, zoom, parallax, _ = (footage.decode(p) for p in footage.library(tmp, frames=48))
    made = interpolate(model, parallax[20], parallax[22], 0.5)
    rows = [row([label(parallax[20], "frame 20"), label(made, "made 21"), label(parallax[21], "real 21"),
                 label(parallax[22], "frame 22")])]  # fmt: skip
    ahead, _ = extrapolate(pan[20:24], 8)
    rows.append(row([label(pan[23], "last real"), label(ahead[0], "+1"), label(ahead[3], "+4"),
                     label(ahead[7], "+8 made"), label(pan[31], "+8 real")]))  # fmt: skip
    morph = morph_frames(pan, zoom, 3)
    rows.append(row([label(pan[-1], "A end"), label(morph[0], "25%"), label(morph[1], "50%"),
                     label(morph[2], "75%"), label(zoom[0], "B start")]))  # fmt: skip
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    sheet = np.concatenate([c for r in rows for c in (r, np.full((4, width, 3), 255, np.uint8))][:-1], 0)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(a.out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(a.out)


if __name__ == "__main__":
    main()
