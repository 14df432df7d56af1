"""Map figures: movies (and people) placed by what the model learned, and the bias scatter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cf.data.genres import NO_GENRE, OTHER
from cf.maps.labels import short_title
from cf.plots.map_titles import REGION_FONT, spread_regions, title_trace
from cf.plots.theme import ACCENT, GRID, MUTED, PALETTE, WEBGL_THRESHOLD, _figure, plot_text


def _sizes(counts: np.ndarray, low: float = 4.0, high: float = 22.0) -> np.ndarray:
    counts = np.asarray(counts, dtype=float)
    if len(counts) == 0:
        return counts
    top = max(float(np.nanmax(counts)), 1.0)
    return low + (high - low) * np.sqrt(np.clip(counts, 0, None) / top)


def _scatter(dims: int, n_points: int, webgl: bool | None) -> type:
    if dims == 3:
        return go.Scatter3d
    use_gl = n_points > WEBGL_THRESHOLD if webgl is None else webgl
    return go.Scattergl if use_gl else go.Scatter


def _xyz(frame: pd.DataFrame, dims: int) -> dict[str, np.ndarray]:
    out = {"x": frame["x"].to_numpy(), "y": frame["y"].to_numpy()}
    if dims == 3:
        out["z"] = frame["z"].to_numpy()
    return out


def view_box(points: pd.DataFrame, dims: int, cloud: np.ndarray | None = None, pad: float = 0.06) -> np.ndarray:
    """Axis ranges (one ``[low, high]`` row per axis) that fit the ``cloud`` points (a mask; all by default), padded.

    Marked movies and people far from the cloud would otherwise stretch the axes and squash
    the cloud into a corner; :func:`clip_to` draws them at the edge instead.
    """
    axes = list("xyz"[:dims])
    coords = points[axes].to_numpy(dtype=float)
    if cloud is not None and np.asarray(cloud).any():
        coords = coords[np.asarray(cloud, dtype=bool)]
    coords = coords[np.isfinite(coords).all(axis=1)]
    if not len(coords):
        return np.tile([-1.0, 1.0], (dims, 1))
    low, high = coords.min(axis=0), coords.max(axis=0)
    margin = np.maximum((high - low) * pad, 1e-6)
    return np.column_stack([low - margin, high + margin])


def clip_to(coords: Mapping[str, Any], box: np.ndarray) -> dict[str, np.ndarray]:
    """``coords`` (``x``, ``y`` and maybe ``z`` arrays) moved into ``box``: what lies outside is drawn at its edge."""
    return {axis: np.clip(np.asarray(coords[axis], dtype=float), *box[k]) for k, axis in enumerate("xyz"[: len(box)])}


def _axes(fig: go.Figure, dims: int, axis_labels: Sequence[str], height: int, box: np.ndarray | None = None) -> None:
    labels = [plot_text(label) for label in axis_labels] + ["", "", ""]
    ranges = [None, None, None] if box is None else [list(map(float, row)) for row in box] + [None]
    if dims == 3:
        scene = {
            f"{axis}axis": dict(
                title=dict(text=labels[k]), gridcolor=GRID, backgroundcolor="rgba(0,0,0,0)", range=ranges[k]
            )
            for k, axis in enumerate("xyz")
        }
        if box is None:
            scene["aspectmode"] = "data"
        else:  # proportions of the fixed ranges, as "data" would give for the cloud alone
            extent = (box[:, 1] - box[:, 0]) / max(float((box[:, 1] - box[:, 0]).max()), 1e-12)
            scene.update(aspectmode="manual", aspectratio=dict(zip("xyz", map(float, extent))))
        fig.update_layout(scene=scene, height=height + 80, margin=dict(l=0, r=0, t=48, b=0))
    else:
        fig.update_layout(
            xaxis=dict(title=dict(text=labels[0]), showgrid=True, zeroline=True, zerolinecolor=GRID, range=ranges[0]),
            yaxis=dict(title=dict(text=labels[1]), zeroline=True, zerolinecolor=GRID, range=ranges[1]),
            height=height,
        )


MARK_SYMBOLS = {"recommended": "square", "highlight": "circle-open", "person": "diamond"}
"""Symbols of the marks on a movie map, the same in 2-D and 3-D (3-D scatters have no stars)."""
RATING_COLORS = [[0.0, "#C0392B"], [0.5, MUTED], [1.0, "#2471A3"]]
"""Diverging colour scale for a person's ratings: low red, middle grey, high blue (readable on light and dark)."""
_HOVER = (
    "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>"
    "%{customdata[2]:,} ratings · mean %{customdata[3]:.2f} ★<br>"
    "movie bias %{customdata[4]:+.2f}<extra></extra>"
)


