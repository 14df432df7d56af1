"""How much a score moves by chance, and whether a difference between two scores is more than that.

Every accuracy figure is measured on some ratings kept aside: another sample of ratings
would give a slightly different figure. :func:`score_noise` estimates that 95% band for one
score measured on ``n`` ratings (or people); :func:`sweep_reading` says in words whether a
sweep's differences are larger than it; :func:`crossval_reading` gives a cross-validation
result a verdict in words from its fold-to-fold intervals (:mod:`cf.crossval`).

:data:`MEASURED_ON` names, in words, the four sets of ratings the app measures on, so that two
figures that could be compared say why they differ.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from cf.verdict import GOOD, NO_BETTER, SIMPLE_GUESS, WORSE, Verdict, share_of

Z95 = 1.96
"""Half-width of a 95% normal interval, in standard errors."""
ABS_ERROR_SD = math.sqrt(math.pi / 2 - 1)
"""Spread of absolute errors as a share of their mean when errors are normal (about 0.76)."""

MEASURED_ON = {
    "held_out": "the {n} ratings this run kept aside and never learned from",
    "auto": "Auto's own check: {n} of the training ratings it set aside while trying settings",
    "crossval": "the average over {k} splits of all the ratings, each rating tested once",
    "sweep": "the same {n} kept-aside ratings as the Train screen",
}
"""What each figure of the app is measured on, in words (format with ``n`` or ``k``)."""

WHY_THEY_DIFFER = (
    "Each figure is measured on different ratings, so they differ a little by chance: the Train screen scores "
    "one model on the ratings it kept aside; Auto scores its trial runs on a slice of the training ratings; "
    "cross-validation trains the settings again on several splits and averages them (the steadiest figure); "
    "a sweep scores one model per setting on the Train screen's kept-aside ratings. Hit rates also grow with "
    "the share kept aside (20% per split in 5-fold cross-validation against 10% on Train): more of a person's "
    "loved movies are there to be found."
)
"""The one explanation of why the screens' figures differ, shown where two of them meet."""


def score_noise(score: str, value: float | None, n: int) -> float | None:
    """Half-width of the 95% band of ``score`` (``rmse``, ``mae``, ``hit_rate``) measured on ``n`` ratings
    (people, for the hit rate), from the normal approximation; None when it is not known (``ndcg``).

    RMSE: its standard error is about RMSE / sqrt(2n) for normal errors; MAE: the spread of
    absolute errors over sqrt(n); hit rate: the binomial standard error.
    """
    if value is None or not math.isfinite(value) or n < 2:
        return None
    if score == "rmse":
        return Z95 * value / math.sqrt(2 * n)
    if score == "mae":
        return Z95 * ABS_ERROR_SD * value / math.sqrt(n)
    if score == "hit_rate":
        return Z95 * math.sqrt(max(value * (1 - value), 0.0) / n)
    return None


def _amount(score: str, value: float) -> str:
    if score in ("rmse", "mae"):
        return f"{value:.3f} stars"
    return f"{value:.1%}" if score == "hit_rate" else f"{value:.3f}"


def sweep_reading(values: Sequence[float], score: str, noise: float | None, n: int) -> str:
    """Whether a sweep's results differ by more than the noise of one score, in words.

    ``values`` are the scores of the points so far; ``noise`` the half-width from :func:`score_noise`.
    """
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if len(finite) < 2:
        return ""
    spread = max(finite) - min(finite)
    if noise is None:
        return f"The best and the worst setting differ by {_amount(score, spread)}."
    band = f"±{_amount(score, noise)} on {n:,} ratings" if score != "hit_rate" else f"±{noise:.1%} on {n:,} people"
    if spread <= noise:
        return (
            f"The best and the worst setting differ by only {_amount(score, spread)}, within the noise of one "
            f"score ({band}): on other ratings their order could change, so any of these values will do."
        )
    return (
        f"The best and the worst setting differ by {_amount(score, spread)}, more than the noise of one score "
        f"({band}): the setting matters. Points closer than that to the best are as good as the best."
    )


def crossval_reading(summary: Mapping[str, Any], n_folds: int, method: str = "kfold") -> Verdict:
    """A cross-validation result in words: how far off the stars are, against the simple guess, and the lists.

    ``summary`` maps each metric of :data:`cf.crossval.METRICS` to an interval with ``mean``,
    ``low`` and ``high`` (objects or dicts).
    """
    rmse, bias = _interval(summary["rmse"]), _interval(summary["bias_rmse"])
    splits = f"{n_folds} splits" + (", each rating tested once" if method == "kfold" else " drawn at random")
    head = (
        f"Over {splits}: its predicted stars are typically off by {rmse[0]:.2f} of a star "
        f"(95% interval {rmse[1]:.3f} to {rmse[2]:.3f})"
    )
    gain = bias[0] - rmse[0]
    if rmse[2] < bias[1]:
        level, text = GOOD, f"{head}, {gain:.2f} stars better than {SIMPLE_GUESS}, well beyond the noise."
    elif rmse[1] > bias[2]:
        level, text = WORSE, f"{head}, {-gain:.2f} stars worse than {SIMPLE_GUESS}, beyond the noise."
    else:
        level, text = NO_BETTER, f"{head}: within the noise of {SIMPLE_GUESS} ({bias[0]:.2f}), no clear gain."
    if "hit_rate" in summary:
        hit, popular = _interval(summary["hit_rate"])[0], _interval(summary["popular_hit_rate"])[0]
        text += (
            f" For {share_of(hit)}, at least one of their 10 suggestions was a movie they went on "
            f"to rate highly (a most-popular list: {popular:.0%})."
        )
    return Verdict(level, text)


def _interval(value: Any) -> tuple[float, float, float]:
    get = value.get if isinstance(value, Mapping) else lambda name: getattr(value, name)
    return float(get("mean")), float(get("low")), float(get("high"))
