"""A whole session in the window: import two real clips, place them, set a 2 s generation time in the
inspector, play until the heatmap holds every frame's shares (summing to 1), export through the dialog,
decode the MP4, undo back past the import, and leave no thread running (checked by ``make_window``)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PySide6.QtCore import Qt

from studio.project import Project, save_project


def test_import_place_play_export_undo(
    qtbot, make_window, two_clips: tuple[Path, Path], tmp_path: Path
) -> None:  # noqa: ANN001, E501
    empty = save_project(Project("session"), tmp_path / "session.avsproj.json")
    window = make_window(empty)
    lib, inspector, doc = window.library, window.inspector, window.document

    assert window.viewer.view.placeholder.startswith("Import clips")  # an empty project says what to do
    lib.import_files(list(two_clips))
    qtbot.waitUntil(lambda: len(window.project.clips) == 2, timeout=30000)
    assert doc.stack.undoText() == "Import 2 clips"

    # Small and 6 fps: the real generator runs ~0.5 s a frame on 2 busy cores, and 2 s is 12 frames.
    for key, value in (("width", 64), ("height", 48), ("fps", 6.0), ("duration", 2.0)):
        inspector.fields[key].setValue(value)
    assert window.project.settings.frame_count == 12

    for i in range(2):
        lib.row_for(f"clip-{i + 1}").setSelected(True)
    window.actions_by_name["place"].trigger()  # both at 0 s: they overlap for the first second
    window.playback.seek(6, immediate=True)
    lib.tree.clearSelection()
    lib.row_for("clip-1").setSelected(True)
    window.place_selected_clips()  # the first clip again from 1 s, so every frame has a source
    assert [(p.clip_id, p.start) for p in window.project.placements] == [
        ("clip-1", 0.0),
        ("clip-2", 0.0),
        ("clip-1", 1.0),
    ]

    window.playback.to_start()
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_Space)
    assert window.playback.playing
    heat = window.attention

    def every_frame_explained() -> bool:
        shares = heat.buffer
        return shares.shape == (2, 12) and not np.isnan(shares).any()

    qtbot.waitUntil(every_frame_explained, timeout=60000)
    window.playback.pause()
    assert np.allclose(heat.buffer.sum(axis=0), 1.0, atol=1e-3)
    assert (heat.buffer[1, 6:] == 0).all()  # clip 2 is only placed over the first second
    assert window.viewer.view.frame is not None and window.viewer.view.frame.shape == (48, 64, 3)

    dialog = window.show_export_dialog()
    out = tmp_path / "session.mp4"
    dialog.path_edit.setText(str(out))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert dialog.status.text() == "Exported session.mp4"
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        size = (stream.codec_context.width, stream.codec_context.height)
    assert (frames, size) == (12, (64, 48))
    dialog.close()

    undone = []
    while window.project.clips:
        undone.append(doc.stack.undoText())
        doc.stack.undo()
    assert undone[-1] == "Import 2 clips"
    assert window.project.placements == [] and lib.tree.topLevelItemCount() == 0
    assert not doc.stack.canUndo()
    doc.stack.setClean()
