"""What each command-line command does (argument parsing lives in :mod:`cf.cli`).

The commands that train receive the :class:`TrainConfig` the command line built; nothing
here imports :mod:`cf.cli`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

from cf.config import ConfigError
from cf.data import Movies, Ratings
from cf.data.readers import load_movies, load_ratings
from cf.evaluation import Scores, evaluate, evaluate_topn
from cf.placement import choose_device
from cf.recommend import Recommender
from cf.splits import temporal_split
from cf.training import TrainConfig, distributed, fit, validation_split


def train_command(args: argparse.Namespace, config: TrainConfig) -> int:
    """``train``: read, split, fit ``config`` with a progress bar, score, optionally save.

    Under ``torchrun`` each process trains on its share of the ratings (see
    :mod:`cf.training.distributed`) on the device it was given; only the first one prints
    and writes the model file.
    """
    device = distributed.init_from_env()
    try:
        return _train(args, dataclasses.replace(config, device=device or config.device))
    finally:
        distributed.shutdown()


def _train(args: argparse.Namespace, config: TrainConfig) -> int:
    lead = distributed.rank() == 0
    # a device asked for (or named by CF_DEVICE) that this machine lacks: said before the file is read
    choose_device(config.device, 0, engine=config.engine)
    started = time.perf_counter()
    ratings, movies = _read_inputs(args)
    read_seconds = time.perf_counter() - started
    if args.test:
        train, test, note = ratings, load_ratings(args.test), None
        test = Ratings(test.frame, ratings.scale, test.n_duplicates, test.source)
    else:
        train, test, note = _held_out(ratings, config, args.temporal)
    if note and lead:
        print(note, file=sys.stderr)
    progress = _progress_bar(config.epochs, disabled=args.quiet or not lead)
    result = fit(train, config, test, movies, callback=progress.update_from)
    progress.close()
    if not lead:
        return 0
    if result.diverged:
        print(result.diverged, file=sys.stderr)
    print(f"device: {result.placement.sentence()}")
    if result.auto:
        print(result.auto["sentence"])
    phases = {"read": read_seconds, **result.phases}
    scores = _scored(result.recommender, test, phases)
    if args.out:
        from cf.report import curve_points

        result.recommender.metadata["history"] = curve_points(result.history)
        result.recommender.save(args.out)
    _print_summary(train, test, scores, result.fit_seconds, args.out)
    print("time: " + ", ".join(f"{name.replace('_', ' ')} {seconds:.2f} s" for name, seconds in phases.items()))
    if args.json:
        picked = result.recommender.config
        chosen = ("batch_size", "epochs", "weight_decay", "lr", "knn_blend")
        used = dataclasses.replace(config, **{name: getattr(picked, name) for name in chosen})
        record = _summary_record(train, test, scores, result.fit_seconds, used)
        record |= {"placement": result.placement.to_dict(), "phases": phases}
        print(json.dumps(record | ({"auto": result.auto} if result.auto else {})))
    return 0


def _scored(recommender: Recommender, test: Ratings | None, phases: dict[str, float]) -> Scores | None:
    """RMSE and the top-N report on ``test``, their seconds added to ``phases`` (``rating_scores``, ``topn``)."""
    if test is None:
        return None
    started = time.perf_counter()
    scores = evaluate(recommender, test)
    phases["rating_scores"] = time.perf_counter() - started
    started = time.perf_counter()
    scores.topn = evaluate_topn(recommender, test)
    phases["topn"] = time.perf_counter() - started
    return scores


def cv_command(args: argparse.Namespace, config: TrainConfig) -> int:
    """``cv``: cross-validate ``config``; print each fold, the means and 95% intervals (and JSON)."""
    from cf.crossval import METRICS, cross_validate

    ratings = load_ratings(args.ratings)
    last = [""]

    def show(share: float, text: str) -> None:
        if not args.quiet and text != last[0] and "epoch" not in text:
            print(f"[{share:4.0%}] {text}", file=sys.stderr)
            last[0] = text

    result = cross_validate(ratings, config, args.folds, args.cv_seed, args.method, args.test_frac, progress=show)
    name = "folds" if args.method == "kfold" else "random splits"
    print(f"{len(result.folds)} {name} of {ratings.n_ratings:,} ratings in {result.seconds:.1f} s")
    print(f"{'figure':<26}{'mean':>9}{'95% interval':>22}")
    for metric, interval in result.summary().items():
        label, fmt = METRICS[metric][0], ".4f" if "rmse" in metric or metric == "mae" else ".3f"
        print(f"{label:<26}{interval.mean:>9{fmt}}   {interval.low:>8{fmt}} to {interval.high:<8{fmt}}")
    if config.auto:
        picked = [
            f"{f.picked['epochs']} epochs, {f.picked['weight_decay']:g}, lr {f.picked['lr']:g}, "
            f"blend {f.picked['knn_blend']:.0%}"
            for f in result.folds
            if f.picked
        ]
        print("Auto picked per fold: " + "; ".join(picked))
    if args.json:
        print(json.dumps(result.to_dict()))
    return 0


def _held_out(ratings: Ratings, config: TrainConfig, temporal: bool) -> tuple[Ratings, Ratings | None, str | None]:
    """Split off the ratings to score: random (users and movies stay known) or each user's latest."""
    if not temporal or config.valid_frac <= 0:
        return validation_split(ratings, config.valid_frac, config.seed)
    if not ratings.has_timestamps:
        return validation_split(ratings, config.valid_frac, config.seed)[:2] + (
            "The ratings have no timestamps, so a random share was held out instead of the latest.",
        )
    train, test = temporal_split(ratings, config.valid_frac)
    return train, test, None


