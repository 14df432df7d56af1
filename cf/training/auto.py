"""Auto settings: pick the regularisation and the number of epochs for the data at hand.

A quick internal validation split (10% of the training ratings, seeded) scores a few
candidates, and the best is then trained on all the training ratings. The search is a
small coordinate search, cheap enough to keep a default fit within a few times a plain
one: first the regularisation (:data:`WEIGHT_DECAYS`) at the configured epochs, then the
epochs (:data:`EPOCH_FACTORS` times the configured number) at the best regularisation.
The one-cycle schedule anneals over the whole run, so each epoch count is a run of its
own rather than a point on one validation curve.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from cf.config import LIMITS, TrainConfig, TrainingDiverged
from cf.data import Ratings

WEIGHT_DECAYS = (0.5, 1.0, 2.0)
"""Regularisation candidates, as multiples of the configured ``weight_decay``."""
EPOCH_FACTORS = (2 / 3, 1.5)
"""Epoch-count candidates beside the configured one, as multiples of it."""
INNER_VALID_FRAC = 0.1


@dataclass
class AutoChoice:
    """What Auto tried on the internal split and what it picked."""

    weight_decay: float
    epochs: int
    valid_rmse: float | None
    """The picked candidate's RMSE on the internal validation split (None: no split was possible)."""
    tried: list[dict] = field(default_factory=list)
    """Each candidate: weight_decay, epochs, valid_rmse."""
    seconds: float = 0.0
    note: str | None = None

    def sentence(self) -> str:
        if self.valid_rmse is None:
            return self.note or f"Auto kept regularisation {self.weight_decay:g} and {self.epochs} epochs."
        return (
            f"Auto picked regularisation {self.weight_decay:g} and {self.epochs} epochs "
            f"(validation RMSE {self.valid_rmse:.4f}, best of {len(self.tried)} quick runs "
            f"on {INNER_VALID_FRAC:.0%} of the training ratings, {self.seconds:.1f} s)."
        )

    def to_dict(self) -> dict:
        out = asdict(self)
        out["sentence"] = self.sentence()
        return out


def choose_settings(train: Ratings, config: TrainConfig, should_stop: Callable[[], bool] | None = None) -> AutoChoice:
    """Search ``weight_decay`` and ``epochs`` on an internal split of ``train``; see the module docstring."""
    from cf.training.trainer import fit, validation_split

    started = time.perf_counter()
    inner, valid, note = validation_split(train, INNER_VALID_FRAC, config.seed)
    if valid is None:
        return AutoChoice(config.weight_decay, config.epochs, None, note=f"Auto kept the settings. {note}")
    tried: dict[tuple[float, int], float] = {}

    def score(weight_decay: float, epochs: int) -> float:
        key = (weight_decay, epochs)
        if key not in tried:
            trial = replace(config, auto=False, weight_decay=weight_decay, epochs=epochs)
            try:
                result = fit(inner, trial, valid, should_stop=should_stop, rank=False)
            except TrainingDiverged:  # a candidate that diverges is simply not picked
                tried[key] = float("inf")
                return tried[key]
            tried[key] = result.history[-1].valid_rmse if result.history and not result.stopped else float("inf")
        return tried[key]

    def stopped() -> bool:
        return should_stop is not None and should_stop()

    high = LIMITS["weight_decay"][1]
    decays = sorted({min(high, round(config.weight_decay * f, 6)) for f in WEIGHT_DECAYS})
    best_decay = config.weight_decay
    for decay in decays:
        if stopped():
            break
        if score(decay, config.epochs) < score(best_decay, config.epochs):
            best_decay = decay
    best_epochs = config.epochs
    low, top = LIMITS["epochs"]
    for factor in EPOCH_FACTORS:
        epochs = int(min(top, max(low, round(config.epochs * factor))))
        if stopped():
            break
        if score(best_decay, epochs) < score(best_decay, best_epochs):
            best_epochs = epochs
    records = [{"weight_decay": d, "epochs": e, "valid_rmse": r} for (d, e), r in tried.items()]
    best = tried.get((best_decay, best_epochs))
    return AutoChoice(best_decay, best_epochs, best, records, time.perf_counter() - started)
