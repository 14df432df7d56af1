"""A one-file HTML report of a trained model that a stakeholder reads without the app.

:func:`build_report` returns one self-contained page: plotly.js is embedded once, inline,
so the file opens offline and every chart stays interactive. The sections (see
:data:`SECTIONS`) each open with one plain sentence of what they show. The settings, training,
accuracy and top-N sections draw :mod:`cf.sections`, as the app's Train screen does, so both say
the same; figures come from :mod:`cf.plots`; tables are HTML-escaped.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cf import plots, sections
from cf.config import TrainConfig
from cf.data import Ratings
from cf.maps.labels import DEFAULT_LABELS
from cf.maps.points import NEARBY
from cf.recommend import Recommender

if TYPE_CHECKING:
    from cf.evaluation import Scores

SECTIONS = {
    "data": "The data",
    "settings": "The settings",
    "training": "Training",
    "accuracy": "Accuracy",
    "topn": "Top-N lists",
    "users": "Example users",
    "similar": "Similar movies",
    "map": "The map of movies",
}
"""Section id -> heading, in page order."""
FIGURE_CONFIG = {"displaylogo": False, "responsive": True}
MAP_MOVIES = 300
"""Most rated movies drawn on the report's map (as many as the app's map starts with: a readable slide)."""


@dataclass
class ReportInputs:
    """What a report is made of; everything but the model is optional."""

    recommender: Recommender
    ratings: Ratings | None = None
    """All the ratings (for the data section); None: the ratings the model knows."""
    scores: Scores | None = None
    """Held-out scores with their top-N report (:func:`cf.evaluation.evaluate_all`)."""
    history: Sequence[Any] = ()
    """Epoch reports or dicts with ``epoch``, ``train_loss`` and ``valid_rmse``."""
    title: str = "Recommender report"
    data_label: str = ""
    fit_seconds: float | None = None
    n_people: int = 3
    n_movies: int = 3
    notes: list[str] = field(default_factory=list)
    chosen: TrainConfig | None = None
    """The settings as chosen (before automatic choices such as the batch size); None: the model's own."""
    device: str | None = None
    """Where the model was trained (``cpu``, ``cuda``), shown with the settings; None: not known."""


def curve_points(history: Sequence[Any]) -> list[dict]:
    """Epoch reports as plain values (epoch, train_loss, valid_rmse): fit to keep in a model file's metadata."""
    points = []
    for report in history:
        get = report.get if isinstance(report, Mapping) else lambda name, r=report: getattr(r, name)
        valid = get("valid_rmse")
        points.append(
            {
                "epoch": int(get("epoch")),
                "train_loss": float(get("train_loss")),
                "valid_rmse": None if valid is None else float(valid),
            }
        )
    return points


def held_out(recommender: Recommender) -> Ratings | None:
    """The validation ratings kept in the model (``known`` rows marked held out), or None."""
    known = recommender.known
    rows = known[known["held_out"].to_numpy(bool)]
    if rows.empty:
        return None
    frame = pd.DataFrame(
        {
            "user": recommender.users.to_raw(rows["user"].to_numpy()),
            "item": recommender.items.to_raw(rows["item"].to_numpy()),
            "rating": rows["rating"].to_numpy(np.float64),
            "timestamp": np.zeros(len(rows), dtype=np.int64),
        }
    )
    return Ratings(frame, recommender.scale, 0, "held-out ratings")


def score_held_out(recommender: Recommender) -> Scores | None:
    """RMSE, baselines and top-N quality on the model's own held-out ratings (None without any)."""
    from cf.evaluation import evaluate_all

    test = held_out(recommender)
    return evaluate_all(recommender, test) if test is not None else None


def write_report(path: str | Path, inputs: ReportInputs) -> dict:
    """Write :func:`build_report` to ``path``; returns its size in bytes and the seconds it took."""
    start = time.perf_counter()
    text = build_report(inputs)
    Path(path).write_text(text, encoding="utf-8")
    return {"path": str(path), "bytes": len(text.encode("utf-8")), "seconds": time.perf_counter() - start}


def build_report(inputs: ReportInputs) -> str:
    """The whole report as one HTML document (plotly.js inline, once)."""
    from plotly.offline import get_plotlyjs

    parts = [
        _data(inputs),
        _settings(inputs),
        _training(inputs),
        _accuracy(inputs),
        _topn(inputs),
        _people(inputs),
        _similar(inputs),
        _map(inputs),
    ]
    body = "\n".join(_section(name, lede, content) for name, (lede, content) in zip(SECTIONS, parts, strict=True))
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    subtitle = " · ".join(x for x in (inputs.data_label, f"made {made}") if x)
    notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in inputs.notes)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(inputs.title)}</title><style>{STYLE}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body><main>"
        f"<h1>{html.escape(inputs.title)}</h1><p class='sub'>{html.escape(subtitle)}</p>{notes}"
        f"<nav>{_contents()}</nav>{body}</main></body></html>\n"
    )


def _contents() -> str:
    return " · ".join(f"<a href='#{name}'>{html.escape(title)}</a>" for name, title in SECTIONS.items())


