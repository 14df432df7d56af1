"""The command line: ``python -m cf train | cv | recommend | similar | download | synth | bench``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from cf.config import ConfigError, TrainConfig, TrainingDiverged
from cf.data import DataError
from cf.data.movielens import RELEASES
from cf.settings import SETTINGS, sweepable

DESCRIPTION = """\
Train a collaborative-filtering model on a ratings file and use it.

  python -m cf train --ratings ratings.csv --movies movies.csv --out model.pt
  python -m cf cv --ratings ratings.csv --folds 5       (scores with 95% intervals)
  python -m cf recommend --model model.pt --user 414
  python -m cf similar --model model.pt --movie 1
  python -m cf download 1m        (then: train --ratings <the printed path>)
  python -m cf synth --out big.csv --fraction 0.2   (an ML-25M-shaped file, 5M ratings)
  python -m cf bench
  python -m cf tune --ratings ratings.csv --vary n_factors=16,32,64 --vary weight_decay=0.05,0.1,0.2
  python -m cf report --model model.pt --ratings ratings.csv --movies movies.csv --out report.html

A ratings file has one row per rating: user, movie, rating[, timestamp] (CSV, TSV, ';', '|'
or '::', with or without a header), or give a MovieLens .zip as --ratings.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cf", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train(commands)
    _add_cv(commands)
    rec = commands.add_parser("recommend", help="top movies for a user from a saved model")
    rec.add_argument("--model", required=True, help="a model file written by 'train --out'")
    rec.add_argument("--user", required=True, help="the user id, as in the ratings file")
    rec.add_argument("-n", type=int, default=10, help="how many movies (default 10)")
    rec.add_argument(
        "--rank-by",
        choices=["ranker", "rating"],
        default="ranker",
        help="ranker: the item model trained for top-N lists (default); rating: highest predicted stars",
    )
    rec.add_argument("--min-ratings", type=int, default=0, help="leave out movies with fewer ratings (default 0)")
    rec.add_argument("--json", action="store_true", help="print JSON records instead of a table")
    sim = commands.add_parser(
        "similar", help="movies most like a movie: watched by the same people and rated alike (as the app shows)"
    )
    sim.add_argument("--model", required=True, help="a model file written by 'train --out'")
    sim.add_argument("--movie", required=True, help="the movie id, or a title as you would type it ('the matrix')")
    sim.add_argument("-n", type=int, default=10, help="how many movies (default 10)")
    sim.add_argument("--json", action="store_true", help="print JSON records instead of a table")
    get = commands.add_parser("download", help="download a MovieLens release into the local cache")
    get.add_argument("release", choices=list(RELEASES), help="which release")
    synth = commands.add_parser("synth", help="write an ML-25M-shaped synthetic ratings file (for scale tests)")
    synth.add_argument("--out", required=True, help="the CSV file to write")
    synth.add_argument(
        "--fraction", type=float, default=1.0, help="share of ML-25M's 25,000,095 ratings (default 1: all)"
    )
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _add_report(commands)
    _add_tune(commands)
    bench = commands.add_parser("bench", help="accuracy and fit time of the defaults against Surprise's SVD")
    bench.add_argument(
        "--data", help="folder with train.csv and test.csv (default: ../shared/data/ml-latest-small-split)"
    )
    bench.add_argument("--repeat", type=int, default=3, help="fits to time; the median is reported (default 3)")
    bench.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    bench.add_argument(
        "--scale", action="store_true", help="instead: load time, memory and training throughput at ML-25M size"
    )
    bench.add_argument("--fractions", default="1,0.2", help="with --scale: fractions of ML-25M (default 1,0.2)")
    bench.add_argument("--devices", help="with --scale: e.g. cpu,cuda (default: cpu, and cuda when present)")
    return parser


def _add_train(commands) -> None:
    train = commands.add_parser(
        "train",
        help="train a model and report its accuracy",
        description="Train a model; report RMSE and MAE on held-out ratings next to a bias-only baseline.",
    )
    train.add_argument("--ratings", required=True, help="ratings file (or a MovieLens zip)")
    train.add_argument("--movies", help="movies file: id, title, genres (default: from the zip, if any)")
    held = train.add_mutually_exclusive_group()
    held.add_argument("--test", help="a separate ratings file to score (every row counts)")
    add_setting(held, "valid_frac")
    train.add_argument(
        "--temporal", action="store_true", help="hold out each user's latest ratings instead of random ones"
    )
    add_model_options(train)
    train.add_argument("--out", help="write the trained model here (e.g. model.pt)")
    train.add_argument("--json", action="store_true", help="make the last line printed one JSON object of results")
    train.add_argument("--quiet", action="store_true", help="no progress bar")


