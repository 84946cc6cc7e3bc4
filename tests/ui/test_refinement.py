"""Progressive refinement of the paused frame: draft first, final after a quiet moment (warmed up on the
frames before it), aborted by any request within one frame's synthesis, cached apart from the draft, never
while playing; the viewer says which quality it shows. The final synthesis is a slow fake (timing control)."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from studio.engine.frame import FrameRenderer
from studio.engine.synth import Crossfade, SynthInput, SynthOutput
from studio.project import SetSetting, load_project
from studio.ui.engine.host import EngineHost
from studio.ui.viewer.panel import ViewerPanel
from studio.ui.viewer.playback import PlaybackController


class SlowCrossfade(Crossfade):
    """The crossfade taking ``seconds`` per frame: a stand-in for the (much slower) final synthesis."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def __call__(self, inp: SynthInput) -> SynthOutput:
        time.sleep(self.seconds)
        return super().__call__(inp)


class Recording:
    """A renderer recording which frames it rendered and when each finished."""

    def __init__(self, inner: FrameRenderer) -> None:
        self.inner = inner
        self.synthesizer = inner.synthesizer
        self.rendered: list[int] = []
        self.finished: list[float] = []
        self.lock = threading.Lock()

    @property
    def last(self) -> int | None:
        return self.inner.last

    def render(self, n: int) -> Any:
        record = self.inner.render(n)
        with self.lock:
            self.rendered.append(n)
            self.finished.append(time.perf_counter())
        return record

    def set_project(self, project: Any) -> None:
        self.inner.set_project(project)

    def close(self) -> None:
        self.inner.close()


def draft_factory(project: Any, device: str) -> Recording:
    return Recording(FrameRenderer(project, device=device, synthesizer=Crossfade()))


def make_host(project_file: Path, seconds: float) -> EngineHost:
    finals: list[Recording] = []

    def final_factory(project: Any, device: str) -> Recording:
        # labelled "draft" by its FrameRenderer on purpose: the worker labels what its final renderer makes
        finals.append(Recording(FrameRenderer(project, device=device, synthesizer=SlowCrossfade(seconds))))
        return finals[-1]

    drafts: list[Recording] = []

    def recorded_draft_factory(project: Any, device: str) -> Recording:
        drafts.append(draft_factory(project, device))
        return drafts[-1]

    host = EngineHost(renderer_factory=recorded_draft_factory, final_factory=final_factory)
    host.finals = finals
    host.drafts = drafts
    host.project = load_project(project_file)  # 12 frames at 12 fps, 64x48
    host.update_project(host.project)
    host.start()
    return host


@pytest.fixture()
def host(qtbot, project_file: Path):  # noqa: ANN001
    h = make_host(project_file, seconds=0.02)
    yield h
    assert h.shutdown()


@pytest.fixture()
def slow_host(qtbot, project_file: Path):  # noqa: ANN001
    h = make_host(project_file, seconds=0.25)  # a whole refinement (7 frames) takes ~1.75 s
    yield h
    assert h.shutdown()


def collect(host: EngineHost) -> list[tuple[int, Any, int, float]]:
    got: list[tuple[int, Any, int, float]] = []
    host.frameReady.connect(lambda n, rec, gen: got.append((n, rec, gen, time.perf_counter())))
    return got


