"""Build a tiny, randomly initialised text-to-video pipeline of a real ``diffusers`` class and save it as
safetensors: ``python scripts/make_tiny_t2v.py DIR``.

An ``LTXPipeline`` whose every component is built in code, nothing downloaded: a one-block-deep
``LTXVideoTransformer3DModel``, an ``AutoencoderKLLTXVideo`` with 8 channels that compresses 4× in space and
time, a one-layer T5 encoder from a ``T5Config``, and a T5 tokenizer over a Unigram vocabulary of a few dozen
words plus single letters (so any lowercase prompt tokenises). The tests load it through the same code path
as a real model (``studio t2v --model DIR``); on two CPU cores it makes 9 frames of 64×96 in about a second.
Its pictures are noise-like: it is for plumbing, not looks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SENTENCE = (  # the vocabulary's words, space-separated
    "a an the of in on at over under and with red blue green yellow white black fox cat dog bird horse fish "
    "runs walks flies swims jumps sleeps forest city night sea sky sun moon river mountain street rain snow"
)
WORDS = SENTENCE.split()
LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"


def _tokenizer():
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import T5TokenizerFast

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += [(f"▁{word}", -3.0) for word in WORDS] + [(c, -8.0) for c in LETTERS]
    tok = Tokenizer(models.Unigram(vocab, unk_id=2, byte_fallback=False))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(single=["$A", "</s>"], special_tokens=[("</s>", 1)])
    tokenizer = T5TokenizerFast(
        tokenizer_object=tok, eos_token="</s>", unk_token="<unk>", pad_token="<pad>", extra_ids=0
    )
    return tokenizer, len(vocab)


def build_tiny_pipeline(seed: int = 0):
    """The tiny LTXPipeline in memory (float32, on the CPU)."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(seed)
    tokenizer, vocab_size = _tokenizer()
    text_encoder = T5EncoderModel(
        T5Config(vocab_size=vocab_size, d_model=32, d_ff=64, d_kv=8, num_layers=1, num_heads=4,
                 relative_attention_num_buckets=8)
    )  # fmt: skip
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4,
        attention_head_dim=8, cross_attention_dim=32, num_layers=2, caption_channels=32,
    )  # fmt: skip
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False), decoder_inject_noise=(False,) * 5,
        upsample_residual=(False,) * 4, upsample_factor=(1,) * 4, timestep_conditioning=False,
        patch_size=1, patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )  # fmt: skip
    scheduler = FlowMatchEulerDiscreteScheduler()
    return LTXPipeline(
        scheduler=scheduler, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, transformer=transformer
    )


def make_tiny_t2v(folder: str | Path, seed: int = 0) -> Path:
    """Save the tiny pipeline to ``folder`` (safetensors weights); the folder."""
    folder = Path(folder)
    build_tiny_pipeline(seed).save_pretrained(str(folder), safe_serialization=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to save the pipeline")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(make_tiny_t2v(args.folder, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
