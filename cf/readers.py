"""Read ratings and movies files: CSV-like text in any common layout, or a MovieLens zip.

Every problem with the input comes out as :class:`cf.data.DataError`.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import pandas as pd

from cf.archive import is_zip, read_member
from cf.data import DataError, Movies, Ratings

Source = str | os.PathLike | bytes | IO[bytes] | pd.DataFrame

RATING_ALIASES = {
    "user": ["userid", "user", "uid", "users", "customerid", "reviewerid"],
    "item": ["movieid", "itemid", "item", "movie", "iid", "movies", "items", "productid"],
    "rating": ["rating", "score", "stars", "ratings", "value"],
    "timestamp": ["timestamp", "time", "ts", "date", "datetime", "unixtime"],
}
MOVIE_ALIASES = {
    "item": ["movieid", "itemid", "id", "item", "movie", "iid"],
    "title": ["title", "name", "movietitle", "movie_title"],
    "genres": ["genres", "genre", "categories", "category"],
}
ML100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip
RATINGS_MEMBERS = ("ratings.csv", "ratings.dat", "u.data", "ratings.tsv", "ratings.txt")
MOVIES_MEMBERS = ("movies.csv", "movies.dat", "u.item", "movies.tsv", "movies.txt")
_DELIMITERS = ("\t", ",", ";", "|")
_SEP_STANDIN = "\x1f"
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file",
    b"\x1f\x8b": "a gzip archive",
    b"\x80\x04": "a Python pickle",
    b"\x80\x02": "a Python pickle",
}


def load_ratings(source: Source, columns: Mapping[str, str | int] | None = None, name: str | None = None) -> Ratings:
    """Read and validate a ratings file.

    Parameters
    ----------
    source
        A path, the file's bytes, a binary file-like object (an upload) or a DataFrame.
        A MovieLens ``.zip`` is searched for its ratings file.
    columns
        Optional override: maps ``user``, ``item``, ``rating`` and ``timestamp`` to
        the file's column names (or positions, for a file without a header).
    name
        The file name used in messages.

    Raises
    ------
    DataError
        With the file, the line or column, what is wrong and how to fix it.
    """
    if isinstance(source, pd.DataFrame):
        return Ratings.from_frame(
            _pick_columns(source, RATING_ALIASES, columns, name or "ratings", 3), name or "ratings"
        )
    raw, name = _read_source(source, name, RATINGS_MEMBERS, "ratings")
    table = _parse_table(raw, name, RATING_ALIASES, columns, fast=True)
    frame = _pick_columns(table.frame, RATING_ALIASES, columns, name, 3, table.has_header)
    return Ratings.from_frame(frame, name, first_line=table.first_line)


def load_movies(source: Source, columns: Mapping[str, str | int] | None = None, name: str | None = None) -> Movies:
    """Read and validate a movies file (id, title, genres), in the same ways as :func:`load_ratings`.

    A headerless file may end in MovieLens-100k's 19 genre flag columns instead of a
    ``Genre|Genre`` column.
    """
    if isinstance(source, pd.DataFrame):
        return Movies.from_frame(_pick_columns(source, MOVIE_ALIASES, columns, name or "movies", 2), name or "movies")
    raw, name = _read_source(source, name, MOVIES_MEMBERS, "movies")
    table = _parse_table(raw, name, MOVIE_ALIASES, columns, fast=False)
    frame = table.frame
    if not table.has_header and columns is None and _has_genre_flags(frame):
        frame = pd.DataFrame({0: frame.iloc[:, 0], 1: frame.iloc[:, 1], 2: _flags_to_genres(frame.iloc[:, -19:])})
    frame = _pick_columns(frame, MOVIE_ALIASES, columns, name, 2, table.has_header)
    return Movies.from_frame(frame, name, first_line=table.first_line)


def load_dataset(source: Source, name: str | None = None) -> tuple[Ratings, Movies | None]:
    """Read a MovieLens release (a zip or a folder): its ratings and, when present, its movies."""
    ratings = load_ratings(source, name=name)
    try:
        movies = load_movies(source, name=name)
    except DataError as error:
        if "no movies file" in str(error):
            return ratings, None
        raise
    return ratings, movies


# -- getting the bytes --------------------------------------------------------------


def _read_source(source: Source, name: str | None, members: tuple[str, ...], kind: str) -> tuple[bytes, str]:
    raw, name = _source_bytes(source, name)
    if is_zip(raw):
        return read_member(raw, name, members, kind)
    return raw, name


def _source_bytes(source: Source, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "the uploaded file"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            raise DataError(f"{path} is a folder; give the ratings or movies file inside it, or a zip of the release.")
        try:
            return path.read_bytes(), name or path.name
        except OSError as error:
            raise DataError(f"Cannot read {path}: {error.strerror or error}. Check the path.") from None
    if hasattr(source, "getvalue"):
        raw = source.getvalue()
    elif hasattr(source, "read"):
        raw = source.read()
    else:
        raise DataError(f"Cannot read a {type(source).__name__}; give a path, bytes or an open file.")
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return bytes(raw), name or Path(str(getattr(source, "name", "") or "the uploaded file")).name


def _decode_sample(raw: bytes, name: str) -> tuple[str, str]:
    """Return (encoding, decoded first ~64 KB) or raise for binary input."""
    head = raw[:65536]
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise DataError(f"{name} is {what}, not a text table. Upload a CSV or TSV file (or a MovieLens zip).")
    if head.startswith(b"PK\x03\x04"):
        raise DataError(f"{name} is a zip or Excel file. Save a spreadsheet as CSV, or upload a MovieLens zip.")
    if b"\x00" in head:
        raise DataError(f"{name} looks like a binary file, not text. Upload a CSV or TSV file (or a MovieLens zip).")
    encoding = "utf-8"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        encoding = "cp1252"
        try:
            raw.decode("cp1252")
        except UnicodeDecodeError:
            encoding = "latin-1"
    text = head.decode(encoding, errors="ignore")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text[:4096])
    if text and printable / len(text[:4096]) < 0.9:
        raise DataError(f"{name} does not look like a text table. Upload a CSV or TSV file (or a MovieLens zip).")
    return encoding, text.removeprefix("\ufeff")


# -- parsing ------------------------------------------------------------------------


class _Table:
    def __init__(self, frame: pd.DataFrame, has_header: bool):
        self.frame = frame
        self.has_header = has_header
        self.first_line = 2 if has_header else 1


def _parse_table(
    raw: bytes, name: str, aliases: Mapping[str, list[str]], columns: Mapping | None, fast: bool
) -> _Table:
    encoding, sample = _decode_sample(raw, name)
    lines = [line for line in sample.splitlines() if line.strip()]
    if len(raw) > len(sample.encode(encoding, errors="ignore")) + 3 and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line
    if not lines:
        raise DataError(f"{name} is empty. It needs one row per entry, e.g. 'userId,movieId,rating'.")
    delimiter = _detect_delimiter(lines, name)
    rows = list(csv.reader(lines[:2], delimiter=delimiter if delimiter != "::" else _SEP_STANDIN))
    if delimiter == "::":
        rows = [line.split("::") for line in lines[:2]]
    has_header = _looks_like_header(rows, aliases, columns)
    if has_header and len(lines) == 1:
        raise DataError(f"{name} has a header row but no data. Add one row per entry below the header.")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    quoting = csv.QUOTE_MINIMAL
    if delimiter == "::":
        raw, delimiter, quoting = raw.replace(b"::", _SEP_STANDIN.encode()), _SEP_STANDIN, csv.QUOTE_NONE
    frame = _read_frame(raw, name, delimiter, has_header, encoding, quoting, fast)
    if has_header:
        frame.columns = [str(c).strip() for c in frame.columns]
    return _Table(frame, has_header)


def _detect_delimiter(lines: list[str], name: str) -> str:
    if all("::" in line for line in lines[:20]):
        return "::"
    best, best_score = None, (0.0, 0)
    for delimiter in _DELIMITERS:
        counts = [len(row) for row in csv.reader(lines[:50], delimiter=delimiter)]
        width, hits = Counter(counts).most_common(1)[0]
        score = (hits / len(counts), width)
        if width >= 2 and score > best_score:
            best, best_score = delimiter, score
    if best is None:
        raise DataError(
            f"{name}: cannot find a column separator in the first lines. "
            "Separate columns with a comma, semicolon, tab, '|' or '::' (e.g. 'userId,movieId,rating')."
        )
    return best


def _normal(label: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(label).lower())


def _looks_like_header(rows: list[list[str]], aliases: Mapping[str, list[str]], columns: Mapping | None) -> bool:
    first = [_normal(cell) for cell in rows[0]]
    known = {alias for names in aliases.values() for alias in names}
    if columns and any(isinstance(v, str) and _normal(v) in first for v in columns.values()):
        return True
    if any(cell in known for cell in first):
        return True
    if len(rows) < 2:
        return not any(_is_number(cell) for cell in rows[0][:1])
    return any(not _is_number(a) and _is_number(b) for a, b in zip(rows[0], rows[1]))


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _read_frame(
    raw: bytes, name: str, delimiter: str, has_header: bool, encoding: str, quoting: int, fast: bool
) -> pd.DataFrame:
    header = 0 if has_header else None
    if fast and quoting == csv.QUOTE_MINIMAL:
        try:
            return pd.read_csv(io.BytesIO(raw), sep=delimiter, header=header, engine="pyarrow", encoding=encoding)
        except Exception:  # noqa: BLE001 - the slower reader below explains the problem
            pass
    try:
        return pd.read_csv(
            io.BytesIO(raw), sep=delimiter, header=header, encoding=encoding, quoting=quoting,
            dtype=None if fast else str, keep_default_na=fast, skip_blank_lines=True,
        )  # fmt: skip
    except pd.errors.ParserError as error:
        raise DataError(_explain_parser_error(str(error), name, delimiter)) from None
    except (pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as error:
        raise DataError(f"{name} cannot be read as a table ({error}). Check that it is a CSV or TSV file.") from None


def _explain_parser_error(message: str, name: str, delimiter: str) -> str:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    shown = {"\t": "tab", _SEP_STANDIN: "'::'"}.get(delimiter, repr(delimiter))
    if found:
        expected, line, saw = found.groups()
        return (
            f"{name}, line {line}: {saw} columns where the lines before have {expected} "
            f"(columns separated by {shown}). Use one separator throughout the file, "
            "and put text that contains it in double quotes."
        )
    return f"{name} cannot be read as a table ({message.strip()}). Check the separators and quotes."


# -- columns ------------------------------------------------------------------------


def _pick_columns(
    frame: pd.DataFrame,
    aliases: Mapping[str, list[str]],
    columns: Mapping[str, str | int] | None,
    name: str,
    n_required: int,
    has_header: bool = True,
) -> pd.DataFrame:
    """Return ``frame``'s columns in canonical order (the keys of ``aliases``)."""
    keys = list(aliases)
    if columns:
        unknown = set(columns) - set(keys)
        if unknown:
            raise ValueError(f"columns= takes the keys {', '.join(keys)}; got {', '.join(sorted(unknown))}")
        chosen = {key: _find_named(frame, columns[key], name) for key in columns}
        if not has_header:
            chosen = {**dict(zip(keys, range(frame.shape[1]))), **chosen}
    elif has_header:
        normal = {_normal(c): c for c in frame.columns}
        chosen = {}
        for key, names in aliases.items():
            match = next((normal[n] for n in names if n in normal), None)
            if match is not None and match not in chosen.values():
                chosen[key] = match
    else:
        if frame.shape[1] < n_required:
            raise DataError(
                f"{name} has {frame.shape[1]} column(s) per line; it needs at least {n_required}: "
                f"{', '.join(keys[:n_required])} (in that order when there is no header row)."
            )
        chosen = dict(zip(keys, frame.columns))
    missing = [key for key in keys[:n_required] if key not in chosen]
    if missing:
        raise DataError(_missing_columns_message(name, missing, list(frame.columns), aliases))
    present = [key for key in keys if key in chosen]
    picked = frame[[chosen[key] for key in present]].copy()
    picked.columns = present
    return picked


