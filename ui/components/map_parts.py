"""Parts of the Embeddings screen's movie map that only draw: the t-SNE/UMAP settings, the tables of
taste regions and similar movies, and the downloads (the screen decides what they show)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cf.data import genres
from cf.maps import points as map_points
from cf.maps.layouts import LayoutSettings
from cf.maps.regions import Regions
from ui.components.common import count, counted, csv_bytes, md
from ui.components.similar import SIMILAR_CAPTION, in_percent, match_column
from ui.components.widgets import CHART_CONFIG, movie_table
from ui.session.state import ModelRecord

# -- widget keys of the map's parts (the page, its links and the tests use these strings) --
PERPLEXITY = "cf.emb_perplexity"
NEIGHBOURS = "cf.emb_neighbours"
MIN_DIST = "cf.emb_min_dist"
IMAGE = "cf.emb_image"

TSNE, UMAP = "t-SNE", "UMAP"
MAX_MATCHES = 50
"""Search results ringed on the map (the best matches)."""
LABELLED_MATCHES = 5
"""Search results labelled with their title on the map (the others show it on hover)."""


def layout_settings(method: str, dims: int) -> LayoutSettings:
    """The t-SNE or UMAP settings (a popover beside the method); the defaults for other methods."""
    if method not in (TSNE, UMAP):
        return LayoutSettings(dims=dims)
    with st.popover("Settings", icon=":material/tune:"):
        if method == TSNE:
            perplexity = st.slider(
                "Perplexity",
                5,
                50,
                30,
                key=PERPLEXITY,
                persist_state="session",
                help="About how many neighbours each point keeps close: low shows small tight groups, "
                "high shows the broad layout.",
            )
            return LayoutSettings("tsne", dims, perplexity=float(perplexity))
        neighbours = st.slider(
            "Neighbours",
            5,
            100,
            15,
            key=NEIGHBOURS,
            persist_state="session",
            help="How many neighbours shape each point's place: few show local detail, many the global shape.",
        )
        min_dist = st.slider(
            "Minimum distance",
            0.0,
            0.99,
            0.1,
            step=0.01,
            key=MIN_DIST,
            persist_state="session",
            help="How tightly points may pack: small values give dense clumps, large ones an even spread.",
        )
        return LayoutSettings("umap", dims, n_neighbors=int(neighbours), min_dist=float(min_dist))


def projector_downloads(record: ModelRecord) -> None:
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


def chart_config(name: str) -> dict:
    """The map's toolbar: its camera button saves a PNG (3x) or an SVG, as chosen under the map."""
    fmt = st.session_state.get(IMAGE) or "PNG"
    options = {"format": fmt.lower(), "filename": name, **({"scale": 3} if fmt == "PNG" else {})}
    return {**CHART_CONFIG, "toImageButtonOptions": options}


def map_downloads(points: pd.DataFrame, labels: list[str], dims: int, name: str, columns: list[str]) -> None:
    """The shown points' coordinates as CSV, and the image format of the chart's camera button."""
    axes = list("xyz"[:dims])
    frame = points[[c for c in columns if c in points] + axes].rename(columns=dict(zip(axes, labels)))
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.download_button(
            "Coordinates (CSV)",
            data=csv_bytes(frame),
            file_name=f"{name}.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key=f"cf.{name}_csv",
            help="The points on the map with their coordinates on its axes.",
        )
        st.segmented_control(
            "Camera button saves",
            ["PNG", "SVG"],
            default="PNG",
            required=True,
            key=IMAGE,
            persist_state="session",
            help="The camera in the chart's toolbar downloads the view as it is: PNG at 3x resolution, or SVG.",
        )


def regions_table(regions: Regions) -> None:
    """The taste regions with their size, how well their names fit, and their best-known titles."""
    st.markdown("##### Taste regions")
    truth = regions.truth()
    fits = f" On average {truth:.0%} of a region's movies list a genre of its name." if truth == truth else ""
    st.caption(
        f"The {count(len(regions.clustered))} movies on the map grouped by the people who like them (k-means of "
        "their directions); movies further down the list join the nearest group. Each region is named by the "
        "genres that set it apart (those its movies list far more often than the others do), or by its "
        f"best-known titles when no genre does.{fits}"
    )
    st.dataframe(
        regions.table.assign(truth=(regions.table["truth"] * 100).round()),
        hide_index=True,
        width="stretch",
        column_order=["name", "movies", "truth", "titles"],
        column_config={
            "name": st.column_config.TextColumn("Region", width=200),
            "movies": st.column_config.NumberColumn("Movies", format="%d", width=70,
                                                    help="How many of the movies on the map are in it."),
            "truth": st.column_config.ProgressColumn(
                "Name fits", min_value=0, max_value=100, format="%d%%", width=90,
                help="The share of its movies that list a genre of its name (blank: named by titles).",
            ),
            "titles": st.column_config.TextColumn("Best-known titles", width="large"),
        },
        key="cf.regions_table",
    )  # fmt: skip


def search_results(query: str, matches: pd.DataFrame, neighbours: pd.DataFrame) -> None:
    """How many titles the search found, and the first one's similar movies (the Movies screen's list)."""
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
    st.caption(f"{SIMILAR_CAPTION} The same list as on the Movies screen; ringed on the map.")
    st.dataframe(
        in_percent(neighbours),
        hide_index=True,
        width="stretch",
        column_order=["title", "match", "genres", "n_ratings", "mean_rating"],
        column_config={
            "title": st.column_config.TextColumn("Movie", width="large"),
            "match": match_column(),
            "genres": st.column_config.TextColumn("Genres"),
            "n_ratings": st.column_config.NumberColumn("Ratings", format="%d"),
            "mean_rating": st.column_config.NumberColumn("Average rating", format="%.2f ★"),
        },
        key="cf.similar_table",
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
    """One row per user (most active first): id, number and average of their ratings (cached)."""
    if "user_points" not in record.cache:
        record.cache["user_points"] = map_points.user_table(record.recommender)
    return record.cache["user_points"]
