"""A render of a clip damaged in the middle finishes, with the damage as warnings (issue 14, family 1).

Before, flipped audio bytes killed the render in the audio pass, after all the video work; now the bad span
is silent and the damaged video frames show the last good one, each said once with its timecode.
"""

from __future__ import annotations

from pathlib import Path

import av

from studio.engine.render import RenderJob
from studio.engine.synth import Crossfade
from studio.project.adhoc import adhoc_project
from tests import damagedmedia


def test_render_of_a_damaged_clip_finishes_with_warnings(make_test_clip, tmp_path: Path) -> None:
    source = make_test_clip("render_damage.mp4", frames=48, gop=8, audio=True)
    wiped, bad = tmp_path / "wiped.mp4", tmp_path / "bad.mp4"
    damagedmedia.wipe_video_packets(source, wiped, [16])
    damagedmedia.flip_audio_packets(wiped, bad, first=40, count=3)
    switched = damagedmedia.layout_switch_clip(tmp_path / "switch.mp4")
    project = adhoc_project([bad, switched], 2.0, fps=24, size=(64, 48))
    out = tmp_path / "out.mp4"
    result = RenderJob(project, out, device="cpu", synthesizer=Crossfade(), preset="ultrafast").run()
    assert result.path == out and out.is_file()
    with av.open(str(out)) as container:
        assert container.streams.audio and container.streams.audio[0].duration
    video = [w for w in result.warnings if "damaged video" in w]
    audio = [w for w in result.warnings if "damaged audio" in w]
    assert len(video) == 1 and video[0].startswith("bad.mp4: damaged video at 00:00:00.667")
    assert len(audio) == 1 and audio[0].startswith("bad.mp4: damaged audio at 00:00:00.")
    assert not [p for p in tmp_path.iterdir() if ".part-" in p.name]
