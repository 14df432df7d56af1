"""The Streamlit app end to end, with Streamlit's AppTest (no browser).

Training runs in a background thread of the session; the tests poll the app the way
the live view does (rerun, look at the state) until the run is over.
"""

from __future__ import annotations

import base64
import io
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ui import state
from ui.common import csv_bytes, neutralise_formulas

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
DATA_DIR = Path(os.environ.get("CF_DATA_DIR", ROOT.parent / "shared" / "data"))
ML_SMALL = DATA_DIR / "ml-latest-small"


# -- helpers -------------------------------------------------------------------------


def new_app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert_healthy(at)
    return at


def assert_healthy(at: AppTest) -> None:
    """No traceback on the page."""
    assert not at.exception, [e.value for e in at.exception]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def go(at: AppTest, tab: str) -> AppTest:
    at.session_state[state.NAV] = tab
    at.run()
    assert_healthy(at)
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The one table on the page with ``column`` (rank: recommendations, held_out: history...)."""
    (found,) = [d.value for d in at.dataframe if column in d.value.columns]
    return found


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def values(column: object) -> list:
    """A plotly JSON array: a list, or a typed array ({"dtype", "bdata"}) as plotly writes numpy data."""
    if isinstance(column, dict) and "bdata" in column:
        data = np.frombuffer(base64.b64decode(column["bdata"]), dtype=np.dtype(column["dtype"]))
        return data.reshape(column["shape"]).tolist() if "shape" in column else data.tolist()
    return list(column)


def n_points(traces: list[dict]) -> int:
    return sum(len(values(t["x"])) for t in traces)


def wait_for_training(at: AppTest, timeout: float = 90.0) -> AppTest:
    """Rerun until the session's training job is collected into a model (or fails)."""
    deadline = time.monotonic() + timeout
    while at.session_state[state.JOB] is not None:
        assert time.monotonic() < deadline, "training did not finish in time"
        time.sleep(0.2)
        at.run()
        assert_healthy(at)
    return at


def start_training(at: AppTest, epochs: int = 2, **advanced) -> AppTest:
    go(at, state.TAB_TRAIN)
    at.slider(key=state.F_EPOCHS).set_value(epochs)
    if "n_factors" in advanced:
        at.slider(key=state.F_FACTORS).set_value(advanced["n_factors"])
    if "batch_size" in advanced:
        at.select_slider(key=state.F_BATCH).set_value(advanced["batch_size"])
    at.form_submit_button[0].click()
    at.run()
    assert_healthy(at)
    assert not at.main.error, [e.value for e in at.main.error]
    return at


def train(at: AppTest, epochs: int = 2, **advanced):
    start_training(at, epochs, **advanced)
    wait_for_training(at)
    record = at.session_state[state.MODEL]
    assert record is not None, at.session_state[state.NOTICE]
    return record


def upload(at: AppTest, ratings: tuple[str, bytes] | None, movies: tuple[str, bytes] | None = None) -> AppTest:
    """Switch the data source to files and upload them (None leaves an uploader empty)."""
    if at.session_state[state.SOURCE] != "My files":
        at.segmented_control(key=state.SOURCE).set_value("My files")
        at.run()
        assert_healthy(at)
    if ratings is not None:
        at.file_uploader(key=state.UP_RATINGS).set_value((ratings[0], ratings[1], "text/csv"))
    if movies is not None:
        at.file_uploader(key=state.UP_MOVIES).set_value((movies[0], movies[1], "text/csv"))
    at.run()
    assert_healthy(at)
    return at


def small_ratings_csv() -> bytes:
    """A tiny but learnable ratings file: 30 users, 20 movies."""
    rows = [(u, m, float(1 + (u * 7 + m * 3) % 5)) for u in range(1, 31) for m in range(1, 21) if (u + m) % 3]
    return pd.DataFrame(rows, columns=["userId", "movieId", "rating"]).to_csv(index=False).encode()


# -- the demo flow -------------------------------------------------------------------


