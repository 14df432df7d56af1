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
    """How the model's validation RMSE compares with the bias-only and global-mean baselines.

    Returns None when a figure is missing or not finite (no validation ratings).
    """
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (rmse, bias_rmse, global_mean_rmse)):
        return None
    gain = bias_rmse - rmse
    if gain >= SAME_WITHIN:
        return Verdict(
            GOOD,
            f"Good: on ratings it never saw, this model is off by {rmse:.3f} stars (RMSE), {gain:.3f} closer than "
            f"the bias-only baseline ({bias_rmse:.3f}), which knows only who rates high and which movies are "
            f"popular, and {global_mean_rmse - rmse:.3f} closer than always guessing the average "
            f"({global_mean_rmse:.3f}).",
        )
    if gain > -SAME_WITHIN:
        return Verdict(
            NO_BETTER,
            f"No better than the baseline: on ratings it never saw, this model is off by {rmse:.3f} stars "
            f"(RMSE), within {SAME_WITHIN} of the bias-only baseline ({bias_rmse:.3f}), so its taste vectors "
            "add nothing over each user's and movie's usual rating. Try more epochs, or more regularisation "
            "if the validation line rises.",
        )
    even = f", and worse than always guessing the average ({global_mean_rmse:.3f})" if rmse > global_mean_rmse else ""
    return Verdict(
        WORSE,
        f"Worse than the baseline: on ratings it never saw, this model is off by {rmse:.3f} stars (RMSE), "
        f"{-gain:.3f} more than the bias-only baseline ({bias_rmse:.3f}){even}. Try a lower learning rate, "
        "more regularisation, fewer factors or more epochs.",
    )


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
