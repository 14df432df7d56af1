"""The Embeddings screen: the map of movies (and users) the model learned, by PCA, t-SNE, UMAP or
axes from concept to concept, coloured and sized by any attribute, with taste regions and neighbours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from cf import plots
from cf.data import extras, genres
from cf.maps import points as map_points
from cf.maps.labels import DEFAULT_LABELS
from cf.maps.layouts import NAMES
from cf.maps.regions import centres
from ui.components import job_panel, map_parts
from ui.components.common import count, md, wrapping_columns
from ui.components.map_parts import (
    LABELLED_MATCHES,
    MAX_MATCHES,
    chart_config,
    layout_settings,
    map_downloads,
    projector_downloads,
    regions_table,
    search_results,
)
from ui.components.widgets import (
    DEFAULT_MIN_RATINGS,
    axis_labels,
    chart,
    find_movies,
    movie_table,
    no_model,
    projected,
    selected_user,
)
from ui.jobs import map_layout as maps
from ui.session import state
from ui.session.links import FLAG, Linked, LinkedGroup
from ui.session.state import DataRecord, ModelRecord

# -- widget keys of this screen (the page, CSS and the tests use these strings) --
VIEW = "cf.emb_view"
DIMS = "cf.emb_dims"
MOVIE_COUNT = "cf.emb_count"
USER_COUNT = "cf.emb_users"
QUERY = "cf.emb_query"
SHOW_USER = "cf.emb_show_user"
GENRES = "cf.emb_genres"
METHOD = "cf.emb_method"
COLOUR = "cf.emb_colour"
SIZE = "cf.emb_size"
REGIONS = "cf.emb_regions"
N_REGIONS = "cf.emb_k"
TITLES = "cf.emb_titles"
REGEX = "cf.emb_regex"
NEIGHBOUR_COUNT = "cf.emb_nb_count"
ISOLATE = "cf.emb_isolate"
AXES = tuple(f"cf.emb_axis_{axis}_{end}" for axis in "xyz" for end in ("from", "to"))
"""The custom axes' ends: x from, x to, y from, y to, z from, z to."""

MOVIES, USERS = "Movies", "Users"
DEFAULT_MOVIES = 300
DEFAULT_USERS = 500
PCA, TSNE, UMAP, CUSTOM = "PCA", "t-SNE", "UMAP", "Custom axes"
METHOD_CODES = {PCA: "pca", TSNE: "tsne", UMAP: "umap", CUSTOM: "axes"}
GENRE, REGION = "Genre", "Taste region"
COLOURS = {GENRE: "group", "Release year": "year", "Average rating": "mean_rating",
           "Number of ratings": "n_ratings", "Learned bias": "bias", REGION: "region"}  # fmt: skip
SIZES = {"Number of ratings": "n_ratings", "Average rating": "mean_rating", "Learned bias": "bias",
         "Release year": "year", "Same size": None}  # fmt: skip
EXTRA = "extra:"
"""The colour and size codes of the movies file's own columns: ``extra:<column>``."""
LINKED = (
    Linked("show", VIEW, MOVIES, {"movies": MOVIES, "users": USERS}),
    Linked("dims", DIMS, "2D", {"2": "2D", "3": "3D"}),
    Linked("map", METHOD, PCA, {code: method for method, code in METHOD_CODES.items()}),
    Linked("perp", map_parts.PERPLEXITY, 30, int),
    Linked("nn", map_parts.NEIGHBOURS, 15, int),
    Linked("mindist", map_parts.MIN_DIST, 0.1, float),
    Linked("colour", COLOUR, GENRE, str),
    Linked("size", SIZE, "Number of ratings", str),
    Linked("regions", REGIONS, False, FLAG),
    Linked("k", N_REGIONS, 8, int),
    Linked("q", QUERY, "", str),
    Linked("regex", REGEX, False, FLAG),
    Linked("nb", NEIGHBOUR_COUNT, 10, int),
    Linked("isolate", ISOLATE, False, FLAG),
    Linked("titles", TITLES, DEFAULT_LABELS, int),
    LinkedGroup("axes", AXES, when=(METHOD, CUSTOM)),
)
"""The map's view a page link carries (:mod:`ui.session.links`; ``app.py`` hands it over for this tab):
URL name, widget, the widget's default (not written), and the URL's values."""
FROM_FILE = " (movies file)"
"""Added to the names of the movies file's own columns in the Colour by and Size by choices."""
DEFAULT_AXES = (("Horror", "Romance"), ("Children", "Crime"), ("Comedy", "Drama"))
"""The custom axes' ends to start with, where the data has these genres."""


