"""Movie maps: t-SNE and UMAP layouts, concept axes, taste regions (no Streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cf
from cf import plots
from cf.data.demo import load_demo
from cf.maps import axes, regions
from cf.maps.layouts import (
    LayoutSettings,
    cosine_neighbours,
    fit_layout,
    neighbour_preservation,
    sample,
    unit_rows,
)


def planted(n: int = 240, dims: int = 12, groups: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Vectors around ``groups`` random directions, and each one's group."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, dims))
    labels = rng.integers(0, groups, n)
    return centres[labels] + rng.normal(0, 0.35, (n, dims)), labels


@pytest.fixture(scope="module")
def demo():
    """A model of the demo data (whose movies' vectors are planted around genre directions)."""
    ratings, movies = load_demo()
    rec = cf.fit(ratings, cf.TrainConfig(epochs=3), movies=movies).recommender
    meta = rec.movies.frame.reindex(rec.items.ids)
    genre_lists = [g if isinstance(g, list) else [] for g in meta["genres"]]
    return rec, meta["title"].tolist(), genre_lists


def test_exact_neighbours_match_brute_force():
    vectors, _ = planted(120)
    unit = unit_rows(vectors)
    indices, distances = cosine_neighbours(unit, 7, block=50)  # blocks that do not divide the rows
    for row in (0, 59, 119):
        sims = unit @ unit[row]
        sims[row] = -np.inf
        assert indices[row].tolist() == np.argsort(-sims, kind="stable")[:7].tolist()
        assert np.allclose(distances[row], 1 - sims[indices[row]], atol=1e-5)
    assert (np.diff(distances, axis=1) >= -1e-6).all()


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_layouts_keep_groups_apart_and_repeat_by_seed(method):
    vectors, labels = planted()
    settings = LayoutSettings(method, dims=2, perplexity=20, n_neighbors=10)
    steps: list[float] = []
    first = fit_layout(vectors, settings, report=lambda _stage, share: steps.append(share))
    again = fit_layout(vectors, settings)
    assert first.coords.shape == (240, 2) and np.isfinite(first.coords).all()
    assert np.allclose(first.coords, again.coords)  # the same seed gives the same map
    assert steps[-1] == 1.0 and steps == sorted(steps)
    # each point's nearest point on the map is from its own planted group (almost always)
    coords = first.coords
    gaps = np.linalg.norm(coords[:, None] - coords[None], axis=2) + np.eye(len(coords)) * 1e9
    assert (labels[gaps.argmin(1)] == labels).mean() > 0.95
    assert first.axis_labels() == [f"{'t-SNE' if method == 'tsne' else 'UMAP'} {k}" for k in (1, 2)]


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_three_dimensional_layouts(method):
    vectors, _ = planted(150)
    layout = fit_layout(vectors, LayoutSettings(method, dims=3, perplexity=15, n_neighbors=10, seed=3))
    assert layout.coords.shape == (150, 3) and np.isfinite(layout.coords).all()


def test_a_big_set_is_laid_out_on_its_most_rated_sample_and_the_rest_placed_among_their_neighbours():
    vectors, labels = planted(300)
    counts = np.arange(300)[::-1]
    steps: list[float] = []
    layout = fit_layout(
        vectors, LayoutSettings("tsne", perplexity=10), priority=counts, max_points=120,
        report=lambda _stage, share: steps.append(share),
    )  # fmt: skip
    assert layout.sampled and layout.fitted.tolist() == list(range(120))
    assert np.isfinite(layout.coords).all() and steps == sorted(steps)
    # each placed point's nearest fitted point on the map is from its own planted group
    coords = layout.coords
    gaps = np.linalg.norm(coords[120:, None] - coords[None, :120], axis=2)
    assert (labels[:120][gaps.argmin(1)] == labels[120:]).mean() > 0.95
    assert sample(50, None, 120).tolist() == list(range(50))


def test_neighbour_preservation_measures_kept_neighbourhoods():
    vectors, _ = planted(200, dims=2)
    unit = unit_rows(vectors)
    assert neighbour_preservation(vectors, unit, k=5) == 1.0  # unit circle: Euclidean order is cosine order
    shuffled = np.random.default_rng(1).permutation(unit)
    assert neighbour_preservation(vectors, shuffled, k=5) < 0.1


def test_bad_settings_say_what_to_change():
    with pytest.raises(ValueError, match="Perplexity"):
        LayoutSettings("tsne", perplexity=500).validate()
    with pytest.raises(ValueError, match="2 or 3"):
        LayoutSettings("umap", dims=4).validate()
    with pytest.raises(ValueError, match="at least 5 points"):
        fit_layout(np.ones((3, 4)), LayoutSettings())


def test_a_genre_axis_puts_that_genres_movies_at_its_end(demo):
    rec, titles, genre_lists = demo
    low, high = axes.genre_concept(genre_lists, "Horror"), axes.genre_concept(genre_lists, "Romance")
    fitted = axes.CustomAxes.fit(rec.item_vectors(), [(low, high)])
    coords = fitted.movies(rec.item_vectors())[:, 0]
    horror = [i for i, g in enumerate(genre_lists) if "Horror" in g and "Romance" not in g]
    romance = [i for i, g in enumerate(genre_lists) if "Romance" in g and "Horror" not in g]
    assert coords[romance].mean() > coords[horror].mean()
    # most pairs (a romance, a horror movie) are in the axis' order, not just the means
    assert (coords[romance][:, None] > coords[horror][None]).mean() > 0.8
    assert fitted.labels == ["Horror → Romance"]
    # a user's place on the axis is how much more the model expects them to like its end
    users = fitted.users(rec.user_vectors())[:, 0]
    gap = rec.user_vectors() @ (rec.item_vectors()[romance].mean(0) - rec.item_vectors()[horror].mean(0))
    assert np.corrcoef(users, gap)[0, 1] > 0.8


def test_concepts_from_text(demo):
    rec, titles, genre_lists = demo
    index = {t.casefold(): i for i, t in enumerate(titles)}

    def search(text: str) -> np.ndarray:
        return np.array([i for t, i in index.items() if text.casefold() in t])

    assert axes.resolve_concept("horror", genre_lists, titles, search).name == "Horror"
    title = titles[0]
    assert axes.resolve_concept(title.split(" (")[0], genre_lists, titles, search).members == (0,)
    word = "the"
    concept = axes.resolve_concept(word, genre_lists, titles, search)
    assert 1 < len(concept.members) <= axes.MAX_SEARCH_MOVIES
    with pytest.raises(ValueError, match="matches no title"):
        axes.resolve_concept("zzz qqq", genre_lists, titles, search)
    with pytest.raises(ValueError, match="same point"):
        axes.CustomAxes.fit(rec.item_vectors(), [(concept, concept)])


def test_taste_regions_recover_the_planted_genres(demo):
    rec, titles, genre_lists = demo
    found = regions.taste_regions(rec.item_vectors(), titles, genre_lists, rec.item_counts, k=8)
    assert len(found.table) == 8 and found.table["movies"].sum() == len(titles)
    assert found.table["name"].is_unique and (found.table["genres"] != "").sum() >= 5  # others: by titles
    # movies with one genre: the regions sort them by genre far better than chance
    single = np.array([len(g) == 1 for g in genre_lists])
    truth = np.array([g[0] if g else "" for g in genre_lists])[single]
    shuffled = np.random.default_rng(0).permutation(truth)
    purity, chance = regions.purity(found.labels[single], truth), regions.purity(found.labels[single], shuffled)
    assert purity > 1.5 * chance and purity > 0.4
    # a region's name lists the genres its movies have most often (relative to the catalogue)
    biggest = found.table[found.table["genres"] != ""].iloc[0]
    members = np.flatnonzero(found.labels == biggest["region"])
    top = biggest["genres"].split(", ")[0]
    share_in = np.mean([top in genre_lists[i] for i in members])
    assert share_in > np.mean([top in g for g in genre_lists])
    where = regions.centres(np.random.default_rng(1).normal(size=(len(titles), 2)), found.labels, found.table)
    assert list(where.columns) == ["region", "name", "x", "y"] and len(where) == 8


def test_map_colour_bar_size_and_region_labels():
    points = pd.DataFrame(
        {"movieId": [1, 2, 3], "title": ["A", "B", "C"], "genres": ["x"] * 3, "group": ["x"] * 3,
         "n_ratings": [1, 5, 9], "mean_rating": [3.0, 4.0, 2.0], "bias": [0.1, -0.2, 0.0],
         "x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 0.5], "colour": [1990.0, 2000.0, 1970.0]}
    )  # fmt: skip
    labels = pd.DataFrame({"name": ["Region <1>"], "x": [1.0], "y": [0.5]})
    figure = plots.embedding_scatter(points, colour_name="Release year", size_by="bias", neighbours=[2], regions=labels)
    (movies,) = [t for t in figure.data if t.name == "Movies"]
    assert movies.marker.colorbar.title.text == "Release year" and list(movies.marker.color) == [1990, 2000, 1970]
    assert movies.marker.size[0] > movies.marker.size[2] > movies.marker.size[1]  # by bias
    (text,) = [t for t in figure.data if t.name == "Taste regions"]
    assert text.text == ("<b>Region &lt;1&gt;</b>",)
    (rings,) = [t for t in figure.data if t.name == "Nearest neighbours"]
    assert list(rings.x) == [1.0]
    assert "Release year: %{customdata[5]" in movies.hovertemplate  # the coloured value on hover
    assert list(movies.customdata[:, 5]) == [1990, 2000, 1970]

    by_group = plots.embedding_scatter(points.assign(group=["p", "q", "p"]), legend_title="Studio <b>")
    assert {t.name for t in by_group.data} == {"p", "q"}
    assert all("Studio &lt;b&gt;: %{fullData.name}" in t.hovertemplate for t in by_group.data)  # the group in words
