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
predictions only, no more training. The runs of one stage do not depend on each other, so
on a CPU with two or more threads to spare they run side by side (same results).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from cf.config import LIMITS, TrainConfig, TrainingDiverged
from cf.data import Ratings
from cf.metrics import rmse
from cf.placement import Placement, place
from cf.splits import validation_split
from cf.training.loop import fit_once

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


def choose_settings(
    train: Ratings,
    config: TrainConfig,
    should_stop: Callable[[], bool] | None = None,
    placement: Placement | None = None,
) -> AutoChoice:
    """Search ``weight_decay``, ``epochs``, ``lr`` and ``knn_blend`` on an internal split of ``train``; see the
    module docstring. Every trial runs on the fit's device and engine (``placement``; None: decided
    here for ``train``); each sizes its batch for its own rows as a plain fit of them would."""
    placement = placement or place(train.n_ratings, config, train.n_items)
    started = time.perf_counter()
    inner, valid, note = validation_split(train, INNER_VALID_FRAC, config.seed)
    kept = (config.weight_decay, config.epochs, config.lr, config.knn_blend)
    if valid is None:
        return AutoChoice(*kept, None, note=f"Auto kept the settings. {note}")
    tried: dict[tuple[float, int, float], float] = {}
    models: dict[tuple[float, int, float], Recommender] = {}

    def score(key: tuple[float, int, float]) -> tuple[float, Recommender | None]:
        trial = replace(config, auto=False, weight_decay=key[0], epochs=key[1], lr=key[2], knn_blend=0.0)
        trial = replace(trial, device=placement.device, engine=placement.engine)
        try:  # scored once at the end, not after every epoch
            result = fit_once(inner, trial, place(inner.n_ratings, trial), should_stop=should_stop, rank=False)
        except TrainingDiverged:  # a candidate that diverges is simply not picked
            return float("inf"), None
        finished = result.history and not result.stopped and not result.diverged
        return (validation_rmse(result.recommender, valid) if finished else float("inf")), result.recommender

    def stopped() -> bool:
        return should_stop is not None and should_stop()

    best = (config.weight_decay, config.epochs, config.lr)
    with _trial_runner(placement) as run_all:
        for stage in _stages(config):
            if stopped():
                break
            candidates = [step(best) for step in stage]  # a stage moves one setting: none depends on another
            keys = [key for key in dict.fromkeys([best, *candidates]) if key not in tried]
            for key, (value, model) in zip(keys, run_all(score, keys)):  # in the order asked: same records
                tried[key] = value
                if model is not None:
                    models[key] = model
            for candidate in candidates:
                if tried[candidate] < tried[best]:
                    best = candidate
    records = [{"weight_decay": d, "epochs": e, "lr": lr, "valid_rmse": r} for (d, e, lr), r in tried.items()]
    blend, valid_rmse = (0.0, tried.get(best)) if stopped() or best not in models else pick_blend(models[best], valid)
    return AutoChoice(*best, blend, valid_rmse, records, time.perf_counter() - started)


def _stages(config: TrainConfig) -> list[list[Callable]]:
    """The coordinate search's stages, in order: each step maps the best so far to a candidate."""
    high = LIMITS["weight_decay"][1]
    decays = sorted({min(high, round(config.weight_decay * f, 6)) for f in WEIGHT_DECAYS})
    low, top = LIMITS["epochs"]
    epochs = [int(min(top, max(low, round(config.epochs * f)))) for f in EPOCH_FACTORS]
    rates = [max(LIMITS["lr"][0], round(config.lr * f, 6)) for f in LEARNING_RATES]
    return [
        [lambda best, d=d: (d, best[1], best[2]) for d in decays],
        [lambda best, e=e: (best[0], e, best[2]) for e in epochs],
        [lambda best, r=r: (best[0], best[1], r) for r in rates],
    ]


@contextlib.contextmanager
def _trial_runner(placement: Placement) -> Iterator[Callable]:
    """``run_all(score, keys)``: one stage's trial runs (``score`` of each key, in order), side by side on the
    cores this thread may use.

    A CPU run of the row-wise loop mostly runs compiled kernels that release the GIL, so two
    runs on two cores take about the time of one. The thread count is numba's for the calling
    thread (the app's queue sizes it per job); each run gets its share. The results are the
    same as one after another: each run has its own seed and state.
    """
    import numba

    threads = numba.get_num_threads()
    if threads < 2 or placement.device_type != "cpu":
        yield lambda score, keys: [score(key) for key in keys]
        return

    def run_all(score: Callable, keys: list) -> list:
        share = max(1, threads // max(1, min(len(keys), threads)))

        def run(key):
            numba.set_num_threads(share)
            return score(key)

        return list(pool.map(run, keys))

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="auto-trial") as pool:
        yield run_all


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
