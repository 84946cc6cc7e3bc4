"""What the library prepares for each file in the background: its scene cuts, and a preview proxy.

Every clip's cuts are found once (``studio.media.shot_cache``: a decode of the file, cached by path, size and
mtime); a clip above the preview size also gets a proxy (``studio.media.proxy``: at most 540p, all-intra),
and its cuts are found in the same pass. The work runs as ``studio.ui.jobs.GeneratorJob`` on a pool of one
low-priority thread of its own (a transcode is heavy; thumbnails and probes never wait behind it), one job per
file, reporting progress for the library ("proxy 45 %"); ``shutdown`` cancels them (a cancelled transcode
leaves no file). The library gives it ``MediaJobs.background``, so joining the library's jobs joins these.

The preview reads proxies, never the export: :meth:`MediaPrep.preview_media` gives the engine host the project
with each clip whose proxy is ready read from it (when "Use Proxies for Preview" is on) and a key that changes
with what the preview depends on here (the proxies in use, through the paths, and the cuts known), so the
preview's cache is dropped when either changes. The export gets the document's project, with the originals.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, QThreadPool, QTimer, Signal, Slot

from studio.errors import one_line
from studio.media.background import PROXY, SHOTS
from studio.ui.jobs import GeneratorJob
from studio.ui.timecode import format_timecode

log = logging.getLogger(__name__)


def _prepare(path: Path, proxy: bool, keep: Iterable[Path]) -> Generator[tuple, None, tuple]:
    """On the job's thread: the file's proxy if asked for, and its cuts, made in a child process (this
    thread only waits on its pipe: the GUI thread keeps the GIL); yields (path, stage, fraction), returns
    (path, cuts, proxy path or None, error): a failure is an answer too."""
    from studio.media.background import prepare

    key = str(path)
    work = prepare(path, proxy, keep)
    try:
        with contextlib.closing(work):  # closed early (cancelled): the child is stopped, no file is left
            while True:
                try:
                    stage, fraction = next(work)
                except StopIteration as done:
                    cuts, made = done.value
                    return key, cuts, made, ""
                yield key, stage, fraction
    except Exception as exc:  # MediaError is the expected one (damage); anything else must not kill us
        return key, None, None, one_line(exc)


class MediaPrep(QObject):
    changed = Signal(str)  # a file's cuts, proxy or progress changed (its library row, its timeline blocks)
    previewChanged = Signal()  # what the preview reads changed: a proxy ready, the toggle, cuts found

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        if pool is None:
            pool = QThreadPool(self)
            pool.setMaxThreadCount(1)
            pool.setThreadPriority(QThread.Priority.LowPriority)
        self.pool = pool
        self.use_proxies = True
        self._cuts: dict[str, tuple[int, ...]] = {}
        self._proxies: dict[str, Path] = {}
        self._progress: dict[str, tuple[str, float]] = {}  # path -> (stage, fraction) while its job runs
        self._jobs: dict[str, GeneratorJob] = {}
        self._failed: dict[str, str] = {}
        self._held: list[tuple[Path, tuple[int, int], tuple[int, int]]] | None = None  # hold(): waiting
        self._announce = QTimer(self)  # many clips known at once (a project opened): one announcement
        self._announce.setSingleShot(True)
        self._announce.setInterval(0)
        self._announce.timeout.connect(self.previewChanged)

    # ---- what is known --------------------------------------------------------------------------------
    def cuts(self, path: str | Path) -> tuple[int, ...] | None:
        """The file's cuts (frame numbers where a new shot starts), None while unknown."""
        return self._cuts.get(str(path))

    def proxy(self, path: str | Path) -> Path | None:
        return self._proxies.get(str(path))

    def status(self, path: str | Path) -> str:
        """For the library's Status column: "proxy 45 %" while one is made, "proxy" once it is used."""
        key = str(path)
        stage, fraction = self._progress.get(key, ("", 0.0))
        if stage == PROXY:
            return f"proxy {int(fraction * 100)} %"
        if key in self._proxies:
            return "proxy" if self.use_proxies else "proxy (off)"
        return ""

    def shots_text(self, path: str | Path, fps: float, frames: range | None = None) -> tuple[str, str]:
        """(the Shots column, its tooltip): "3 shots" and the timecode where each new shot starts; ``frames``:
        the file's frames the clip uses (its in..out points), the cuts inside them count."""
        key = str(path)
        cuts = self._cuts.get(key)
        if cuts is not None and frames is not None:
            cuts = tuple(c for c in cuts if frames.start < c < frames.stop)
        if cuts is None:
            if key in self._failed:
                return "?", f"shots not found: {self._failed[key]}"
            stage, fraction = self._progress.get(key, ("", 0.0))
            return ("…", f"finding shots: {int(fraction * 100)} %") if stage == SHOTS else ("…", "")
        count = len(cuts) + 1
        starts = "\n".join(f"shot {i + 2} at {format_timecode(c, fps)}" for i, c in enumerate(cuts))
        return f"{count} shot{'s' if count > 1 else ''}", starts or "one shot: no cut found"

    # ---- preparing ------------------------------------------------------------------------------------
    def prepare(self, path: Path, size: tuple[int, int], preview: tuple[int, int]) -> None:
        """Make sure the file's cuts, and its proxy when it is larger than ``preview``, are (being) made."""
        from studio.media.proxy import cached_proxy, needs_proxy
        from studio.media.shot_cache import cached_cuts

        key = str(path)
        if key in self._jobs or key in self._failed:
            return
        if self._held is not None:  # asked again later, when released
            self._held.append((path, size, preview))
            return
        learnt = False  # something the preview reads differently now
        if key not in self._cuts and (known := cached_cuts(path)) is not None:  # a stat and a small read
            self._cuts[key], learnt = tuple(known), bool(known)
        wants_proxy = needs_proxy(*size, preview)
        if wants_proxy and key not in self._proxies and (ready := cached_proxy(path)) is not None:
            self._proxies[key], learnt = ready, learnt or self.use_proxies
        if learnt:
            self._announce.start()
        if key in self._cuts and (key in self._proxies or not wants_proxy):
            return
        make = wants_proxy and key not in self._proxies
        job = GeneratorJob(_prepare, path, make, list(self._proxies.values()))  # the proxies in use stay
        job.yielded.connect(self._on_progress)  # slots of this object: queued to the GUI thread
        job.returned.connect(self._on_done)
        self._jobs[key] = job
        self._progress[key] = (PROXY if make else SHOTS, 0.0)
        job.start(self.pool)

    def hold(self) -> None:
        """Start no job until :meth:`release` (the window's engine is starting: on a small machine torch's
        load is the critical path, and a decode beside it only delays the first frame)."""
        if self._held is None:
            self._held = []

    def release(self) -> None:
        held, self._held = self._held or [], None
        for args in held:
            self.prepare(*args)

    def set_use_proxies(self, on: bool) -> None:
        if bool(on) != self.use_proxies:
            self.use_proxies = bool(on)
            for key in self._proxies:
                self.changed.emit(key)
            self.previewChanged.emit()

    @Slot(object)
    def _on_progress(self, report: tuple) -> None:
        key, stage, fraction = report
        self._progress[key] = (stage, float(fraction))
        self.changed.emit(key)

    @Slot(object)
    def _on_done(self, result: tuple) -> None:
        key, cuts, made, error = result
        self._jobs.pop(key, None)
        self._progress.pop(key, None)
        if error:
            self._failed[key] = error
            log.info("no shots or proxy for %s: %s", key, error)
        else:
            self._cuts[key] = tuple(cuts)
            if made is not None:
                self._proxies[key] = Path(made)
        self.changed.emit(key)
        if not error and (cuts or (made is not None and self.use_proxies)):  # one shot is what it assumed
            self.previewChanged.emit()

    # ---- the preview ----------------------------------------------------------------------------------
    def preview_media(self, project: Any) -> tuple[Any, str]:
        """(the project the preview renders, a key of what else it depends on here): clips read from their
        proxies where one is ready and proxies are on; the key names the cuts known for its files."""
        shown = project
        if self.use_proxies and any(str(c.path) in self._proxies for c in project.clips):
            shown = project.snapshot()
            shown.clips = [self._proxied(c) for c in project.clips]
        cuts = [(str(c.path), self._cuts.get(str(c.path)) or ()) for c in project.clips]  # unknown: one shot
        return shown, hashlib.sha1(repr(cuts).encode()).hexdigest()[:8]

    def _proxied(self, clip: Any) -> Any:
        proxy = self._proxies.get(str(clip.path))
        if proxy is None or not clip.online or not proxy.exists():  # deleted under us: read the original
            return clip
        return dataclasses.replace(clip, path=proxy)

    # ---- the end ----------------------------------------------------------------------------------------
    def shutdown(self, msecs: int = 10000) -> bool:
        """Stop every job (a transcode cancelled leaves no file) and join the pool's thread."""
        for job in list(self._jobs.values()):
            job.quit()
        return self.pool.waitForDone(msecs)

    def wait(self, msecs: int = 60000) -> bool:
        """Let the jobs finish (tests)."""
        return self.pool.waitForDone(msecs)