def embedding_scatter(
    points: pd.DataFrame,
    axis_labels: Sequence[str] = ("PC1", "PC2", "PC3"),
    dims: int = 2,
    group_order: Sequence[str] | None = None,
    highlight: Sequence[int] = (),
    user: Mapping[str, Any] | None = None,
    recommended: Sequence[int] = (),
    webgl: bool | None = None,
    title: str = "The map of movies the model learned",
    height: int = 620,
    highlight_name: str = "Search results",
    recommended_name: str = "Recommended for the user",
    highlight_values: Mapping[Any, float] | None = None,
    value_range: tuple[float, float] | None = None,
    value_name: str = "Value",
    n_labels: int = 5,
    colour_name: str | None = None,
    legend_title: str = "Genre",
    size_by: str | None = "n_ratings",
    neighbours: Sequence[int] = (),
    neighbours_name: str = "Nearest neighbours",
    regions: pd.DataFrame | None = None,
    title_labels: int = 0,
    subtitle: str = "",
) -> go.Figure:
    """Movies placed by their embeddings, coloured by distinctive genre and sized by ratings.

    The axes fit the movies that are not marked; marked movies and the person further out
    are drawn at the edge, so they never squash the cloud.

    Parameters
    ----------
    points
        One row per movie: ``movieId``, ``title``, ``genres`` (text), ``group`` (colour
        group, see :func:`cf.data.genres.genre_groups`), ``n_ratings``, ``mean_rating``,
        ``bias``, ``x``, ``y`` (and ``z`` for 3-D).
    axis_labels
        Axis titles, e.g. :meth:`cf.projection.Projection.axis_labels`.
    dims
        2 or 3.
    group_order
        Legend order of the colour groups (the first ten get the palette; Other and No
        genre are grey).
    highlight
        ``movieId`` values to ring (search results, rated movies), most important first:
        the first ``n_labels`` get their title written next to them, the others on hover.
    user
        The selected person's point: ``x``, ``y`` (``z``) and ``label``.
    recommended
        ``movieId`` values of that person's recommendations, marked with squares.
    webgl
        Force WebGL on or off for 2-D; by default it is used above :data:`WEBGL_THRESHOLD` points.
    highlight_name, recommended_name
        Legend names of the ringed and the square-marked movies.
    highlight_values, value_range, value_name
        A number per ringed movie (a rating) to colour its ring by, on :data:`RATING_COLORS`
        over ``value_range`` (by default the values' own range), named ``value_name`` in
        the colour bar and on hover.
    n_labels
        How many ringed movies get a written label.
    colour_name
        Colour by the numbers in ``points["colour"]`` on a colour bar with this title, instead
        of by ``group`` (categories, with a legend titled ``legend_title``).
    size_by
        The column that sets the dots' sizes (bigger is larger); None: all the same size.
    neighbours, neighbours_name
        ``movieId`` values of a movie's nearest neighbours, ringed in a second colour, nearest first.
    regions
        Labels drawn on the map: one row per region with ``name``, ``x``, ``y`` (and ``z``).
    title_labels
        In 2-D, how many of the best-known movies get their (shortened) title written beside them,
        where it overlaps no other title (:func:`cf.maps.labels.place_labels`).
    subtitle
        A line under the title (e.g. what nearness means on the map).
    """
    dims = 3 if dims == 3 else 2
    ids = points["movieId"].to_numpy()
    marked = _isin(ids, highlight) | _isin(ids, recommended) | _isin(ids, neighbours)
    box = view_box(points, dims, cloud=~marked)
    inner = box + np.outer(box[:, 1] - box[:, 0], [0.03, -0.03])  # marks at the edge stay whole
    points = points.assign(**clip_to(points, inner))
    if user is not None:
        user = {**user, **{k: float(v[0]) for k, v in clip_to({k: [user.get(k, 0.0)] for k in "xyz"}, inner).items()}}
    trace = _scatter(dims, len(points), webgl)
    fig = _figure(
        title=dict(text=plot_text(title), subtitle=dict(text=plot_text(subtitle)), xref="paper", x=0),
        legend=dict(title=dict(text=plot_text(legend_title), side="top left"), itemsizing="constant"),
    )
    customdata = _movie_customdata(points)
    sizes = _dot_sizes(points, size_by) * (0.6 if dims == 3 else 1.0)
    if colour_name is not None:
        _value_trace(fig, trace, points, customdata, dims, sizes, colour_name)
    else:
        hover = _hover_with(f"{_one_line(legend_title)}: %{{fullData.name}}")  # the colour group in words
        _genre_traces(fig, trace, points, customdata, dims, group_order, sizes, hover)
    reserved: list = []
    if regions is not None and len(regions):
        regions = regions.assign(**clip_to(regions, inner))
        if dims == 2:
            regions, reserved = spread_regions(regions, box, height)
    placed_titles = title_labels and dims == 2
    if len(neighbours):
        rings = _neighbour_rings(trace, points, customdata, dims, list(neighbours), neighbours_name)
        if placed_titles:  # their titles go with the others, placed without overlaps
            rings.update(mode="markers", text=None, textposition=None)
        elif dims == 2 and rings.x is not None and len(rings.x):
            rings.textposition = _label_positions(points[_isin(ids, neighbours)], 2, float(box[0].mean()))
        fig.add_trace(rings)
    if placed_titles:
        first = [*list(highlight)[:n_labels], *list(neighbours)[:5]]
        fig.add_trace(title_trace(points, box, height, title_labels + len(first), first=first, reserved=reserved))
        n_labels = 0
    if regions is not None and len(regions):
        fig.add_trace(_region_labels(trace, regions, dims))
    marks = {
        "highlight": list(highlight),
        "recommended": list(recommended),
        "values": highlight_values,
        "range": value_range,
        "value_name": plot_text(value_name),
        "n_labels": n_labels,
        "names": (plot_text(highlight_name), plot_text(recommended_name)),
        "box": box,
    }
    _add_marks(fig, trace, points, customdata, dims, marks, user)
    _axes(fig, dims, axis_labels, height, box)
    if subtitle:
        fig.update_layout(margin=dict(t=72))
    if dims == 2:  # the numbers along the axes mean nothing to a reader: the words do
        fig.update_xaxes(showticklabels=False)
        fig.update_yaxes(showticklabels=False)
    return fig


