"""Timecode formatting/parsing: round trip over every frame, field limits, user errors as StudioError."""

from __future__ import annotations

import pytest

from studio.errors import StudioError
from studio.ui.timecode import format_timecode, parse_timecode


@pytest.mark.parametrize("fps", [24.0, 25.0, 30000 / 1001, 60.0, 12.5])
def test_round_trip_every_frame_of_two_hours_sampled(fps: float) -> None:
    for n in [*range(0, 3000), 86399, 172800, 7 * 3600 * 60 + 13]:
        assert parse_timecode(format_timecode(n, fps), fps) == n


def test_fields_at_25_fps() -> None:
    assert format_timecode(0, 25) == "00:00:00:00"
    assert format_timecode(24, 25) == "00:00:00:24"
    assert format_timecode(25, 25) == "00:00:01:00"
    assert format_timecode(25 * 61 + 3, 25) == "00:01:01:03"
    assert format_timecode(25 * 3600 * 2 + 25 * 60 * 3 + 25 * 4 + 5, 25) == "02:03:04:05"
    assert format_timecode(-26, 25) == "-00:00:01:01"


def test_ntsc_counts_thirty_frames_per_timecode_second() -> None:
    assert format_timecode(30, 30000 / 1001) == "00:00:01:00"
    assert format_timecode(29, 30000 / 1001) == "00:00:00:29"


def test_short_forms_separators_and_plain_numbers() -> None:
    assert parse_timecode("01:05", 24) == 29
    assert parse_timecode("1:00:00", 24) == 24 * 60
    assert parse_timecode("00;00;02;03", 30) == 63
    assert parse_timecode(" 150 ", 24) == 150
    assert parse_timecode("-00:00:01:00", 24) == -24


@pytest.mark.parametrize(
    "text", ["", "abc", "00:00:00:25", "00:00:60:00", "00:61:00:00", "1:2:3:4:5", "1::2"]
)
def test_bad_input_is_a_one_line_studio_error(text: str) -> None:
    with pytest.raises(StudioError) as info:
        parse_timecode(text, 25)
    assert "\n" not in str(info.value)


def test_fps_must_be_positive() -> None:
    with pytest.raises(ValueError):
        format_timecode(1, 0)
