"""``studio t2v``: a new source clip from a prompt, with a local open video model (the ``[t2v]`` extra).

    studio t2v --model DIR "PROMPT" [--negative TEXT] [--frames N] [--size WxH] [--steps S] [--seed N]
               [--guidance G] [--fps F] [--attention REC] [--project P] [--device D] [--low-vram auto|on|off]
               -o CLIP.mp4
    studio t2v --model DIR --check      what the folder holds, its size, whether it fits the GPU

DIR is a ``diffusers`` pipeline folder on disk (LTX-Video, Wan 2.x or CogVideoX, safetensors weights); nothing
is downloaded. ``--attention REC`` writes which words the model attended to, per frame and patch, as an
attention record (``studio REC`` opens it). ``--project P`` adds the clip, its provenance on it, to the
project.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("t2v", help="make a new clip from a prompt with a local diffusers video model")
    p.add_argument("prompt", nargs="?", default="", help="what the clip shows")
    p.add_argument("--model", required=True, type=Path, help="a diffusers pipeline folder (safetensors)")
    p.add_argument("--check", action="store_true", help="only say what the folder holds and whether it fits")
    p.add_argument("--negative", default="", help="what the clip should not show")
    p.add_argument("--frames", type=int, help="frame count (default: the model's)")
    p.add_argument("--size", help="WIDTHxHEIGHT (default: the model's, e.g. 704x480)")
    p.add_argument("--steps", type=int, help="denoising steps (default 30)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--guidance", type=float, help="classifier-free guidance scale (default: the model's)")
    p.add_argument("--fps", type=float, help="frame rate of the clip (default: the model's)")
    p.add_argument("--attention", type=Path, metavar="REC", help="write the word-attention record here")
    p.add_argument("--project", type=Path, help="add the clip to this project (saved)")
    p.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda, cuda:1, mps")
    p.add_argument("--low-vram", default="auto", choices=("auto", "on", "off"),
                   help="CPU offload and VAE tiling (auto: when the weights do not fit the GPU)")  # fmt: skip
    p.add_argument("-o", "--output", type=Path, help="output MP4 (default: <project folder>/generated/)")
    p.set_defaults(func=run_t2v)


def _output(args: argparse.Namespace) -> Path:
    from studio.errors import StudioError

    if args.output is not None:
        return args.output
    if args.project is None:
        raise StudioError("say where the clip goes: -o CLIP.mp4 (or --project P)")
    folder = args.project.resolve().parent / "generated"
    n = 1
    while (folder / f"t2v-{n}.mp4").exists():
        n += 1
    return folder / f"t2v-{n}.mp4"


def run_t2v(args: argparse.Namespace) -> int:
    from studio.errors import StudioError
    from studio.models.t2v.load import inspect_model

    if args.check:
        from studio.models.device import choose_device
        from studio.models.t2v.load import gpu_fit

        info = inspect_model(args.model)
        print(info.describe(gpu_fit(info, choose_device(args.device))[1]))
        return 0
    if not args.prompt.strip():
        raise StudioError('give a prompt: studio t2v --model DIR "a red fox runs through snow" -o fox.mp4')
    from tqdm import tqdm

    from studio.engine.gpu_lock import GPU
    from studio.models.device import choose_device
    from studio.models.t2v.generate import T2VSettings, add_to_project, generate_video, parse_size
    from studio.models.t2v.load import load_pipeline

    settings = T2VSettings(
        args.prompt, args.negative, args.frames, parse_size(args.size) if args.size else None, args.steps,
        args.seed, args.guidance, args.fps,
    )  # fmt: skip
    output = _output(args)
    inspect_model(args.model)  # a refused folder says so before diffusers loads
    target = choose_device(args.device)
    with GPU.hold("text-to-video", target), tqdm(unit="step", dynamic_ncols=True) as bar:
        loaded = load_pipeline(args.model, str(target), args.low_vram)
        bar.write(loaded.describe())

        def on_step(update) -> None:
            bar.total = update.steps
            bar.n = update.step
            bar.refresh()

        result = generate_video(loaded, settings, output, attention=args.attention, on_step=on_step)
    where = f"; word attention in {result.attention}" if result.attention else ""
    print(
        f"{result.path} ({result.frames} frames, {result.width}x{result.height} at {result.fps:g} fps){where}"
    )
    if args.project is not None:
        clip_id, saved = add_to_project(args.project, result)
        print(f"added to {saved} as {clip_id}")
    return 0
