import numpy as np
import pytest

from cf.metrics import coverage, list_metrics, mae, personalisation, relevance_threshold, rmse


def test_rmse_and_mae():
    predicted, actual = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0])
    assert rmse(predicted, actual) == pytest.approx(np.sqrt((1 + 0 + 4) / 3))
    assert mae(predicted, actual) == pytest.approx(1.0)
    assert np.isnan(rmse(np.array([]), np.array([])))


def test_relevance_threshold_is_four_on_five_point_scales():
    assert relevance_threshold((1, 5)) == 4
    assert 3.5 < relevance_threshold((0.5, 5)) <= 4
    assert relevance_threshold((1, 10)) > 7


def test_list_metrics_by_hand():
    lists = np.array([[3, 7, 1], [5, 6, -1]])  # the second list is short (-1 pads)
    relevant = [np.array([7, 9]), np.array([8])]
    m = list_metrics(lists, relevant, k=3)
    np.testing.assert_allclose(m["precision"], [1 / 3, 0])
    np.testing.assert_allclose(m["recall"], [1 / 2, 0])
    np.testing.assert_allclose(m["hit_rate"], [1, 0])
    ideal = 1 + 1 / np.log2(3)  # two relevant: ranks 1 and 2
    np.testing.assert_allclose(m["ndcg"], [(1 / np.log2(3)) / ideal, 0])
    np.testing.assert_allclose(m["map"], [(1 / 2) / 2, 0])  # one hit at rank 2 (precision 1/2) over min(2, 3)


def test_a_perfect_list_scores_one_and_order_matters():
    relevant = [np.array([1, 2])]
    best = list_metrics(np.array([[1, 2, 3]]), relevant, k=3)
    worse = list_metrics(np.array([[3, 1, 2]]), relevant, k=3)
    assert best["ndcg"][0] == pytest.approx(1.0) and best["map"][0] == pytest.approx(1.0)
    assert worse["ndcg"][0] < best["ndcg"][0] and worse["map"][0] < best["map"][0]
    assert worse["precision"][0] == best["precision"][0]


def test_coverage_and_personalisation():
    same = np.array([[1, 2], [1, 2], [1, 2]])
    apart = np.array([[1, 2], [3, 4], [5, 6]])
    assert coverage(same, 10) == pytest.approx(0.2) and coverage(apart, 10) == pytest.approx(0.6)
    assert personalisation(same) == pytest.approx(0.0)
    assert personalisation(apart) == pytest.approx(1.0)
    assert personalisation(np.array([[1, 2], [1, 3]])) == pytest.approx(0.5)


def test_cf_evaluate_stays_the_function_after_the_cli_modules_load():
    import importlib

    import cf

    importlib.import_module("benchmarks.accuracy")
    importlib.import_module("cf.commands")
    assert callable(cf.evaluate) and cf.evaluate.__name__ == "evaluate"


def test_hits_in_whole_array_calls_match_the_per_person_definition():
    from cf.metrics import _hits

    rng = np.random.default_rng(5)
    for _ in range(50):
        lists = rng.integers(-1, 30, size=(rng.integers(0, 12), 10))
        relevant = [rng.choice(30, size=rng.integers(0, 6), replace=False) for _ in range(len(lists))]
        expected = np.array([np.isin(row, movies) & (row >= 0) for row, movies in zip(lists, relevant)], bool)
        assert np.array_equal(_hits(lists, relevant), expected.reshape(lists.shape))
