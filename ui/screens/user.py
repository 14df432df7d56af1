"""The User screen: one person's ratings next to the model's predictions, and their recommendations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ui.components.common import as_python, count, csv_bytes, file_stem, md, scrolls_sideways
from ui.components.picks import match_scores, picks_table
from ui.components.widgets import DEFAULT_MIN_RATINGS, NO_STARS, columns, list_caption, no_model, ranking_controls
from ui.session import state
from ui.session.state import DataRecord, ModelRecord

# -- widget keys of this screen (the page, CSS and the tests use these strings) --
QUERY = "cf.user_query"
TOP_N = "cf.top_n"

MANY_USERS = 5000
"""Above this many users the picker shows a search box and the matching users."""
LISTED_USERS = 1000
"""How many users the picker lists at once when there are many."""


def render(record: ModelRecord | None, data: DataRecord) -> None:
    if record is None:
        no_model(data, "see recommendations for a user")
        return
    rec = record.recommender
    if not rec.has_ratings:
        st.info(NO_STARS, icon=":material/visibility:")
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
            key=TOP_N,
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
    rank_by, novelty = ranking_controls()
    history = rec.history(user)
    recommendations = rec.recommend(user, int(n), min_ratings=int(min_count), rank_by=rank_by, novelty=novelty)
    _profile(st.columns(3), history)
    if record.data_key != data.key:
        st.caption(f"Using {md(record.name)}, trained on {md(record.data_label)}.")
    loves = favourite_genres(history)
    if loves:
        st.caption(f"User {md(user)} rates these genres highest: {md(', '.join(loves))}.")

    st.markdown(f"#### Top {len(recommendations)} picks for User {md(user)}")
    st.caption(list_caption(rank_by, int(min_count), novelty))
    shown = recommendations.reset_index(drop=True)
    picks_table(shown, "recs")
    shown.insert(0, "rank", np.arange(1, len(shown) + 1))
    st.download_button(
        "Download recommendations (CSV)",
        data=csv_bytes(shown.drop(columns="score").assign(match=np.round(match_scores(shown["score"]), 1))),
        file_name=f"recommendations_user_{file_stem(user)}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="cf.recs_csv",
    )

    _all_users_download(record, int(n), int(min_count), rank_by)

    st.markdown(f"#### What User {md(user)} rated, next to what the model predicts")
    st.caption(
        "Ratings marked *kept aside* were held out to check the model: it never learned from them, "
        "so those predictions are honest guesses."
    )
    _table_with_csv(
        history,
        ["title", "rating", "predicted", "held_out", "genres", "n_ratings", "mean_rating"],
        columns(rec, predicted="Predicted stars"),
        "history",
        "Download their ratings and predictions (CSV)",
        f"ratings_user_{file_stem(user)}.csv",
    )


EXPORT_MAX_PAIRS = 300_000_000
"""The all-users download scores at most this many user x movie pairs (the most active users first)."""


def _all_users_download(record: ModelRecord, n: int, min_count: int, rank_by: str) -> None:
    rec = record.recommender
    table = record.user_table()
    limit = max(1, EXPORT_MAX_PAIRS // max(1, len(rec.items)))
    users = None if len(table) <= limit else table["userId"].head(limit).tolist()

    def make() -> bytes:
        from cf.export import recommendations_csv

        return recommendations_csv(rec, n, min_count, users, rank_by)

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


def _profile(columns, history: pd.DataFrame) -> None:
    columns[0].metric("Ratings", count(len(history)))
    columns[1].metric("Their average", f"{history['rating'].mean():.2f} ★" if len(history) else "–")
    held = history[history["held_out"]] if "held_out" in history else history.iloc[:0]
    if len(held):
        error = float(np.sqrt(np.mean((held["predicted"] - held["rating"]) ** 2)))
        columns[2].metric(
            "Typical error on their unseen ratings",
            f"±{error:.2f} ★",
            help=f"How far the predicted stars typically are from the stars given, over the {len(held)} ratings of "
            "this user that were kept aside and never learned from (root mean squared error, RMSE).",
        )
    else:
        columns[2].metric(
            "Typical error on their unseen ratings", "–", help="None of this user's ratings were kept aside."
        )


def favourite_genres(history: pd.DataFrame, n: int = 3) -> list[str]:
    """Genres of the movies this user rated above their own average, most frequent first."""
    if history.empty or "genres" not in history:
        return []
    liked = history[history["rating"] > history["rating"].mean()]
    genres = liked["genres"].str.split(", ").explode()
    genres = genres[genres.notna() & (genres != "(no genres listed)") & (genres != "")]
    return [str(g) for g in genres.value_counts().index[:n]]


def pick_user(record: ModelRecord) -> object | None:
    """A searchable picker of the model's users, labelled with their number of ratings."""
    table = record.user_table()
    query = ""
    if len(table) > MANY_USERS:  # 162k users in MovieLens 25M: only the matching ones are listed
        query = st.text_input(
            "Find a user by id",
            key=QUERY,
            persist_state="session",
            placeholder="Type the start of a user id",
            help=f"There are {count(len(table))} users; the list below shows the matching ones, most active first.",
        ).strip()
        if query:
            table = table[table["userId"].astype(str).str.startswith(query)]
        table = table.head(LISTED_USERS)
    counts = dict(zip(table["userId"].map(as_python), table["n_ratings"]))
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
