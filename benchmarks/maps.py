"""Time the movie maps on the whole MovieLens latest-small catalogue (9.7k movies).

Trains the default model on ``ml-latest-small/ratings.csv``, then times t-SNE and UMAP (2-D),
taste regions and the exact neighbour search, and prints the figures::

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
    started = time.perf_counter()
    cosine_neighbours(unit_rows(vectors), 90)
    print(f"exact 90 nearest neighbours of every movie: {time.perf_counter() - started:.1f} s")
    for settings in (LayoutSettings("tsne"), LayoutSettings("umap"), LayoutSettings("umap")):
        layout = fit_layout(vectors, settings, priority=rec.item_counts)
        print(f"{settings.label()}: {layout.seconds:.1f} s")  # UMAP twice: the first run compiles
    meta = rec.movies.frame.reindex(rec.items.ids)
    started = time.perf_counter()
    regions.taste_regions(vectors, meta["title"].tolist(), list(meta["genres"]), rec.item_counts, k=10)
    print(f"10 taste regions: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