def _dot_sizes(points: pd.DataFrame, size_by: str | None) -> np.ndarray:
    """Dot sizes: by number of ratings (square root), by another column (its range), or all alike."""
    if size_by is None or size_by not in points:
        return np.full(len(points), 7.0)
    if size_by == "n_ratings":
        return _sizes(points["n_ratings"].to_numpy())
    values = points[size_by].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if not len(finite) or finite.max() == finite.min():
        return np.full(len(points), 7.0)
    share = (np.nan_to_num(values, nan=finite.min()) - finite.min()) / (finite.max() - finite.min())
    return 4.0 + 18.0 * share


def _value_trace(fig, trace, points, customdata, dims: int, sizes: np.ndarray, name: str) -> None:
    """All movies in one trace, coloured by ``points["colour"]`` on a colour bar titled ``name``."""
    marker = dict(
        size=sizes,
        color=points["colour"].to_numpy(dtype=float),
        colorscale="Viridis",
        opacity=0.8,
        colorbar=dict(title=dict(text=plot_text(name)), thickness=14),
    )
    fig.add_trace(
        trace(**_xyz(points, dims), mode="markers", name="Movies", showlegend=False, marker=marker,
              customdata=np.column_stack([customdata, marker["color"]]),
              hovertemplate=_hover_with(f"{_one_line(name)}: %{{customdata[5]:~g}}"))
    )  # fmt: skip


def _hover_with(line: str) -> str:
    """The movie hover text with one more line (what the colour stands for)."""
    return _HOVER.replace("<extra>", f"<br>{line}<extra>")


def _one_line(text: str) -> str:
    return plot_text(text.replace("<br>", " "))


