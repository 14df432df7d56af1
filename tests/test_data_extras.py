"""A movies file's extra columns: kept (bounded, as numbers or short text), carried by the model, saved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cf
from cf import export, persist
from cf.data import extras
from tests.helpers import generated_movies, small_ratings


def with_derived_columns(movies: pd.DataFrame | str | Path, n_padding: int = 0) -> pd.DataFrame:
    """A MovieLens-style movies table (or the movies.csv at a path) with columns derived from it (as a person
    might add them)."""
    movies = movies.copy() if isinstance(movies, pd.DataFrame) else pd.read_csv(movies)
    year = movies["title"].str.extract(r"\((\d{4})\)\s*$", expand=False).astype(float)
    movies["decade"] = (year // 10 * 10).map(lambda y: "" if np.isnan(y) else f"{int(y)}s")
    movies["title length"] = movies["title"].str.len()
    movies["first letter"] = movies["title"].str[0]
    movies["year"] = year  # a name the table uses itself
    movies["note"] = "=cmd|' /C calc'!A0 " + "x" * 200  # a spreadsheet formula, long: kept as short text
    for k in range(n_padding):
        movies[f"pad {k}"] = k
    return movies


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    frame = with_derived_columns(generated_movies(), n_padding=20)
    path = tmp_path_factory.mktemp("movies") / "movies-plus.csv"
    frame.to_csv(path, index=False)
    return frame, cf.load_movies(path)


def test_extra_columns_are_kept_bounded_and_typed(derived):
    frame, movies = derived
    names = movies.extra_names()
    assert names[:5] == ["decade", "title length", "first letter", "year (file)", "note"]
    assert len(names) == extras.MAX_COLUMNS and names[-1] == f"pad {extras.MAX_COLUMNS - 6}"
    table = movies.frame
    assert len(table) == len(frame) > 900
    assert table["title length"].dtype == np.float64 and table["decade"].dtype == object
    toy = table.loc[1]
    assert toy["title"] == "Toy Story (1995)" and toy["decade"] == "1990s" and toy["title length"] == 16
    assert toy["year"] == 1995 and toy["year (file)"] == 1995.0
    assert table["note"].str.len().max() == extras.MAX_TEXT and table["note"].iloc[0].startswith("=cmd|")
    no_year = frame.loc[frame["decade"] == "", "movieId"]
    assert len(no_year) > 0 and table.loc[no_year, "decade"].isna().all()  # blanks are missing, not ""
    expected = frame.set_index("movieId")["title length"]
    assert (table["title length"] == expected.reindex(table.index)).all()


def test_text_columns_become_a_legend_of_their_most_frequent_values(derived):
    frame, movies = derived
    groups, order = extras.category_groups(movies.frame["first letter"])
    counts = frame["first letter"].value_counts()
    top = list(order[:10])
    assert len(order) == 11 and order[-1] == "Other" and counts[top].min() >= counts.drop(top).max()
    assert counts[top].is_monotonic_decreasing  # the legend lists the most frequent first
    assert (pd.Series(groups).value_counts()[top] == counts[top]).all()
    assert (groups == "Other").sum() == counts.drop(top).sum()
    decades, decade_order = extras.category_groups(movies.frame["decade"])
    assert (
        decade_order[:2] == ["2000s", "1990s"] and (decades[movies.frame["decade"].isna().to_numpy()] == "Other").all()
    )


def test_the_model_knows_the_columns_and_keeps_them_in_its_file(derived):
    _, movies = derived
    ratings = small_ratings(n_users=60, n_items=len(movies.frame), n_ratings=6000)  # movieIds 1.. as in the file
    rec = cf.fit(ratings, cf.TrainConfig(epochs=1), movies=movies).recommender
    kinds = rec.movie_columns()
    assert kinds["decade"] == "text" and kinds["title length"] == "number" and len(kinds) == extras.MAX_COLUMNS
    toy = rec.item_index(1)
    assert rec.movie_column("decade")[toy] == "1990s" and rec.movie_column("title length")[toy] == 16
    lines = export.projector_metadata(rec).decode().split("\n")  # TensorFlow's Projector can colour by them
    assert lines[0].split("\t") == ["title", "genres", "n_ratings", *kinds]
    toy_row = lines[1 + toy].split("\t")
    assert toy_row[0] == "Toy Story (1995)" and toy_row[2] == str(rec.item_counts[toy])
    assert toy_row[3:6] == ["1990s", "16", "T"]
    with pytest.raises(KeyError, match="no column 'budget'"):
        rec.movie_column("budget")
    again = cf.Recommender.load(persist.to_bytes(rec))
    assert again.movie_columns() == kinds
    for name in ("decade", "title length", "note"):
        assert pd.Series(again.movie_column(name)).equals(pd.Series(rec.movie_column(name)))


def test_numbers_text_and_blanks():
    numbers = extras.clean_values(pd.Series(["1.5", " 2 ", "", None, "1e3"]))
    assert numbers.dtype == np.float64 and numbers.tolist()[:2] == [1.5, 2.0] and numbers.isna().sum() == 2
    text = extras.clean_values(pd.Series(["12", "twelve", ""]))
    assert text.tolist() == ["12", "twelve", None]
    assert extras.kind(numbers) == "number" and extras.kind(text) == "text"
    headerless = cf.load_movies(b"1,A (1990),Drama,US,12\n2,B (1991),Comedy,FR,\n", name="m.csv")
    assert headerless.extra_names() == ["column 4", "column 5"]
    assert headerless.frame["column 5"].tolist()[0] == 12.0
