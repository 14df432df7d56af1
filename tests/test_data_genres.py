"""The genre that colours a movie on the map (``cf.data.genres``)."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from cf.data.genres import NO_GENRE, OTHER, catalogue_counts, colour_genres, genre_groups, genres_by_count, rarest
from tests.helpers import generated_movies


def test_rarest_genre_wins_ties_by_name_and_respects_the_coloured_ones():
    counts = Counter({"Drama": 10, "Comedy": 8, "Animation": 2, "Children": 2})
    assert rarest(["Comedy", "Drama"], counts) == "Comedy"
    assert rarest(["Animation", "Children", "Comedy"], counts) == "Animation"
    assert rarest(["Animation", "Comedy"], counts, among={"Comedy", "Drama"}) == "Comedy"
    assert rarest(["Animation"], counts, among={"Drama"}) is None


def test_groups_are_distinctive_not_first_listed():
    lists = [["Adventure", "Animation"], ["Adventure", "Drama"], ["Adventure"], ["Drama"], ["Drama"], []]
    groups, order = genre_groups(lists, n_top=3)
    # Animation is rarer than Adventure, listed first; Adventure and Drama (3 movies each) tie: by name
    assert groups == ["Animation", "Adventure", "Adventure", "Drama", "Drama", NO_GENRE]
    assert order == ["Adventure", "Drama", "Animation", NO_GENRE]


def test_imax_and_the_missing_genre_label_never_colour():
    lists = [["Adventure", "IMAX"], ["IMAX"], ["(no genres listed)"], ["Drama"]]
    groups, order = genre_groups(lists)
    assert groups == ["Adventure", NO_GENRE, NO_GENRE, "Drama"]
    assert "IMAX" not in catalogue_counts(lists) and "IMAX" not in order


def test_chosen_genres_colour_and_the_rest_are_other():
    lists = [["Action", "Western"], ["Comedy"], ["Western"], []]
    groups, order = genre_groups(lists, among=["Western", "Musical"])  # Musical is in no list: left out
    assert groups == ["Western", OTHER, "Western", NO_GENRE]
    assert order == ["Western", OTHER, NO_GENRE]


def test_at_most_n_top_colours():
    lists = [[f"G{k}", f"G{k + 1}"] for k in range(30) for _ in range(k + 1)]
    groups, order = genre_groups(lists, n_top=10)
    coloured = [g for g in order if g not in (OTHER, NO_GENRE)]
    assert len(coloured) == 10 and set(groups) - {OTHER} == set(coloured)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """A generated movies file shaped like MovieLens's catalogue, with well-known movies in it, read back."""
    path = tmp_path_factory.mktemp("movies") / "movies.csv"
    generated_movies().to_csv(path, index=False)
    movies = pd.read_csv(path)
    movies["genre_list"] = movies["genres"].str.split("|")
    return movies


def test_toy_story_is_animation_and_every_colour_is_used(catalogue):
    groups, order = genre_groups(catalogue["genre_list"])
    by_title = dict(zip(catalogue["title"], groups))
    assert by_title["Toy Story (1995)"] == "Animation"  # listed first: Adventure
    assert by_title["Lion King, The (1994)"] == "Animation"
    assert by_title["Matrix, The (1999)"] == "Sci-Fi"  # listed first: Action
    assert "Animation" in order and "Documentary" in order
    coloured = [g for g in order if g not in (OTHER, NO_GENRE)]
    assert len(coloured) == 10 and coloured == colour_genres_sorted(groups, coloured)
    # on MovieLens the old rule (first listed genre among the ten most common) coloured Adventure for a tenth
    share_other = groups.count(OTHER) / len(groups)
    assert share_other < 0.05, share_other


def colour_genres_sorted(groups: list[str], coloured: list[str]) -> list[str]:
    sizes = Counter(groups)
    return sorted(coloured, key=lambda g: (-sizes[g], g))


def test_colour_genres_keeps_the_distinctive_and_drops_those_that_always_come_with_a_rarer_one(catalogue):
    chosen = colour_genres(catalogue["genre_list"], n_top=10)
    assert {"Animation", "Documentary", "Horror", "Sci-Fi"} <= chosen
    assert not {"Film-Noir", "IMAX", "Children"} & chosen
    assert genres_by_count(catalogue["genre_list"])[:3] == ["Drama", "Comedy", "Thriller"]