def _neighbour_rings(trace, points, customdata, dims: int, neighbours: list, name: str):
    """Rings in the second palette colour on a movie's nearest neighbours; the nearest five labelled."""
    mask = _isin(points["movieId"].to_numpy(), neighbours)
    rank = {movie: k for k, movie in enumerate(neighbours)}
    ringed = points[mask]
    labelled = [rank.get(movie, len(rank)) < 5 for movie in ringed["movieId"]]
    return trace(
        **_xyz(ringed, dims),
        mode="markers+text",
        name=plot_text(name),
        text=[plot_text(short_title(t)) if keep else "" for t, keep in zip(ringed["title"], labelled)],
        textposition=_label_positions(ringed, dims) if len(ringed) else "top center",
        **({"cliponaxis": False} if trace is go.Scatter else {}),
        marker=dict(
            size=15 if dims == 2 else 7, symbol=MARK_SYMBOLS["highlight"], color=PALETTE[1], line=dict(width=2)
        ),
        customdata=customdata[mask],
        hovertemplate=f"{plot_text(name)}<br>" + _HOVER,
    )


def _region_labels(trace, regions: pd.DataFrame, dims: int):
    """The taste regions' names, written at their centres."""
    text_trace = go.Scatter3d if dims == 3 else go.Scatter  # text reads better without WebGL
    return text_trace(
        **_xyz(regions, dims),
        mode="text",
        name="Taste regions",
        text=[f"<b>{plot_text(name)}</b>" for name in regions["name"]],
        textfont=dict(size=REGION_FONT),
        hoverinfo="skip",
    )


def _genre_traces(
    fig,
    trace,
    points: pd.DataFrame,
    customdata: np.ndarray,
    dims: int,
    group_order,
    sizes: np.ndarray,
    hover: str = _HOVER,
) -> None:
    """One trace per colour group (grey ones first, so the coloured ones are drawn on top)."""
    groups = list(group_order) if group_order is not None else list(dict.fromkeys(points["group"]))
    palette = iter(PALETTE)
    colors = {group: MUTED if group in (OTHER, NO_GENRE) else next(palette, MUTED) for group in groups}
    if set(points["group"]) <= {NO_GENRE}:
        # no genres to colour by (no movies file): colour by the average rating instead
        marker = dict(
            size=sizes,
            color=points["mean_rating"].to_numpy(dtype=float),
            colorscale="Viridis",
            opacity=0.8,
            colorbar=dict(title=dict(text="Average<br>rating"), thickness=14),
        )
        fig.add_trace(
            trace(**_xyz(points, dims), mode="markers", name="Movies", showlegend=False, marker=marker,
                  customdata=customdata, hovertemplate=_HOVER)
        )  # fmt: skip
        return
    for group in sorted(groups, key=lambda g: g not in (OTHER, NO_GENRE)):
        mask = (points["group"] == group).to_numpy()
        if not mask.any():
            continue
        muted = group in (OTHER, NO_GENRE)
        fig.add_trace(
            trace(
                **_xyz(points[mask], dims),
                mode="markers",
                name=plot_text(group),
                legendrank=groups.index(group),
                marker=dict(size=sizes[mask], color=colors[group], opacity=0.35 if muted else 0.8),
                customdata=customdata[mask],
                hovertemplate=hover,
            )
        )


def _columns(*columns: Sequence[object]) -> np.ndarray:
    """Stack columns into an object array that keeps numbers as numbers (for hover formats)."""
    n = len(columns[0]) if columns else 0
    out = np.empty((n, len(columns)), dtype=object)
    for k, column in enumerate(columns):
        out[:, k] = list(column)
    return out


def _movie_customdata(points: pd.DataFrame) -> np.ndarray:
    n = len(points)

    def numbers(name: str, fill: float) -> np.ndarray:
        return points[name].to_numpy(dtype=float) if name in points else np.full(n, fill)

    titles = points["title"] if "title" in points else [""] * n
    genres = points["genres"] if "genres" in points else [""] * n
    return _columns(
        [plot_text(t) for t in titles],
        [plot_text(g) for g in genres],
        numbers("n_ratings", 0.0),
        numbers("mean_rating", np.nan),
        numbers("bias", np.nan),
    )


