"""The accuracy and speed benchmark: the default model against Surprise's SVD on a fixed split."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.paths import shared_data_dir
from cf.data import Ratings
from cf.data.readers import load_ratings
from cf.evaluation import evaluate, evaluate_new_people, evaluate_topn
from cf.metrics import mae, rmse
from cf.training import TrainConfig, fit


def run_benchmark(
    split_dir: Path | None = None, repeat: int = 3, with_surprise: bool = True, new_people: bool = True
) -> dict:
    """Train the defaults ``repeat`` times on train.csv, score all of test.csv, then Surprise SVD.

    Returns a dict of figures; fit times are the median of the repeats.
    """
    split_dir = Path(split_dir or shared_data_dir() / "ml-latest-small-split")
    train = load_ratings(split_dir / "train.csv")
    test = load_ratings(split_dir / "test.csv")
    config = TrainConfig()
    times, ranker_times = [], []
    for _ in range(repeat):
        result = fit(train, config)
        times.append(result.fit_seconds)
        ranker_times.append(result.ranker_seconds)
        scores = evaluate(result.recommender, test)
    topn = evaluate_topn(result.recommender, test)
    auto_times, auto_scores, auto_result = [], None, None
    for _ in range(repeat):
        auto_result = fit(train, TrainConfig(auto=True))
        auto_times.append(auto_result.fit_seconds)
        auto_scores = evaluate(auto_result.recommender, test)
    figures = {
        "dataset": str(split_dir),
        "n_train": train.n_ratings,
        "n_test": test.n_ratings,
        "n_fallback": scores.n_fallback,
        "config": {k: v for k, v in vars(config).items() if k != "hidden"},
        "cf": {
            "rmse": scores.rmse,
            "mae": scores.mae,
            "fit_seconds": statistics.median(times),
            "fit_runs": times,
        },
        "auto": {
            "rmse": auto_scores.rmse if auto_scores else None,
            "mae": auto_scores.mae if auto_scores else None,
            "fit_seconds": statistics.median(auto_times) if auto_times else None,
            "fit_runs": auto_times,
            "picked": auto_result.auto if auto_result else None,
        },
        "baseline_rmse": scores.bias_rmse,
        "global_mean_rmse": scores.global_mean_rmse,
        "topn": topn.to_dict(),
        "ranker_fit_seconds": statistics.median(ranker_times),
        "ranker_fit_runs": ranker_times,
        "list_seconds": list_timings(result.recommender, train),
    }
    if new_people:
        figures["new_people"] = [
            {
                "given": r.given,
                "n_people": r.n_people,
                "rmse": r.rmse,
                "baseline_rmse": r.baseline_rmse,
                "topn": r.topn.to_dict(),
            }
            for r in evaluate_new_people(load_ratings(split_dir / "train.csv"), config)
        ]
    if with_surprise:
        figures["surprise_svd"] = surprise_svd(train, test, repeat)
        if figures["surprise_svd"].get("fit_seconds"):
            figures["fit_time_ratio"] = figures["cf"]["fit_seconds"] / figures["surprise_svd"]["fit_seconds"]
            if figures["auto"]["fit_seconds"]:
                figures["auto_fit_time_ratio"] = figures["auto"]["fit_seconds"] / figures["surprise_svd"]["fit_seconds"]
    return figures


def list_timings(rec, train: Ratings, n_people: int = 30) -> dict:
    """Median seconds to make one top-10 list: for a known user, and for a new person from 10 ratings."""
    users = rec.users.ids[:: max(1, len(rec.users) // n_people)][:n_people]
    known = []
    for user in users:
        started = time.perf_counter()
        rec.recommend(user)
        known.append(time.perf_counter() - started)
    rec.recommend_for_ratings({rec.items.ids[0]: 4.0})  # loads the optimiser once
    new = []
    for user in users:
        rows = train.frame[train.frame["user"] == user].head(10)
        started = time.perf_counter()
        rec.recommend_for_ratings(dict(zip(rows["item"], rows["rating"])))
        new.append(time.perf_counter() - started)
    return {"known_user": statistics.median(known), "new_person": statistics.median(new)}


def surprise_svd(train: Ratings, test: Ratings, repeat: int = 3) -> dict:
    """Surprise's ``SVD()`` with default parameters and ``random_state=0`` on the same split."""
    try:
        from surprise import SVD
    except ImportError:
        return {"error": "scikit-surprise is not installed (pip install -r requirements-dev.txt)"}
    data = surprise_trainset(train)
    times = []
    for _ in range(repeat):
        algo = SVD(random_state=0)
        started = time.perf_counter()
        algo.fit(data)
        times.append(time.perf_counter() - started)
    predicted = np.array([algo.predict(u, i).est for u, i in zip(test.frame["user"], test.frame["item"])])
    actual = test.frame["rating"].to_numpy()
    return {"rmse": rmse(predicted, actual), "mae": mae(predicted, actual), "fit_seconds": statistics.median(times)}


