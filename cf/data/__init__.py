"""Ratings and movies: validated tables and the readers of rating files (splits: :mod:`cf.splits`).

Modules: :mod:`cf.data.tables` (``Ratings``, ``Movies``, ``IdMap``),
:mod:`cf.data.readers` (file formats: bytes and encoding in :mod:`cf.data.decode`, layout
and parsing in :mod:`cf.data.parse`, columns in :mod:`cf.data.columns`), :mod:`cf.data.archive`
(zip files), :mod:`cf.data.movielens` (GroupLens downloads), :mod:`cf.data.demo` (the generated
demo data; its titles in :mod:`cf.data.demo_titles`, their words in ``demo_words.json``),
:mod:`cf.data.synth` (ML-25M-shaped synthetic files), :mod:`cf.data.search` (finding titles as
people type them), :mod:`cf.data.genres` (the genre that stands for a movie) and
:mod:`cf.data.extras` (a movies file's other columns).
"""

from cf.data.readers import load_dataset, load_movies, load_ratings
from cf.data.tables import (
    MISSING_GENRES,
    DataError,
    IdMap,
    Movies,
    Ratings,
    normalise_ids,
)

__all__ = [
    "MISSING_GENRES", "DataError", "IdMap", "Movies", "Ratings", "load_dataset", "load_movies",
    "load_ratings", "normalise_ids",
]  # fmt: skip
