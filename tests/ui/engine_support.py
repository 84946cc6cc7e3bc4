"""What the engine-host tests share: a started EngineHost shut down cleanly after the test, the real
renderer counting the frames it really rendered (not served from the frame cache), and a host that makes
such renderers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from studio.engine.frame import FrameRenderer
from studio.project import load_project
from studio.ui.engine.host import EngineHost


def started_host(project_file: Path | None = None) -> Iterator[EngineHost]:
    """A fixture's body (``yield from started_host()``): a started host, given the saved project if named;
    after the test it shuts down with every export and estimate thread joined."""
    host = EngineHost()
    if project_file is not None:
        host.update_project(load_project(project_file))
    host.start()
    yield host
    assert host.shutdown()
    assert host.tasks == []


class CountingRenderer:
    """The real renderer, counting which frames were actually rendered (not served from the cache)."""

    def __init__(self, project: Any, device: str) -> None:
        self.inner = FrameRenderer(project, device=device)
        self.rendered: list[int] = []
        self.synthesizer = self.inner.synthesizer

    def render(self, n: int) -> Any:
        self.rendered.append(n)
        return self.inner.render(n)

    def set_project(self, project: Any) -> None:
        self.inner.set_project(project)

    def close(self) -> None:
        self.inner.close()


def counting_host(project_file: Path) -> EngineHost:
    """A started host on the saved project; ``host.made``: the renderers it made, ``host.project``: the
    project it was given. The caller shuts it down."""
    made: list[CountingRenderer] = []

    def factory(project: Any, device: str) -> CountingRenderer:
        made.append(CountingRenderer(project, device))
        return made[-1]

    host = EngineHost(renderer_factory=factory)
    host.made = made
    host.project = load_project(project_file)
    host.update_project(host.project)
    host.start()
    return host
