"""Get the MovieLens files the tests and benchmarks read: ``python -m benchmarks.testdata``.

It fetches MovieLens latest-small into the download cache (what ``python -m cf download latest-small`` does,
checked against GroupLens's MD5) or takes the zip given with ``--zip``, unpacks it into the data folder
(``--data-dir``, else ``CF_DATA_DIR``, else ``../shared/data`` beside the repository: :func:`shared_data_dir`)
as ``ml-latest-small/``, and writes the fixed 90/10 benchmark split beside it as ``ml-latest-small-split/``:
a row of ``ratings.csv`` is in ``test.csv`` when ``numpy.random.default_rng(42).random(n_rows) < 0.1``, the
rule the published figures were measured with. Rows are copied as text, so the files match byte for byte.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import numpy as np

from benchmarks.paths import shared_data_dir

RELEASE = "ml-latest-small"
SPLIT = "ml-latest-small-split"
TEST_SHARE = 0.1
SEED = 42


def write_split(ratings_csv: Path, folder: Path) -> tuple[int, int]:
    """Write ``folder/train.csv`` and ``folder/test.csv`` from ``ratings_csv``; return their row counts."""
    header, *rows = ratings_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    in_test = np.random.default_rng(SEED).random(len(rows)) < TEST_SHARE
    folder.mkdir(parents=True, exist_ok=True)
    train = [row for row, held in zip(rows, in_test) if not held]
    test = [row for row, held in zip(rows, in_test) if held]
    (folder / "train.csv").write_text(header + "".join(train), encoding="utf-8")
    (folder / "test.csv").write_text(header + "".join(test), encoding="utf-8")
    return len(train), len(test)


def unpack(archive: Path, data_dir: Path) -> Path:
    """Unpack the release's files from ``archive`` into ``data_dir/ml-latest-small``; return that folder."""
    target = data_dir / RELEASE
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as source:
        for member in source.namelist():
            name = Path(member).name
            if member.startswith(f"{RELEASE}/") and name and not member.endswith("/"):
                (target / name).write_bytes(source.read(member))
    if not (target / "ratings.csv").exists():
        raise SystemExit(f"{archive} holds no {RELEASE}/ratings.csv")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.testdata", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="where to write (default: CF_DATA_DIR, else ../shared/data)")
    parser.add_argument("--zip", type=Path, help="an ml-latest-small.zip already here (no download)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or shared_data_dir()
    archive = args.zip
    if archive is None:
        from cf.data.movielens import download

        archive = download("latest-small")
    release = unpack(archive, data_dir)
    n_train, n_test = write_split(release / "ratings.csv", data_dir / SPLIT)
    print(f"{release}: ratings.csv and movies.csv; {data_dir / SPLIT}: {n_train:,} train and {n_test:,} test rows")
    if args.data_dir:
        print(f"run the tests with CF_DATA_DIR={data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
