"""Loading torch on the engine thread without starving the GUI thread of the GIL.

``import torch`` takes seconds; most of it is Python code, which hands the GIL over every 5 ms
(``sys.getswitchinterval``). Two parts hold it far longer and froze the GUI thread for 165-380 ms when the
engine woke (a 10 ms heartbeat on the GUI thread, 2 cores):

- the import's ``dlopen`` of torch's extension maps and relocates libtorch_cpu (~400 MB) and runs its static
  initializers, ~300 ms with the GIL held. Loading those libraries first through libc's ``dlopen`` called
  by ctypes, which releases the GIL around a foreign call, leaves the import a reference count to take.
  Only libraries that do not touch the Python C API are loaded this way (not libtorch_python). That load
  still holds the dynamic loader's lock: a thread importing an extension module meanwhile waits for it
  with the GIL held, and the GUI with it. The library's first probe and thumbnail jobs did (PyAV's and
  OpenCV's modules, themselves 30-90 ms of GIL-held initialisation), so the launch imports those before
  the window is shown (``import_ahead``). Loading torch's libraries during the launch instead cost the
  window 0.3 s on 2 cores.
- full garbage collections triggered by the import's allocations, each scanning every object in the
  process (~65 ms, growing with the heap). Collection is paused during the import, and what the import made
  (modules, functions, alive until exit) is then moved out of the collector's sight with ``gc.freeze()``
  rather than scanned once more.

Measured with ``tests/ui/test_gui_stall.py``: the worst heartbeat gap while the engine wakes fell below 50 ms.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import importlib.util
import logging
import os
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# In dependency order. None of them calls into Python, so loading them without the GIL is safe, and none
# needs CUDA: torch locates its CUDA libraries itself (libtorch and libtorch_cuda are left to the import).
NATIVE_LIBRARIES = ("libc10", "libgomp", "libtorch_cpu")
# What building the default renderer imports (torch, the generator, the device choice): their whole import
# cost is paid here, before the engine says it is ready.
ENGINE_MODULES = ("torch", "studio.engine.frame", "studio.engine.generator", "studio.engine.device")


def _library_files(lib_dir: Path) -> list[Path]:
    found = []
    for stem in NATIVE_LIBRARIES:
        # libgomp ships as libgomp.so.1 or libgomp-<hash>.so.1; macOS names them .dylib
        found += sorted(p for p in lib_dir.glob(f"{stem}[.-]*") if p.suffix in (".so", ".1", ".dylib"))
    return found


def preload_native_libraries() -> int:
    """dlopen torch's C++ libraries with the GIL released; how many were loaded (0 where not possible).

    Best effort: on Windows, or if anything differs from what is expected, the import loads them itself."""
    if os.name != "posix" or "torch" in sys.modules:
        return 0
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return 0
    try:
        libc = ctypes.CDLL(None)  # the process's own symbols: dlopen is among them (glibc, macOS)
        dlopen = libc.dlopen
    except (OSError, AttributeError):
        return 0
    dlopen.restype = ctypes.c_void_p
    dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    loaded = 0
    # RTLD_LOCAL like Python's own import: the same handle is reused by it, symbols stay private
    mode = os.RTLD_NOW | os.RTLD_LOCAL
    for path in _library_files(Path(spec.origin).parent / "lib"):
        if dlopen(os.fsencode(path), mode):
            loaded += 1
        else:
            log.debug("could not preload %s; the import will load it", path)
    return loaded


# What the window's first background jobs import (the library's probes and thumbnails, the engine's source
# readers) and the timeline's first paint (numpy.ma, through np.unique). PyAV's and OpenCV's extension modules
# initialise with the GIL held (cv2: 30-90 ms on 2 cores), so they are imported while the window is built
# rather than by a job just after its first frame.
WINDOW_MODULES = (
    "av",
    "av.subtitles.stream",
    "cv2",
    "numpy.ma",
    "studio.media.probe",
    "studio.media.reader",
    "studio.media.thumbnails",
)


def import_ahead(modules: tuple[str, ...] = WINDOW_MODULES) -> None:
    """Import ``modules`` now (on the GUI thread, before the window is shown)."""
    for name in modules:
        importlib.import_module(name)


def warm_torch(modules: tuple[str, ...] = ENGINE_MODULES) -> bool:
    """Import ``modules`` (torch first) with the long GIL holds moved off the import; True if this call
    imported any of them, False if all were loaded already."""
    missing = [name for name in modules if name not in sys.modules]
    if not missing:
        return False
    fresh = "torch" not in sys.modules
    if fresh:
        preload_native_libraries()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for name in missing:
            importlib.import_module(name)
    finally:
        if fresh:
            # Before collecting again: everything the import made is in the youngest generation now, and
            # the first collection would scan all of it. It lives until exit (so does nearly all the rest
            # of what exists by now: the window); collections need not see it again.
            gc.freeze()
        if was_enabled:
            gc.enable()
    return True


class TorchLoader:
    """The engine thread's ``warm_torch``, released by the GUI thread: ``allow()`` once the window is painted
    (the import, competing for the GIL, must not slow its first frame), ``skip()`` when the engine is shut
    down before it began (it then ends without loading torch)."""

    def __init__(self) -> None:
        self._allowed = threading.Event()
        self._skipped = False

    def allow(self) -> None:
        self._allowed.set()

    def skip(self) -> None:
        self._skipped = True
        self._allowed.set()

    def load(self) -> None:
        """On the engine thread: wait for ``allow()`` or ``skip()``, then load torch unless skipped."""
        self._allowed.wait()
        if not self._skipped:
            warm_torch()
