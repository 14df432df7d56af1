"""Widgets and constants the screens share: charts, tables of movies, pickers, the map, the run's progress line.

A screen imports this module, :mod:`ui.components.job_panel` (any job's progress), :mod:`ui.session.state` and
:mod:`ui.components.common`, never another screen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import cf
from cf.config import MODEL_KINDS
from cf.data import genres
from cf.data.search import TitleIndex
from cf.projection import Projection, project_embeddings
from ui.components import job_panel, presentation
from ui.components.common import as_python, count, counted, md, other_data_message, seconds
from ui.jobs import training
from ui.jobs.base import JobView, server_queue
from ui.session import state
from ui.session.state import DataRecord, ModelRecord

# -- widget keys drawn here (the page, CSS and the tests use these strings) --
NOVELTY = "cf.novelty"
RANK_BY = "cf.rank_by"
STOP_SIDE = "cf.stop_side"

CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
MODEL_LABELS = {kind: about.label for kind, about in MODEL_KINDS.items()}
"""The model names as the screens show them (from :data:`cf.config.MODEL_KINDS`)."""
DEFAULT_MIN_RATINGS = 10
"""Recommendations skip movies with fewer ratings than this, unless the person changes it."""
LISTED_MOVIES = 300
"""How many matching movies a movie picker lists at once."""


def chart(figure, key: str, name: str, config: dict | None = None) -> None:
    """A plotly chart (widget key ``cf.<key>``) with its "Save image" menu below; ``name`` names the files."""
    shown = presentation.enlarged(figure) if presentation.active() else figure  # text for a projector
    st.plotly_chart(shown, key=f"cf.{key}", config=config or CHART_CONFIG, width="stretch")
    image_buttons(figure, key, name)


def image_buttons(figure, key: str, name: str) -> None:
    """A small "Save image" menu under a chart: PNG and SVG made by :mod:`cf.images` when clicked.

    Says plainly when no Chrome or Chromium is available for it (the chart's camera button
    still saves a PNG).
    """
    from cf import images

    problem = images.browser_problem()
    with st.popover("Save image", icon=":material/image:", type="tertiary", key=f"cf.image.{key}"):
        if problem:
            st.caption(problem)
            return
        for fmt, mime in images.FORMATS.items():
            st.download_button(
                fmt.upper(),
                data=lambda fmt=fmt: images.figure_image(figure, fmt),
                file_name=f"{name}.{fmt}",
                mime=mime,
                on_click="ignore",
                key=f"cf.image.{key}.{fmt}",
                help="PNG: a picture at twice the screen's pixels, for slides. SVG: sharp at any size."
                if fmt == "png"
                else "Sharp at any size; opens in browsers and drawing programs.",
            )


def no_model(data: DataRecord, purpose: str) -> None:
    """What a screen shows before any model is trained: a way to train one right here."""
    job = training.current()
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


def selected_user(record: ModelRecord) -> object | None:
    """The user picked on the User screen if the model knows them, else the most active user."""
    table = record.user_table()
    if table.empty:
        return None
    current = st.session_state.get(state.USER)
    if current is not None and current in record.recommender.users:
        return current
    return table["userId"].iloc[0]


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
            predicted,
            width=110,
            min_value=low,
            max_value=high,
            format="%.2f ★",
            help="The stars the rating model predicts this person would give.",
        ),
        "held_out": st.column_config.CheckboxColumn(
            "Kept aside",
            width="small",
            help="Held out to check the model (validation): it did not learn from this rating.",
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
            help="A movie this person rated highly that is a real reason for the pick: a movie of the same "
            "kind (a close match on the Movies screen, sharing a genre other than Drama and Comedy unless "
            "very close) that adds to the pick's score. Blank when no liked movie is such a reason.",
        ),
        "bias": st.column_config.NumberColumn(
            "Learned bias",
            format="%+.2f",
            help="The model's offset for this movie: how much more (or less) people rate it than their "
            "own habits and its neighbours in taste space predict.",
        ),
        "movieId": None,
    }


RANKINGS = {
    "ranker": "Best for you",
    "rating": "Most stars",
}
"""How a list can be ranked (:data:`cf.topn.RANK_BY`), as the screens name it."""


def ranking_controls() -> tuple[str, float]:
    """The popular-to-niche slider, and the list's ranking under *Advanced*; shared by the User and Rate screens.

    *Most stars* is not on the default view: it favours obscure films with a few glowing
    ratings and names weak reasons, so it is offered for teaching the difference, one click away.
    """
    left, right = st.columns([1, 1], vertical_alignment="top")
    novelty = left.slider(
        "Popular ↔ niche",
        0.0,
        1.0,
        0.0,
        0.1,
        key=NOVELTY,
        help="0 keeps the model's order; higher values move the list towards less-known movies "
        "(each score is divided by the movie's number of ratings to this power).",
    )
    with right.expander("Advanced: how the list is ranked", icon=":material/tune:"):
        rank_by = st.segmented_control(
            "Rank by",
            list(RANKINGS),
            format_func=RANKINGS.get,
            default="ranker",
            key=RANK_BY,
            help="*Best for you* (the default) ranks with the item model, trained to find the movies people go on "
            "to watch and love (it beats a most-popular list by a wide margin: see the Train screen). *Most stars* "
            "ranks by the stars the rating model predicts, which favours obscure films with a few glowing "
            "ratings: shown for teaching the difference.",
        )
    return rank_by or "ranker", float(novelty)


NO_STARS = (
    "This file lists who watched what, without ratings. The item model learns from that alone and makes "
    "the lists; anything that needs stars (RMSE, predicted ratings, the rating histogram) has nothing to "
    "show: every rating counts as 1."
)
"""Said wherever a screen would show stars for a file without ratings."""


def list_caption(rank_by: str, min_count: int, novelty: float, who: str = "this user") -> str:
    """What a top-N table shows, in a sentence (``who`` is "this user" or "you")."""
    has = "have" if who == "you" else "has"
    if rank_by == "ranker":
        text = f"Movies {who} {has} not rated, ranked by how well they match: movies that people with the same likes "
        text += "went on to watch and love"
    else:
        text = f"Movies {who} {has} not rated, ranked by the most stars the model predicts"
    if min_count:
        text += f", among movies with at least {count(min_count)} ratings"
    if novelty:
        text += f", moved towards niche movies ({novelty:.1f})"
    reason = (
        "the liked movie of the same kind that adds most to each pick's match, where there is one"
        if rank_by == "ranker"
        else "the liked movie of the same kind that matches each pick best, where there is one"
    )
    reason = reason if who == "you" else reason.replace("you liked", f"{who} liked")
    return f"{text}. *Because you liked* names {reason}."


def keep_toggle(record: ModelRecord, label: str = "Keep for comparison") -> None:
    """A checkbox that pins the model's weights in memory whatever comes next.

    See :func:`ui.session.state.weights_kept`.
    """
    key = f"cf.keep.{record.id}"
    if key in st.session_state and st.session_state[key] != record.keep:
        st.session_state[key] = record.keep  # the flag changed elsewhere (the memory limit)

    def changed() -> None:
        record.keep = bool(st.session_state.get(key))
        state.enforce_memory()

    st.checkbox(
        label,
        value=record.keep,
        key=key,
        on_change=changed,
        disabled=not record.loaded,
        help=f"The best model and the most recently used ones stay in memory on their own ({state.MAX_WEIGHTS} "
        "at most); tick this to keep this one whatever you train or load next. Models left out keep only their "
        "curves and scores.",
    )


def memory_note(usage: bool = False) -> None:
    """Say which models the server moved out of memory while this session was idle, and what came of it;
    with ``usage``, also how much of the server-wide budget the models of all sessions take, when that
    matters (:func:`server_busy`)."""
    visit = st.session_state.get(state.MEMORY_NOTE)
    if visit is not None and visit.restored:
        names = ", ".join(md(r.name) for r in sorted(visit.restored, key=lambda r: r.number))
        st.info(
            f"While this page was idle, the server moved {names} out of memory to make room for other people. "
            f"They were read back when you returned ({seconds(visit.seconds)}); nothing was lost.",
            icon=":material/memory:",
        )
    if visit is not None and visit.lost:
        names = ", ".join(md(r.name) for r in sorted(visit.lost, key=lambda r: r.number))
        st.warning(
            f"{names} could not be read back after the server moved it out of memory while this page was idle. "
            "Its curves and scores stay on the Compare screen; train again with the same settings and seed to "
            "get it back.",
            icon=":material/memory:",
        )
    if usage and server_busy():
        budget = state.server_memory()
        in_memory, on_disk, sessions = budget.usage()
        st.caption(
            f"This server is shared: the models of {counted(sessions, 'session')} take {in_memory / 2**20:,.0f} MB "
            f"of its {budget.budget_bytes / 2**20:,.0f} MB for models ({counted(on_disk, 'model')} of idle sessions "
            f"on disk). When it is full, the models of pages idle for {seconds(budget.idle_seconds)} move to disk "
            "and come back when their person returns."
        )


MEMORY_PRESSURE = 0.75
"""The share of the server's model budget in use from which the Data screen says how the server shares it."""


