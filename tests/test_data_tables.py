"""Tests for ``cf.data``: id maps, validated tables, ``Movies.covering`` and the train/test splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cf import DataError, IdMap, Movies, Ratings, random_split, temporal_split
from cf.data import normalise_ids

pytestmark = pytest.mark.filterwarnings("error")


def make_ratings(rows: list[tuple], scale: tuple[float, float] | None = None) -> Ratings:
    """Ratings from ``(user, item, rating[, timestamp])`` tuples."""
    columns = ["user", "item", "rating", "timestamp"][: len(rows[0])]
    return Ratings.from_frame(pd.DataFrame(rows, columns=columns), "t.csv", scale=scale)


# -- IdMap --------------------------------------------------------------------------


def test_idmap_round_trip_int_ids():
    ids = IdMap.from_values([30, 10, 20, 10, 30])
    assert len(ids) == 3 and ids.ids.tolist() == [10, 20, 30]
    index = ids.to_index([20, 30, 10])
    assert index.tolist() == [1, 2, 0] and index.dtype == np.int64
    assert ids.to_raw(index).tolist() == [20, 30, 10]


def test_idmap_round_trip_str_ids():
    ids = IdMap.from_values(pd.Series(["bob", "alice", "carol", "bob"]))
    assert ids.ids.tolist() == ["alice", "bob", "carol"]
    assert ids.to_raw(ids.to_index(["carol", "alice"])).tolist() == ["carol", "alice"]


def test_idmap_unknown_ids_map_to_minus_one():
    ints, strs = IdMap.from_values([1, 2, 3]), IdMap.from_values(["a", "b"])
    assert ints.to_index([2, 99, -1]).tolist() == [1, -1, -1]
    assert strs.to_index(["b", "zz"]).tolist() == [1, -1]
    assert ints.to_index([99], missing=7).tolist() == [7]


def test_idmap_accepts_ids_of_the_other_kind():
    ints, strs = IdMap.from_values([5, 6]), IdMap.from_values(["5", "x"])
    assert ints.to_index(["6", "x", None]).tolist() == [1, -1, -1]
    assert strs.to_index([5, 7]).tolist() == [0, -1]


def test_idmap_contains():
    ids = IdMap.from_values([1, 2])
    assert 1 in ids and 3 not in ids and "nope" not in ids


def test_idmap_of_twenty_digit_string_ids():
    big = ["12345678901234567890", "98765432109876543210"]
    ids = IdMap.from_values(big)
    assert ids.to_raw(ids.to_index(big[::-1])).tolist() == big[::-1]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=40))
def test_idmap_round_trip_property(values: list[int]):
    ids = IdMap.from_values(values)
    assert len(ids) == len(set(values))
    assert ids.to_raw(ids.to_index(values)).tolist() == values
    assert set(ids.to_index(values).tolist()) == set(range(len(ids)))


# -- normalise_ids and Ratings.from_frame ---------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pd.Series([3, 1]), [3, 1]),
        (pd.Series([3.0, 1.0]), [3, 1]),
        (pd.Series(["007", " 8 "]), [7, 8]),
        (pd.Series(["a", "b"]), ["a", "b"]),
        (pd.Series([1, "b"], dtype=object), ["1", "b"]),
        (pd.Series([1.5, 2.0]), ["1.5", "2.0"]),
        (pd.Series([2.0**60, 1.0]), ["1.152921504606847e+18", "1.0"]),
        (pd.Series(["12345678901234567890", "1"]), ["12345678901234567890", "1"]),
        (pd.Series([2**64 - 1, 1], dtype="uint64"), ["18446744073709551615", "1"]),
        (pd.Series([2**63 - 1, 1], dtype="uint64"), [2**63 - 1, 1]),
    ],
)
def test_normalise_ids(values: pd.Series, expected: list):
    out = normalise_ids(values, "user", "f.csv")
    assert out.tolist() == expected
    assert out.dtype == np.int64 or pd.api.types.is_string_dtype(out.dtype) or out.dtype == object


@pytest.mark.parametrize("missing", [None, np.nan, "", "   "])
def test_normalise_ids_missing_names_the_line(missing):
    values = pd.Series(["1", missing, "3"], dtype=object)
    with pytest.raises(DataError, match=r"^f\.csv, line 11: the movie id is empty"):
        normalise_ids(values, "movie", "f.csv", first_line=10)
    with pytest.raises(DataError, match=r"^f\.csv, line 42:"):
        normalise_ids(values, "movie", "f.csv", first_line=[7, 42, 99])


def test_from_frame_basic():
    ratings = make_ratings([(1, 10, 4.0, 5), (2, 10, 2.0, 6), (2, 20, 3.5, 7)])
    assert (ratings.n_ratings, ratings.n_users, ratings.n_items) == (3, 2, 2)
    assert ratings.scale == (2.0, 4.0) and ratings.n_duplicates == 0 and ratings.has_timestamps
    assert ratings.density == pytest.approx(3 / 4)
    assert ratings.frame.dtypes.astype(str).tolist() == ["int64", "int64", "float64", "int64"]


def test_from_frame_without_timestamps():
    ratings = make_ratings([(1, 10, 4.0), (2, 10, 2.0)])
    assert ratings.frame["timestamp"].tolist() == [0, 0] and not ratings.has_timestamps


def test_from_frame_explicit_scale():
    assert make_ratings([(1, 10, 4.0), (2, 10, 4.0)], scale=(1, 5)).scale == (1.0, 5.0)


def test_from_frame_empty():
    with pytest.raises(DataError, match="has no ratings"):
        Ratings.from_frame(pd.DataFrame(columns=["user", "item", "rating"]), "t.csv")


def test_from_frame_too_few_columns():
    with pytest.raises(DataError, match="2 column"):
        Ratings.from_frame(pd.DataFrame({"user": [1, 2], "item": [1, 2]}), "t.csv")


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("x", "rating 'x' is not a number"),
        (np.inf, "'inf' is not a usable number"),
        (None, "rating is empty"),
        ("", "rating is empty"),
    ],
)
def test_from_frame_bad_rating_names_the_line(bad, fragment: str):
    frame = pd.DataFrame({"user": [1, 2, 3], "item": [1, 1, 1], "rating": pd.Series([4, bad, 2], dtype=object)})
    with pytest.raises(DataError) as caught:
        Ratings.from_frame(frame, "t.csv", first_line=2)
    assert str(caught.value).startswith("t.csv, line 3: ") and fragment in str(caught.value)


def test_from_frame_all_ratings_equal():
    with pytest.raises(DataError, match="every rating is 3"):
        make_ratings([(1, 1, 3.0), (2, 2, 3.0)])


def test_from_frame_duplicates_keep_latest():
    ratings = make_ratings([(1, 1, 1.0, 30), (1, 1, 2.0, 10), (2, 1, 5.0, 0), (1, 1, 3.0, 20)])
    assert ratings.n_duplicates == 2
    assert ratings.frame.values.tolist() == [[1, 1, 1.0, 30], [2, 1, 5.0, 0]]


def test_from_frame_does_not_change_its_input():
    frame = pd.DataFrame({"user": ["1", "2"], "item": ["1", "1"], "rating": ["4", "2"]})
    before = frame.copy()
    make_ratings(list(frame.itertuples(index=False, name=None)))
    Ratings.from_frame(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_subset_keeps_the_scale():
    ratings = make_ratings([(1, 1, 1.0), (2, 1, 5.0), (3, 1, 3.0)])
    part = ratings.subset(np.array([False, False, True]), "part")
    assert part.scale == (1.0, 5.0) and part.n_ratings == 1 and part.source == "part"


@pytest.mark.parametrize("users", [[10, 20, 30, 40], ["ann", "bob", "cy", "dee"]])
def test_subset_keeps_rows_in_order_and_column_types(users):
    ratings = make_ratings([(u, k % 2 + 1, 1.0 + k, 100 + k) for k, u in enumerate(users)])
    mask = np.array([True, False, True, True])
    part = ratings.subset(mask)
    expected = ratings.frame[mask].reset_index(drop=True)
    pd.testing.assert_frame_equal(part.frame, expected)
    assert part.frame["user"].tolist() == [users[0], users[2], users[3]]


# -- Movies -------------------------------------------------------------------------


def make_movies() -> Movies:
    frame = pd.DataFrame(
        {
            "movieId": [1, 2, 3],
            "title": ["Alpha (1990)", "Beta", "Gamma (2001) "],
            "genres": ["A|B", "", "(no genres listed)"],
        }
    )
    return Movies.from_frame(frame, "m.csv")


def test_movies_from_frame():
    movies = make_movies()
    assert movies.frame.index.tolist() == [1, 2, 3] and movies.frame.index.name == "item"
    assert movies.frame["genres"].tolist() == [["A", "B"], [], []]
    assert movies.frame["year"].tolist()[0] == 1990 and pd.isna(movies.frame["year"].tolist()[1])
    assert movies.frame.loc[3, "title"] == "Gamma (2001)"


def test_movies_duplicate_ids_keep_the_last():
    movies = Movies.from_frame(pd.DataFrame({"id": [1, 1], "title": ["Old", "New"]}))
    assert len(movies) == 1 and movies.frame.loc[1, "title"] == "New"


def test_movies_empty():
    with pytest.raises(DataError, match="has no movies"):
        Movies.from_frame(pd.DataFrame(columns=["id", "title"]), "m.csv")


def test_covering_keeps_order_and_titles_missing_movies():
    covered = make_movies().covering([3, 99, 1])
    assert covered.frame.index.tolist() == [3, 99, 1]
    assert covered.frame["title"].tolist() == ["Gamma (2001)", "Movie 99", "Alpha (1990)"]
    assert covered.frame["genres"].tolist() == [[], [], ["A", "B"]]
    assert covered.frame.loc[1, "year"] == 1990


def test_covering_when_movies_lack_most_ids():
    covered = make_movies().covering(range(1, 101))
    assert len(covered) == 100 and (covered.frame["title"] == "Movie 50").sum() == 1


def test_covering_across_id_kinds():
    movies = Movies.from_frame(pd.DataFrame({"id": ["1", "x"], "title": ["One", "Ex"]}))
    covered = movies.covering([1, 2])
    assert covered.frame["title"].tolist() == ["One", "Movie 2"]
    assert covered.frame.index.tolist() == [1, 2]


def test_placeholder_and_genre_names():
    placeholder = Movies.placeholder([5, 6])
    assert placeholder.frame["title"].tolist() == ["Movie 5", "Movie 6"]
    assert make_movies().genre_names() == ["A", "B"]


# -- splits -------------------------------------------------------------------------


def many_ratings(n_users: int = 40, per_user: int = 10, seed: int = 0) -> Ratings:
    rng = np.random.default_rng(seed)
    rows = [
        (u, i, float(rng.integers(1, 6)), int(rng.integers(0, 10**6)))
        for u in range(n_users)
        for i in rng.choice(500, per_user, replace=False)
    ]
    rows.append((999, 1, 3.0, 5))  # a user with a single rating
    return make_ratings(rows)


def test_random_split_is_seeded_and_deterministic():
    ratings = many_ratings()
    train, test = random_split(ratings, 0.2, seed=7)
    again_train, again_test = random_split(ratings, 0.2, seed=7)
    pd.testing.assert_frame_equal(test.frame, again_test.frame)
    pd.testing.assert_frame_equal(train.frame, again_train.frame)
    other = random_split(ratings, 0.2, seed=8)[1]
    assert not test.frame.equals(other.frame)


def test_random_split_partitions_the_ratings():
    ratings = many_ratings()
    train, test = random_split(ratings, 0.25, seed=1)
    assert train.n_ratings + test.n_ratings == ratings.n_ratings
    assert 0.15 < test.n_ratings / ratings.n_ratings < 0.35
    merged = pd.concat([train.frame, test.frame]).sort_values(["user", "item"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(merged, ratings.frame.sort_values(["user", "item"]).reset_index(drop=True))
    assert train.scale == test.scale == ratings.scale


@pytest.mark.parametrize("frac", [0.0, 1.0, -0.1, 2.0])
def test_split_fraction_must_be_between_0_and_1(frac: float):
    with pytest.raises(ValueError):
        random_split(many_ratings(), frac)
    with pytest.raises(ValueError):
        temporal_split(many_ratings(), frac)


def test_temporal_split_holds_out_each_users_latest_ratings():
    ratings = many_ratings()
    train, test = temporal_split(ratings, 0.2)
    assert train.n_ratings + test.n_ratings == ratings.n_ratings
    for user, held in test.frame.groupby("user"):
        kept = train.frame[train.frame["user"] == user]
        assert len(held) == 2 and len(kept) == 8
        assert held["timestamp"].min() >= kept["timestamp"].max()


def test_temporal_split_never_holds_out_a_users_only_rating():
    ratings = make_ratings([(1, 1, 4.0, 1), (2, 1, 2.0, 5), (2, 2, 3.0, 9), (3, 3, 1.0, 2)])
    train, test = temporal_split(ratings, 0.9)
    assert set(train.frame["user"]) == {1, 2, 3}
    assert test.frame[["user", "item"]].values.tolist() == [[2, 2]]


def test_temporal_split_breaks_ties_by_row_order():
    ratings = make_ratings([(1, 1, 4.0), (1, 2, 2.0), (1, 3, 3.0), (1, 4, 5.0)])
    train, test = temporal_split(ratings, 0.5)
    assert test.frame["item"].tolist() == [3, 4]


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 20), st.integers(1, 5), st.integers(0, 50)), min_size=2),
    frac=st.floats(0.05, 0.95),
)
@example(rows=[(0, 0, 1, 0), (0, 0, 2, 0), (1, 1, 2, 0)], frac=0.5)  # repeats: the last in the file stays
def test_temporal_split_property(rows: list[tuple], frac: float):
    frame = pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"])
    # the rule of Ratings.from_frame for a pair rated twice: the latest, then the last in the file
    kept = frame.sort_values("timestamp", kind="stable").drop_duplicates(["user", "item"], keep="last")
    if kept["rating"].nunique() < 2:
        with pytest.raises(DataError, match="every rating is"):
            Ratings.from_frame(frame)
        return
    ratings = Ratings.from_frame(frame)
    assert ratings.n_ratings == len(kept)
    train, test = temporal_split(ratings, frac)
    assert train.n_ratings + test.n_ratings == ratings.n_ratings
    assert set(train.frame["user"]) == set(ratings.frame["user"])  # every user keeps a training rating
    for user, held in test.frame.groupby("user"):
        assert held["timestamp"].min() >= train.frame.loc[train.frame["user"] == user, "timestamp"].max()
