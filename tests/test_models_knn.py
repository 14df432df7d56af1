"""The item neighbours that Auto may blend into predicted ratings."""

from __future__ import annotations

import numpy as np
import pytest

from cf.models import knn
from cf.models.knn import ItemNeighbours
from tests.helpers import small_ratings


@pytest.fixture(scope="module")
def table():
    """Index arrays and residuals of a small random table (every movie rated about 30 times)."""
    frame = small_ratings(n_users=60, n_items=40, n_ratings=1500, seed=3).frame.drop_duplicates(["user", "item"])
    users, items = frame["user"].to_numpy() - 1, frame["item"].to_numpy() - 1
    residuals = frame["rating"].to_numpy() - frame["rating"].mean()
    return users, items, residuals


def brute_similarity(users, items, residuals, a: int, b: int) -> float:
    """The shrunk Pearson correlation of two movies' residuals over the users who rated both, from its definition."""
    by_a = {u: z for u, i, z in zip(users, items, residuals) if i == a}
    by_b = {u: z for u, i, z in zip(users, items, residuals) if i == b}
    common = sorted(set(by_a) & set(by_b))
    za, zb = np.array([by_a[u] for u in common]), np.array([by_b[u] for u in common])
    pearson = (za * zb).sum() / np.sqrt((za**2).sum() * (zb**2).sum())
    return pearson * len(common) / (len(common) + knn.SHRINKAGE)


def test_similarity_and_correction_follow_their_definitions(table):
    users, items, residuals = table
    model = ItemNeighbours.fit(users, items, residuals, 60, 40, k=3)
    for a, b in ((0, 1), (5, 17), (39, 2)):
        expected = brute_similarity(users, items, residuals, a, b)
        assert model.similarity[model.column[a], model.column[b]] == pytest.approx(expected, rel=1e-4, abs=1e-6)
    user, target = 4, 7
    rated = {i: z for u, i, z in zip(users, items, residuals) if u == user and i != target}
    weights = {i: model.similarity[model.column[target], model.column[i]] for i in rated}
    top = sorted((i for i in rated if weights[i] > 0), key=lambda i: -weights[i])[:3]
    expected = sum(weights[i] * rated[i] for i in top) / sum(weights[i] for i in top)
    assert model.predict(np.array([user]), np.array([target]))[0] == pytest.approx(expected, rel=1e-4)


def test_unknown_or_unmodelled_movies_get_no_correction(table, monkeypatch):
    users, items, residuals = table
    monkeypatch.setattr(knn, "WORK_BUDGET", 60 * 10**2)  # room for the 10 most rated movies only
    model = ItemNeighbours.fit(users, items, residuals, 60, 40)
    counts = np.bincount(items, minlength=40)
    assert (model.column >= 0).sum() == 10 and counts[model.column >= 0].min() >= counts[model.column < 0].max()
    left_out = int(np.flatnonzero(model.column < 0)[0])
    corrections = model.predict(np.array([0, -1, 0, 3]), np.array([left_out, 1, -1, int(model.column.argmax())]))
    assert corrections[:3].tolist() == [0.0, 0.0, 0.0] and corrections[3] != 0.0
