"""What a trained model's results say, section by section, as plain data that the app and the report draw.

The Train screen (:mod:`ui.screens.train`) and the HTML report (:mod:`cf.report`) tell the
same four things about a model: its settings, how its error fell while training, how close
its predicted stars are, and how good its top-N lists are. Each function here returns one
section's content (the headline figure, its sentence, what it was measured on, the rows of
its figures table) from a model's :class:`~cf.evaluation.Scores`, history and settings, so
both read the same words and figures; they only differ in how they draw them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cf.config import TrainConfig
from cf.noise import MEASURED_ON
from cf.settings import SETTINGS
from cf.verdict import AVERAGE_GUESS, SIMPLE_GUESS, Verdict, accuracy_verdict, curve_note, hit_rate_sentence

if TYPE_CHECKING:
    from cf.evaluation import Scores

Row = tuple[str, str, str]
"""A figures-table row: the figure's specialist name, its value, and what it is in plain words."""
BASELINE_NAMES = ("Simple guess", "Average for everything")
"""The two baselines' names in charts (the bias-only and the global-mean guess)."""


@dataclass(frozen=True)
class Figure:
    """One headline figure: its label, value, change against a baseline (None: none) and help."""

    label: str
    value: str
    change: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Accuracy:
    """How close the predicted stars are, on the ratings the model never saw."""

    headline: Figure
    measured_on: str
    """``Measured on the 1,000 ratings ...``: the set the figures come from, as a sentence."""
    lede: str
    """The figures in one sentence (typical error and average error, with the ratings' count)."""
    verdict: Verdict | None
    """Good, no better or worse than the baselines, in words (None when a figure is missing)."""
    numbers: list[tuple[str, str]]
    """The plain figures: the headline, the average error, the baselines and the count."""
    details: list[Row]
    """The specialist's figures behind them."""

    @property
    def verdict_after_lede(self) -> str:
        """The verdict without its first part, which :attr:`lede` says already (empty without a verdict)."""
        return "" if self.verdict is None else self.verdict.text.replace(" of a star on ratings it never saw", "")


@dataclass(frozen=True)
class TopN:
    """How good the top-N lists are beside a most-popular list."""

    k: int
    headline: Figure
    sentence: str
    """The hit rate in words, beside a most-popular list's."""
    measured_on: str
    details: list[Row]
    note: str
    """The protocol, and what ranking by predicted stars would give."""


@dataclass(frozen=True)
class Training:
    """How the error fell, epoch by epoch."""

    lede: str
    baselines: dict[str, float]
    """The baselines' typical errors, drawn as flat lines beside the curves."""
    note: str | None
    """What the curves say (:func:`cf.verdict.curve_note`), or None with too few epochs."""


def measured_on(n_test: int) -> str:
    """``Measured on the 1,000 ratings this run kept aside and never learned from.``"""
    return f"Measured on {MEASURED_ON['held_out'].format(n=f'{n_test:,}')}."


def accuracy(scores: Scores) -> Accuracy:
    """The accuracy section of ``scores`` (held-out scores with ratings: ``scores`` is truthy)."""
    headline = Figure(
        "Typical error",
        f"±{scores.rmse:.2f} stars",
        f"{scores.bias_rmse - scores.rmse:+.2f} stars better than a simple guess",
        "How far the predicted stars typically are from the stars people gave, on ratings the model never saw: "
        "root mean squared error (RMSE), in stars. Lower is better.",
    )
    lede = (
        f"On {scores.n_test:,} ratings it never saw (kept aside from training), its predicted stars are typically "
        f"off by {scores.rmse:.2f} of a star, and on average by {scores.mae:.2f}."
    )
    numbers = [
        (headline.label, headline.value),
        ("On average off by (stars)", f"{scores.mae:.2f}"),
        (f"Typical error of {SIMPLE_GUESS}", f"{scores.bias_rmse:.2f}"),
        (f"Typical error of {AVERAGE_GUESS}", f"{scores.global_mean_rmse:.2f}"),
        ("Ratings it never saw, scored", f"{scores.n_test:,}"),
    ]
    verdict = accuracy_verdict(scores.rmse, scores.bias_rmse, scores.global_mean_rmse)
    return Accuracy(headline, measured_on(scores.n_test), lede, verdict, numbers, _accuracy_rows(scores))


