"""The Data screen: what the loaded ratings look like."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cf import plots
from ui.components import widgets
from ui.components.common import count, counted, md, short_count, wrapping_columns
from ui.components.widgets import NO_STARS, chart
from ui.session import state
from ui.session.state import DataRecord

PREVIEW_ROWS = 500


def render(data: DataRecord) -> None:
    _upload_problems(data)
    widgets.memory_note(usage=True)
    stats = data.stats()
    st.markdown(f"#### {md(data.label)}")
    if data.demo:
        st.caption(
            "A generated dataset shaped like MovieLens: people with a few favourite genres rating movies, "
            "popular movies rated far more often. Upload your own files in the sidebar."
        )
    cols = st.columns(3) + st.columns(3)
    cols[0].metric("Users", short_count(stats["n_users"]), help=f"{count(stats['n_users'])} people who rated.")
    cols[1].metric("Movies", short_count(stats["n_items"]), help=f"{count(stats['n_items'])} movies with a rating.")
    cols[2].metric("Ratings", short_count(stats["n_ratings"]), help=f"{count(stats['n_ratings'])} ratings.")
    cols[3].metric(
        "Density",
        f"{stats['density']:.2%}",
        help="Share of all user × movie pairs that have a rating. Collaborative filtering fills in the rest.",
    )
    low, high = stats["scale"]
    cols[4].metric("Rating scale", f"{low:g} – {high:g} ★", help="Lowest and highest rating in the file.")
    cols[5].metric(
        "Ratings per user (median)",
        f"{stats['median_per_user']:,.0f}",
        help="Half the users rated fewer movies than this, half more.",
    )
    if stats["n_duplicates"]:
        st.info(
            f"{count(stats['n_duplicates'])} repeated ratings of the same movie by the same user were dropped; "
            "the latest one of each was kept.",
            icon=":material/content_copy:",
        )
    if data.movies is None:
        st.info(
            "No movies file: movies show as “Movie <id>” and the map has no genre colours. "
            "Upload a movies file (id, title, genres) in the sidebar to add them.",
            icon=":material/movie:",
        )
    elif data.movies.extra_names():
        names = data.movies.extra_names()
        st.caption(
            f"The movies file also has {counted(len(names), 'column')} the map can colour by: "
            f"{', '.join(f'“{md(name)}”' for name in names)} (Embeddings, *Colour by*)."
        )

    charts = wrapping_columns(3, "charts")
    counts = stats["rating_counts"]
    with charts[0]:
        if stats["scale"][0] == stats["scale"][1]:
            st.info(NO_STARS, icon=":material/visibility:")
        else:
            figure = plots.rating_histogram(scale=stats["scale"], counts=counts)
            _same_frame(figure)
            chart(figure, "rating_hist", "ratings-histogram")
    with charts[1]:
        figure = plots.long_tail(stats["per_item"], "movie")
        chart(figure, "tail_movies", "ratings-per-movie")
    with charts[2]:
        figure = plots.long_tail(stats["per_user"], "user")
        chart(figure, "tail_users", "ratings-per-user")
    st.caption(
        "A few movies get most of the ratings and most movies get few: the long tail. The model learns "
        "popular movies well and rarely rated ones only roughly."
    )

    with st.expander("Look at the ratings", icon=":material/table_view:"):
        st.dataframe(_preview(data), hide_index=True, width="stretch", key="cf.preview")
        st.caption(f"The first {count(min(PREVIEW_ROWS, stats['n_ratings']))} rows of {count(stats['n_ratings'])}.")


def _upload_problems(data: DataRecord) -> None:
    """The sidebar's messages about uploads that could not be used, where a presenter looks."""
    errors = st.session_state.get(state.UPLOAD_ERRORS) or []
    for error in errors:
        st.error(error, icon=":material/error:")
    if errors:
        st.caption(f"Still showing **{md(data.label)}**. Fix the file and upload it again in the sidebar, on the left.")


def _preview(data: DataRecord) -> pd.DataFrame:
    if "preview" not in data.cache:
        head = data.ratings.frame.head(PREVIEW_ROWS).copy()
        if data.movies is not None:
            movies = data.movies.covering(pd.Index(head["item"].unique()))
            head.insert(2, "title", movies.frame["title"].reindex(head["item"]).to_numpy())
            head.insert(3, "genres", [", ".join(g) for g in movies.frame["genres"].reindex(head["item"])])
        if (head["timestamp"] != 0).any():
            head["timestamp"] = pd.to_datetime(head["timestamp"], unit="s")
        else:
            head = head.drop(columns="timestamp")
        data.cache["preview"] = head.rename(columns={"user": "user id", "item": "movie id"})
    return data.cache["preview"]


def _same_frame(figure) -> None:
    """Give the histogram the long-tail charts' height and title place, so the three charts and their
    *Save image* buttons line up in a row."""
    tail = plots.long_tail([1], "movie").layout
    figure.update_layout(
        height=tail.height,
        margin=dict(t=tail.margin.t),
        title=tail.title.to_plotly_json() | {"text": figure.layout.title.text},
    )
