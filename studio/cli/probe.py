"""``studio probe FILE... [--json]``: what the app sees in media files, as a table or JSON.

Each file is probed in a child process (``probe_safe``), so a file that crashes or hangs FFmpeg is reported
like any other unreadable file: one line on stderr, and exit status 2 if any file failed (the others are
still reported).

``--json`` also lists each file's scene cuts (``cuts``: the frame numbers where a new shot starts, on the
file's own frame grid). Finding them decodes the whole file, once: the answer is kept in the app's cache
(``studio.media.shot_cache``, where the window and the engine find it too), so probing the file again costs
nothing; ``--no-cuts`` leaves them out.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from studio.errors import StudioError

USER_ERROR = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("probe", help="show what the app reads from media files")
    parser.add_argument("files", nargs="+", metavar="FILE", help="media files")
    parser.add_argument(
        "--json", action="store_true", help="JSON: an object for one file, a list for several"
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds allowed per file (default 15)")
    parser.add_argument(
        "--no-cuts", action="store_true", help="with --json: no scene cuts (they cost a decode)"
    )
    parser.set_defaults(func=run)


def _audio_text(audio: dict[str, Any] | None) -> str:
    if not audio:
        return "-"
    return f"{audio['codec']} {audio['sample_rate'] // 1000}k/{audio['channels']}ch"


def _table(rows: list[dict[str, Any]]) -> str:
    header = ("file", "size", "fps", "frames", "duration", "codec", "audio")
    lines = [header]
    for info in rows:
        vfr = " vfr" if info.get("variable_frame_rate") else ""
        turn = f" turned {info['rotation']}°" if info.get("rotation") else ""
        turn += " mirrored" if info.get("mirrored") else ""
        lines.append(
            (
                str(info["path"]),
                f"{info['width']}x{info['height']}{turn}",
                f"{info['fps']:.3f}".rstrip("0").rstrip(".") + vfr,
                str(info["frames"]),
                f"{info['duration']:.3f} s",
                f"{info['video_codec']} {info.get('pix_fmt', '')}".strip()
                + (f" HDR {info['hdr'].upper()}" if info.get("hdr") else ""),
                _audio_text(info.get("audio")),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def run(args: argparse.Namespace) -> int:
    from studio.media.probe import probe_safe  # media loads only for this command

    results: list[dict[str, Any]] = []
    failed = False
    for name in args.files:
        try:
            info = probe_safe(name, timeout=args.timeout).to_dict()
            if args.json and not args.no_cuts:
                from studio.media.shot_cache import clip_cuts

                info["cuts"] = clip_cuts(name)
            results.append(info)
        except StudioError as exc:
            failed = True
            print(f"studio: error: {exc}", file=sys.stderr)
            results.append({"path": name, "error": str(exc)})
    good = [r for r in results if "error" not in r]
    if args.json:
        if len(args.files) == 1:
            if good:
                print(json.dumps(good[0], indent=2))
        else:
            print(json.dumps(results, indent=2))
    elif good:
        print(_table(good))
    return USER_ERROR if failed else 0
