"""Text-to-video with a local diffusers pipeline: a tiny randomly initialised LTXPipeline built in code
(scripts/make_tiny_t2v.py), loaded through the same code path as a real model, with every socket blocked.

What is checked: the clip's size, frame count and provenance; the word-attention record (one row per prompt
word, its tokens summed; rows sum to 1; maps sum to 1 over words at every patch); the capture leaves the
picture unchanged and the seed decides it; cancel stops within one step and leaves nothing; pickle weights,
custom pipeline code and unsupported classes are refused in one line; nothing reaches the network.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from studio.cli import main  # noqa: E402
from studio.errors import Cancelled, CancelToken, StudioError  # noqa: E402
from studio.media import ClipReader, probe  # noqa: E402
from studio.models.t2v.generate import T2VSettings, generate_video, provenance_path  # noqa: E402
from studio.models.t2v.load import inspect_model, load_pipeline  # noqa: E402
from studio.models.t2v.word_attention import latent_frame  # noqa: E402
from studio.project import Project, load_project, save_project  # noqa: E402
from studio.project.record import AttentionRecordReader  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "A red fox runs over the snowy forest"  # "snowy": two tokens ("▁snow", "y"), one word
SMALL = {"size": (96, 64), "steps": 2}


class NetworkUsed(AssertionError):
    pass


@pytest.fixture(scope="module")
def connections() -> Iterator[list[object]]:
    """Every socket connect in this module raises and is recorded: the studio must never try one."""
    attempts: list[object] = []

    def refuse(_sock: object, address: object, *_: object) -> None:
        attempts.append(address)
        raise NetworkUsed(f"network access attempted: {address}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        yield attempts


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, connections: list[object]) -> Path:
    spec = importlib.util.spec_from_file_location("make_tiny_t2v", ROOT / "scripts" / "make_tiny_t2v.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_tiny_t2v(tmp_path_factory.mktemp("t2v") / "tiny-ltx")


@pytest.fixture(scope="module")
def loaded(tiny_model: Path, connections: list[object]):  # noqa: ANN201
    return load_pipeline(tiny_model, device="cpu")


def _frames(path: Path) -> np.ndarray:
    with ClipReader(path) as reader:
        return np.stack([reader.read(n) for n in range(reader.info.frames)])


def test_the_folder_is_found_by_its_class_and_weighed_from_its_headers(tiny_model: Path) -> None:
    info = inspect_model(tiny_model)
    assert info.pipeline_class == "LTXPipeline"
    assert {"transformer", "vae", "text_encoder", "tokenizer", "scheduler"} <= set(info.components)
    assert 50_000 < info.parameters < 1_000_000 and info.stored_dtypes == ("F32",)
    assert info.disk_bytes >= info.parameters * 4
    assert not [p for p in tiny_model.rglob("*") if p.suffix in (".bin", ".pt", ".ckpt", ".pth")]
    assert info.describe().startswith("LTXPipeline (tiny-ltx): ")


def test_a_clip_with_its_size_frames_provenance_and_word_attention(loaded, tmp_path: Path) -> None:  # noqa: ANN001
    out, record = tmp_path / "fox.mp4", tmp_path / "fox.attention"
    updates = []
    settings = T2VSettings(PROMPT, frames=7, seed=5, **SMALL)  # 7: made as 9 (4k + 1), trimmed
    result = generate_video(loaded, settings, out, attention=record, on_step=updates.append)

    info = probe(out)
    assert (info.width, info.height, info.frames, info.fps) == (96, 64, 7, 25.0)
    assert [u.step for u in updates] == [1, 2] and updates[-1].preview.shape == (16, 24, 3)
    saved = json.loads(provenance_path(out).read_text())
    assert saved == result.provenance
    assert saved["prompt"] == PROMPT and saved["seed"] == 5 and saved["steps"] == 2
    assert saved["size"] == [96, 64] and saved["frames"] == 7 and saved["frames_generated"] == 9
    assert saved["pipeline"] == "LTXPipeline" and saved["model_path"] == str(loaded.info.path.resolve())
    assert saved["attention"] == str(record.resolve())

    reader = AttentionRecordReader(record)
    encoding = loaded.pipe.tokenizer(PROMPT)
    words = {w for w in encoding.word_ids() if w is not None}
    assert reader.clip_names == PROMPT.split() and len(reader.clip_names) == len(words) == 8
    word_tokens = [w for w in encoding.word_ids() if w is not None]
    assert len(word_tokens) > len(words)  # "snowy" (and "A" when not lowercased) is more than one token
    assert reader.frames == 7 and reader.complete
    assert reader.stride == 4 and reader.map_shape == (16, 24)  # one patch per latent token
    shares = reader.shares()
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-5)
    maps = np.stack([reader.maps(n) for n in range(7)]).astype(np.float32)
    np.testing.assert_allclose(maps.sum(axis=1), 1.0, atol=4e-3)  # float16 on disk
    np.testing.assert_allclose(maps.mean(axis=(2, 3)), shares, atol=2e-3)
    # output frames 1-4 come from latent frame 1, 5-6 from latent frame 2: their rows are the same
    np.testing.assert_array_equal(shares[1], shares[4])
    assert not np.array_equal(shares[0], shares[1]) and not np.array_equal(shares[4], shares[5])
    assert 0.0 < reader.settings["word_mass"] <= 1.0 and reader.settings["attention_calls"] == 2 * 2


def test_the_capture_leaves_the_picture_alone_and_the_seed_decides_it(loaded, tmp_path: Path) -> None:  # noqa: ANN001
    one = generate_video(loaded, T2VSettings(PROMPT, frames=5, seed=1, **SMALL), tmp_path / "a.mp4")
    two = generate_video(
        loaded,
        T2VSettings(PROMPT, frames=5, seed=1, **SMALL),
        tmp_path / "b.mp4",
        attention=tmp_path / "b.att",
    )
    other = generate_video(loaded, T2VSettings(PROMPT, frames=5, seed=2, **SMALL), tmp_path / "c.mp4")
    np.testing.assert_array_equal(_frames(one.path), _frames(two.path))
    assert not np.array_equal(_frames(one.path), _frames(other.path))
    kinds = {type(p).__name__ for p in loaded.pipe.transformer.attn_processors.values()}
    assert kinds == {"LTXVideoAttnProcessor"}  # the model's own processors are back


def test_cancel_stops_within_one_step_and_leaves_nothing(loaded, tmp_path: Path) -> None:  # noqa: ANN001
    token, seen = CancelToken(), []

    def on_step(update) -> None:  # noqa: ANN001
        seen.append(update.step)
        if update.step == 2:
            token.cancel()

    out = tmp_path / "cancelled.mp4"
    with pytest.raises(Cancelled):
        generate_video(
            loaded, T2VSettings(PROMPT, frames=5, size=(96, 64), steps=8), out, attention=tmp_path / "c.att",
            cancel=token, on_step=on_step,
        )  # fmt: skip
    assert seen == [1, 2]  # the step it came in was the last: steps 3-8 never ran
    assert list(tmp_path.iterdir()) == []  # no clip, no record, no sidecar, no temp file
    kinds = {type(p).__name__ for p in loaded.pipe.transformer.attn_processors.values()}
    assert kinds == {"LTXVideoAttnProcessor"}


def test_bad_settings_are_one_line_errors(loaded, tmp_path: Path) -> None:  # noqa: ANN001
    with pytest.raises(StudioError, match="multiples of 4"):
        generate_video(loaded, T2VSettings(PROMPT, size=(90, 64), steps=1, frames=1), tmp_path / "x.mp4")
    with pytest.raises(StudioError, match="prompt is empty"):
        generate_video(loaded, T2VSettings("   ", size=(96, 64), steps=1, frames=1), tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def _copy(model: Path, folder: Path) -> Path:
    return Path(shutil.copytree(model, folder))


def test_pickle_weights_are_refused_before_anything_loads(tiny_model: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    bad = _copy(tiny_model, tmp_path / "pickled")
    for weights in (bad / "transformer").glob("*.safetensors"):
        weights.unlink()
    (bad / "transformer" / "diffusion_pytorch_model.bin").write_bytes(b"\x80\x04not really a pickle")
    with pytest.raises(StudioError, match=r"transformer/ holds pickle weights only .*safetensors only"):
        inspect_model(bad)
    with pytest.raises(StudioError, match="pickle"):
        load_pipeline(bad, device="cpu")
    code = main(["t2v", "--model", str(bad), "a fox", "-o", str(tmp_path / "x.mp4")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "pickle weights only" in err and len(err.splitlines()) == 1


def test_custom_code_and_other_pipelines_are_refused(tiny_model: Path, tmp_path: Path) -> None:
    for class_name, message in ((["my_pipeline", "MyPipeline"], "custom code"),
                                ("StableDiffusionPipeline", "not a text-to-video pipeline")):  # fmt: skip
        folder = _copy(tiny_model, tmp_path / str(len(list(tmp_path.iterdir()))))
        index = json.loads((folder / "model_index.json").read_text())
        index["_class_name"] = class_name
        (folder / "model_index.json").write_text(json.dumps(index))
        with pytest.raises(StudioError, match=message):
            inspect_model(folder)
    with pytest.raises(StudioError, match="no model_index.json"):
        inspect_model(tmp_path)


def test_the_cli_makes_the_clip_and_adds_it_to_the_project(tiny_model: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    project_file = save_project(Project("t2v", [], []), tmp_path / "p.avsproj.json")
    out = tmp_path / "clips" / "cat.mp4"
    argv = ["t2v", "--model", str(tiny_model), "a cat sleeps in the sun", "--frames", "5", "--size", "96x64",
            "--steps", "1", "--seed", "7", "--device", "cpu", "--attention", str(tmp_path / "cat.attention"),
            "--project", str(project_file), "-o", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert "added to" in capsys.readouterr().out
    clip = load_project(project_file).clips[0]
    assert Path(clip.path) == out.resolve() and (clip.width, clip.height, clip.frames) == (96, 64, 5)
    assert clip.provenance["prompt"] == "a cat sleeps in the sun" and clip.provenance["seed"] == 7
    record = AttentionRecordReader(clip.provenance["attention"])
    assert record.clip_names == ["a", "cat", "sleeps", "in", "the", "sun"]
    assert main(["t2v", "--model", str(tiny_model), "--check"]) == 0
    assert "LTXPipeline" in capsys.readouterr().out


def test_latent_frames_map_to_output_frames_as_causal_vaes_decode() -> None:
    assert [latent_frame(n, 9, 3) for n in range(9)] == [0, 1, 1, 1, 1, 2, 2, 2, 2]
    assert [latent_frame(n, 97, 13) for n in (0, 1, 8, 9, 96)] == [0, 1, 1, 2, 12]
    assert [latent_frame(n, 6, 4) for n in range(6)] == [0, 0, 1, 2, 2, 3]  # not r·k + 1: proportional
    assert latent_frame(5, 9, 1) == 0


def test_nothing_reached_the_network(loaded, connections: list[object]) -> None:  # noqa: ANN001
    with pytest.raises(NetworkUsed):
        socket.create_connection(("127.0.0.1", 9), timeout=1)  # the block is in place
    connections.clear()
    load_pipeline(loaded.info.path, device="cpu")
    assert connections == [] and os.environ["HF_HUB_OFFLINE"] == "1"