MODEL_OPTIONS = ("model", "n_factors", "epochs", "lr", "weight_decay", "batch_size", "seed", "device", "engine")
"""The training settings ``train`` and ``cv`` take (rows of :data:`cf.settings.SETTINGS`)."""
AUTO_OPTIONS = ("epochs", "weight_decay", "batch_size")
"""Of those, the ones that also take ``auto`` (and default to it)."""
TUNE_OPTIONS = ("model", "n_factors", "epochs", "lr", "weight_decay", "ranker_l2", "seed", "device")
"""The settings ``tune`` takes as the base of its grid (numbers only: a sweep has no Auto)."""
AUTO_NOTE = (
    "Auto (both --epochs and --weight-decay unset or 'auto') picks the regularisation, the training passes, "
    "the step size and the neighbour blend from a quick validation split inside the training ratings; a "
    "number for either turns Auto off (the other then takes its default)"
)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """The training settings shared by ``train`` and ``cv``, made from the settings table."""
    for name in MODEL_OPTIONS:
        add_setting(parser, name, auto=name in AUTO_OPTIONS)


def add_setting(parser, name: str, auto: bool = False) -> None:
    """Add the option of setting ``name`` (its flag, type, range and help from :data:`SETTINGS`).

    With ``auto`` the option also takes ``auto`` and defaults to None (picked automatically).
    """
    row = SETTINGS[name]
    kind = str if isinstance(row.default, str) else int if row.whole else float
    options: dict = {"default": None if auto else row.default}
    if row.choices is not None:
        options["choices"] = list(row.choices)
    else:
        options["type"] = _auto_or(kind) if auto else kind
    default = "auto" if auto else f"{row.default:g}" if isinstance(row.default, float) else row.default
    limits = f"{row.range_text()}; " if row.range is not None else ""
    text = f"{row.label}. {row.described()} ({limits}default {default})"
    if name == "weight_decay" and auto:
        text += f". {AUTO_NOTE}"
    parser.add_argument(row.flag, **options, help=text.replace("%", "%%"))


def config_from_args(args: argparse.Namespace, **overrides) -> TrainConfig:
    """The :class:`TrainConfig` of the shared training options (Auto unless a number was given)."""
    values = {name: getattr(args, name) for name in MODEL_OPTIONS}
    auto = values["epochs"] is None and values["weight_decay"] is None
    for name in ("epochs", "weight_decay"):
        if values[name] is None:
            values[name] = SETTINGS[name].default
    return TrainConfig(**(values | {"auto": auto} | overrides)).validate()


def tune_config(args: argparse.Namespace) -> TrainConfig:
    """The base :class:`TrainConfig` of a ``tune`` sweep (every grid point changes one or two settings)."""
    values = {name: getattr(args, name) for name in TUNE_OPTIONS}
    return TrainConfig(**values, valid_frac=args.valid_frac).validate()


def _auto_or(kind: type):
    """An argparse type: ``auto`` (None) or a number of ``kind``."""

    def parse(text: str):
        if text.strip().lower() == "auto":
            return None
        try:
            return kind(text)
        except ValueError:
            noun = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {noun} or 'auto', got {text!r}") from None

    return parse


def _add_cv(commands) -> None:
    cv = commands.add_parser(
        "cv",
        help="cross-validate settings: mean and 95%% interval of RMSE, MAE, NDCG@10, hit rate@10",
        description="Score settings by k-fold cross-validation (or repeated random splits): each fold trains "
        "a model and scores it beside the baselines; prints the mean and a t-based 95% interval of each "
        "figure. Two runs with the same --folds, --method, --cv-seed and data use the same folds; their "
        "per-fold figures (--json) can be compared with a paired t-test over folds (cf.crossval.paired_test).",
    )
    cv.add_argument("--ratings", required=True, help="ratings file (or a MovieLens zip)")
    cv.add_argument("--folds", type=int, default=5, help="folds, or random splits (2 to 20; default 5)")
    cv.add_argument(
        "--method", choices=["kfold", "random"], default="kfold", help="kfold (default) or repeated random splits"
    )
    cv.add_argument("--test-frac", type=float, default=0.2, help="with --method random: share tested (default 0.2)")
    cv.add_argument("--cv-seed", type=int, default=0, help="seed of the folds (default 0)")
    add_model_options(cv)
    cv.add_argument("--json", action="store_true", help="make the last line printed one JSON object of results")
    cv.add_argument("--quiet", action="store_true", help="no progress lines")