def test_a_paused_frame_refines_to_final_after_a_quiet_moment(qtbot, host: EngineHost) -> None:  # noqa: ANN001
    got = collect(host)
    started: list[tuple[int, int]] = []
    host.refineStarted.connect(lambda n, gen: started.append((n, gen)))
    gen = host.request_frame(8)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=20000)
    (n0, draft, g0, _), (n1, final, g1, _) = got
    assert (n0, g0, draft.quality) == (8, gen, "draft")
    assert (n1, g1, final.quality) == (8, gen, "final")  # same frame, same generation: the viewer takes it
    assert started == [(8, gen)]
    refiner = host.finals[0]
    # Not before the quiet moment (150 ms): timed on the engine thread, where the draft was rendered and
    # the refinement's first frame after it (the GUI thread may take both from its queue at once).
    assert refiner.finished[0] - host.drafts[0].finished[0] >= 0.14
    assert refiner.rendered == [2, 3, 4, 5, 6, 7, 8]  # warmed up on 6 frames before n, as export saw them

    # Revisited: final at once, from its own cache entry; nothing rendered again.
    got.clear()
    gen = host.request_frame(8)
    qtbot.waitUntil(lambda: bool(got), timeout=20000)
    qtbot.wait(400)
    assert [(n, rec.quality, g) for n, rec, g, _ in got] == [(8, "final", gen)]
    assert refiner.rendered == [2, 3, 4, 5, 6, 7, 8]

    # One step on: draft, then final continuing the refiner's temporal state (one frame, no warm-up).
    got.clear()
    gen = host.request_frame(9)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=20000)
    assert [(n, rec.quality, g) for n, rec, g, _ in got] == [(9, "draft", gen), (9, "final", gen)]
    assert refiner.rendered[7:] == [9]


def test_a_request_during_refinement_cancels_it_promptly(qtbot, slow_host: EngineHost) -> None:  # noqa: ANN001
    host = slow_host
    got = collect(host)
    started: list[int] = []
    host.refineStarted.connect(lambda n, gen: started.append(gen))
    first = host.request_frame(8)
    qtbot.waitUntil(lambda: bool(host.finals) and len(host.finals[0].rendered) >= 1, timeout=20000)
    refiner = host.finals[0]
    assert started == [first]
    second = host.request_frame(3)  # a scrub while the refinement is on its warm-up
    asked = time.perf_counter()  # after the request is queued to the engine thread
    qtbot.waitUntil(lambda: any(g == second for _, _, g, _ in got), timeout=20000)
    n, rec, _, arrived = next(item for item in got if item[2] == second)
    assert (n, rec.quality) == (3, "draft")
    # Counted in frames, not seconds: after the request, at most the final frame underway finishes (and one
    # its event loop may have begun before taking the request), never the rest of the refinement.
    with refiner.lock:
        after_request = len([t for t in refiner.finished if t > asked])
        aborted_at = len([t for t in refiner.finished if t <= arrived])
    assert after_request <= 2, refiner.rendered
    assert aborted_at < 7
    # The new frame refines in its turn; the old refinement never delivered its frame.
    qtbot.waitUntil(lambda: any(g == second and r.quality == "final" for _, r, g, _ in got), timeout=20000)
    assert [g for _, r, g, _ in got if r.quality == "final"] == [second]
    assert refiner.rendered[-1] == 3 and 8 not in refiner.rendered


def test_playing_never_emits_final_and_pausing_refines_the_shown_frame(qtbot, host: EngineHost) -> None:  # noqa: ANN001
    pb = PlaybackController(host)
    pb.set_timing(host.project.settings.fps, host.project.settings.frame_count)
    shown: list[tuple[int, str]] = []
    pb.frameShown.connect(lambda n, rec: shown.append((n, rec.quality)))
    refining: list[int] = []
    pb.refining.connect(refining.append)
    arrived: list[str] = []
    host.frameReady.connect(lambda _n, rec, _g: arrived.append(rec.quality))
    pb.loop = True
    pb.play()
    qtbot.waitUntil(lambda: len(shown) >= 14, timeout=30000)  # past the loop wrap
    assert {q for _, q in shown} == {"draft"} and set(arrived) == {"draft"}
    assert not host.finals  # no final renderer was even built
    pb.pause()
    paused = pb.position
    qtbot.waitUntil(lambda: shown[-1] == (paused, "final"), timeout=20000)
    assert shown[-2] == (paused, "draft")  # the paused frame again at once (cached), then refined
    assert refining == [paused]
    mark = len(shown)
    pb.play()  # on from the final frame: draft again
    qtbot.waitUntil(lambda: len(shown) >= mark + 6, timeout=30000)
    assert {q for _, q in shown[mark:]} == {"draft"}
    pb.pause()


