"""Importance curves: the interpolation properties the engine and the UI's lanes rely on."""

from __future__ import annotations

import numpy as np
import pytest

from studio.project import ImportanceCurve, Keyframe


def test_empty_curve_is_constant_one() -> None:
    curve = ImportanceCurve()
    assert [curve.value_at(t) for t in (-1.0, 0.0, 3.7, 1e6)] == [1.0] * 4
    assert np.array_equal(curve.values_at(np.array([0.0, 2.0])), [1.0, 1.0])


def test_outside_the_keys_the_curve_holds_the_end_values() -> None:
    curve = ImportanceCurve((Keyframe(1.0, 0.25), Keyframe(3.0, 2.0)))
    assert curve.value_at(0.0) == 0.25
    assert curve.value_at(1.0) == 0.25
    assert curve.value_at(3.0) == 2.0
    assert curve.value_at(10.0) == 2.0


def test_linear_midpoint_and_keys_are_hit_exactly() -> None:
    curve = ImportanceCurve((Keyframe(0.0, 1.0, "linear"), Keyframe(2.0, 3.0, "linear"), Keyframe(4.0, 0.0)))
    assert curve.value_at(1.0) == pytest.approx(2.0)
    assert curve.value_at(3.0) == pytest.approx(1.5)
    assert curve.value_at(2.0) == 3.0


def test_hold_steps_at_the_next_key() -> None:
    curve = ImportanceCurve((Keyframe(0.0, 1.0, "hold"), Keyframe(1.0, 4.0, "hold"), Keyframe(2.0, 0.0)))
    ts = np.linspace(0.0, 0.999, 50)
    assert all(curve.value_at(t) == 1.0 for t in ts)
    assert all(curve.value_at(t + 1.0) == 4.0 for t in ts)
    assert curve.value_at(2.0) == 0.0


@pytest.mark.parametrize(("a", "b"), [(0.0, 5.0), (5.0, 0.0), (0.3, 0.7), (2.0, 2.0)])
def test_smooth_stays_within_its_keys_and_is_monotone(a: float, b: float) -> None:
    curve = ImportanceCurve((Keyframe(1.0, a, "smooth"), Keyframe(3.0, b)))
    values = np.array([curve.value_at(t) for t in np.linspace(1.0, 3.0, 201)])
    assert values.min() >= min(a, b) and values.max() <= max(a, b)
    steps = np.diff(values) * np.sign(b - a)
    assert (steps >= -1e-12).all()
    # Flat tangents at the keys (ease in/out), unlike linear; halfway is halfway by symmetry.
    assert curve.value_at(2.0) == pytest.approx((a + b) / 2)
    if a != b:
        assert abs(curve.value_at(1.1) - a) < abs(b - a) * 0.05 / 2


def test_keys_are_sorted_and_a_double_key_makes_a_jump() -> None:
    curve = ImportanceCurve([Keyframe(2.0, 0.0), Keyframe(0.0, 1.0), Keyframe(1.0, 1.0), Keyframe(1.0, 3.0)])
    assert [k.time for k in curve.keyframes] == [0.0, 1.0, 1.0, 2.0]
    assert curve.value_at(0.999) == pytest.approx(1.0, abs=1e-3)
    assert curve.value_at(1.0) == 3.0  # the later of the two keys at t=1 wins from t=1 on
    assert curve.value_at(1.5) == pytest.approx(1.5)


def test_vectorised_values_match_value_at_for_every_mode() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(1, 6))
        times = np.sort(rng.uniform(0, 5, n))
        keys = [Keyframe(float(t), float(v), str(rng.choice(["linear", "smooth", "hold"])))
                for t, v in zip(times, rng.uniform(0, 3, n), strict=True)]  # fmt: skip
        curve = ImportanceCurve(keys)
        ts = rng.uniform(-1, 6, 200)
        expected = np.array([curve.value_at(float(t)) for t in ts])
        np.testing.assert_allclose(curve.values_at(ts), expected, rtol=0, atol=1e-12)
        assert (expected >= 0).all()


def test_a_curve_built_in_code_with_negative_keys_still_never_goes_below_zero() -> None:
    # Files and commands refuse negative values; a curve made directly must still be safe for log().
    curve = ImportanceCurve(
        (Keyframe(0.0, -1.0, "smooth"), Keyframe(1.0, 2.0, "linear"), Keyframe(2.0, -3.0))
    )
    ts = np.linspace(-1.0, 3.0, 81)
    values = [curve.value_at(float(t)) for t in ts]
    assert min(values) == 0.0 and max(values) == 2.0
    np.testing.assert_array_equal(curve.values_at(ts), values)