def test_demo_flow_data_train_user_embeddings():
    at = new_app()
    # Data: the demo is in use, with its summary and three charts
    data = at.session_state[state.DATA]
    assert data.demo and data.ratings.n_ratings == 100_000
    shown = metrics(at)
    assert shown["Users"] == "600" and shown["Ratings"] == "100k"
    assert shown["Rating scale"] == "0.5 – 5 ★"
    titles = [chart["layout"]["title"]["text"] for chart in charts(at)]
    assert titles == ["How people rate", "Ratings per movie", "Ratings per user"]
    # User and Embeddings ask for a model first
    go(at, state.TAB_USER)
    assert any("Train a model first" in i.value for i in at.info)
    assert at.session_state[state.MODEL] is None

    record = train(at, epochs=2)
    assert len(record.history) == 2 and record.status == "complete"
    assert record.scores["rmse"] < record.scores["bias_rmse"] < record.scores["global_mean_rmse"]
    go(at, state.TAB_TRAIN)
    shown = metrics(at)
    assert shown["Validation RMSE"] == f"{record.scores['rmse']:.3f}"
    assert shown["Bias-only baseline"] == f"{record.scores['bias_rmse']:.3f}"
    assert "Global-mean baseline" in shown and "Training time" in shown
    curve = charts(at)[0]
    assert [trace["name"] for trace in curve["data"]] == ["Training RMSE", "Validation RMSE"]
    assert values(curve["data"][0]["x"]) == [1, 2]

    # User: pick the second most active user; their ratings and top picks
    go(at, state.TAB_USER)
    picker = at.selectbox(key=state.USER)
    users = record.user_table()
    second = int(users["userId"].iloc[1])
    assert picker.value == int(users["userId"].iloc[0])
    assert picker.format_func(second) == f"User {second} · {int(users['n_ratings'].iloc[1]):,} ratings"
    picker.set_value(second)
    at.run()
    assert_healthy(at)
    recs = table(at, "rank")
    history = table(at, "held_out")
    assert len(recs) == 10
    assert not set(recs["movieId"]) & set(history["movieId"]), "recommended a movie the user already rated"
    assert (recs["n_ratings"] >= 10).all()
    assert recs["predicted"].is_monotonic_decreasing
    assert len(history) == int(users["n_ratings"].iloc[1])
    assert {"rating", "predicted", "held_out"} <= set(history.columns)
    labels = [d.label for d in at.get("download_button")]
    assert "Download recommendations (CSV)" in labels and "Download their ratings and predictions (CSV)" in labels

    # Embeddings: the movie map, with the selected user and their recommendations marked
    go(at, state.TAB_EMBED)
    (figure,) = charts(at)
    names = [trace.get("name") for trace in figure["data"]]
    assert f"User {second}" in names and "Recommended for the user" in names
    genre_traces = [t for t in figure["data"] if t.get("name") not in (f"User {second}", "Recommended for the user")]
    assert 2 <= len(genre_traces) <= 11
    assert n_points(genre_traces) >= 300
    assert "PC1 (" in figure["layout"]["xaxis"]["title"]["text"]
    assert any("variance each axis explains" in c.value for c in at.caption)

    # the same user is still picked on the User screen, and no retraining happened
    go(at, state.TAB_USER)
    assert at.selectbox(key=state.USER).value == second
    assert at.session_state[state.MODEL] is record


def test_embeddings_search_3d_and_users_view():
    at = new_app()
    record = train(at, epochs=1)
    go(at, state.TAB_EMBED)
    title = record.recommender.movies.frame["title"].iloc[0]
    word = title.split(" (")[0]
    at.text_input(key=state.EMB_QUERY).set_value(word)
    at.segmented_control(key=state.EMB_DIMS).set_value("3D")
    at.run()
    assert_healthy(at)
    (figure,) = charts(at)
    assert {trace["type"] for trace in figure["data"]} == {"scatter3d"}
    ringed = next(t for t in figure["data"] if t.get("name") == "Search results")
    assert any(word in text for text in ringed["text"])
    assert "scene" in figure["layout"]
    similar = table(at, "similarity")
    assert len(similar) == 10 and similar["similarity"].is_monotonic_decreasing

    at.text_input(key=state.EMB_QUERY).set_value("no such title zzz")
    at.segmented_control(key=state.EMB_VIEW).set_value("Users")
    at.segmented_control(key=state.EMB_DIMS).set_value("2D")
    at.run()
    assert_healthy(at)
    (figure,) = charts(at)
    assert figure["data"][0]["marker"]["colorbar"]["title"]["text"].startswith("Average")
    assert n_points(figure["data"][:1]) == 500
    # the projection was computed once per size and reused
    assert {key for key in record.cache if key[0] == "projection"} == {("projection", 2), ("projection", 3)}


