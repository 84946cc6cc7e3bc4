"""The attention generator's settings as one frozen, validated value.

The fields a project stores are declared once, in the project's ``EngineSettings`` (name, type, default,
meaning): the ones the generator shares with it take their defaults from there, and :meth:`from_settings`
reads every field by attribute name (duck-typed: a CLI, a test or a benchmark configures the engine without
a project). The rest are the generator's own, never saved.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from studio.errors import EngineError
from studio.project.model import EngineSettings

Mode = Literal["free", "guide"]
Precision = Literal["auto", "fp32", "fp16", "bf16"]

_PROJECT = {f.name: f.default for f in fields(EngineSettings)}  # the project's defaults, the one declaration
_CAST = {"float": float, "int": int}  # how from_settings coerces a field of that (annotated) type


@dataclass(frozen=True)
class GeneratorConfig:
    """What the generator does; the numbers' meaning is in ``docs/contracts.md`` (engine section).

    Energies (feature distances, priors, the stability bonus) share one unit, the squared feature distance;
    ``temperature`` divides all of them, so a very high temperature leaves only ``log importance``: the
    crossfade. That is why the stability bonus is an energy too, not a raw logit.
    """

    # The project's (EngineSettings: defaults and meaning there).
    temperature: float = _PROJECT["temperature"]
    radius: int = _PROJECT["radius"]
    window: int = _PROJECT["window"]  # the input's T wins if it differs
    coherence: float = _PROJECT["coherence"]
    stability: float = _PROJECT["stability"]
    patch: int = _PROJECT["patch"]
    mode: Mode = _PROJECT["mode"]
    guide_clip: str | None = _PROJECT["guide_clip"]  # the render job feeds its frames as SynthInput.guide
    device: str = _PROJECT["device"]
    # The generator's own.
    aggregate: int = 1  # free mode: match costs averaged over (2a+1)^2 patches (neighbours agree)
    region: int = 1  # clips' scores are averaged over (2*region+1)^2 patches: regions, not a checkerboard
    balance: float = 1.0  # free mode: 1 = shares follow importance, 0 = raw attention (guide mode: 0)
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
        """From the project's ``EngineSettings`` (or anything with those attribute names): every field the
        object has, by name; a guide clip without a mode means guide mode; ``seed`` wins over its own."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if hasattr(settings, f.name):
                value = getattr(settings, f.name)
                cast = _CAST.get(str(f.type))
                values[f.name] = cast(value) if cast is not None else value
        values["mode"] = values.get("mode") or ("guide" if values.get("guide_clip") else "free")
        values["device"] = str(values.get("device") or "auto")
        if seed is not None:
            values["seed"] = int(seed)
        values.update(overrides)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, for the attention record's ``meta.json``."""
        return asdict(self)
