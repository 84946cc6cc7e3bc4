"""Suite-wide setup: Qt offscreen, per-session cache/state folders so tests never touch the user's."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp_root = tempfile.mkdtemp(prefix="studio-tests-")
os.environ.setdefault("STUDIO_CACHE_DIR", os.path.join(_tmp_root, "cache"))
os.environ.setdefault("STUDIO_STATE_DIR", os.path.join(_tmp_root, "state"))
