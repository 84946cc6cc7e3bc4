"""No GUI stall while the engine wakes: the real window in a fresh process (torch not loaded yet), Space
pressed on its first shown frame, and a 10 ms heartbeat on the GUI thread while torch loads on the engine
thread, the generator is built and the preview plays. The worst gap between two heartbeats, from the first
shown frame on, stays under 50 ms.

Why a subprocess: the stall is torch's first import, which this test process has usually done already.
Why a control and the best of a few runs: the heartbeat is wall-clock time, and on a busy 2-core box other
processes delay it too. A second process runs the same heartbeat meanwhile, with no GIL to share: its gaps
are the machine's own hiccups, and only the part of a window's gap beyond the control's at the same moment
counts as a stall (on an idle box the control sees ~10 ms and takes nothing off). A real stall (the GIL
held by an import) is there in every run, so every run over the limit is what a failure means.

    python tests/ui/test_gui_stall.py PROJECT   # one measurement, printed as JSON (what the test runs)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.ui.viewer.playback import STARTING_PLAY

HEARTBEAT_MS = 10
STALL_LIMIT_MS = 50.0
RUNS = 3  # the best of: see above
MEASURE_S = 3.0  # at least this long after the first frame...
PLAYED_FRAMES = 6  # ...and until this many frames were shown playing (the engine woke and plays)
GIVE_UP_S = 60.0  # a run that never plays ends here (and fails on "played")


def measure(project: str) -> dict:
    """In a fresh process: show the window, press Space on its first frame, heartbeat until it played."""
    started = time.perf_counter()
    torch_at_start = "torch" in sys.modules
    from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QMessageBox

    from studio.ui import build_main_window

    window = build_main_window(project)
    window.document.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    pb = window.playback
    result: dict = {"torch_at_start": torch_at_start, "states": [], "notices": []}
    beats: list[float] = []
    played: list[int] = []
    loop = QEventLoop()

    def tick() -> None:
        beats.append(time.perf_counter())
        enough = beats[-1] - beats[0] >= MEASURE_S and len(played) >= PLAYED_FRAMES
        if enough or beats[-1] - started > GIVE_UP_S:
            loop.quit()

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(tick)

    def first_frame() -> None:
        beats.append(time.perf_counter())  # the first gap counts from the end of the first paint
        result["first_frame_s"] = beats[0] - started
        result["first_frame_at"] = beats[0]  # perf_counter: one clock for all processes
        result["torch_at_first_frame"] = "torch" in sys.modules
        heartbeat.start()
        QTest.keyClick(window.viewer.view, Qt.Key.Key_Space)
        result["playing_after_space"] = pb.playing

    class FirstPaint(QObject):
        """The viewer's first paint: the rest of that paint pass ends before a zero timer fires."""

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint and not beats:
                obj.removeEventFilter(self)
                QTimer.singleShot(0, first_frame)
            return False

    first_paint = FirstPaint()
    window.viewer.view.installEventFilter(first_paint)
    pb.frameShown.connect(lambda n, _rec: played.append(n) if pb.playing else None)
    window.host.worker.stateChanged.connect(
        lambda s: result["states"].append((round(time.perf_counter() - started, 2), s))
    )
    if hasattr(pb, "notice"):
        pb.notice.connect(lambda text: result["notices"].append(text))
    result["show_s"] = time.perf_counter() - started
    window.show()
    window.activateWindow()  # shortcuts (Space) need the active window, as with a real user
    loop.exec()
    heartbeat.stop()
    gaps = sorted(((b - a, b) for a, b in zip(beats, beats[1:], strict=False)), reverse=True)
    result.update(
        long_gaps=[(g, end) for g, end in gaps if g > 2 * HEARTBEAT_MS / 1000],
        worst_gap_ms=round(gaps[0][0] * 1000, 1) if gaps else None,
        worst_at_s=round(gaps[0][1] - beats[0], 2) if gaps else None,  # when it ended, from the first frame
        top_gaps=[(round(g * 1000), round(end - started, 3)) for g, end in gaps[:5]],  # from process start
        beats=len(beats),
        played=len(played),
        errors=window.last_error,
    )
    window.shutdown()
    return result


# The control: the same 10 ms heartbeat in a process of its own, until its stdin closes; prints its gaps.
CONTROL = f"""
import json, sys, threading, time
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
gaps, last = [], time.perf_counter()
while not stop.is_set():
    time.sleep({HEARTBEAT_MS / 1000})
    now = time.perf_counter()
    gaps.append((now - last, now))
    last = now
print(json.dumps(gaps))
"""


def run_fresh(project: Path, settings: Path) -> dict:
    """One measurement in a fresh process, with the control's worst gap over the same time beside it."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STUDIO_SETTINGS_DIR": str(settings)}
    control = subprocess.Popen(
        [sys.executable, "-c", CONTROL], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        out = subprocess.run(
            [sys.executable, __file__, str(project)], capture_output=True, text=True, env=env, timeout=90
        )
    finally:
        control_out, _ = control.communicate("", timeout=30)
    assert out.returncode == 0, out.stderr[-3000:]
    run = json.loads(out.stdout.strip().splitlines()[-1])
    control_gaps = json.loads(control_out)
    stalls = [(run["worst_gap_ms"], 0.0)] if not run["long_gaps"] else []
    for gap, end in run.pop("long_gaps"):
        # The control's longest gap overlapping this one: what the machine added beyond 10 ms is taken off.
        machine = max((g for g, e in control_gaps if e > end - gap and e - g < end), default=0.0)
        stalls.append(((gap - max(machine - HEARTBEAT_MS / 1000, 0.0)) * 1000, machine * 1000))
    stall, machine_ms = max(stalls)
    run["stall_ms"], run["machine_ms"] = round(stall, 1), round(machine_ms, 1)
    return run


@pytest.mark.slow
def test_the_gui_never_stalls_while_the_engine_wakes(project_file: Path, tmp_path: Path) -> None:
    runs = []
    for i in range(RUNS):
        run = run_fresh(project_file, tmp_path / f"settings-{i}")
        print(
            f"run {i + 1}: worst heartbeat gap {run['worst_gap_ms']} ms at {run['worst_at_s']} s, control "
            f"{run['machine_ms']} ms: stall {run['stall_ms']} ms",
            run,
        )
        assert not run["torch_at_start"] and not run["torch_at_first_frame"], "torch loaded before the window"
        assert run["playing_after_space"] and run["played"] >= PLAYED_FRAMES, run
        assert STARTING_PLAY in run["notices"] and run["notices"][-1] == "", run["notices"]  # held, said so
        assert not run["errors"], run["errors"]
        runs.append(run)
        if run["stall_ms"] < STALL_LIMIT_MS:
            break
    best = min(runs, key=lambda r: r["stall_ms"])
    print(
        f"worst GUI heartbeat gap from the first shown frame on: {best['worst_gap_ms']} ms, the control's "
        f"{best['machine_ms']} ms: a {best['stall_ms']} ms stall (best of {len(runs)})"
    )
    assert best["stall_ms"] < STALL_LIMIT_MS, [(r["worst_gap_ms"], r["machine_ms"]) for r in runs]


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