@dataclass
class Look:
    """How the movies are drawn: colour and size (the chosen labels and their codes), taste regions."""

    colour: str
    colour_code: str
    size: str
    size_code: str | None
    regions: bool
    k: int
    drawn: int = DEFAULT_MOVIES
    """The regions are fitted on this many of the most rated movies (those the map draws)."""
    titles: int = DEFAULT_LABELS
    """How many best-known titles the 2D map writes."""


@dataclass
class Placement:
    """Where the map puts movies and users (None: not placed by this method) and its axis titles."""

    movies: np.ndarray | None
    users: np.ndarray | None
    labels: list[str]
    method: str
    note: str = ""


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
            key=VIEW,
            persist_state="session",
            help="Movies: each dot is a movie. Users: each dot is a person, placed by their taste.",
        )
        dims = st.segmented_control(
            "Axes",
            ["2D", "3D"],
            default="2D",
            required=True,
            key=DIMS,
            persist_state="session",
            help="3D adds a third axis; drag to rotate.",
        )
        slot = st.container(width="stretch")  # the view's "how many" slider takes the rest of the row
    n_dims = 3 if dims == "3D" else 2
    placement = _placement(record, view, n_dims)
    if view == USERS:
        _users_view(record, placement, n_dims, slot)
    else:
        _movies_view(record, placement, n_dims, slot)
    _explain(record, placement, view, n_dims)
    projector_downloads(record)


# -- where the points go: PCA, t-SNE, UMAP or custom axes -----------------------------


def _placement(record: ModelRecord, view: str, dims: int) -> Placement:
    """The map's method and settings (controls), and the coordinates it gives (PCA while others compute)."""
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        method = st.segmented_control(
            "Map",
            [PCA, TSNE, UMAP, CUSTOM],
            default=PCA,
            required=True,
            key=METHOD,
            persist_state="session",
            help="PCA: the directions of largest spread (fast, distances are faithful). t-SNE and UMAP: "
            "neighbourhoods kept, so groups of similar movies stand out (distances between groups mean less). "
            "Custom axes: each axis runs from one genre, movie or search term to another.",
        )
        settings = layout_settings(method, dims)
    job = None
    if method in (TSNE, UMAP):
        job = maps.layout_job(record, maps.USERS if view == USERS else maps.MOVIES, settings)
    _wait_for(job if job is not None and job.running else None)  # on every run: the progress's place
    if method == CUSTOM:
        custom = _custom_axes(record, view, dims)
        if custom is not None:
            return custom
    elif job is not None:
        if job.error:
            st.error(job.error, icon=":material/error:")
        elif not job.running:
            layout = job.layout
            note = ""
            if layout.sampled:
                noun = "users" if view == USERS else "movies"
                note = (
                    f"{NAMES[settings.method]} is fitted on a sample: the {count(len(layout.fitted))} "
                    f"{'most active' if view == USERS else 'most rated'} of {count(len(layout.coords))} {noun} "
                    "(all of them would take minutes); the others are placed beside their nearest fitted "
                    f"neighbours, so search still finds all {noun}."
                )
            coords = layout.coords
            if view == USERS:
                return Placement(None, coords, layout.axis_labels(), method, note)
            return Placement(coords, None, layout.axis_labels(), method, note)
    projection, movie_xyz, user_xyz = projected(record, dims)
    labels = axis_labels(projection, dims, record.cache.get("axis_names"))
    return Placement(movie_xyz, user_xyz, labels, PCA)


