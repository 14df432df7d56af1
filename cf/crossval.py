"""Scores with error bars: k-fold cross-validation, repeated random splits, and a paired test.

* :func:`cross_validate` trains one configuration on each fold and scores it with
  :func:`cf.evaluation.evaluate` and :func:`cf.evaluation.evaluate_topn`: RMSE, MAE,
  NDCG@10 and hit rate@10 of the model and of the baselines (bias-only and global mean
  for stars, most popular for lists). The result holds every fold's figures, their mean
  and a t-based 95% interval.
* :func:`paired_test` compares two results made on the same folds with a paired t-test
  over folds (``scipy.stats.ttest_rel``) and says in words whether the difference is
  larger than the noise.

Folds are drawn by rating, seeded: the same data, method, fold count and seed give the
same folds, so two configurations scored that way can be compared fold by fold.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from cf.config import TrainConfig
from cf.data import Movies, Ratings
from cf.splits import fold_splits

METRICS = {
    "rmse": ("RMSE", True),
    "mae": ("MAE", True),
    "ndcg": ("NDCG@10", False),
    "hit_rate": ("hit rate@10", False),
    "bias_rmse": ("bias-only RMSE", True),
    "global_mean_rmse": ("global-mean RMSE", True),
    "popular_ndcg": ("most-popular NDCG@10", False),
    "popular_hit_rate": ("most-popular hit rate@10", False),
}
"""Each per-fold figure: (the specialist's name, whether lower is better)."""
PLAIN = {
    "rmse": "Typical error (stars)",
    "mae": "Average error (stars)",
    "ndcg": "Ranking quality of the lists",
    "hit_rate": "People whose list found a loved movie",
    "bias_rmse": "A simple guess",
    "global_mean_rmse": "The average for everything",
    "popular_ndcg": "A most-popular list",
    "popular_hit_rate": "A most-popular list",
}
"""Each per-fold figure in plain words, for the default views (the specialist's name stays in :data:`METRICS`)."""
CONFIDENCE = 0.95


AUTO_PICKS = ("epochs", "weight_decay", "lr", "knn_blend")
"""The settings Auto picks, kept per fold."""


@dataclass
class Interval:
    """The mean of per-fold values and its t-based confidence interval."""

    mean: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: np.ndarray | list[float], confidence: float = CONFIDENCE) -> Interval:
        """Mean +- t(confidence, n-1) x standard error; the interval is the mean alone for one value."""
        from scipy import stats

        values = np.asarray(values, dtype=np.float64)
        mean = float(values.mean())
        if len(values) < 2:
            return cls(mean, mean, mean, len(values))
        half = float(stats.t.ppf((1 + confidence) / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
        return cls(mean, mean - half, mean + half, len(values))

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FoldScores:
    """The figures of one fold."""

    fold: int
    n_train: int
    n_test: int
    fit_seconds: float
    values: dict[str, float]
    """Each of :data:`METRICS` by key."""
    picked: dict | None = None
    """With Auto settings: what it picked for this fold (:data:`AUTO_PICKS`)."""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class CVResult:
    """Per-fold scores of one configuration, with means and intervals (:meth:`summary`)."""

    method: str
    n_folds: int
    seed: int
    test_frac: float
    data_key: str
    """A fingerprint of the ratings: two results with equal :meth:`split_key` used the same folds."""
    config: TrainConfig
    """The settings (with Auto: the last fold's picks; each fold's are in :attr:`FoldScores.picked`)."""
    folds: list[FoldScores] = field(default_factory=list)
    stopped: bool = False
    seconds: float = 0.0

    def split_key(self) -> str:
        """What decides the folds: the data, the method, the fold count, the seed (and share)."""
        share = f"-{self.test_frac:g}" if self.method == "random" else ""
        return f"{self.data_key}-{self.method}{share}-{self.n_folds}-{self.seed}"

    def values(self, metric: str) -> np.ndarray:
        """The per-fold values of one metric, in fold order."""
        return np.array([fold.values[metric] for fold in self.folds], dtype=np.float64)

    def summary(self) -> dict[str, Interval]:
        """Mean and 95% interval of every metric over the finished folds."""
        if not self.folds:
            return {}
        return {metric: Interval.of(self.values(metric)) for metric in METRICS}

    def describe(self) -> str:
        """One line of the main figures for people."""
        if not self.folds:
            return "No fold finished."
        parts = []
        for metric, fmt in (("rmse", ".4f"), ("mae", ".4f"), ("ndcg", ".3f"), ("hit_rate", ".1%")):
            iv = self.summary()[metric]
            parts.append(f"{METRICS[metric][0]} {iv.mean:{fmt}} ({iv.low:{fmt}} to {iv.high:{fmt}})")
        return f"{len(self.folds)} {'folds' if self.method == 'kfold' else 'random splits'}: " + ", ".join(parts)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["config"] = self.config.to_dict()
        out["summary"] = {metric: interval.to_dict() for metric, interval in self.summary().items()}
        out["split_key"] = self.split_key()
        return out

    @classmethod
    def from_dict(cls, values: dict) -> CVResult:
        """Inverse of :meth:`to_dict`."""
        names = ("method", "n_folds", "seed", "test_frac", "data_key", "stopped", "seconds")
        folds = [FoldScores(**fold) for fold in values.get("folds", [])]
        config = TrainConfig.from_dict(values["config"])
        return cls(**{name: values[name] for name in names}, config=config, folds=folds)


@dataclass
class PairedTest:
    """A paired t-test over folds of one metric between two results on the same folds."""

    metric: str
    name_a: str
    name_b: str
    mean_a: float
    mean_b: float
    difference: float
    """Mean of (B - A) over folds."""
    p_value: float
    n_folds: int

    @property
    def significant(self) -> bool:
        """True when the difference is larger than the noise at the 5% level."""
        return bool(self.p_value < 1 - CONFIDENCE)

    def better(self) -> str | None:
        """The name of the better result, or None when they are equal."""
        if self.difference == 0:
            return None
        lower_better = METRICS[self.metric][1]
        return self.name_b if (self.difference < 0) == lower_better else self.name_a

    def sentence(self) -> str:
        """The result in plain words: which is better, by how much, and whether that is more than the noise."""
        label = PLAIN[self.metric].lower().removesuffix(" (stars)")
        better = self.better()
        if better is None:
            return f"{self.name_a} and {self.name_b} score exactly the same on every split ({label})."
        worse = self.name_a if better == self.name_b else self.name_b
        size = abs(self.difference)
        amount = f"{size * 100:.1f} points" if self.metric.endswith("hit_rate") else f"{size:.3f}"
        amount += " stars" if self.metric in ("rmse", "mae", "bias_rmse", "global_mean_rmse") else ""
        if self.significant:
            return (
                f"{better} is better than {worse} by {amount} ({label}); the difference is larger than the noise "
                "between splits, so it is real."
            )
        return (
            f"{better} scores better than {worse} by {amount} ({label}), but the difference is within the noise "
            "between splits: it may be chance."
        )

    def detail(self) -> str:
        """How the verdict was reached, in the specialist's terms."""
        return f"{METRICS[self.metric][0]}: paired t-test over {self.n_folds} folds, p = {self.p_value:.3g}."

    def to_dict(self) -> dict:
        out = asdict(self)
        out.update(significant=self.significant, sentence=self.sentence(), detail=self.detail())
        return out


def data_key(ratings: Ratings) -> str:
    """A short fingerprint of the ratings' rows (user, movie, rating)."""
    frame = ratings.frame[["user", "item", "rating"]]
    digest = int(pd.util.hash_pandas_object(frame, index=False).sum()) & 0xFFFFFFFFFFFF
    return f"{ratings.n_ratings}-{digest:012x}"


def score_fold(recommender, test: Ratings) -> dict[str, float]:
    """The :data:`METRICS` of a fitted recommender on one test fold."""
    from cf.evaluation import evaluate, evaluate_topn

    stars = evaluate(recommender, test)
    lists = evaluate_topn(recommender, test, by_rating=False)
    return {
        "rmse": stars.rmse,
        "mae": stars.mae,
        "ndcg": float(lists.model.ndcg),
        "hit_rate": float(lists.model.hit_rate),
        "bias_rmse": stars.bias_rmse,
        "global_mean_rmse": stars.global_mean_rmse,
        "popular_ndcg": float(lists.popular.ndcg),
        "popular_hit_rate": float(lists.popular.hit_rate),
    }


def cross_validate(
    ratings: Ratings,
    config: TrainConfig | None = None,
    folds: int = 5,
    seed: int = 0,
    method: str = "kfold",
    test_frac: float = 0.2,
    movies: Movies | None = None,
    progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> CVResult:
    """Train ``config`` on each fold and score it; see the module docstring.

    ``config.valid_frac`` is not used: each fold's test part is the held-out set.
    ``progress`` hears (share done, what is happening) after every epoch and fold;
    ``should_stop`` is polled during training, and a stopped run returns the folds that
    finished (``stopped`` is True).
    """
    from cf.training import fit

    config = replace(config or TrainConfig(), valid_frac=0.0).validate()
    started = time.perf_counter()
    result = CVResult(method, folds, seed, test_frac if method == "random" else 0.0, data_key(ratings), config)
    report = progress or (lambda share, text: None)
    for fold, (train, test) in enumerate(fold_splits(ratings, folds, seed, method, test_frac)):
        report(fold / folds, f"Fold {fold + 1} of {folds}: training")

        def on_epoch(epoch, fold=fold) -> None:
            share = (fold + epoch.epoch / epoch.epochs * 0.8) / folds
            report(share, f"Fold {fold + 1} of {folds}: epoch {epoch.epoch} of {epoch.epochs}")

        fitted = fit(train, config, None, movies, callback=on_epoch, should_stop=should_stop)
        if fitted.stopped or (should_stop is not None and should_stop()):
            result.stopped = True
            break
        report((fold + 0.8) / folds, f"Fold {fold + 1} of {folds}: scoring")
        values = score_fold(fitted.recommender, test)
        chosen = fitted.recommender.config
        picked = {k: getattr(chosen, k) for k in AUTO_PICKS} if fitted.auto else None
        result.folds.append(FoldScores(fold + 1, train.n_ratings, test.n_ratings, fitted.fit_seconds, values, picked))
        result.config = fitted.recommender.config
    result.seconds = time.perf_counter() - started
    report(1.0, "Stopped" if result.stopped else "Done")
    return result


def same_folds(a: CVResult, b: CVResult) -> bool:
    """True when the two results were scored on the same folds of the same data."""
    return a.split_key() == b.split_key() and len(a.folds) == len(b.folds) >= 2


def paired_test(a: CVResult, b: CVResult, metric: str = "rmse", names: tuple[str, str] = ("A", "B")) -> PairedTest:
    """Paired t-test over folds of ``metric`` (B minus A); raises ValueError unless on the same folds."""
    from scipy import stats

    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if not same_folds(a, b):
        raise ValueError(
            "the two results were not scored on the same folds (same data, method, fold count and seed), "
            "or have fewer than 2 finished folds; cross-validate both with the same settings of the folds"
        )
    va, vb = a.values(metric), b.values(metric)
    differences = vb - va
    if np.allclose(differences, differences[0]):  # no spread: the t statistic is undefined
        p_value = 1.0 if differences[0] == 0 else 0.0
    else:
        p_value = float(stats.ttest_rel(vb, va).pvalue)
    return PairedTest(
        metric, names[0], names[1], float(va.mean()), float(vb.mean()), float(differences.mean()), p_value, len(va)
    )
