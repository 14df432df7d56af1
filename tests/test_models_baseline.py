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
