"""The Movies screen: a movie's nearest neighbours, and what the model learned about movies.

*Similar movies*: pick a movie, see the movies most like it: watched by the same people and
rated alike (:mod:`cf.similar`, the one list every screen shows). *What the model learned*: the
movies with the highest and lowest learned bias next to their raw average, and the movies at both
ends of each principal axis, with a box to name each axis (the name shows on the Embeddings map).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from cf import plots
from ui.components.common import counted, md, scrolls_sideways
from ui.components.similar import SIMILAR_CAPTION, in_percent, match_column
from ui.components.widgets import chart, columns, movie_table, no_model, pick_movie, projected
from ui.session.state import DataRecord, ModelRecord

# -- widget keys of this screen (the page, CSS and the tests use these strings) --
VIEW = "cf.movies_view"
QUERY = "cf.movie_query"
PICK = "cf.movie_pick"

SIMILAR, LEARNED = "Similar movies", "What the model learned"
DEFAULT_LEARNED_MIN = 20
"""Movies need this many ratings to count among the extremes (unless the person changes it)."""


def render(record: ModelRecord | None, data: DataRecord) -> None:
    if record is None:
        no_model(data, "see similar movies and what the model learned")
        return
    view = st.segmented_control(
        "Show",
        [SIMILAR, LEARNED],
        default=SIMILAR,
        required=True,
        key=VIEW,
        persist_state="session",
        label_visibility="collapsed",
    )
    if view == LEARNED:
        learned(record)
    else:
        similar(record)


# -- similar movies ------------------------------------------------------------------


def similar(record: ModelRecord) -> None:
    rec = record.recommender
    top = st.columns([3, 1], vertical_alignment="bottom")
    with top[0]:
        movie = pick_movie(record, QUERY, PICK)
    with top[1]:
        n = st.number_input("How many", 1, 50, 10, key="cf.similar_n", persist_state="session")
    if movie is None:
        return
    table, _ = movie_table(record)
    row = table[table["movieId"] == movie].iloc[0]
    st.markdown(f"#### Movies most like {md(row['title'])}")
    st.caption(
        f"{md(row['genres'])} · {counted(row['n_ratings'], 'rating')} · average {row['mean_rating']:.2f} ★. "
        f"{SIMILAR_CAPTION}"
    )
    found = in_percent(rec.similar_movies(movie, int(n)).reset_index(drop=True))
    found.insert(0, "rank", np.arange(1, len(found) + 1))
    with scrolls_sideways("similar"):
        st.dataframe(
            found,
            hide_index=True,
            width="stretch",
            column_order=["rank", "title", "match", "genres", "n_ratings", "mean_rating"],
            column_config={
                **columns(rec, predicted="Predicted"),
                "match": match_column(),
                "genres": st.column_config.TextColumn("Genres", width=230),
            },
            key="cf.similar_movies",
        )


# -- what the model learned ----------------------------------------------------------


def learned(record: ModelRecord) -> None:
    rec = record.recommender
    most = int(rec.item_counts.max(initial=0))
    top = st.columns([1, 1, 2], vertical_alignment="bottom")
    n = top[0].number_input("How many", 3, 30, 10, key="cf.learned_n", persist_state="session")
    min_count = top[1].number_input(
        "Min. ratings",
        min_value=1,
        max_value=max(1, most),
        value=max(1, min(DEFAULT_LEARNED_MIN, most)),
        key="cf.learned_min",
        persist_state="session",
        help="Only movies with at least this many ratings count, so the extremes are movies people know.",
    )
    highest, lowest = rec.learned_biases(int(n), int(min_count))
    st.markdown("#### Liked more, or less, than their average suggests")
    if not hasattr(rec.model, "item_bias"):
        st.caption(
            "This model has no bias terms of its own, so these are the bias-only baseline's movie offsets "
            "(each movie's average after allowing for how generous its raters are)."
        )
    else:
        st.caption(
            "A movie's learned bias is the part of its ratings that no taste explains: a high bias means even "
            "people whose taste does not match it rate it well. Compare it with the raw average: a movie "
            "with a modest average but a high bias is rated by tough raters, and the other way round."
        )
    for title, frame, key in (  # one under the other: side by side they would cut the titles short
        ("Highest learned bias", highest, "cf.bias_high"),
        ("Lowest learned bias", lowest, "cf.bias_low"),
    ):
        st.markdown(f"**{title}**")
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_order=["title", "bias", "mean_rating", "n_ratings"],
            column_config=columns(rec, predicted="Predicted"),
            key=key,
        )
    movies, _ = movie_table(record)
    eligible = movies[movies["n_ratings"] >= int(min_count)].head(3000)
    figure = plots.bias_scatter(eligible, highest["movieId"].tolist(), lowest["movieId"].tolist())
    chart(figure, "bias_chart", "movie-biases")
    _axes(record, int(min_count))


def _axes(record: ModelRecord, min_count: int) -> None:
    from cf.projection import axis_extremes

    rec = record.recommender
    projection, coords, _ = projected(record, 3)
    dims = min(3, len(projection.explained_variance_ratio))
    ends = axis_extremes(rec, coords[:, :dims], n=6, min_ratings=min_count)
    names: dict[int, str] = record.cache.setdefault("axis_names", {})
    st.markdown("#### The ends of each axis of the map")
    st.caption(
        "The Embeddings map lays movies along the directions in which their vectors differ most. The movies at "
        "the two ends of an axis show what it means: give it a name and the map uses it."
    )
    for k, axis in enumerate(ends):
        share = projection.explained_variance_ratio[k]
        with st.container(border=True):
            head = st.columns([1, 2], vertical_alignment="bottom")
            head[0].markdown(f"**PC{k + 1}** · explains {share:.1%} of the differences")
            key = f"cf.axis_name.{record.id}.{k}"

            def rename(k: int = k, key: str = key) -> None:
                names[k] = str(st.session_state.get(key, ""))[:60]

            with head[1]:
                st.text_input(
                    f"Name for PC{k + 1}",
                    value=names.get(k, ""),
                    key=key,
                    max_chars=60,
                    on_change=rename,
                    placeholder="e.g. serious ↔ light-hearted",
                )
            low, high = st.columns(2)
            low.markdown("Low end: " + _titles(axis["low"]))
            high.markdown("High end: " + _titles(axis["high"]))


def _titles(frame: pd.DataFrame) -> str:
    return " · ".join(md(t) for t in frame["title"]) or "–"