def _read_inputs(args: argparse.Namespace) -> tuple[Ratings, Movies | None]:
    ratings = load_ratings(args.ratings)
    if args.movies:
        return ratings, load_movies(args.movies)
    if str(args.ratings).lower().endswith(".zip"):
        try:
            return ratings, load_movies(args.ratings)
        except Exception:  # noqa: BLE001 - a zip without movies still trains
            return ratings, None
    return ratings, None


class _progress_bar:
    """A tqdm bar over epochs showing the loss and validation RMSE."""

    def __init__(self, epochs: int, disabled: bool):
        from tqdm import tqdm

        self.bar = tqdm(total=epochs, unit="epoch", disable=disabled, file=sys.stderr, dynamic_ncols=True)

    def update_from(self, report) -> None:
        shown = {"loss": f"{report.train_loss:.4f}"}
        if report.valid_rmse is not None:
            shown["valid_rmse"] = f"{report.valid_rmse:.4f}"
        self.bar.set_postfix(shown)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _print_summary(
    train: Ratings, test: Ratings | None, scores: Scores | None, seconds: float, out: str | None
) -> None:
    print(
        f"trained on {train.n_ratings:,} ratings ({train.n_users:,} users, {train.n_items:,} movies) in {seconds:.2f} s"
    )
    if scores:
        print(
            f"held-out {scores.n_test:,} ratings: RMSE {scores.rmse:.4f}, MAE {scores.mae:.4f} "
            f"(bias-only baseline RMSE {scores.bias_rmse:.4f}, global mean {scores.global_mean_rmse:.4f})"
        )
        topn = scores.topn
        model, popular = topn.model, topn.popular
        print(
            f"top-{topn.k} lists for {topn.n_people:,} people: NDCG {model.ndcg:.3f}, hit rate "
            f"{model.hit_rate:.0%} (most popular: NDCG {popular.ndcg:.3f}, hit rate {popular.hit_rate:.0%})"
        )
    if out:
        print(f"model written to {out}")


def _summary_record(
    train: Ratings, test: Ratings | None, scores: Scores | None, seconds: float, config: TrainConfig
) -> dict:
    return {
        "rmse": scores.rmse if scores else None,
        "mae": scores.mae if scores else None,
        "baseline_rmse": scores.bias_rmse if scores else None,
        "global_mean_rmse": scores.global_mean_rmse if scores else None,
        "topn": scores.topn.to_dict() if scores and scores.topn else None,
        "fit_seconds": seconds,
        "n_train": train.n_ratings,
        "n_test": test.n_ratings if test is not None else 0,
        "n_fallback": scores.n_fallback if scores else 0,
        "processes": distributed.world_size(),
        "config": {k: v for k, v in vars(config).items() if k != "hidden"},
    }


