"""Read ratings and movies files: CSV-like text in any common layout, or a MovieLens zip.

Every problem with the input comes out as :class:`cf.data.DataError`, whose message names
the file, the line or column, what is wrong and how to fix it.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from cf.data.archive import find_member, is_zip, open_zip, read_member
from cf.data.tables import DataError, Movies, Ratings

Source = str | os.PathLike | bytes | IO[bytes] | pd.DataFrame

RATING_ALIASES = {
    "user": ["userid", "user", "uid", "users", "customerid", "reviewerid"],
    "item": ["movieid", "itemid", "item", "movie", "iid", "movies", "items", "productid"],
    "rating": ["rating", "score", "stars", "ratings", "value"],
    "timestamp": ["timestamp", "time", "ts", "date", "datetime", "unixtime"],
}
MOVIE_ALIASES = {
    "item": ["movieid", "itemid", "id", "item", "movie", "iid"],
    "title": ["title", "name", "movietitle"],
    "genres": ["genres", "genre", "categories", "category"],
}
_SHOWN_NAMES = {
    "user": "userId", "item": "movieId", "rating": "rating", "timestamp": "timestamp",
    "title": "title", "genres": "genres",
}  # fmt: skip
ML100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip
RATINGS_MEMBERS = ("ratings.csv", "ratings.dat", "u.data", "ratings.tsv", "ratings.txt")
MOVIES_MEMBERS = ("movies.csv", "movies.dat", "u.item", "movies.tsv", "movies.txt")
_DELIMITERS = ("\t", ",", ";", "|")
_SEP_STANDIN = "\x1f"
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|'", "::": "'::'", _SEP_STANDIN: "'::'"}
_BOM = b"\xef\xbb\xbf"
_SAMPLE_BYTES = 65536
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file",
    b"\x1f\x8b": "a gzip archive",
    b"\x80\x04": "a Python pickle",
    b"\x80\x02": "a Python pickle",
    b"PK\x03\x04": "a zip or Excel file",
}


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
        return Ratings.from_frame(_pick_columns(source, RATING_ALIASES, columns, label, 3), label)
    raw, name = _read_source(source, name, RATINGS_MEMBERS, "ratings")
    text = _TextTable.sniff(raw, name, RATING_ALIASES, columns, strict_width=True)
    frame = _pick_columns(text.read(as_text=False), RATING_ALIASES, columns, name, 3, text.has_header)
    if _needs_text(frame):
        frame = _pick_columns(text.read(as_text=True), RATING_ALIASES, columns, name, 3, text.has_header)
    lines = text.row_lines(len(frame))
    del raw, text  # with one row per line nothing needs the file's bytes any more: free them early
    return Ratings.from_frame(frame, name, first_line=lines)


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
        label = name or "movies"
        return Movies.from_frame(_pick_columns(source, MOVIE_ALIASES, columns, label, 2), label)
    raw, name = _read_source(source, name, MOVIES_MEMBERS, "movies")
    text = _TextTable.sniff(raw, name, MOVIE_ALIASES, columns, strict_width=False)
    frame = text.read(as_text=True)
    if not text.has_header and columns is None and _has_genre_flags(frame):
        frame = pd.DataFrame({0: frame.iloc[:, 0], 1: frame.iloc[:, 1], 2: _flags_to_genres(frame)})
    frame = _pick_columns(frame, MOVIE_ALIASES, columns, name, 2, text.has_header)
    return Movies.from_frame(frame, name, first_line=text.row_lines(len(frame)))


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
    raw, name = _source_bytes(source, name)
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


# -- getting the bytes --------------------------------------------------------------


def _read_source(source: Source, name: str | None, members: tuple[str, ...], kind: str) -> tuple[bytes, str]:
    """The bytes of ``source`` (or of its ``kind`` member, for a zip) and a name for messages."""
    raw, name = _source_bytes(source, name)
    if is_zip(raw):
        return read_member(raw, name, members, kind)
    return raw, name


def _source_bytes(source: Source, name: str | None) -> tuple[bytes, str]:
    """Read a path, bytes or file-like object into bytes; also return a name for messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "the uploaded file"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            raise DataError(f"{path} is a folder; give the ratings or movies file inside it, or a zip of the release.")
        try:
            return path.read_bytes(), name or path.name
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or error
            raise DataError(f"Cannot read {str(path)[:200]}: {reason}. Check the path.") from None
    if hasattr(source, "getvalue"):
        raw = source.getvalue()
    elif hasattr(source, "read"):
        raw = source.read()
    else:
        raise DataError(f"Cannot read a {type(source).__name__}; give a path, bytes or an open file.")
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise DataError(
            f"Reading the upload gave a {type(raw).__name__}, not bytes; give a path, bytes or an open file."
        )
    return bytes(raw), name or Path(str(getattr(source, "name", "") or "the uploaded file")).name


