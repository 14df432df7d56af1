"""Which definition of "movies most like X" finds movies of the same kind: the measure behind :mod:`cf.similar`.

Trains the default model on MovieLens latest-small, then lists the 10 movies most like each of
the 300 most rated movies by four definitions, and prints for each how often a listed movie
shares a genre other than Drama and Comedy with its movie (:func:`cf.similar.kind_agreement`)
and the median popularity rank of the listed movies (1 = the most rated movie)::

    python -m benchmarks.similar [--epochs N] [--movies N]
"""

from __future__ import annotations

import argparse

import numpy as np

import cf
from benchmarks.paths import shared_data_dir
from cf.similar import for_recommender, kind_agreement


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--movies", type=int, default=300, help="how many of the most rated movies to check")
    args = parser.parse_args()
    folder = shared_data_dir() / "ml-latest-small"
    ratings, movies = cf.load_ratings(folder / "ratings.csv"), cf.load_movies(folder / "movies.csv")
    rec = cf.fit(ratings, cf.TrainConfig(epochs=args.epochs), movies=movies).recommender
    meta = rec.movies.frame.reindex(rec.items.ids)
    genre_lists = [g if isinstance(g, list) else [] for g in meta["genres"]]
    by_popularity = np.argsort(-rec.item_counts, kind="stable")
    rank = np.empty(len(by_popularity))
    rank[by_popularity] = np.arange(1, len(by_popularity) + 1)
    checked = by_popularity[: args.movies]
    similarity = for_recommender(rec)
    eligible = similarity.eligible()
    unit = rec.unit_item_vectors()
    ranker = rec.ranker

    def best(scores: np.ndarray, movie: int) -> np.ndarray:
        scores = np.where(eligible, scores, -np.inf)
        scores[movie] = -np.inf
        return np.argsort(-scores, kind="stable")[:10]

    definitions = {
        "match (cf.similar: watched together + rated alike)": lambda m: similarity.most_similar(m, 10)[0],
        "item model weights (EASE, both ways averaged)": lambda m: best(ranker.similar(m), m),
        "embedding direction (cosine of the model's vectors)": lambda m: best(unit @ unit[m], m),
        "most popular": lambda m: best(rec.item_counts.astype(float), m),
    }
    print(f"The 10 movies most like each of the {len(checked)} most rated movies of latest-small:")
    for name, lists_for in definitions.items():
        lists = {int(m): lists_for(int(m)) for m in checked}
        shared = kind_agreement(lists, genre_lists)
        median = np.median(rank[np.concatenate(list(lists.values()))])
        print(f"  {name:52s} same kind {shared:.1%}   median popularity rank {median:.0f}")
    for title in ("Matrix, The (1999)", "Notting Hill (1999)", "Toy Story (1995)", "Alien (1979)"):
        movie = int(np.flatnonzero(rec.titles() == title)[0])
        table = rec.similar_movies(rec.items.to_raw([movie])[0], 8)
        print(f"  {title}: " + " | ".join(f"{t} {m:.0%}" for t, m in zip(table["title"], table["match"])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
