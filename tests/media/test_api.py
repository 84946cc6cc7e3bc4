"""The public names of studio.media are the contract's functions and classes, and probing stays light."""

from __future__ import annotations

import inspect
import subprocess
import sys

import studio.media


def test_exports_are_the_objects_not_modules() -> None:
    for name in studio.media.__all__:
        value = getattr(studio.media, name)
        assert not inspect.ismodule(value), name  # e.g. the probe submodule must not shadow probe()
        assert callable(value), name


def test_probe_child_does_not_load_opencv() -> None:
    """probe_safe starts a process per file: it must not pay for numpy/OpenCV it does not use."""
    code = "import sys, studio.media.probe; print('cv2' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