def _utf16_to_utf8(raw: bytes, name: str) -> bytes:
    """Re-encode a UTF-16 file (as Excel's 'Unicode text' saves) as UTF-8; other input is returned as is."""
    if not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw
    try:
        return raw.decode("utf-16").encode("utf-8")
    except UnicodeError:
        raise DataError(f"{name} starts like UTF-16 text but cannot be decoded. Save it as UTF-8 CSV.") from None


def _detect_encoding(raw: bytes) -> str:
    """``utf-8`` when ``raw`` decodes as UTF-8, else ``cp1252`` (MovieLens 100k and 1M), else ``latin-1``."""
    if raw.isascii():
        return "utf-8"
    for encoding in ("utf-8", "cp1252"):
        try:
            raw.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            pass
    return "latin-1"


def _decode_sample(raw: bytes, name: str) -> tuple[str, str]:
    """Return the encoding and the decoded first 64 KB of ``raw``.

    Raises
    ------
    DataError
        For an image, an archive, a binary file or other input that is not text.
    """
    head = raw[:_SAMPLE_BYTES]
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise DataError(f"{name} is {what}, not a text table. Upload a CSV or TSV file (or a MovieLens zip).")
    if b"\x00" in head:
        raise DataError(f"{name} looks like a binary file, not text. Upload a CSV or TSV file (or a MovieLens zip).")
    encoding = _detect_encoding(raw)
    text = head.decode(encoding, errors="ignore").removeprefix("\ufeff")
    window = text[:4096]
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in window)
    if window and printable / len(window) < 0.9:
        raise DataError(f"{name} does not look like a text table. Upload a CSV or TSV file (or a MovieLens zip).")
    return encoding, text


def _sample_lines(raw: bytes, sample: str) -> list[str]:
    """The non-blank lines of ``sample``, without a last line that the 64 KB cut may have split."""
    lines = [line for line in re.split(r"\r\n|\r|\n", sample) if line.strip()]
    if len(raw) > _SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]
    return lines


# -- parsing ------------------------------------------------------------------------


