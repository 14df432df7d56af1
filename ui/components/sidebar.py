"""The sidebar: where the data comes from, and the training status seen from every screen."""

from __future__ import annotations

import streamlit as st

from ui.components import job_panel, widgets
from ui.components.common import count, guarded, md
from ui.loading import uploads as loading
from ui.session import links, state
from ui.session.state import DEMO, FILES, MOVIELENS, DataRecord

# -- widget keys drawn here (the page, CSS and the tests use these strings) --
UP_RATINGS = "cf.up_ratings"
UP_MOVIES = "cf.up_movies"
ML_GET = "cf.ml_get"


def render() -> DataRecord:
    """Draw the sidebar and return the data in use."""
    with st.sidebar:
        # first and on every run, so that the live panel's place never moves (see job_panel.follow)
        live = st.container(key=f"{job_panel.LIVE_KEY_PREFIX}side")
        st.markdown("### :material/database: Data")
        source = st.segmented_control(
            "Data source",
            [DEMO, MOVIELENS, FILES],
            default=None if state.SOURCE in st.session_state else DEMO,  # a shared link may have set it
            required=True,
            key=state.SOURCE,
            label_visibility="collapsed",
            help="Start with the demo, download a MovieLens release, or upload your own ratings.",
        )
        previous = state.data()
        record = None
        st.session_state[state.UPLOAD_ERRORS] = []
        if source == FILES:
            record = _uploads()
        elif source == MOVIELENS:
            record = _movielens()
        if record is None:
            record = previous if (source != DEMO and previous is not None) else loading.demo_record()
        st.session_state[state.DATA] = record
        if links.awaiting(record):
            st.caption(f"In use: nothing yet. The link needs **{md(links.wanted())}**.")
        else:
            stats = record.stats()
            st.caption(
                f"In use: **{md(record.label)}** · {count(stats['n_ratings'])} ratings · "
                f"{count(stats['n_users'])} users · {count(stats['n_items'])} movies"
            )
        job = state.job()
        shown = job is not None and job.running and st.session_state.get(state.NAV) != state.TAB_TRAIN
        with live:
            widgets.sidebar_status(job if shown else None)
        st.divider()
        with st.expander("How it works", icon=":material/help:"):
            st.markdown(
                "**Collaborative filtering** learns tastes from ratings alone. Each person and each movie "
                "gets a short list of numbers (a *vector*); a predicted rating is how well the two match.\n\n"
                "1. **Data**: pick the demo, a MovieLens release, or upload ratings (user, movie, rating).\n"
                "2. **Train**: fit a model and watch its error fall; download it, or load a saved one.\n"
                "3. **User**: see one person's ratings, the model's guesses, and its picks.\n"
                "4. **Rate**: rate a few movies yourself and get picks at once, without retraining.\n"
                "5. **Movies**: similar movies, and what the model learned about each movie.\n"
                "6. **Embeddings**: the map of movies the model learned; similar movies sit together.\n"
                "7. **Compare**: the runs of this session side by side.\n\n"
                "**Presentation mode** (the switch at the top right) tells this story in five large steps for a "
                "projector; arrow keys or a clicker step through it, Esc leaves.\n\n"
                "The address bar always holds a link to what you see: share it to reopen the same view."
            )
    return record


def _movielens() -> DataRecord | None:
    from cf.data import movielens

    releases = movielens.RELEASES
    name = st.selectbox(
        "MovieLens release",
        list(releases),
        key=state.ML_RELEASE,
        format_func=lambda n: f"{n}{' · in the cache' if loading.movielens_cached(n) else ''}",
        help="The rating datasets GroupLens publishes. Downloads are checked against their published "
        "checksum and kept in a local cache, so each is downloaded once.",
    )
    release = releases[name]
    cached = loading.movielens_cached(name)
    size = "in the local cache" if cached else f"about {release.approx_mb} MB to download"
    st.caption(f"{md(release.description)} · {size}")
    loaded: dict[str, str] = st.session_state.setdefault(state.ML_LOADED, {})
    record = st.session_state[state.RECORDS].get(loaded.get(name, ""))
    if record is not None:
        return record
    clicked = st.button(
        "Load" if cached else "Download and load",
        key=ML_GET,
        type="primary",
        icon=":material/download:",
        width="stretch",
    )
    if st.session_state.get(links.ML_AUTO) == name:  # a shared link asked for this release
        del st.session_state[links.ML_AUTO]
        clicked = True
    if not clicked:
        previous = state.data()
        if previous is not None:
            st.caption(f"Until then **{md(previous.label)}** stays in use.")
        return None
    return load_release(name)


def load_release(name: str) -> DataRecord | None:
    """Download (or take from the cache) and parse a MovieLens release, with a progress bar; None on failure."""
    bar = st.progress(0.0, text=f"Connecting to get MovieLens {name}…")

    def progress(done: int, total: int) -> None:
        if total:
            bar.progress(min(1.0, done / total), text=f"Downloading MovieLens {name}: {done / total:.0%}")
        else:
            bar.progress(0.0, text=f"Downloading MovieLens {name}: {done / 1e6:.1f} MB")

    record = None
    with guarded(f"getting MovieLens {name}"):
        record = loading.movielens_record(name, progress)
    bar.empty()
    if record is not None:
        st.session_state.setdefault(state.ML_LOADED, {})[name] = record.key
    return record


def _uploads() -> DataRecord | None:
    ratings = st.file_uploader(
        "Ratings file",
        type=loading.RATINGS_TYPES,
        key=UP_RATINGS,
        help="One row per rating: user, movie, rating (and optionally a timestamp). CSV, TSV or "
        "MovieLens .dat/.data files, or a whole MovieLens .zip (its movies come along).",
    )
    movies = st.file_uploader(
        "Movies file (optional)",
        type=loading.MOVIES_TYPES,
        key=UP_MOVIES,
        help="One row per movie: id, title, genres (like 'Comedy|Drama'). Gives titles and genre colours.",
    )
    record, errors = None, []
    with guarded("reading the uploaded files"):
        record, errors = loading.uploaded_record(ratings, movies)
    st.session_state[state.UPLOAD_ERRORS] = list(errors)
    for error in errors:
        st.error(error, icon=":material/error:")
    previous = state.data()
    if errors and record is None and previous is not None:
        st.caption(f"Still using **{md(previous.label)}**.")
    if ratings is None and links.wanted() is None:
        current = md(previous.label) if previous is not None else "the demo dataset"
        st.caption(f"Upload a ratings file to use your own data. Until then **{current}** stays in use.")
    return record