def _label_positions(points: pd.DataFrame, dims: int, middle: float | None = None) -> list[str]:
    """Text positions for labelled points: alternately above and below (so labels of nearby points
    overlap less) and, in 2-D, towards the middle of the map, ``middle`` across (so labels are not cut
    at its edges; the points' own median when not given)."""
    order = np.argsort(np.argsort(points["y"].to_numpy()))  # rank by height
    if dims == 3:
        return ["top center" if rank % 2 else "bottom center" for rank in order]
    if middle is None:
        middle = float(np.nanmedian(points["x"])) if len(points) else 0.0
    return [
        ("top" if rank % 2 else "bottom") + (" right" if x < middle else " left")
        for x, rank in zip(points["x"].to_numpy(), order)
    ]


def _add_marks(fig, trace, points: pd.DataFrame, customdata: np.ndarray, dims: int, marks: dict, user) -> None:
    """Squares on the recommended movies, rings on the highlighted ones (the first few labelled), the person."""
    ids = points["movieId"].to_numpy()
    highlight_name, recommended_name = marks["names"]
    recommended = _isin(ids, marks["recommended"])
    if recommended.any():
        fig.add_trace(
            trace(
                **_xyz(points[recommended], dims),
                mode="markers",
                name=recommended_name,
                marker=dict(
                    size=11 if dims == 2 else 5,
                    symbol=MARK_SYMBOLS["recommended"],
                    color=ACCENT,
                    line=dict(width=1, color="white"),
                ),
                customdata=customdata[recommended],
                hovertemplate=f"{recommended_name}<br>" + _HOVER,
            )
        )
    ringed = _isin(ids, marks["highlight"])
    if ringed.any():
        fig.add_trace(_rings(trace, points[ringed], customdata[ringed], dims, marks, highlight_name))
    if user is not None:
        point = {"x": [user["x"]], "y": [user["y"]]}
        if dims == 3:
            point["z"] = [user.get("z", 0.0)]
        label = plot_text(user.get("label", "Selected user"))
        middle = marks["box"].mean(axis=1)  # label towards the middle: one at an edge is not cut off
        place = ("bottom" if user["y"] >= middle[1] else "top") + (" right" if user["x"] <= middle[0] else " left")
        marker = _user_marker(trace, point, label, dims, "<br>placed by their taste vector")
        fig.add_trace(marker.update(textposition=place) if dims == 2 else marker)


def _rings(trace, ringed: pd.DataFrame, customdata: np.ndarray, dims: int, marks: dict, name: str):
    """The ringed movies: labelled when among the first ``n_labels``, coloured by their value when given."""
    rank = {movie: k for k, movie in enumerate(marks["highlight"])}
    labelled = [rank.get(movie, len(rank)) < marks["n_labels"] for movie in ringed["movieId"]]
    marker = dict(size=18 if dims == 2 else 8, symbol=MARK_SYMBOLS["highlight"], color=ACCENT, line=dict(width=3))
    hover = _HOVER
    values = marks["values"]
    if values is not None:
        shown = np.array([float(values.get(movie, np.nan)) for movie in ringed["movieId"]])
        low, high = marks["range"] or (np.nanmin(shown), np.nanmax(shown))
        marker.update(
            color=shown,
            colorscale=RATING_COLORS,
            cmin=float(low),
            cmax=float(high) if high > low else float(low) + 1.0,
            colorbar=dict(title=dict(text=marks["value_name"]), thickness=14, len=0.6),
        )
        customdata = np.column_stack([customdata, shown.astype(object)])
        hover = f"{marks['value_name']}: %{{customdata[5]:g}} ★<br>" + _HOVER
    return trace(
        **_xyz(ringed, dims),
        mode="markers+text" if any(labelled) else "markers",
        name=name,
        text=[plot_text(short_title(t)) if keep else "" for t, keep in zip(ringed["title"], labelled)],
        textposition=_label_positions(ringed, dims, float(marks["box"][0].mean())),
        **({"cliponaxis": False} if trace is go.Scatter else {}),
        marker=marker,
        customdata=customdata,
        hovertemplate=hover,
    )


