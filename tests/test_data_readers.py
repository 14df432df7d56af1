"""Tests for ``cf.load_ratings``, ``cf.load_movies`` and ``cf.load_dataset``.

Every hostile input must end in a valid result or a :class:`cf.DataError` whose message names
the file and says what is wrong; no other exception and no warning may escape.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cf
from cf import DataError, load_dataset, load_movies, load_ratings

pytestmark = pytest.mark.filterwarnings("error")

DATA = Path(__file__).parent / "data"
RATINGS_ROWS = [(1, 10, 4.0, 1000), (1, 20, 3.5, 1010), (2, 10, 2.0, 1100), (2, 30, 5.0, 1110), (3, 20, 1.0, 1200)]


class Upload:
    """A stand-in for a browser upload (Streamlit's ``UploadedFile``): ``name`` and ``getvalue()``."""

    def __init__(self, data: bytes, name: str):
        self.name = name
        self._data = data

    def getvalue(self) -> bytes:
        return self._data


def ratings_text(delimiter: str = ",", header: bool = True, newline: str = "\n") -> str:
    """RATINGS_ROWS as delimited text."""
    lines = [delimiter.join(["userId", "movieId", "rating", "timestamp"])] if header else []
    lines += [delimiter.join(f"{v:g}" if isinstance(v, float) else str(v) for v in row) for row in RATINGS_ROWS]
    return newline.join(lines) + newline


def error_of(loader, raw, name: str = "upload.csv", **kwargs) -> str:
    """The DataError message ``loader`` raises for ``raw`` (fails the test when it does not raise)."""
    with pytest.raises(DataError) as caught:
        loader(raw, name=name, **kwargs)
    return str(caught.value)


def assert_ratings_rows(ratings: cf.Ratings) -> None:
    """``ratings`` holds exactly RATINGS_ROWS."""
    frame = ratings.frame
    assert list(frame.columns) == ["user", "item", "rating", "timestamp"]
    assert frame[["user", "item"]].dtypes.tolist() == [np.dtype("int64")] * 2
    got = sorted(frame.itertuples(index=False, name=None))
    assert got == sorted(RATINGS_ROWS)
    assert ratings.scale == (1.0, 5.0)
    assert ratings.n_duplicates == 0


# -- layouts ------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|", "::"], ids=["comma", "semicolon", "tab", "pipe", "colons"])
@pytest.mark.parametrize("header", [True, False], ids=["header", "headerless"])
def test_ratings_delimiters_with_and_without_header(delimiter: str, header: bool):
    ratings = load_ratings(ratings_text(delimiter, header).encode(), name="r.txt")
    assert_ratings_rows(ratings)


def test_headerless_ratings_without_timestamp_follow_movielens_order():
    ratings = load_ratings(b"7,70,4.5\n8,80,2\n7,80,1\n")
    assert ratings.frame[["user", "item", "rating"]].values.tolist() == [[7, 70, 4.5], [8, 80, 2.0], [7, 80, 1.0]]
    assert not ratings.has_timestamps


def test_ratings_windows_line_endings():
    assert_ratings_rows(load_ratings(ratings_text(newline="\r\n").encode()))


def test_ratings_old_mac_line_endings():
    assert_ratings_rows(load_ratings(ratings_text(newline="\r").encode()))


def test_ratings_blank_lines_and_spaces_are_tolerated():
    text = "\n\nuserId , movieId , rating , timestamp\n\n" + ratings_text(header=False).replace("\n", "\n\n") + "\n \n"
    assert_ratings_rows(load_ratings(text.encode()))


def test_quoted_ratings_cells():
    text = 'userId,movieId,rating,timestamp\n"1","10","4.0","1000"\n"2","20","3","1001"\n'
    ratings = load_ratings(text.encode())
    assert ratings.frame[["user", "item", "rating"]].values.tolist() == [[1, 10, 4.0], [2, 20, 3.0]]


def test_ratings_fixture_file():
    ratings = load_ratings(DATA / "ratings_small.csv")
    assert (ratings.n_ratings, ratings.n_users, ratings.n_items) == (9, 3, 5)
    assert ratings.scale == (0.5, 5.0)
    assert ratings.source == "ratings_small.csv"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|", "::"], ids=["comma", "semicolon", "tab", "pipe", "colons"])
@pytest.mark.parametrize("header", [True, False], ids=["header", "headerless"])
def test_movies_delimiters_with_and_without_header(delimiter: str, header: bool):
    rows = [("1", "Alpha, The (1995)", "Comedy|Drama"), ("2", "Beta (2001)", "Action"), ("3", "Gamma", "Horror|Sci-Fi")]
    if delimiter in (",", "|"):  # a title with the separator in it must be quoted; '|' cannot be in genres then
        rows = [(i, f'"{t}"', g) for i, t, g in rows]
    lines = [delimiter.join(["movieId", "title", "genres"])] if header else []
    lines += [delimiter.join(row) for row in rows]
    text = "\n".join(lines) + "\n"
    if delimiter == "|":
        text = text.replace("Comedy|Drama", "Comedy").replace("Horror|Sci-Fi", "Horror")
    movies = load_movies(text.encode(), name="m.txt")
    assert movies.frame.index.tolist() == [1, 2, 3]
    assert movies.frame.loc[1, "title"] == "Alpha, The (1995)"
    assert movies.frame.loc[1, "year"] == 1995
    assert movies.frame.loc[2, "genres"] == ["Action"]


def test_movies_comma_file_is_not_split_on_genre_pipes():
    # every row has the same number of genres, so '|' splits every line evenly too
    text = "1,Alpha (1995),Comedy|Drama|Horror\n2,Beta (1996),Action|Crime|War\n3,Gamma (1997),Drama|Film-Noir|War\n"
    movies = load_movies(text.encode())
    assert movies.frame.loc[2, "title"] == "Beta (1996)"
    assert movies.frame.loc[2, "genres"] == ["Action", "Crime", "War"]


def test_movies_fixture_keeps_titles_and_lists_genres():
    movies = load_movies(DATA / "movies_small.csv")
    frame = movies.frame
    assert len(movies) == 5
    assert frame.loc[10, "title"] == "Blue Harbor, The (1994)"
    assert frame.loc[20, "title"] == 'Say "Cheese" (2001)'
    assert frame.loc[10, "genres"] == ["Drama", "Romance"]
    assert frame.loc[40, "genres"] == []
    assert frame.loc[50, "year"] == 1999
    assert pd.isna(frame.loc[40, "year"])


def test_movies_html_and_script_tags_are_plain_text():
    movies = load_movies(DATA / "movies_small.csv")
    assert movies.frame.loc[30, "title"] == "<b>Bold</b> <script>alert('x')</script> (2010)"
    assert movies.frame.loc[30, "genres"] == ["Horror", "Thriller"]


def test_movies_without_genres_column():
    movies = load_movies(b"movieId,title\n1,Alpha\n2,Beta\n")
    assert movies.frame["genres"].tolist() == [[], []]


def test_movies_rows_may_leave_out_genres():
    movies = load_movies(b"movieId,title,genres\n1,Alpha,Drama\n2,Beta\n")
    assert movies.frame.loc[2, "genres"] == []


def test_movies_numeric_titles_do_not_make_a_header():
    movies = load_movies(b"1,Alpha,Drama\n2,1984,Drama\n3,2001,Sci-Fi\n")
    assert movies.frame["title"].tolist() == ["Alpha", "1984", "2001"]


def test_movies_titles_that_look_like_missing_values_are_kept():
    movies = load_movies(b"movieId,title,genres\n1,NA,Drama\n2,null,Comedy\n3,NaN,\n")
    assert movies.frame["title"].tolist() == ["NA", "null", "NaN"]


def test_movielens_100k_item_file_with_genre_flags():
    movies = load_movies(DATA / "u.item")
    frame = movies.frame
    assert frame.index.tolist() == [10, 20, 30]
    assert frame.loc[10, "title"] == "Café Lumière (1995)"
    assert frame.loc[10, "genres"] == ["Comedy", "Drama"]
    assert frame.loc[20, "genres"] == ["Action"]
    assert frame.loc[30, "genres"] == []  # 'unknown' is not a genre


def test_movielens_100k_genre_names_follow_flag_order():
    names = cf.data.columns.ML100K_GENRES
    assert len(names) == 19 and names[0] == "unknown" and names[-1] == "Western"
    for position, genre in enumerate(names[1:], start=1):
        flags = ["0"] * 19
        flags[position] = "1"
        line = f"5|T (1990)|01-Jan-1990||http://x|{'|'.join(flags)}\n6|U (1991)|||http://y|{'|'.join(['0'] * 19)}\n"
        assert load_movies(line.encode()).frame.loc[5, "genres"] == [genre]


def test_movielens_100k_ratings_file():
    ratings = load_ratings(DATA / "u.data")
    assert ratings.n_ratings == 5 and ratings.scale == (1.0, 5.0)
    assert ratings.frame["timestamp"].iloc[0] == 881250949


def test_movielens_1m_files_with_double_colons_and_latin1():
    ratings = load_ratings(DATA / "ratings.dat")
    movies = load_movies(DATA / "movies.dat")
    assert ratings.n_ratings == 5 and ratings.frame["user"].tolist() == [1, 1, 2, 2, 3]
    assert movies.frame.loc[10, "title"] == "Café Lumière (1995)"
    assert movies.frame.loc[30, "title"] == "Amores, Perros (2000)"
    assert movies.frame.loc[30, "genres"] == ["Drama", "Thriller"]


# -- encodings ----------------------------------------------------------------------


MOVIES_ACCENTS = "movieId,title,genres\n1,Café Lumière (1995),Drama\n2,Amélie (2001),Comedy|Romance\n"


@pytest.mark.parametrize(
    "encoded",
    [
        MOVIES_ACCENTS.encode("utf-8"),
        b"\xef\xbb\xbf" + MOVIES_ACCENTS.encode("utf-8"),
        MOVIES_ACCENTS.encode("latin-1"),
        MOVIES_ACCENTS.encode("cp1252"),
        MOVIES_ACCENTS.encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "latin1", "cp1252", "utf16"],
)
def test_movies_encodings(encoded: bytes):
    movies = load_movies(encoded)
    assert movies.frame.loc[1, "title"] == "Café Lumière (1995)"
    assert movies.frame.loc[2, "genres"] == ["Comedy", "Romance"]


def test_cp1252_only_characters():
    raw = "movieId,title\n1,Don’t Look – Now (1973)\n2,B\n".encode("cp1252")
    assert load_movies(raw).frame.loc[1, "title"] == "Don’t Look – Now (1973)"


def test_bom_does_not_hide_the_first_column_name():
    ratings = load_ratings(b"\xef\xbb\xbf" + ratings_text().encode())
    assert_ratings_rows(ratings)


# -- column names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "names",
    [
        ("userId", "movieId", "rating", "timestamp"),
        ("user_id", "item_id", "score", "time"),
        ("user", "itemId", "stars", "timestamp"),
        ("uid", "iid", "rating", "time"),
        ("UserID", "movie", "Rating", "Timestamp"),
    ],
)
def test_ratings_column_spellings(names: tuple[str, ...]):
    assert_ratings_rows(
        load_ratings(ratings_text().replace("userId,movieId,rating,timestamp", ",".join(names)).encode())
    )


