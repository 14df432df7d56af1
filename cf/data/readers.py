"""Read ratings and movies files: CSV-like text in any common layout, or a MovieLens zip.

One line of steps, each once and in its own module: :mod:`cf.data.decode` gets the bytes (a
path, an upload, a zip member) and decodes them, :mod:`cf.data.parse` finds the layout in the
decoded text and parses it into a table, :mod:`cf.data.columns` chooses the columns, and
:mod:`cf.data.tables` validates them into :class:`Ratings` or :class:`Movies`. Every problem with the input comes out
as :class:`cf.data.DataError`, whose message names the file, the line or column, what is
wrong and how to fix it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from cf.data.archive import find_member, is_zip, open_zip
from cf.data.columns import (
    MOVIE_ALIASES,
    RATING_ALIASES,
    choose_columns,
    flags_to_genres,
    has_genre_flags,
    pick_columns,
)
from cf.data.decode import Source, decode_text, read_source, source_bytes
from cf.data.extras import extra_columns
from cf.data.parse import TextTable
from cf.data.tables import DataError, Movies, Ratings

RATINGS_MEMBERS = ("ratings.csv", "ratings.dat", "u.data", "ratings.tsv", "ratings.txt")
MOVIES_MEMBERS = ("movies.csv", "movies.dat", "u.item", "movies.tsv", "movies.txt")


def load_ratings(source: Source, columns: Mapping[str, str | int] | None = None, name: str | None = None) -> Ratings:
    """Read and validate a ratings file.

    Parameters
    ----------
    source
        A path, the file's bytes, a binary file-like object (an upload: ``getvalue()`` or
        ``read()``, and ``name``) or a DataFrame. A MovieLens ``.zip`` is searched for its
        ratings file.
    columns
        Optional override: maps ``user``, ``item``, ``rating`` and ``timestamp`` to the
        file's column names (or positions, for a file without a header). Columns not
        mapped are found by their usual names.
    name
        The file name used in messages.

    Returns
    -------
    Ratings
        The validated ratings; repeated (user, movie) pairs keep their latest row.

    Raises
    ------
    DataError
        With the file, the line or column, what is wrong and how to fix it.
    """
    if isinstance(source, pd.DataFrame):
        label = name or "ratings"
        return _ratings(pick_rating_columns(source, columns, label), label)
    raw, name = read_source(source, name, RATINGS_MEMBERS, "ratings")
    text = TextTable.sniff(decode_text(raw, name), name, RATING_ALIASES, columns, strict_width=True)
    frame = pick_rating_columns(text.read(as_text=False), columns, name, text.has_header)
    if _needs_text(frame):
        frame = pick_rating_columns(text.read(as_text=True), columns, name, text.has_header)
    lines = text.row_lines(len(frame))
    del raw, text  # with one row per line nothing needs the file's bytes any more: free them early
    return _ratings(frame, name, lines)


def pick_rating_columns(
    frame: pd.DataFrame, columns: Mapping[str, str | int] | None, name: str, has_header: bool = True
) -> pd.DataFrame:
    """The user, movie, rating and timestamp columns.

    A file with only a user and a movie column (and a timestamp, named in a header) is
    "who watched what": it comes back without a rating column (see :func:`_ratings`).
    A header with a column that looks like a misnamed rating still gets the usual error.
    """
    try:
        return pick_columns(frame, RATING_ALIASES, columns, name, 3, has_header)
    except DataError as error:
        if "looks close" in str(error) or (not has_header and frame.shape[1] != 2):
            raise
        try:
            return pick_columns(frame, RATING_ALIASES, columns, name, 2, has_header)
        except DataError:
            raise error from None


def _ratings(frame: pd.DataFrame, name: str, first_line=1) -> Ratings:
    """Validate; a frame without a rating column becomes "who watched what" (every rating 1)."""
    if "rating" in frame.columns:
        return Ratings.from_frame(frame, name, first_line=first_line)
    order = [c for c in ("user", "item", "rating", "timestamp") if c in frame.columns or c == "rating"]
    frame = frame.assign(rating=1.0)[order]
    return Ratings.from_frame(frame, name, scale=(1.0, 1.0), first_line=first_line)


def load_movies(source: Source, columns: Mapping[str, str | int] | None = None, name: str | None = None) -> Movies:
    """Read and validate a movies file (id, title, genres), in the same ways as :func:`load_ratings`.

    A headerless file may end in MovieLens-100k's 19 genre flag columns instead of a
    ``Genre|Genre`` column. Titles are kept verbatim (with their year); genres become lists.

    Parameters
    ----------
    source
        A path, bytes, a file-like object, a DataFrame or a MovieLens ``.zip``.
    columns
        Optional override: maps ``item``, ``title`` and ``genres`` to column names or positions.
    name
        The file name used in messages.

    Raises
    ------
    DataError
        With the file, the line or column, what is wrong and how to fix it.
    """
    if isinstance(source, pd.DataFrame):
        return _movies(source, columns, name or "movies", True)
    raw, name = read_source(source, name, MOVIES_MEMBERS, "movies")
    text = TextTable.sniff(decode_text(raw, name), name, MOVIE_ALIASES, columns, strict_width=False)
    frame = text.read(as_text=True)
    if not text.has_header and columns is None and has_genre_flags(frame):
        frame = pd.DataFrame({0: frame.iloc[:, 0], 1: frame.iloc[:, 1], 2: flags_to_genres(frame)})
    return _movies(frame, columns, name, text.has_header, text.row_lines(len(frame)))


def _movies(
    frame: pd.DataFrame, columns: Mapping[str, str | int] | None, name: str, has_header: bool, first_line=1
) -> Movies:
    """The movies of a parsed table: id, title, genres and up to :data:`cf.data.extras.MAX_COLUMNS` others."""
    chosen = choose_columns(frame, MOVIE_ALIASES, columns, name, 2, has_header)
    picked = frame[[chosen[key] for key in MOVIE_ALIASES if key in chosen]]
    extras = extra_columns(frame, list(chosen.values()))
    return Movies.from_frame(picked, name, first_line=first_line, extras=extras)


def load_dataset(source: Source, name: str | None = None) -> tuple[Ratings, Movies | None]:
    """Read a MovieLens release: its ratings and, when present, its movies.

    Parameters
    ----------
    source
        A zip of the release (path, bytes or upload), a folder holding it unpacked, or a
        single ratings file (then there are no movies).
    name
        The name used in messages.

    Returns
    -------
    tuple
        ``(ratings, movies)``; ``movies`` is None when the release has no movies file.

    Raises
    ------
    DataError
        If the ratings cannot be found or read, or the movies file is unreadable.
    """
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        return _dataset_from_folder(Path(source))
    raw, name = source_bytes(source, name)
    if not is_zip(raw):
        return load_ratings(raw, name=name), None
    ratings = load_ratings(raw, name=name)
    if find_member(open_zip(raw, name), MOVIES_MEMBERS) is None:
        return ratings, None
    return ratings, load_movies(raw, name=name)


def _dataset_from_folder(folder: Path) -> tuple[Ratings, Movies | None]:
    """Load the ratings and (optional) movies files found in ``folder`` or below."""
    found = {}
    for kind, members in (("ratings", RATINGS_MEMBERS), ("movies", MOVIES_MEMBERS)):
        hits = (sorted(folder.rglob(member)) for member in members)
        found[kind] = next((h[0] for h in hits if h), None)
    if found["ratings"] is None:
        raise DataError(f"{folder} holds no ratings file ({', '.join(RATINGS_MEMBERS)}). Give the ratings file itself.")
    movies = load_movies(found["movies"]) if found["movies"] else None
    return load_ratings(found["ratings"]), movies


def _needs_text(frame: pd.DataFrame) -> bool:
    """True when typed parsing may have changed ids or ratings, so the file must be re-read as text.

    Ids must be whole ``int64`` numbers or text (20-digit ids parse as floats and lose digits);
    ratings must be finite numbers (else the message should quote the cell as written).
    """
    ids_exact = all(
        frame[key].dtype == "int64" or pd.api.types.is_string_dtype(frame[key].dtype) for key in ("user", "item")
    )
    if "rating" not in frame.columns:
        return not ids_exact
    rating = frame["rating"]
    rating_ok = pd.api.types.is_numeric_dtype(rating.dtype) and not pd.api.types.is_bool_dtype(rating.dtype)
    return not ids_exact or not rating_ok or not np.isfinite(rating.to_numpy(dtype="float64")).all()
