import numpy as np
import pytest

from cf.metrics import rmse
from cf.models import BiasBaseline


def test_bias_baseline_recovers_planted_biases():
    rng = np.random.default_rng(0)
    n_users, n_items, n = 50, 40, 20000
    users, items = rng.integers(0, n_users, n), rng.integers(0, n_items, n)
    user_bias, item_bias = rng.normal(0, 0.5, n_users), rng.normal(0, 0.7, n_items)
    ratings = 3.5 + user_bias[users] + item_bias[items] + rng.normal(0, 0.1, n)
    fitted = BiasBaseline.fit(users, items, ratings, n_users, n_items)
    assert np.corrcoef(fitted.item_bias, item_bias)[0, 1] > 0.98
    assert np.corrcoef(fitted.user_bias, user_bias)[0, 1] > 0.98
    assert rmse(fitted.predict(users, items), ratings) < 0.2


def test_bias_baseline_falls_back_for_unknown_ids():
    fitted = BiasBaseline(3.0, np.array([0.5]), np.array([-0.25]))
    out = fitted.predict(np.array([0, -1, 0, -1]), np.array([0, 0, -1, -1]))
    assert out == pytest.approx([3.25, 2.75, 3.5, 3.0])


def test_the_compiled_sums_give_the_same_biases_to_the_bit(monkeypatch):
    """Above COMPILED_FROM ratings the alternating sums run compiled: the same additions in the same order."""
    from cf.models import baseline

    rng = np.random.default_rng(3)
    users, items = rng.integers(0, 300, 20_000), rng.integers(0, 80, 20_000)
    ratings = rng.integers(1, 11, 20_000) / 2
    monkeypatch.setattr(baseline, "COMPILED_FROM", 10**12)
    plain = baseline.BiasBaseline.fit(users, items, ratings, 300, 80)
    monkeypatch.setattr(baseline, "COMPILED_FROM", 1)
    compiled = baseline.BiasBaseline.fit(users, items, ratings, 300, 80)
    assert baseline._compiled_sums() is not None  # numba is a requirement: the compiled path ran
    assert np.array_equal(plain.user_bias, compiled.user_bias) and np.array_equal(plain.item_bias, compiled.item_bias)
    assert np.abs(plain.user_bias).max() > 0.01
