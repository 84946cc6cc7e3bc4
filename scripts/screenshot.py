"""Render the README's window screenshot: the demo project, a few live preview frames, grabbed offscreen.

    python scripts/screenshot.py [-o docs/images/window.png] [--frames 24] [--at 2.5] [--project FILE]

Settings, autosave and caches go to a temp folder, so running it never touches the user's own. The preview
frames come from the real engine on its thread; the script waits for them with a local event loop fed by
signals (no sleeps), then grabs the window with ``QWidget.grab()``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _isolate() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="studio-shot-"))
    for name in ("SETTINGS", "STATE", "CACHE"):
        os.environ[f"STUDIO_{name}_DIR"] = str(tmp / name.lower())


def wait_for(condition, timeout_ms: int) -> bool:  # noqa: ANN001
    """Run the event loop until ``condition()`` holds (checked every 50 ms) or the timeout passes."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: condition() and loop.quit())
    poll.start(50)
    QTimer.singleShot(timeout_ms, loop.quit)
    if not condition():
        loop.exec()
    poll.stop()
    return bool(condition())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "images" / "window.png")
    parser.add_argument("--frames", type=int, default=24, help="preview frames to render before the grab")
    parser.add_argument("--at", type=float, default=2.5, help="where the playhead rests, in seconds")
    parser.add_argument("--project", type=Path, default=None, help="another project than the demo")
    parser.add_argument("--size", default="1600x960", help="window size, WxH")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for the frames")
    args = parser.parse_args(argv)
    _isolate()

    from studio import paths
    from studio.ui.app.launch import build_main_window, ensure_app
    from studio.ui.theme import apply_dark_theme

    apply_dark_theme(ensure_app())
    window = build_main_window(args.project or paths.DEMO_PROJECT)
    width, height = (int(v) for v in args.size.lower().split("x"))
    window.resize(width, height)
    window.show()
    arrived: list[int] = []
    errors: list[str] = []
    window.playback.frameArrived.connect(lambda n, _rec: arrived.append(n))
    window.host.worker.error.connect(errors.append)
    fps = window.project.settings.fps
    at = min(round(args.at * fps), window.project.settings.frame_count - 1)
    start = max(0, at - args.frames + 1)
    window.playback.seek(start, immediate=True)
    window.playback.play()  # fills the heatmap as the frames come
    ok = wait_for(lambda: len(arrived) >= args.frames or bool(errors), int(args.timeout * 1000))
    ok = ok and not errors
    window.playback.pause()
    window.playback.seek(at, immediate=True)
    shown = len(arrived)
    wait_for(lambda: len(arrived) > shown or bool(errors), 30000)
    # paused, the shown frame refines to the export's quality: grab what the artist sees a moment later
    from studio.ui.viewer.panel import QUALITY_TEXT

    if window.project.settings.engine.quality == "final":
        done = QUALITY_TEXT["final"]
        wait_for(lambda: window.viewer.quality_label.text() == done or bool(errors), 60000)
    window.viewer.set_overlay_opacity(0.0)  # the natural picture (the overlay tints it by clip)
    window.library.jobs.wait()
    wait_for(lambda: False, 500)  # the panels' coalesced redraws (~30/s) catch up
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(f".{args.output.name}.part.png")
    window.grab().save(str(tmp))
    os.replace(tmp, args.output)  # atomic: a failed grab never leaves half a PNG
    status = "ok" if ok else (f"engine error: {errors[0]}" if errors else "timed out")
    print(f"{args.output}  ({len(arrived)} frames rendered, {status})")
    window.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
