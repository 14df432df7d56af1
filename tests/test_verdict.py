import math

import pytest

from cf.verdict import GOOD, NO_BETTER, SAME_WITHIN, WORSE, accuracy_verdict, curve_note


def test_a_model_that_beats_the_bias_baseline_is_called_good_with_its_margins():
    verdict = accuracy_verdict(0.832, 0.861, 1.036)
    assert verdict.level == GOOD
    assert verdict.text.startswith("Good: ")
    assert "off by 0.832 stars" in verdict.text and "0.029 closer" in verdict.text and "0.204 closer" in verdict.text


@pytest.mark.parametrize("rmse", [0.861, 0.861 + SAME_WITHIN / 2, 0.861 - SAME_WITHIN / 2])
def test_a_model_within_noise_of_the_baseline_is_no_better(rmse):
    verdict = accuracy_verdict(rmse, 0.861, 1.036)
    assert verdict.level == NO_BETTER and verdict.text.startswith("No better than the baseline")


def test_a_model_worse_than_the_baseline_says_so_and_what_to_try():
    verdict = accuracy_verdict(0.95, 0.861, 1.036)
    assert verdict.level == WORSE and "0.089 more than the bias-only baseline" in verdict.text
    assert "always guessing the average" not in verdict.text
    even_worse = accuracy_verdict(1.2, 0.861, 1.036)
    assert even_worse.level == WORSE and "worse than always guessing the average (1.036)" in even_worse.text
    assert "lower learning rate" in even_worse.text


def test_no_verdict_without_validation_figures():
    assert accuracy_verdict(math.nan, math.nan, math.nan) is None
    assert accuracy_verdict(None, 0.8, 1.0) is None


def _history(train_rmse, valid_rmse):
    return [{"train_loss": t * t, "valid_rmse": v} for t, v in zip(train_rmse, valid_rmse)]


def test_curve_note_names_the_best_epoch_and_over_fitting():
    note = curve_note(_history([1.0, 0.9, 0.8, 0.7, 0.6, 0.55], [0.95, 0.88, 0.836, 0.835, 0.84, 0.85]))
    assert note.startswith("Validation error was lowest at epoch 4 (0.835).")
    assert "After epoch 3 validation error stops falling and rises to 0.850" in note
    assert "0.800 → 0.550" in note and "over-fitting" in note and "About 4 epochs" in note


def test_curve_note_when_validation_still_falls_or_both_level_off():
    falling = curve_note(_history([1.0, 0.9, 0.8], [0.95, 0.9, 0.85]))
    assert "lowest at epoch 3 (0.850), the last one, and still falling" in falling
    level = curve_note(_history([1.0, 0.9, 0.899, 0.898], [0.95, 0.9, 0.9, 0.9]))
    assert "levelled off after epoch 2" in level and "over-fitting" not in level


def test_no_curve_note_without_validation_or_with_one_epoch():
    assert curve_note(_history([1.0, 0.9], [None, None])) is None
    assert curve_note(_history([1.0], [0.9])) is None
