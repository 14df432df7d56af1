"""The training settings' plain-value round trip (model files, JSON) and its checks."""

import json

import pytest

import cf
from cf.config import TrainConfig


def test_settings_round_trip_through_json_unchanged():
    config = TrainConfig(model="nn", n_factors=12, hidden=(32, 16), batch_size=None, auto=True, ranker_l2=50.0)
    plain = json.loads(json.dumps(config.to_dict()))
    assert plain["hidden"] == [32, 16]
    assert TrainConfig.from_dict(plain) == config


def test_older_files_keep_defaults_for_missing_settings_and_drop_unknown_ones():
    plain = TrainConfig(n_factors=7).to_dict()
    del plain["ranker_l2"], plain["auto"]
    plain["retired_setting"] = 3
    config = TrainConfig.from_dict(plain)
    assert config.n_factors == 7
    assert config.ranker_l2 == TrainConfig().ranker_l2 and config.auto is False


def test_out_of_range_settings_in_a_file_are_refused_by_name():
    plain = TrainConfig().to_dict() | {"weight_decay": -1.0}
    with pytest.raises(cf.ConfigError, match="weight_decay must be between"):
        TrainConfig.from_dict(plain)
