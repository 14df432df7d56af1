"""Validated rating and movie tables and id vocabularies (the splits are in :mod:`cf.splits`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING_GENRES = "(no genres listed)"
_YEAR = re.compile(r"\((\d{4})\)\s*$")


class DataError(ValueError):
    """Input data that cannot be used, with a message that says what and how to fix it."""


def _line_of(position: int, first_line: int | Sequence[int]) -> int:
    """The file line of row ``position``: ``first_line`` is the first row's line, or every row's."""
    if isinstance(first_line, (int, np.integer)):
        return position + int(first_line)
    return int(first_line[position])


def normalise_ids(values: pd.Series, what: str, source: str, first_line: int | Sequence[int] = 1) -> pd.Series:
    """Return ids as ``int64`` when they are all whole numbers that fit, else as strings.

    Parameters
    ----------
    values
        The raw ids.
    what
        ``"user"`` or ``"movie"``, for messages.
    source
        The file name, for messages.
    first_line
        The file line of the first row, or a sequence with the line of every row.

    Raises
    ------
    DataError
        If an id is missing (an empty or blank cell).
    """
    blank = values.isna().to_numpy()
    if not blank.any() and not pd.api.types.is_numeric_dtype(values.dtype):
        blank = (values.astype(str).str.strip() == "").to_numpy()
    if blank.any():
        line = _line_of(int(np.flatnonzero(blank)[0]), first_line)
        raise DataError(
            f"{source}, line {line}: the {what} id is empty. Every row needs a {what} id; fill it in or delete the row."
        )
    if pd.api.types.is_integer_dtype(values.dtype):
        if values.dtype.kind == "u" and int(values.max()) > np.iinfo(np.int64).max:
            return values.astype(str)
        return values.astype("int64")
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype="float64")
        if (np.abs(numbers) <= 2.0**53).all() and (numbers == np.round(numbers)).all():
            return values.astype("int64")
        return values.astype(str)
    text = values.astype(str).str.strip()
    if text.str.fullmatch(r"-?\d{1,18}").all():
        return text.astype("int64")
    return text


@dataclass(frozen=True)
class IdMap:
    """A vocabulary of raw ids mapped to contiguous indices ``0..n-1`` and back.

    Parameters
    ----------
    ids
        The raw ids, in index order (no duplicates).
    """

    ids: pd.Index

    @classmethod
    def from_values(cls, values: Iterable) -> IdMap:
        """Build a map of the distinct ``values``, sorted so the order is reproducible."""
        index = pd.Index(pd.unique(pd.Series(list(values) if not hasattr(values, "dtype") else values)))
        return cls(index.sort_values())

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, raw: object) -> bool:
        return bool((self.to_index([raw]) >= 0)[0])

    def to_index(self, raw: Iterable, missing: int = -1) -> np.ndarray:
        """Indices of ``raw`` ids; ``missing`` where an id is unknown."""
        raw_index = pd.Index(raw if hasattr(raw, "dtype") else list(raw))
        if self.ids.dtype.kind in "iu" and raw_index.dtype.kind not in "iu":
            raw_index = pd.Index(_coerce_like_ints(raw_index))
        elif self.ids.dtype.kind not in "iu" and raw_index.dtype.kind in "iuf":
            raw_index = raw_index.astype(str)
        found = self.ids.get_indexer(raw_index)
        if missing != -1:
            found = np.where(found < 0, missing, found)
        return found.astype(np.int64)

    def to_raw(self, index: Iterable[int]) -> np.ndarray:
        """Raw ids at ``index``."""
        return self.ids.to_numpy()[np.asarray(index, dtype=np.int64)]


def _coerce_like_ints(values: pd.Index) -> list:
    out = []
    for value in values:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            out.append(-(2**62))  # matches no id
    return out


@dataclass
class Ratings:
    """A validated table of ratings with columns ``user``, ``item``, ``rating`` and ``timestamp``.

    Build one with :func:`cf.load_ratings` or :meth:`Ratings.from_frame`; both check
    the data and raise :class:`DataError` with a readable message.

    Attributes
    ----------
    frame
        One row per (user, item) pair. ``timestamp`` is ``int64`` seconds or missing.
    scale
        ``(lowest, highest)`` rating, taken from the data.
    n_duplicates
        Repeated (user, item) rows dropped while loading (:meth:`from_frame` says which one stays).
    source
        A name for messages, usually the file name.
    """

    frame: pd.DataFrame
    scale: tuple[float, float]
    n_duplicates: int = 0
    source: str = "ratings"

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        source: str = "ratings",
        scale: tuple[float, float] | None = None,
        first_line: int | Sequence[int] = 1,
    ) -> Ratings:
        """Validate a frame with columns user, item, rating[, timestamp] (in that order).

        A (user, item) pair rated more than once keeps one rating: the latest by timestamp, and
        of those with the same timestamp (or without timestamps) the last in the file.
        ``first_line`` is the file line of the first row (or a sequence with every row's line), for messages.
        """
        if len(frame) == 0:
            raise DataError(f"{source} has no ratings. It needs one row per rating: user, movie, rating.")
        if frame.shape[1] < 3:
            raise DataError(
                f"{source} has {frame.shape[1]} column(s); ratings need three: user, movie, rating "
                "(and optionally a timestamp)."
            )
        frame = frame.iloc[:, :4]  # copy-on-write: assigning columns below leaves the caller's frame alone
        names = ["user", "item", "rating", "timestamp"][: frame.shape[1]]
        frame.columns = names
        frame["user"] = normalise_ids(frame["user"], "user", source, first_line)
        frame["item"] = normalise_ids(frame["item"], "movie", source, first_line)
        frame["rating"] = _numeric_ratings(frame["rating"], source, first_line)
        frame["timestamp"] = (
            _timestamps(frame["timestamp"], source)
            if "timestamp" in frame
            else pd.Series(0, index=frame.index, dtype="int64")
        )
        before = len(frame)
        frame = _drop_repeated_pairs(frame)
        low, high = float(frame["rating"].min()), float(frame["rating"].max())
        if scale is None:
            if low == high:
                raise DataError(
                    f"{source}: every rating is {low:g}, so there is nothing to learn. "
                    "A model needs ratings that differ; check that the rating column is the right one."
                )
            scale = (low, high)
        return cls(frame, (float(scale[0]), float(scale[1])), before - len(frame), source)

    @property
    def n_ratings(self) -> int:
        return len(self.frame)

    @functools.cached_property
    def n_users(self) -> int:
        """Distinct users (counted once: the frame is not meant to change)."""
        return int(self.frame["user"].nunique())

    @functools.cached_property
    def n_items(self) -> int:
        """Distinct movies (counted once)."""
        return int(self.frame["item"].nunique())

    @property
    def density(self) -> float:
        """Share of the user x movie matrix that is rated."""
        return self.n_ratings / max(1, self.n_users * self.n_items)

    @property
    def has_timestamps(self) -> bool:
        return bool((self.frame["timestamp"] != 0).any())

    def subset(self, mask: np.ndarray, source: str | None = None) -> Ratings:
        """The rows where ``mask`` is true, keeping this table's rating scale."""
        columns = self.frame.columns
        if all(isinstance(dtype, np.dtype) for dtype in self.frame.dtypes):  # numpy columns: twice as fast
            frame = pd.DataFrame({c: self.frame[c].to_numpy()[mask] for c in columns}, copy=False)
        else:  # string ids and other extension types keep their dtype through pandas
            frame = self.frame[mask].reset_index(drop=True)
        return Ratings(frame, self.scale, 0, source or self.source)


def _drop_repeated_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per (user, item), by the rule :meth:`Ratings.from_frame` states.

    A sort of one int64 key per row finds the repeated pairs; only those rows are ranked,
    so a large file without repeats costs little here.
    """
    keys = _pair_keys(frame)
    ordered = np.sort(keys)
    repeated_keys = ordered[1:][ordered[1:] == ordered[:-1]]
    if len(repeated_keys) == 0:
        return frame.reset_index(drop=True)
    rows = np.flatnonzero(np.isin(keys, repeated_keys))
    ranked = rows[np.lexsort((rows, frame["timestamp"].to_numpy()[rows], keys[rows]))]
    is_last = np.r_[keys[ranked][1:] != keys[ranked][:-1], True]
    keep = np.ones(len(frame), dtype=bool)
    keep[rows] = False
    keep[ranked[is_last]] = True
    return frame[keep].reset_index(drop=True)


def _pair_keys(frame: pd.DataFrame) -> np.ndarray:
    """One int64 per (user, item) pair: arithmetic on small non-negative integer ids, else codes."""
    users, items = frame["user"].to_numpy(), frame["item"].to_numpy()
    if users.dtype.kind == "i" and items.dtype.kind == "i" and users.min() >= 0 and items.min() >= 0:
        width = int(items.max()) + 1
        if int(users.max()) < (2**62) // width:
            return users.astype(np.int64) * width + items
    user_codes = pd.factorize(users)[0].astype(np.int64)
    item_codes, distinct = pd.factorize(items)
    return user_codes * max(len(distinct), 1) + item_codes


def _numeric_ratings(values: pd.Series, source: str, first_line: int | Sequence[int]) -> pd.Series:
    """Ratings as ``float64``; raise for the first cell that is not a finite number."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = ~np.isfinite(numbers.to_numpy())
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        value = values.iloc[first]
        empty = value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""
        if empty:
            what = "the rating is empty"
        elif np.isnan(numbers.iloc[first]):
            what = f"rating {str(value)[:40]!r} is not a number"
        else:  # infinity, or too big for a number
            what = f"rating {str(value)[:40]!r} is not a usable number (infinite, or too big)"
        n_bad = int(bad.sum())
        raise DataError(
            f"{source}, line {_line_of(first, first_line)}: {what} "
            f"({n_bad} such {'row' if n_bad == 1 else 'rows'} in all). "
            "Ratings must be numbers such as 3 or 4.5; fix or delete those rows, "
            "or check that the rating column is the right one."
        )
    return numbers


def _timestamps(values: pd.Series, source: str) -> pd.Series:
    """Timestamps as ``int64`` seconds: numbers as they are, dates converted; all 0 when some cannot be read."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = pd.to_datetime(values, utc=True)
    else:
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.notna().all() and (np.abs(numbers.to_numpy(dtype="float64")) < 2.0**53).all():
            return numbers.astype("float64").round().astype("int64")
        dates = pd.to_datetime(values.astype(str), errors="coerce", utc=True, format="ISO8601")
    if dates.notna().all():
        return ((dates - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).astype("int64")
    return pd.Series(0, index=values.index, dtype="int64")


@dataclass
class Movies:
    """Movie metadata indexed by movie id: ``title`` (with its year), ``genres`` (a list), ``year``, and
    the movies file's other columns (see :meth:`extra_names`)."""

    frame: pd.DataFrame

    CORE = ("title", "genres", "year")

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        source: str = "movies",
        first_line: int | Sequence[int] = 1,
        extras: pd.DataFrame | None = None,
    ) -> Movies:
        """Validate a frame with columns id, title[, genres] where genres is ``A|B`` text or a list.

        ``extras`` holds more columns, one row per row of ``frame`` (cleaned by
        :func:`cf.data.extras.extra_columns`); they are kept beside title, genres and year.
        """
        if len(frame) == 0:
            raise DataError(f"{source} has no movies. It needs one row per movie: id, title, genres.")
        ids = normalise_ids(frame.iloc[:, 0], "movie", source, first_line)
        titles = frame.iloc[:, 1].fillna("").astype(str).str.strip()
        genres = frame.iloc[:, 2] if frame.shape[1] > 2 else pd.Series("", index=frame.index)
        out = pd.DataFrame(
            {"title": titles.to_numpy(), "genres": [_genre_list(g) for g in genres]},
            index=pd.Index(ids.to_numpy(), name="item"),
        )
        out["year"] = out["title"].str.extract(_YEAR, expand=False).astype("Int64")
        if extras is not None and extras.shape[1]:
            kept = extras.loc[:, [c for c in extras.columns if c not in cls.CORE]]
            out = pd.concat([out, kept.set_axis(out.index)], axis=1)
        return cls(out[~out.index.duplicated(keep="last")])

    def extra_names(self) -> list[str]:
        """The movies file's columns kept beside title, genres and year, in file order."""
        return [str(c) for c in self.frame.columns if c not in self.CORE]

    @classmethod
    def placeholder(cls, item_ids: Iterable) -> Movies:
        """Titles ``Movie <id>`` for data that came without a movies file."""
        index = pd.Index(list(item_ids), name="item")
        titles = ("Movie " + index.astype(str)).to_numpy(object)  # vectorised: a fit makes one per training
        frame = pd.DataFrame({"title": titles, "genres": [[] for _ in range(len(index))]}, index=index)
        frame["year"] = pd.array([pd.NA] * len(index), dtype="Int64")
        return cls(frame)

    def __len__(self) -> int:
        return len(self.frame)

    def covering(self, item_ids: Iterable) -> Movies:
        """Rows for exactly ``item_ids`` (in that order); missing ones are titled ``Movie <id>``."""
        ids = pd.Index(item_ids)
        frame, keys = self.frame, ids
        if frame.index.dtype.kind != ids.dtype.kind:
            frame = frame.set_axis(frame.index.astype(str))
            keys = ids.astype(str)
        out = frame.reindex(keys)
        missing = out["title"].isna().to_numpy()
        out["title"] = out["title"].astype(object)
        out.loc[missing, "title"] = [f"Movie {i}" for i in ids[missing]]
        out["genres"] = [g if isinstance(g, list) else [] for g in out["genres"]]
        out.index = ids.rename("item")
        return Movies(out)

    def genre_names(self) -> list[str]:
        """All genres, most frequent first."""
        counts = self.frame["genres"].explode().dropna().value_counts()
        return [str(g) for g in counts.index]


def _genre_list(value: object) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v)]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    text = str(value).strip()
    if not text or text == MISSING_GENRES:
        return []
    return [g.strip() for g in text.split("|") if g.strip()]
