"""The cluster render, driven from one process: chunks as Ray tasks, borders checked, segments joined.

:class:`ClusterRenderJob` is used as :class:`~studio.engine.render.RenderJob` is: a generator of
``Progress`` (all chunks' frames together, so one bar and one ETA cover the job) whose last record carries
the ``RenderResult``; ``run()`` renders to the end. The CLI's loop and the window's export worker take either.

- Ray: ``address="local"`` starts Ray on this machine (``ray.init(num_cpus=...)``) and stops it at the end;
  any other address connects to that cluster (``ray.init(address=...)``), sending this package along
  (``runtime_env`` ``py_modules``) so workers run the driver's code; an already running Ray session is used
  as it is. Media paths reach the workers as they are: render farms share storage, and the segments go to a
  hidden folder beside the output, which must be on that storage too.
- Faults: a task whose worker dies is retried by Ray (``max_retries``); an error of the render itself (a
  clip a worker cannot read) fails the job with that error's one line.
- Stopping: ``cancel`` (checked between polls) or closing the generator (Ctrl-C in the CLI) cancels every
  task (``ray.cancel(force=True)``), waits for them, and removes the segments: no file is left.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from studio.engine.cluster.board import ProgressBoard
from studio.engine.cluster.chunks import (
    DEFAULT_CHUNK_SECONDS,
    DEFAULT_WARMUP_SECONDS,
    Chunk,
    across,
    border_agrees,
    border_psnr,
    plan_chunks,
)
from studio.engine.cluster.join import join_render
from studio.engine.cluster.tasks import ChunkOptions, ChunkOutcome, remote_render_chunk
from studio.engine.render import (
    AUDIO,
    DONE,
    SHOTS,
    Estimate,
    Progress,
    ProgressJob,
    RenderResult,
    job_quality,
)
from studio.engine.sources import find_placed_cuts
from studio.errors import CancelToken, EngineError, StudioError
from studio.project.io import require_online
from studio.project.model import Project

POLL_S = 0.2  # how often the driver looks at the tasks (and yields a Progress record)
MAX_RETRIES = 3  # Ray's retries of a task whose worker died
CANCEL_WAIT_S = 10.0  # how long a cancel waits for the killed tasks before removing their folder


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineError(
            "rendering on Ray needs the cluster extra: pip install 'attention-video-studio[cluster]'"
        ) from None
    return ray


class ClusterRenderJob(ProgressJob):
    """Renders ``project`` to ``output`` in chunks on a Ray cluster; iterate it once, or ``run()`` it."""

    def __init__(
        self,
        project: Project,
        output: str | Path,
        *,
        address: str = "local",
        chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
        warmup_seconds: float = DEFAULT_WARMUP_SECONDS,
        attention_dir: str | Path | None = None,
        device: str = "auto",
        crossfade: bool = False,
        crf: int | None = None,
        preset: str = "medium",
        quality: str | None = None,
        cancel: CancelToken | None = None,
        num_cpus: int | None = None,
        gpus_per_task: float | None = None,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.project = project
        self.output = Path(output)
        self.address = address
        self.attention_dir = Path(attention_dir) if attention_dir is not None else None
        self.quality = job_quality(quality, project)
        try:
            self.plan = plan_chunks(
                int(project.settings.frame_count), float(project.settings.fps), chunk_seconds, warmup_seconds
            )
        except ValueError as exc:
            raise EngineError(str(exc)) from None
        self.options = ChunkOptions(device, self.quality, crf, preset, crossfade)
        self.cancel = cancel or CancelToken()
        self.num_cpus = num_cpus
        self.gpus_per_task = gpus_per_task
        self.max_retries = int(max_retries)
        self.warnings: list[str] = []
        self.result: RenderResult | None = None
        self.borders: dict[int, tuple[float, float]] = {}  # chunk -> (PSNR dB, share difference) at its start
        self.warmup_frames = 0  # warm-up frames rendered in all, retries with a wider warm-up included
        self.chunk_done: dict[int, int] = {}  # chunk -> its frames written so far (latest report)
        self.worker_pids: dict[int, int] = {}  # chunk -> the process rendering it (latest report)
        self.outcomes: list[ChunkOutcome] = []
        self.started_ray = False
        self.join_seconds = 0.0  # the audio mix, the remux and the record's assembly, on the driver

    def estimate(self) -> Estimate:
        """The single-machine estimate (calibrated here, as ``RenderJob.estimate``) spread over the
        cluster's task slots, warm-up frames counted in. Connects to Ray (the render uses that session)."""
        from studio.engine.render import RenderJob
        from studio.engine.synth import Crossfade

        stride = int(self.project.settings.engine.patch)
        synth = Crossfade(stride=stride) if self.options.crossfade else None
        local = RenderJob(
            self.project, self.output, device=self.options.device, synthesizer=synth, quality=self.quality
        ).estimate()
        ray = import_ray()
        self._connect(ray)
        gpus = self._gpus(ray)
        resources = ray.cluster_resources()
        slots = int(resources.get("GPU", 0) // gpus) if gpus > 0 else int(resources.get("CPU", 1))
        parallel = max(1, min(len(self.plan), slots))
        frames = max(1, sum(c.frames for c in self.plan))
        work = sum(c.frames + c.warmup for c in self.plan) / frames
        device = f"{parallel} Ray task{'s' if parallel > 1 else ''} ({local.device} here)"
        return dataclasses.replace(local, seconds=local.seconds * work / parallel, device=device)

    # -- Ray -------------------------------------------------------------------------------------------------
    def _connect(self, ray: Any) -> None:
        """Start or join Ray (``started_ray``: this job started it, and so stops it at the end)."""
        if ray.is_initialized():
            return
        quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
        if self.address == "local":
            from studio.cores import usable_cores

            ray.init(num_cpus=self.num_cpus or usable_cores(), **quiet)
            self.started_ray = True
        else:
            import studio

            runtime_env = {"py_modules": [str(Path(studio.__file__).parent)]}
            ray.init(address=self.address, runtime_env=runtime_env, **quiet)
            self.started_ray = True

    def _gpus(self, ray: Any) -> float:
        if self.gpus_per_task is not None:
            return float(self.gpus_per_task)
        wants_gpu = self.options.device in ("auto", "cuda") and not self.options.crossfade
        return 1.0 if wants_gpu and ray.cluster_resources().get("GPU", 0) > 0 else 0.0

    # -- the job ---------------------------------------------------------------------------------------------
    def _render(self) -> Iterator[Progress]:
        require_online(self.project)  # offline on the driver: refused before a cluster is asked for anything
        ray = import_ray()
        started = time.perf_counter()
        total = int(self.project.settings.frame_count)
        # the clips' cuts once, here, where a local cluster's workers find them in the shared cache
        for _ in find_placed_cuts(self.project, self.warnings.append):
            yield Progress.measure(0, total, time.perf_counter() - started, stage=SHOTS)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f".{self.output.stem}.chunks-", dir=self.output.parent))
        pending: dict[Any, Chunk] = {}
        board = None
        try:
            self._connect(ray)
            board = ray.remote(num_cpus=0)(ProgressBoard).remote()
            task = remote_render_chunk(ray, gpus=self._gpus(ray), max_retries=self.max_retries)
            project_ref = ray.put(self.project)

            def submit(chunk: Chunk) -> None:
                self.warmup_frames += chunk.warmup
                pending[task.remote(project_ref, chunk, str(folder), self.options, board)] = chunk

            for chunk in self.plan:
                submit(chunk)
            done_by_chunk: dict[int, ChunkOutcome] = {}
            agreed: set[int] = {0}  # chunks whose start continues the chunk before (chunk 0 has none)
            asked = None  # the board's snapshot on its way
            while pending or len(agreed) < len(self.plan):
                self.cancel.raise_if_cancelled()
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_S)
                for ref in ready:
                    chunk = pending.pop(ref)
                    outcome = _outcome(ray, ref, chunk, self.max_retries, float(self.project.settings.fps))
                    done_by_chunk[chunk.index] = outcome
                    agreed -= {chunk.index, chunk.index + 1}  # both its borders are to be checked (again)
                    agreed.add(0)
                    self._note(outcome.warnings)
                for chunk in self._disagreeing(done_by_chunk, agreed, pending):
                    board.restart.remote(chunk.index)
                    submit(chunk.widened())
                asked = asked or board.snapshot.remote()  # never waited for: the board may be starting
                if ray.wait([asked], timeout=0)[0]:
                    self.chunk_done, self.worker_pids = ray.get(asked)
                    asked = None
                frames = sum(self.chunk_done.get(c.index, 0) for c in self.plan)
                yield Progress.measure(
                    frames, total, time.perf_counter() - started, warnings=tuple(self.warnings)
                )
            self.outcomes = [done_by_chunk[c.index] for c in self.plan]
            self.chunk_done = {c.index: c.frames for c in self.plan}  # the board may not have said so yet
            yield Progress.measure(total, total, time.perf_counter() - started, warnings=tuple(self.warnings))
            if self.project.settings.audio:
                yield Progress.measure(
                    total, total, time.perf_counter() - started, stage=AUDIO, warnings=tuple(self.warnings)
                )
            joining = time.perf_counter()
            path = join_render(
                self.project, self.outcomes, self.output, attention_dir=self.attention_dir, cancel=self.cancel
            )
            self.join_seconds = time.perf_counter() - joining
        finally:
            # what went wrong (an error, a cancel, the consumer closing this generator) is what is raised: the
            # clean-up only says nothing more if Ray itself is gone
            with contextlib.suppress(Exception):
                for ref in pending:  # stop every task still out
                    ray.cancel(ref, force=True)
                if pending:
                    ray.wait(list(pending), num_returns=len(pending), timeout=CANCEL_WAIT_S)
            if board is not None:
                with contextlib.suppress(Exception):
                    ray.kill(board)
            shutil.rmtree(folder, ignore_errors=True)
            if self.started_ray:
                ray.shutdown()
                self.started_ray = False
        seconds = time.perf_counter() - started
        devices = sorted({o.device for o in self.outcomes})
        self.result = RenderResult.measure(
            path,
            total,
            seconds,
            warnings=tuple(self.warnings),
            device=", ".join(devices) or "none",
            attention_dir=self.attention_dir,
        )
        yield Progress.measure(
            total, total, seconds, stage=DONE, warnings=tuple(self.warnings), result=self.result
        )

    def _note(self, warnings: tuple[str, ...]) -> None:
        for message in warnings:
            if message not in self.warnings:
                self.warnings.append(message)

    def _disagreeing(
        self, done: dict[int, ChunkOutcome], agreed: set[int], pending: dict[Any, Chunk]
    ) -> list[Chunk]:
        """Chunks whose start was just checked against a finished chunk before and found not to continue it
        (they go again, wider); those that do are added to ``agreed``."""
        busy = {c.index for c in pending.values()}
        again = []
        for index, outcome in sorted(done.items()):
            if index in agreed or index in busy or index - 1 in busy or index - 1 not in done:
                continue
            before = done[index - 1]
            older, newer = across(before.tail, before.ahead, outcome.warmed, outcome.head)
            self.borders[index] = border_psnr(older, newer)
            if border_agrees(outcome.chunk, older, newer):
                agreed.add(index)
            else:
                again.append(outcome.chunk)
        return again


def _outcome(ray: Any, ref: Any, chunk: Chunk, retries: int, fps: float) -> ChunkOutcome:
    """The finished task's outcome; its failure as the one-line error it was (or what befell its worker)."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, StudioError):
            raise type(cause)(str(cause)) from None
        raise
    except (
        ray.exceptions.WorkerCrashedError,
        ray.exceptions.NodeDiedError,
        ray.exceptions.OutOfMemoryError,
    ) as exc:
        where = f"{chunk.start / fps:.1f}-{chunk.stop / fps:.1f} s"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineError(f"chunk {chunk.index} ({where}) failed on {retries + 1} workers: {first}") from None


__all__ = ["ClusterRenderJob", "import_ray"]
