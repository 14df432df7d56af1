"""Title search (``cf.data.search``): titles found the way people type them, on MovieLens-style titles of
well-known movies (``tests/data/known_movies.csv``, hand-written)."""

from __future__ import annotations

import pandas as pd
import pytest

from cf.data.search import ALL_WORDS, EXACT, PART, START, WORDS, TitleIndex, name_forms, normalise, split_title
from tests.helpers import KNOWN_MOVIES

# -- normalising ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monsters, Inc.", "monsters inc"),
        ("Misérables, Les", "miserables les"),
        ("Schindler's List", "schindlers list"),
        ("M. Hulot’s Holiday", "m hulots holiday"),
        ("Spider-Man 2", "spider man 2"),
        ("  WALL·E  ", "wall e"),
        ("Æon Flux", "aeon flux"),
        ("Crouching Tiger, Hidden Dragon (Wo hu cang long)", "crouching tiger hidden dragon wo hu cang long"),
    ],
)
def test_normalise_ignores_case_accents_and_punctuation(text: str, expected: str):
    assert normalise(text) == expected


def test_split_title_separates_names_and_year():
    assert split_title("Umbrellas of Cherbourg, The (Parapluies de Cherbourg, Les) (1964)") == (
        ["Umbrellas of Cherbourg, The", "Parapluies de Cherbourg, Les"],
        1964,
    )
    assert split_title("Seven (a.k.a. Se7en) (1995)") == (["Seven", "Se7en"], 1995)
    assert split_title("Death Note: Desu nôto (2006–2007)") == (["Death Note: Desu nôto"], 2006)
    assert split_title("Black Mirror") == (["Black Mirror"], None)
    assert split_title("1984 (1984)") == (["1984"], 1984)


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("Lion King, The", ["the lion king", "lion king"]),
        ("Misérables, Les", ["les miserables", "miserables"]),
        ("Avventura, L'", ["lavventura", "avventura"]),
        ("Boot, Das", ["das boot", "boot"]),
        ("Haine, La", ["la haine", "haine"]),
        ("Monsters, Inc.", ["monsters inc"]),  # "Inc." is not an article: nothing moves
        ("The Shining", ["the shining", "shining"]),
        ("Toy Story", ["toy story"]),
    ],
)
def test_name_forms_move_trailing_articles_to_the_front(name: str, forms: list[str]):
    assert name_forms(name) == forms


# -- matching and ranking --------------------------------------------------------------


def test_strength_levels_on_a_small_catalogue():
    titles = ["Matrix, The (1999)", "Matrix Reloaded, The (2003)", "Animatrix, The (2003)", "Story of a Lion (1990)"]
    index = TitleIndex(titles)
    assert index.strengths("the matrix").tolist() == [EXACT, START, 0, 0]
    assert index.strengths("reloaded").tolist() == [0, WORDS, 0, 0]
    assert index.strengths("lion story").tolist() == [0, 0, 0, ALL_WORDS]
    assert index.strengths("atrix").tolist() == [PART, PART, PART, 0]
    assert index.strengths("").tolist() == [0, 0, 0, 0] and len(index.search("  ")) == 0


def test_the_year_is_optional_and_narrows_when_given():
    index = TitleIndex(["Matrix, The (1999)", "Matrix Reloaded, The (2003)", "Blade Runner 2049 (2017)"])
    assert index.search("the matrix 1999").tolist() == [0]
    assert index.search("matrix 2003").tolist() == [1]  # "matrix" starts its title; the year fits
    assert index.search("blade runner 2049").tolist() == [2]  # a number in the title is not taken for its year


def test_popularity_orders_equal_matches_but_not_better_ones():
    titles = ["Shining, The (1980)", "The Shining (1997)", "Shining Through (1992)"]
    assert TitleIndex(titles, [1, 109, 500]).search("the shining").tolist() == [1, 0]
    assert TitleIndex(titles, [109, 1, 500]).search("shining").tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="2 values for 3 titles"):
        TitleIndex(titles, [1, 2])


# -- on well-known titles -------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> tuple[pd.DataFrame, TitleIndex]:
    """The well-known movies, with a made-up number of ratings for the popularity that orders equal matches."""
    movies = pd.read_csv(KNOWN_MOVIES)
    return movies, TitleIndex(movies["title"].tolist(), movies["n_ratings"].to_numpy())


def found(catalogue: tuple[pd.DataFrame, TitleIndex], query: str, n: int = 3) -> list[str]:
    movies, index = catalogue
    return movies["title"].iloc[index.search(query, limit=n)].tolist()


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("The Lion King", "Lion King, The (1994)"),
        ("the lion king", "Lion King, The (1994)"),
        ("The Matrix", "Matrix, The (1999)"),
        ("the matrix 1999", "Matrix, The (1999)"),
        ("Matrix", "Matrix, The (1999)"),
        ("Monsters Inc", "Monsters, Inc. (2001)"),
        ("The Shining", "Shining, The (1980)"),  # Kubrick's, not the 1997 miniseries (rated once)
        ("les miserables", "Misérables, Les (1995)"),
        ("L'Avventura", "Avventura, L' (Adventure, The) (1960)"),
        ("Amelie", "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"),
        ("fabuleux destin damelie poulain", "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"),
        ("schindlers list", "Schindler's List (1993)"),
        ("spiderman", "Spider-Man (2002)"),
        ("Toy Story", "Toy Story (1995)"),
    ],
)
def test_titles_as_people_type_them(catalogue, query: str, first: str):
    assert found(catalogue, query)[0] == first


def test_the_shining_lists_both_and_the_better_known_first(catalogue):
    assert found(catalogue, "The Shining") == ["Shining, The (1980)", "The Shining (1997)"]


def test_the_matrix_lists_its_sequels_after_it_and_a_year_keeps_only_it(catalogue):
    assert found(catalogue, "the matrix") == [
        "Matrix, The (1999)",
        "Matrix Reloaded, The (2003)",
        "Matrix Revolutions, The (2003)",
    ]
    assert found(catalogue, "the matrix 1999", n=10) == ["Matrix, The (1999)"]


def test_matches_come_best_first_then_most_rated_first(catalogue):
    movies, index = catalogue
    assert len(index) == len(movies)
    for query in ("x", "star", "love", "the"):
        hits = index.search(query)
        assert len(hits) >= 5 and len(set(index.strengths(query)[hits])) > 1  # matches of more than one strength
        keys = list(zip(-index.strengths(query)[hits], -movies["n_ratings"].to_numpy()[hits]))
        assert keys == sorted(keys), query