def _find_named(frame: pd.DataFrame, wanted: str | int, name: str) -> object:
    if isinstance(wanted, int) and wanted < frame.shape[1] and wanted not in frame.columns:
        return frame.columns[wanted]
    if wanted in frame.columns:
        return wanted
    raise DataError(f"{name} has no column {wanted!r}; its columns are: {', '.join(map(str, frame.columns))}.")


def _missing_columns_message(name: str, missing: list[str], present: list, aliases: Mapping[str, list[str]]) -> str:
    parts = []
    for key in missing:
        guess = difflib.get_close_matches(key, [_normal(c) for c in present], n=1, cutoff=0.6)
        for alias in aliases[key]:
            guess = guess or difflib.get_close_matches(alias, [_normal(c) for c in present], n=1, cutoff=0.75)
        hint = ""
        if guess:
            original = next(c for c in present if _normal(c) == guess[0])
            hint = f" ('{original}' looks close: rename it to '{aliases[key][0]}')"
        parts.append(f"no {key} column{hint}")
    accepted = "; ".join(f"{key}: {', '.join(names[:4])}" for key, names in aliases.items())
    return (
        f"{name}: {', '.join(parts)}. Its columns are: {', '.join(map(str, present))}. "
        f"Accepted names are {accepted} (or remove the header row and use that column order)."
    )


def _has_genre_flags(frame: pd.DataFrame) -> bool:
    if frame.shape[1] < 2 + 19:
        return False
    flags = frame.iloc[:, -19:].astype(str).apply(lambda col: col.str.strip())
    return bool(flags.isin(["0", "1"]).all().all())


def _flags_to_genres(flags: pd.DataFrame) -> list[list[str]]:
    values = flags.astype(str).apply(lambda col: col.str.strip()).to_numpy() == "1"
    return [[g for g, on in zip(ML100K_GENRES, row) if on and g != "unknown"] for row in values]
