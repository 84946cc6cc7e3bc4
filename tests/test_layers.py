"""The layer rule: media, project, engine and models never import Qt (only studio.ui does).

Every module of those packages is imported in a child process in which importing a Qt binding raises, so a Qt
import anywhere below the ui layer — even a lazy one at module level of a rarely used file — fails here.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHECK = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    BLOCKED = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "superqt", "qtpy", "shiboken6")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"layer violation: {name} imported below the ui layer")
            return None

    sys.meta_path.insert(0, Block())
    package = importlib.import_module(sys.argv[1])
    names = [package.__name__]
    if hasattr(package, "__path__"):
        names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    for name in names:
        importlib.import_module(name)
    print(len(names), "modules")
    """
)


@pytest.mark.parametrize("package", ["studio.media", "studio.project", "studio.engine", "studio.models"])
def test_package_imports_no_qt(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK, package], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "modules" in result.stdout


def test_the_checker_catches_a_qt_import() -> None:
    """Guard against a checker that cannot fail: a module that imports PySide6 must be refused."""
    result = subprocess.run(
        [sys.executable, "-c", CHECK, "studio.ui"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "layer violation" in result.stderr
