"""The table of training settings, and what is made from it: CLI options, sweep choices, labels, links."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from cf import plots
from cf.cli import MODEL_OPTIONS, TUNE_OPTIONS, build_parser, config_from_args, tune_config
from cf.config import TrainConfig
from cf.sections import settings_rows
from cf.settings import SETTINGS, label, sweepable
from cf.sweep import DEFAULT_VALUES, TUNABLE, WHOLE, parse_values


def other_value(name: str) -> object:
    """A valid value of setting ``name`` that is not its default."""
    row = SETTINGS[name]
    if row.choices is not None:
        return next(c for c in row.choices if c != row.default)
    if name == "device":
        return "cpu"
    low, high = row.range or (0, 10**6)
    value = (low + high) / 2 if row.default is None else min(row.default * 2 + 1, high)
    return int(value) if row.whole else float(value)


def subparser(command: str) -> argparse.ArgumentParser:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[command]


def test_every_train_config_field_has_one_row_in_order():
    assert list(SETTINGS) == [f.name for f in dataclasses.fields(TrainConfig)]
    assert all(row.name == name for name, row in SETTINGS.items())
    labels = [row.label for row in SETTINGS.values()]
    assert len(set(labels)) == len(labels), "one label per setting, and no two alike"
    defaults = TrainConfig()
    assert all(row.default == getattr(defaults, row.name) for row in SETTINGS.values())


@pytest.mark.parametrize("name", MODEL_OPTIONS)
def test_train_and_cv_parse_each_flag_into_its_field(name):
    value = other_value(name)
    for command in ("train", "cv"):
        args = build_parser().parse_args([command, "--ratings", "r.csv", SETTINGS[name].flag, str(value)])
        assert getattr(config_from_args(args), name) == value


@pytest.mark.parametrize("name", TUNE_OPTIONS)
def test_tune_parses_each_flag_into_its_field(name):
    value = other_value(name)
    argv = ["tune", "--ratings", "r.csv", "--vary", "lr=0.01", SETTINGS[name].flag, str(value)]
    assert getattr(tune_config(build_parser().parse_args(argv)), name) == value


def test_every_setting_option_of_the_cli_comes_from_the_table():
    for command in ("train", "cv", "tune"):
        for action in subparser(command)._actions:
            if action.dest in SETTINGS:
                row = SETTINGS[action.dest]
                assert action.option_strings == [row.flag]
                assert action.help.startswith(row.label) and row.described() in action.help
                assert action.default in (row.default, None)
                if row.range is not None:
                    assert row.range_text() in action.help


def test_auto_unless_a_number_is_given():
    auto = config_from_args(build_parser().parse_args(["train", "--ratings", "r.csv"]))
    fixed = config_from_args(build_parser().parse_args(["train", "--ratings", "r.csv", "--epochs", "4"]))
    assert auto.auto and auto.epochs == SETTINGS["epochs"].default
    assert not fixed.auto and fixed.epochs == 4 and fixed.weight_decay == SETTINGS["weight_decay"].default


def test_sweep_choices_ranges_and_labels_come_from_the_table():
    rows = sweepable()
    assert list(TUNABLE) == list(rows) and TUNABLE == {name: row.label for name, row in rows.items()}
    assert DEFAULT_VALUES == {name: row.sweep for name, row in rows.items()}
    assert set(WHOLE) == {name for name, row in rows.items() if row.whole}
    for name, row in rows.items():
        low, high = row.range
        assert all(low <= v <= high for v in row.sweep)
        assert parse_values(name, ", ".join(f"{v:g}" for v in row.sweep)) == sorted(row.sweep)
    assert set(plots.LOG_SETTINGS) == {name for name, row in SETTINGS.items() if row.log}


def test_chart_labels_are_the_table_labels():
    assert plots.SETTING_LABELS == {name: row.label for name, row in SETTINGS.items()}
    results = [{"n_factors": n, "weight_decay": w, "rmse": 1.0 - n / 1000 - w} for n in (8, 16) for w in (0.1, 0.2)]
    line = plots.sweep_chart(results[:2], ["n_factors"])
    heat = plots.sweep_chart(results, ["n_factors", "weight_decay"])
    assert line.layout.xaxis.title.text == label("n_factors")
    assert (heat.layout.xaxis.title.text, heat.layout.yaxis.title.text) == (label("n_factors"), label("weight_decay"))
    assert "n_factors" not in heat.data[0].hovertemplate and label("n_factors") in heat.data[0].hovertemplate
    assert label("not_a_setting") == "not_a_setting"


def test_plain_values_for_people():
    config = TrainConfig(model="dot", auto=True, knn_blend=0.25, batch_size=None, engine="rowwise")
    shown = dict(settings_rows(config))
    assert shown[label("model")] == "Plain dot product" and shown[label("auto")] == "On"
    assert shown[label("knn_blend")] == "25%" and shown[label("batch_size")] == "Auto"
    assert shown[label("valid_frac")] == "10%" and shown[label("engine")].startswith("Compiled")
    assert label("hidden") not in shown and label("device") not in shown
    assert not {"weight_decay", "knn_blend", "ranker_l2", "auto"} & set(shown.values())


@pytest.mark.parametrize("row", [r for r in SETTINGS.values() if r.link], ids=lambda r: r.name)
def test_link_values_round_trip(row):
    for value in (row.default, other_value(row.name)):
        back = row.from_link(row.to_link(value))
        assert back is None if value is None else back == pytest.approx(value)


def test_link_keys_are_unique_and_bad_numbers_raise():
    keys = [row.link for row in SETTINGS.values() if row.link]
    assert len(set(keys)) == len(keys)
    with pytest.raises(ValueError):
        SETTINGS["n_factors"].from_link("many")
    assert SETTINGS["valid_frac"].from_link("20") == pytest.approx(0.2)
    assert SETTINGS["batch_size"].from_link("auto") is None