def lookup_command(args: argparse.Namespace) -> int:
    """``recommend`` and ``similar``: read a saved model and print a table."""
    recommender = Recommender.load(args.model)
    if args.command == "recommend":
        user = _as_id(args.user, recommender.users.ids)
        table = recommender.recommend(user, args.n, min_ratings=args.min_ratings, rank_by=args.rank_by)
    else:
        table = recommender.similar_movies(_movie_id(recommender, args.movie), args.n)
    if args.json:
        print(table.to_json(orient="records"))
    else:
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0


def _movie_id(recommender, text: str) -> object:
    """A movie id, or the best match of a title as people type it ("the matrix", "Toy Story 1995")."""
    movie = _as_id(text, recommender.items.ids)
    if movie in recommender.items:
        return movie
    from cf.data.search import TitleIndex

    found = TitleIndex(list(recommender.titles()), recommender.item_counts).search(str(text))
    return recommender.items.to_raw([int(found[0])])[0] if len(found) else movie


def _as_id(text: str, ids) -> object:
    if ids.dtype.kind in "iu":
        try:
            return int(text)
        except ValueError:
            return text
    return text


def download_command(args: argparse.Namespace) -> int:
    """``download``: fetch a MovieLens zip into the cache with a progress bar; print its path."""
    from tqdm import tqdm

    from cf.data.movielens import download

    with tqdm(unit="B", unit_scale=True, file=sys.stderr, desc=args.release) as bar:

        def show(done: int, total: int) -> None:
            bar.total = total or None
            bar.update(done - bar.n)

        path = download(args.release, progress=show)
    print(path)
    return 0


def report_command(args: argparse.Namespace) -> int:
    """``report``: score the model on its held-out ratings and write the HTML report."""
    from pathlib import Path

    from cf.report import ReportInputs, score_held_out, write_report

    recommender = Recommender.load(args.model)
    if args.movies:
        movies = load_movies(args.movies).covering(recommender.items.ids)
        recommender = dataclasses.replace(recommender, movies=movies)
    ratings = load_ratings(args.ratings) if args.ratings else None
    scores = score_held_out(recommender)
    notes = [] if scores else ["The model file holds no held-out ratings, so there are no accuracy scores."]
    inputs = ReportInputs(
        recommender, ratings, scores, recommender.metadata.get("history", []), title=args.title,
        data_label=Path(args.ratings).name if args.ratings else Path(args.model).name, notes=notes,
    )  # fmt: skip
    done = write_report(args.out, inputs)
    print(f"report written to {done['path']} ({done['bytes'] / 1e6:.1f} MB in {done['seconds']:.1f} s)")
    return 0


def tune_command(args: argparse.Namespace, base: TrainConfig) -> int:
    """``tune``: hold out a share, run the sweep around ``base``, print each result as it arrives, then the best."""
    import time

    from cf.sweep import best, default_score, parse_values, run_sweep

    values = {}
    for item in args.vary:
        name, _, text = item.partition("=")
        values[name.strip()] = parse_values(name.strip(), text)
    score = args.score or default_score(list(values))
    if not 0 < args.valid_frac < 1:
        raise ConfigError(f"--valid-frac must be above 0 and below 1; got {args.valid_frac:g}")
    ratings = load_ratings(args.ratings)
    train, valid, _ = validation_split(ratings, args.valid_frac, args.seed)
    started = time.perf_counter()
    results = []
    topn = score in ("ndcg", "hit_rate")
    for result in run_sweep(train, valid, base, values, topn=topn):
        results.append(result)
        shown = ", ".join(f"{k}={v:g}" for k, v in result.point.items())
        lists = f", NDCG@10 {result.ndcg:.4f}" if result.ndcg is not None else ""
        print(f"{shown}: RMSE {result.rmse:.4f}, MAE {result.mae:.4f}{lists} ({result.fit_seconds:.1f} s)", flush=True)
    winner = best(results, score)
    seconds = time.perf_counter() - started
    print(f"best by {score}: " + ", ".join(f"{k}={v:g}" for k, v in winner.point.items()) + f" ({seconds:.1f} s)")
    if args.json:
        record = {
            "score": score,
            "best": winner.to_dict(),
            "results": [r.to_dict() for r in results],
            "seconds": seconds,
            "n_train": train.n_ratings,
            "n_valid": valid.n_ratings,
        }
        print(json.dumps(record))
    return 0
