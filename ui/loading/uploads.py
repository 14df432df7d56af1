"""Getting data in: the demo dataset and uploads, parsed once per file content.

Parsed tables are cached by the SHA-256 of the file's bytes with ``st.cache_data``
(bounded by ``max_entries``), so the same file uploaded again, in this session or
another, is not parsed twice. The session also keeps the parsed objects it uses, so
a rerun does not even pay for the cache's copy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

import cf
from ui.session import state
from ui.session.state import DataRecord

RATINGS_TYPES = ["csv", "tsv", "dat", "data", "txt", "zip"]
MOVIES_TYPES = ["csv", "tsv", "dat", "item", "txt", "zip"]
DEMO_KEY = "demo"
DEMO_LABEL = "Demo dataset"


@dataclass
class Parsed:
    """The outcome of parsing one file: tables, or a message for the person."""

    ratings: cf.Ratings | None = None
    movies: cf.Movies | None = None
    error: str | None = None


@st.cache_data(max_entries=1, show_spinner="Generating the demo dataset…")
def _demo() -> tuple[cf.Ratings, cf.Movies]:
    from cf.data.demo import load_demo

    return load_demo()


def demo_record() -> DataRecord:
    """The generated demo dataset (parsed once per server, kept per session)."""
    records = st.session_state[state.RECORDS]
    if DEMO_KEY not in records:
        ratings, movies = _demo()
        records[DEMO_KEY] = DataRecord(ratings, movies, DEMO_LABEL, DEMO_KEY, demo=True)
    return records[DEMO_KEY]


def digest(upload) -> str:
    """SHA-256 of an upload's bytes, computed once per upload."""
    digests: dict[str, str] = st.session_state[state.DIGESTS]
    upload_id = getattr(upload, "file_id", None) or f"{upload.name}:{upload.size}"
    if upload_id not in digests:
        if len(digests) > 20:
            digests.clear()
        digests[upload_id] = hashlib.sha256(upload.getvalue()).hexdigest()
    return digests[upload_id]


@st.cache_data(max_entries=2, show_spinner=False)
def _parse_ratings(content_hash: str, name: str, _raw: bytes) -> Parsed:
    """Ratings (and, from a MovieLens zip, movies) of one file; errors are cached too."""
    try:
        ratings, movies = cf.load_dataset(_raw, name=name)  # a MovieLens zip brings its movies along
        return Parsed(ratings, movies)
    except cf.DataError as error:
        return Parsed(error=str(error))


@st.cache_data(max_entries=4, show_spinner=False)
def _parse_movies(content_hash: str, name: str, _raw: bytes) -> Parsed:
    try:
        return Parsed(movies=cf.load_movies(_raw, name=name))
    except cf.DataError as error:
        return Parsed(error=str(error))


READ_MB_PER_SECOND = 40
"""About how fast the server reads and checks a ratings file (MovieLens 25M's 646 MB: 11-16 s on 2 cores)."""


def reading_message(name: str, size: int) -> str:
    """What the spinner says while a file is read: its size and, for big files, about how long."""
    mb = size / 1e6
    if mb < 50:
        return f"Reading {name}…"
    seconds = max(5, 5 * round(mb / READ_MB_PER_SECOND / 5))
    return f"Reading {name} ({mb:,.0f} MB; about {seconds} s)…"


def parse_upload(upload, kind: str) -> tuple[Parsed, str]:
    """Parse an upload (``kind`` is 'ratings' or 'movies'); returns (parsed, content hash)."""
    content_hash = digest(upload)
    memo = st.session_state.setdefault(state.PARSED, {})
    key = (kind, content_hash)
    if key not in memo:
        parser = _parse_ratings if kind == "ratings" else _parse_movies
        with st.spinner(reading_message(upload.name, upload.size), show_time=True):
            memo[key] = parser(content_hash, upload.name, upload.getvalue())
        while len(memo) > 3:  # a 25M-rating table is a gigabyte: keep few
            memo.pop(next(iter(memo)))
    return memo[key], content_hash


def uploaded_record(ratings_upload, movies_upload) -> tuple[DataRecord | None, list[str]]:
    """The data from the uploads, or None, and the messages of files that could not be read.

    A movies file that cannot be read does not stop the ratings from being used: they are
    used with the movies they came with (from a zip), or with placeholder titles.
    """
    errors: list[str] = []
    if ratings_upload is None:
        if movies_upload is not None:
            errors.append("A movies file alone is not enough: upload the ratings file too.")
        return None, errors
    parsed, ratings_hash = parse_upload(ratings_upload, "ratings")
    if parsed.error:
        return None, [parsed.error]
    movies, movies_key, label = parsed.movies, "zip" if parsed.movies is not None else "none", ratings_upload.name
    if movies_upload is not None:
        parsed_movies, movies_hash = parse_upload(movies_upload, "movies")
        if parsed_movies.error:
            errors.append(parsed_movies.error)
        else:
            movies, movies_key = parsed_movies.movies, movies_hash
            label = f"{ratings_upload.name} + {movies_upload.name}"
    key = f"{ratings_hash[:16]}+{movies_key[:16]}"
    return state.remember_record(DataRecord(parsed.ratings, movies, label, key)), errors


# -- MovieLens releases ----------------------------------------------------------------


def movielens_label(name: str) -> str:
    return f"MovieLens {name}"


def movielens_cached(name: str) -> bool:
    """Whether release ``name``'s zip is in the local cache (checked again when used)."""
    from cf.data import movielens

    return movielens.is_cached(name)


def movielens_record(name: str, progress=None) -> DataRecord:
    """Release ``name`` downloaded (or taken from the cache, checksum checked) and parsed.

    Raises :class:`cf.DataError` (a :class:`cf.data.movielens.DownloadError` when offline) with a
    message for people.
    """
    from cf.data import movielens

    path = movielens.download(name, progress=progress)
    content_hash = movielens.recorded_md5(path) or hashlib.sha256(path.read_bytes()).hexdigest()
    key = f"ml:{name}:{content_hash[:16]}"
    records = st.session_state[state.RECORDS]
    if key in records:
        return records[key]
    with st.spinner(f"Reading {path.name}…"):
        parsed = _parse_ratings(content_hash, path.name, path.read_bytes())
    if parsed.error:
        raise cf.DataError(parsed.error)
    return state.remember_record(DataRecord(parsed.ratings, parsed.movies, movielens_label(name), key))
