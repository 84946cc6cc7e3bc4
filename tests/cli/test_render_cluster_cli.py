"""`studio render --ray`: what does not go with it is one line on stderr (exit status 2) before anything
renders or Ray starts. The render itself on a local Ray: tests/engine/test_cluster.py."""

from __future__ import annotations

import pytest

from studio.cli import main


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--chunk-seconds", "2"], "--chunk-seconds goes with --ray ADDRESS"),
        (["--ray", "local", "--chunk-seconds", "0"], "--chunk-seconds must be a positive number of seconds"),
        (["--ray", "local", "--mattes", "M"], "--mattes does not go with --ray yet"),
        (["--ray", "local", "--range", "0-0.5"], "--range does not go with --ray yet"),
    ],
)
def test_options_that_do_not_go_with_ray_are_one_line(h264_clip, tmp_path, capsys, extra, message) -> None:
    out = tmp_path / "out.mp4"
    args = ["render", "--clips", str(h264_clip), "--duration", "1", "--size", "64x48", "-o", str(out), *extra]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
