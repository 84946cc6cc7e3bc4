"""The one way the window runs work off the GUI thread (studio.ui.jobs): superqt workers that start on a given
pool, join one at a time, clean up a generator on its own thread when stopped, and never end silently."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThreadPool

from studio.ui.jobs import FunctionJob, GeneratorJob


def test_function_job_returns_on_the_gui_thread_from_its_pool(qtbot) -> None:  # noqa: ANN001
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    ran_on: list[str] = []
    job = FunctionJob(lambda x: ran_on.append(threading.current_thread().name) or x * 2, 21)
    got: list[tuple[object, str]] = []
    job.returned.connect(lambda r: got.append((r, threading.current_thread().name)))
    with qtbot.waitSignal(job.finished, timeout=5000):
        job.start(pool)
    assert job.join(1000) and job.ended
    assert got == [(42, threading.main_thread().name)]  # delivered on the GUI thread
    assert ran_on and ran_on[0] != threading.main_thread().name
    assert pool.waitForDone(1000)


def test_quit_closes_the_generator_on_its_own_thread(qtbot) -> None:  # noqa: ANN001
    cleaned_on: list[str] = []
    go_on = threading.Event()

    def steps():  # noqa: ANN202
        try:
            i = 0
            while True:
                yield i
                i += 1
                go_on.wait(5)
        finally:
            cleaned_on.append(threading.current_thread().name)

    job = GeneratorJob(steps)
    seen: list[int] = []
    job.yielded.connect(seen.append)
    aborted: list[bool] = []
    job.aborted.connect(lambda: aborted.append(True))
    job.start(QThreadPool.globalInstance())
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=5000)
    job.quit()
    go_on.set()
    assert job.join(5000)
    assert cleaned_on and cleaned_on[0] != threading.main_thread().name  # the finally ran there, at once
    qtbot.waitUntil(lambda: aborted == [True], timeout=5000)


def test_a_runtime_error_ends_in_errored_then_finished(qtbot) -> None:  # noqa: ANN001
    def broken():  # noqa: ANN202
        yield 1
        raise RuntimeError("CUDA error")

    job = GeneratorJob(broken)
    errors: list[BaseException] = []
    job.errored.connect(errors.append)
    with qtbot.waitSignal(job.finished, timeout=5000):
        job.start()
    assert [str(e) for e in errors] == ["CUDA error"]


def test_join_times_out_while_the_job_runs(qtbot) -> None:  # noqa: ANN001
    release = threading.Event()
    job = FunctionJob(release.wait, 5)
    job.start(QThreadPool.globalInstance())
    t0 = time.perf_counter()
    assert not job.join(50) and time.perf_counter() - t0 < 1
    release.set()
    assert job.join(5000)
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=5000)
