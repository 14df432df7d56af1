"""A tuning sweep: train one model per point of a grid of one or two settings, score each on
held-out ratings, and hand each result over as soon as it is ready.

:func:`run_sweep` is a generator, so a caller (the app, the CLI) draws or prints every result
as it arrives and can stop between points (or mid-point, with ``should_stop``). When only the
item model's ``ranker_l2`` varies, the rating model is trained once and only the item model
(a closed-form fit, seconds) is refitted per point.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace

from cf.config import LIMITS, ConfigError, TrainConfig
from cf.data import Movies, Ratings
from cf.settings import sweepable

TUNABLE = {name: row.label for name, row in sweepable().items()}
"""Settings a sweep can vary, with their plain labels (from :data:`cf.settings.SETTINGS`)."""
WHOLE = tuple(name for name, row in sweepable().items() if row.whole)
DEFAULT_VALUES = {name: row.sweep for name, row in sweepable().items()}
"""A sensible range for each setting."""
SCORES = {"rmse": "lower", "mae": "lower", "ndcg": "higher", "hit_rate": "higher"}
"""What a sweep can optimise, and which way is better."""
MAX_POINTS = 64
"""The most grid points one sweep may have."""


@dataclass
class SweepResult:
    """One grid point: its settings and its scores on the held-out ratings."""

    point: dict
    """The varied settings, e.g. ``{"n_factors": 32, "weight_decay": 0.1}``."""
    rmse: float | None
    mae: float | None
    ndcg: float | None
    hit_rate: float | None
    fit_seconds: float

    def score(self, name: str) -> float | None:
        return getattr(self, name)

    def to_dict(self) -> dict:
        """Plain values: the varied settings at the top level beside the scores."""
        out = asdict(self)
        return {**out.pop("point"), **out}


def parse_values(name: str, text: str) -> list[float | int]:
    """``"16, 32, 64"`` -> ``[16, 32, 64]`` for setting ``name``, checked against its range."""
    if name not in TUNABLE:
        raise ConfigError(f"a sweep can vary {', '.join(TUNABLE)}; not {name!r}")
    try:
        values = [float(part) for part in text.replace(";", ",").split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{name}: give numbers separated by commas, e.g. {_example(name)}; got {text!r}") from None
    if not values:
        raise ConfigError(f"{name}: give at least one value, e.g. {_example(name)}")
    low, high = LIMITS[name]
    for value in values:
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {low:g} and {high:g}; got {value:g}")
        if name in WHOLE and value != int(value):
            raise ConfigError(f"{name} must be a whole number; got {value:g}")
    values = sorted(set(values))
    return [int(v) for v in values] if name in WHOLE else values


def _example(name: str) -> str:
    return ", ".join(f"{v:g}" for v in DEFAULT_VALUES[name][:3])


def grid(values: Mapping[str, Sequence[float]]) -> list[dict]:
    """Every combination of one or two settings' values (the first setting varies slowest)."""
    if not 1 <= len(values) <= 2:
        raise ConfigError(f"a sweep varies one or two settings; got {len(values)}")
    names = list(values)
    points = [dict(zip(names, combo)) for combo in itertools.product(*(values[n] for n in names))]
    if len(points) > MAX_POINTS:
        raise ConfigError(f"the grid has {len(points)} points; at most {MAX_POINTS}. Use fewer values.")
    return points


def default_score(names: Sequence[str]) -> str:
    """``ndcg`` when the item model's setting is varied (it changes only the lists), else ``rmse``."""
    return "ndcg" if "ranker_l2" in names else "rmse"


def run_sweep(
    train: Ratings,
    valid: Ratings,
    base: TrainConfig,
    values: Mapping[str, Sequence[float]],
    movies: Movies | None = None,
    topn: bool = True,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[SweepResult]:
    """Train and score one model per grid point of ``values`` on top of ``base``; yield each result.

    ``valid`` holds the held-out ratings every point is scored on (RMSE and MAE; NDCG@10 and
    hit rate@10 with ``topn``). Stops early when ``should_stop`` returns True; a point
    stopped halfway is not yielded.
    """
    from cf.training import fit

    points = grid(values)
    configs = [replace(base, **point).validate() for point in points]
    stop = should_stop or (lambda: False)
    ranker_only = set(values) == {"ranker_l2"}
    shared = fit(train, configs[0], valid, movies, should_stop=stop) if ranker_only else None
    for point, config in zip(points, configs, strict=True):
        if stop():
            return
        started = time.perf_counter()
        if shared is not None:
            result = shared
            result.recommender.config = replace(result.recommender.config, ranker_l2=config.ranker_l2)
            result.recommender.fit_ranker()
            seconds = time.perf_counter() - started
        else:
            result = fit(train, config, valid, movies, should_stop=stop)
            seconds = result.fit_seconds
        if result.stopped or not result.history:
            return  # a model stopped halfway is no result
        yield _scored(result, valid, point, seconds, topn)


def _scored(result, valid: Ratings, point: dict, seconds: float, topn: bool) -> SweepResult:
    from cf.evaluation import evaluate, evaluate_topn

    scores = evaluate(result.recommender, valid)
    lists = evaluate_topn(result.recommender, valid, by_rating=False).model if topn else None
    return SweepResult(
        point=point,
        rmse=scores.rmse,
        mae=scores.mae,
        ndcg=lists.ndcg if lists else None,
        hit_rate=lists.hit_rate if lists else None,
        fit_seconds=seconds,
    )


def best(results: Sequence[SweepResult], score: str = "rmse") -> SweepResult | None:
    """The result with the best ``score`` (lowest RMSE/MAE, highest NDCG/hit rate), or None."""
    if score not in SCORES:
        raise ConfigError(f"score must be one of {', '.join(SCORES)}; got {score!r}")
    scored = [r for r in results if r.score(score) is not None]
    if not scored:
        return None
    sign = 1 if SCORES[score] == "lower" else -1
    return min(scored, key=lambda r: sign * r.score(score))
