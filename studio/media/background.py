"""A file's cuts and proxy made in a child process, for the window: none of its work holds the window's GIL.

Finding cuts and transcoding a proxy are a decode of the whole file plus per-frame Python (the detectors, the
writer's calls): run on a thread of the window's process they took the GIL from the GUI thread often enough
to stall it past 100 ms. Here they run in ``python -m studio.media.background FILE [--proxy]`` at a low
scheduling priority (nice 10 on POSIX: the preview and the window come first on a small machine), which
reports a JSON line per progress step and a last line with the answer; the caller's thread only waits on
the pipe.

:func:`prepare` is a generator like the ones it runs (``studio.media.proxy.make_proxy``,
``studio.media.shot_cache.find_cuts``): it yields ``(stage, fraction)`` and returns ``(cuts, proxy path or
None)``. Closing it stops the child (SIGTERM: the child's generators are closed, so the proxy's temp file is
deleted; anything a hard kill leaves is deleted here too). A frozen app (no ``-m``) runs the same work in the
calling thread instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Generator, Iterable
from pathlib import Path

from studio.errors import MediaError

PROXY, SHOTS = "proxy", "shots"  # the two stages
STOP_TIMEOUT_S = 10.0  # a stopped child that has not cleaned up by then is killed


def prepare(
    path: str | os.PathLike[str], proxy: bool, keep: Iterable[Path] = ()
) -> Generator[tuple[str, float], None, tuple[list[int], Path | None]]:
    """The file's proxy (if ``proxy``; its cuts found on the way) and its cuts, made in a child process."""
    if getattr(sys, "frozen", False):
        return (yield from _work(Path(path), proxy, list(keep)))
    command = [sys.executable, "-m", "studio.media.background", str(path), *(["--proxy"] if proxy else [])]
    for kept in keep:
        command += ["--keep", str(kept)]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # so the child imports this very studio package
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    answer: dict = {}
    with tempfile.TemporaryFile("w+") as errors:  # a file, not a pipe: a chatty child never blocks on it
        try:
            child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
        except OSError as exc:
            raise MediaError(f"{Path(path).name}: the background process cannot start ({exc})") from None
        try:
            assert child.stdout is not None
            for line in child.stdout:
                message = json.loads(line)
                if "progress" in message:
                    yield message["stage"], float(message["progress"])
                else:
                    answer = message
            child.wait()
        finally:
            _stop(child, Path(path) if proxy else None)
        errors.seek(0)
        last = (errors.read().strip().splitlines() or [""])[-1][:200]
    if "error" in answer:
        raise MediaError(answer["error"])
    if "cuts" not in answer:
        raise MediaError(
            f"{Path(path).name}: the background process failed (exit {child.returncode}): {last}"
        )
    return [int(c) for c in answer["cuts"]], Path(answer["proxy"]) if answer.get("proxy") else None


def _stop(child: subprocess.Popen, source: Path | None) -> None:
    """End the child if it still runs (asked to clean up first), and delete a temp proxy it left."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    if child.stdout is not None:
        child.stdout.close()
    if source is not None and child.returncode != 0:
        from studio.media.proxy import proxy_file

        with contextlib.suppress(OSError):
            target = proxy_file(source)
            for part in target.parent.glob(f".{target.stem}.part-*"):
                part.unlink(missing_ok=True)


def _work(path: Path, proxy: bool, keep: list[Path]) -> Generator[tuple[str, float], None, tuple]:
    """The work itself (in the child, or in a frozen app's thread)."""
    from studio.media.proxy import make_proxy
    from studio.media.shot_cache import cached_cuts, find_cuts

    made = None
    if proxy:
        made = yield from _tagged(PROXY, make_proxy(path, keep=keep))
    cuts = cached_cuts(path)
    if cuts is None:
        cuts = yield from _tagged(SHOTS, find_cuts(path))
    return cuts, made


def _tagged(stage: str, work: Generator[float, None, object]) -> Generator[tuple[str, float], None, object]:
    with contextlib.closing(work):  # closed early: the work's own clean-up runs (a temp file deleted)
        while True:
            try:
                fraction = next(work)
            except StopIteration as done:
                return done.value
            yield stage, fraction


def _terminated(*_: object) -> None:
    raise SystemExit(143)  # unwinds the generators: their ``finally`` and ``with`` blocks clean up


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-"):
        print("usage: python -m studio.media.background FILE [--proxy] [--keep PROXY ...]", file=sys.stderr)
        return 64
    path, proxy = Path(args[0]), "--proxy" in args
    keep = [Path(args[i + 1]) for i, a in enumerate(args[:-1]) if a == "--keep"]
    signal.signal(signal.SIGTERM, _terminated)
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(10)
    work = _work(path, proxy, keep)
    try:
        while True:
            stage, fraction = next(work)
            print(json.dumps({"stage": stage, "progress": fraction}), flush=True)
    except StopIteration as done:
        cuts, made = done.value
        print(json.dumps({"cuts": cuts, "proxy": str(made) if made else None}), flush=True)
    except MediaError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 2
    except Exception as exc:  # anything else a hostile file provokes: still an answer, in one line
        print(json.dumps({"error": f"{path.name}: {type(exc).__name__}: {exc}"}), flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
