"""The plotly figures in ``cf.plots``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from cf import plots
from cf.data.genres import genre_groups
from cf.evaluation import TopNReport
from cf.maps.labels import short_title
from tests.helpers import list_scores, rating_scores


def movie_points(n: int = 40, dims: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    genres = [["Drama"], ["Comedy", "Drama"], ["Horror"], [], ["Western"]]
    lists = [genres[k % len(genres)] for k in range(n)]
    groups, _ = genre_groups(lists, n_top=2)
    frame = pd.DataFrame(
        {
            "movieId": np.arange(1, n + 1),
            "title": [f"Movie <b>{k}</b> (2000)" for k in range(n)],
            "genres": [", ".join(g) for g in lists],
            "group": groups,
            "n_ratings": rng.integers(1, 500, n),
            "mean_rating": rng.uniform(1, 5, n),
            "bias": rng.normal(0, 0.3, n),
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
        }
    )
    if dims == 3:
        frame["z"] = rng.normal(size=n)
    return frame


def test_template_is_registered_and_used():
    assert pio.templates["cf"] == plots.TEMPLATE
    figure = plots.rating_histogram([1, 2, 2, 3, 5], (1, 5))
    assert list(figure.layout.template.layout.colorway) == list(plots.PALETTE)
    assert figure.layout.template.layout.paper_bgcolor == "rgba(0,0,0,0)"


def test_palette_is_ten_distinct_hex_colours():
    assert len(set(plots.PALETTE)) == 10
    assert all(c.startswith("#") and len(c) == 7 for c in plots.PALETTE)


def test_rating_histogram_counts_each_star_value():
    figure = plots.rating_histogram([0.5, 4, 4, 4.5, 5, 5, 5], (0.5, 5))
    (bar,) = figure.data
    assert list(bar.x) == [0.5, 4.0, 4.5, 5.0] and list(bar.y) == [1, 2, 1, 3]
    assert list(figure.layout.xaxis.ticktext) == ["0.5", "4", "4.5", "5"]
    same = plots.rating_histogram(counts=pd.Series({0.5: 1, 4.0: 2, 4.5: 1, 5.0: 3}), scale=(0.5, 5))
    assert list(same.data[0].y) == list(bar.y)


def test_rating_histogram_bins_continuous_scores():
    values = np.linspace(0, 100, 1000)
    figure = plots.rating_histogram(values)
    assert len(figure.data[0].x) == 40 and sum(figure.data[0].y) == 1000


def test_long_tail_is_sorted_log_scaled_and_thinned():
    counts = np.arange(1, 50_001)
    figure = plots.long_tail(counts, "movie", max_points=500)
    (line,) = figure.data
    assert len(line.x) <= 500 and line.x[0] == 1 and line.x[-1] == 50_000
    assert list(line.y) == sorted(line.y, reverse=True)
    assert figure.layout.yaxis.type == "log"
    assert "Top 20% of movies" in figure.layout.annotations[0].text


def test_training_curve_shows_rmse_and_fixed_epoch_axis():
    history = [
        {"epoch": 1, "train_loss": 1.0, "valid_rmse": 0.95},
        {"epoch": 2, "train_loss": 0.64, "valid_rmse": 0.9},
    ]
    figure = plots.training_curve(history, epochs=10, baselines={"Bias-only baseline": 0.87})
    train, valid = figure.data
    assert list(train.y) == pytest.approx([1.0, 0.8])  # square root of the MSE loss
    assert list(valid.y) == [0.95, 0.9]
    assert figure.layout.xaxis.range[1] > 10
    assert len(figure.layout.shapes) == 1 and figure.layout.shapes[0].y0 == 0.87


def test_training_curve_without_validation_and_empty():
    figure = plots.training_curve([{"epoch": 1, "train_loss": 0.25, "valid_rmse": None}], epochs=3)
    assert [t.name for t in figure.data] == ["On the ratings it learns from"]
    empty = plots.training_curve([], epochs=5)
    assert len(empty.data) == 1 and len(empty.data[0].x) == 0


def test_accuracy_comparison_highlights_the_model():
    figure = plots.accuracy_comparison(rating_scores(rmse=0.8, bias_rmse=0.87, global_mean_rmse=1.05))
    (bar,) = figure.data
    assert list(bar.x) == [1.05, 0.87, 0.8]
    assert bar.marker.color[-1] == plots.ACCENT and bar.marker.color[0] == plots.MUTED


def test_embedding_scatter_groups_sizes_hover_and_escaping():
    points = movie_points()
    _, order = genre_groups([g.split(", ") if g else [] for g in points["genres"]], n_top=2)
    figure = plots.embedding_scatter(points, ["PC1 (40.0%)", "PC2 (20.0%)"], group_order=order)
    names = [t.name for t in figure.data]
    assert set(names) == set(order)
    assert sum(len(t.x) for t in figure.data) == len(points)
    other = next(t for t in figure.data if t.name == plots.OTHER)
    assert other.marker.color == plots.MUTED
    sizes = np.concatenate([t.marker.size for t in figure.data])
    assert sizes.min() >= 4 and sizes.max() <= 22
    first = figure.data[-1]
    assert "<b>" not in first.customdata[0][0] and "&lt;b&gt;" in first.customdata[0][0]
    assert isinstance(first.customdata[0][2], float)  # numbers stay numbers for the hover format
    assert figure.layout.xaxis.title.text == "PC1 (40.0%)"
    assert {t.type for t in figure.data} == {"scatter"}


def test_embedding_scatter_marks_user_recommendations_and_search():
    points = movie_points()
    figure = plots.embedding_scatter(
        points,
        highlight=[3, 4],
        user={"x": 0.1, "y": 0.2, "label": "User <7>"},
        recommended=[1, 2, 5],
    )
    by_name = {t.name: t for t in figure.data}
    assert len(by_name["Recommended for the user"].x) == 3
    assert by_name["Recommended for the user"].marker.symbol == "square"
    ringed = by_name["Search results"]
    assert len(ringed.x) == 2 and ringed.text[0] == "Movie &lt;b&gt;2&lt;/b&gt;"  # short: no year
    user = by_name["User &lt;7&gt;"]
    assert list(user.x) == [0.1] and user.marker.symbol == "diamond"


def test_embedding_scatter_uses_webgl_for_many_points_and_3d():
    many = movie_points(plots.WEBGL_THRESHOLD + 1)
    assert {t.type for t in plots.embedding_scatter(many).data} == {"scattergl"}
    assert {t.type for t in plots.embedding_scatter(movie_points(10), webgl=True).data} == {"scattergl"}
    three = plots.embedding_scatter(movie_points(30, dims=3), ["a", "b", "c"], dims=3, recommended=[1])
    assert {t.type for t in three.data} == {"scatter3d"}
    assert three.layout.scene.zaxis.title.text == "c"
    assert next(t for t in three.data if t.name == "Recommended for the user").marker.symbol == "square"


def mark_symbols(figure) -> dict[str, str]:
    return {t.name: t.marker.symbol for t in figure.data if t.marker.symbol is not None}


def test_marks_keep_their_shape_in_2d_and_3d():
    marks = dict(highlight=[3, 4], user={"x": 0.1, "y": 0.2, "z": 0.3, "label": "You"}, recommended=[1, 2])
    flat = plots.embedding_scatter(movie_points(30), **marks)
    deep = plots.embedding_scatter(movie_points(30, dims=3), dims=3, **marks)
    assert (
        mark_symbols(flat)
        == mark_symbols(deep)
        == {
            "Recommended for the user": "square",
            "Search results": "circle-open",
            "You": "diamond",
        }
    )


@pytest.mark.parametrize("dims", [2, 3])
def test_far_away_marks_are_drawn_at_the_edge_without_squashing_the_cloud(dims: int):
    points = movie_points(40, dims=dims)
    axes = list("xyz"[:dims])
    points.loc[points["movieId"] == 1, axes] = 500.0  # a recommended movie far out
    points.loc[points["movieId"] == 2, axes] = -80.0  # a search result far out the other way
    user = {"x": 0.0, "y": -300.0, "z": 40.0, "label": "You"}
    figure = plots.embedding_scatter(points, dims=dims, highlight=[2], recommended=[1], user=user)
    cloud = points[~points["movieId"].isin([1, 2])]
    layout = figure.layout.scene if dims == 3 else figure.layout
    for axis in axes:
        low, high = getattr(layout, f"{axis}axis").range
        spread = cloud[axis].max() - cloud[axis].min()
        assert low <= cloud[axis].min() and high >= cloud[axis].max()
        assert high - low < 1.5 * spread, f"the {axis} axis is stretched to {low}..{high}"
        for trace in figure.data:  # every mark, the far ones too, is drawn inside the box
            drawn = np.asarray(getattr(trace, axis), dtype=float)
            assert ((drawn >= low) & (drawn <= high)).all(), (trace.name, axis)
    by_name = {t.name: t for t in figure.data}
    low, high = figure_range(figure, dims, "x")  # at the edge, just inside (so the mark is drawn whole)
    assert by_name["Recommended for the user"].x[0] == pytest.approx(high - 0.03 * (high - low))
    low, high = figure_range(figure, dims, "y")
    assert by_name["You"].y[0] == pytest.approx(low + 0.03 * (high - low))


def figure_range(figure, dims: int, axis: str) -> tuple[float, float]:
    layout = figure.layout.scene if dims == 3 else figure.layout
    return tuple(getattr(layout, f"{axis}axis").range)


@pytest.mark.parametrize("dims", [2, 3])
def test_only_the_first_few_ringed_movies_are_labelled(dims: int):
    points = movie_points(40, dims=dims)
    ringed = [9, 3, 14, 7, 22, 30, 1, 5]
    figure = plots.embedding_scatter(points, dims=dims, highlight=ringed, n_labels=3)
    rings = next(t for t in figure.data if t.name == "Search results")
    titles = dict(zip(points["movieId"], [plots.plot_text(short_title(t)) for t in points["title"]]))
    written = [text for text in rings.text if text]
    assert sorted(written) == sorted(titles[m] for m in ringed[:3])
    assert len(rings.x) == len(ringed)
    assert len(set(rings.textposition)) > 1  # alternate above and below, so neighbours overlap less


def test_rated_movies_are_coloured_by_the_rating():
    points = movie_points(30)
    ratings = {3: 5.0, 4: 1.0, 5: 3.0}
    figure = plots.embedding_scatter(
        points, highlight=list(ratings), highlight_values=ratings, value_range=(0.5, 5.0), value_name="Your rating"
    )
    rings = next(t for t in figure.data if t.name == "Search results")
    shown = dict(zip(points.loc[points["movieId"].isin(ratings), "movieId"], rings.marker.color))
    assert shown == ratings
    assert (rings.marker.cmin, rings.marker.cmax) == (0.5, 5.0)
    assert rings.marker.colorscale[0][1] != rings.marker.colorscale[-1][1]  # low and high differ in colour
    assert rings.marker.colorbar.title.text == "Your rating"
    assert "Your rating: %{customdata[5]:g} ★" in rings.hovertemplate


def test_user_scatter_colours_by_average_and_marks_selected():
    rng = np.random.default_rng(1)
    points = pd.DataFrame(
        {
            "userId": np.arange(1, 21),
            "n_ratings": rng.integers(5, 200, 20),
            "mean_rating": rng.uniform(2, 5, 20),
            "x": rng.normal(size=20),
            "y": rng.normal(size=20),
        }
    )
    figure = plots.user_scatter(points, ["PC1", "PC2"], selected=7)
    users, selected = figure.data
    assert list(users.marker.color) == list(points["mean_rating"])
    assert selected.name == "User 7" and selected.x[0] == points["x"].iloc[6]
    assert plots.user_scatter(points, selected=999).data[-1].name == "Users"


def test_plot_text_escapes_html():
    assert plots.plot_text("<script>alert(1)</script> & co") == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"


def test_embedding_scatter_without_genres_colours_by_average_rating():
    points = movie_points(20)
    points["group"] = plots.NO_GENRE
    figure = plots.embedding_scatter(points, user={"x": 0, "y": 0, "label": "User 1"})
    movies = figure.data[0]
    assert movies.name == "Movies" and list(movies.marker.color) == list(points["mean_rating"])
    assert movies.marker.colorbar.title.text.startswith("Average")
    assert [t.name for t in figure.data] == ["Movies", "User 1"]


# -- new figures: what the model learned, comparing runs -------------------------------


def test_bias_scatter_marks_the_extremes_and_escapes_titles():
    points = movie_points(30)
    figure = plots.bias_scatter(points, highest=[1, 2], lowest=[3])
    names = [trace.name for trace in figure.data]
    assert names == ["Other movies", "Highest bias", "Lowest bias"]
    assert len(figure.data[0].x) == 27 and len(figure.data[1].x) == 2 and len(figure.data[2].x) == 1
    assert list(figure.data[2].y) == [points["bias"].iloc[2]]
    assert all("<b>" not in str(row[0]) for row in figure.data[0].customdata)
    assert figure.layout.title.text == "Learned bias against average rating"


def test_compare_curves_one_colour_per_run():
    history = [{"epoch": 1, "train_loss": 1.0, "valid_rmse": 0.95}, {"epoch": 2, "train_loss": 0.81, "valid_rmse": 0.9}]
    runs = [
        {"name": "Model <1>", "history": history},
        {"name": "Model 2", "history": history[:1]},
        {"name": "From a file", "history": []},
    ]
    figure = plots.compare_curves(runs)
    names = [trace.name for trace in figure.data]
    assert names == ["Model &lt;1&gt; · validation", "Model &lt;1&gt; · training", "Model 2 · validation",
                     "Model 2 · training"]  # fmt: skip
    assert figure.data[0].line.color == figure.data[1].line.color != figure.data[2].line.color
    assert list(figure.data[1].y) == [1.0, 0.9]
    assert figure.layout.xaxis.dtick == 1  # whole epochs only: no tick labelled "1" twice
    long_run = [{**history[0], "epoch": e} for e in range(1, 41)]
    assert plots.compare_curves([{"name": "Long", "history": long_run}]).layout.xaxis.dtick == 5


def test_compare_scores_highlights_the_best_run_in_the_curves_colours():
    runs = [
        {"name": "A", "scores": rating_scores(rmse=0.9, bias_rmse=0.95)},
        {"name": "B", "scores": rating_scores(rmse=0.85, bias_rmse=0.95)},
        {"name": "C", "scores": None},
    ]
    figure = plots.compare_scores(runs)
    bars, baseline = figure.data
    assert list(bars.y) == ["A", "B"] and list(bars.x) == [0.9, 0.85]
    assert list(bars.marker.color) == [plots.run_color(0), plots.run_color(1)]
    assert list(bars.text) == ["0.900", "0.850 · best"]
    curves = plots.compare_curves([{"name": n, "history": [{"epoch": 1, "train_loss": 1.0}]} for n in "ABC"])
    assert [trace.line.color for trace in curves.data[:2]] == list(bars.marker.color)  # same colour per run
    assert list(baseline.x) == [0.95, 0.95]
    assert not plots.compare_scores([]).data


def test_embedding_scatter_names_marks_and_escapes_axis_labels():
    points = movie_points(20)
    figure = plots.embedding_scatter(
        points, ["PC1 (50%): <i>dark</i>", "PC2"], highlight=[1], recommended=[2],
        user={"x": 0, "y": 0, "label": "You"}, highlight_name="Movies you rated", recommended_name="For you",
    )  # fmt: skip
    names = [trace.name for trace in figure.data]
    assert {"Movies you rated", "For you", "You"} <= set(names)
    assert figure.layout.xaxis.title.text == "PC1 (50%): &lt;i&gt;dark&lt;/i&gt;"


def test_sweep_chart_one_setting_is_a_line_in_value_order():
    results = [{"n_factors": 64, "rmse": 0.85}, {"n_factors": 16, "rmse": 0.87}, {"n_factors": 32, "rmse": 0.84}]
    fig = plots.sweep_chart(results, ["n_factors"])
    (trace,) = fig.data
    assert list(trace.x) == [16, 32, 64] and list(trace.y) == [0.87, 0.84, 0.85]
    assert fig.layout.xaxis.type != "log"
    assert plots.sweep_chart([{"lr": 0.01, "rmse": 0.9}], ["lr"]).layout.xaxis.type == "log"


def test_sweep_chart_two_settings_is_a_heat_map_with_gaps_for_points_not_run():
    results = [
        {"n_factors": 16, "weight_decay": 0.1, "ndcg": 0.2},
        {"n_factors": 32, "weight_decay": 0.1, "ndcg": 0.3},
        {"n_factors": 16, "weight_decay": 0.2, "ndcg": 0.25},
    ]
    fig = plots.sweep_chart(results, ["n_factors", "weight_decay"], "ndcg")
    (heat,) = fig.data
    assert heat.type == "heatmap" and list(heat.x) == ["16", "32"] and list(heat.y) == ["0.1", "0.2"]
    z = np.asarray(heat.z, dtype=float)
    assert z[0, 1] == 0.3 and np.isnan(z[1, 1])
    assert (
        heat.colorscale[0][1]
        != plots.sweep_chart(results, ["n_factors", "weight_decay"], "rmse").data[0].colorscale[0][1]
    )


def test_topn_comparison_puts_the_model_beside_most_popular():
    scores = {"ndcg": 0.27, "hit_rate": 0.67, "precision": 0.1, "coverage": 0.1}
    popular = list_scores(**{**scores, "ndcg": 0.1, "hit_rate": 0.38})
    report = TopNReport.from_dict({"k": 10, "n_people": 5, "model": list_scores(**scores), "popular": popular})
    fig = plots.topn_comparison(report)
    assert [t.name for t in fig.data] == ["This model", "Most popular"]
    assert list(fig.data[1].y) == [0.1, 0.38]
    assert list(fig.data[0].x) == ["Ranking quality (NDCG@10)", "Found a loved movie (hit rate@10)"]


def test_map_titles_are_written_without_overlap_and_marked_ones_first():
    points = movie_points(200)
    figure = plots.embedding_scatter(points, highlight=[7], neighbours=[3, 4], n_labels=1, title_labels=20)
    (titles,) = [t for t in figure.data if t.name == "Titles"]
    assert 5 <= len(titles.text) <= 23
    first = points.set_index("movieId").loc[[7, 3, 4], "title"].map(lambda t: plots.plot_text(short_title(t)))
    assert list(titles.text[:3]) == list(first)  # the search result and the neighbours before the others
    rings = next(t for t in figure.data if t.name == "Search results")
    assert not any(rings.text or [])  # written once, by the titles
    assert not figure.layout.xaxis.showticklabels and figure.layout.title.subtitle.text == ""
