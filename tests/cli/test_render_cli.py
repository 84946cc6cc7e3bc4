"""``studio render``: ad-hoc clips, --save-project round trip, user errors (exit 2), Ctrl-C (130), --demo."""

from __future__ import annotations

import av
import pytest

from studio.cli import main
from studio.engine.render import RenderJob
from studio.project import load_project
from tests import clipfactory


def _frames_and_size(path) -> tuple[int, int, int]:
    with av.open(str(path)) as c:
        frames = [f for f in c.decode(video=0)]
        return len(frames), frames[0].width, frames[0].height


@pytest.fixture(scope="module")
def two_clips(make_test_clip):
    return [
        make_test_clip("cli_a.mp4", width=96, height=64, frames=24, audio=True),
        make_test_clip("cli_b.mp4", width=96, height=64, frames=12, audio=True, tone_hz=880.0),
    ]


def test_render_clips_and_save_project(two_clips, tmp_path, capsys) -> None:
    out, saved = tmp_path / "out.mp4", tmp_path / "used.avsproj.json"
    argv = ["render", "--clips", *map(str, two_clips), "--duration", "1", "--size", "96x64"]
    code = main(
        [*argv, "--save-project", str(saved), "-o", str(out), "--no-progress", "--preset", "veryfast"]
    )
    assert code == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines[0].startswith("estimate: 24 frames") and lines[-1].startswith(f"wrote {out}")
    assert _frames_and_size(out) == (24, 96, 64)
    project = load_project(saved)
    assert [c.path for c in project.clips] == [p.resolve() for p in two_clips]
    assert all(p.start == 0 and p.duration == 1.0 and p.end_mode == "loop" for p in project.placements)
    assert project.settings.duration == 1.0 and (project.settings.width, project.settings.height) == (96, 64)


def test_render_saved_project_with_crossfade(two_clips, tmp_path, capsys) -> None:
    saved = tmp_path / "p.avsproj.json"
    base = [
        "render",
        "--clips",
        *map(str, two_clips),
        "--duration",
        "0.5",
        "--size",
        "96x64",
        "--no-progress",
    ]
    assert main([*base, "--save-project", str(saved), "-o", str(tmp_path / "a.mp4"), "--crossfade"]) == 0
    out = tmp_path / "b.mp4"
    assert main(["render", str(saved), "-o", str(out), "--crossfade", "--crf", "30", "--no-progress"]) == 0
    assert "crossfade on CPU" in capsys.readouterr().out
    assert _frames_and_size(out) == (12, 96, 64)