def user_scatter(
    points: pd.DataFrame,
    axis_labels: Sequence[str] = ("PC1", "PC2", "PC3"),
    dims: int = 2,
    selected: object | None = None,
    webgl: bool | None = None,
    height: int = 620,
) -> go.Figure:
    """Users placed in the movie map by their taste vectors, coloured by their average rating.

    ``points`` has one row per user: ``userId``, ``n_ratings``, ``mean_rating``, ``x``,
    ``y`` (and ``z``). ``selected`` is a ``userId`` to mark.
    """
    dims = 3 if dims == 3 else 2
    trace = _scatter(dims, len(points), webgl)
    fig = _figure(title=dict(text="Users in the same space: each sits towards the movies it likes"))
    sizes = _sizes(points["n_ratings"].to_numpy(), 4.0, 16.0) * (0.6 if dims == 3 else 1.0)
    ids = [plot_text(u) for u in points["userId"]]
    customdata = _columns(ids, points["n_ratings"].to_numpy(), points["mean_rating"].to_numpy())
    fig.add_trace(
        trace(
            **_xyz(points, dims),
            mode="markers",
            name="Users",
            showlegend=False,
            marker=dict(
                size=sizes,
                color=points["mean_rating"].to_numpy(),
                colorscale="Viridis",
                opacity=0.75,
                colorbar=dict(title=dict(text="Average<br>rating given"), thickness=14),
            ),
            customdata=customdata,
            hovertemplate=(
                "<b>User %{customdata[0]}</b><br>%{customdata[1]:,} ratings · "
                "average %{customdata[2]:.2f} ★<extra></extra>"
            ),
        )
    )
    if selected is not None:
        mask = (points["userId"] == selected).to_numpy()
        if mask.any():
            label = plot_text(f"User {selected}")
            fig.add_trace(_user_marker(trace, _xyz(points[mask], dims), label, dims))
    _axes(fig, dims, axis_labels, height)
    return fig


# -- what the model learned ------------------------------------------------------------


def bias_scatter(
    movies: pd.DataFrame, highest: Sequence[int] = (), lowest: Sequence[int] = (), height: int = 420
) -> go.Figure:
    """Each movie's learned bias against its raw average rating.

    ``movies`` has ``movieId``, ``title``, ``genres``, ``n_ratings``, ``mean_rating`` and
    ``bias``; ``highest`` and ``lowest`` are ``movieId`` values to colour (the extremes).
    A movie above the trend is liked more than its average suggests (its raters are
    harsh ones), one below it less.
    """
    fig = _figure(
        title=dict(text="Learned bias against average rating"),
        xaxis=dict(title=dict(text="Average rating (stars)"), showgrid=True),
        yaxis=dict(title=dict(text="Learned movie bias"), zeroline=True, zerolinecolor=GRID),
        height=height,
    )
    ids = movies["movieId"].to_numpy()
    customdata = _movie_customdata(movies)
    hover = (
        "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]:,} ratings · "
        "mean %{customdata[3]:.2f} ★<br>bias %{customdata[4]:+.2f}<extra></extra>"
    )
    marks = [
        ("Other movies", np.ones(len(ids), dtype=bool), MUTED, 0.45),
        ("Highest bias", _isin(ids, highest), PALETTE[4], 0.95),
        ("Lowest bias", _isin(ids, lowest), PALETTE[2], 0.95),
    ]
    marks[0] = (marks[0][0], ~(marks[1][1] | marks[2][1]), MUTED, 0.45)
    trace = _scatter(2, len(ids), None)
    for name, mask, color, opacity in marks:
        if not mask.any():
            continue
        fig.add_trace(
            trace(
                x=movies["mean_rating"].to_numpy(dtype=float)[mask],
                y=movies["bias"].to_numpy(dtype=float)[mask],
                mode="markers",
                name=name,
                marker=dict(size=_sizes(movies["n_ratings"].to_numpy()[mask], 4, 16), color=color, opacity=opacity),
                customdata=customdata[mask],
                hovertemplate=hover,
            )
        )
    return fig


def _isin(ids: np.ndarray, chosen: Sequence[object]) -> np.ndarray:
    if not len(chosen):
        return np.zeros(len(ids), dtype=bool)
    return np.isin(ids, np.asarray(list(chosen), dtype=ids.dtype))


def _user_marker(trace, point: Mapping[str, Any], label: str, dims: int, hover_extra: str = ""):
    """The labelled diamond that marks one person on a map."""
    return trace(
        **point,
        mode="markers+text",
        name=label,
        text=[label],
        textposition="bottom center",
        marker=dict(
            size=20 if dims == 2 else 9, symbol=MARK_SYMBOLS["person"], color=ACCENT, line=dict(width=2, color="white")
        ),
        hovertemplate=f"<b>{label}</b>{hover_extra}<extra></extra>",
    )
