"""Calibration fitted on dev: Platt scaling and thresholds."""

from __future__ import annotations

import math
import random

from intake_bot.nlp.calibration import Calibration, Platt, best_on_grid, best_threshold, fit_platt


def _logloss(p: Platt, raw: list[float], truth: list[bool]) -> float:
    return -sum(math.log(max(p(r) if t else 1 - p(r), 1e-9)) for r, t in zip(raw, truth))


def test_platt_fits_overconfident_scores() -> None:
    # Scores that are right only 70 % of the time at 0.95 get pulled towards 0.7.
    rng = random.Random(1)
    raw = [0.95 if rng.random() < 0.5 else 0.05 for _ in range(2000)]
    truth = [(rng.random() < 0.7) == (r > 0.5) for r in raw]
    fitted = fit_platt(raw, truth)
    assert abs(fitted(0.95) - 0.7) < 0.05
    assert _logloss(fitted, raw, truth) < _logloss(Platt(), raw, truth)


def test_platt_is_identity_without_both_classes() -> None:
    # With only positives there is nothing to fit; the map stays the identity.
    assert fit_platt([0.2, 0.9], [True, True]) == Platt()


def test_best_threshold_separates() -> None:
    # A clean split at 0.3 is found; an absent label keeps 0.5.
    probs = [0.1, 0.2, 0.35, 0.4, 0.8]
    assert 0.2 < best_threshold(probs, [False, False, True, True, True]) <= 0.35
    assert best_threshold(probs, [False] * 5) == 0.5


def test_grid_ties_go_to_the_point_nearest_a_half() -> None:
    # A plateau from 0.0 to 0.5 (as the language weight had on dev) must not pick its first
    # point, 0.0, which would switch one source off; a strict maximum still wins.
    grid = [step / 10 for step in range(11)]
    assert best_on_grid(grid, lambda w: 5.0 if w <= 0.5 else 4.0) == 0.5
    assert best_on_grid(grid, lambda w: 3.0 if w <= 0.2 else 2.0) == 0.2
    assert best_on_grid(grid, lambda w: -abs(w - 0.9)) == 0.9


def test_calibration_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # What calibrate.py writes is what the classifier reads back.
    cal = Calibration(platt={"access": Platt(1.5, -0.2)}, thresholds={"access": 0.4},
                      language_weight=0.3)
    cal.save(tmp_path / "c.json")
    assert Calibration.load(tmp_path / "c.json") == cal