def test_ratings_columns_in_any_order_and_extra_columns():
    text = "comment,rating,movieId,userId\nhi,4,10,1\nyo,2,20,2\n"
    frame = load_ratings(text.encode()).frame
    assert frame[["user", "item", "rating"]].values.tolist() == [[1, 10, 4.0], [2, 20, 2.0]]


def test_explicit_column_mapping_overrides_names():
    text = "customer,product,grade,when\n1,10,4,5\n2,20,2,6\n"
    mapping = {"user": "customer", "item": "product", "rating": "grade", "timestamp": "when"}
    frame = load_ratings(text.encode(), columns=mapping).frame
    assert frame.values.tolist() == [[1, 10, 4.0, 5], [2, 20, 2.0, 6]]


def test_partial_mapping_finds_the_rest_by_name():
    frame = load_ratings(b"customer,movieId,rating\n1,10,4\n2,20,2\n", columns={"user": "customer"}).frame
    assert frame["user"].tolist() == [1, 2]


def test_mapping_beats_a_usual_name():
    text = "userId,movieId,rating,my_rating\n1,10,1,4\n2,20,1,2\n"
    assert load_ratings(text.encode(), columns={"rating": "my_rating"}).frame["rating"].tolist() == [4.0, 2.0]


def test_mapping_by_position_for_headerless_file():
    frame = load_ratings(b"4,1,10,999\n2,2,20,998\n", columns={"rating": 0, "user": 1, "item": 2}).frame
    assert frame[["user", "item", "rating"]].values.tolist() == [[1, 10, 4.0], [2, 20, 2.0]]