def _wait_for(job: maps.LayoutJob | None) -> None:
    """Progress of a layout being computed (the shared job bar); the page is redrawn with it once it is ready.
    With None, the empty place kept for it."""

    def draw(layout: maps.LayoutJob) -> None:
        job_panel.bar(layout, " The PCA map is shown meanwhile.")

    job_panel.live_place("map", job, draw, "showing the map's progress")


def _custom_axes(record: ModelRecord, view: str, dims: int) -> Placement | None:
    """Axes from concept to concept typed by the person; None (with a message) when they do not resolve."""
    table, _ = movie_table(record)
    rec = record.recommender
    known = set(genres.genres_by_count(table["genre_list"]))
    names = ("Across", "Up", "Depth")
    pairs = []
    columns = st.columns(dims)
    for axis in range(dims):
        low_default, high_default = DEFAULT_AXES[axis] if set(DEFAULT_AXES[axis]) <= known else ("", "")
        with columns[axis]:
            low = st.text_input(
                f"{names[axis]}: from",
                value=low_default,
                key=AXES[2 * axis],
                persist_state="session",
                help="A genre (the mean of its movies), a movie title, or a search term (the mean of its "
                "best 20 matches).",
            )
            high = st.text_input(
                f"{names[axis]}: to", value=high_default, key=AXES[2 * axis + 1], persist_state="session"
            )
        pairs.append((low, high))

    def search(text: str) -> np.ndarray:
        return find_movies(record, text)["index"].to_numpy()

    try:
        fitted = map_points.custom_axes(rec, pairs, search)
    except ValueError as error:
        st.warning(f"{error} The PCA map is shown meanwhile.", icon=":material/edit:")
        return None
    if view == USERS:
        return Placement(None, fitted.users(rec.user_vectors()), fitted.labels, CUSTOM)
    return Placement(fitted.movies(rec.item_vectors()), None, fitted.labels, CUSTOM)


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


def _movies_view(record: ModelRecord, placement: Placement, dims: int, slot) -> None:
    table, _ = movie_table(record)
    with slot:
        n_shown = _how_many(
            "Movies shown (most rated first)",
            len(table),
            DEFAULT_MOVIES,
            MOVIE_COUNT,
            "Rarely rated movies have noisy positions, so the map starts with the most rated ones. "
            "Slide right to show all of them.",
        )
    search_col, regex_col, user_col = wrapping_columns([3, 1, 2], "embed_search", vertical_alignment="bottom")
    with search_col:
        query = st.text_input(
            "Find a movie",
            key=QUERY,
            persist_state="session",
            placeholder="Type part of a title",
            help="Matching movies are ringed on the map, even if they are not among the most rated; the "
            "first one's nearest neighbours are listed below.",
        )
    with regex_col:
        regex = st.toggle(
            "Regular expression",
            key=REGEX,
            persist_state="session",
            help="Match titles with a regular expression (any case), e.g. ^Star or \\(19[5-6]\\d\\).",
        )
    user = selected_user(record)
    with user_col:
        show_user = user is not None and st.toggle(
            f"Mark User {user} and their top 10",
            value=True,
            key=SHOW_USER,
            persist_state="session",
            help="Choose the user on the User screen. The diamond is the user (on the PCA map); squares are "
            "their recommendations.",
        )
    look = _look_controls(record)
    look.drawn = n_shown
    rec = record.recommender
    query = query.strip()
    matches = _matches(record, query, regex)
    neighbours, isolate = _neighbour_controls(record, matches)
    recommended: list = []
    user_point = None
    if show_user:
        min_count = int(st.session_state.get(state.MIN_RATINGS, DEFAULT_MIN_RATINGS) or 0)
        recommended = rec.recommend(user, 10, min_ratings=min_count)["movieId"].tolist()
        if placement.users is not None:
            index = rec.user_index(user)
            user_point = {"label": f"User {user}", **dict(zip("xyz", placement.users[index]))}
    ringed = matches.head(MAX_MATCHES)
    neighbour_rows = table[table["index"].isin(neighbours["index"])]
    extra = table[table["movieId"].isin(recommended)] if recommended else table.iloc[:0]
    if isolate and len(ringed):
        points = pd.concat([ringed.head(1), neighbour_rows]).drop_duplicates("movieId")
    else:
        points = pd.concat([table.head(n_shown), ringed, extra, neighbour_rows]).drop_duplicates("movieId")
    points = map_points.with_coords(points, placement.movies)
    placed = points[list("xyz"[:dims])].notna().all(axis=1)
    points = _with_attributes(record, points[placed], look)
    group_order = _colour_groups(record, look)
    regions = None
    if look.regions:
        found = maps.taste_regions(record, look.k, look.drawn)
        regions = centres(placement.movies, found.labels, found.table, among=found.clustered)
    figure = plots.embedding_scatter(
        points,
        map_points.axis_titles(METHOD_CODES[placement.method], placement.labels),
        dims=dims,
        group_order=group_order,
        highlight=ringed["movieId"].tolist(),
        user=user_point,
        recommended=recommended,
        n_labels=LABELLED_MATCHES,
        colour_name=look.colour if group_order is None else None,
        legend_title=look.colour,
        size_by="size" if look.size_code and look.size_code.startswith(EXTRA) else look.size_code,
        neighbours=neighbour_rows["movieId"].tolist(),
        neighbours_name=f"Most like {ringed.iloc[0]['title']}" if len(ringed) else "Similar movies",
        regions=regions,
        title=f"The map of movies the model learned ({NAMES.get(METHOD_CODES[placement.method], placement.method)})",
        title_labels=look.titles,
        subtitle=map_points.NEARBY
        if placement.method != CUSTOM
        else "Each axis runs from one kind of movie to another",
    )
    chart(figure, "movie_map", "movie-map", chart_config("movie-map"))
    st.caption(_movies_caption(record, points, table, look, placement))
    about = ["movieId", "title", "genres", "n_ratings", "mean_rating"]
    map_downloads(points, placement.labels, dims, "movie-map", about)
    if look.regions:
        regions_table(maps.taste_regions(record, look.k, look.drawn))
    if query:
        search_results(query, matches, neighbours)


