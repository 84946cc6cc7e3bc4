"""``studio train | eval | generate``: learned generators on a project's clips, from the command line.

    studio train PROJECT --model interp|vae|convlstm|transformer [--minutes M | --steps S] [--device D]
                         [--gan] [--out DIR]
    studio eval PROJECT --checkpoint C [--json]
    studio generate PROJECT [--checkpoint C] interpolate CLIP --factor 2 | extend CLIP --frames N
                                            | morph CLIP_A CLIP_B --frames N  [-o OUT.mp4]

``interp`` (the native-resolution interpolator) trains and scores at each clip's own size; the other models
work on a small centre square (``--size``) and are scored there.

torch and the models load only when one of these commands runs (``studio probe`` stays fast).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from studio.cli import train_ddp

KINDS = ("interp", "vae", "convlstm", "transformer")  # interp: native size; the others a small square


def register(subparsers: argparse._SubParsersAction) -> None:
    tr = subparsers.add_parser("train", help="train a learned generator on the project's clips")
    tr.add_argument("project", type=Path, help="project file")
    tr.add_argument("--model", required=True, choices=KINDS)
    stop = tr.add_mutually_exclusive_group()
    stop.add_argument("--minutes", type=float, help="stop after this many minutes")
    stop.add_argument("--steps", type=int, help="stop after this many steps (default 1000)")
    tr.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda, cuda:1 ...")
    tr.add_argument("--gan", action="store_true", help="add the 3D PatchGAN discriminator (sharper results)")
    tr.add_argument("--out", type=Path, help="checkpoint folder (default: <project folder>/models/<model>)")
    tr.add_argument("--clips", nargs="+", metavar="CLIP", help="only these clips (ids or names)")
    tr.add_argument(
        "--size",
        type=int,
        default=64,
        help="square models' frame size in pixels, a multiple of 8 (interp: own size)",
    )
    tr.add_argument("--preset", default="small", choices=("tiny", "small", "base"), help="model size")
    tr.add_argument("--batch", type=int, default=8)
    tr.add_argument("--lr", type=float, help="learning rate (default 1e-3; interp 3e-4)")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--eval-every", type=int, default=100)
    tr.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    train_ddp.add_arguments(tr)  # --ddp, --nproc N
    tr.set_defaults(func=run_train)

    ev = subparsers.add_parser("eval", help="score a checkpoint against the baselines on held-out frames")
    ev.add_argument("project", type=Path)
    ev.add_argument("--checkpoint", required=True, type=Path)
    ev.add_argument("--json", action="store_true", help="a JSON list of {task, method, psnr, ssim}")
    ev.add_argument("--windows", type=int, default=16, help="held-out 12-frame windows to score (default 16)")
    ev.add_argument("--device", default="auto")
    ev.add_argument(
        "--square",
        action="store_true",
        help="score on the model's small square (default: each clip's own size)",
    )
    ev.set_defaults(func=run_eval)

    gen = subparsers.add_parser(
        "generate", help="make a new clip with a trained model and add it to the project"
    )
    gen.add_argument("project", type=Path)
    gen.add_argument(
        "--checkpoint", type=Path, help="trained model (interpolate without one: DIS flow at the clip's size)"
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-o", "--output", type=Path, help="output MP4 (default: <project folder>/generated/)")
    common.add_argument("--device", default="auto")
    common.add_argument(
        "--square", action="store_true", help="keep the model's square frames (default: the clip's own size)"
    )
    ops = gen.add_subparsers(dest="operation", metavar="OPERATION", required=True)
    ext = ops.add_parser("extend", parents=[common], help="continue a clip (convlstm or transformer)")
    ext.add_argument("clips", nargs=1, metavar="CLIP")
    ext.add_argument("--frames", type=int, default=48)
    itp = ops.add_parser(
        "interpolate",
        parents=[common],
        help="more frames per second (interp at the clip's size, or transformer)",
    )
    itp.add_argument("clips", nargs=1, metavar="CLIP")
    itp.add_argument("--factor", type=int, default=2)
    mor = ops.add_parser("morph", parents=[common], help="turn clip A into clip B (vae)")
    mor.add_argument("clips", nargs=2, metavar="CLIP")
    mor.add_argument("--frames", type=int, default=48)
    gen.set_defaults(func=run_generate)


def run_train(args: argparse.Namespace) -> int:
    ddp = train_ddp.launch_or_join(args)  # None: one process
    if isinstance(ddp, int):
        return ddp  # torchrun, started here, ran the training and is done
    from tqdm import tqdm

    from studio.models.data import FrameData, sources_from_project
    from studio.models.locations import checkpoints_dir
    from studio.models.train import TrainConfig, train

    out = args.out or checkpoints_dir(args.project, args.model)  # the bundled demo's: the user's data folder
    sources = sources_from_project(args.project, args.clips)
    if args.model == "interp":
        from studio.models.interp_train import train_interp
        from studio.models.native import NativeData

        data, run = NativeData.load(sources), train_interp
    else:
        data, run = FrameData.load(sources, (args.size, args.size)), train
    cfg = TrainConfig(
        kind=args.model,
        preset=args.preset,
        steps=args.steps,
        minutes=args.minutes,
        batch_size=args.batch,
        lr=args.lr if args.lr is not None else (3e-4 if args.model == "interp" else 1e-3),
        seed=args.seed,
        device=args.device,
        gan=args.gan,
        eval_every=args.eval_every,
        out_dir=out,
        resume=args.resume,
    )
    total = args.steps if args.steps is not None else (None if args.minutes else 1000)
    last = None
    main = ddp is None or ddp.is_main  # rank 0 draws the bar, logs and prints
    log = train_ddp.TrainLog(out, enabled=main)
    with tqdm(total=total, unit="step", dynamic_ncols=True, disable=not main) as bar:
        for progress in run(cfg, data, **({"ddp": ddp} if ddp is not None else {})):
            last = progress
            if progress.done:
                break
            log.write(progress)
            bar.n = progress.step
            bar.set_postfix(
                loss=f"{progress.losses.get('loss', 0):.4f}",
                psnr="-" if progress.psnr is None else f"{progress.psnr:.2f}",
                sps=f"{progress.samples_per_s:.0f}",
                dev=progress.device,
            )
            bar.refresh()
    log.close()
    if ddp is not None:
        ddp.close()
    if last is not None and main:
        figures = "" if last.psnr is None else f", held-out PSNR {last.psnr:.2f} dB, SSIM {last.ssim:.4f}"
        print(f"{args.model}: {last.step} steps{figures}; checkpoint {last.checkpoint}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from studio.models.checkpoint import load_checkpoint
    from studio.models.data import FrameData, sources_from_project
    from studio.models.device import choose_device
    from studio.models.evaluate import evaluate, format_table

    device = choose_device(args.device)
    ck = load_checkpoint(args.checkpoint, device)
    sources = sources_from_project(args.project)
    square = args.square or ck.kind == "vae"  # the VAE makes no full-size frames: its square is its output
    if ck.kind == "interp":
        from studio.models.interp_train import evaluate_interp
        from studio.models.native import NativeData

        rows = evaluate_interp(ck.model, NativeData.load(sources), device)
        where = "held-out triplets at each clip's own size"
    elif not square:
        from studio.models.native_eval import evaluate_native

        rows = evaluate_native(ck.model, sources, device, limit=max(32, args.windows))
        where = "held-out shots at each clip's own size (the square lifted as studio generate does)"
    else:
        size = ck.model.cfg.image_size
        rows = evaluate(
            ck.model, FrameData.load(sources, (size, size)), device=device, max_windows=args.windows
        )
        where = f"held-out frames on the model's {size}x{size} square"
    if args.json:
        print(json.dumps([r.to_dict() for r in rows], indent=2))
    else:
        print(f"{ck.kind} checkpoint, step {ck.step}, {where}")
        print(format_table(rows))
    return 0


def run_generate(args: argparse.Namespace) -> int:
    from studio.models.generate import generate

    result = generate(
        args.project,
        args.checkpoint,
        args.operation,
        list(args.clips),
        frames=getattr(args, "frames", 48),
        factor=getattr(args, "factor", 2),
        output=args.output,
        device=args.device,
        square=args.square,
    )
    clip = result.clip
    size = f", {clip.width}x{clip.height}" if clip is not None else ""
    record = result.provenance.get("attention")
    where = f"; its attention record {record}" if record else ""
    print(
        f"wrote {result.path}: {result.frames} frames{size} at {result.fps:g} fps, "
        f"added to {result.project_path} as {result.clip_id}{where}"
    )
    return 0