def test_mapping_to_a_missing_column_names_the_columns():
    message = error_of(load_ratings, b"userId,movieId,rating\n1,2,3\n2,3,4\n", columns={"rating": "stars_given"})
    assert "stars_given" in message and "userId, movieId, rating" in message


def test_mapping_with_an_unknown_key():
    message = error_of(load_ratings, b"userId,movieId,rating\n1,2,3\n2,3,4\n", columns={"person": "userId"})
    assert "person" in message and "user, item, rating, timestamp" in message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("usr,movieId,rating", ["no user column", "'usr' looks close", "userId", "columns={'user': 'usr'}"]),
        ("userId,moveId,ratng", ["no item column", "'moveId'", "no rating column", "'ratng'", "rename"]),
        ("a,b,c", ["no user column", "no item column", "no rating column", "a, b, c", "Accepted names"]),
    ],
)
def test_missing_or_misspelled_columns_suggest_the_fix(header: str, expected: list[str]):
    message = error_of(load_ratings, f"{header}\n1,2,3\n2,3,4\n".encode(), name="mine.csv")
    assert message.startswith("mine.csv")
    for fragment in expected:
        assert fragment in message


def test_misspelled_movie_title_column():
    message = error_of(load_movies, b"movieId,titel,genres\n1,A,Drama\n", name="m.csv")
    assert "no title column" in message and "'titel' looks close" in message


def test_movies_file_given_as_ratings_is_named():
    assert "looks like a movies file" in error_of(load_ratings, (DATA / "movies_small.csv").read_bytes())


def test_ratings_file_given_as_movies_is_named():
    assert "looks like a ratings file" in error_of(load_movies, (DATA / "ratings_small.csv").read_bytes())


# -- sources ------------------------------------------------------------------------


def test_every_kind_of_source(tmp_path: Path):
    raw = ratings_text().encode()
    path = tmp_path / "mine.csv"
    path.write_bytes(raw)
    frame = pd.read_csv(io.BytesIO(raw))
    sources = [path, str(path), raw, bytearray(raw), io.BytesIO(raw), Upload(raw, "mine.csv"), frame]
    for source in sources:
        assert_ratings_rows(load_ratings(source))


def test_upload_name_is_used_in_messages():
    message = str(pytest.raises(DataError, load_ratings, Upload(b"", "my upload.csv")).value)
    assert message.startswith("my upload.csv")


def test_file_object_name_is_used_in_messages(tmp_path: Path):
    path = tmp_path / "named.csv"
    path.write_bytes(b"userId,movieId,rating\n1,2,x\n")
    with path.open("rb") as handle, pytest.raises(DataError, match=r"^named\.csv, line 2"):
        load_ratings(handle)