@pytest.mark.parametrize(
    "args",
    [
        ["--clips", "BAD", "--duration", "1"],  # an unreadable clip
        ["--clips", "GOOD"],  # no duration
        ["GOOD", "--clips", "GOOD", "--duration", "1"],  # two sources
        ["--clips", "GOOD", "--duration", "1", "--size", "big"],
        ["MISSING.avsproj.json"],
    ],
)
def test_user_errors_exit_2_with_one_line(args, two_clips, tmp_path, capsys) -> None:
    bad = clipfactory.make_text_as_video(tmp_path / "bad.mp4")
    real = {"BAD": str(bad), "GOOD": str(two_clips[0]), "MISSING.avsproj.json": str(tmp_path / "nope.json")}
    out = tmp_path / "out.mp4"
    assert main(["render", *[real.get(a, a) for a in args], "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("studio: error: ")
    assert not out.exists()


@pytest.mark.parametrize("where", ["engine", "bar"])
def test_ctrl_c_cancels_cleanly(where, two_clips, tmp_path, monkeypatch, capsys) -> None:
    """Ctrl-C at frame 5, inside the render (the generator) or in the CLI's loop over its records."""
    import tqdm

    if where == "engine":
        original = RenderJob._report

        def interrupt_at_frame_5(self, done, *args, **kwargs):
            if done == 5:
                raise KeyboardInterrupt
            return original(self, done, *args, **kwargs)

        monkeypatch.setattr(RenderJob, "_report", interrupt_at_frame_5)
    else:
        update = tqdm.tqdm.update

        def interrupt_at_frame_5(self, n=1):
            if self.n + n >= 5:
                raise KeyboardInterrupt
            return update(self, n)

        monkeypatch.setattr(tqdm.tqdm, "update", interrupt_at_frame_5)
    out = tmp_path / "out.mp4"
    argv = ["render", "--clips", str(two_clips[0]), "--duration", "2", "--size", "96x64", "-o", str(out)]
    assert main([*argv, "--attention", str(tmp_path / "rec")]) == 130
    assert "cancelled" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_demo_renders(tmp_path) -> None:
    """The bundled demo (8 s, 640x360) through the crossfade: ~4 s on 2 cores, so not marked slow."""
    out = tmp_path / "demo.mp4"
    assert (
        main(["render", "--demo", "-o", str(out), "--crossfade", "--preset", "ultrafast", "--no-progress"])
        == 0
    )
    assert _frames_and_size(out) == (192, 640, 360)


def test_project_with_missing_media_is_refused(two_clips, tmp_path, capsys) -> None:
    moved = clipfactory.copy_clip(two_clips[0], tmp_path / "moved.mp4")
    saved = tmp_path / "p.avsproj.json"
    argv = ["render", "--clips", str(moved), str(two_clips[1]), "--duration", "0.25", "--size", "96x64"]
    assert main([*argv, "--save-project", str(saved), "-o", str(tmp_path / "a.mp4"), "--no-progress"]) == 0
    moved.unlink()
    capsys.readouterr()
    out = tmp_path / "b.mp4"
    assert main(["render", str(saved), "-o", str(out)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "offline" in line and "moved" in line and not out.exists()


def test_quality_flag_overrides_the_project_and_is_recorded(two_clips, tmp_path, capsys) -> None:
    import json

    runs = iter(range(100))

    def render(*args: str) -> tuple[str, dict]:
        rec = tmp_path / f"rec{next(runs)}"
        out = ["-o", str(rec.with_suffix(".mp4")), "--attention", str(rec)]
        assert main(["render", *args, *out, "--no-progress", "--preset", "ultrafast"]) == 0
        estimate = capsys.readouterr().out.splitlines()[0]
        return estimate, json.loads((rec / "meta.json").read_text())["settings"]

    saved = tmp_path / "p.avsproj.json"
    clips = ["--clips", *map(str, two_clips), "--duration", "0.25", "--size", "96x64"]
    estimate, meta = render(*clips, "--quality", "draft", "--save-project", str(saved))
    assert "attention (draft) on " in estimate
    assert meta["quality"] == meta["engine"]["quality"] == "draft"
    assert meta["synthesizer"] == "AttentionGenerator"  # the real-time patch attention
    assert load_project(saved).settings.engine.quality == "draft"  # --save-project keeps it

    estimate, meta = render(str(saved))  # no flag: the project's
    assert "attention (draft) on " in estimate and meta["quality"] == "draft"
    estimate, meta = render(str(saved), "--quality", "final")  # the flag wins, the file is not rewritten
    assert "attention (final) on " in estimate
    assert meta["quality"] == meta["engine"]["quality"] == "final"
    assert load_project(saved).settings.engine.quality == "draft"

    estimate, meta = render(*clips)  # a new project: final by default
    assert "attention (final) on " in estimate and meta["quality"] == "final"


def test_render_job_takes_the_quality_to_the_synthesizer(two_clips, tmp_path, monkeypatch) -> None:
    from studio.engine import render as render_module
    from studio.project.adhoc import adhoc_project

    asked: list[str | None] = []
    real = render_module.make_synthesizer

    def spy(project, device, **kwargs):
        asked.append(kwargs.get("quality"))
        return real(project, device, **kwargs)

    monkeypatch.setattr(render_module, "make_synthesizer", spy)
    project = adhoc_project([str(two_clips[0])], 0.25, size=(96, 64))
    assert project.settings.engine.quality == "final"
    job = RenderJob(project, tmp_path / "d.mp4", quality="draft", preset="ultrafast")
    job.estimate()
    job.run()
    assert asked == ["draft", "draft"] and job.quality == "draft"
    assert RenderJob(project, tmp_path / "f.mp4").quality == "final"  # None: the project's
