"""The library panel: the project's clips with thumbnail, length, size, fps, codec, audio, shots and status.

Probing and thumbnails run in the background (``MediaJobs``), and so do each file's scene cuts and, for a
clip above the preview size, its preview proxy (``MediaPrep``: the Shots column says "3 shots", its tooltip
where each starts; the Status column "proxy 45 %" while one is made); the panel emits intentions
(``importProbed``, ``removeRequested``, ``relinkRequested``) and the window turns them into undoable
commands. A file that cannot be read shows an "unreadable" row with FFmpeg's one-line reason and is never
added to the project; an offline project clip keeps its row with a badge and the reason (tooltip and the
Status column).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.ui.library.media_jobs import MediaJobs
from studio.ui.library.prep import MediaPrep
from studio.ui.theme import OFFLINE

COLUMNS = ("Name", "Length", "Size", "FPS", "Codec", "Audio", "Shots", "Status")
SHOTS = COLUMNS.index("Shots")
CLIP_MIME = "application/x-studio-clip-id"
VIDEO_FILTER = "Video files (*.mp4 *.mov *.mkv *.avi *.webm *.m4v *.mpg *.mpeg *.gif);;All files (*)"
ID_ROLE = Qt.ItemDataRole.UserRole
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
THUMB_ICON = QSize(48, 27)
STATUS_PX = 190  # "unreadable: " and the end of its reason, elided in the middle


def _status_of(clip: Any) -> str:
    provenance = getattr(clip, "provenance", None)
    return f"generated ({provenance.get('model', 'model')})" if provenance else "ok"


def _provenance_text(provenance: dict[str, Any]) -> str:
    inputs = ", ".join(str(i.get("name") or i.get("clip_id")) for i in provenance.get("inputs", []))
    return f"generated: {provenance.get('operation', '?')} by {provenance.get('model', '?')} from {inputs}"


def _length(seconds: float) -> str:
    minutes, s = divmod(seconds, 60.0)
    return f"{int(minutes)}:{s:05.2f}"


class ClipTree(QTreeWidget):
    """The rows; dragging a clip carries its id (the timeline accepts ``CLIP_MIME``)."""

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # noqa: N802 (Qt's name)
        data = QMimeData()
        ids = [i.data(0, ID_ROLE) for i in items if i.data(0, ID_ROLE)]
        data.setData(CLIP_MIME, "\n".join(ids).encode())
        data.setText("\n".join(ids))
        return data

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [CLIP_MIME]


class LibraryPanel(QWidget):
    importProbed = Signal(list)  # [(Path, MediaInfo)] of readable files, in the order they were chosen
    removeRequested = Signal(list)  # clip ids
    relinkRequested = Signal(str, object)  # clip id, (Path, MediaInfo)
    clipActivated = Signal(str)  # clip id (double-click)
    attentionRequested = Signal(str)  # clip id: show the attention record a model wrote with this clip
    audioGateToggled = Signal(str, str)  # clip id, "mute" | "solo": the preview's sound of that clip

    def __init__(self, parent: QWidget | None = None, jobs: MediaJobs | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("library")
        self.setAccessibleName("library")
        self.setAcceptDrops(True)
        self.jobs = jobs or MediaJobs(self)
        self.jobs.probed.connect(self._on_probed)
        self.jobs.thumbnailReady.connect(self._on_thumbnail)
        self.prep = MediaPrep(self, self.jobs.background)  # cuts, proxies: the preview and timeline read them
        self.prep.changed.connect(self._on_prepared)
        self.tree = ClipTree()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setDragEnabled(True)
        self.tree.setIconSize(THUMB_ICON)
        # Long texts lose their middle, not their end (a reason's last words say most); the whole status
        # text is its cell's tooltip (_badge).
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setAccessibleName("clips")
        header = self.tree.header()
        header.setStretchLastSection(True)
        for col in range(1, len(COLUMNS) - 1):  # the numbers take what they need; Name and Status the rest
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(0, 130)
        # Status is shown right after Name (its index stays the last): as the last column it was scrolled off
        # in a narrow dock, and "unreadable: <reason>" read "unread"
        header.moveSection(header.visualIndex(len(COLUMNS) - 1), 1)
        header.resizeSection(len(COLUMNS) - 1, STATUS_PX)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(lambda pos: self._context_menu(pos))
        self.import_button = QPushButton("Import…")
        self.remove_button = QPushButton("Remove")
        self.relink_button = QPushButton("Relink…")
        buttons = QHBoxLayout()
        for b in (self.import_button, self.remove_button, self.relink_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.tree)
        self.hint = QLabel("Drop video files here, or Import…", self.tree.viewport())
        self.hint.setStyleSheet("color: #8a8a8a; padding: 12px;")
        self.hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.import_button.clicked.connect(self.import_dialog)
        self.remove_button.clicked.connect(self.remove_selected)
        self.relink_button.clicked.connect(self.relink_dialog)

        self._project: Any = None
        self._infos: dict[str, Any] = {}  # resolved path → MediaInfo (codec/audio columns)
        self._errors: dict[str, str] = {}  # resolved path → one-line reason it cannot be read
        self._thumbs: dict[str, QPixmap] = {}
        self._pending_import: list[Path] = []  # chosen files still being probed, in order
        self._probed: dict[str, tuple[Any, str]] = {}
        self._relink: dict[str, str] = {}  # path being probed → clip id to relink
        self._unreadable: list[tuple[Path, str]] = []  # failed imports, shown until removed
        self.audio_gates: Callable[[str], tuple[bool, bool]] | None = None  # the window's (muted, soloed)

    def clip_menu(self, clip_id: str) -> QMenu:
        """Place, remove, mute or solo its sound in the preview (the window's ``audio_gates``), and for a clip
        a Transformer made: its attention (where each new frame looked)."""
        menu = QMenu(self)
        menu.addAction("Add to timeline").triggered.connect(lambda: self.clipActivated.emit(clip_id))
        clip = self._project.clip(clip_id) if self._project is not None else None
        record = (getattr(clip, "provenance", None) or {}).get("attention")
        if record and Path(record).is_dir():
            menu.addAction("Show model attention…").triggered.connect(
                lambda: self.attentionRequested.emit(clip_id)
            )
        if clip is not None and clip.has_audio and self.audio_gates is not None:
            labels = (("mute", "Mute in preview"), ("solo", "Solo in preview"))
            for (gate, label), on in zip(labels, self.audio_gates(clip_id), strict=True):
                action = menu.addAction(label)
                action.setCheckable(True)
                action.setChecked(on)
                action.triggered.connect(lambda _=False, g=gate: self.audioGateToggled.emit(clip_id, g))
        menu.addSeparator()
        menu.addAction("Remove from library").triggered.connect(lambda: self.removeRequested.emit([clip_id]))
        return menu

    def _context_menu(self, pos: Any) -> None:
        item = self.tree.itemAt(pos)
        clip_id = item.data(0, ID_ROLE) if item is not None else None
        if clip_id:
            self.clip_menu(clip_id).exec(self.tree.viewport().mapToGlobal(pos))

    # ---- document ---------------------------------------------------------------------------------------
    def set_project(self, project: Any) -> None:
        self._project = project
        for clip in project.clips if project is not None else []:
            key = str(Path(clip.path))
            if clip.online and key not in self._infos and key not in self._errors:
                self._infos[key] = None  # probing: codec/audio unknown yet
                self.jobs.probe(Path(clip.path))
                self.jobs.thumbnail(Path(clip.path))
            if clip.online:  # known cuts and proxies are looked up at once, the rest start in the background
                preview = (int(project.settings.width), int(project.settings.height))
                self.prep.prepare(Path(clip.path), (int(clip.width), int(clip.height)), preview)
        self.refresh()

    def refresh(self) -> None:
        selected = set(self.selected_ids())
        self.tree.clear()
        for clip in self._project.clips if self._project is not None else []:
            self.tree.addTopLevelItem(self._clip_item(clip, clip.id in selected))
        for path, reason in self._unreadable:
            item = QTreeWidgetItem([path.name, "", "", "", "", "", "", f"unreadable: {reason}"])
            item.setData(0, PATH_ROLE, str(path))
            self._badge(item, reason)
            self.tree.addTopLevelItem(item)
        self.hint.setVisible(self.tree.topLevelItemCount() == 0)
        self.hint.adjustSize()

    def _clip_item(self, clip: Any, selected: bool) -> QTreeWidgetItem:
        key = str(Path(clip.path))
        info = self._infos.get(key)
        reason = clip.offline_reason or self._errors.get(key)
        codec = getattr(info, "video_codec", "") if info is not None else ""
        audio = "…" if info is None and clip.online and not reason else ("yes" if clip.has_audio else "no")
        if info is not None:
            audio_info = getattr(info, "audio", None)
            audio = f"{audio_info.codec} {audio_info.channels}ch" if audio_info is not None else "no"
        length = _length(clip.usable_duration) if clip.frames else ""
        values = [clip.name, length, f"{clip.width}×{clip.height}", f"{clip.fps:.3g}", codec, audio, "", ""]
        item = QTreeWidgetItem(values)
        item.setData(0, ID_ROLE, clip.id)
        item.setData(0, PATH_ROLE, key)
        item.setToolTip(0, key)
        if reason:
            values[-1] = f"offline: {reason}"
            item.setText(len(COLUMNS) - 1, values[-1])
            self._badge(item, reason)
        else:
            self._show_prep(item, clip)
            if clip.provenance:  # made by a learned generator: say by what, from what
                item.setToolTip(0, f"{key}\n{_provenance_text(clip.provenance)}")
            pixmap = self._thumbs.get(key)
            if pixmap is not None:
                item.setIcon(0, pixmap)
        item.setSelected(selected)
        return item

    def _show_prep(self, item: QTreeWidgetItem, clip: Any) -> None:
        """The clip's shots and its proxy's progress (``MediaPrep``) in its row."""
        used = range(math.floor(clip.in_s * clip.fps + 1e-6), math.ceil(clip.end_s * clip.fps - 1e-6))
        shots, where = self.prep.shots_text(Path(clip.path), clip.fps, used)  # a subclip: its own shots
        item.setText(SHOTS, shots)
        item.setToolTip(SHOTS, where)
        proxy = self.prep.status(Path(clip.path))
        item.setText(len(COLUMNS) - 1, _status_of(clip) + (f" · {proxy}" if proxy else ""))

    def _on_prepared(self, path: str) -> None:
        """A file's cuts or proxy progress changed: update its rows only (progress comes ~10 times a s)."""
        for clip in self._project.clips if self._project is not None else []:
            item = self.row_for(clip.id)
            if str(Path(clip.path)) == path and item is not None and clip.online:
                self._show_prep(item, clip)

    def _badge(self, item: QTreeWidgetItem, reason: str) -> None:
        item.setText(0, f"⚠ {item.text(0)}")
        for col in range(len(COLUMNS)):
            item.setToolTip(col, reason)
        status = len(COLUMNS) - 1
        item.setToolTip(status, item.text(status))  # "unreadable: …" / "offline: …" whole, however narrow
        item.setForeground(0, QColor(OFFLINE))
        item.setForeground(len(COLUMNS) - 1, QColor(OFFLINE))

    def selected_ids(self) -> list[str]:
        return [i.data(0, ID_ROLE) for i in self.tree.selectedItems() if i.data(0, ID_ROLE)]

    def row_for(self, clip_id: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, ID_ROLE) == clip_id:
                return item
        return None

    # ---- importing --------------------------------------------------------------------------------------
    def import_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import clips", "", VIDEO_FILTER)
        if files:
            self.import_files([Path(f) for f in files])

    def import_files(self, paths: list[Path]) -> None:
        """Probe each file in the background; readable ones are announced together once all are probed."""
        for path in paths:
            path = Path(path).resolve()
            self._pending_import.append(path)
            self.jobs.probe(path)

    @property
    def busy(self) -> bool:
        return bool(self._pending_import or self._relink)

    def _on_probed(self, path: str, info: Any, error: str) -> None:
        key = str(Path(path))
        if error:
            self._errors[key] = error
            self._infos.pop(key, None)
        else:
            self._infos[key] = info
            self._errors.pop(key, None)
        if key in self._relink:
            clip_id = self._relink.pop(key)
            if error:
                self._unreadable.append((Path(path), error))
            else:
                self.jobs.thumbnail(Path(path))
                self.relinkRequested.emit(clip_id, (Path(path), info))
        elif any(str(p) == key for p in self._pending_import):
            self._probed[key] = (info, error)
            self._flush_imports()
        self.refresh()

    def _flush_imports(self) -> None:
        if not all(str(p) in self._probed for p in self._pending_import):
            return  # wait for the whole batch: one undo step per drop/dialog
        ready = []
        for path in self._pending_import:
            info, error = self._probed.pop(str(path))
            if error:
                self._unreadable.append((path, error))
            else:
                ready.append((path, info))
                self.jobs.thumbnail(path)
        self._pending_import = []
        if ready:
            self.importProbed.emit(ready)

    def _on_thumbnail(self, path: str, pixmap: QPixmap) -> None:
        self._thumbs[str(Path(path))] = pixmap
        self.refresh()

    # ---- remove / relink --------------------------------------------------------------------------------
    def remove_selected(self) -> None:
        ids = self.selected_ids()
        dismissed = {i.data(0, PATH_ROLE) for i in self.tree.selectedItems() if not i.data(0, ID_ROLE)}
        if dismissed:
            self._unreadable = [(p, r) for p, r in self._unreadable if str(p) not in dismissed]
            self.refresh()
        if ids:
            self.removeRequested.emit(ids)

    def relink_dialog(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Relink clip", "", VIDEO_FILTER)
        if path:
            self.relink(ids[0], Path(path))

    def relink(self, clip_id: str, path: Path) -> None:
        path = Path(path).resolve()
        self._relink[str(path)] = clip_id
        self.jobs.probe(path)

    def _activated(self, item: QTreeWidgetItem) -> None:
        clip_id = item.data(0, ID_ROLE)
        if clip_id:
            self.clipActivated.emit(clip_id)

    # ---- drag and drop ----------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.import_files(paths)
            event.acceptProposedAction()
