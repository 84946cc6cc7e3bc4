"""Which words of the prompt a video model attended to, where and when: the text→video cross-attention,
captured through the pipeline's attention processors (as DAAM and ConceptAttention do).

Every attention processor of the denoiser (``transformer``, or ``unet``) is wrapped (``set_attn_processor``)
by one that first calls the model's own processor unchanged, and, on the calls that attend from the video
tokens to the text (``encoder_hidden_states`` given), recomputes the attention probabilities from the layer's
own projections and norms: queries from the video tokens, keys from the text tokens (for joint attention,
MM-DiT or CogVideoX, that is the text-to-video block of it; the video queries get the layer's RoPE when it
passes one). The probabilities are a softmax over all text tokens (padding and end-of-text included, as the
model saw them), averaged over heads, summed over layers and steps, and summed over the tokens of each word
(a word the tokenizer splits into pieces is one row).

Classifier-free guidance: only the conditional pass counts, the last batch element of the first denoiser call
of each step (batched CFG puts [unconditional, conditional]; pipelines that run two calls per step, Wan, run
the conditional one first).

Normalisation (what the record holds, :meth:`WordAttention.write`): at every patch of every frame the words'
values are divided by their sum, so the maps sum to 1 over words at each patch, and a frame's shares (the
mean of its maps over patches) sum to 1 over words. ``word_mass`` says how much of the text attention the
words had before that (the rest went to end-of-text and padding). Latent frames map to output frames as the
causal video VAEs decode them: latent 0 is output frame 0, latent j (j ≥ 1) output frames (j-1)·r+1 … j·r.
"""

from __future__ import annotations

import inspect
import shutil
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from studio.errors import StudioError
from studio.project.record import AttentionRecordReader, AttentionRecordWriter

QUERY_CHUNK_ELEMENTS = 2**24  # heads × queries × text tokens per softmax chunk (64 MB in float32)


@dataclass(frozen=True)
class PromptWords:
    """The prompt's words and, for each, its token positions in the text encoder's sequence."""

    names: list[str]
    positions: list[list[int]]

    @classmethod
    def from_prompt(cls, tokenizer: Any, prompt: str, max_length: int | None) -> PromptWords:
        """Tokenise as the pipelines do (special tokens added, truncated to ``max_length``); words from the
        fast tokenizer's word ids and character offsets, else one word per token."""
        kwargs: dict[str, Any] = {"add_special_tokens": True, "truncation": max_length is not None}
        if max_length is not None:
            kwargs["max_length"] = max_length
        try:
            encoding = tokenizer(prompt, return_offsets_mapping=True, **kwargs)
            word_ids = encoding.word_ids()
            offsets = encoding["offset_mapping"]
        except (NotImplementedError, ValueError, TypeError, AttributeError):  # a slow tokenizer
            encoding = tokenizer(prompt, **kwargs)
            special = set(getattr(tokenizer, "all_special_ids", []))
            word_ids = [None if t in special else i for i, t in enumerate(encoding["input_ids"])]
            offsets = None
        groups: dict[int, list[int]] = {}
        for position, word in enumerate(word_ids):
            if word is not None:  # None: end-of-text, padding, other added tokens
                groups.setdefault(word, []).append(position)
        names, positions = [], []
        tokens = tokenizer.convert_ids_to_tokens(encoding["input_ids"])
        for members in groups.values():
            if offsets is not None:
                start = min(offsets[p][0] for p in members)
                end = max(offsets[p][1] for p in members)
                text = prompt[start:end].strip()
            else:
                text = (
                    "".join(tokens[p] for p in members).replace("▁", "").replace("Ġ", "").replace("</w>", "")
                )
            name = text.strip(string.punctuation + " ") or text or "?"
            names.append(name)
            positions.append(members)
        return cls(_distinct(names), positions)


