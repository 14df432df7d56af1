"""Files out of a trained model (cf.export): recommendations CSV and Embedding Projector TSVs."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

import cf
from cf import export
from tests.helpers import small_ratings


@pytest.fixture(scope="module")
def rec():
    ratings = small_ratings(n_users=40, n_items=60, n_ratings=1500)
    frame = pd.DataFrame(
        {
            "item": np.arange(1, 61),
            "title": ['=HYPERLINK("x")', "Tab\there", "Line\nbreak (1999)", "Carriage\r\nreturn"]
            + [f"Movie {k} (2000)" for k in range(5, 61)],
            "genres": ["Drama|Comedy"] * 60,
        }
    )
    movies = cf.Movies.from_frame(frame)
    result, _, _ = cf.train_model(ratings, cf.TrainConfig(epochs=2, n_factors=6, valid_frac=0.1), movies)
    return result.recommender


def test_recommendations_for_all_match_recommend(rec):
    table = export.recommendations_for_all(rec, n=5, min_ratings=3)
    assert list(table.columns) == export.RECOMMENDATION_COLUMNS
    assert table["userId"].nunique() == len(rec.users)
    assert (table.groupby("userId").size() == 5).all()
    for user in rec.users.ids[:8]:
        mine = table[table["userId"] == user].reset_index(drop=True)
        theirs = rec.recommend(user, 5, min_ratings=3)
        assert mine["movieId"].tolist() == theirs["movieId"].tolist()
        assert np.allclose(mine["predicted"], theirs["predicted"], atol=1e-5)
        assert mine["because_you_liked"].tolist() == theirs["because_you_liked"].tolist()
        assert mine["rank"].tolist() == [1, 2, 3, 4, 5]
    # nothing already rated is recommended
    known = rec.known
    rated = set(zip(rec.users.to_raw(known["user"].to_numpy()), rec.items.to_raw(known["item"].to_numpy())))
    assert not rated & set(zip(table["userId"], table["movieId"]))


def test_recommendations_for_some_users_in_small_batches(rec, monkeypatch):
    monkeypatch.setattr(export, "PAIRS_PER_BATCH", 120)  # two users per batch
    seen = []
    users = list(rec.users.ids[:5])
    table = export.recommendations_for_all(rec, n=3, users=users, progress=lambda d, t: seen.append((d, t)))
    assert table["userId"].drop_duplicates().tolist() == users
    assert seen[-1] == (5, 5) and len(seen) == 3
    with pytest.raises(cf.UnknownUserError):
        export.recommendations_for_all(rec, users=["nobody"])


def test_recommendations_csv_neutralises_formulas(rec):
    text = export.recommendations_csv(rec, n=60).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(export.recommendations_for_all(rec, n=60))
    titles = {row["title"] for row in rows}
    assert '\'=HYPERLINK("x")' in titles and '=HYPERLINK("x")' not in titles
    assert all(not row[c].startswith(export.FORMULA_START) for row in rows for c in ("title", "because_you_liked"))
    assert float(rows[0]["predicted"]) <= rec.scale[1]


def test_neutralise_formulas_keeps_numbers():
    frame = pd.DataFrame({"t": ["-x", "@y", "+z", "ok", "\rr"], "v": [-1.0, 2.0, 3.0, 4.0, 5.0]})
    safe = export.neutralise_formulas(frame)
    assert safe["t"].tolist() == ["'-x", "'@y", "'+z", "ok", "'\rr"]
    assert safe["v"].tolist() == [-1.0, 2.0, 3.0, 4.0, 5.0]


def test_projector_files_round_trip(rec):
    vectors = export.projector_vectors(rec).decode()
    lines = vectors.splitlines()
    assert len(lines) == len(rec.items) and not lines[0].startswith("title")
    parsed = np.loadtxt(io.StringIO(vectors), delimiter="\t")
    assert parsed.shape == (len(rec.items), 6)
    assert np.allclose(parsed, rec.item_vectors(), rtol=1e-6, atol=1e-7)

    meta = export.projector_metadata(rec).decode().split("\n")
    assert meta[-1] == "" and meta[0] == "title\tgenres\tn_ratings"
    rows = [line.split("\t") for line in meta[1:-1]]
    assert len(rows) == len(rec.items) and all(len(r) == 3 for r in rows)
    described = rec.describe(np.arange(len(rec.items)))
    assert [int(r[2]) for r in rows] == described["n_ratings"].tolist()
    by_title = {r[0] for r in rows}
    assert {"Tab here", "Line break (1999)", "Carriage return"} <= by_title
    assert rows[0][1] == "Drama, Comedy"


def test_tsv_cell_escapes():
    assert export.tsv_cell("a\tb\nc\r\nd\re") == "a b c d e"
    assert export.tsv_cell(None) == "" and export.tsv_cell(float("nan")) == "" and export.tsv_cell(3) == "3"
