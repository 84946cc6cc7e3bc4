"""Proxies and scene cuts in the window: a clip above the preview size gets a proxy made in the background
(the library says "proxy 45 %" meanwhile, and how many shots the clip has); the preview's gatherer reads the
proxy once it is ready and the View menu's switch is on (the preview's cache key follows), the export always
reads the originals (its pixels are those of a render without proxies), the timeline marks the cuts on the
block and splits it there in one undo step, and closing mid-transcode leaves no partial proxy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from studio.engine.frame import FrameRenderer
from studio.engine.render import RenderJob
from studio.engine.synth import Crossfade, SynthInput, SynthOutput
from studio.media import probe
from studio.media.proxy import proxy_file
from studio.project import Placement, Project, clip_from_info, load_project, save_project
from studio.project.model import GenerationSettings
from studio.ui.library.panel import COLUMNS, SHOTS
from studio.ui.library.prep import MediaPrep
from tests import clipfactory


class Recording(Crossfade):
    """The crossfade, keeping every frame it makes: the pixels a render hands its encoder (x264's own output
    is not repeatable bit for bit here: its frame threads)."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[np.ndarray] = []

    def __call__(self, inp: SynthInput) -> SynthOutput:
        out = super().__call__(inp)
        self.frames.append(out.frame.copy())
        return out


def _rendered(project: Any, output: Path) -> np.ndarray:
    synth = Recording()
    RenderJob(project, output, synthesizer=synth).run()
    return np.stack(synth.frames)


@pytest.fixture()
def big_project(tmp_path: Path) -> tuple[Path, Path]:
    """A 1280x720 clip (cuts at 12 and 23: the pattern's blue jumps) over 1 s of a 320x180 output."""
    clip = clipfactory.make_clip(tmp_path / "big.mp4", width=1280, height=720, frames=24, gop=12)
    project = Project(
        "proxies",
        [clip_from_info("clip-1", clip, probe(clip))],
        [Placement("p-1", "clip-1", 0.0, 1.0)],
        GenerationSettings(duration=1.0, fps=12.0, width=320, height=180, crf=18, audio=False),
    )
    return save_project(project, tmp_path / "proxies.avsproj.json"), clip


def test_preview_reads_the_proxy_and_export_the_original(
    qtbot,  # noqa: ANN001
    make_window,  # noqa: ANN001
    big_project: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    project_file, clip = big_project
    renderers: list[FrameRenderer] = []

    def preview(project: Any, device: str) -> FrameRenderer:
        renderers.append(FrameRenderer(project, synthesizer=Crossfade()))
        return renderers[-1]

    exports: list[Recording] = []

    def job(project: Any, output: Path, **kwargs: Any) -> RenderJob:
        exports.append(Recording())
        return RenderJob(project, output, synthesizer=exports[-1], cancel=kwargs.get("cancel"))

    w = make_window(project_file, renderer_factory=preview, job_factory=job)
    lib, prep = w.library, w.library.prep
    seen: list[str] = []
    prep.changed.connect(lambda path: seen.append(lib.row_for("clip-1").text(len(COLUMNS) - 1)))
    qtbot.waitUntil(lambda: prep.proxy(clip) is not None and prep.cuts(clip) is not None, timeout=60000)
    proxy = prep.proxy(clip)
    assert proxy == proxy_file(clip) and proxy.exists()
    assert any(s.startswith("ok · proxy ") and s.endswith(" %") for s in seen)  # progress in the library
    row = lib.row_for("clip-1")
    assert row.text(len(COLUMNS) - 1) == "ok · proxy"
    assert row.text(SHOTS) == "3 shots" and "shot 2 at " in row.toolTip(SHOTS)
    assert w.timeline.blocks["p-1"].cut_marks == pytest.approx((0.5,))  # output 12 fps shows frame 2n

    def reading() -> Path:
        """The file the preview read frame 3 from (a frame it rendered, not one from its cache)."""
        latest = w.host.shared.generation + 1
        want = lambda n, _r, generation: (n, generation) == (3, latest)  # noqa: E731
        with qtbot.waitSignal(w.host.frameReady, timeout=30000, check_params_cb=want):
            w.host.request_frame(3)
        return renderers[-1]._gatherer._readers["clip-1"][1].info.path

    keys: list[str] = []
    w.host._send.connect(lambda request: keys.append(getattr(request, "render_key", None)))
    assert reading() == proxy
    toggle = w.actions_by_name["proxies"]
    assert toggle.isChecked() and toggle in w.view_menu.actions()
    toggle.setChecked(False)
    assert reading() == clip.resolve()
    assert w.settings.value("preview/proxies", type=bool) is False
    toggle.setChecked(True)
    assert reading() == proxy
    render_keys = [k for k in keys if k]
    assert len(set(render_keys)) == 2 and render_keys[0] != render_keys[1]  # the cache follows the switch

    with qtbot.waitSignal(w.host.exportFinished, timeout=60000):
        w.host.export(w.project, tmp_path / "export.mp4")
    plain = _rendered(load_project(project_file), tmp_path / "plain.mp4")  # no proxies anywhere
    np.testing.assert_array_equal(np.stack(exports[0].frames), plain)  # bit-exact
    shown, _ = prep.preview_media(w.project)  # what the preview renders is not what was exported
    assert shown.clips[0].path == proxy
    assert np.abs(_rendered(shown, tmp_path / "proxied.mp4").astype(int) - plain).max() > 2

    assert w.timeline.split_at_cuts("p-1")
    assert [p.clip_id for p in w.project.placements] == ["clip-2", "clip-3"]
    assert w.document.stack.count() == 1
    w.document.stack.undo()
    assert [p.id for p in w.project.placements] == ["p-1"] and len(w.project.clips) == 1


def test_closing_mid_transcode_leaves_no_partial_proxy(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    clip = clipfactory.make_clip(tmp_path / "long.mp4", width=1280, height=720, frames=24, gop=24)
    prep = MediaPrep()
    reports: list[str] = []
    prep.changed.connect(lambda path: reports.append(prep.status(path)))
    prep.prepare(clip, (1280, 720), (320, 180))
    qtbot.waitUntil(lambda: any(r.startswith("proxy ") for r in reports), timeout=60000)
    assert prep.shutdown()
    folder = proxy_file(clip).parent
    assert not proxy_file(clip).exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".long") or "part" in p.name]
    assert prep.proxy(clip) is None
