"""Maps of a model computed for the Embeddings screen: t-SNE/UMAP layouts in the background, taste
regions and concept axes, each cached on the model record (per view and setting)."""

from __future__ import annotations

import time

import numpy as np

from cf.data import extras
from cf.maps import regions as region_lib
from cf.maps.layouts import Layout, LayoutSettings, fit_layout
from ui.components.common import seconds
from ui.jobs.base import BackgroundJob
from ui.session.state import ModelRecord

MOVIES, USERS = "movies", "users"


class LayoutJob(BackgroundJob):
    """One t-SNE or UMAP fit on a background thread; read its fields from any thread."""

    expected = (ValueError,)
    memory_hint = "Try PCA, or fewer movies."

    def __init__(self, vectors: np.ndarray, priority: np.ndarray, settings: LayoutSettings):
        super().__init__(f"cf-map-{settings.method}")
        self.settings = settings
        self._vectors, self._priority = vectors, priority
        self.started = time.perf_counter()
        self.stage, self._done_share = "Starting", 0.0
        self.layout: Layout | None = None
        self.title = f"The {settings.label()} map"

    def _work(self) -> None:
        self.layout = fit_layout(self._vectors, self.settings, priority=self._priority, report=self._report)

    def _report(self, stage: str, share: float) -> None:
        self.stage, self._done_share = stage, share

    def _share(self) -> float:
        return self._done_share

    def _news(self) -> str:
        return f"{self.settings.label()}: {self.stage}… ({seconds(time.perf_counter() - self.started)})"


def layout_job(record: ModelRecord, view: str, settings: LayoutSettings) -> LayoutJob:
    """The job for this view and setting, started on first request and kept with the model."""
    jobs = record.cache.setdefault("layout_jobs", {})
    key = (view, settings)
    if key not in jobs:
        rec = record.recommender
        if view == USERS:
            vectors, priority = rec.user_vectors(), np.bincount(rec.known["user"], minlength=len(rec.users))
        else:
            vectors, priority = rec.item_vectors(), rec.item_counts
        jobs[key] = LayoutJob(np.asarray(vectors), np.asarray(priority), settings).start()
    return jobs[key]


def taste_regions(record: ModelRecord, k: int, drawn: int) -> region_lib.Regions:
    """Taste regions fitted on the ``drawn`` most rated movies (k-means of their directions), named;
    cached per ``k`` and ``drawn`` (the last few)."""
    key = ("regions", k, drawn)
    if key not in record.cache:
        rec = record.recommender
        meta = rec.movies.frame.reindex(rec.items.ids)
        genre_lists = [g if isinstance(g, list) else [] for g in meta["genres"]]
        titles = meta["title"].fillna("").astype(str).tolist()
        among = np.argsort(-rec.item_counts, kind="stable")[:drawn]
        found = region_lib.taste_regions(rec.item_vectors(), titles, genre_lists, rec.item_counts, k=k, among=among)
        for old in [key for key in record.cache if isinstance(key, tuple) and key[0] == "regions"][:-3]:
            del record.cache[old]  # a slider dragged through many counts keeps only the last few
        record.cache[key] = found
    return record.cache[key]


def column_groups(record: ModelRecord, name: str) -> tuple[np.ndarray, list[str]]:
    """A text column of the movies file as legend groups (its most frequent values, then Other) by movie
    index, and the legend order; cached per column."""
    key = ("column_groups", name)
    if key not in record.cache:
        record.cache[key] = extras.category_groups(record.recommender.movie_column(name))
    return record.cache[key]
