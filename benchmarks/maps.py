"""Time the movie maps on the whole MovieLens latest-small catalogue (9.7k movies).

Trains the default model on ``ml-latest-small/ratings.csv``, then times t-SNE and UMAP (2-D),
taste regions and the exact neighbour search, and prints the figures: wall-clock seconds and the
process's CPU seconds (on a shared, busy machine the CPU seconds are what an idle core would take,
as the fits use one thread)::

    python -m benchmarks.maps [--epochs N]
"""

from __future__ import annotations

import argparse
import time

import cf
from benchmarks.paths import shared_data_dir
from cf.maps import regions
from cf.maps.layouts import LayoutSettings, cosine_neighbours, fit_layout, unit_rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    folder = shared_data_dir() / "ml-latest-small"
    ratings, movies = cf.load_ratings(folder / "ratings.csv"), cf.load_movies(folder / "movies.csv")
    started = time.perf_counter()
    rec = cf.fit(ratings, cf.TrainConfig(epochs=args.epochs), movies=movies).recommender
    print(f"model: {len(rec.items)} movies, {time.perf_counter() - started:.1f} s to train")
    vectors = rec.item_vectors()
    timed("exact 90 nearest neighbours of every movie", lambda: cosine_neighbours(unit_rows(vectors), 90))
    for settings in (LayoutSettings("tsne"), LayoutSettings("umap"), LayoutSettings("umap")):
        # UMAP twice: the first run in a process compiles its numba code
        timed(settings.label(), lambda s=settings: fit_layout(vectors, s, priority=rec.item_counts))
    meta = rec.movies.frame.reindex(rec.items.ids)
    titles, genre_lists = meta["title"].tolist(), list(meta["genres"])
    timed("10 taste regions", lambda: regions.taste_regions(vectors, titles, genre_lists, rec.item_counts, k=10))
    return 0


def timed(what: str, work) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    print(f"{what}: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