def surprise_trainset(ratings: Ratings):
    """The ratings as a Surprise trainset (Surprise must be installed)."""
    from surprise import Dataset, Reader

    frame = ratings.frame[["user", "item", "rating"]]
    return Dataset.load_from_df(frame, Reader(rating_scale=ratings.scale)).build_full_trainset()


def format_benchmark(figures: dict) -> str:
    """A small table for the terminal."""
    lines = [
        f"ml-latest-small split: {figures['n_train']:,} train ratings, {figures['n_test']:,} test ratings "
        f"(all scored; {figures['n_fallback']} use the fallback for an unseen user or movie)",
        f"{'model':<28}{'RMSE':>8}{'MAE':>8}{'fit s':>9}",
    ]
    cf_row = figures["cf"]
    lines.append(
        f"{'cf defaults (dot-bias)':<28}{cf_row['rmse']:>8.4f}{cf_row['mae']:>8.4f}{cf_row['fit_seconds']:>9.2f}"
    )
    auto = figures.get("auto") or {}
    if auto.get("rmse") is not None:
        lines.append(f"{'cf Auto settings':<28}{auto['rmse']:>8.4f}{auto['mae']:>8.4f}{auto['fit_seconds']:>9.2f}")
    svd = figures.get("surprise_svd", {})
    if "rmse" in svd:
        lines.append(f"{'Surprise SVD()':<28}{svd['rmse']:>8.4f}{svd['mae']:>8.4f}{svd['fit_seconds']:>9.2f}")
    elif svd:
        lines.append(f"Surprise SVD: {svd['error']}")
    lines.append(f"{'bias-only baseline':<28}{figures['baseline_rmse']:>8.4f}")
    lines.append(f"{'global mean':<28}{figures['global_mean_rmse']:>8.4f}")
    if "fit_time_ratio" in figures:
        lines.append(f"fit time ratio cf / Surprise: {figures['fit_time_ratio']:.2f}x")
    if "auto_fit_time_ratio" in figures:
        lines.append(f"fit time ratio cf Auto / Surprise: {figures['auto_fit_time_ratio']:.2f}x")
    if auto.get("picked"):
        lines.append(auto["picked"]["sentence"])
    runs = ", ".join(f"{t:.2f}" for t in cf_row["fit_runs"])
    lines.append(f"cf fit seconds per run: {runs} (median reported)")
    lines += ["", *format_topn(figures)]
    return "\n".join(lines)


def format_topn(figures: dict) -> list[str]:
    """The top-N table (full catalogue, most popular in the same run) and the new-person table."""
    topn = figures["topn"]
    lines = [
        f"top-{topn['k']} over the full catalogue, {topn['n_people']:,} people with a held-out rating >= 4 stars:",
        f"{'ranking':<28}{'P@10':>7}{'R@10':>7}{'NDCG':>7}{'MAP':>7}{'HR@10':>7}{'cover':>7}{'pop':>6}{'pers':>6}",
    ]
    names = {"model": "item model (default)", "by_rating": "by predicted rating", "popular": "most popular"}
    for key, name in names.items():
        if key in topn:
            m = topn[key]
            lines.append(
                f"{name:<28}{m['precision']:>7.3f}{m['recall']:>7.3f}{m['ndcg']:>7.3f}{m['map']:>7.3f}"
                f"{m['hit_rate']:>7.1%}{m['coverage']:>7.1%}{m['mean_popularity']:>6.0f}{m['personalisation']:>6.2f}"
            )
    ranker = ", ".join(f"{t:.2f}" for t in figures["ranker_fit_runs"])
    times = figures["list_seconds"]
    lines.append(f"item model fit seconds per run: {ranker}")
    lines.append(
        f"one list: known user {times['known_user'] * 1000:.0f} ms, new person from 10 ratings "
        f"{times['new_person'] * 1000:.0f} ms (medians)"
    )
    if figures.get("new_people"):
        lines += ["", "new people (20% of users held out of training, N of their ratings folded in):"]
        lines.append(
            f"{'N':>3}{'people':>8}{'RMSE':>8}{'bias RMSE':>11}{'NDCG':>7}{'HR@10':>7}{'pop NDCG':>10}{'pop HR':>8}"
        )
        for r in figures["new_people"]:
            model, popular = r["topn"]["model"], r["topn"]["popular"]
            lines.append(
                f"{r['given']:>3}{r['n_people']:>8}{r['rmse']:>8.4f}{r['baseline_rmse']:>11.4f}{model['ndcg']:>7.3f}"
                f"{model['hit_rate']:>7.1%}{popular['ndcg']:>10.3f}{popular['hit_rate']:>8.1%}"
            )
    return lines


def main(split_dir: str | None, repeat: int, as_json: bool) -> int:
    figures = run_benchmark(Path(split_dir) if split_dir else None, repeat)
    print(format_benchmark(figures))
    if as_json:
        print(json.dumps(figures))
    return 0
