"""Final quality: seamless pixel-level attention synthesis (work in progress; delegates to the draft)."""

from __future__ import annotations

from studio.engine.synth import SynthInput, SynthOutput


class SeamlessSynthesizer:
    def __init__(self, draft) -> None:
        self.draft = draft
        self.stride = draft.stride
        self.device = draft.device
        self.fallbacks = draft.fallbacks

    def reset(self) -> None:
        self.draft.reset()

    def __call__(self, inp: SynthInput) -> SynthOutput:
        return self.draft(inp)
