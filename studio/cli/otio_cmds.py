"""``studio export-otio PROJECT -o FILE.otio`` and ``studio import-otio FILE.otio -o PROJECT.json``.

OpenTimelineIO interchange with editors (``studio.project.otio``): export writes a track per placement, with
the studio's own fields in metadata, so importing the file back gives the same project; import also reads
an editor's timeline (Kdenlive, Resolve) as placements. Both write atomically (a temp file, then a rename);
warnings print one line each on stderr, a bad file is one line and exit status 2. Needs the ``otio`` extra.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    export = subparsers.add_parser("export-otio", help="write the project as an OpenTimelineIO timeline")
    export.add_argument("project", metavar="PROJECT", help="project file (.avsproj.json)")
    export.add_argument("-o", "--output", required=True, metavar="FILE.otio", help="the .otio file to write")
    export.set_defaults(func=run_export)
    imp = subparsers.add_parser("import-otio", help="make a project from an OpenTimelineIO timeline")
    imp.add_argument("timeline", metavar="FILE.otio", help="an .otio file (from this app or an editor)")
    imp.add_argument("-o", "--output", required=True, metavar="PROJECT.json", help="the project to write")
    imp.set_defaults(func=run_import)


def _warn(line: str) -> None:
    print(f"studio: warning: {line}", file=sys.stderr)


def run_export(args: argparse.Namespace) -> int:
    from studio.project import load_project
    from studio.project.otio import require_otio, write_otio

    require_otio()  # before reading the project: the missing extra is the one thing to say
    project = load_project(args.project)
    target = write_otio(project, args.output)
    count = len(project.placements)
    print(f"wrote {target}: {count} placement{'s' if count != 1 else ''}, a video track each")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from studio.project import save_project
    from studio.project.masks import missing_masks_warning
    from studio.project.otio import read_otio

    project = read_otio(args.timeline, warn=_warn)
    target = save_project(project, args.output)
    offline = project.missing_media()
    if offline:
        _warn(f"{len(offline)} clip(s) offline, relink them in the window: {offline[0].offline_reason}")
    if (masks := missing_masks_warning(project)) is not None:  # pictures live beside the original project
        _warn(masks)
    count = len(project.placements)
    print(f"wrote {target}: {len(project.clips)} clips, {count} placement{'s' if count != 1 else ''}")
    return 0
