"""The attention record on disk: what the generator wrote is what a reader gets, even while it is writing."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

from studio.engine.config import GeneratorConfig
from studio.engine.generator import AttentionGenerator
from studio.errors import EngineError
from studio.project.record import AttentionRecordReader, AttentionRecordWriter

NAMES = ["gradient", "stripes", "dots", "guide"]


def writer(directory, frames: int = 6, map_shape=(8, 12)) -> AttentionRecordWriter:
    return AttentionRecordWriter(
        directory,
        clip_names=NAMES,
        clip_paths=[f"/media/{name}.mp4" for name in NAMES],
        fps=24.0,
        stride=8,
        map_shape=map_shape,
        settings=GeneratorConfig().to_dict(),
        frames=frames,
    )


def test_generator_output_round_trips_into_project_columns(tmp_path, make_input):
    gen = AttentionGenerator(GeneratorConfig(device="cpu"))
    columns = np.array(
        [2, 0, 1]
    )  # sources dots, gradient, stripes -> project clips 2, 0, 1; "guide" inactive
    outputs = []
    with writer(tmp_path / "rec") as rec:
        for n in range(4):
            out = gen(make_input(["dots", "gradient", "stripes"], n))
            rec.append(n, columns, out.shares, out.maps)
            outputs.append(out)
    reader = AttentionRecordReader(tmp_path / "rec")
    assert reader.complete and reader.frames_written == 4 and reader.frames == 6
    assert reader.clip_names == NAMES and reader.stride == 8 and reader.map_shape == (8, 12)
    assert reader.settings["temperature"] == 0.1
    shares = reader.shares(0, 6)
    for n, out in enumerate(outputs):
        np.testing.assert_array_equal(shares[n, columns], out.shares)
        assert shares[n, 3] == 0  # an inactive clip is 0, not missing
        maps = reader.maps(n)
        assert maps.dtype == np.float16 and maps.shape == (4, 8, 12)
        np.testing.assert_array_equal(maps[columns], out.maps)
        np.testing.assert_allclose(maps.astype(np.float32).sum(0), 1, atol=2e-3)
        np.testing.assert_allclose(shares[n], maps.astype(np.float32).mean((1, 2)), atol=2e-3)
    assert np.isnan(shares[4:]).all()  # not written: NaN, so readers can tell
    assert reader.maps(5) is None


def test_two_placements_of_one_clip_add_up(tmp_path):
    with writer(tmp_path / "rec") as rec:
        maps = np.stack([np.full((8, 12), 0.25), np.full((8, 12), 0.5), np.full((8, 12), 0.25)]).astype(
            np.float16
        )
        rec.append(0, [1, 1, 3], np.array([0.25, 0.5, 0.25], np.float32), maps)
    reader = AttentionRecordReader(tmp_path / "rec")
    np.testing.assert_allclose(reader.shares(0, 1)[0], [0, 0.75, 0, 0.25])
    np.testing.assert_allclose(reader.maps(0)[1].astype(np.float32), 0.75)


def test_a_reader_sees_frames_while_the_writer_is_going(tmp_path):
    rec = writer(tmp_path / "live", frames=100)
    reader = AttentionRecordReader(tmp_path / "live")  # opened before anything was appended
    assert reader.frames_written == 0 and not reader.complete
    one_hot = np.zeros((1, 8, 12), np.float16) + 1
    for n in range(10):
        rec.append(n, [n % 4], np.ones(1, np.float32), one_hot)
    rec.flush()
    assert reader.frames_written == 10
    shares = reader.shares(0, 12)
    assert shares[9, 1] == 1 and np.isnan(shares[10:]).all()
    assert reader.maps(9)[1].min() == 1
    rec.close()
    assert reader.complete


def test_meta_json_describes_the_folder(tmp_path):
    writer(tmp_path / "rec").close()
    meta = json.loads((tmp_path / "rec" / "meta.json").read_text())
    assert meta["format"] == "attention-record" and meta["version"] == 1
    assert meta["paths"][2] == "/media/dots.mp4" and meta["fps"] == 24.0 and meta["frames"] == 6
    assert not [p.name for p in (tmp_path / "rec").iterdir() if p.name.startswith(".")]  # no temp files left


def test_an_error_or_abort_leaves_no_partial_record(tmp_path):
    with pytest.raises(KeyError), writer(tmp_path / "failed") as rec:
        rec.append(0, [0], np.ones(1, np.float32), np.ones((1, 8, 12), np.float16))
        raise KeyError("cancelled mid-render")
    assert not (tmp_path / "failed").exists()
    rec = writer(tmp_path / "aborted")
    rec.abort()
    assert not (tmp_path / "aborted").exists()


def test_memory_stays_flat_for_a_long_record(tmp_path):
    frames, shape = 1500, (45, 80)  # 1 min at 25 fps of 640x360 maps: 86 MB of float16 on disk
    maps = np.full((4, *shape), 0.25, np.float16)
    shares = np.full(4, 0.25, np.float32)
    tracemalloc.start()
    try:
        with writer(tmp_path / "long", frames=frames, map_shape=shape) as rec:
            for n in range(frames):
                rec.append(n, [0, 1, 2, 3], shares, maps)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20, peak  # a few frames' worth, not the 86 MB of the record
    assert (tmp_path / "long" / "maps.npy").stat().st_size > frames * 4 * 45 * 80 * 2
    assert AttentionRecordReader(tmp_path / "long").frames_written == frames


def test_not_a_record_is_a_one_line_error(tmp_path):
    (tmp_path / "meta.json").write_text('{"format": "something-else"}')
    with pytest.raises(EngineError, match="Not a readable attention record"):
        AttentionRecordReader(tmp_path)
    with pytest.raises(EngineError):
        AttentionRecordReader(tmp_path / "missing")
