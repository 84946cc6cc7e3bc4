"""Errors a user can cause. Their ``str()`` is one line, shown as is on stderr or in a message box.

Everything else (bugs) is left to propagate with its traceback.
"""

from __future__ import annotations


class StudioError(Exception):
    """Base of every user-facing error; the message is one line with no traceback needed."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))  # always one line


def one_line(exc: BaseException) -> str:
    """A StudioError is already one line for the user; anything else is a bug, named by its type."""
    if isinstance(exc, StudioError):
        return str(exc)
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class MediaError(StudioError):
    """A media file cannot be probed, decoded or written."""


class ProjectError(StudioError):
    """A project file is malformed, of an unknown version, or refers to missing media."""


class EngineError(StudioError):
    """The generator cannot run with these settings on this device."""


class Cancelled(Exception):
    """Raised inside a job when its cancel token was set; never shown as an error."""


class CancelToken:
    """A flag a job checks between steps; set from any thread."""

    __slots__ = ("_cancelled",)

    def __init__(self) -> None:
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def raise_if_cancelled(self) -> None:
        if self._cancelled:
            raise Cancelled()