def test_text_mode_file_object(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text(ratings_text(), encoding="utf-8")
    with path.open(encoding="utf-8") as handle:
        assert_ratings_rows(load_ratings(handle))


@pytest.mark.parametrize("source", ["/no/such/file.csv", 42, None])
def test_unreadable_sources(source):
    with pytest.raises(DataError):
        load_ratings(source)


def test_folder_is_refused_by_load_ratings(tmp_path: Path):
    assert "folder" in error_of(load_ratings, tmp_path)


def test_dataframe_source_with_movielens_names():
    frame = pd.DataFrame({"movieId": [1, 2], "title": ["A (1990)", "B"], "genres": ["Drama|War", ""]})
    movies = load_movies(frame)
    assert movies.frame.loc[1, "genres"] == ["Drama", "War"] and movies.frame.loc[1, "year"] == 1990


# -- ids, ratings, duplicates -------------------------------------------------------


def test_string_ids():
    ratings = load_ratings(b"userId,movieId,rating\nalice,tt0111161,4\nbob,tt0068646,2\nalice,tt0068646,5\n")
    assert ratings.frame["user"].tolist() == ["alice", "bob", "alice"]
    assert ratings.frame["item"].tolist() == ["tt0111161", "tt0068646", "tt0068646"]


def test_mixed_numeric_and_string_ids_become_strings():
    frame = load_ratings(b"userId,movieId,rating\n1,10,4\nu2,10,2\n").frame
    assert frame["user"].tolist() == ["1", "u2"] and frame["item"].tolist() == [10, 10]


@pytest.mark.parametrize("header", [True, False])
def test_twenty_digit_ids_stay_exact_strings(header: bool):
    big_user, big_item = "12345678901234567890", "98765432109876543210"
    rows = f"{big_user},{big_item},4\n{big_user},7,2\n18446744073709551615,7,3\n"
    text = ("userId,movieId,rating\n" if header else "") + rows
    frame = load_ratings(text.encode()).frame
    assert frame["user"].tolist() == [big_user, big_user, "18446744073709551615"]
    assert frame["item"].tolist() == [big_item, "7", "7"]


def test_twenty_digit_movie_ids():
    movies = load_movies(b"movieId,title\n12345678901234567890,A\n2,B\n")
    assert movies.frame.index.tolist() == ["12345678901234567890", "2"]


def test_largest_int64_ids_stay_numbers():
    frame = load_ratings(b"userId,movieId,rating\n123456789012345678,1,4\n2,1,2\n").frame
    assert frame["user"].tolist() == [123456789012345678, 2]


def test_negative_ratings_set_the_scale():
    ratings = load_ratings(b"userId,movieId,rating\n1,1,-10\n1,2,10\n2,1,0\n")
    assert ratings.scale == (-10.0, 10.0)


def test_scale_is_taken_from_the_data():
    assert load_ratings(b"u,i,r\n1,1,1\n1,2,10\n", columns={"user": "u", "item": "i", "rating": "r"}).scale == (1, 10)


def test_one_user_only():
    ratings = load_ratings(b"userId,movieId,rating\n1,1,4\n1,2,2\n1,3,5\n")
    assert ratings.n_users == 1 and ratings.n_items == 3


def test_one_movie_only():
    ratings = load_ratings(b"userId,movieId,rating\n1,9,4\n2,9,2\n3,9,5\n")
    assert ratings.n_users == 3 and ratings.n_items == 1


def test_a_single_rating_cannot_be_learned_from():
    message = error_of(load_ratings, b"userId,movieId,rating\n1,9,4\n", name="one.csv")
    assert message.startswith("one.csv") and "every rating is 4" in message


def test_duplicates_keep_the_latest_by_timestamp():
    text = "userId,movieId,rating,timestamp\n1,10,5,300\n1,10,1,100\n1,10,3,200\n2,10,4,50\n"
    ratings = load_ratings(text.encode())
    assert ratings.n_duplicates == 2
    assert ratings.frame.set_index(["user", "item"]).loc[(1, 10), "rating"] == 5.0


def test_duplicates_without_timestamps_keep_the_last_row():
    ratings = load_ratings(b"userId,movieId,rating\n1,10,5\n2,10,2\n1,10,1\n1,10,3\n")
    assert ratings.n_duplicates == 2
    assert ratings.frame.values.tolist() == [[2, 10, 2.0, 0], [1, 10, 3.0, 0]]


def test_identical_duplicate_rows():
    ratings = load_ratings(b"userId,movieId,rating\n1,10,5\n1,10,5\n2,10,1\n")
    assert ratings.n_duplicates == 1 and ratings.n_ratings == 2


def test_iso_date_timestamps_become_seconds():
    ratings = load_ratings(b"userId,movieId,rating,timestamp\n1,1,4,2020-01-01\n1,2,2,2020-01-02T00:00:10\n")
    assert ratings.frame["timestamp"].tolist() == [1577836800, 1577923210]


def test_unreadable_timestamps_are_dropped_not_fatal():
    ratings = load_ratings(b"userId,movieId,rating,timestamp\n1,1,4,yesterday\n1,2,2,today\n")
    assert not ratings.has_timestamps


def test_movies_file_lacking_most_rated_ids_gets_placeholder_titles():
    ratings = load_ratings(DATA / "ratings_small.csv")
    movies = load_movies(b"movieId,title,genres\n10,Known (2000),Drama\n")
    covered = movies.covering(ratings.frame["item"].unique())
    assert len(covered) == ratings.n_items
    assert covered.frame.loc[10, "title"] == "Known (2000)"
    assert covered.frame.loc[40, "title"] == "Movie 40" and covered.frame.loc[40, "genres"] == []


# -- hostile input ------------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
HOSTILE = {
    "empty": (b"", ["is empty"]),
    "whitespace only": (b" \n\n\t\n", ["is empty"]),
    "header only": (b"userId,movieId,rating,timestamp\n", ["header row but no data"]),
    "header only no newline": (b"userId,movieId,rating", ["header row but no data"]),
    "binary garbage": (bytes(range(256)) * 8, ["binary"]),
    "png renamed csv": (PNG + bytes(64), ["PNG image"]),
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF", ["JPEG"]),
    "pdf": (b"%PDF-1.4\n%....", ["PDF"]),
    "gzip": (b"\x1f\x8b\x08\x00" + bytes(20), ["gzip"]),
    "xlsx": (b"PK\x03\x04" + b"\x00" * 26 + b"[Content_Types].xml", ["Excel"]),
    "control characters": (b"\x01\x02\x03,\x04\x05\x06\n\x07\x08,\x0b\x0c\x0e\n" * 20, ["not look like a text table"]),
    "one column": (b"hello\nworld\n", ["column separator"]),
    "space separated": (b"1 2 3\n2 3 4\n", ["column separator"]),
    "html page": (b"<html><body><p>hello</p></body></html>\n", ["column separator"]),
    "mixed delimiters": (b"userId,movieId,rating\n1,2,3\n2;3;4\n3,4,5\n", ["line 3", "semicolons", "one separator"]),
    "extra columns": (b"userId,movieId,rating\n1,2,3\n2,3,4,5,6\n", ["line 3", "5 column(s)", "line 1 has 3"]),
    "missing column": (b"userId,movieId,rating,timestamp\n1,2,3,4\n2,3,4\n", ["line 3", "3 column(s)", "Fill in"]),
    "header shorter than rows": (b"userId,movieId,rating\n1,2,3,4\n2,3,4,5\n", ["line 2", "header names fewer"]),
    "non-numeric rating": (b"userId,movieId,rating\n1,2,3\n2,3,abc\n", ["line 3", "'abc' is not a number"]),
    "nan rating": (b"userId,movieId,rating\n1,2,3\n2,3,NaN\n", ["line 3", "'NaN'"]),
    "infinite rating": (b"userId,movieId,rating\n1,2,3\n2,3,inf\n", ["line 3", "'inf'"]),
    "overflowing rating": (b"userId,movieId,rating\n1,2,1e999\n2,3,4\n", ["line 2", "'1e999'"]),
    "empty rating": (b"userId,movieId,rating\n1,2,3\n2,3,\n", ["line 3", "rating is empty"]),
    "boolean rating": (b"userId,movieId,rating\n1,2,true\n2,3,false\n", ["line 2", "'true'"]),
    "comma decimal rating": (b"userId;movieId;rating\n1;2;3,5\n2;3;4\n", ["line 2", "'3,5'"]),
    "empty user id": (b"userId,movieId,rating\n1,2,3\n,3,4\n", ["line 3", "user id is empty"]),
    "blank movie id": (b"userId,movieId,rating\n1, ,3\n2,3,4\n", ["line 2", "movie id is empty"]),
    "unclosed quote": (b'userId,movieId,rating\n1,2,3\n"2,3,4\n3,4,5\n', ["line 3", "never closed"]),
    "headerless one column": (b"1\n3\n", ["column"]),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_ratings_input(case: str):
    raw, fragments = HOSTILE[case]
    message = error_of(load_ratings, raw, name="evil.csv")
    assert message.startswith("evil.csv"), message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("case", ["empty", "header only", "binary garbage", "png renamed csv", "one column"])
def test_hostile_movies_input(case: str):
    raw, fragments = HOSTILE[case]
    raw = raw.replace(b"userId,movieId,rating,timestamp", b"movieId,title,genres")
    message = error_of(load_movies, raw, name="evil.csv")
    assert message.startswith("evil.csv") and fragments[0] in message, message


def test_movies_with_empty_id_names_the_line():
    message = error_of(load_movies, b"movieId,title,genres\n1,A,Drama\n,B,Comedy\n", name="m.csv")
    assert message.startswith("m.csv, line 3") and "movie id is empty" in message


def test_movies_with_unquoted_separator_in_title():
    message = error_of(load_movies, b"movieId,title,genres\n1,A,Drama\n2,Matrix, The (1999),Action\n", name="m.csv")
    assert "line 3" in message and "double quotes" in message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("userId,movieId,rating\r\n1,2,3\r\n2,3,x\r\n", 3),
        ("userId,movieId,rating\n\n1,2,3\n\n\n2,3,x\n", 6),
        ("\n\nuserId,movieId,rating\n1,2,3\n2,3,x\n", 5),
        ("userId,movieId,rating\n1,2,3\n   \n2,3,x\n", 4),
        ("1,2,3\n2,3,4\n\n3,4,x\n", 4),
        ('userId,movieId,rating\n"1",2,3\n2,3,"\n"\n', 3),
        ("1::2::3\n\n2::3::x\n", 3),
    ],
)
def test_line_numbers_count_blank_lines_and_headers(text: str, line: int):
    message = error_of(load_ratings, text.encode(), name="f.csv")
    assert message.startswith(f"f.csv, line {line}:"), message


