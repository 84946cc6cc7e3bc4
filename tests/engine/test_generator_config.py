"""GeneratorConfig: read from EngineSettings by attribute name, validated with one-line errors."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from studio.engine.config import GeneratorConfig
from studio.engine.generator import synthesizer_for
from studio.errors import EngineError


def test_from_the_projects_engine_settings():
    from studio.project.model import EngineSettings

    settings = EngineSettings(temperature=0.2, radius=2, window=0, coherence=0.5, stability=0.1, patch=16)
    config = GeneratorConfig.from_settings(settings, seed=42)
    assert (config.temperature, config.radius, config.window, config.coherence) == (0.2, 2, 0, 0.5)
    assert (config.stability, config.patch, config.mode, config.seed) == (0.1, 16, "free", 42)


def test_the_shared_defaults_are_the_projects():
    """Declared once (EngineSettings); a project with default settings gives the default generator."""
    from dataclasses import asdict, fields

    from studio.project.model import EngineSettings

    shared = {f.name for f in fields(GeneratorConfig)} & {f.name for f in fields(EngineSettings)}
    assert shared == {"temperature", "radius", "window", "coherence", "stability", "patch", "mode",
                      "guide_clip", "device"}  # fmt: skip
    defaults = asdict(EngineSettings())
    assert all(getattr(GeneratorConfig(), name) == defaults[name] for name in shared)
    assert GeneratorConfig.from_settings(EngineSettings()) == GeneratorConfig()


def test_duck_typed_and_guide_mode_inferred_from_a_guide_clip():
    settings = SimpleNamespace(
        temperature=1.0,
        radius=1,
        window=1,
        coherence=0.0,
        stability=0.0,
        patch=4,
        guide_clip="clip-3",
        device="cpu",
        seed=5,
    )
    config = GeneratorConfig.from_settings(settings)
    assert config.mode == "guide" and config.guide_clip == "clip-3" and config.seed == 5
    assert config.to_dict()["patch"] == 4


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("temperature", 0.0, "temperature must be > 0"),
        ("radius", -1, "radius"),
        ("coherence", 1.5, "coherence"),
        ("patch", 1, "patch"),
        ("mode", "dream", "mode"),
        ("balance", 2.0, "balance"),
    ],
)
def test_bad_values_are_one_line_engine_errors(field, value, words):
    with pytest.raises(EngineError, match=words) as info:
        GeneratorConfig(**{field: value})
    assert "\n" not in str(info.value)


def test_synthesizer_for_lets_an_explicit_device_win():
    settings = SimpleNamespace(
        temperature=0.1,
        radius=1,
        window=0,
        coherence=0.3,
        stability=0.5,
        patch=8,
        guide_clip=None,
        device="cuda",
    )
    gen = synthesizer_for(settings, device="cpu")
    assert gen.device.type == "cpu" and gen.stride == 8 and gen.config.radius == 1
