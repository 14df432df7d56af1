import io
import os
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

import cf
from cf import persist
from tests.helpers import small_ratings


@pytest.fixture(scope="module")
def rec():
    return cf.fit(small_ratings(), cf.TrainConfig(epochs=2, n_factors=8)).recommender


def test_round_trip_keeps_predictions_ids_and_titles(rec, tmp_path):
    path = tmp_path / "model.pt"
    rec.save(path)
    loaded = cf.Recommender.load(path)
    users, items = rec.known["user"].to_numpy()[:100], rec.known["item"].to_numpy()[:100]
    assert np.allclose(loaded.predict_indices(users, items), rec.predict_indices(users, items))
    assert loaded.users.ids.equals(rec.users.ids) and loaded.items.ids.equals(rec.items.ids)
    pd.testing.assert_frame_equal(loaded.recommend(1, 5), rec.recommend(1, 5))
    assert loaded.config == rec.config and isinstance(loaded.config, cf.TrainConfig)


def test_round_trip_with_string_ids_and_the_neural_model():
    frame = pd.DataFrame(
        {
            "user": [f"u{i % 7}" for i in range(300)],
            "item": [f"m{i % 11}" for i in range(300)],
            "rating": [1 + i % 5 for i in range(300)],
        }
    )
    rec = cf.fit(cf.load_ratings(frame), cf.TrainConfig(model="nn", epochs=2, n_factors=4)).recommender
    loaded = cf.Recommender.load(persist.to_bytes(rec))
    assert list(loaded.users.ids) == list(rec.users.ids)
    assert np.allclose(loaded.predict(["u1", "u2"], ["m3", "m4"]), rec.predict(["u1", "u2"], ["m3", "m4"]))


class _WritesAFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_crafted_pickle_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned.txt"
    for blob in (_torch_file_with(_WritesAFile(str(marker))), pickle.dumps(_WritesAFile(str(marker)))):
        with pytest.raises(cf.DataError, match="refused"):
            cf.Recommender.load(blob, "evil.pt")
        assert not marker.exists()


def _torch_file_with(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save({"format": "cf-recommender", "payload": obj}, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("blob", [b"", b"not a model at all", os.urandom(2048)])
def test_garbage_is_refused_with_a_message(blob):
    with pytest.raises(cf.DataError):
        cf.Recommender.load(blob)


def test_a_plain_torch_file_that_is_not_a_model_is_refused():
    buffer = io.BytesIO()
    torch.save({"weights": torch.zeros(3)}, buffer)
    with pytest.raises(cf.DataError, match="damaged or from an incompatible version"):
        cf.Recommender.load(buffer.getvalue())


def test_tampered_shapes_are_refused(rec):
    payload = persist.to_payload(rec)
    payload["users"] = payload["users"][:-1]
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    with pytest.raises(cf.DataError):
        cf.Recommender.load(buffer.getvalue())


def test_metadata_travels_with_the_model(rec):
    labelled = rec.copy()  # the module's fixture stays as it is
    labelled.metadata = {"label": "Model 1", "curve": [1.2, 0.9, 0.8], "rmse": 0.84}
    loaded = cf.Recommender.load(persist.to_bytes(labelled))
    assert loaded.metadata["label"] == "Model 1" and loaded.metadata["curve"] == [1.2, 0.9, 0.8]
    assert "saved" in loaded.metadata
    assert not rec.metadata


def test_a_file_saved_before_the_item_model_existed_loads_and_ranks(rec):
    payload = persist.to_payload(rec)
    for key in [k for k in payload["config"] if k.startswith("ranker_")]:
        del payload["config"][key]  # what files of the earlier version hold
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    old = cf.Recommender.load(buffer.getvalue())
    assert old.ranker is not None
    assert np.array_equal(old.ranker.candidates, rec.ranker.candidates)
    np.testing.assert_allclose(old.ranker.weights, rec.ranker.weights, atol=1e-5)
    user = rec.users.ids[0]
    assert list(old.recommend(user)["movieId"]) == list(rec.recommend(user)["movieId"])
