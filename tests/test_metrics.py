import numpy as np
import pytest

from cf.metrics import mae, ranking_metrics, relevance_threshold, rmse


def test_rmse_and_mae():
    predicted, actual = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0])
    assert rmse(predicted, actual) == pytest.approx(np.sqrt((1 + 0 + 4) / 3))
    assert mae(predicted, actual) == pytest.approx(1.0)
    assert np.isnan(rmse(np.array([]), np.array([])))


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

    importlib.import_module("benchmarks.accuracy")
    importlib.import_module("cf.commands")
    assert callable(cf.evaluate) and cf.evaluate.__name__ == "evaluate"
