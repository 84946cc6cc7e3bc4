"""The packaging files agree: the desktop entry names the icon the installer ships, and the committed icon
is what packaging/make_icon.py draws (the full bundle build is packaging/build.sh, minutes long)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_icon_is_the_drawn_one() -> None:
    spec = importlib.util.spec_from_file_location("make_icon", ROOT / "packaging" / "make_icon.py")
    assert spec is not None and spec.loader is not None
    make_icon = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icon)
    icon = make_icon.draw_icon(256)
    assert icon.shape == (256, 256, 4) and icon[0, 0, 3] == 0 and icon[128, 128, 3] == 255  # a rounded tile
    assert (ROOT / "resources" / "icon.png").read_bytes() == make_icon.png_bytes(icon)


def test_the_desktop_entry_names_the_installed_icon() -> None:
    entry = (ROOT / "packaging" / "attention-video-studio.desktop").read_text()
    assert "Icon=attention-video-studio\n" in entry and "Exec=studio %f\n" in entry
    installer = (ROOT / "packaging" / "make_run.sh").read_text()
    assert "apps/attention-video-studio.png" in installer and "^Exec=studio" in installer
