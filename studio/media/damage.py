"""Damage met while reading a file that probed fine, turned into warnings a user can act on.

A file damaged in the middle (flipped bytes, a bad copy) must not cost the render after all the video work:
the reader shows the last good frame, the audio is silent over the bad span, and each damaged *span* (not
each frame) becomes one warning with its timecode, so the artist knows where to look.
"""

from __future__ import annotations

from collections.abc import Callable

MAX_SPANS = 5  # warnings per file and kind; past that, one line says the rest is not reported


def timecode(seconds: float) -> str:
    """``HH:MM:SS.mmm`` (what an editor's timeline shows), for warnings."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis // 1000:02d}.{millis % 1000:03d}"


class DamageLog:
    """Damaged spans of one file: :meth:`damaged` for each bad frame or packet, :meth:`healthy` for each good
    one (it closes the span). With ``report``, each span is a warning as it starts (a render that streams
    frames); without, :meth:`summary` gives one line for them all (audio, decoded in one go)."""

    def __init__(
        self, name: str, kind: str, consequence: str, report: Callable[[str], None] | None = None
    ) -> None:
        self.name = name
        self.kind = kind  # "video" | "audio"
        self.consequence = consequence  # what the user gets instead, e.g. "silent there"
        self.report = report
        self.starts: list[float] = []  # seconds at which each damaged span begins
        self.reason = ""  # the first span's, as FFmpeg gave it
        self._open = False

    @property
    def spans(self) -> int:
        return len(self.starts)

    def damaged(self, seconds: float, reason: str = "") -> None:
        if self._open:
            return
        self._open = True
        self.starts.append(seconds)
        self.reason = self.reason or reason
        if self.report is None or self.spans > MAX_SPANS + 1:
            return
        if self.spans == MAX_SPANS + 1:
            self.report(f"{self.name}: more damaged {self.kind} past {timecode(seconds)} (not listed)")
            return
        detail = f" ({reason})" if reason else ""
        self.report(f"{self.name}: damaged {self.kind} at {timecode(seconds)}{detail}: {self.consequence}")

    def healthy(self) -> None:
        self._open = False

    def summary(self) -> str | None:
        """One line for every span so far (None when there was no damage)."""
        if not self.starts:
            return None
        where = ", ".join(timecode(t) for t in self.starts[:MAX_SPANS])
        if self.spans > MAX_SPANS:
            where += f" and {self.spans - MAX_SPANS} more places"
        detail = f" ({self.reason})" if self.reason else ""
        return f"{self.name}: damaged {self.kind} at {where}{detail}: {self.consequence}"