def test_line_number_after_a_multiline_quoted_title():
    text = 'movieId,title,genres\n1,"Two\nLines (1990)",Drama\n,B,Comedy\n'
    assert error_of(load_movies, text.encode(), name="m.csv").startswith("m.csv, line 4:")
    assert load_movies(text.replace(",B", "2,B").encode()).frame.loc[1, "title"] == "Two\nLines (1990)"


def test_bad_rating_deep_in_a_large_file_names_its_line():
    lines = ["userId,movieId,rating"] + [f"{i % 50},{i},{i % 5 + 1}" for i in range(60_000)]
    lines[50_001] = "7,7,oops"
    message = error_of(load_ratings, ("\n".join(lines) + "\n").encode(), name="big.csv")
    assert message.startswith("big.csv, line 50002:") and "'oops'" in message


def test_loaders_print_nothing(capsys):
    load_ratings(DATA / "ratings_small.csv")
    load_movies(DATA / "movies_small.csv")
    for raw, _ in HOSTILE.values():
        with pytest.raises(DataError):
            load_ratings(raw)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# -- zips ---------------------------------------------------------------------------


def make_zip(members: dict[str, bytes]) -> bytes:
    """A zip archive (deflated) holding ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.movielens
def test_zip_of_latest_small(tmp_path: Path, ml_small_ratings_path: Path, ml_small_movies_path: Path):
    path = tmp_path / "ml-latest-small.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(ml_small_ratings_path, "ml-latest-small/ratings.csv")
        archive.write(ml_small_movies_path, "ml-latest-small/movies.csv")
        archive.writestr("ml-latest-small/README.txt", "readme")
    ratings, movies = load_dataset(path)
    assert (ratings.n_ratings, ratings.n_users, ratings.n_items) == (100_836, 610, 9_724)
    assert len(movies) == 9_742 and ratings.source == "ml-latest-small.zip/ratings.csv"
    assert load_ratings(path).n_ratings == 100_836


def test_zip_of_25m_layout():
    raw = make_zip(
        {
            "ml-25m/genome-scores.csv": b"movieId,tagId,relevance\n1,1,0.5\n",
            "ml-25m/links.csv": b"movieId,imdbId,tmdbId\n10,1,1\n",
            "ml-25m/ratings.csv": (DATA / "ratings_small.csv").read_bytes(),
            "ml-25m/movies.csv": (DATA / "movies_small.csv").read_bytes(),
            "ml-25m/tags.csv": b"userId,movieId,tag,timestamp\n1,10,fun,1\n",
        }
    )
    ratings, movies = load_dataset(Upload(raw, "ml-25m.zip"))
    assert ratings.n_ratings == 9 and len(movies) == 5
    assert movies.frame.loc[10, "title"] == "Blue Harbor, The (1994)"


def test_zip_of_1m_layout():
    raw = make_zip({f"ml-1m/{n}": (DATA / n).read_bytes() for n in ("ratings.dat", "movies.dat")})
    ratings, movies = load_dataset(raw, name="ml-1m.zip")
    assert ratings.n_ratings == 5 and movies.frame.loc[10, "title"] == "Café Lumière (1995)"


def test_zip_of_100k_layout():
    members = {f"ml-100k/{n}": (DATA / n).read_bytes() for n in ("u.data", "u.item")}
    members["ml-100k/u1.base"] = b"9\t9\t1\t1\n"
    members["ml-100k/u.genre"] = b"unknown|0\nAction|1\n"
    ratings, movies = load_dataset(make_zip(members), name="ml-100k.zip")
    assert ratings.n_ratings == 5 and movies.frame.loc[10, "genres"] == ["Comedy", "Drama"]


def test_zip_without_movies_gives_no_movies():
    ratings, movies = load_dataset(make_zip({"ratings.csv": (DATA / "ratings_small.csv").read_bytes()}))
    assert ratings.n_ratings == 9 and movies is None


def test_zip_ignores_macos_metadata():
    raw = make_zip({"__MACOSX/x/._ratings.csv": b"\x00\x05junk", "x/ratings.csv": ratings_text().encode()})
    assert_ratings_rows(load_ratings(raw))


def test_zip_with_no_ratings_file():
    message = error_of(load_ratings, make_zip({"notes.txt": b"hi", "movies.csv": b"movieId,title\n1,A\n"}), "x.zip")
    assert message.startswith("x.zip has no ratings file") and "notes.txt" in message


def test_empty_zip():
    assert "holds nothing" in error_of(load_ratings, make_zip({}), name="empty.zip")


def test_zip_inside_a_zip():
    inner = make_zip({"ml/ratings.csv": ratings_text().encode()})
    message = error_of(load_dataset, make_zip({"inner.zip": inner}), name="outer.zip")
    assert "another zip" in message and "inner.zip" in message


def test_zip_whose_ratings_file_is_a_zip():
    inner = make_zip({"ratings.csv": ratings_text().encode()})
    assert "itself a zip" in error_of(load_ratings, make_zip({"ratings.csv": inner}), name="outer.zip")


def test_damaged_zip():
    raw = make_zip({"ratings.csv": ratings_text().encode() * 50})
    damaged = raw[:60] + bytes(len(raw) - 120) + raw[-60:]
    assert error_of(load_ratings, damaged, name="bad.zip").startswith("bad.zip")


def test_truncated_zip():
    raw = make_zip({"ratings.csv": ratings_text().encode() * 50})
    assert "not a readable zip" in error_of(load_ratings, raw[: len(raw) // 2], name="cut.zip")


def test_zip_bomb_is_refused_without_unpacking(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("ratings.csv", "w") as member:
            chunk = bytes(1024 * 1024)
            for _ in range(200):
                member.write(chunk)
    raw = buffer.getvalue()
    assert len(raw) < 1024 * 1024
    opened = []  # members the reader starts to unpack
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, member, *a, **k: opened.append(member))
    message = error_of(load_ratings, raw, name="bomb.zip")
    assert not opened
    assert message.startswith("bomb.zip") and "zip bomb" in message and "200.0 MB" in message


def test_member_over_the_size_limit(monkeypatch):
    monkeypatch.setattr(cf.data.archive, "MAX_MEMBER_BYTES", 1024 * 1024)
    raw = make_zip({"ratings.csv": ratings_text().encode() * 40_000})  # about 2.5 MB of text
    message = error_of(load_ratings, raw, name="big.zip")
    assert "over the limit of 1.0 MB" in message


def test_load_dataset_reads_an_upload_only_once():
    raw = make_zip({"ratings.csv": ratings_text().encode(), "movies.csv": (DATA / "movies_small.csv").read_bytes()})
    ratings, movies = load_dataset(io.BytesIO(raw))
    assert_ratings_rows(ratings)
    assert len(movies) == 5


def test_load_dataset_of_a_plain_ratings_file():
    ratings, movies = load_dataset(ratings_text().encode())
    assert_ratings_rows(ratings)
    assert movies is None


def test_load_dataset_of_a_folder(tmp_path: Path):
    (tmp_path / "ml-1m").mkdir()
    for name in ("ratings.dat", "movies.dat"):
        (tmp_path / "ml-1m" / name).write_bytes((DATA / name).read_bytes())
    ratings, movies = load_dataset(tmp_path)
    assert ratings.n_ratings == 5 and len(movies) == 3
    (tmp_path / "empty").mkdir()
    assert "no ratings file" in str(pytest.raises(DataError, load_dataset, tmp_path / "empty").value)


def test_load_dataset_with_broken_movies_file_raises():
    raw = make_zip({"ratings.csv": ratings_text().encode(), "movies.csv": PNG})
    assert "movies.csv is a PNG image" in error_of(load_dataset, raw, name="x.zip")


# -- real data ----------------------------------------------------------------------


@pytest.mark.movielens
def test_latest_small_ratings(ml_small_ratings_path: Path):
    ratings = load_ratings(ml_small_ratings_path)
    assert (ratings.n_ratings, ratings.n_users, ratings.n_items) == (100_836, 610, 9_724)
    assert ratings.scale == (0.5, 5.0) and ratings.n_duplicates == 0 and ratings.has_timestamps
    assert ratings.frame[["user", "item", "timestamp"]].dtypes.tolist() == [np.dtype("int64")] * 3


@pytest.mark.movielens
def test_latest_small_movies(ml_small_movies_path: Path):
    movies = load_movies(ml_small_movies_path)
    assert len(movies) == 9_742
    assert movies.frame.loc[1, "title"] == "Toy Story (1995)" and movies.frame.loc[1, "year"] == 1995
    assert movies.frame.loc[1, "genres"] == ["Adventure", "Animation", "Children", "Comedy", "Fantasy"]
    assert movies.frame.loc[11, "title"] == "American President, The (1995)"


@pytest.mark.movielens
def test_split_files(split_dir: Path):
    train = load_ratings(split_dir / "train.csv")
    test = load_ratings(split_dir / "test.csv")
    assert (train.n_ratings, test.n_ratings) == (90_852, 9_984)
    assert train.scale == (0.5, 5.0)


# -- property-based -----------------------------------------------------------------

CELL_ALPHABET = "0123456789-.eE +aZé\"'|,;\t:<>/\\xnNiIfF_\r\n"
cells = st.one_of(
    st.text(alphabet=CELL_ALPHABET, max_size=8),
    st.integers(-(10**21), 10**21).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "NA", "null", "nan", "inf", "userId", "movieId", "rating", "title", "genres", "A|B"]),
)


numbers = st.one_of(
    st.integers(-3, 12).map(str), st.sampled_from(["0.5", "4.5", "-1", "1e3", "007", "12345678901234567890"])
)
mostly_numbers = st.one_of(numbers, numbers, numbers, numbers, cells)


@st.composite
def tables(draw) -> bytes:
    """Small delimited tables of random cells, with random separators, header, line ends and encoding."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", "::"]))
    width = draw(st.integers(1, 6))
    cell = draw(st.sampled_from([cells, mostly_numbers, numbers]))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=0, max_size=6))
    if draw(st.booleans()):
        rows.insert(0, draw(st.permutations(["userId", "movieId", "rating", "timestamp", "title", "genres"]))[:width])
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(delimiter.join(row) for row in rows) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