def _add_tune(commands) -> None:
    from cf.sweep import SCORES

    tune = commands.add_parser(
        "tune",
        help="a tuning sweep: train one model per value (or pair of values) of one or two settings",
        description="Hold out a share of the ratings, train one model per grid point and score each on the "
        "held-out share; print each result as it arrives, then the best. Settings: "
        + ", ".join(f"{name} ({row.label.lower()})" for name, row in sweepable().items())
        + ".",
    )
    tune.add_argument("--ratings", required=True, help="ratings file (or a MovieLens zip)")
    tune.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="NAME=V1,V2,...",
        help="a setting and its values, e.g. n_factors=16,32,64; give --vary once or twice",
    )
    tune.add_argument(
        "--score", choices=list(SCORES), help="what to optimise (default: ndcg when ranker_l2 varies, else rmse)"
    )
    add_setting(tune, "valid_frac")
    for name in TUNE_OPTIONS:
        add_setting(tune, name)
    tune.add_argument("--json", action="store_true", help="make the last line printed one JSON object of results")


def _add_report(commands) -> None:
    report = commands.add_parser(
        "report",
        help="write a one-file HTML report of a saved model (opens offline, charts interactive)",
        description="Write one self-contained HTML page: the data, the settings, the training curves, "
        "accuracy and top-N quality beside the baselines (on the ratings the model held out), example "
        "people, similar movies and the map of movies.",
    )
    report.add_argument("--model", required=True, help="a model file written by 'train --out'")
    report.add_argument("--ratings", help="the ratings file it was trained on (default: the ratings in the model)")
    report.add_argument("--movies", help="movies file: id, title, genres (default: the titles in the model)")
    report.add_argument("--out", required=True, help="the HTML file to write (e.g. report.html)")
    report.add_argument("--title", default="Recommender report", help="the page title")


def _synth(out: str, fraction: float, seed: int) -> int:
    if not 0 < fraction <= 1:
        raise ConfigError(f"--fraction must be above 0 and at most 1; got {fraction:g}")
    from cf.data.synth import write_synthetic

    done = write_synthetic(out, fraction, seed)
    print(
        f"wrote {done['path']}: {done['n_ratings']:,} ratings by {done['n_users']:,} users "
        f"of {done['n_items']:,} movies in {done['seconds']:.1f} s"
    )
    return 0


def _benchmark(name: str) -> ModuleType:
    """The module ``benchmarks.<name>`` of the source checkout (the benchmarks are not installed with cf)."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "benchmarks" / "__init__.py").is_file() and str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    try:
        return importlib.import_module(f"benchmarks.{name}")
    except ModuleNotFoundError as error:
        if error.name not in ("benchmarks", f"benchmarks.{name}"):
            raise
        raise ConfigError(
            "the benchmarks are part of the source checkout, not of the installed package: "
            "run 'python -m cf bench' from a clone of the repository"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            from cf.commands import train_command

            valid_frac = 0.0 if args.test else args.valid_frac
            return train_command(args, config_from_args(args, valid_frac=valid_frac))
        if args.command == "download":
            from cf.commands import download_command

            return download_command(args)
        if args.command == "tune":
            from cf.commands import tune_command

            return tune_command(args, tune_config(args))
        if args.command == "report":
            from cf.commands import report_command

            return report_command(args)
        if args.command == "synth":
            return _synth(args.out, args.fraction, args.seed)
        if args.command == "cv":
            from cf.commands import cv_command

            return cv_command(args, config_from_args(args))
        if args.command in ("recommend", "similar"):
            from cf.commands import lookup_command

            return lookup_command(args)
        if args.scale:
            scale = _benchmark("scale")
            devices = tuple(args.devices.split(",")) if args.devices else None
            return scale.main(tuple(float(f) for f in args.fractions.split(",")), devices, args.json)
        return _benchmark("accuracy").main(args.data, args.repeat, args.json)
    except (DataError, ConfigError, TrainingDiverged, LookupError) as error:
        message = error.args[0] if isinstance(error, LookupError) and error.args else str(error)
        print(f"error: {message}", file=sys.stderr)
        return 2