def test_edits_keep_or_drop_the_refinement_as_the_pixels_say(qtbot, host: EngineHost) -> None:  # noqa: ANN001
    got = collect(host)
    host.request_frame(5)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=20000)
    refiner = host.finals[0]
    renders = len(refiner.rendered)
    # Exporting draft shows the draft (what that export makes); back to final, the final frame is still
    # cached: neither edit changes pixels, so nothing is rendered again.
    project = host.project
    engine = dataclasses.replace(project.settings.engine, quality="draft")
    project.settings = dataclasses.replace(project.settings, engine=engine, crf=35)
    host.update_project(project)
    got.clear()
    host.request_frame(5)
    qtbot.waitUntil(lambda: bool(got), timeout=20000)
    qtbot.wait(400)
    assert [rec.quality for _, rec, _, _ in got] == ["draft"] and len(refiner.rendered) == renders
    engine = dataclasses.replace(project.settings.engine, quality="final")
    project.settings = dataclasses.replace(project.settings, engine=engine)
    host.update_project(project)
    got.clear()
    host.request_frame(5)
    qtbot.waitUntil(lambda: bool(got), timeout=20000)
    assert got[0][1].quality == "final" and len(refiner.rendered) == renders
    # A pixel edit clears both caches: draft first again, then refined again from its warm-up.
    engine = dataclasses.replace(project.settings.engine, temperature=3.0)
    project.settings = dataclasses.replace(project.settings, engine=engine)
    host.update_project(project)
    got.clear()
    host.request_frame(5)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=20000)
    assert [rec.quality for _, rec, _, _ in got] == ["draft", "final"]
    assert refiner.rendered[renders:] == [0, 1, 2, 3, 4, 5]


def test_the_viewer_says_which_quality_it_shows(qtbot) -> None:  # noqa: ANN001
    viewer = ViewerPanel()
    qtbot.addWidget(viewer)
    frame = np.zeros((48, 64, 3), np.uint8)
    assert viewer.quality_label.text() == ""
    viewer.show_frame(0, frame, None, "draft")
    assert viewer.quality_label.text() == "draft"
    viewer.set_quality("refining")
    assert viewer.quality_label.text() == "refining…"
    viewer.show_frame(0, frame, None, "final")
    assert viewer.quality_label.text() == "final"
    viewer.show_frame(1, frame, None)  # unlabelled
    assert viewer.quality_label.text() == ""


def test_the_window_shows_draft_refining_then_final(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    finals: list[Recording] = []

    def final_factory(project: Any, device: str) -> Recording:
        finals.append(Recording(FrameRenderer(project, device=device, synthesizer=SlowCrossfade(0.05))))
        return finals[-1]

    window = make_window(project_file, renderer_factory=draft_factory, final_factory=final_factory)
    texts: list[str] = []
    label = window.viewer.quality_label
    window.playback.frameShown.connect(lambda *_: texts.append(label.text()))
    window.playback.refining.connect(lambda *_: texts.append(label.text()))
    qtbot.waitUntil(lambda: label.text() == "final", timeout=30000)
    assert texts[-3:] == ["draft", "refining…", "final"]
    # The export quality is an inspector setting: editing it re-renders nothing in the preview.
    renders = len(finals[0].rendered)
    window.document.push(SetSetting("engine.quality", "draft"))
    qtbot.wait(400)
    assert label.text() == "final" and len(finals[0].rendered) == renders


def test_a_project_that_exports_draft_is_not_refined(qtbot, host: EngineHost) -> None:  # noqa: ANN001
    """What the artist inspects is what the export makes: with draft exports the draft frame is final."""
    from dataclasses import replace

    project = host.project
    engine = replace(project.settings.engine, quality="draft")
    project.settings = replace(project.settings, engine=engine)
    host.update_project(project)
    got = collect(host)
    host.request_frame(5)
    qtbot.waitUntil(lambda: bool(got), timeout=20000)
    qtbot.wait(500)
    assert [rec.quality for _, rec, _, _ in got] == ["draft"] and not host.finals
