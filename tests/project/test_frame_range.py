"""``--range`` text to output frames: seconds, timecode, frames; END exclusive; open ends; one-line errors."""

from __future__ import annotations

import re

import pytest

from studio.errors import ProjectError
from studio.project.frame_range import describe_span, parse_range


@pytest.mark.parametrize(
    ("text", "frames"),
    [
        ("2-4", range(48, 96)),
        ("2.5-3", range(60, 72)),
        ("00:00:02:00-00:00:04:00", range(48, 96)),
        ("00:00:01:23-00:00:02:01", range(47, 49)),
        ("48f-96f", range(48, 96)),
        ("1-72f", range(24, 72)),  # the forms mix
        ("9-", range(216, 240)),
        ("-0.5", range(0, 12)),
    ],
)
def test_each_form_names_the_frames(text: str, frames: range) -> None:
    assert parse_range(text, 24.0, 240) == frames


def test_timecode_counts_whole_frames_at_the_nominal_rate() -> None:
    assert parse_range("00:00:01:00-00:00:02:00", 29.97, 600) == range(30, 60)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("4-2", "must come after"),
        ("3-3", "must come after"),
        ("0-11", "past the output's end (10 s, 240 frames)"),
        ("10-", "past the output's end"),
        ("2", "expected START-END"),
        ("a-b", "is not a time"),
        ("00:00:00:30-00:00:01:00", "not a timecode at 24 fps"),
    ],
)
def test_bad_ranges_are_one_line(text: str, says: str) -> None:
    with pytest.raises(ProjectError, match=re.escape(says)) as info:
        parse_range(text, 24.0, 240)
    assert "\n" not in str(info.value)


def test_a_span_reads_as_frames_and_seconds() -> None:
    assert describe_span(range(48, 96), 24.0) == "frames 48-95, 2.00-4.00 s"
