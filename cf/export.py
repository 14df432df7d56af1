"""Files out of a trained model: recommendations as CSV, embeddings for TensorFlow's Embedding Projector.

* :func:`recommendations_for_all` / :func:`recommendations_csv`: the top ``n`` movies for every
  user (or the users given), scored in batches, with the *because you liked* title of each pick.
* :func:`projector_vectors` / :func:`projector_metadata`: ``vectors.tsv`` (one row of
  tab-separated floats per movie, no header) and ``metadata.tsv`` (a header row, then title,
  genres and number of ratings per movie, in the same order), the two files
  https://projector.tensorflow.org opens with *Load*.
* :func:`csv_bytes`: any table as CSV that spreadsheets open safely: text cells that would
  run as a formula (starting with ``= + - @``, a tab or a carriage return) get a leading ``'``.

No Streamlit here; the app wraps these in download buttons.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell that starts with one of these as a formula."""
PAIRS_PER_BATCH = 1 << 21
"""User x movie pairs scored at once by :func:`recommendations_for_all` (about 2 million)."""
RECOMMENDATION_COLUMNS = ["userId", "rank", "movieId", "title", "genres", "predicted", "because_you_liked"]


# -- safe CSV ------------------------------------------------------------------------


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells that a spreadsheet would run as a formula start with ``'``.

    Numbers are left alone (a negative number is data, not a formula).
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            continue
        out[column] = [_neutral(value) for value in series]
    return out


def _neutral(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as CSV that spreadsheets open safely (formulas neutralised, UTF-8 with BOM)."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


# -- recommendations for everyone ----------------------------------------------------


def recommendations_for_all(
    recommender,
    n: int = 10,
    min_ratings: int = 0,
    users: Iterable | None = None,
    progress: Callable[[int, int], None] | None = None,
    rank_by: str = "ranker",
) -> pd.DataFrame:
    """The top ``n`` unrated movies of every user (or of ``users``), one row per (user, rank).

    The same lists as ``recommender.recommend(user, n, min_ratings, rank_by)`` (both go
    through :func:`cf.topn.top_n`), made for a batch of users at a time. ``progress`` is
    called with (users done, users in all). Columns: :data:`RECOMMENDATION_COLUMNS`.
    """
    from cf.topn import top_n  # torch loads only when recommendations are made

    rec = recommender
    ids = rec.users.ids.to_numpy() if users is None else np.asarray(list(users), dtype=object)
    batch = max(1, PAIRS_PER_BATCH // max(1, len(rec.items)))
    parts = []
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        tables = top_n(rec, [rec.person(u) for u in chunk], n, min_ratings, rank_by)
        for user, table in zip(chunk, tables):
            parts.append(table.assign(userId=user, rank=np.arange(1, len(table) + 1)))
        if progress is not None:
            progress(min(start + batch, len(ids)), len(ids))
    if not parts:
        return pd.DataFrame({c: [] for c in RECOMMENDATION_COLUMNS})
    return pd.concat(parts, ignore_index=True)[RECOMMENDATION_COLUMNS]


def recommendations_csv(
    recommender, n: int = 10, min_ratings: int = 0, users: Iterable | None = None, rank_by: str = "ranker"
) -> bytes:
    """:func:`recommendations_for_all` as safe CSV bytes (see :func:`csv_bytes`)."""
    table = recommendations_for_all(recommender, n, min_ratings, users, rank_by=rank_by)
    return csv_bytes(table.assign(predicted=table["predicted"].round(4)))


# -- Embedding Projector -------------------------------------------------------------


def tsv_cell(value: object) -> str:
    """``value`` as one TSV cell: tabs, carriage returns and line breaks become spaces."""
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    return text.replace("\r\n", " ").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def projector_vectors(recommender) -> bytes:
    """``vectors.tsv``: one line per movie (in index order) of tab-separated floats, no header."""
    buffer = io.BytesIO()
    np.savetxt(buffer, recommender.item_vectors(), delimiter="\t", fmt="%.7g")
    return buffer.getvalue()


def projector_metadata(recommender) -> bytes:
    """``metadata.tsv``: a header, then title, genres, number of ratings and the movies file's other columns
    per movie (same order as vectors), so the Projector can colour by any of them."""
    meta = recommender.describe(np.arange(len(recommender.items)))
    names = list(recommender.movie_columns())
    extra = [[_number_cell(v) for v in recommender.movie_column(name)] for name in names]
    lines = ["\t".join(["title", "genres", "n_ratings", *map(tsv_cell, names)])]
    lines += [
        "\t".join([tsv_cell(title), tsv_cell(genres), str(int(count)), *cells])
        for title, genres, count, *cells in zip(meta["title"], meta["genres"], meta["n_ratings"], *extra)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _number_cell(value: object) -> str:
    """A number without a trailing ``.0`` (``16`` rather than ``16.0``); text as :func:`tsv_cell` writes it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return tsv_cell(value)