def check_ratings(ratings: cf.Ratings) -> None:
    """The invariants of a loaded ``Ratings``."""
    frame = ratings.frame
    assert list(frame.columns) == ["user", "item", "rating", "timestamp"] and len(frame) > 0
    for key in ("user", "item"):
        column = frame[key]
        assert column.dtype == np.dtype("int64") or pd.api.types.is_string_dtype(column.dtype)
        assert column.notna().all()
        if column.dtype != np.dtype("int64"):
            assert (column.str.strip() != "").all()
    assert frame["rating"].dtype == np.dtype("float64") and np.isfinite(frame["rating"]).all()
    assert frame["timestamp"].dtype == np.dtype("int64")
    assert not frame.duplicated(["user", "item"]).any()
    assert ratings.scale == (frame["rating"].min(), frame["rating"].max())
    assert ratings.scale[0] < ratings.scale[1] or ratings.scale == (1.0, 1.0)  # (1, 1): who watched what
    assert ratings.n_duplicates >= 0


def check_movies(movies: cf.Movies) -> None:
    """The invariants of a loaded ``Movies``."""
    frame = movies.frame
    assert len(frame) > 0 and frame.index.is_unique and frame.index.notna().all()
    assert all(isinstance(title, str) for title in frame["title"])
    assert all(isinstance(genres, list) and all(isinstance(g, str) for g in genres) for genres in frame["genres"])
    assert str(frame["year"].dtype) == "Int64"