def _section(name: str, lede: str, content: str) -> str:
    return (
        f"<section id='{name}'><h2>{html.escape(SECTIONS[name])}</h2>"
        f"<p class='lede'>{html.escape(lede)}</p>{content}</section>"
    )


def _figure(fig: go.Figure, name: str) -> str:
    fig = go.Figure(fig)
    fig.update_layout(paper_bgcolor="white", plot_bgcolor="white")
    return (
        "<div class='figure'>"
        + fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"fig-{name}", config=FIGURE_CONFIG)
        + "</div>"
    )


def _table(frame: pd.DataFrame, floats: str = "{:.3f}") -> str:
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: "–" if pd.isna(v) else floats.format(v))
    return shown.to_html(index=False, escape=True, border=0, classes="table")


def _pairs(rows: Sequence[tuple[str, object]]) -> str:
    return _table(pd.DataFrame(rows, columns=["", "value"]).astype(str))


# -- sections: each returns (one plain sentence, HTML) ----------------------------------


def _data(inputs: ReportInputs) -> tuple[str, str]:
    frame = inputs.ratings.frame if inputs.ratings is not None else inputs.recommender.known
    per_user = frame["user"].value_counts()
    per_item = frame["item"].value_counts()
    n = len(frame)
    density = n / max(1, len(per_user) * len(per_item))
    low, high = inputs.recommender.scale
    numbers = _pairs(
        [
            ("Ratings", f"{n:,}"),
            ("Users", f"{len(per_user):,}"),
            ("Movies", f"{len(per_item):,}"),
            ("Share of user-movie pairs rated", f"{density:.2%}"),
            ("Rating scale", f"{low:g} to {high:g}"),
            ("Median ratings per user", f"{per_user.median():g}"),
        ]
    )
    hist = plots.rating_histogram(counts=frame["rating"].value_counts().sort_index(), scale=(low, high))
    tail = plots.long_tail(per_item.to_numpy(), "movie")
    lede = (
        f"The data holds {n:,} ratings by {len(per_user):,} users of {len(per_item):,} movies; "
        "a few movies get most of the ratings."
    )
    return lede, numbers + _figure(hist, "ratings") + _figure(tail, "tail")


def _settings(inputs: ReportInputs) -> tuple[str, str]:
    rows = sections.settings_rows(*_settings_of(inputs))
    if inputs.fit_seconds is not None:
        rows.append(("training time", f"{inputs.fit_seconds:.1f} s"))
    lede = "The settings the model was trained with, so the result can be reproduced."
    return lede, _pairs(rows)


def _settings_of(inputs: ReportInputs) -> tuple[TrainConfig, TrainConfig, int, str | None]:
    """The arguments of :func:`cf.sections.settings_rows` for this report."""
    fitted = inputs.recommender.config
    return inputs.chosen or fitted, fitted, len(inputs.history), inputs.device


def _training(inputs: ReportInputs) -> tuple[str, str]:
    section = sections.training(inputs.history, inputs.scores)
    if not inputs.history:
        return "How the error fell during training.", "<p class='note'>The training curves were not recorded.</p>"
    fig = plots.training_curve(list(inputs.history), inputs.recommender.config.epochs, section.baselines)
    note = f"<p>{html.escape(section.note)}</p>" if section.note else ""
    return section.lede, _figure(fig, "training") + note


def _accuracy(inputs: ReportInputs) -> tuple[str, str]:
    scores = inputs.scores
    if not scores:
        return "How close the predicted stars are.", "<p class='note'>No ratings were held out, so no score.</p>"
    section = sections.accuracy(scores)
    said = f"<p>{html.escape(section.verdict_after_lede)}</p>" if section.verdict is not None else ""
    figure = _figure(plots.accuracy_comparison(scores), "accuracy")
    return section.lede, said + _pairs(section.numbers) + figure + _details(_rows(section.details))


def _rows(rows: Sequence[tuple[str, str, str]]) -> str:
    """A figures table: the figure, its value, and what it is."""
    return _table(pd.DataFrame(rows, columns=["Figure", "Value", "What it is"]))


def _details(content: str, summary: str = "Details, in the specialist's terms") -> str:
    """A part that stays folded until the reader opens it."""
    return f"<details><summary>{html.escape(summary)}</summary>{content}</details>"


def _topn(inputs: ReportInputs) -> tuple[str, str]:
    section = sections.topn(inputs.scores) if inputs.scores is not None else None
    if section is None:
        return "How good its top-N lists are.", "<p class='note'>No top-N evaluation was run.</p>"
    said = f"<p>{html.escape(section.measured_on)}</p>"
    table = _rows(section.details) + f"<p class='note'>{html.escape(section.note)}</p>"
    report = inputs.scores.topn
    return section.sentence, said + _figure(plots.topn_comparison(report), "topn") + _details(table)


def _example_people(rec: Recommender, n: int) -> list:
    """The people with the median, and near-median, numbers of ratings: typical, not extreme."""
    table = rec.user_table()
    table = table[table["n_ratings"] >= 10] if (table["n_ratings"] >= 10).any() else table
    middle = len(table) // 2
    return table["userId"].iloc[middle : middle + n].tolist()


