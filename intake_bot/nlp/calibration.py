"""Score calibration fitted on the dev split: Platt scaling per label, plus decision thresholds.

Raw textcat scores are not probabilities; a 0.7 from one label is not a 0.7 from another. A
one-feature logistic regression on the logit of each raw score maps them onto dev frequencies,
so that thresholds and the `needs_review` band mean the same thing for every label.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class Platt:
    a: float = 1.0
    b: float = 0.0

    def __call__(self, raw: float) -> float:
        z = self.a * _logit(raw) + self.b
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def fit_platt(raw: Sequence[float], truth: Sequence[bool], iterations: int = 50) -> Platt:
    """Fit p = sigmoid(a·logit(raw) + b) by Newton's method with Platt's smoothed targets."""
    x = np.array([_logit(r) for r in raw])
    y = np.array(truth, dtype=float)
    pos, neg = y.sum(), len(y) - y.sum()
    if pos == 0 or neg == 0:
        return Platt()
    t = np.where(y > 0, (pos + 1) / (pos + 2), 1 / (neg + 2))
    def loss(a: float, b: float) -> float:
        z = a * x + b
        # -[t·log σ(z) + (1-t)·log(1-σ(z))], written with logaddexp so it cannot overflow
        return float(np.sum(np.logaddexp(0, z) - t * z))

    a, b = 1.0, 0.0
    current = loss(a, b)
    for _ in range(iterations):
        p = 0.5 * (1 + np.tanh(0.5 * (a * x + b)))  # a sigmoid that cannot overflow
        w = p * (1 - p) + 1e-9
        grad = np.array([np.sum((p - t) * x), np.sum(p - t)])
        hess = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]])
        step = np.linalg.solve(hess + np.eye(2) * 1e-6, grad)
        # Damped Newton: halve the step until the loss goes down (plain Newton overshoots
        # when the raw scores are overconfident).
        scale = 1.0
        while scale > 1e-6:
            na, nb = a - scale * float(step[0]), b - scale * float(step[1])
            candidate = loss(na, nb)
            if candidate <= current:
                break
            scale /= 2
        else:
            break
        a, b, improvement, current = na, nb, current - candidate, candidate
        if improvement < 1e-9:
            break
    return Platt(a, b)


@dataclass
class Calibration:
    """Everything chosen on dev: per-label Platt maps and thresholds, the review band and the
    language weight. Stored next to the trained pipelines."""

    platt: dict[str, Platt] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    review_band: tuple[float, float] = (0.25, 0.75)
    subject_review_below: float = 0.6
    language_weight: float = 0.5

    def prob(self, label: str, raw: float) -> float:
        return self.platt.get(label, Platt())(raw)

    def save(self, path: Path) -> None:
        body = asdict(self)
        path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Calibration:
        body = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            platt={k: Platt(**v) for k, v in body["platt"].items()},
            thresholds=body["thresholds"],
            review_band=(float(body["review_band"][0]), float(body["review_band"][1])),
            subject_review_below=body["subject_review_below"],
            language_weight=body["language_weight"],
        )


def best_on_grid(grid: Iterable[float], score: Callable[[float], float]) -> float:
    """The grid point with the highest score; on a tie, the one nearer 0.5, which leans on the
    sample least (a threshold in the middle, two sources weighted alike)."""
    best, best_score = 0.5, -math.inf
    for point in grid:
        value = score(point)
        if value > best_score + 1e-9 or (
                abs(value - best_score) <= 1e-9 and abs(point - 0.5) < abs(best - 0.5)):
            best, best_score = point, value
    return best


def best_threshold(probs: Sequence[float], truth: Sequence[bool]) -> float:
    """The threshold that maximises F1 on the calibration scores; 0.5 if the label is absent."""
    if not any(truth):
        return 0.5

    def f1(th: float) -> float:
        tp = sum(1 for p, t in zip(probs, truth, strict=True) if p >= th and t)
        fp = sum(1 for p, t in zip(probs, truth, strict=True) if p >= th and not t)
        fn = sum(1 for p, t in zip(probs, truth, strict=True) if p < th and t)
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    return round(float(best_on_grid(np.arange(0.1, 0.91, 0.025), f1)), 3)
