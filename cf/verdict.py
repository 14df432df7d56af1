"""Plain-words readings of a trained model's figures: is it good, and what do its curves say.

:func:`accuracy_verdict` compares the validation RMSE with the two baselines every model
should beat; :func:`curve_note` reads the training and validation curves (the best
validation epoch, and whether the model started memorising its training ratings).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SAME_WITHIN = 0.005
"""RMSE differences (in stars) smaller than this count as no difference."""
FLAT_WITHIN = 0.002
"""A validation RMSE within this of its best counts as no longer falling."""
STILL_FALLING = 0.01
"""Training RMSE that drops by more than this after a point counts as still falling."""

GOOD, NO_BETTER, WORSE = "good", "no better", "worse"


@dataclass(frozen=True)
class Verdict:
    """A one-sentence reading of the scores: ``level`` is ``good``, ``no better`` or ``worse``."""

    level: str
    text: str


def accuracy_verdict(rmse: float, bias_rmse: float, global_mean_rmse: float) -> Verdict | None:
    """How the model's validation RMSE compares with the bias-only and global-mean baselines, in plain words.

    Returns None when a figure is missing or not finite (no validation ratings).
    """
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (rmse, bias_rmse, global_mean_rmse)):
        return None
    gain = bias_rmse - rmse
    off = f"its predicted stars are typically off by {rmse:.2f} of a star on ratings it never saw"
    if gain >= SAME_WITHIN:
        return Verdict(
            GOOD,
            f"Good: {off}, {_stars(gain)} closer than {SIMPLE_GUESS} ({bias_rmse:.2f}), and "
            f"{_stars(global_mean_rmse - rmse)} closer than {AVERAGE_GUESS} ({global_mean_rmse:.2f}).",
        )
    if gain > -SAME_WITHIN:
        return Verdict(
            NO_BETTER,
            f"No better than a simple guess: {off}, within {SAME_WITHIN} of {SIMPLE_GUESS} ({bias_rmse:.2f}), "
            "so what it learned about tastes adds nothing. Try more epochs, or more regularisation if the "
            "validation line rises.",
        )
    even = f", and worse than {AVERAGE_GUESS} ({global_mean_rmse:.2f})" if rmse > global_mean_rmse else ""
    return Verdict(
        WORSE,
        f"Worse than a simple guess: {off}, {_stars(-gain)} more than {SIMPLE_GUESS} ({bias_rmse:.2f}){even}. "
        "Try a lower learning rate, more regularisation, fewer factors or more epochs.",
    )


SIMPLE_GUESS = "a simple guess from each person's and each movie's usual rating"
"""The bias-only baseline, in plain words."""
AVERAGE_GUESS = "guessing the average rating for everything"
"""The global-mean baseline, in plain words."""


def _stars(difference: float) -> str:
    """A difference in stars, with a third decimal only when two would round it away."""
    return f"{difference:.2f} stars" if abs(difference) >= 0.01 else f"{difference:.3f} stars"


def in_words(share: float) -> str:
    """A share as the simplest "a in b" (b of 2, 3, 4, 5 or 10) within 2 points of it: 0.67 -> "2 in 3"."""
    share = min(max(float(share), 0.0), 1.0)
    for den in (2, 3, 4, 5, 10):
        num = round(share * den)
        if abs(num / den - share) <= 0.02 and 0 < num:
            return f"{num} in {den}"
    return f"{share:.0%}" if share >= 0.01 else "almost none"


def share_of(share: float, who: str = "people") -> str:
    """``2 in 3 people (67%)``, or ``85% of people`` when no simple fraction is close."""
    words = in_words(share)
    return f"{words} {who} ({share:.0%})" if " in " in words else f"{share:.0%} of {who}"


def share_shown(share: float) -> str:
    """``2 in 5 (38%)``, or ``36%`` alone when no simple fraction is close (never the percentage twice)."""
    words = in_words(share)
    return f"{words} ({share:.0%})" if " in " in words else words


def hit_rate_sentence(hit_rate: float, popular: float | None, k: int, who: str = "people") -> str:
    """What a top-N hit rate means for people, beside a most-popular list's."""
    text = (
        f"For {share_of(hit_rate, who)}, at least one of their {k} suggestions was a movie they went on to rate highly"
    )
    if popular is not None and math.isfinite(popular):
        text += f"; a list of the most popular movies manages that for {share_shown(popular)}"
    return text + "."


def curve_note(history: Sequence[Any]) -> str | None:
    """What the training and validation curves say, in one or two sentences.

    ``history`` holds :class:`cf.EpochReport` objects (or mappings) with ``train_loss`` (a
    mean squared error) and ``valid_rmse``. Returns None with fewer than two validated epochs.
    """
    train = [math.sqrt(max(float(_field(h, "train_loss")), 0.0)) for h in history]
    valid = [_field(h, "valid_rmse") for h in history]
    if len(valid) < 2 or any(v is None or not math.isfinite(v) for v in valid):
        return None
    best = min(range(len(valid)), key=valid.__getitem__)
    flat = next(i for i, v in enumerate(valid) if v <= valid[best] + FLAT_WITHIN)
    last = len(valid) - 1
    lowest = f"Validation error was lowest at epoch {best + 1} ({valid[best]:.3f})"
    if flat == last:
        return (
            f"{lowest}, the last one, and still falling: more epochs may help. Training error is lower "
            f"({train[last]:.3f}) because a model always knows the ratings it learnt from better than new ones."
        )
    if train[flat] - train[last] > STILL_FALLING:
        rises = f" and rises to {valid[last]:.3f}" if valid[last] > valid[best] + FLAT_WITHIN else ""
        return (
            f"{lowest}. After epoch {flat + 1} validation error stops falling{rises} while training error keeps "
            f"falling ({train[flat]:.3f} → {train[last]:.3f}): the widening gap means the model starts memorising "
            f"its training ratings (over-fitting). About {best + 1} epochs, or more regularisation, is enough."
        )
    return f"{lowest}; both errors levelled off after epoch {flat + 1}, so more epochs will not help."


def _field(entry: object, name: str) -> Any:
    if isinstance(entry, Mapping):
        return entry.get(name)
    return getattr(entry, name, None)


def auto_summary(auto: Mapping[str, Any]) -> str:
    """What Auto picked, in plain words, and what its own figure was measured on.

    ``auto`` is :meth:`cf.training.auto.AutoChoice.to_dict`: the picked ``weight_decay``, ``epochs``,
    ``lr`` and ``knn_blend``, ``valid_rmse`` on its internal split, the ``tried`` runs and ``seconds``.
    """
    valid = auto.get("valid_rmse")
    if valid is None or not math.isfinite(valid):
        return str(auto.get("sentence") or auto.get("note") or "Auto kept the settings as they were.")
    blend = float(auto.get("knn_blend") or 0.0)
    second = ""
    if blend:
        second = f" and {blend:.0%} of each prediction from the stars the person gave the most similar movies"
    return (
        f"Auto tried {len(auto.get('tried') or [])} quick runs ({float(auto.get('seconds') or 0):.0f} s) and picked "
        f"{int(auto['epochs'])} epochs, regularisation {float(auto['weight_decay']):g}, learning rate "
        f"{float(auto['lr']):g}{second}. Its own check, on a 10% slice of the training ratings: typical error "
        f"{valid:.2f} stars (other ratings than the figure below, so the two differ a little)."
    )
