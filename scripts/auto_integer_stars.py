"""Auto against the fixed defaults on the shared split and on its 1-5 integer-star variant.

The variant rounds every rating of ``ml-latest-small-split`` up to a whole star (0.5 -> 1,
3.5 -> 4), train and test alike: a release with whole stars only, which the defaults were
not tuned on. Prints RMSE, MAE, fit seconds and what Auto picked, for each.

    python scripts/auto_integer_stars.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cf  # noqa: E402
from benchmarks.paths import shared_data_dir  # noqa: E402
from cf.evaluation import evaluate  # noqa: E402


def rounded_up(ratings: cf.Ratings) -> cf.Ratings:
    frame = ratings.frame.rename(columns={"user": "userId", "item": "movieId"})
    return cf.load_ratings(frame.assign(rating=np.ceil(frame["rating"])))


def main() -> None:
    folder = shared_data_dir() / "ml-latest-small-split"
    train, test = cf.load_ratings(folder / "train.csv"), cf.load_ratings(folder / "test.csv")
    for name, (tr, te) in {"half stars": (train, test), "integer stars": (rounded_up(train), rounded_up(test))}.items():
        for label, config in (("fixed defaults", cf.TrainConfig()), ("Auto", cf.TrainConfig(auto=True))):
            result = cf.fit(tr, config)
            scores = evaluate(result.recommender, te)
            print(
                f"{name:<14}{label:<16} RMSE {scores.rmse:.4f}  MAE {scores.mae:.4f}  "
                f"fit {result.fit_seconds:.2f} s  scale {tr.scale}",
                flush=True,
            )
            if result.auto:
                print(f"{'':<30} {result.auto['sentence']}")


if __name__ == "__main__":
    main()