def _look_options(record: ModelRecord) -> tuple[dict[str, str], dict[str, str | None]]:
    """The Colour by and Size by choices (label: code): the built-in ones, then the movies file's own
    columns (all of them for colour, the numeric ones for size)."""
    columns = record.recommender.movie_columns()
    colours = {**COLOURS, **{f"{name}{FROM_FILE}": EXTRA + name for name in columns}}
    numeric = {f"{name}{FROM_FILE}": EXTRA + name for name, kind in columns.items() if kind == extras.NUMBER}
    sizes = {**{k: v for k, v in SIZES.items() if v is not None}, **numeric, "Same size": None}
    for key, options, default in ((COLOUR, colours, GENRE), (SIZE, sizes, list(SIZES)[0])):
        if st.session_state.get(key) not in (None, *options):  # e.g. a link's column another model lacks
            st.session_state[key] = default
    return colours, sizes


def _look_controls(record: ModelRecord) -> Look:
    """Colour by, size by, taste regions on and how many (the genre picker too, when colouring by genre)."""
    colours, sizes = _look_options(record)
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        colour = st.selectbox(
            "Colour by", list(colours), key=COLOUR, persist_state="session",
            help="Genre, taste region and text columns get a legend (a column's 10 most frequent values, the "
            "rest as Other); numbers get a colour bar. Columns marked (movies file) come from the uploaded "
            "movies file.",
        )  # fmt: skip
        size_by = st.selectbox("Size by", list(sizes), key=SIZE, persist_state="session")
        regions_on = st.toggle(
            "Taste regions",
            key=REGIONS,
            persist_state="session",
            help="Group the movies on the map by the people who like them (k-means of their directions) and "
            "name each group by the genres that set it apart, or its best-known titles; the names are written "
            "on the map and listed below it.",
        )
        titles = st.slider(
            "Titles written", 0, 60, DEFAULT_LABELS, step=5, key=TITLES, persist_state="session",
            help="How many of the best-known movies have their title written on the 2D map (fewer where they "
            "would overlap); the others show theirs on hover.",
        )  # fmt: skip
        k = 8
        if regions_on or colour == REGION:
            k = st.slider("Regions", 2, len(plots.PALETTE), 8, key=N_REGIONS, persist_state="session")
    if colour == GENRE:
        st.session_state["cf.emb_chosen"] = _genre_picker(record)
    return Look(colour, colours[colour], size_by, sizes[size_by], regions_on, k, titles=int(titles))


