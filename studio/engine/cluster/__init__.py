"""Render on a Ray cluster: the output cut into frame ranges (``chunks``), each a Ray task rendering its
frames with the same ``RenderJob`` after a warm-up (``tasks``), the segments joined without re-encoding and
the audio mixed once (``join``), driven by :class:`~studio.engine.cluster.job.ClusterRenderJob`.

Ray is an optional extra (``pip install 'attention-video-studio[cluster]'``): nothing here imports it until
a job runs, and a job without it says so in one line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.engine.cluster.chunks import Chunk, plan_chunks
    from studio.engine.cluster.job import ClusterRenderJob

# Imported on first use (PEP 562): a Ray worker that unpickles the progress board (``board``) or a chunk
# loads only what it needs, not the whole render job.
_WHERE = {"Chunk": "chunks", "plan_chunks": "chunks", "ClusterRenderJob": "job"}
__all__ = ["Chunk", "ClusterRenderJob", "plan_chunks"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'studio.engine.cluster' has no attribute {name!r}")
    return getattr(importlib.import_module(f"studio.engine.cluster.{_WHERE[name]}"), name)