def _distinct(names: list[str]) -> list[str]:
    """A word that comes twice gets "(2)": rows are told apart by name."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _norm_width(norm: Any) -> int | None:
    shape = getattr(norm, "normalized_shape", None) or getattr(norm, "dim", None)
    if shape is None or isinstance(norm, torch.nn.Identity):
        return None
    return int(shape[-1]) if not isinstance(shape, int) else int(shape)


def _project(linear: Any, norm: Any, x: torch.Tensor, heads: int) -> torch.Tensor:
    """(heads, tokens, head_dim): the layer's projection and its q/k norm, across heads (LTX, Wan) or per head
    (CogVideoX), whichever width the norm has."""
    y = linear(x)
    width = _norm_width(norm)
    across_heads = width == y.shape[-1]
    if across_heads:
        y = norm(y)
    y = y.unflatten(-1, (heads, -1))
    if not across_heads and width == y.shape[-1]:
        y = norm(y)
    return y[0].transpose(0, 1)


def _with_rope(query: torch.Tensor, rotary: Any) -> torch.Tensor:
    """The video queries with the RoPE the layer applies to them (CogVideoX-style (cos, sin) pairs)."""
    try:
        from diffusers.models.embeddings import apply_rotary_emb

        return apply_rotary_emb(query[None], rotary)[0]
    except (ImportError, RuntimeError, ValueError, TypeError, IndexError):
        return query  # a RoPE layout not known here: the attention without it, rather than none


class _CapturingProcessor:
    """Calls the model's processor unchanged; on text→video calls, hands the inputs to the capture."""

    def __init__(self, inner: Any, capture: WordAttentionCapture) -> None:
        self.inner = inner
        self.capture = capture
        self.signature = inspect.signature(inner.__call__)

    def __getattr__(self, name: str) -> Any:  # the model reads its processors' attributes
        inner = self.__dict__.get("inner")
        if inner is None:
            raise AttributeError(name)
        return getattr(inner, name)

    def __call__(self, attn: Any, hidden_states: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        out = self.inner(attn, hidden_states, *args, **kwargs)
        try:
            named = self.signature.bind(attn, hidden_states, *args, **kwargs).arguments
        except TypeError:
            return out
        text = named.get("encoder_hidden_states")
        if text is not None:
            rotary = named.get("image_rotary_emb", named.get("rotary_emb"))
            self.capture.add(attn, hidden_states, text, named.get("attention_mask"), rotary)
        return out


def _wrapper_for(inner: Any, capture: WordAttentionCapture) -> _CapturingProcessor:
    """A wrapper whose ``__call__`` shows the inner processor's parameters: attention modules filter the
    keyword arguments they pass (the RoPE among them) by the processor's signature."""

    def call(self: _CapturingProcessor, *args: Any, **kwargs: Any) -> Any:
        return _CapturingProcessor.__call__(self, *args, **kwargs)

    call.__signature__ = inspect.signature(type(inner).__call__)  # type: ignore[attr-defined]
    cls = type(f"WordCapture{type(inner).__name__}", (_CapturingProcessor,), {"__call__": call})
    return cls(inner, capture)


class WordAttentionCapture:
    """``with WordAttentionCapture(denoisers, words, grid):`` around the pipeline call; ``next_step()`` from
    its step-end callback; then :meth:`result`. ``grid``: the video tokens' (rows, columns) per frame."""

    def __init__(self, denoisers: list[Any], words: PromptWords, grid: tuple[int, int]) -> None:
        self.denoisers = [d for d in denoisers if d is not None]
        self.words = words
        self.grid = (int(grid[0]), int(grid[1]))
        self.calls = 0  # attention calls captured
        self._forward_calls = 0  # denoiser calls in this step
        self._sum: torch.Tensor | None = None  # (video tokens, words)
        self._originals: list[dict[str, Any]] = []
        self._hooks: list[Any] = []
        flat = [p for members in words.positions for p in members]
        self._flat_positions = torch.tensor(flat, dtype=torch.long)
        self._word_of = torch.tensor([w for w, m in enumerate(words.positions) for _ in m], dtype=torch.long)

    def __enter__(self) -> WordAttentionCapture:
        for module in self.denoisers:
            originals = dict(module.attn_processors)
            self._originals.append(originals)
            module.set_attn_processor({name: _wrapper_for(p, self) for name, p in originals.items()})
            self._hooks.append(module.register_forward_pre_hook(self._on_forward))
        return self

    def __exit__(self, *exc: object) -> None:
        for hook in self._hooks:
            hook.remove()
        for module, originals in zip(self.denoisers, self._originals, strict=True):
            module.set_attn_processor(dict(originals))  # a copy: diffusers pops from the dict it is given
        self._hooks, self._originals = [], []

    def _on_forward(self, _module: Any, _args: Any) -> None:
        self._forward_calls += 1

    def next_step(self) -> None:
        self._forward_calls = 0

    @torch.no_grad()
    def add(self, attn: Any, hidden: torch.Tensor, text: torch.Tensor, mask: Any, rotary: Any) -> None:
        """One text→video attention call: its per-word probabilities, added to the running sum."""
        if self._forward_calls > 1 or hidden.ndim != 3 or text.ndim != 3 or not len(self._flat_positions):
            return  # an unconditional pass of a two-call CFG step, or not a token sequence
        tokens, patches = hidden.shape[1], self.grid[0] * self.grid[1]
        if tokens % patches or text.shape[1] <= int(self._flat_positions.max()):
            return  # not the video tokens attending to this prompt
        last = hidden.shape[0] - 1  # the conditional half of a batched CFG pass
        heads = int(attn.heads)
        key_linear, key_norm = attn.to_k, getattr(attn, "norm_k", None)
        if getattr(attn, "add_k_proj", None) is not None:  # MM-DiT: the text stream's own projections
            key_linear, key_norm = attn.add_k_proj, getattr(attn, "norm_added_k", None)
        query = _project(attn.to_q, getattr(attn, "norm_q", None), hidden[last : last + 1], heads)
        key = _project(key_linear, key_norm, text[last : last + 1], heads)
        if rotary is not None:
            query = _with_rope(query, rotary)
        bias = _text_bias(mask, last, text.shape[1])
        scale = query.shape[-1] ** -0.5
        positions = self._flat_positions.to(query.device)
        word_of = self._word_of.to(query.device)
        if self._sum is None:
            self._sum = torch.zeros(tokens, len(self.words.names), dtype=torch.float32, device=query.device)
        elif self._sum.shape[0] != tokens:
            return
        key_t = key.float().transpose(-1, -2)
        chunk = max(1, QUERY_CHUNK_ELEMENTS // (heads * text.shape[1]))
        for start in range(0, tokens, chunk):
            logits = torch.matmul(query[:, start : start + chunk].float(), key_t) * scale  # (H, c, text)
            if bias is not None:
                logits = logits + bias.to(logits.device)
            probs = logits.softmax(-1).mean(0)[:, positions]  # (c, word tokens)
            per_word = torch.zeros(probs.shape[0], len(self.words.names), device=probs.device)
            per_word.index_add_(1, word_of, probs)
            self._sum[start : start + chunk] += per_word
        self.calls += 1

    def result(self, made_frames: int, frames: int) -> WordAttention:
        """Per output frame (the first ``frames`` of the ``made_frames`` decoded): shares and maps."""
        rows, cols = self.grid
        words = len(self.words.names)
        if self._sum is None or not self.calls:
            raise StudioError(
                "no text-to-video attention was captured (this model's attention is not readable)"
            )
        latent = self._sum.reshape(-1, rows, cols, words).permute(0, 3, 1, 2).cpu().numpy()  # (F, W, h, w)
        total = latent.sum(axis=1, keepdims=True)
        maps = np.divide(latent, total, out=np.zeros_like(latent), where=total > 0)
        index = [latent_frame(n, made_frames, len(latent)) for n in range(frames)]
        per_frame = maps[index].astype(np.float32)
        shares = per_frame.mean(axis=(2, 3))
        mass = float(self._sum.sum()) / (self._sum.shape[0] * self.calls)  # per query, per call
        return WordAttention(list(self.words.names), shares, per_frame, float(mass), self.calls)


def _text_bias(mask: Any, batch: int, text_tokens: int) -> torch.Tensor | None:
    """The layer's mask over the text tokens as an additive bias, when it is one row per batch element."""
    if not isinstance(mask, torch.Tensor) or mask.shape[0] <= batch:
        return None
    row = mask[batch]
    if row.numel() != text_tokens:
        return None
    row = row.reshape(text_tokens)
    if row.dtype == torch.bool:
        return torch.zeros(text_tokens, device=row.device).masked_fill(~row, float("-inf"))
    return row.float()


def latent_frame(n: int, made: int, latent_frames: int) -> int:
    """The latent (token) frame output frame ``n`` of ``made`` was decoded from (causal VAE layout when the
    counts fit it: r output frames per latent after the first; else proportional)."""
    if latent_frames <= 1 or made <= 1:
        return 0
    if (made - 1) % (latent_frames - 1) == 0:
        ratio = (made - 1) // (latent_frames - 1)
        return 0 if n == 0 else min(latent_frames - 1, (n - 1) // ratio + 1)
    return min(latent_frames - 1, n * latent_frames // made)


@dataclass(frozen=True)
class WordAttention:
    words: list[str]
    shares: np.ndarray  # (frames, words) float32: each row sums to 1 over words
    maps: np.ndarray  # (frames, words, h, w) float32: sums to 1 over words at every patch
    word_mass: float  # the words' mean share of the text attention before normalising
    calls: int  # attention calls aggregated (layers × steps)

    def write(self, directory: str | Path, fps: float, stride: int, clip_path: str | Path,
              settings: dict[str, Any]) -> Path:  # fmt: skip
        """The attention record at ``directory`` (a record already there is replaced; any other folder is
        refused): written beside it under a temp name, then renamed."""
        target = Path(directory)
        if target.exists() and any(target.iterdir()):
            try:
                AttentionRecordReader(target)
            except StudioError:
                raise StudioError(
                    f"{target}: exists and is not an attention record; choose another folder"
                ) from None
        staging = target.with_name(f".{target.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        meta = {**settings, "word_mass": round(self.word_mass, 4), "attention_calls": self.calls}
        frames, words = self.shares.shape
        writer = AttentionRecordWriter(
            staging, self.words, [str(clip_path)] * words, fps, stride, self.maps.shape[2:], meta, frames
        )
        with writer:
            for n in range(frames):
                writer.append(n, range(words), self.shares[n], self.maps[n])
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
        return target