def _accuracy_rows(scores: Scores) -> list[Row]:
    return [
        ("RMSE (the typical error)", f"{scores.rmse:.4f}", "Root mean squared error of the predicted stars."),
        ("MAE", f"{scores.mae:.4f}", f"Mean absolute error: on average the stars are off by {scores.mae:.2f}."),
        ("Bias-only baseline RMSE", f"{scores.bias_rmse:.4f}", "The simple guess: the average rating plus each "
         "person's and each movie's usual offset."),
        ("Bias-only baseline MAE", f"{scores.bias_mae:.4f}", "The same simple guess, mean absolute error."),
        ("Global-mean baseline RMSE", f"{scores.global_mean_rmse:.4f}", "The average rating for everything."),
        ("Held-out ratings", f"{scores.n_test:,}", "Ratings kept aside: the model never learned from them."),
    ]  # fmt: skip


def topn(scores: Scores) -> TopN | None:
    """The top-N section of ``scores``, or None when no top-N evaluation was run."""
    report = scores.topn
    if report is None:
        return None
    k, model, popular = report.k, report.model, report.popular
    headline = Figure(
        "People whose list found a loved movie",
        f"{model.hit_rate:.0%}",
        f"{model.hit_rate - popular.hit_rate:+.0%} against a most-popular list",
        f"Hit rate@{k}: the share of people whose top {k}, ranking every movie they had not rated, holds at "
        "least one of the kept-aside movies they rated 4 stars or more.",
    )
    where = MEASURED_ON["held_out"].format(n=f"{scores.n_test:,}")
    on = f"Measured on the {report.n_people:,} people with a loved movie among {where}."
    people = f"the {report.n_people:,} people with a loved movie (4 stars or more) among the held-out ratings"
    if report.sampled:
        on = (
            f"Measured on {report.n_people:,} people drawn at random from the {report.n_eligible:,} with a loved "
            f"movie among {where}: all of them would take minutes at this size."
        )
        people = (
            f"{report.n_people:,} people drawn at random from the {report.n_eligible:,} with a loved movie (4 stars "
            "or more) among the held-out ratings (`python -m cf train` scores them all)"
        )
    note = f"Full-catalogue protocol: every movie a person had not rated is ranked, for {people}."
    if report.by_rating is not None:
        note += (
            f" Ranked by predicted stars instead, the same lists would reach NDCG {report.by_rating.ndcg:.3f}: "
            "a model trained to predict stars is not trained to rank."
        )
    sentence = hit_rate_sentence(model.hit_rate, popular.hit_rate, k)
    return TopN(k, headline, sentence, on, _topn_rows(scores), note)


def _topn_rows(scores: Scores) -> list[Row]:
    k, model, popular = scores.topn.k, scores.topn.model, scores.topn.popular
    return [
        (f"Hit rate@{k}", f"{model.hit_rate:.1%}", f"Most popular list: {popular.hit_rate:.1%}."),
        (f"NDCG@{k}", f"{model.ndcg:.3f}", f"Loved movies near the top count more; most popular: {popular.ndcg:.3f}."),
        (f"Precision@{k}", f"{model.precision:.3f}", f"Share of the {k} picks rated 4 stars or more; most popular: "
         f"{popular.precision:.3f}."),
        ("Catalogue coverage", f"{model.coverage:.1%}", f"Movies shown to at least one person; most popular: "
         f"{popular.coverage:.1%}."),
    ]  # fmt: skip


def training(history: Sequence[Any], scores: Scores | None) -> Training:
    """The training section: the baselines beside the curves and what the curves say."""
    baselines = {}
    if scores:
        baselines = dict(zip(BASELINE_NAMES, (scores.bias_rmse, scores.global_mean_rmse), strict=True))
    lede = (
        "How the error fell, epoch by epoch, on the ratings it learned from and on the ratings kept aside (which "
        "is what counts: those are new to the model)."
    )
    return Training(lede, baselines, curve_note(history) if history else None)


def settings_rows(
    config: TrainConfig,
    fitted: TrainConfig | None = None,
    epochs_done: int | None = None,
    device: str | None = None,
) -> list[tuple[str, str]]:
    """``(plain label, plain value)`` of each setting a model was trained with, in the settings table's order.

    ``config`` holds the settings as chosen; ``fitted`` the model's own (automatic choices made,
    such as the batch size); ``epochs_done`` the passes run (``2 of 3`` when given); ``device``
    where it ran (a Processor row when given). The network's layers show for the neural model only.
    """
    rows = []
    for row in SETTINGS.values():
        if row.name == "device" or (row.name == "hidden" and config.model != "nn"):
            continue
        value = row.plain(getattr(config, row.name))
        if row.name == "epochs" and epochs_done:
            value = f"{epochs_done} of {config.epochs}"
        if row.name == "batch_size" and config.batch_size is None and fitted is not None:
            value = f"Auto ({fitted.batch_size or 0:,})"
        rows.append((row.label, value))
    if device is not None:
        rows.append((SETTINGS["device"].label, device.upper()))
    return rows