def test_all_movies_use_webgl():
    at = new_app()
    train(at, epochs=1)
    go(at, state.TAB_EMBED)
    at.slider(key=state.EMB_COUNT).set_value(1500)
    at.run()
    assert_healthy(at)
    (figure,) = charts(at)
    movies = [t for t in figure["data"] if t.get("name") not in ("Recommended for the user",)]
    assert {t["type"] for t in movies if not str(t.get("name", "")).startswith("User")} == {"scattergl"}
    assert n_points([t for t in movies if "User" not in t.get("name", "")]) >= 1500


# -- uploads -------------------------------------------------------------------------


@pytest.mark.skipif(not (ML_SMALL / "ratings.csv").exists(), reason=f"no MovieLens latest-small in {DATA_DIR}")
def test_movielens_small_upload_flow():
    at = new_app()
    upload(
        at,
        ("ratings.csv", (ML_SMALL / "ratings.csv").read_bytes()),
        ("movies.csv", (ML_SMALL / "movies.csv").read_bytes()),
    )
    assert not errors(at), errors(at)
    data = at.session_state[state.DATA]
    assert data.label == "ratings.csv + movies.csv" and not data.demo
    shown = metrics(at)
    assert shown["Users"] == "610" and shown["Ratings"] == "101k" and data.ratings.n_ratings == 100_836
    assert shown["Rating scale"] == "0.5 – 5 ★"

    record = train(at, epochs=2)
    assert record.data_key == data.key
    assert record.scores["rmse"] < record.scores["bias_rmse"]
    go(at, state.TAB_USER)
    recs = table(at, "rank")
    assert len(recs) == 10 and recs["title"].str.contains(r"\(\d{4}\)").all()
    go(at, state.TAB_EMBED)
    (figure,) = charts(at)
    groups = {t.get("name") for t in figure["data"]}
    assert {"Drama", "Comedy"} <= groups