def _matches(record: ModelRecord, query: str, regex: bool) -> pd.DataFrame:
    """Movies whose title matches the search (most rated first for a regular expression)."""
    table, _ = movie_table(record)
    if not query:
        return table.iloc[:0]
    if not regex:
        return find_movies(record, query)
    try:
        return table[map_points.pattern_matches(table["title"], query)]
    except ValueError as error:
        st.warning(
            f"{md(str(error))} Fix it, or turn off *Regular expression* to search the usual way.",
            icon=":material/search_off:",
        )
        return table.iloc[:0]


def _neighbour_controls(record: ModelRecord, matches: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """The first match's most similar movies (the Movies screen's list, :mod:`cf.similar`), how many,
    and whether to show only them."""
    if matches.empty:
        return pd.DataFrame({"index": []}, dtype=int), False
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        n = st.slider(
            "Similar movies", 5, 100, 10, key=NEIGHBOUR_COUNT, persist_state="session",
            help="How many of the first match's most similar movies to list and ring on the map (the same "
            "list as on the Movies screen).",
        )  # fmt: skip
        isolate = st.toggle(
            "Isolate", key=ISOLATE, persist_state="session",
            help="Show only the first match and its similar movies.",
        )  # fmt: skip
    rec = record.recommender
    found = rec.similar_movies(matches.iloc[0]["movieId"], int(n))
    found.insert(0, "index", rec.items.to_index(found["movieId"]))
    return found, isolate


def _with_attributes(record: ModelRecord, points: pd.DataFrame, look: Look) -> pd.DataFrame:
    """``points`` with the release year, the colour column or group (legend category), and the size."""
    rec = record.recommender
    rows = points["index"].to_numpy()
    years = rec.movies.frame["year"].reindex(rec.items.ids).to_numpy(dtype=float, na_value=np.nan)
    points = points.assign(year=years[rows])
    if look.size_code is not None and look.size_code.startswith(EXTRA):
        points = points.assign(size=rec.movie_column(look.size_code[len(EXTRA) :])[rows].astype(float))
    code = look.colour_code
    if code == "group":
        groups, _ = map_parts.genre_colours(record, st.session_state.get("cf.emb_chosen") or [])
        return points.assign(group=groups.loc[points.index].to_numpy())
    if code == "region":
        return points.assign(group=maps.taste_regions(record, look.k, look.drawn).names()[rows])
    if code.startswith(EXTRA):
        name = code[len(EXTRA) :]
        if rec.movie_columns()[name] == extras.TEXT:
            return points.assign(group=maps.column_groups(record, name)[0][rows])
        return points.assign(colour=rec.movie_column(name)[rows].astype(float))
    return points.assign(colour=points[code].to_numpy(dtype=float))


def _colour_groups(record: ModelRecord, look: Look) -> list[str] | None:
    """The legend's order when the colour is a category; None for a colour bar."""
    code = look.colour_code
    if code == "group":
        return map_parts.genre_colours(record, st.session_state.get("cf.emb_chosen") or [])[1]
    if code == "region":
        return maps.taste_regions(record, look.k, look.drawn).table["name"].tolist()
    if code.startswith(EXTRA) and record.recommender.movie_columns()[code[len(EXTRA) :]] == extras.TEXT:
        return maps.column_groups(record, code[len(EXTRA) :])[1]
    return None


def _movies_caption(record, points, table, look: Look, placement: Placement) -> str:
    _, order = movie_table(record)
    chosen = st.session_state.get("cf.emb_chosen") or []
    if look.colour_code.startswith(EXTRA):
        what = f"the movies file's column “{md(look.colour_code[len(EXTRA) :])}”"
    elif look.colour != GENRE:
        what = look.colour.lower()
    elif set(order) - {plots.NO_GENRE}:
        what = "the genres you picked" if chosen else "each movie's most distinctive genre (its rarest listed one)"
    else:
        what = "the movie's average rating (no genres were loaded)"
    if look.size_code is None:
        size = "all the same"
    elif look.size_code.startswith(EXTRA):
        size = f"the movies file's column “{md(look.size_code[len(EXTRA) :])}”"
    else:
        size = look.size.lower()
    note = f" {placement.note}" if placement.note else ""
    return (
        f"Showing {count(len(points))} of {count(len(table))} movies. Colour: {what}; size: {size}. "
        f"Marked movies far from the cloud are drawn at its edge.{note} "
        "Hover a dot for details; drag to zoom, double-click to reset."
    )


def _genre_picker(record: ModelRecord) -> list[str]:
    """Genres a person chose to colour the map by (empty: the automatic choice)."""
    table, _ = movie_table(record)
    options = genres.genres_by_count(table["genre_list"])
    if not options:
        return []
    return st.multiselect(
        "Colour genres",
        options,
        key=GENRES,
        max_selections=len(plots.PALETTE),
        placeholder="Automatic: each movie's most distinctive genre",
        help="Pick genres to highlight: each movie takes the rarest of its genres among those you pick; "
        "movies with none of them are grey. Leave empty for the automatic choice.",
    )


def _users_view(record: ModelRecord, placement: Placement, dims: int, slot) -> None:
    table = map_parts.user_points(record)
    with slot:
        n_shown = _how_many(
            "Users shown (most active first)",
            len(table),
            DEFAULT_USERS,
            USER_COUNT,
            "People with few ratings have uncertain positions, so the map starts with the most active ones.",
        )
    user = selected_user(record)
    shown = table.head(n_shown)
    if user is not None and not (shown["userId"] == user).any():
        shown = pd.concat([shown, table[table["userId"] == user]])
    points = map_points.with_coords(shown, placement.users)
    points = points[points[list("xyz"[:dims])].notna().all(axis=1)]
    words = map_points.axis_titles(METHOD_CODES[placement.method], placement.labels)
    figure = plots.user_scatter(points, words, dims=dims, selected=user)
    chart(figure, "user_map", "user-map", chart_config("user-map"))
    where = {
        PCA: "placed with the movie axes so each sits towards the movies the model thinks they like",
        CUSTOM: "placed by how much more the model expects each to like one end of an axis than the other",
    }.get(placement.method, "placed by their taste vectors, people with similar taste close together")
    note = f" {placement.note}" if placement.note else ""
    st.caption(
        f"Showing {count(len(points))} of {count(len(table))} users, {where}. Colour: their average rating; "
        f"size: how many they rated. The diamond is User {md(user)}, chosen on the User screen.{note}"
    )
    map_downloads(points, placement.labels, dims, "user-map", ["userId", "n_ratings", "mean_rating"])


def _explain(record: ModelRecord, placement: Placement, view: str, dims: int) -> None:
    """What the map's axes are, for those who ask (a closed details part: the map itself says it in words)."""
    with st.expander("About this map's axes", icon=":material/info:"):
        if placement.method == PCA:
            projection, _, _ = projected(record, dims)
            shares = projection.explained_variance_ratio
            parts = ", ".join(f"PC{k + 1} {share:.1%}" for k, share in enumerate(shares))
            st.caption(
                "PCA: the axes are the directions in which the movies' taste vectors differ most (principal "
                f"components). Share of the movie vectors' variance each axis explains: {parts} "
                f"({shares.sum():.1%} together). Movies close together are liked by the same people."
            )
        elif placement.method == CUSTOM:
            st.caption(
                "Each axis runs from its first concept to its second: a movie's place is how far its vector's "
                "direction leans towards the second (0 is the average movie). A genre's point is the mean "
                "direction of its movies, the often rated ones counting more."
            )
        else:
            st.caption(
                f"{placement.method} keeps each point's nearest neighbours (by the direction of the vectors) "
                "close; the axes have no meaning of their own and the distances between far groups are not to "
                f"scale. Its axes are called {', '.join(placement.labels)} in the CSV download."
            )
    if record.config.model == "nn":
        st.caption(
            "This is the neural model: it combines the vectors in a network, so distances on the map are a "
            "rougher guide than for the dot-product models."
        )
