"""The User screen: one person's ratings next to the model's predictions, and their recommendations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import cf
from ui import state, training
from ui.common import count, csv_bytes, file_stem, md, other_data_message, scrolls_sideways
from ui.state import DataRecord, ModelRecord

DEFAULT_MIN_RATINGS = 10
"""Recommendations skip movies with fewer ratings than this, unless the person changes it."""
MANY_USERS = 5000
"""Above this many users the picker shows a search box and the matching users."""
LISTED_USERS = 1000
"""How many users the picker lists at once when there are many."""


def render(record: ModelRecord | None, data: DataRecord) -> None:
    if record is None:
        no_model(data, "see recommendations for a user")
        return
    rec = record.recommender
    top = st.columns([2.2, 1, 1], vertical_alignment="bottom")
    with top[0]:
        user = pick_user(record)
    if user is None:
        st.info("No user matches that search. Type the beginning of a user id.")
        return
    with top[1]:
        n = st.number_input(
            "How many",
            min_value=1,
            max_value=100,
            value=10,
            key=state.TOP_N,
            persist_state="session",
            help="How many movies to recommend.",
        )
    with top[2]:
        min_count = st.number_input(
            "Min. ratings",
            min_value=0,
            max_value=max(0, int(rec.item_counts.max(initial=0))),
            value=min(DEFAULT_MIN_RATINGS, int(rec.item_counts.max(initial=0))),
            key=state.MIN_RATINGS,
            persist_state="session",
            help="Only recommend movies with at least this many ratings. A movie rated by a handful of "
            "people can get a high predicted rating by chance; 0 shows the model's raw top picks.",
        )
    history = rec.history(user)
    recommendations = rec.recommend(user, int(n), min_ratings=int(min_count))
    _profile(st.columns(3), history)
    if record.data_key != data.key:
        st.caption(f"Using {md(record.name)}, trained on {md(record.data_label)}.")
    loves = favourite_genres(history)
    if loves:
        st.caption(f"User {md(user)} rates these genres highest: {md(', '.join(loves))}.")

    st.markdown(f"#### Top {len(recommendations)} picks for User {md(user)}")
    caption = "Movies this user has not rated, with the highest predicted rating"
    if min_count:
        caption += f", among movies with at least {count(min_count)} ratings"
    st.caption(caption + ". *Because you liked* names the user's highly rated movie closest to each pick.")
    shown = recommendations.reset_index(drop=True)
    shown.insert(0, "rank", np.arange(1, len(shown) + 1))
    _table_with_csv(
        shown,
        ["rank", "title", "predicted", "because_you_liked", "genres", "n_ratings", "mean_rating"],
        columns(rec, predicted="Predicted rating"),
        "recs",
        "Download recommendations (CSV)",
        f"recommendations_user_{file_stem(user)}.csv",
    )

    _all_users_download(record, int(n), int(min_count))

    st.markdown(f"#### What User {md(user)} rated, next to what the model predicts")
    st.caption(
        "Ratings marked *held out* were kept aside for validation: the model never learned from them, "
        "so those predictions are honest guesses."
    )
    _table_with_csv(
        history,
        ["title", "rating", "predicted", "held_out", "genres", "n_ratings", "mean_rating"],
        columns(rec, predicted="Model's prediction"),
        "history",
        "Download their ratings and predictions (CSV)",
        f"ratings_user_{file_stem(user)}.csv",
    )


EXPORT_MAX_PAIRS = 300_000_000
"""The all-users download scores at most this many user x movie pairs (the most active users first)."""


def _all_users_download(record: ModelRecord, n: int, min_count: int) -> None:
    rec = record.recommender
    table = record.user_table()
    limit = max(1, EXPORT_MAX_PAIRS // max(1, len(rec.items)))
    users = None if len(table) <= limit else table["userId"].head(limit).tolist()

    def make() -> bytes:
        from cf.export import recommendations_csv

        return recommendations_csv(rec, n, min_count, users)

    who = "all users" if users is None else f"the {count(limit)} most active users"
    st.download_button(
        f"Download the top {n} for {who} (CSV)",
        data=make,
        file_name=f"recommendations_{file_stem(record.name.lower())}_top{n}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/groups:",
        key="cf.recs_all_csv",
        help="One row per user and rank, with the same settings as this table (how many, min. ratings). "
        "The file is made when you click; a few seconds for thousands of users.",
    )


def _table_with_csv(frame: pd.DataFrame, order: list[str], config: dict, name: str, label: str, file_name: str) -> None:
    """A table of movies and a button that downloads it as CSV (widget keys ``cf.<name>_table``/``_csv``).

    It fits a wide window; in a narrow one it scrolls sideways.
    """
    with scrolls_sideways(name):
        st.dataframe(
            frame, hide_index=True, width="stretch", column_order=order, column_config=config, key=f"cf.{name}_table"
        )
    st.download_button(
        label,
        data=csv_bytes(frame),
        file_name=file_name,
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key=f"cf.{name}_csv",
    )


def columns(rec: cf.Recommender, predicted: str) -> dict:
    """Column settings shared by the tables of movies (recommendations, ratings, similar movies).

    The widths (pixels) let the User screen's tables show every column in a 1280-pixel window.
    """
    low, high = (float(v) for v in rec.scale)
    most = int(rec.item_counts.max()) if len(rec.item_counts) else 1
    return {
        "rank": st.column_config.NumberColumn("#", width=40),
        "title": st.column_config.TextColumn("Movie", width=250),
        "genres": st.column_config.TextColumn("Genres", width=130),
        "rating": st.column_config.ProgressColumn(
            "Their rating",
            width=110,
            min_value=low,
            max_value=high,
            format="%.1f ★",
            color="orange",
            help="The rating this user gave.",
        ),
        "predicted": st.column_config.ProgressColumn(
            predicted, width=110, min_value=low, max_value=high, format="%.2f ★", help="The rating the model predicts."
        ),
        "held_out": st.column_config.CheckboxColumn(
            "Held out", width="small", help="Kept aside for validation: the model did not learn from this rating."
        ),
        "n_ratings": st.column_config.ProgressColumn(
            "Popularity",
            min_value=0,
            max_value=most,
            format="%d",
            color="gray",
            width=75,
            help="How many ratings the movie has in the training data.",
        ),
        "mean_rating": st.column_config.NumberColumn(
            "Average rating", format="%.2f ★", width=95, help="The movie's average rating from everyone."
        ),
        "because_you_liked": st.column_config.TextColumn(
            "Because you liked",
            width=180,
            help="The highly rated movie of this person that the recommendation is closest to in the model's "
            "taste space (cosine similarity of the movie vectors).",
        ),
        "similarity": st.column_config.ProgressColumn(
            "Similarity", min_value=-1.0, max_value=1.0, format="%.2f", help="Cosine similarity of the movie vectors."
        ),
        "bias": st.column_config.NumberColumn(
            "Learned bias",
            format="%+.2f",
            help="The model's offset for this movie: how much more (or less) people rate it than their "
            "own habits and its neighbours in taste space predict.",
        ),
        "movieId": None,
    }


def _profile(columns, history: pd.DataFrame) -> None:
    columns[0].metric("Ratings", count(len(history)))
    columns[1].metric("Their average", f"{history['rating'].mean():.2f} ★" if len(history) else "–")
    held = history[history["held_out"]] if "held_out" in history else history.iloc[:0]
    if len(held):
        error = float(np.sqrt(np.mean((held["predicted"] - held["rating"]) ** 2)))
        columns[2].metric(
            "Held-out error",
            f"{error:.2f} ★",
            help=f"RMSE of the model's predictions for the {len(held)} ratings of this user it never saw.",
        )
    else:
        columns[2].metric("Held-out error", "–", help="None of this user's ratings were held out.")


def favourite_genres(history: pd.DataFrame, n: int = 3) -> list[str]:
    """Genres of the movies this user rated above their own average, most frequent first."""
    if history.empty or "genres" not in history:
        return []
    liked = history[history["rating"] > history["rating"].mean()]
    genres = liked["genres"].str.split(", ").explode()
    genres = genres[genres.notna() & (genres != "(no genres listed)") & (genres != "")]
    return [str(g) for g in genres.value_counts().index[:n]]


def selected_user(record: ModelRecord) -> object | None:
    """The user picked on the User screen if the model knows them, else the most active user."""
    table = record.user_table()
    if table.empty:
        return None
    current = st.session_state.get(state.USER)
    if current is not None and current in record.recommender.users:
        return current
    return table["userId"].iloc[0]


def _as_python(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def pick_user(record: ModelRecord) -> object | None:
    """A searchable picker of the model's users, labelled with their number of ratings."""
    table = record.user_table()
    query = ""
    if len(table) > MANY_USERS:  # 162k users in MovieLens 25M: only the matching ones are listed
        query = st.text_input(
            "Find a user by id",
            key=state.USER_QUERY,
            persist_state="session",
            placeholder="Type the start of a user id",
            help=f"There are {count(len(table))} users; the list below shows the matching ones, most active first.",
        ).strip()
        if query:
            table = table[table["userId"].astype(str).str.startswith(query)]
        table = table.head(LISTED_USERS)
    counts = dict(zip(table["userId"].map(_as_python), table["n_ratings"]))
    current = st.session_state.get(state.USER)
    if current is not None and current not in counts and not query:  # keep the chosen user listed
        index = int(record.recommender.users.to_index([current])[0])
        if index >= 0:
            counts = {current: int(record.recommender.user_counts[index]), **counts}
    options = list(counts)
    if not options:
        return None
    if st.session_state.get(state.USER) not in options:
        st.session_state[state.USER] = options[0]
    return st.selectbox(
        "User",
        options,
        format_func=lambda u: f"User {u} · {counts.get(u, 0):,} ratings",
        key=state.USER,
        persist_state="session",
        help="Type to search. Users are listed most active first.",
    )


def no_model(data: DataRecord, purpose: str) -> None:
    """What a screen shows before any model is trained: a way to train one right here."""
    job = state.job()
    if job is not None and job.running:
        st.info(
            f"Model {job.number} is training; this screen fills in when it is done (progress in the sidebar).",
            icon=":material/hourglass_top:",
        )
        return
    other = state.model()
    if other is not None:
        st.info(other_data_message(other, data) + f" Then you can {purpose} here.", icon=":material/swap_horiz:")
    else:
        st.info(f"Train a model first to {purpose}.", icon=":material/school:")
    st.button(
        "Train a model with the default settings",
        type="primary",
        icon=":material/model_training:",
        on_click=_train_defaults,
        args=(data,),
        key=f"cf.quick_train.{purpose[:12]}",
    )


def _train_defaults(data: DataRecord) -> None:
    try:
        training.start(data, cf.TrainConfig())
    except cf.ConfigError as error:
        state.set_notice("error", str(error))
    st.session_state[state.NAV] = state.TAB_TRAIN