def load_or_data_error(loader, raw: bytes):
    """``loader(raw)``, or None when it raises DataError (any other exception fails the test)."""
    try:
        return loader(raw, name="fuzz.csv")
    except DataError as error:
        assert str(error).startswith(("fuzz.csv", "columns=")), str(error)
        return None


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_both_readers(raw: bytes) -> None:
    """Each reader gives a DataError or a valid table."""
    ratings = load_or_data_error(load_ratings, raw)
    if ratings is not None:
        check_ratings(ratings)
    movies = load_or_data_error(load_movies, raw)
    if movies is not None:
        check_movies(movies)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=400), st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b)))
def test_random_bytes_give_data_error_or_valid_result(raw: bytes):
    check_both_readers(raw)


@FUZZ
@given(raw=tables())
def test_random_tables_give_data_error_or_valid_result(raw: bytes):
    check_both_readers(raw)


@settings(FUZZ, max_examples=50)
@given(rows=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.floats(-5, 5), st.integers(0, 99)), min_size=2))
def test_random_numeric_ratings_round_trip(rows: list[tuple]):
    text = "userId,movieId,rating,timestamp\n" + "".join(f"{u},{i},{r!r},{t}\n" for u, i, r, t in rows)
    expected = pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"])
    expected = expected.sort_values("timestamp", kind="stable").drop_duplicates(["user", "item"], keep="last")
    if expected["rating"].nunique() < 2:
        assert "every rating is" in error_of(load_ratings, text.encode())
        return
    ratings = load_ratings(text.encode())
    check_ratings(ratings)
    assert ratings.n_duplicates == len(rows) - len(expected)
    got = ratings.frame.sort_values(["user", "item"]).reset_index(drop=True)
    want = expected.sort_values(["user", "item"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


@pytest.mark.parametrize(
    "raw",
    [b"userId,movieId\n1,10\n1,11\n2,10\n", b"1,10\n1,11\n2,10\n", b"user,movie,timestamp\n1,10,5\n1,11,6\n2,10,7\n"],
    ids=["header", "no header", "with timestamps"],
)
def test_files_without_ratings_are_who_watched_what(raw):
    ratings = load_ratings(raw, name="watched.csv")
    assert ratings.n_ratings == 3 and ratings.scale == (1.0, 1.0)
    assert (ratings.frame["rating"] == 1.0).all()
    assert list(ratings.frame["item"]) == [10, 11, 10]
    if b"timestamp" in raw:
        assert list(ratings.frame["timestamp"]) == [5, 6, 7]


def test_a_misnamed_rating_column_is_still_an_error():
    message = error_of(load_ratings, b"userId,movieId,ratng\n1,10,4\n2,10,3\n", name="typo.csv")
    assert "no rating column ('ratng' looks close" in message


# -- property-based: files that are valid must load, with exactly their content ------

DELIMITERS = [",", ";", "\t", "|", "::"]
GENRES = ["Action", "Comedy", "Drama", "Film-Noir", "Sci-Fi", "Children's"]
TITLE_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ()'.-&!?é,\""


rating_rows = st.lists(
    st.tuples(
        st.integers(1, 40),
        st.integers(1, 60),
        st.sampled_from([x / 2 for x in range(1, 11)]),
        st.integers(800_000_000, 1_700_000_000),
    ),
    min_size=2,
    max_size=30,
)
"""(user, movie, rating, timestamp) rows."""


def write_table(rows: list[list[str]], delimiter: str, newline: str, encoding: str, trailing: bool) -> bytes:
    """``rows`` as a delimited file: csv quoting for one-character separators, none for '::'."""
    if delimiter == "::":
        text = newline.join("::".join(row) for row in rows)
    else:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
        text = buffer.getvalue().removesuffix(newline)
    return (text + (newline if trailing else "")).encode(encoding)


layouts = st.tuples(
    st.sampled_from(DELIMITERS),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    st.booleans(),
)


@FUZZ
@given(rows=rating_rows, header=st.booleans(), timestamps=st.booleans(), layout=layouts)
def test_any_valid_ratings_file_loads_with_exactly_its_ratings(rows, header, timestamps, layout):
    expected = pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"])
    if not timestamps:
        expected["timestamp"] = 0
    expected = expected.sort_values("timestamp", kind="stable").drop_duplicates(["user", "item"], keep="last")
    assume(expected["rating"].nunique() >= 2)  # one rating value is refused: nothing to learn
    width = 4 if timestamps else 3
    cells = [[str(u), str(m), f"{r:g}", str(t)][:width] for u, m, r, t in rows]
    if header:
        cells.insert(0, ["userId", "movieId", "rating", "timestamp"][:width])
    ratings = load_ratings(write_table(cells, *layout), name="valid.csv")
    check_ratings(ratings)
    got = ratings.frame.sort_values(["user", "item"]).reset_index(drop=True)
    want = expected.sort_values(["user", "item"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert ratings.n_duplicates == len(rows) - len(expected)


@st.composite
def movie_rows(draw, delimiter: str) -> list[tuple[int, str, list[str]]]:
    """(id, title, genres) rows with distinct ids; titles without the separator when it cannot be quoted."""
    alphabet = TITLE_CHARS.replace(":", "") if delimiter == "::" else TITLE_CHARS
    title = st.text(alphabet=alphabet, min_size=1, max_size=30).map(str.strip).filter(bool)
    genres = st.lists(st.sampled_from(GENRES), max_size=3, unique=True)
    ids = draw(st.lists(st.integers(1, 10**6), min_size=1, max_size=20, unique=True))
    return [(movie, draw(title), draw(genres)) for movie in ids]


@FUZZ
@given(data=st.data(), header=st.booleans(), layout=layouts)
def test_any_valid_movies_file_loads_with_exactly_its_movies(data, header, layout):
    rows = data.draw(movie_rows(layout[0]))
    cells = [[str(movie), title, "|".join(genres) or "(no genres listed)"] for movie, title, genres in rows]
    if header:
        cells.insert(0, ["movieId", "title", "genres"])
    movies = load_movies(write_table(cells, *layout), name="valid.csv")
    check_movies(movies)
    assert movies.frame.index.tolist() == [movie for movie, _, _ in rows]
    assert movies.frame["title"].tolist() == [title for _, title, _ in rows]
    assert movies.frame["genres"].tolist() == [genres for _, _, genres in rows]


def test_a_title_that_is_only_a_comma_does_not_make_the_comma_the_separator():
    # found by the fuzz test: with one line, "," and "|" both split it evenly; only "|" leaves the id first
    movies = load_movies(b"1|,|(no genres listed)\n", name="odd.csv")
    assert movies.frame.index.tolist() == [1] and movies.frame["title"].tolist() == [","]
