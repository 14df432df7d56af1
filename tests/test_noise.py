"""The noise of a score, and the readings of sweeps and cross-validations that use it."""

from __future__ import annotations

import numpy as np
import pytest

from cf.crossval import Interval
from cf.noise import WHY_THEY_DIFFER, crossval_reading, score_noise, sweep_reading
from cf.verdict import GOOD, NO_BETTER


def test_the_rmse_noise_matches_a_simulation_of_new_held_out_ratings():
    """Draw many sets of n normal errors: the 95% band of their RMSE is what score_noise says."""
    rng = np.random.default_rng(0)
    n, sigma = 10_000, 0.82
    rmse = np.sqrt((rng.normal(0, sigma, size=(2000, n)) ** 2).mean(axis=1))
    simulated = (np.quantile(rmse, 0.975) - np.quantile(rmse, 0.025)) / 2
    assert score_noise("rmse", sigma, n) == pytest.approx(simulated, rel=0.1)
    mae = np.abs(rng.normal(0, sigma, size=(2000, n))).mean(axis=1)
    simulated = (np.quantile(mae, 0.975) - np.quantile(mae, 0.025)) / 2
    assert score_noise("mae", mae.mean(), n) == pytest.approx(simulated, rel=0.1)


def test_noise_shrinks_with_more_ratings_and_is_unknown_for_ndcg():
    assert score_noise("rmse", 0.8, 40_000) == pytest.approx(score_noise("rmse", 0.8, 10_000) / 2)
    assert score_noise("hit_rate", 0.5, 100) == pytest.approx(1.96 * 0.05)
    assert score_noise("ndcg", 0.3, 1000) is None and score_noise("rmse", None, 100) is None


def test_a_sweep_within_the_noise_says_any_value_will_do():
    text = sweep_reading([0.8177, 0.8185, 0.8189], "rmse", score_noise("rmse", 0.8177, 10_084), 10_084)
    assert "differ by only 0.001 stars, within the noise" in text and "±0.011 stars on 10,084 ratings" in text
    wide = sweep_reading([0.82, 0.90], "rmse", 0.011, 10_084)
    assert "more than the noise" in wide and "the setting matters" in wide
    assert sweep_reading([0.82], "rmse", 0.011, 100) == ""


def _summary(rmse, bias, hit=0.79, popular=0.52):
    out = {"rmse": Interval(*rmse, 5), "bias_rmse": Interval(*bias, 5)}
    out |= {"hit_rate": Interval(hit, hit, hit, 5), "popular_hit_rate": Interval(popular, popular, popular, 5)}
    return out


def test_cross_validation_gets_a_verdict_in_words_from_its_intervals():
    clear = crossval_reading(_summary((0.834, 0.830, 0.838), (0.876, 0.872, 0.880)), 5)
    assert clear.level == GOOD and clear.text.startswith("Over 5 splits, each rating tested once: its predicted stars")
    assert "typically off by 0.83 of a star (95% interval 0.830 to 0.838)" in clear.text
    assert "0.04 stars better than a simple guess" in clear.text and "well beyond the noise" in clear.text
    assert "For 4 in 5 people (79%)" in clear.text and "(a most-popular list: 52%)" in clear.text
    overlap = crossval_reading(_summary((0.870, 0.860, 0.880), (0.876, 0.866, 0.886)), 3, "random")
    assert overlap.level == NO_BETTER and "within the noise" in overlap.text and "drawn at random" in overlap.text


def test_the_reasons_figures_differ_name_each_set_of_ratings():
    for words in ("kept aside", "Auto", "cross-validation", "sweep", "Hit rates also grow"):
        assert words in WHY_THEY_DIFFER