@dataclass
class _TextTable:
    """A delimited text file and the layout found in it: separator, quoting, encoding, header.

    Build one with :meth:`sniff`, then :meth:`read` it into a DataFrame.
    """

    raw: bytes
    name: str
    delimiter: str
    quoting: int
    encoding: str
    has_header: bool
    strict_width: bool

    @classmethod
    def sniff(
        cls, raw: bytes, name: str, aliases: Mapping[str, list[str]], columns: Mapping | None, strict_width: bool
    ) -> _TextTable:
        """Find the layout of ``raw``; ``strict_width`` requires every line to have all the columns.

        Raises
        ------
        DataError
            If ``raw`` is not text, is empty, has only a header, or has no column separator.
        """
        raw = _utf16_to_utf8(raw, name)
        encoding, sample = _decode_sample(raw, name)
        lines = _sample_lines(raw, sample)
        if not lines:
            raise DataError(f"{name} is empty. It needs one row per entry, e.g. 'userId,movieId,rating'.")
        delimiter = _detect_delimiter(lines, name, aliases)
        has_header = _looks_like_header(_split(lines[:2], delimiter), aliases, columns)
        if has_header and len(lines) == 1:
            raise DataError(f"{name} has a header row but no data. Add one row per entry below the header.")
        raw = raw.removeprefix(_BOM)
        quoting = csv.QUOTE_MINIMAL
        if delimiter == "::":
            raw, delimiter, quoting = raw.replace(b"::", _SEP_STANDIN.encode()), _SEP_STANDIN, csv.QUOTE_NONE
        return cls(raw, name, delimiter, quoting, encoding, has_header, strict_width)

    def read(self, as_text: bool) -> pd.DataFrame:
        """Parse the whole file (pyarrow when it can, else pandas' C parser).

        Parameters
        ----------
        as_text
            Keep every cell as text (empty cells as ``""``) instead of inferring types.

        Raises
        ------
        DataError
            If a line has the wrong number of columns or the text cannot be parsed.
        """
        if self.quoting == csv.QUOTE_MINIMAL:
            try:
                return self._strip_names(self._read_csv("pyarrow", as_text))
            except Exception:  # noqa: BLE001 - the checks and slower reader below explain the problem
                pass
        self._check_widths()
        try:
            return self._strip_names(self._read_csv("c", as_text))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError, ValueError, csv.Error) as error:
            raise DataError(self._parse_error_message(str(error))) from None

    def _parse_error_message(self, message: str) -> str:
        """Turn a pandas parser error into a message that says where and how to fix it."""
        unclosed = re.search(r"EOF inside string starting at row (\d+)", message)
        if unclosed:
            return (
                f'{self.name}, line {int(unclosed.group(1)) + 1}: a double quote (") opens a text that is never '
                'closed. Close it, or write a quote inside quoted text as two quotes ("").'
            )
        first = message.strip().splitlines()[0][:200] if message.strip() else "unknown error"
        return f"{self.name} cannot be read as a table ({first}). Check the separators and the double quotes."

    def _read_csv(self, engine: str, as_text: bool) -> pd.DataFrame:
        """Run :func:`pandas.read_csv` with this layout (pyarrow directly for typed reads: less memory)."""
        if engine == "pyarrow" and not as_text:
            return _arrow_read(self.raw, self.delimiter, self.has_header, self.encoding)
        options = {"quoting": self.quoting, "low_memory": False} if engine == "c" else {}
        return pd.read_csv(
            io.BytesIO(self.raw), sep=self.delimiter, header=0 if self.has_header else None, encoding=self.encoding,
            engine=engine, dtype=str if as_text else None, keep_default_na=not as_text, **options,
        )  # fmt: skip

    def _strip_names(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Strip spaces around header names."""
        if self.has_header:
            frame.columns = [str(c).strip() for c in frame.columns]
        return frame

    def _records(self):
        """Yield ``(first line number, cells)`` for every non-blank record, as pandas counts them."""
        text = self.raw.decode(self.encoding, errors="replace")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, quoting=self.quoting)
        end = 0
        for cells in reader:
            start, end = end + 1, reader.line_num
            if cells and (len(cells) > 1 or cells[0].strip()):
                yield start, cells

    def _check_widths(self) -> None:
        """Raise for the first line whose number of columns differs from the first line's.

        Ratings need every column on every line; movies may leave out trailing columns
        (such as genres) but need an id and a title.

        Raises
        ------
        DataError
            Naming the line, the counts and the likely cause (a mixed separator, an unquoted one).
        """
        first = None
        try:
            for line, cells in self._records():
                if first is None:
                    first = (line, len(cells))
                elif len(cells) > first[1] or len(cells) < (first[1] if self.strict_width else 2):
                    raise DataError(self._width_message(line, cells, *first))
        except csv.Error as error:
            raise DataError(f"{self.name} cannot be read as a table ({error}). Check the double quotes.") from None

    def _width_message(self, line: int, cells: list[str], first_line: int, width: int) -> str:
        """Explain why ``line`` has ``len(cells)`` columns where ``first_line`` has ``width``."""
        shown = _DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))
        joined = self.delimiter.join(cells)
        others = [d for d in ("::", "\t", ",", ";", "|") if d in joined and d != self.delimiter]
        if any("\n" in cell or "\r" in cell for cell in cells):
            fix = 'A double quote (") on this line opens a text that is never closed: close it, or double it ("").'
        elif others and len(cells) < width:
            fix = f"This line seems separated by {_DELIMITER_NAMES[others[0]]}: use one separator throughout the file."
        elif len(cells) > width and self.has_header and line == first_line + 1:
            fix = "The header names fewer columns than the rows have: name every column in the header."
        elif len(cells) > width:
            fix = f'Put text that contains {shown} in double quotes, e.g. "Toy Story, The (1995)".'
        else:
            fix = "Fill in the missing values or delete the line."
        return (
            f"{self.name}, line {line}: {len(cells)} column(s) where line {first_line} has {width} "
            f"(columns separated by {shown}). {fix}"
        )

    def row_lines(self, n_rows: int) -> int | Sequence[int]:
        """The file line of each of the ``n_rows`` data rows, for messages.

        Returns
        -------
        int or sequence of int
            The line of the first row when rows follow each other line by line (the usual
            case, found cheaply); otherwise the line of every row, skipping blank lines and
            counting line breaks inside quotes, worked out only if a message asks for one.
        """
        if _count_lines(self.raw) == n_rows + self.has_header:
            return 2 if self.has_header else 1
        return _RowLines(self, n_rows)

    def data_lines(self, n_rows: int) -> list[int]:
        """The file line of every data row (by parsing the file again with :mod:`csv`)."""
        first = 2 if self.has_header else 1
        try:
            lines = [line for line, _ in self._records()][self.has_header :]
        except csv.Error:
            lines = []
        return lines if len(lines) == n_rows else list(range(first, first + n_rows))


class _RowLines(Sequence[int]):
    """The file lines of a table's data rows, computed on first use (only error messages need them)."""

    def __init__(self, table: _TextTable, n_rows: int):
        self._table, self._n_rows, self._lines = table, n_rows, None

    def __len__(self) -> int:
        return self._n_rows

    def __getitem__(self, position):
        if self._lines is None:
            self._lines = self._table.data_lines(self._n_rows)
        return self._lines[position]


def _arrow_read(raw: bytes, delimiter: str, has_header: bool, encoding: str) -> pd.DataFrame:
    """Parse with pyarrow and hand the columns to pandas, freeing arrow's copy as it goes.

    Reading through :func:`pandas.read_csv` keeps arrow's table and pandas' copy alive
    together; at 25 million rows that is gigabytes more at the peak.
    """
    pool = pa.system_memory_pool()  # returns freed memory, unlike the default pool's caches
    table = pacsv.read_csv(
        pa.py_buffer(raw),
        read_options=pacsv.ReadOptions(encoding=encoding, autogenerate_column_names=not has_header),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        memory_pool=pool,
    )
    if not has_header:
        table = table.rename_columns([str(i) for i in range(table.num_columns)])
    frame = table.to_pandas(self_destruct=True, split_blocks=True, memory_pool=pool)
    if not has_header:
        frame.columns = range(frame.shape[1])
    return frame


def _count_lines(raw: bytes) -> int:
    """The number of lines up to the last one that is not blank."""
    tail = raw[-4096:]
    end = len(raw) - (len(tail) - len(tail.rstrip()))
    return raw.count(b"\n", 0, end) + 1 if end else 0


def _split(lines: list[str], delimiter: str) -> list[list[str]]:
    """Split ``lines`` into cells, respecting double quotes."""
    if delimiter == "::":
        return [line.split("::") for line in lines]
    return list(csv.reader(lines, delimiter=delimiter))


def _detect_delimiter(lines: list[str], name: str, aliases: Mapping[str, list[str]]) -> str:
    """Pick the column separator of ``lines``.

    A separator that splits the first line into known column names wins; otherwise the one
    that splits the most lines into the same number of columns, then one other than ``|``
    (which also separates MovieLens genres), then the one giving the most columns.

    Raises
    ------
    DataError
        If no separator splits the lines into two or more columns.
    """
    if all("::" in line for line in lines[:20]):
        return "::"
    known = {alias for names in aliases.values() for alias in names}
    scores = {}
    for delimiter in _DELIMITERS:
        rows = _split(lines[:50], delimiter)
        width, hits = Counter(len(row) for row in rows).most_common(1)[0]
        named = sum(_normal(cell) in known for cell in rows[0]) >= 2
        if width >= 2:
            scores[delimiter] = (named, round(hits / len(rows), 2), delimiter != "|", width)
    if not scores:
        raise DataError(
            f"{name}: cannot find a column separator in the first lines. "
            "Separate columns with a comma, semicolon, tab, '|' or '::' (e.g. 'userId,movieId,rating')."
        )
    return max(scores, key=scores.__getitem__)


def _normal(label: object) -> str:
    """``label`` in lower case without spaces or punctuation: ``'User_ID'`` -> ``'userid'``."""
    return re.sub(r"[^a-z0-9]", "", str(label).lower())


def _looks_like_header(rows: list[list[str]], aliases: Mapping[str, list[str]], columns: Mapping | None) -> bool:
    """Tell whether the first of ``rows`` (the first two lines, split) is a header row.

    It is when it holds a name given in ``columns``; it is not when it holds a number;
    otherwise it is when it holds a known column name, or a column is text on the first line
    and a number on the second.
    """
    first = [_normal(cell) for cell in rows[0]]
    if columns and any(isinstance(v, str) and _normal(v) in first for v in columns.values()):
        return True
    if any(_is_number(cell) for cell in rows[0]):
        return False
    known = {alias for names in aliases.values() for alias in names}
    if any(cell in known for cell in first):
        return True
    return len(rows) > 1 and any(_is_number(b) for b in rows[1][: len(rows[0])])


def _is_number(text: str) -> bool:
    """True when ``text`` reads as a number (``'3'``, ``' 4.5'``, ``'nan'``)."""
    try:
        float(text)
        return True
    except ValueError:
        return False


def _needs_text(frame: pd.DataFrame) -> bool:
    """True when typed parsing may have changed ids or ratings, so the file must be re-read as text.

    Ids must be whole ``int64`` numbers or text (20-digit ids parse as floats and lose digits);
    ratings must be finite numbers (else the message should quote the cell as written).
    """
    ids_exact = all(
        frame[key].dtype == "int64" or pd.api.types.is_string_dtype(frame[key].dtype) for key in ("user", "item")
    )
    rating = frame["rating"]
    rating_ok = pd.api.types.is_numeric_dtype(rating.dtype) and not pd.api.types.is_bool_dtype(rating.dtype)
    return not ids_exact or not rating_ok or not np.isfinite(rating.to_numpy(dtype="float64")).all()


# -- columns ------------------------------------------------------------------------


def _pick_columns(
    frame: pd.DataFrame,
    aliases: Mapping[str, list[str]],
    columns: Mapping[str, str | int] | None,
    name: str,
    n_required: int,
    has_header: bool = True,
) -> pd.DataFrame:
    """Return ``frame``'s columns renamed and ordered as the keys of ``aliases``.

    Columns named in ``columns`` come first; the rest are found by their usual names
    (with a header) or by position (without one).

    Raises
    ------
    DataError
        If a required column is missing, with the closest name found and how to fix it.
    """
    keys = list(aliases)
    chosen = _explicit_columns(frame, columns or {}, keys, name)
    if has_header:
        chosen.update(_named_columns(frame, aliases, chosen))
    else:
        if frame.shape[1] < n_required:
            raise DataError(
                f"{name} has {frame.shape[1]} column(s) per line; it needs at least {n_required}: "
                f"{', '.join(keys[:n_required])} (in that order when there is no header row)."
            )
        free = [c for c in frame.columns if c not in chosen.values()]
        chosen.update(zip([k for k in keys if k not in chosen], free))
    missing = [key for key in keys[:n_required] if key not in chosen]
    if missing:
        raise DataError(_missing_columns_message(name, missing, frame, chosen, aliases))
    present = [key for key in keys if key in chosen]
    picked = frame[[chosen[key] for key in present]]  # copy-on-write: the caller's frame is never changed
    picked.columns = present
    return picked


def _explicit_columns(frame: pd.DataFrame, columns: Mapping[str, str | int], keys: list[str], name: str) -> dict:
    """Resolve a ``columns=`` mapping to ``{key: frame column}``."""
    unknown = sorted(set(columns) - set(keys))
    if unknown:
        raise DataError(f"columns= takes the keys {', '.join(keys)}; got {', '.join(map(str, unknown))}.")
    return {key: _find_named(frame, columns[key], name) for key in columns}


def _named_columns(frame: pd.DataFrame, aliases: Mapping[str, list[str]], chosen: Mapping) -> dict:
    """Find the columns not in ``chosen`` by their usual names, ``{key: frame column}``."""
    normal: dict[str, object] = {}
    for column in frame.columns:
        if column not in chosen.values():
            normal.setdefault(_normal(column), column)
    found: dict[str, object] = {}
    for key, names in aliases.items():
        if key in chosen:
            continue
        match = next((normal[n] for n in names if n in normal and normal[n] not in found.values()), None)
        if match is not None:
            found[key] = match
    return found


def _find_named(frame: pd.DataFrame, wanted: str | int, name: str) -> object:
    """The column of ``frame`` called ``wanted`` (exactly, or ignoring case and punctuation) or at that position."""
    if wanted in frame.columns:
        return wanted
    if isinstance(wanted, int) and 0 <= wanted < frame.shape[1]:
        return frame.columns[wanted]
    matches = [c for c in frame.columns if _normal(c) == _normal(wanted)]
    if matches:
        return matches[0]
    listing = ", ".join(map(str, frame.columns[:30]))
    raise DataError(f"{name} has no column {wanted!r}; its columns are: {listing}. Pick one of those in columns=.")


def _missing_columns_message(
    name: str, missing: list[str], frame: pd.DataFrame, chosen: Mapping, aliases: Mapping[str, list[str]]
) -> str:
    """Say which columns are missing, which present column looks close, and the accepted names."""
    unused = [c for c in frame.columns if c not in chosen.values()]
    parts = []
    for key in missing:
        guess = _closest(aliases[key], unused)
        if guess is None:
            parts.append(f"no {key} column")
            continue
        unused.remove(guess)
        parts.append(
            f"no {key} column ('{guess}' looks close: rename it to '{_SHOWN_NAMES[key]}', "
            f"or pass columns={{'{key}': '{guess}'}})"
        )
    accepted = "; ".join(f"{key}: {', '.join(names[:4])}" for key, names in aliases.items())
    present = ", ".join(map(str, frame.columns[:30]))
    return (
        f"{name}: {', '.join(parts)}. Its columns are: {present}.{_other_kind_hint(frame, aliases)} "
        f"Accepted names are {accepted} (any case); or remove the header row and use that column order."
    )


def _closest(names: list[str], columns: list) -> object | None:
    """The column among ``columns`` whose name is close to one of ``names`` (a likely misspelling), if any.

    Columns that carry a usual name of some other column (``title``, ``timestamp``...) are never suggested.
    """
    known = {alias for table in (RATING_ALIASES, MOVIE_ALIASES) for aliases in table.values() for alias in aliases}
    normal = {_normal(c): c for c in reversed(columns) if _normal(c) not in known}
    for candidate in names:
        guess = difflib.get_close_matches(candidate, list(normal), n=1, cutoff=0.75)
        if guess:
            return normal[guess[0]]
    return None


def _other_kind_hint(frame: pd.DataFrame, aliases: Mapping[str, list[str]]) -> str:
    """A hint when the columns look like those of a movies file given as ratings, or the reverse."""
    names = {_normal(c) for c in frame.columns}
    if aliases is RATING_ALIASES and names & {"title", "genres"}:
        return " This looks like a movies file; load it as the movies file instead."
    if aliases is MOVIE_ALIASES and names & {"userid", "rating"}:
        return " This looks like a ratings file; load it as the ratings file instead."
    return ""


def _flag_values(frame: pd.DataFrame) -> np.ndarray:
    """The last 19 columns of ``frame`` as stripped text."""
    return np.char.strip(frame.iloc[:, -19:].fillna("").to_numpy(dtype=str))


def _has_genre_flags(frame: pd.DataFrame) -> bool:
    """True when the last 19 columns are MovieLens-100k's 0/1 genre flags."""
    if frame.shape[1] < 2 + 19:
        return False
    return bool(np.isin(_flag_values(frame), ["0", "1"]).all())


def _flags_to_genres(frame: pd.DataFrame) -> list[list[str]]:
    """Turn the 19 genre flag columns ending ``frame`` into genre lists (``unknown`` is left out)."""
    return [[g for g, on in zip(ML100K_GENRES, row) if on and g != "unknown"] for row in _flag_values(frame) == "1"]