def server_busy() -> bool:
    """Whether the server's sharing matters to people: models of idle pages on disk, the model budget
    :data:`MEMORY_PRESSURE` full, or runs waiting in the training queue."""
    budget = state.server_memory()
    in_memory, on_disk, _ = budget.usage()
    return on_disk > 0 or in_memory >= MEMORY_PRESSURE * budget.budget_bytes or server_queue().counts()[1] > 0


def sidebar_status(job: JobView | None) -> None:
    """A compact progress panel for the sidebar, visible from every screen while ``job`` goes (the shared job
    panel); with None, an empty place kept for it (call this on every run, see :func:`job_panel.follow`)."""

    def draw(running: JobView) -> None:
        job_panel.panel(running, STOP_SIDE, heading=f"**{running.label}**", compact=True)
        st.divider()

    job_panel.follow(job, draw, "showing the training progress")


def projected(record: ModelRecord, dims: int) -> tuple[Projection, np.ndarray, np.ndarray]:
    """PCA of the movie vectors (users in the same space), computed once per model and size."""
    key = ("projection", dims)
    if key not in record.cache:
        projection, movies, users = project_embeddings(record.recommender, n_components=dims)
        record.cache[key] = (projection, _pad(movies, dims), _pad(users, dims))
    return record.cache[key]


