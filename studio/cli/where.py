"""``studio where RECORD_DIR --frame N --at X,Y [--json]``: where an output pixel came from.

Reads the correspondence of an attention record (``studio render --attention DIR``; record version 2) and
prints the top contributions to that pixel: the clip (id and name), its source frame and timecode, the
source pixel (in the clip as the render read it: decoded at the output size with the project's fit) and
the weight. A bad record, frame or position is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from studio.errors import StudioError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("where", help="show where an output pixel came from (attention record)")
    parser.add_argument(
        "record", metavar="RECORD_DIR", help="attention record folder (studio render --attention)"
    )
    # strings, checked in run(): a bad value is one line like every other user error, not argparse's usage
    parser.add_argument("--frame", required=True, metavar="N", help="output frame number (0-based)")
    parser.add_argument("--at", required=True, metavar="X,Y", help="output pixel, e.g. 160,90")
    parser.add_argument("--json", action="store_true", help="JSON instead of a table")
    parser.set_defaults(func=run)


def parse_position(text: str) -> tuple[int, int]:
    parts = text.replace(" ", "").split(",")
    try:
        x, y = (int(p) for p in parts)
    except ValueError:
        raise StudioError(f"--at wants X,Y in output pixels (e.g. 160,90), got {text!r}") from None
    return x, y


def parse_frame(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise StudioError(f"--frame wants a frame number, got {text!r}") from None


def lookup(record: str, frame: int, x: int, y: int) -> dict[str, Any]:
    """The answer as JSON-ready data (the CLI prints it; tests read it)."""
    from studio.project.record import AttentionRecordReader  # numpy loads only for this command
    from studio.ui.timecode import format_timecode

    reader = AttentionRecordReader(record)
    if not reader.has_correspondence:
        raise StudioError(f"no correspondence in this record (written before version 2): {record}")
    sources = reader.sources_at(frame, x, y)
    assert reader.context is not None
    width, height = reader.context.frame_size
    return {
        "record": str(reader.directory),
        "frame": frame,
        "timecode": format_timecode(frame, reader.fps),
        "x": x,
        "y": y,
        "frame_size": [width, height],
        "fit": reader.context.fit,
        "sources": [{**c.to_json(), "timecode": format_timecode(c.frame, c.fps)} for c in sources],
    }


def _table(answer: dict[str, Any]) -> str:
    width, height = answer["frame_size"]
    lines = [
        f"frame {answer['frame']} ({answer['timecode']}) at {answer['x']},{answer['y']}: "
        f"{len(answer['sources'])} source(s); positions in the clip as rendered ({width}x{height}, "
        f"{answer['fit']})"
    ]
    for rank, s in enumerate(answer["sources"], start=1):
        lines.append(
            f"  {rank}. {s['clip_id']} {s['name']!r}  frame {s['frame']} ({s['timecode']})  "
            f"at {s['x']},{s['y']}  weight {s['weight']:.3f}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    x, y = parse_position(args.at)
    answer = lookup(args.record, parse_frame(args.frame), x, y)
    print(json.dumps(answer, indent=2) if args.json else _table(answer))
    return 0
