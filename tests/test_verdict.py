import math

import pytest

from cf.verdict import (
    GOOD,
    NO_BETTER,
    SAME_WITHIN,
    WORSE,
    accuracy_verdict,
    auto_summary,
    curve_note,
    hit_rate_sentence,
    in_words,
)


def test_a_model_that_beats_the_bias_baseline_is_called_good_with_its_margins():
    verdict = accuracy_verdict(0.832, 0.861, 1.036)
    assert verdict.level == GOOD
    assert verdict.text.startswith("Good: ")
    assert "typically off by 0.83 of a star on ratings it never saw" in verdict.text
    assert "0.03 stars closer than a simple guess" in verdict.text and "0.20 stars closer than guessing" in verdict.text
    assert "RMSE" not in verdict.text and "bias-only" not in verdict.text  # plain words


@pytest.mark.parametrize("rmse", [0.861, 0.861 + SAME_WITHIN / 2, 0.861 - SAME_WITHIN / 2])
def test_a_model_within_noise_of_the_baseline_is_no_better(rmse):
    verdict = accuracy_verdict(rmse, 0.861, 1.036)
    assert verdict.level == NO_BETTER and verdict.text.startswith("No better than a simple guess")


def test_a_model_worse_than_the_baseline_says_so_and_what_to_try():
    verdict = accuracy_verdict(0.95, 0.861, 1.036)
    assert verdict.level == WORSE and "0.09 stars more than a simple guess" in verdict.text
    assert "guessing the average rating" not in verdict.text
    even_worse = accuracy_verdict(1.2, 0.861, 1.036)
    assert even_worse.level == WORSE
    assert "worse than guessing the average rating for everything (1.04)" in even_worse.text
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


@pytest.mark.parametrize(
    ("share", "words"), [(0.667, "2 in 3"), (0.5, "1 in 2"), (0.787, "4 in 5"), (0.35, "1 in 3"), (0.9, "9 in 10")]
)
def test_shares_read_as_the_simplest_a_in_b(share, words):
    assert in_words(share) == words


def test_a_share_far_from_any_simple_fraction_stays_a_percentage():
    assert in_words(0.555) == "56%" and in_words(0.001) == "almost none"


def test_the_hit_rate_reads_as_what_happened_to_people():
    text = hit_rate_sentence(0.67, 0.38, 10)
    assert text.startswith("For 2 in 3 people (67%), at least one of their 10 suggestions was a movie they went on")
    assert "the most popular movies manages that for 38%" in text or "for 2 in 5 (38%)" in text
    no_fraction = hit_rate_sentence(0.68, 0.36, 10)  # 36% is no simple fraction: said once
    assert no_fraction.endswith("a list of the most popular movies manages that for 36%.")


def test_auto_summary_names_its_picks_and_what_its_own_check_was_measured_on():
    auto = {"weight_decay": 0.1, "epochs": 4, "lr": 0.01, "knn_blend": 0.4, "valid_rmse": 0.8331, "tried": [{}] * 6,
            "seconds": 76.5}  # fmt: skip
    text = auto_summary(auto)
    assert text.startswith("Auto tried 6 quick runs (76 s) and picked 4 epochs, regularisation 0.1")
    assert "40% of each prediction from the stars the person gave the most similar movies" in text
    assert "10% slice of the training ratings: typical error 0.83 stars" in text and "blended" not in text
    assert "neighbour" not in auto_summary({**auto, "knn_blend": 0.0}).split("(")[0]


def test_a_share_without_a_simple_fraction_reads_as_a_percentage_of_people():
    assert hit_rate_sentence(0.85, None, 10).startswith("For 85% of people, at least one")