def _pad(coords: np.ndarray, dims: int) -> np.ndarray:
    coords = np.asarray(coords, dtype=float)
    if coords.ndim == 1:
        coords = coords[:, None]
    if coords.shape[1] < dims:
        coords = np.hstack([coords, np.zeros((len(coords), dims - coords.shape[1]))])
    return coords[:, :dims]


def axis_labels(projection: Projection, dims: int, names: dict[int, str] | None = None) -> list[str]:
    """Axis titles like ``PC1 (23.4%)``, with the names a person gave them on the Movies screen."""
    labels = list(projection.axis_labels())
    while len(labels) < dims:
        labels.append(f"PC{len(labels) + 1} (none: too few factors)")
    for k, name in (names or {}).items():
        if k < len(labels) and name.strip():
            labels[k] = f"{labels[k]}: {name.strip()}"
    return labels[:dims]


def place_vector(record: ModelRecord, vector: np.ndarray, dims: int = 2) -> np.ndarray:
    """Coordinates of a user vector (such as a folded-in person) on the map, placed like the trained users."""
    from cf.projection import place_users, user_scale

    projection, _, _ = projected(record, dims)
    key = ("user_scale", dims)
    if key not in record.cache:
        rec = record.recommender
        record.cache[key] = user_scale(rec.user_vectors(), rec.item_vectors(), projection)
    return _pad(place_users(vector, projection, record.cache[key]), dims)[0]


