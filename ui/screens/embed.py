"""The Embeddings screen: the map of movies (and users) the model learned, by PCA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from cf import plots
from cf.data import genres
from cf.projection import Projection
from ui import state
from ui.common import count, counted, md, wrapping_columns
from ui.state import DataRecord, ModelRecord
from ui.widgets import (
    CHART_CONFIG,
    DEFAULT_MIN_RATINGS,
    axis_labels,
    find_movies,
    image_buttons,
    movie_table,
    no_model,
    projected,
    selected_user,
)

MOVIES, USERS = "Movies", "Users"
DEFAULT_MOVIES = 300
DEFAULT_USERS = 500
MAX_MATCHES = 50
"""Search results ringed on the map (the best matches)."""
LABELLED_MATCHES = 5
"""Search results labelled with their title on the map (the others show it on hover)."""


def render(record: ModelRecord | None, data: DataRecord) -> None:
    if record is None:
        no_model(data, "see the map of movies it learns")
        return
    controls = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
    with controls:
        view = st.segmented_control(
            "Show",
            [MOVIES, USERS],
            default=MOVIES,
            required=True,
            key=state.EMB_VIEW,
            persist_state="session",
            help="Movies: each dot is a movie. Users: each dot is a person, placed by their taste.",
        )
        dims = st.segmented_control(
            "Axes",
            ["2D", "3D"],
            default="2D",
            required=True,
            key=state.EMB_DIMS,
            persist_state="session",
            help="3D adds the third principal axis; drag to rotate.",
        )
        slot = st.container(width="stretch")  # the view's "how many" slider takes the rest of the row
    n_dims = 3 if dims == "3D" else 2
    projection, movie_xyz, user_xyz = projected(record, n_dims)
    labels = axis_labels(projection, n_dims, record.cache.get("axis_names"))
    if view == USERS:
        _users_view(record, user_xyz, labels, n_dims, slot)
    else:
        _movies_view(record, movie_xyz, user_xyz, labels, n_dims, slot)
    _explain(record, projection, view)
    _projector_downloads(record)


def _projector_downloads(record: ModelRecord) -> None:
    from cf import export

    rec = record.recommender
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "Download vectors.tsv",
            data=lambda: export.projector_vectors(rec),
            file_name="vectors.tsv",
            mime="text/tab-separated-values",
            on_click="ignore",
            icon=":material/download:",
            key="cf.vectors_tsv",
            help="One row of numbers per movie: its taste vector.",
        )
        st.download_button(
            "Download metadata.tsv",
            data=lambda: export.projector_metadata(rec),
            file_name="metadata.tsv",
            mime="text/tab-separated-values",
            on_click="ignore",
            icon=":material/download:",
            key="cf.metadata_tsv",
            help="Title, genres and number of ratings of each movie, in the same order as vectors.tsv.",
        )
    st.caption(
        "Open both files in TensorFlow's Embedding Projector (projector.tensorflow.org, *Load*) to explore the "
        "movie vectors with PCA, t-SNE or UMAP."
    )


# -- cached per model ----------------------------------------------------------------


def genre_colours(record: ModelRecord, chosen: list[str]) -> tuple[pd.Series, list[str]]:
    """Each movie's colour group (aligned with :func:`movie_table`) and the legend order, for the genres
    a person chose to colour (none: the automatic choice)."""
    table, order = movie_table(record)
    if not chosen:
        return table["group"], order
    cached = record.cache.get("genre_colours")  # the last choice only
    if cached is None or cached[0] != tuple(chosen):
        groups, order = genres.genre_groups(table["genre_list"], among=chosen)
        cached = (tuple(chosen), (pd.Series(groups, index=table.index), order))
        record.cache["genre_colours"] = cached
    return cached[1]


def user_points(record: ModelRecord) -> pd.DataFrame:
    """One row per user (most active first): id, number and average of their ratings."""
    if "user_points" not in record.cache:
        rec = record.recommender
        known = rec.known
        n = len(rec.users)
        counts = np.bincount(known["user"], minlength=n)
        sums = np.bincount(known["user"], known["rating"], minlength=n)
        table = pd.DataFrame(
            {
                "index": np.arange(n),
                "userId": rec.users.ids.to_numpy(),
                "n_ratings": counts,
                "mean_rating": np.where(counts > 0, sums / np.maximum(counts, 1), np.nan),
            }
        )
        table = table.sort_values(["n_ratings", "userId"], ascending=[False, True], kind="stable")
        record.cache["user_points"] = table.reset_index(drop=True)
    return record.cache["user_points"]


# -- views ---------------------------------------------------------------------------


def _how_many(label: str, total: int, default: int, key: str, help_text: str) -> int:
    if total <= 50:
        return total
    return st.slider(
        label,
        min_value=min(50, total),
        max_value=total,
        value=min(default, total),
        step=max(1, min(50, total // 100)),
        key=key,
        persist_state="session",
        help=help_text,
    )


def _movies_view(
    record: ModelRecord, movie_xyz: np.ndarray, user_xyz: np.ndarray, labels: list[str], dims: int, slot
) -> None:
    table, order = movie_table(record)
    with slot:
        n_shown = _how_many(
            "Movies shown (most rated first)",
            len(table),
            DEFAULT_MOVIES,
            state.EMB_COUNT,
            "Rarely rated movies have noisy positions, so the map starts with the most rated ones. "
            "Slide right to show all of them.",
        )
    search_col, user_col = wrapping_columns([3, 2], "embed_search", vertical_alignment="bottom")
    with search_col:
        query = st.text_input(
            "Find a movie",
            key=state.EMB_QUERY,
            persist_state="session",
            placeholder="Type part of a title",
            help="Matching movies are ringed on the map, even if they are not among the most rated.",
        )
    user = selected_user(record)
    with user_col:
        show_user = user is not None and st.toggle(
            f"Mark User {user} and their top 10",
            value=True,
            key=state.EMB_SHOW_USER,
            persist_state="session",
            help="Choose the user on the User screen. The diamond is the user; squares are their recommendations.",
        )
    chosen = _genre_picker(record)
    groups, order = genre_colours(record, chosen)
    rec = record.recommender
    query = query.strip()
    matches = find_movies(record, query) if query else table.iloc[:0]
    recommended: list = []
    user_point = None
    if show_user:
        min_count = int(st.session_state.get(state.MIN_RATINGS, DEFAULT_MIN_RATINGS) or 0)
        recommended = rec.recommend(user, 10, min_ratings=min_count)["movieId"].tolist()
        index = rec.user_index(user)
        user_point = {"label": f"User {user}", **dict(zip("xyz", user_xyz[index]))}
    shown = table.head(n_shown)
    extra = table[table["movieId"].isin(recommended)] if recommended else table.iloc[:0]
    points = pd.concat([shown, matches.head(MAX_MATCHES), extra]).drop_duplicates("movieId")
    points = _with_coords(points, movie_xyz).assign(group=groups.loc[points.index].to_numpy())
    figure = plots.embedding_scatter(
        points,
        labels,
        dims=dims,
        group_order=order,
        highlight=matches["movieId"].head(MAX_MATCHES).tolist(),
        user=user_point,
        recommended=recommended,
        n_labels=LABELLED_MATCHES,
    )
    st.plotly_chart(figure, key="cf.movie_map", config=CHART_CONFIG, width="stretch")
    image_buttons(figure, "movie_map", "movie-map")
    if set(order) - {plots.NO_GENRE}:
        colour = "the genres you picked" if chosen else "each movie's most distinctive genre (its rarest listed one)"
    else:
        colour = "the movie's average rating (no genres were loaded)"
    st.caption(
        f"Showing {count(len(points))} of {count(len(table))} movies. Colour: {colour}; size: number of ratings. "
        "Marked movies far from the cloud are drawn at its edge. "
        "Hover a dot for details; drag to zoom, double-click to reset."
    )
    if query:
        _search_results(record, query, matches)


def _genre_picker(record: ModelRecord) -> list[str]:
    """Genres a person chose to colour the map by (empty: the automatic choice)."""
    table, _ = movie_table(record)
    options = genres.genres_by_count(table["genre_list"])
    if not options:
        return []
    return st.multiselect(
        "Colour genres",
        options,
        key=state.EMB_GENRES,
        max_selections=len(plots.PALETTE),
        placeholder="Automatic: each movie's most distinctive genre",
        help="Pick genres to highlight: each movie takes the rarest of its genres among those you pick; "
        "movies with none of them are grey. Leave empty for the automatic choice.",
    )


def _with_coords(points: pd.DataFrame, xyz: np.ndarray) -> pd.DataFrame:
    points = points.copy()
    rows = points["index"].to_numpy()
    for k, axis in enumerate("xyz"[: xyz.shape[1]]):
        points[axis] = xyz[rows, k]
    return points


def _search_results(record: ModelRecord, query: str, matches: pd.DataFrame) -> None:
    if matches.empty:
        st.warning(
            f"No movie title matches “{md(query)}”. Try fewer words, or part of a word.", icon=":material/search_off:"
        )
        return
    more = f" (the best {MAX_MATCHES} are ringed)" if len(matches) > MAX_MATCHES else ""
    labelled = f"; the first {LABELLED_MATCHES} are labelled" if len(matches) > LABELLED_MATCHES else ""
    verb = "matches" if len(matches) == 1 else "match"
    st.caption(f"{counted(len(matches), 'title')} {verb} “{md(query)}”, best first{more}{labelled}.")
    first = matches.iloc[0]
    st.markdown(f"##### Movies most like {md(first['title'])}")
    st.caption("Closest by the direction of their vectors (cosine similarity): people who like one tend to like these.")
    similar = record.recommender.similar_movies(first["movieId"], 10)
    st.dataframe(
        similar,
        hide_index=True,
        width="stretch",
        column_order=["title", "genres", "similarity", "n_ratings", "mean_rating"],
        column_config={
            "title": st.column_config.TextColumn("Movie", width="large"),
            "genres": st.column_config.TextColumn("Genres"),
            "similarity": st.column_config.ProgressColumn("Similarity", min_value=-1.0, max_value=1.0, format="%.2f"),
            "n_ratings": st.column_config.NumberColumn("Ratings", format="%d"),
            "mean_rating": st.column_config.NumberColumn("Average rating", format="%.2f ★"),
        },
        key="cf.similar_table",
    )


def _users_view(record: ModelRecord, user_xyz: np.ndarray, labels: list[str], dims: int, slot) -> None:
    table = user_points(record)
    with slot:
        n_shown = _how_many(
            "Users shown (most active first)",
            len(table),
            DEFAULT_USERS,
            state.EMB_USERS,
            "People with few ratings have uncertain positions, so the map starts with the most active ones.",
        )
    user = selected_user(record)
    shown = table.head(n_shown)
    if user is not None and not (shown["userId"] == user).any():
        shown = pd.concat([shown, table[table["userId"] == user]])
    points = _with_coords(shown, user_xyz)
    figure = plots.user_scatter(points, labels, dims=dims, selected=user)
    st.plotly_chart(figure, key="cf.user_map", config=CHART_CONFIG, width="stretch")
    image_buttons(figure, "user_map", "user-map")
    st.caption(
        f"Showing {count(len(points))} of {count(len(table))} users, placed with the movie axes so each sits "
        f"towards the movies the model thinks they like. Colour: their average rating; size: how many they rated. "
        f"The diamond is User {md(user)}, chosen on the User screen."
    )


def _explain(record: ModelRecord, projection: Projection, view: str) -> None:
    shares = projection.explained_variance_ratio
    parts = ", ".join(f"PC{k + 1} {share:.1%}" for k, share in enumerate(shares))
    st.caption(
        f"Share of the movie vectors' variance each axis explains: {parts} ({shares.sum():.1%} together). "
        "Movies close together are liked by the same people."
    )
    if record.config.model == "nn":
        st.caption(
            "This is the neural model: it combines the vectors in a network, so distances on the map are a "
            "rougher guide than for the dot-product models."
        )