def _people(inputs: ReportInputs) -> tuple[str, str]:
    rec = inputs.recommender
    blocks = []
    for user in _example_people(rec, inputs.n_people):
        liked = rec.history(user).head(5)[["title", "genres", "rating", "predicted"]]
        liked = liked.rename(columns={"title": "Movie", "genres": "Genres", "rating": "Their rating",
                                      "predicted": "Predicted stars"})  # fmt: skip
        picks = _picks(rec.recommend(user, 5, min_ratings=5))
        blocks.append(
            f"<div class='person'><h3>User {html.escape(str(user))}</h3>"
            f"<p>Their highest-rated movies ({int(rec.user_counts[rec.user_index(user)])} rated in all):</p>"
            f"{_table(liked, '{:.1f}')}<p>What the model picks for them, best match first:</p>"
            f"{_table(picks, '{:.1f}')}</div>"
        )
    lede = (
        "A few typical users: what they rated highest, and the movies the model would show them next. Match is "
        "the score each list is ranked by (100 for the first pick); predicted stars are the rating model's guess "
        "of their stars, which is why a list is not in order of stars."
    )
    return lede, "".join(blocks)


def _picks(table: pd.DataFrame) -> pd.DataFrame:
    """A top-N table in plain columns: movie, match (the ranking score, 100 for the first), stars, reason."""
    out = pd.DataFrame({"Movie": table["title"], "Genres": table["genres"]})
    if "score" in table and len(table) and table["score"].iloc[0] > 0:
        out["Match"] = (100 * table["score"] / table["score"].iloc[0]).clip(lower=0).round(0).astype(int).astype(str)
    out["Predicted stars"] = table["predicted"]
    if "because_you_liked" in table:
        out["Because you liked"] = table["because_you_liked"].replace("", "–")
    return out


def _similar(inputs: ReportInputs) -> tuple[str, str]:
    rec = inputs.recommender
    blocks = []
    for item in np.argsort(-rec.item_counts, kind="stable")[: inputs.n_movies]:
        movie = rec.items.to_raw([item])[0]
        similar = rec.similar_movies(movie, 5)[["title", "match", "genres", "n_ratings"]]
        similar = similar.assign(match=[f"{m:.0%}" for m in similar["match"]])
        similar.columns = ["Movie", "Match", "Genres", "Ratings"]
        title = rec.titles()[item]
        blocks.append(f"<h3>Like {html.escape(str(title))}</h3>{_table(similar)}")
    lede = (
        "For the most rated movies, the movies most like them: watched by the same people and rated alike "
        "(the same lists as the app's Movies screen). Match runs from 0% (no link) to 100% (always watched "
        "together and rated the same)."
    )
    return lede, "".join(blocks)


def _map(inputs: ReportInputs) -> tuple[str, str]:
    from cf.data import genres
    from cf.projection import project_embeddings

    rec = inputs.recommender
    projection, movie_xy, _ = project_embeddings(rec, 2)  # as the app's map: the same axes and shares
    meta = rec.movies.frame.reindex(rec.items.ids)
    genre_lists = [g if isinstance(g, list) else [] for g in meta["genres"]]
    groups, order = genres.genre_groups(genre_lists, n_top=10)
    shown = np.argsort(-rec.item_counts, kind="stable")[:MAP_MOVIES]
    points = rec.describe(shown).assign(
        group=np.asarray(groups, dtype=object)[shown],
        bias=rec.item_biases()[shown],
        x=movie_xy[shown, 0],
        y=movie_xy[shown, 1],
    )
    fig = plots.embedding_scatter(
        points, ["", ""], dims=2, group_order=order, height=620, title_labels=DEFAULT_LABELS, subtitle=NEARBY
    )
    shares = ", ".join(f"{share:.1%}" for share in projection.explained_variance_ratio[:2])
    lede = (
        f"The {len(shown):,} most rated movies placed by what the model learned about them: "
        "movies close together appeal to the same people, and the best-known titles are written on the map. "
        f"(The two directions are the principal components of the movie vectors, explaining {shares} of "
        "their spread, as on the app's Embeddings screen.)"
    )
    return lede, _figure(fig, "map")


STYLE = """
body { font-family: -apple-system, Segoe UI, Helvetica Neue, Arial, sans-serif; color: #222; margin: 0;
       background: #fafafa; }
main { max-width: 1000px; margin: 0 auto; padding: 24px; background: white; }
h1 { margin-bottom: 4px; } h2 { margin-top: 40px; border-bottom: 2px solid #7C4DFF; padding-bottom: 4px; }
.sub, .note { color: #666; } .lede { font-size: 1.1em; }
nav { margin: 12px 0 8px; line-height: 1.8; }
a { color: #5a2fd6; }
table.table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.92em; }
table.table th, table.table td { padding: 4px 10px; border-bottom: 1px solid #e4e4e4; text-align: left; }
.figure { margin: 8px 0 20px; }
.person { margin-bottom: 24px; }
details { margin: 4px 0 16px; } summary { cursor: pointer; color: #5a2fd6; }
"""
