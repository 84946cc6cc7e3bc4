"""The process's one GPU lock: a second GPU job is refused in one line while the first holds it; CPU work
takes no lock; the holder is named while held and cleared after, even when the job fails."""

from __future__ import annotations

import pytest

from studio.engine.gpu_lock import GpuLock
from studio.errors import EngineError


def test_one_gpu_job_at_a_time_and_cpu_work_takes_no_lock() -> None:
    lock = GpuLock()
    with lock.hold("text-to-video", "cuda:0"):
        assert lock.holder == "text-to-video"
        with pytest.raises(EngineError, match="GPU is busy with text-to-video"), lock.hold("export", "cuda"):
            pass
        with lock.hold("export", "cpu"):  # not the GPU: nothing to wait for
            assert lock.holder == "text-to-video"
    assert lock.holder is None
    with lock.hold("export", "cuda"):
        assert lock.holder == "export"


def test_the_lock_is_released_when_the_job_fails() -> None:
    lock = GpuLock()
    with pytest.raises(RuntimeError), lock.hold("text-to-video", "cuda"):
        raise RuntimeError("out of memory")
    assert lock.holder is None
    with lock.hold("again", "cuda"):
        assert lock.holder == "again"