def movie_table(record: ModelRecord) -> tuple[pd.DataFrame, list[str]]:
    """One row per trained movie (most rated first) with what the map shows; and the genre order.

    ``group`` is each movie's distinctive genre (:func:`cf.data.genres.genre_groups`), ``genre_list``
    its genres as a list.
    """
    if "movies" not in record.cache:
        rec = record.recommender
        meta = rec.movies.frame.reindex(rec.items.ids)
        genre_lists = [g if isinstance(g, list) else [] for g in meta["genres"]]
        groups, order = genres.genre_groups(genre_lists, n_top=10)
        table = pd.DataFrame(
            {
                "index": np.arange(len(rec.items)),
                "movieId": rec.items.ids.to_numpy(),
                "title": meta["title"].fillna("").astype(str).to_numpy(),
                "genres": [", ".join(g) if g else "(no genres listed)" for g in genre_lists],
                "group": groups,
                "n_ratings": rec.item_counts,
                "mean_rating": rec.item_means,
                "bias": rec.item_biases(),
            }
        )
        table["genre_list"] = genre_lists
        table = table.sort_values(["n_ratings", "movieId"], ascending=[False, True], kind="stable")
        record.cache["movies"] = (table.reset_index(drop=True), order)
    return record.cache["movies"]


def find_movies(record: ModelRecord, query: str) -> pd.DataFrame:
    """Rows of :func:`movie_table` whose title matches ``query`` the way people type titles, best first.

    See :class:`cf.data.search.TitleIndex`: articles, accents, punctuation and the year are optional;
    equally good matches come most rated first. An empty query matches nothing.
    """
    table, _ = movie_table(record)
    if "title_index" not in record.cache:
        record.cache["title_index"] = TitleIndex(table["title"].tolist(), table["n_ratings"].to_numpy())
    return table.iloc[record.cache["title_index"].search(query)]


def pick_movie(
    record: ModelRecord,
    query_key: str,
    pick_key: str,
    exclude: set | None = None,
    label: str = "Movie",
    preselect: bool = True,
) -> object | None:
    """A search box and a list of the matching movies, best match first; returns the chosen movie id.

    Titles match the way people type them (see :func:`find_movies`). Without a query the list
    holds every movie, most rated first, and with ``preselect=False`` nothing is chosen until
    the person types or picks.
    """
    table, _ = movie_table(record)
    query = st.text_input(
        "Find a movie",
        key=query_key,
        persist_state="session",
        placeholder="Type a title, e.g. the matrix",
        help="Capitals, accents, punctuation, a leading “The” and the year can be left out. "
        "The best matches come first, then the most rated.",
    ).strip()
    matches = find_movies(record, query) if query else table
    if exclude:
        matches = matches[~matches["movieId"].isin(list(exclude))]
    if matches.empty:
        st.caption(f"No movie title matches “{md(query)}”." if query else "No movies left to pick.")
        return None
    shown = matches.head(LISTED_MOVIES)
    titles = dict(zip(shown["movieId"].map(as_python), shown["title"]))
    counts = dict(zip(shown["movieId"].map(as_python), shown["n_ratings"]))
    options = list(titles)
    if st.session_state.get(pick_key) not in options:
        st.session_state[pick_key] = options[0] if (preselect or query) else None
    more = f" · first {count(LISTED_MOVIES)} of {count(len(matches))} shown" if len(matches) > LISTED_MOVIES else ""
    return st.selectbox(
        label,
        options,
        index=None,
        format_func=lambda m: f"{titles.get(m, m)} · {counted(counts.get(m, 0), 'rating')}",
        key=pick_key,
        placeholder="Type above or choose a movie",
        help="Type to narrow the list further." + more,
    )
