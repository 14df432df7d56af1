"""The Rate screen: a person rates a few movies and gets recommendations at once, without retraining.

Their ratings are folded into the trained model (:func:`cf.foldin.fold_in`): a taste vector
is fitted to them against the fixed movie vectors in a few milliseconds, then scored like
any user's. The map shows where this new person lands among the movies.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from cf import plots
from ui.components.common import counted, md, wrapping_columns
from ui.components.picks import picks_table
from ui.components.widgets import (
    DEFAULT_MIN_RATINGS,
    axis_labels,
    chart,
    list_caption,
    movie_table,
    no_model,
    pick_movie,
    place_vector,
    projected,
    ranking_controls,
)
from ui.session import state
from ui.session.state import DataRecord, ModelRecord

# -- widget keys of this screen (the page, CSS and the tests use these strings) --
QUERY = "cf.rate_query"
MOVIE = "cf.rate_movie"
VALUE = "cf.rate_value"
ADD = "cf.rate_add"
CLEAR = "cf.rate_clear"

MIN_RATED, MAX_RATED = 5, 20
"""Ask for at least this many ratings; accept at most this many."""
MAP_MOVIES = 300
LABELLED_RATED = 5
"""Rated movies labelled with their title on the map (the strongest opinions); the others show it on hover."""


def rating_steps(scale: tuple[float, float]) -> list[float]:
    """The star values a person can give on a rating scale: halves for 0.5-5, whole stars for 1-5."""
    low, high = (float(v) for v in scale)
    if high - low <= 10:
        step = 0.5 if (low % 1) else 1.0
        return [float(v) for v in np.arange(low, high + step / 2, step)]
    return [float(v) for v in np.linspace(low, high, 11)]


def default_rating(steps: list[float]) -> float:
    """Where the rating slider starts: about four fifths up the scale (4 of 5 stars)."""
    low, high = steps[0], steps[-1]
    return min(steps, key=lambda v: abs(v - (low + 0.8 * (high - low))))


def render(record: ModelRecord | None, data: DataRecord) -> None:
    if record is None:
        no_model(data, "rate movies and get your own recommendations")
        return
    rec = record.recommender
    rated: dict = st.session_state[state.RATED]
    known = {m: r for m, r in rated.items() if int(rec.items.to_index([m])[0]) >= 0}
    left, right = wrapping_columns([1, 2], "rate", gap="medium")
    with left:
        _rating_panel(record, rated, known)
    with right:
        _results(record, known)
    if len(known) < len(rated):
        st.caption(
            f"{len(rated) - len(known)} of your ratings are of movies {md(record.name)} does not know; "
            "they are left out."
        )


def _rating_panel(record: ModelRecord, rated: dict, known: dict) -> None:
    rec = record.recommender
    st.markdown("#### Rate movies you know")
    st.caption(
        f"Rate {MIN_RATED} to {MAX_RATED} movies. The model places you among its users from your ratings alone, "
        "without training again, and recommends at once."
    )
    full = len(rated) >= MAX_RATED
    movie = pick_movie(record, QUERY, MOVIE, exclude=set(rated), preselect=False)
    steps = rating_steps(rec.scale)
    default = default_rating(steps)
    if st.session_state.get(VALUE) not in steps:  # first time, or a model of another scale
        st.session_state[VALUE] = default
    st.select_slider(
        "Your rating",
        options=steps,
        key=VALUE,
        format_func=lambda v: f"{v:g} ★",
    )
    st.button(
        "Add rating",
        key=ADD,
        type="primary",
        icon=":material/star:",
        disabled=movie is None or full,
        on_click=_add,
        help=f"At most {MAX_RATED} ratings." if full else None,
    )
    if not rated:
        return
    table, _ = movie_table(record)
    titles = dict(zip(table["movieId"], table["title"]))
    st.markdown(f"**Your ratings** ({len(rated)} of {MAX_RATED})")
    for movie_id, rating in list(rated.items()):
        row = st.columns([3.8, 1.5, 1.7], vertical_alignment="center", gap="small")
        row[0].markdown(md(titles.get(movie_id, f"Movie {movie_id}")))
        row[1].markdown(f"{rating:g} ★")
        row[2].button(
            "Remove",
            key=f"cf.rate_remove.{movie_id}",
            type="tertiary",
            on_click=_remove,
            args=(movie_id,),
        )
    st.button("Clear my ratings", key=CLEAR, icon=":material/delete:", on_click=rated.clear)


def _add() -> None:
    """Add the picked movie with the chosen rating (read from the widgets, so a change made just before counts),
    then clear the search and the pick, so the next movie starts afresh and cannot be added twice. The rating
    stays where it was: the next movie is often rated like the last."""
    rated = st.session_state[state.RATED]
    movie, value = st.session_state.get(MOVIE), st.session_state.get(VALUE)
    if movie is not None and value is not None and len(rated) < MAX_RATED:
        rated[movie] = float(value)
    st.session_state[QUERY] = ""
    st.session_state[MOVIE] = None


def _remove(movie: object) -> None:
    st.session_state[state.RATED].pop(movie, None)


def fold(
    record: ModelRecord, ratings: dict, n: int, min_ratings: int, rank_by: str = "ranker", novelty: float = 0.0
) -> tuple[pd.DataFrame, np.ndarray, float]:
    """Recommendations for ``ratings`` and the folded-in vector, with the seconds it took (last one cached)."""
    key = (tuple(ratings.items()), n, min_ratings, rank_by, novelty)
    cached = record.cache.get("rate")
    if cached is not None and cached[0] == key:
        return cached[1]
    rec = record.recommender
    started = time.perf_counter()
    folded = rec.fold_in(ratings)
    table = rec.recommend_for_folded(folded, n=n, min_ratings=min_ratings, rank_by=rank_by, novelty=novelty)
    vector = folded.vector
    result = (table, vector, time.perf_counter() - started)
    record.cache["rate"] = (key, result)
    return result


def _results(record: ModelRecord, known: dict) -> None:
    if not known:
        st.info(
            "Your recommendations appear here as soon as you rate a movie. Start with films you know well, "
            "some you loved and some you did not.",
            icon=":material/star_half:",
        )
        return
    rec = record.recommender
    min_count = int(st.session_state.get(state.MIN_RATINGS, DEFAULT_MIN_RATINGS) or 0)
    min_count = min(min_count, int(rec.item_counts.max(initial=0)))
    rank_by, novelty = ranking_controls()
    table, vector, took = fold(record, known, 10, min_count, rank_by, novelty)
    if len(known) < MIN_RATED:
        st.warning(
            f"Rate at least {MIN_RATED} movies for picks that reflect your taste; {MIN_RATED - len(known)} to go.",
            icon=":material/star_rate:",
        )
    st.markdown("#### Your top picks")
    caption = f"Fitted to your {counted(len(known), 'rating')} in {took * 1000:.0f} ms, without retraining"
    if min_count:
        caption += f"; among movies with at least {counted(min_count, 'rating')} (set on the User screen)"
    st.caption(caption + ". " + list_caption(rank_by, 0, novelty, who="you"))
    picks_table(table, "rate", who="you", details=False)
    _map(record, known, vector, table["movieId"].tolist())


def _map(record: ModelRecord, known: dict, vector: np.ndarray, recommended: list) -> None:
    projection, movie_xyz, _ = projected(record, 2)
    table, order = movie_table(record)
    you = place_vector(record, vector, 2)
    low, high = record.recommender.scale
    middle = (float(low) + float(high)) / 2
    # the strongest opinions first (they get the labels), the latest first among equals
    strongest = sorted(reversed(list(known)), key=lambda m: -abs(known[m] - middle))
    shown = table.head(MAP_MOVIES)
    marked = table[table["movieId"].isin(list(known) + list(recommended))]
    points = pd.concat([shown, marked]).drop_duplicates("movieId").copy()
    rows = points["index"].to_numpy()
    points["x"], points["y"] = movie_xyz[rows, 0], movie_xyz[rows, 1]
    figure = plots.embedding_scatter(
        points,
        axis_labels(projection, 2, record.cache.get("axis_names")),
        dims=2,
        group_order=order,
        highlight=strongest,
        highlight_values=known,
        value_range=(float(low), float(high)),
        value_name="Your rating",
        n_labels=LABELLED_RATED,
        user={"label": "You", "x": float(you[0]), "y": float(you[1])},
        recommended=recommended,
        title="Where you land on the map of movies",
        height=520,
        highlight_name="Movies you rated",
        recommended_name="Recommended for you",
    )
    chart(figure, "rate_map", "your-map")
    labelled = f" ({LABELLED_RATED} of them labelled: your strongest opinions)" if len(known) > LABELLED_RATED else ""
    st.caption(
        "The diamond is you, placed by the taste vector fitted to your ratings; rings are the movies you rated, "
        f"blue for high ratings and red for low{labelled}; squares are your picks. Hover a dot for details."
    )
