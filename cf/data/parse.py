"""Text tables: find the layout of a delimited file (separator, quoting, header) and parse it.

:class:`TextTable` finds the layout in the first lines of a decoded file
(:class:`cf.data.decode.DecodedText`) and reads the whole file with pyarrow, or with pandas'
C parser and messages that say where and how to fix the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from cf.data.columns import normal_name
from cf.data.decode import DecodedText
from cf.data.tables import DataError

_DELIMITERS = ("\t", ",", ";", "|")
_SEP_STANDIN = "\x1f"
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|'", "::": "'::'", _SEP_STANDIN: "'::'"}


@dataclass
class TextTable:
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
        cls,
        text: DecodedText,
        name: str,
        aliases: Mapping[str, list[str]],
        columns: Mapping | None,
        strict_width: bool,
    ) -> TextTable:
        """Find the layout of the decoded ``text``; ``strict_width`` requires every line to have all the columns.

        Raises
        ------
        DataError
            If ``text`` has only a header, or has no column separator.
        """
        lines = text.lines
        delimiter = detect_delimiter(lines, name, aliases)
        has_header = looks_like_header(_split(lines[:2], delimiter), aliases, columns)
        if has_header and len(lines) == 1:
            raise DataError(f"{name} has a header row but no data. Add one row per entry below the header.")
        raw, quoting = text.raw, csv.QUOTE_MINIMAL
        if delimiter == "::":
            raw, delimiter, quoting = raw.replace(b"::", _SEP_STANDIN.encode()), _SEP_STANDIN, csv.QUOTE_NONE
        return cls(raw, name, delimiter, quoting, text.encoding, has_header, strict_width)

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

    def __init__(self, table: TextTable, n_rows: int):
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
    import pyarrow as pa  # optional: without it the caller falls back to pandas' C parser
    import pyarrow.csv as pacsv

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


def detect_delimiter(lines: list[str], name: str, aliases: Mapping[str, list[str]]) -> str:
    """Pick the column separator of ``lines``.

    A separator that splits the first line into known column names wins; otherwise the one
    that splits the most lines into the same number of columns, then the one that leaves a
    number (an id) first on the most lines, then one other than ``|`` (which also separates
    MovieLens genres), then the one giving the most columns.

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
        named = sum(normal_name(cell) in known for cell in rows[0]) >= 2
        body = rows[1:] if named and len(rows) > 1 else rows
        id_first = round(sum(bool(row) and _is_number(row[0]) for row in body) / len(body), 2)
        if width >= 2:
            scores[delimiter] = (named, round(hits / len(rows), 2), id_first, delimiter != "|", width)
    if not scores:
        raise DataError(
            f"{name}: cannot find a column separator in the first lines. "
            "Separate columns with a comma, semicolon, tab, '|' or '::' (e.g. 'userId,movieId,rating')."
        )
    return max(scores, key=scores.__getitem__)


def looks_like_header(rows: list[list[str]], aliases: Mapping[str, list[str]], columns: Mapping | None) -> bool:
    """Tell whether the first of ``rows`` (the first two lines, split) is a header row.

    It is when it holds a name given in ``columns``; it is not when it holds a number;
    otherwise it is when it holds a known column name, or a column is text on the first line
    and a number on the second.
    """
    first = [normal_name(cell) for cell in rows[0]]
    if columns and any(isinstance(v, str) and normal_name(v) in first for v in columns.values()):
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
