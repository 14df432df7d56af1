"""Extra columns of a movies file (beyond id, title and genres), kept as plain data for the map.

A movies file may carry more about each movie: a budget, a country, a studio, a score from
elsewhere. Up to :data:`MAX_COLUMNS` of them are kept, each as numbers (when every filled cell
is a number) or as text cut to :data:`MAX_TEXT` characters; nothing in them is ever run or
interpreted. :func:`category_groups` turns a text column into legend groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cf.data.genres import OTHER

MAX_COLUMNS = 20
"""The most extra columns kept from a movies file (the first ones, in file order)."""
MAX_TEXT = 60
"""Text cells are cut to this many characters."""
MAX_NAME = 40
"""Column names are cut to this many characters."""
RESERVED = ("item", "title", "genres", "year")
"""Names the movies table uses itself; an extra column with one of them gets `` (file)`` added."""
NUMBER, TEXT = "number", "text"
TOP_CATEGORIES = 10
"""Text values with a colour of their own in a legend; the rest are grouped as :data:`OTHER`."""


def extra_columns(frame: pd.DataFrame, used: list) -> pd.DataFrame:
    """The columns of ``frame`` not in ``used``, cleaned: at most :data:`MAX_COLUMNS`, numbers or short text.

    Columns with no filled cell are dropped. Names are text, cut to :data:`MAX_NAME` characters and
    made distinct from each other and from :data:`RESERVED`. The result has ``frame``'s row order.
    """
    kept: dict[str, pd.Series] = {}
    for column in frame.columns:
        if column in used or len(kept) == MAX_COLUMNS:
            continue
        values = clean_values(frame[column])
        if values.notna().any():
            kept[_distinct_name(column, kept)] = values.reset_index(drop=True)
    return pd.DataFrame(kept, index=pd.RangeIndex(len(frame)))


def clean_values(values: pd.Series) -> pd.Series:
    """``values`` as ``float64`` when every filled cell is a number, else as text of at most :data:`MAX_TEXT`
    characters (object dtype, blanks missing)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype(str)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64").where(np.isfinite(values.astype("float64")))
    text = values.astype("string").str.strip().str.slice(0, MAX_TEXT)
    text = text.where(text.notna() & (text != ""))
    filled = text.dropna()
    numbers = pd.to_numeric(filled, errors="coerce")
    if len(filled) and numbers.notna().all() and np.isfinite(numbers.to_numpy(dtype="float64")).all():
        return pd.to_numeric(text, errors="coerce").astype("float64")
    return text.astype(object).where(text.notna(), None)


def _distinct_name(column: object, taken: dict) -> str:
    name = str(column).strip()[:MAX_NAME] or "column"
    if isinstance(column, int):  # a file without a header: columns by position
        name = f"column {column + 1}"
    if name.casefold() in RESERVED:
        name = f"{name} (file)"
    base, k = name, 2
    while name in taken:
        name, k = f"{base} {k}", k + 1
    return name


def kind(values: pd.Series) -> str:
    """:data:`NUMBER` for a numeric column, :data:`TEXT` otherwise."""
    return NUMBER if pd.api.types.is_numeric_dtype(values.dtype) else TEXT


def category_groups(values: pd.Series | np.ndarray, top: int = TOP_CATEGORIES) -> tuple[np.ndarray, list[str]]:
    """Each value's legend group and the legend order: the ``top`` most frequent values (most frequent
    first), and :data:`OTHER` for the rest and for missing cells (listed last, when present)."""
    text = pd.Series(values, dtype=object).map(lambda v: None if v is None or v != v else str(v))
    counts = text.dropna().value_counts(sort=False)
    order = sorted(counts.index, key=lambda v: (-counts[v], v))[:top]
    groups = text.where(text.isin(order), OTHER).to_numpy(dtype=object)
    if (groups == OTHER).any() and OTHER not in order:
        order.append(OTHER)
    return groups, order
