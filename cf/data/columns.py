"""Columns: find the user, movie, rating (or id, title, genres) columns of a parsed table.

By their usual names (any case), by position in a file without a header, or as the
caller maps them; a missing column gets a message naming the closest one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from cf.data.tables import DataError

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


def normal_name(label: object) -> str:
    """``label`` in lower case without spaces or punctuation: ``'User_ID'`` -> ``'userid'``."""
    return re.sub(r"[^a-z0-9]", "", str(label).lower())


def pick_columns(
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
    chosen = choose_columns(frame, aliases, columns, name, n_required, has_header)
    present = [key for key in aliases if key in chosen]
    picked = frame[[chosen[key] for key in present]]  # copy-on-write: the caller's frame is never changed
    picked.columns = present
    return picked


def choose_columns(
    frame: pd.DataFrame,
    aliases: Mapping[str, list[str]],
    columns: Mapping[str, str | int] | None,
    name: str,
    n_required: int,
    has_header: bool = True,
) -> dict:
    """``{key: frame column}`` for the keys of ``aliases`` found in ``frame`` (see :func:`pick_columns`)."""
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
    return chosen


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
            normal.setdefault(normal_name(column), column)
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
    matches = [c for c in frame.columns if normal_name(c) == normal_name(wanted)]
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
    normal = {normal_name(c): c for c in reversed(columns) if normal_name(c) not in known}
    for candidate in names:
        guess = difflib.get_close_matches(candidate, list(normal), n=1, cutoff=0.75)
        if guess:
            return normal[guess[0]]
    return None


def _other_kind_hint(frame: pd.DataFrame, aliases: Mapping[str, list[str]]) -> str:
    """A hint when the columns look like those of a movies file given as ratings, or the reverse."""
    names = {normal_name(c) for c in frame.columns}
    if aliases is RATING_ALIASES and names & {"title", "genres"}:
        return " This looks like a movies file; load it as the movies file instead."
    if aliases is MOVIE_ALIASES and names & {"userid", "rating"}:
        return " This looks like a ratings file; load it as the ratings file instead."
    return ""


def _flag_values(frame: pd.DataFrame) -> np.ndarray:
    """The last 19 columns of ``frame`` as stripped text."""
    return np.char.strip(frame.iloc[:, -19:].fillna("").to_numpy(dtype=str))


def has_genre_flags(frame: pd.DataFrame) -> bool:
    """True when the last 19 columns are MovieLens-100k's 0/1 genre flags."""
    if frame.shape[1] < 2 + 19:
        return False
    return bool(np.isin(_flag_values(frame), ["0", "1"]).all())


def flags_to_genres(frame: pd.DataFrame) -> list[list[str]]:
    """Turn the 19 genre flag columns ending ``frame`` into genre lists (``unknown`` is left out)."""
    return [[g for g, on in zip(ML100K_GENRES, row) if on and g != "unknown"] for row in _flag_values(frame) == "1"]
