import numpy as np
import pytest

from cf.metrics import BiasBaseline, mae, ranking_metrics, relevance_threshold, rmse


def test_rmse_and_mae():
    predicted, actual = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0])
    assert rmse(predicted, actual) == pytest.approx(np.sqrt((1 + 0 + 4) / 3))
    assert mae(predicted, actual) == pytest.approx(1.0)
    assert np.isnan(rmse(np.array([]), np.array([])))


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


def test_relevance_threshold_is_four_on_five_point_scales():
    assert relevance_threshold((1, 5)) == 4
    assert 3.5 < relevance_threshold((0.5, 5)) <= 4
    assert relevance_threshold((1, 10)) > 7


def test_ranking_metrics_reward_a_good_order():
    users = np.array([1, 1, 1, 1, 2, 2, 2])
    actual = np.array([5, 4, 1, 2, 5, 1, 1])
    perfect = ranking_metrics(users, actual, actual.astype(float), threshold=4, k=2)
    reversed_ = ranking_metrics(users, actual, -actual.astype(float), threshold=4, k=2)
    assert perfect["ndcg@2"] == pytest.approx(1.0)
    assert perfect["recall@2"] == pytest.approx(1.0)
    assert perfect["precision@2"] == pytest.approx((2 / 2 + 1 / 2) / 2)
    assert reversed_["ndcg@2"] < 0.5 and reversed_["recall@2"] < 0.5


def test_cf_evaluate_stays_the_function_after_the_cli_modules_load():
    import importlib

    import cf

    importlib.import_module("cf.bench")
    importlib.import_module("cf.commands")
    assert callable(cf.evaluate) and cf.evaluate.__name__ == "evaluate"
