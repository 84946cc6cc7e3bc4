"""The ``studio`` console entry point.

``studio`` with no sub-command opens the window; each sub-command lives in its own module here and registers
itself through ``register(subparsers)`` (keeps this file small and lets each feature own its command).
User errors (``StudioError``) print one line on stderr and exit with status 2; ``--debug`` shows the
traceback instead. SIGTERM (a logout, ``kill``, a job scheduler) is Ctrl-C: the running job cancels and
removes what it was writing, exit status 130 (a killed command that leaves half-written files is litter).

``--probe-child FILE`` is no command: a frozen bundle's ``probe_safe`` starts the app itself that way
(``studio.media.probe``), and it is handled before anything else loads.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType

from studio import __version__
from studio.errors import StudioError

# Sub-command modules; each defines register(subparsers) which sets `func` on its parser.
COMMAND_MODULES = ("probe", "render", "models_cmds", "where", "otio_cmds", "t2v")

USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studio", description="Attention Video Studio")
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"studio.cli.{name}")
        except ModuleNotFoundError as exc:  # a feature not built yet must not break the others
            if exc.name != f"studio.cli.{name}":
                raise
            continue
        module.register(sub)
    gui = sub.add_parser("gui", help="open the window (the default with no command, or with a path)")
    gui.add_argument("project", nargs="?", help="project file, or attention record folder, to open")
    gui.add_argument("--smoke-import", metavar="CLIP", help=argparse.SUPPRESS)  # packaging/build.sh's check
    gui.set_defaults(func=_run_gui)
    return parser


def _run_gui(args: argparse.Namespace) -> int:
    if getattr(args, "smoke_import", None):
        from studio.ui.app.smoke import smoke_import

        return smoke_import(args.smoke_import)
    from studio.cli.targets import RECORD, what_to_open

    kind, path = what_to_open(getattr(args, "project", None))
    if kind == RECORD:
        from studio.ui.attention.open_record import run_record_window  # Qt only loads for the window

        return run_record_window(path)
    from studio.ui.app.launch import run_app

    return run_app(path)


def with_gui_default(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``studio PATH`` means ``studio gui PATH``: a first argument that is no command and no option."""
    commands = next((a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), {})
    first = next((i for i, arg in enumerate(argv) if arg != "--debug"), None)
    if first is not None and not argv[first].startswith("-") and argv[first] not in commands:
        return [*argv[:first], "gui", *argv[first:]]
    return argv


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside: SIGTERM raises KeyboardInterrupt in the main thread, so it unwinds like Ctrl-C (every
    ``finally`` runs: writers abort and delete their temp files). Outside the main thread: nothing."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--probe-child"]:  # = studio.media.probe.PROBE_CHILD_FLAG, kept light: no import yet
        from studio.media.probe import main as probe_child

        return probe_child(argv[1:])
    parser = build_parser()
    argv = with_gui_default(parser, argv)  # `studio PATH`: the window on a project or a record
    args = parser.parse_args(argv)
    func = getattr(args, "func", _run_gui)
    try:
        if func is _run_gui:  # the window handles SIGTERM itself: it closes as on quit
            return int(func(args) or 0)
        with sigterm_as_interrupt():
            return int(func(args) or 0)
    except StudioError as exc:
        if args.debug:
            raise
        print(f"studio: error: {exc}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("studio: cancelled", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
