"""Time the movie maps on the whole MovieLens latest-small catalogue (9.7k movies) and at 59k movies.

Trains the default model on ``ml-latest-small/ratings.csv``, then times t-SNE (openTSNE's default
750 steps and the app's 425) and UMAP (2-D), taste regions and the exact neighbour search, with a
quality figure for each layout: the share of each movie's 10 nearest neighbours (cosine, in the
model's space) that stay among its 10 nearest on the map. Then 59,047 synthetic movie vectors
(ML-25M's count: the model's vectors drawn again with noise, so they keep its structure) are laid
out whole and as the app does it (a 10,000 sample, the rest placed beside their neighbours).
Prints wall-clock seconds and the process's CPU seconds (on a shared, busy machine the CPU
seconds are what an idle core would take, as the fits use one thread)::

    python -m benchmarks.maps [--epochs N] [--part small|large|both] [--movies N] [--sampled-only]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import cf
from benchmarks.paths import shared_data_dir
from cf.maps import regions
from cf.maps.layouts import LayoutSettings, cosine_neighbours, fit_layout, neighbour_preservation, unit_rows

ML25M_MOVIES = 59_047


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--part", choices=["small", "large", "both"], default="both")
    parser.add_argument("--movies", type=int, default=ML25M_MOVIES, help="how many synthetic movies (large part)")
    parser.add_argument("--sampled-only", action="store_true", help="large part: skip the fits of all the movies")
    args = parser.parse_args()
    folder = shared_data_dir() / "ml-latest-small"
    ratings, movies = cf.load_ratings(folder / "ratings.csv"), cf.load_movies(folder / "movies.csv")
    started = time.perf_counter()
    rec = cf.fit(ratings, cf.TrainConfig(epochs=args.epochs), movies=movies).recommender
    print(f"model: {len(rec.items)} movies, {time.perf_counter() - started:.1f} s to train", flush=True)
    if args.part in ("small", "both"):
        whole_catalogue(rec)
    if args.part in ("large", "both"):
        synthetic_catalogue(rec.item_vectors(), rec.item_counts, args.movies, not args.sampled_only)
    return 0


def whole_catalogue(rec: cf.Recommender) -> None:
    vectors = rec.item_vectors()
    timed("exact 90 nearest neighbours of every movie", lambda: cosine_neighbours(unit_rows(vectors), 90))
    runs = [
        ("t-SNE, openTSNE's default 250 + 500 steps", LayoutSettings("tsne", tsne_steps=(250, 500))),
        ("t-SNE, the app's 125 + 300 steps", LayoutSettings("tsne")),
        ("UMAP, first run in a process (compiles numba code)", LayoutSettings("umap")),
        ("UMAP", LayoutSettings("umap")),
    ]
    for what, settings in runs:
        layout = timed(what, lambda s=settings: fit_layout(vectors, s, priority=rec.item_counts))
        print(f"  10 nearest neighbours kept: {neighbour_preservation(vectors, layout.coords):.3f}", flush=True)
    meta = rec.movies.frame.reindex(rec.items.ids)
    titles, genre_lists = meta["title"].tolist(), list(meta["genres"])
    timed("10 taste regions", lambda: regions.taste_regions(vectors, titles, genre_lists, rec.item_counts, k=10))


def synthetic_catalogue(vectors: np.ndarray, counts: np.ndarray, n: int, whole: bool = True) -> None:
    """Lay out ``n`` movie vectors drawn from the model's (with noise): whole, then sampled as the app does."""
    rng = np.random.default_rng(0)
    rows = rng.integers(0, len(vectors), n)
    noise = rng.normal(0.0, 0.3 * vectors.std(), (n, vectors.shape[1]))
    synthetic = (vectors[rows] + noise).astype(np.float32)
    priority = counts[rows] + rng.random(n)  # popularity comes with the movie drawn
    print(f"{n:,} synthetic movie vectors of {vectors.shape[1]} factors", flush=True)
    fit_layout(synthetic[:500], LayoutSettings("umap"))  # compile UMAP's numba code before timing it
    for method in ("umap", "tsne"):
        settings = LayoutSettings(method)
        timed(
            f"{settings.label()}, the app's way (the 10,000 most rated fitted, the rest placed)",
            lambda s=settings: fit_layout(synthetic, s, priority=priority),
        )
        if whole:
            timed(f"{settings.label()}, all {n:,}", lambda s=settings: fit_layout(synthetic, s, max_points=n))


def timed(what: str, work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    print(f"{what}: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU", flush=True)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
