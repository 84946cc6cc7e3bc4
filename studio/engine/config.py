"""The attention generator's settings as one frozen, validated value.

The project's ``EngineSettings`` is duck-typed (read by attribute name) so this module does not import
``studio.project``: the engine can be configured from a CLI, a test or a benchmark without a project.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from studio.errors import EngineError

Mode = Literal["free", "guide"]
Precision = Literal["auto", "fp32", "fp16", "bf16"]


@dataclass(frozen=True)
class GeneratorConfig:
    """What the generator does; the numbers' meaning is in ``docs/architecture.md`` (engine section).

    Energies (feature distances, priors, the stability bonus) share one unit, the squared feature distance;
    ``temperature`` divides all of them, so a very high temperature leaves only ``log importance``: the
    crossfade. That is why the stability bonus is an energy too, not a raw logit.
    """

    temperature: float = 0.1  # softmax temperature over squared feature distances
    radius: int = 3  # spatial search radius, in patches (the project's EngineSettings default, see there)
    window: int = 0  # temporal window, in source frames each side (the input's T wins if it differs)
    coherence: float = 0.3  # pull of the query toward the previous output frame's features, in [0, 1]
    stability: float = 0.5  # bonus for the (clip, offset) chosen at the previous frame
    patch: int = 8  # patch stride in output pixels; maps are at this resolution
    aggregate: int = 1  # free mode: match costs averaged over (2a+1)^2 patches (neighbours agree)
    region: int = 1  # clips' scores are averaged over (2*region+1)^2 patches: regions, not a checkerboard
    balance: float = 1.0  # free mode: 1 = shares follow importance, 0 = raw attention (guide mode: 0)
    mode: Mode = "free"
    guide_clip: str | None = None  # a clip id; the render job feeds its frames as SynthInput.guide
    device: str = "auto"
    seed: int = 0  # the generator uses no randomness today; kept so results stay keyed by it
    precision: Precision = "auto"  # auto: fp16 distances on CUDA, fp32 elsewhere
    max_tile_bytes: int = 64 << 20  # working-set bound of one band of patch rows (halved on out-of-memory)

    def __post_init__(self) -> None:
        checks = [
            (self.temperature > 0, f"temperature must be > 0, got {self.temperature}"),
            (self.radius >= 0, f"radius must be >= 0 patches, got {self.radius}"),
            (self.window >= 0, f"window must be >= 0 frames, got {self.window}"),
            (0.0 <= self.coherence <= 1.0, f"coherence must be in [0, 1], got {self.coherence}"),
            (self.stability >= 0, f"stability must be >= 0, got {self.stability}"),
            (self.aggregate >= 0, f"aggregate must be >= 0 patches, got {self.aggregate}"),
            (self.region >= 0, f"region must be >= 0 patches, got {self.region}"),
            (0.0 <= self.balance <= 1.0, f"balance must be in [0, 1], got {self.balance}"),
            (self.patch >= 2, f"patch must be >= 2 pixels, got {self.patch}"),
            (self.mode in ("free", "guide"), f"mode must be 'free' or 'guide', got {self.mode!r}"),
            (self.precision in ("auto", "fp32", "fp16", "bf16"), f"unknown precision {self.precision!r}"),
            (self.max_tile_bytes >= 1 << 16, f"max_tile_bytes too small: {self.max_tile_bytes}"),
        ]
        for ok, message in checks:
            if not ok:
                raise EngineError(f"Engine settings: {message}")

    @classmethod
    def from_settings(cls, settings: Any, seed: int | None = None, **overrides: Any) -> GeneratorConfig:
        """From the project's ``EngineSettings`` (or anything with those attribute names)."""
        guide_clip = getattr(settings, "guide_clip", None)
        mode = getattr(settings, "mode", None) or ("guide" if guide_clip else "free")
        values: dict[str, Any] = {
            "temperature": float(getattr(settings, "temperature", cls.temperature)),
            "radius": int(getattr(settings, "radius", cls.radius)),
            "window": int(getattr(settings, "window", cls.window)),
            "coherence": float(getattr(settings, "coherence", cls.coherence)),
            "stability": float(getattr(settings, "stability", cls.stability)),
            "patch": int(getattr(settings, "patch", cls.patch)),
            "aggregate": int(getattr(settings, "aggregate", cls.aggregate)),
            "region": int(getattr(settings, "region", cls.region)),
            "balance": float(getattr(settings, "balance", cls.balance)),
            "mode": mode,
            "guide_clip": guide_clip,
            "device": str(getattr(settings, "device", cls.device) or "auto"),
            "seed": int(seed if seed is not None else getattr(settings, "seed", cls.seed)),
        }
        values.update(overrides)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, for the attention record's ``meta.json``."""
        return asdict(self)