def test_bad_upload_shows_error_and_keeps_earlier_data():
    at = new_app()
    upload(at, ("good.csv", small_ratings_csv()))
    good = at.session_state[state.DATA]
    assert good.label == "good.csv" and not errors(at)

    upload(at, ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary"))
    messages = errors(at)
    assert len(messages) == 1 and "PNG image" in messages[0]
    assert at.session_state[state.DATA] is good
    assert any("Still using" in c.value for c in at.sidebar.caption)
    assert metrics(at)["Users"] == "30"

    # a movies file that cannot be read: the ratings stay in use, with the library's message
    upload(at, ("good.csv", small_ratings_csv()), ("movies.csv", b"id;name\n"))
    assert any("movies.csv" in m for m in errors(at))
    assert at.session_state[state.DATA].ratings.n_ratings == good.ratings.n_ratings

    # the app keeps working: a model trains on the earlier data
    record = train(at, epochs=1)
    assert record.data_key == good.key


def test_bad_first_upload_keeps_demo():
    at = new_app()
    upload(at, ("empty.csv", b""))
    assert errors(at) and "empty" in errors(at)[0]
    assert at.session_state[state.DATA].demo


def test_zip_upload_brings_its_movies():
    import zipfile

    buffer = io.BytesIO()
    movies = "movieId,title,genres\n" + "".join(f"{m},Film {m} (2001),Drama|Comedy\n" for m in range(1, 21))
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tiny/ratings.csv", small_ratings_csv())
        archive.writestr("tiny/movies.csv", movies)
    at = new_app()
    upload(at, ("tiny.zip", buffer.getvalue()))
    assert not errors(at), errors(at)
    data = at.session_state[state.DATA]
    assert data.label == "tiny.zip" and data.movies is not None and len(data.movies) == 20


def test_many_users_search_and_ratings_without_movies():
    rows = [(u, (u * 7 + k * 11) % 40 + 1, float(1 + (u + k) % 5)) for u in range(1, 5201) for k in range(4)]
    csv = pd.DataFrame(rows, columns=["userId", "movieId", "rating"]).to_csv(index=False).encode()
    at = new_app()
    upload(at, ("many.csv", csv))
    assert not errors(at) and metrics(at)["Users"] == "5.2k"
    assert any("No movies file" in i.value for i in at.info)
    train(at, epochs=1)

    go(at, state.TAB_USER)
    assert len(at.selectbox(key=state.USER).options) == 1000  # the most active first, not all 5,200
    at.text_input(key=state.USER_QUERY).set_value("517")
    at.run()
    assert_healthy(at)
    options = at.selectbox(key=state.USER).options
    assert options and all(o.startswith("User 517") for o in options)
    assert at.selectbox(key=state.USER).value == 517
    recs = table(at, "rank")
    assert recs["title"].str.fullmatch(r"Movie \d+").all()

    go(at, state.TAB_EMBED)
    (figure,) = charts(at)
    assert figure["data"][0]["name"] == "Movies" and "colorbar" in figure["data"][0]["marker"]


# -- stopping ------------------------------------------------------------------------


def test_stop_keeps_model_of_last_finished_epoch():
    at = new_app()
    start_training(at, epochs=100)
    job = at.session_state[state.JOB]
    deadline = time.monotonic() + 60
    while len(job.history) < 2:
        assert time.monotonic() < deadline and job.running
        time.sleep(0.1)
    at.run()  # the live view shows the run and its Stop button
    assert_healthy(at)
    assert at.get("progress")
    at.button(key=state.STOP_MAIN).click()
    at.run()
    wait_for_training(at)
    record = at.session_state[state.MODEL]
    kept = len(record.history)
    assert record.status == "stopped" and 2 <= kept < 100
    assert record.message == f"Stopped at epoch {kept} of 100; the model of epoch {kept} is kept."
    assert any(record.message in i.value for i in at.info)
    # the stopped model is usable
    go(at, state.TAB_USER)
    assert len(table(at, "rank")) == 10


def test_stop_before_first_epoch_keeps_previous_model():
    at = new_app()
    first = train(at, epochs=1)
    start_training(at, epochs=3, batch_size=64)  # slow epochs: the stop lands in the first one
    job = at.session_state[state.JOB]
    job.stop()
    assert job.wait(60)
    assert not job.history
    at.run()
    wait_for_training(at)
    assert at.session_state[state.MODEL] is first
    assert any("previous model is kept" in w.value for w in at.warning)


def test_quick_train_from_user_screen():
    at = new_app()
    go(at, state.TAB_USER)
    at.button(key="cf.quick_train.see recommen").click()
    at.run()
    assert_healthy(at)
    assert at.session_state[state.NAV] == state.TAB_TRAIN
    wait_for_training(at)
    assert at.session_state[state.MODEL].config.epochs == 6


def test_unexpected_error_is_a_message_not_a_traceback(monkeypatch):
    at = new_app()
    train(at, epochs=1)

    def broken(self, user):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("cf.Recommender.history", broken)
    go(at, state.TAB_USER)
    (message,) = errors(at)
    assert message.startswith("Something went wrong while showing the User screen: the disk is on fire.")
    assert "Traceback" not in message
    go(at, state.TAB_DATA)  # the other screens still work
    assert not errors(at) and metrics(at)["Users"] == "600"


# -- sessions ------------------------------------------------------------------------


def test_sessions_do_not_share_models():
    one, two = new_app(), new_app()
    first = train(one, epochs=1)
    two.run()
    assert two.session_state[state.MODEL] is None
    go(two, state.TAB_USER)
    assert any("Train a model first" in i.value for i in two.info)

    second = train(two, epochs=1, n_factors=8)
    one.run()
    assert one.session_state[state.MODEL] is first and first.config.n_factors == 50
    assert second.config.n_factors == 8 and second.id != first.id
    assert second.recommender is not first.recommender


# -- exports -------------------------------------------------------------------------


def test_csv_export_neutralises_formulas():
    frame = pd.DataFrame(
        {
            "title": ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tTab", "Fine (1999)"],
            "rating": [-1.5, 2.0, 3.0, 4.0, 5.0, 1.0],
        }
    )
    safe = neutralise_formulas(frame)
    assert safe["title"].tolist() == ['\'=HYPERLINK("http://x")', "'+1", "'-2+3", "'@SUM(A1)", "'\tTab", "Fine (1999)"]
    assert safe["rating"].tolist() == frame["rating"].tolist()
    text = csv_bytes(frame).decode("utf-8-sig")
    assert "\n'=HYPERLINK" in text.replace('"', "") and "-1.5" in text
