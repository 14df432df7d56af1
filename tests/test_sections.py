"""The results' sections as plain data (cf.sections): the figures and words the Train screen and the report share."""

from __future__ import annotations

import dataclasses

import cf
from cf import sections
from cf.evaluation import Scores, TopNReport, TopNScores
from cf.verdict import GOOD, WORSE


def lists(hit_rate: float, ndcg: float = 0.2) -> TopNScores:
    return TopNScores(
        precision=0.1,
        recall=0.2,
        ndcg=ndcg,
        map=0.1,
        hit_rate=hit_rate,
        coverage=0.05,
        mean_popularity=80.0,
        personalisation=0.5,
    )


SCORES = Scores(
    rmse=0.861, mae=0.66, global_mean_rmse=1.04, bias_rmse=0.902, bias_mae=0.69, n_test=10_040, n_fallback=3,
    topn=TopNReport(k=10, n_people=512, model=lists(0.6), popular=lists(0.4), by_rating=lists(0.1, ndcg=0.031)),
)  # fmt: skip


def test_accuracy_has_one_headline_its_verdict_and_what_it_was_measured_on():
    section = sections.accuracy(SCORES)
    assert section.headline.value == "±0.86 stars"
    assert section.headline.change == "+0.04 stars better than a simple guess"
    assert section.measured_on == "Measured on the 10,040 ratings this run kept aside and never learned from."
    assert section.verdict.level == GOOD and "off by 0.86 of a star on ratings it never saw" in section.verdict.text
    assert section.verdict_after_lede.startswith("Good: its predicted stars are typically off by 0.86, ")
    assert section.numbers[0] == ("Typical error", "±0.86 stars")
    assert dict((r[0], r[1]) for r in section.details)["Held-out ratings"] == "10,040"
    worse = sections.accuracy(dataclasses.replace(SCORES, rmse=0.95))
    assert worse.verdict.level == WORSE and worse.headline.change == "-0.05 stars better than a simple guess"


def test_topn_tells_the_hit_rate_beside_a_most_popular_list():
    section = sections.topn(SCORES)
    assert section.k == 10 and section.headline.value == "60%"
    assert section.headline.change == "+20% against a most-popular list"
    assert section.sentence.startswith("For 3 in 5 people (60%), at least one of their 10 suggestions")
    assert section.measured_on.startswith("Measured on the 512 people with a loved movie among the 10,040 ratings")
    assert [r[0] for r in section.details] == ["Hit rate@10", "NDCG@10", "Precision@10", "Catalogue coverage"]
    assert "NDCG 0.031" in section.note  # ranked by predicted stars
    assert sections.topn(dataclasses.replace(SCORES, topn=None)) is None


def test_topn_measured_on_a_sample_says_so_and_how_many_there_were():
    sampled = dataclasses.replace(SCORES, topn=dataclasses.replace(SCORES.topn, n_eligible=142_106))
    section = sections.topn(sampled)
    assert section.measured_on.startswith("Measured on 512 people drawn at random from the 142,106 with a loved movie")
    assert "512 people drawn at random from the 142,106" in section.note and "scores them all" in section.note


def test_training_draws_the_baselines_beside_the_curves():
    history = [{"epoch": 1, "train_loss": 0.9, "valid_rmse": 0.95}, {"epoch": 2, "train_loss": 0.7, "valid_rmse": 0.9}]
    section = sections.training(history, SCORES)
    assert section.baselines == {"Simple guess": 0.902, "Average for everything": 1.04}
    assert section.note.startswith("Validation error was lowest at epoch 2")
    assert sections.training([], None) == dataclasses.replace(section, baselines={}, note=None)


def test_settings_rows_say_what_was_run_in_plain_words():
    chosen = cf.TrainConfig(epochs=3, batch_size=None)
    fitted = dataclasses.replace(chosen, batch_size=1024)
    rows = dict(sections.settings_rows(chosen, fitted, epochs_done=2, device="cuda"))
    assert rows["Training passes"] == "2 of 3" and rows["Ratings per step"] == "Auto (1,024)"
    assert rows["Processor"] == "CUDA" and "Network layers" not in rows
    assert list(rows)[-1] == "Processor"
    plain = dict(sections.settings_rows(fitted))
    assert plain["Training passes"] == "3" and plain["Ratings per step"] == "1,024" and "Processor" not in plain
    assert "Network layers" in dict(sections.settings_rows(dataclasses.replace(chosen, model="nn")))
