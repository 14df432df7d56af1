"""Auto settings: pick the regularisation, epochs, learning rate and neighbour blend for the data.

A quick internal validation split (10% of the training ratings, seeded) scores a few
candidates, and the best is then trained on all the training ratings. The search is a
small coordinate search, cheap enough to keep a default fit within a few times a plain
one: first the regularisation (:data:`WEIGHT_DECAYS`) at the configured epochs, then the
epochs (:data:`EPOCH_FACTORS` times the configured number) at the best regularisation,
then the learning rate (:data:`LEARNING_RATES`). The one-cycle schedule anneals over the
whole run, so each epoch count is a run of its own rather than a point on one validation
curve. Last, the share of the item-neighbour prediction (:mod:`cf.models.knn`) blended
into the best model's ratings (:data:`BLENDS`) is picked on the same validation ratings:
predictions only, no more training.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from cf.config import LIMITS, TrainConfig, TrainingDiverged
from cf.data import Ratings
from cf.metrics import rmse

if TYPE_CHECKING:
    from cf.recommend import Recommender

WEIGHT_DECAYS = (0.5, 1.0, 2.0)
"""Regularisation candidates, as multiples of the configured ``weight_decay``."""
EPOCH_FACTORS = (2 / 3, 1.5)
"""Epoch-count candidates beside the configured one, as multiples of it."""
LEARNING_RATES = (2 / 3,)
"""Learning-rate candidates beside the configured one, as multiples of it."""
BLENDS = tuple(round(0.05 * step, 2) for step in range(15))
"""Candidate shares of the item-neighbour prediction: 0 (the embedding model alone) to 0.7."""
INNER_VALID_FRAC = 0.1


@dataclass
class AutoChoice:
    """What Auto tried on the internal split and what it picked."""

    weight_decay: float
    epochs: int
    lr: float
    knn_blend: float
    valid_rmse: float | None
    """The picked candidate's RMSE on the internal validation split, blend included (None: no split was possible)."""
    tried: list[dict] = field(default_factory=list)
    """Each trained candidate: weight_decay, epochs, lr, valid_rmse (the embedding model alone)."""
    seconds: float = 0.0
    note: str | None = None

    def sentence(self) -> str:
        if self.valid_rmse is None:
            return self.note or f"Auto kept regularisation {self.weight_decay:g} and {self.epochs} epochs."
        blend = f", blended with {self.knn_blend:.0%} item neighbours" if self.knn_blend > 0 else ", no neighbour blend"
        return (
            f"Auto picked regularisation {self.weight_decay:g}, {self.epochs} epochs and learning rate "
            f"{self.lr:g}{blend} (validation RMSE {self.valid_rmse:.4f}, best of {len(self.tried)} quick runs "
            f"on {INNER_VALID_FRAC:.0%} of the training ratings, {self.seconds:.1f} s)."
        )

    def to_dict(self) -> dict:
        out = asdict(self)
        out["sentence"] = self.sentence()
        return out


def choose_settings(train: Ratings, config: TrainConfig, should_stop: Callable[[], bool] | None = None) -> AutoChoice:
    """Search ``weight_decay``, ``epochs``, ``lr`` and ``knn_blend`` on an internal split of ``train``; see the
    module docstring."""
    from cf.training.trainer import fit, validation_split

    started = time.perf_counter()
    inner, valid, note = validation_split(train, INNER_VALID_FRAC, config.seed)
    kept = (config.weight_decay, config.epochs, config.lr, config.knn_blend)
    if valid is None:
        return AutoChoice(*kept, None, note=f"Auto kept the settings. {note}")
    tried: dict[tuple[float, int, float], float] = {}
    models: dict[tuple[float, int, float], Recommender] = {}

    def score(key: tuple[float, int, float]) -> float:
        if key not in tried:
            trial = replace(config, auto=False, weight_decay=key[0], epochs=key[1], lr=key[2], knn_blend=0.0)
            try:  # scored once at the end, not after every epoch
                result = fit(inner, trial, should_stop=should_stop, rank=False)
            except TrainingDiverged:  # a candidate that diverges is simply not picked
                tried[key] = float("inf")
                return tried[key]
            finished = result.history and not result.stopped and not result.diverged
            tried[key] = validation_rmse(result.recommender, valid) if finished else float("inf")
            models[key] = result.recommender
        return tried[key]

    def stopped() -> bool:
        return should_stop is not None and should_stop()

    best = (config.weight_decay, config.epochs, config.lr)
    for step in _candidates(config):
        if stopped():
            break
        candidate = step(best)
        if score(candidate) < score(best):
            best = candidate
    records = [{"weight_decay": d, "epochs": e, "lr": lr, "valid_rmse": r} for (d, e, lr), r in tried.items()]
    blend, valid_rmse = (0.0, tried.get(best)) if stopped() or best not in models else pick_blend(models[best], valid)
    return AutoChoice(*best, blend, valid_rmse, records, time.perf_counter() - started)


def _candidates(config: TrainConfig) -> list[Callable]:
    """The coordinate search's steps, in order: each maps the best so far to the next candidate."""
    high = LIMITS["weight_decay"][1]
    decays = sorted({min(high, round(config.weight_decay * f, 6)) for f in WEIGHT_DECAYS})
    low, top = LIMITS["epochs"]
    epochs = [int(min(top, max(low, round(config.epochs * f)))) for f in EPOCH_FACTORS]
    rates = [max(LIMITS["lr"][0], round(config.lr * f, 6)) for f in LEARNING_RATES]
    return (
        [lambda best, d=d: (d, best[1], best[2]) for d in decays]
        + [lambda best, e=e: (best[0], e, best[2]) for e in epochs]
        + [lambda best, r=r: (best[0], best[1], r) for r in rates]
    )


def validation_rmse(model: Recommender, valid: Ratings) -> float:
    """RMSE of ``model`` on the validation ratings."""
    users, items = model.users.to_index(valid.frame["user"]), model.items.to_index(valid.frame["item"])
    return rmse(model.predict_indices(users, items), valid.frame["rating"].to_numpy())


def pick_blend(model: Recommender, valid: Ratings) -> tuple[float, float]:
    """The share of item neighbours (:data:`BLENDS`) whose blend with ``model`` scores best on ``valid``.

    ``model`` was fitted without the validation rows; its item neighbours are fitted here on
    the same training rows. Returns (share, validation RMSE).
    """
    users = model.users.to_index(valid.frame["user"])
    items = model.items.to_index(valid.frame["item"])
    actual = valid.frame["rating"].to_numpy()
    alone = model.predict_indices(users, items, clip=False)
    neighbours = model.baseline.predict(users, items) + model.fit_neighbours().predict(users, items)
    scores = {w: rmse(np.clip((1 - w) * alone + w * neighbours, *model.scale), actual) for w in BLENDS}
    share = min(BLENDS, key=lambda w: (scores[w], w))
    return share, scores[share]
