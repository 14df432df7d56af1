"""The Streamlit app end to end, with Streamlit's AppTest (no browser).

Training runs in a background thread of the session; the tests poll the app the way
the live view does (rerun, look at the state) until the run is over.
"""

from __future__ import annotations

import base64
import io
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from benchmarks.paths import shared_data_dir
from cf.settings import label
from cf.verdict import GOOD, WORSE, accuracy_verdict, curve_note
from ui.components import sidebar, widgets
from ui.components.common import csv_bytes, md, neutralise_formulas, seconds
from ui.components.widgets import NO_STARS
from ui.jobs import base as background
from ui.jobs import training
from ui.loading import model_file
from ui.screens import embed
from ui.screens import movies as movies_screen
from ui.screens import rate as rate_screen
from ui.screens import train as train_screen
from ui.screens import user as user_screen
from ui.session import state

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
DATA_DIR = shared_data_dir()
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


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def picks_shown(at: AppTest) -> pd.DataFrame:
    """The top-N list as people see it (a static table with a Match column)."""
    (found,) = [t.value for t in at.table if "Match" in t.value.columns]
    return found


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@pytest.fixture
def download(monkeypatch):
    """``download(at, key)``: the bytes the download button with widget ``key`` gives.

    Streamlit keeps a button's data (or the function that makes it on click) in its media
    file manager; the spy remembers them so the test can read what a person would download.
    """
    from streamlit.runtime.media_file_manager import MediaFileManager

    made: dict[str, object] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def spy_add(self, data, *args, **kwargs):
        url = add(self, data, *args, **kwargs)
        made[url] = data
        return url

    def spy_add_deferred(self, make, *args, **kwargs):
        file_id = add_deferred(self, make, *args, **kwargs)
        made[file_id] = make
        return file_id

    monkeypatch.setattr(MediaFileManager, "add", spy_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_add_deferred)

    def bytes_of(at: AppTest, key: str) -> bytes:
        (button,) = [b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}")]
        data = made[button.proto.deferred_file_id or button.proto.url]
        data = data() if callable(data) else data
        return data.encode() if isinstance(data, str) else data

    return bytes_of


def read_csv(raw: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", keep_default_na=False)


def values(column: object) -> list:
    """A plotly JSON array: a list, or a typed array ({"dtype", "bdata"}) as plotly writes numpy data."""
    if isinstance(column, dict) and "bdata" in column:
        data = np.frombuffer(base64.b64decode(column["bdata"]), dtype=np.dtype(column["dtype"]))
        return data.reshape(column["shape"]).tolist() if "shape" in column else data.tolist()
    return list(column)


def n_points(traces: list[dict]) -> int:
    return sum(len(values(t["x"])) for t in traces)


def wait_for_training(at: AppTest, timeout: float = 300.0) -> AppTest:
    """Wait for the session's training job to end, then rerun once: the run collects it into a model."""
    job = at.session_state[state.JOB]
    if job is not None:
        assert job.wait(timeout), "training did not finish in time"
    at.run()
    assert_healthy(at)
    assert at.session_state[state.JOB] is None
    return at


def start_training(at: AppTest, epochs: int = 2, auto: bool = False, **advanced) -> AppTest:
    go(at, state.TAB_TRAIN)
    at.slider(key=state.F_EPOCHS).set_value(epochs)
    at.toggle(key=state.F_AUTO).set_value(auto)  # Auto is the form's default; most tests fix the epochs
    if "n_factors" in advanced:
        at.slider(key=state.F_FACTORS).set_value(advanced["n_factors"])
    if "batch_size" in advanced:
        at.select_slider(key=state.F_BATCH).set_value(advanced["batch_size"])
    if "model" in advanced:
        at.radio(key=state.F_MODEL).set_value(advanced["model"])
    at.form_submit_button[0].click()
    at.run()
    assert_healthy(at)
    assert not at.main.error, [e.value for e in at.main.error]
    return at


def train(at: AppTest, epochs: int = 2, auto: bool = False, **advanced):
    start_training(at, epochs, auto, **advanced)
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
        at.file_uploader(key=sidebar.UP_RATINGS).set_value((ratings[0], ratings[1], "text/csv"))
    if movies is not None:
        at.file_uploader(key=sidebar.UP_MOVIES).set_value((movies[0], movies[1], "text/csv"))
    at.run()
    assert_healthy(at)
    return at


def small_ratings_csv() -> bytes:
    """A tiny but learnable ratings file: 30 users, 20 movies."""
    rows = [(u, m, float(1 + (u * 7 + m * 3) % 5)) for u in range(1, 31) for m in range(1, 21) if (u + m) % 3]
    return pd.DataFrame(rows, columns=["userId", "movieId", "rating"]).to_csv(index=False).encode()


# -- the demo flow -------------------------------------------------------------------


def test_demo_flow_data_train_user_embeddings(download):
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
    assert record.scores.rmse < record.scores.bias_rmse < record.scores.global_mean_rmse
    go(at, state.TAB_TRAIN)
    shown = metrics(at)
    # one headline figure, in stars, saying what it was measured on; the specialist's figures one click away
    assert shown["Typical error"] == f"±{record.scores.rmse:.2f} stars" and "Training time" in shown
    measured = f"Measured on the {record.scores.n_test:,} ratings this run kept aside"
    assert any(c.startswith(measured) for c in captions(at))
    (details,) = [t.value for t in at.table if "What it is" in t.value.columns]
    figures = dict(zip(details["Figure"], details["Value"]))
    assert figures["RMSE (the typical error)"] == f"{record.scores.rmse:.4f}"
    assert figures["Bias-only baseline RMSE"] == f"{record.scores.bias_rmse:.4f}"
    assert [e.label for e in at.expander if e.label.startswith("Details")] == ["Details: the figures behind this"]
    words = " ".join(m.value for m in at.main.markdown)
    for term in ("NDCG", "Precision@", "Full-catalogue", "Validation RMSE"):  # specialist terms: only in Details
        assert term not in words and term not in " ".join(shown), term
    k = record.scores.topn.k
    assert f"at least one of their {k} suggestions was a movie they went on to rate highly" in words
    curve = charts(at)[0]
    names = ["On the ratings it learns from", "On unseen ratings (what counts)"]
    assert [trace["name"] for trace in curve["data"]] == names
    assert values(curve["data"][0]["x"]) == [1, 2]
    # a verdict in words next to the figures, and what the curves say under the chart
    verdict = accuracy_verdict(record.scores.rmse, record.scores.bias_rmse, record.scores.global_mean_rmse)
    assert verdict.level == GOOD and verdict.text in [s.value for s in at.main.success]
    assert f"off by {record.scores.rmse:.2f} of a star" in verdict.text
    assert curve_note(record.history) in [c.value for c in at.caption]

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
    shown_picks = picks_shown(at)
    recs = read_csv(download(at, "cf.recs_csv"))  # the table people see, with its ids
    history = table(at, "held_out")
    assert len(recs) == 10
    assert [m.split("  \n")[0] for m in shown_picks["Movie"]] == [md(t) for t in recs["title"]]
    first = recs.iloc[0]  # genres, popularity and average rating under each title
    assert (
        shown_picks["Movie"].iloc[0].endswith(f"{first['n_ratings']:,} ratings · average {first['mean_rating']:.1f} ★]")
    )
    assert not set(recs["movieId"]) & set(history["movieId"]), "recommended a movie the user already rated"
    assert (recs["n_ratings"] >= 10).all()
    assert len(history) == int(users["n_ratings"].iloc[1])
    assert {"rating", "predicted", "held_out"} <= set(history.columns)
    assert recs["rank"].tolist() == list(range(1, 11))
    # the order agrees with the score beside it; predicted stars stand apart, with what they mean
    match = shown_picks["Match"].astype(float)
    assert match.iloc[0] == 100 and match.is_monotonic_decreasing and match.iloc[-1] < 100
    assert np.allclose(match, recs["match"].round(0), atol=0.51)
    assert list(shown_picks.columns) == ["Rank", "Movie", "Match", "Predicted stars", "Because you liked"]
    assert shown_picks["Rank"].tolist() == [str(k) for k in range(1, 11)]
    assert any("The list is not ranked by it" in c for c in captions(at))
    history_file = read_csv(download(at, "cf.history_csv"))
    assert history_file["movieId"].tolist() == history["movieId"].tolist()
    assert np.allclose(history_file["rating"], history["rating"])
    # ranked by the item model: the user's liked movies drive the picks; by stars for teaching
    assert (recs["because_you_liked"].fillna("") != "").sum() >= 5
    # "Most stars" is one click away, under Advanced, not on the default view
    (advanced,) = [e for e in at.expander if e.label == "Advanced: how the list is ranked"]
    assert [g.label for g in advanced.get("button_group")] == ["Rank by"]
    (rank_by,) = [g for g in at.get("button_group") if g.label == "Rank by"]
    rank_by.set_value("rating").run()
    by_stars = read_csv(download(at, "cf.recs_csv"))
    assert by_stars["predicted"].is_monotonic_decreasing and set(by_stars["movieId"]) != set(recs["movieId"])
    assert any(c.startswith("Movies this user has not rated, ranked by the most stars") for c in captions(at))
    [g for g in at.get("button_group") if g.label == "Rank by"][0].set_value("ranker").run()

    # Embeddings: the movie map, with the selected user and their recommendations marked
    go(at, state.TAB_EMBED)
    (figure,) = charts(at)
    names = [trace.get("name") for trace in figure["data"]]
    assert f"User {second}" in names and "Recommended for the user" in names
    genre_traces = [
        t for t in figure["data"] if t.get("name") not in (f"User {second}", "Recommended for the user", "Titles")
    ]
    assert 2 <= len(genre_traces) <= 11
    assert n_points(genre_traces) >= 300
    assert figure["layout"]["xaxis"]["title"]["text"] == ""  # the PC shares are told in the caption
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
    at.text_input(key=embed.QUERY).set_value(word)
    at.segmented_control(key=embed.DIMS).set_value("3D")
    at.run()
    assert_healthy(at)
    (figure,) = charts(at)
    assert {trace["type"] for trace in figure["data"]} == {"scatter3d"}
    ringed = next(t for t in figure["data"] if t.get("name") == "Search results")
    assert any(word in text for text in ringed["text"])
    assert "scene" in figure["layout"]
    similar = table(at, "match")
    assert len(similar) == 10 and similar["match"].is_monotonic_decreasing
    # a person picks the genres to colour: those, and grey for the rest
    picker = at.multiselect(key=embed.GENRES)
    chosen = picker.options[1:3]  # the second and third most listed genres
    picker.set_value(chosen)
    at.run()
    assert_healthy(at)
    (figure,) = charts(at)
    marks = ("Search results", "Recommended for the user")
    coloured = {
        t["name"] for t in figure["data"] if t["name"] not in marks and not t["name"].startswith(("User ", "Most like"))
    }
    assert set(chosen) <= coloured <= set(chosen) | {"Other", "No genre"}
    assert any("Colour: the genres you picked" in c.value for c in at.caption)

    at.text_input(key=embed.QUERY).set_value("no such title zzz")
    at.segmented_control(key=embed.VIEW).set_value("Users")
    at.segmented_control(key=embed.DIMS).set_value("2D")
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
    at.slider(key=embed.MOVIE_COUNT).set_value(1500)
    at.run()
    assert_healthy(at)
    (figure,) = charts(at)
    movies = [t for t in figure["data"] if t.get("name") not in ("Recommended for the user", "Titles")]
    assert {t["type"] for t in movies if not str(t.get("name", "")).startswith("User")} == {"scattergl"}
    assert n_points([t for t in movies if "User" not in t.get("name", "")]) >= 1500


# -- uploads -------------------------------------------------------------------------


@pytest.mark.movielens
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
    assert shown["Ratings per user (median)"] == "70"  # a median: the label says so
    go(at, state.TAB_TRAIN)
    (waiting,) = [i.value for i in at.main.info if i.value.startswith("No model yet")]
    assert "demo" not in waiting and "It learns from **ratings\\.csv \\+ movies\\.csv**" in waiting

    record = train(at, epochs=2)
    assert record.data_key == data.key
    assert record.scores.rmse < record.scores.bias_rmse
    go(at, state.TAB_USER)
    recs = picks_shown(at)
    assert len(recs) == 10 and recs["Movie"].str.contains(r"\(\d{4}\\\)  \n").all()
    go(at, state.TAB_EMBED)
    (figure,) = charts(at)
    groups = {t.get("name") for t in figure["data"]}
    assert {"Drama", "Comedy", "Animation"} <= groups  # each movie's distinctive genre, not its first listed
    toy_story = next(t for t in figure["data"] if any("Toy Story (1995)" == row[0] for row in t["customdata"]))
    assert toy_story["name"] == "Animation"

    # titles found the way people type them, on the Embeddings and Rate screens
    at.text_input(key=embed.QUERY).set_value("The Shining")
    at.run()
    assert_healthy(at)
    assert any(m.value == "##### Movies most like Shining, The \\(1980\\)" for m in at.markdown)
    assert any(c.value.startswith("2 titles match") for c in at.caption)
    go(at, state.TAB_RATE)
    for query, title in [("The Lion King", "Lion King, The (1994)"), ("the matrix 1999", "Matrix, The (1999)"),
                         ("Monsters Inc", "Monsters, Inc. (2001)")]:  # fmt: skip
        at.text_input(key=rate_screen.QUERY).set_value(query)
        at.run()
        picker = at.selectbox(key=rate_screen.MOVIE)
        assert picker.format_func(picker.value).startswith(title + " · "), query


def test_bad_upload_shows_error_and_keeps_earlier_data():
    at = new_app()
    upload(at, ("good.csv", small_ratings_csv()))
    good = at.session_state[state.DATA]
    assert good.label == "good.csv" and not errors(at)

    upload(at, ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary"))
    (in_sidebar,) = [e.value for e in at.sidebar.error]
    (on_screen,) = [e.value for e in at.main.error]  # also where a presenter looks, on the Data screen
    assert in_sidebar == on_screen and "PNG image" in on_screen
    assert at.session_state[state.DATA] is good
    assert any("Still using" in c.value for c in at.sidebar.caption)
    assert any(c.value.startswith("Still showing **good\\.csv**") for c in at.main.caption)
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
    at.text_input(key=user_screen.QUERY).set_value("517")
    at.run()
    assert_healthy(at)
    options = at.selectbox(key=state.USER).options
    assert options and all(o.startswith("User 517") for o in options)
    assert at.selectbox(key=state.USER).value == 517
    recs = picks_shown(at)
    assert recs["Movie"].str.match(r"Movie \d+  \n").all()

    go(at, state.TAB_EMBED)
    (figure,) = charts(at)
    assert figure["data"][0]["name"] == "Movies" and "colorbar" in figure["data"][0]["marker"]


def test_who_watched_what_file_trains_and_says_why_stars_are_missing():
    rows = [(u, (u * 7 + k * 11) % 40 + 1) for u in range(1, 201) for k in range(8)]
    csv = pd.DataFrame(rows, columns=["userId", "movieId"]).drop_duplicates().to_csv(index=False).encode()
    at = new_app()
    upload(at, ("watched.csv", csv))
    assert not errors(at) and any(NO_STARS == i.value for i in at.info)
    train(at, epochs=1)
    assert any(NO_STARS == i.value for i in at.info)  # Train screen: RMSE means nothing here
    assert any("most popular movies manages that" in m.value for m in at.markdown)  # the top-N verdict is still there
    assert "Typical error" not in metrics(at)  # no stars: no error in stars, and no verdict on it
    assert not [s.value for s in at.main.success if "star" in s.value]
    go(at, state.TAB_USER)
    assert any(NO_STARS == i.value for i in at.info)
    recs = picks_shown(at)
    assert len(recs) == 10 and (recs["Because you liked"] != "–").any()


# -- stopping ------------------------------------------------------------------------


@pytest.fixture
def hold(monkeypatch, tmp_path):
    """``hold(n)``: runs started from then on wait after ``n`` finished epochs until Stop is pressed."""
    path = tmp_path / "hold"
    monkeypatch.setenv(training.HOLD_FILE_ENV, str(path))
    return lambda epochs: path.write_text(str(epochs))


def held_job(at: AppTest) -> training.TrainingJob:
    """The session's run, once it waits at the hold; the page redrawn to show it."""
    job = at.session_state[state.JOB]
    assert job.held.wait(60), "the run did not reach the hold"
    at.run()
    assert_healthy(at)
    return job


def progress_bar(at: AppTest, where) -> tuple[int, str]:
    """(percent, text) of the one progress bar in ``where`` (at.main or at.sidebar)."""
    (bar,) = where.get("progress")
    return bar.proto.value, bar.proto.text


def test_stop_keeps_model_of_last_finished_epoch(hold, monkeypatch):
    snapshots = []  # the model as it was after each epoch, to compare the kept one with

    def on_epoch(job, report, keep=training.TrainingJob._on_epoch):
        snapshots.append(report.snapshot())
        keep(job, report)

    monkeypatch.setattr(training.TrainingJob, "_on_epoch", on_epoch)
    hold(2)
    at = new_app()
    start_training(at, epochs=5)
    job = held_job(at)  # one batch into epoch 3
    per_epoch = job.latest.batches_per_epoch
    assert (job.latest.batches_done, job.latest.batches_total, len(job.history)) == (
        2 * per_epoch + 1,
        5 * per_epoch,
        2,
    )
    percent, text = progress_bar(at, at.main)
    assert percent == int(100 * (2 * per_epoch + 1) / (5 * per_epoch)) and text.startswith("Epoch 3 of 5 · about ")
    assert metrics(at)["Epochs done"] == "2 / 5"
    at.button(key=train_screen.STOP).click()
    at.run()
    wait_for_training(at)
    record = at.session_state[state.MODEL]
    assert record.status == "stopped" and len(record.history) == 2 and len(snapshots) == 2
    assert record.message == "Stopped at epoch 2 of 5; the model of epoch 2 is kept."
    assert any(record.message in i.value for i in at.info)
    # the weights are epoch 2's, not those of the batch of epoch 3 that ran before the stop
    assert np.array_equal(record.recommender.item_vectors(), snapshots[1].item_vectors())
    # the stopped model is usable
    go(at, state.TAB_USER)
    assert len(picks_shown(at)) == 10


def test_sidebar_stop_before_first_epoch_keeps_previous_model(hold):
    switch_interval = sys.getswitchinterval()
    at = new_app()
    first = train(at, epochs=1)
    hold(0)
    start_training(at, epochs=3)
    job = held_job(at)  # after the first batch
    assert job.latest.batches_done == 1 and not job.history
    assert sys.getswitchinterval() == background.GIL_SWITCH_SECONDS != switch_interval  # only while a job runs
    go(at, state.TAB_DATA)  # away from the Train screen, the run shows in the sidebar
    percent, text = progress_bar(at, at.sidebar)
    assert percent == 0 and text.startswith("Epoch 1 of 3 · about ")
    at.sidebar.button(key=widgets.STOP_SIDE).click()
    at.run()
    wait_for_training(at)
    assert not job.history and sys.getswitchinterval() == switch_interval
    assert at.session_state[state.MODEL] is first
    go(at, state.TAB_TRAIN)
    notice = "Training was stopped before its first epoch finished, so nothing was learned. The previous model is kept."
    assert any(w.value == notice for w in at.warning)


def test_first_training_reports_its_start_up_apart(monkeypatch):
    """The first training in a server loads compiled code: that start-up is not shown as training time."""
    import threading

    from cf.training import rowwise

    monkeypatch.setattr("ui.jobs.training.warm_up", lambda: None)  # no background warm-up to race with
    monkeypatch.setattr(rowwise, "_WARM", threading.Event())  # as in a fresh server
    real_warm_up = rowwise.warm_up

    def slow_warm_up() -> None:
        if not rowwise._WARM.is_set():
            time.sleep(0.8)  # at least this long, however busy the machine
        real_warm_up()

    monkeypatch.setattr(rowwise, "warm_up", slow_warm_up)
    at = new_app()
    record = train(at, epochs=1)
    assert record.setup_seconds >= 0.8
    go(at, state.TAB_TRAIN)
    (shown,) = [m for m in at.metric if m.label == "Training time"]
    assert shown.value == seconds(record.fit_seconds)
    assert shown.proto.delta == f"+ {seconds(record.setup_seconds)} start-up, once"
    (notice,) = [s.value for s in at.success if s.value.startswith("Model 1 is ready")]
    assert f"({seconds(record.fit_seconds)}, plus {seconds(record.setup_seconds)} of one-time start-up)" in notice


def test_top_n_lists_of_a_sample_when_many_people_have_a_loved_movie(monkeypatch):
    """Past ``TOPN_PEOPLE`` people the finished run scores a seeded sample's lists, and the screen says so."""
    monkeypatch.setattr("ui.jobs.training.TOPN_PEOPLE", 150)
    at = new_app()
    record = train(at, epochs=1)
    report = record.scores.topn
    assert report.n_people == 150 and report.n_eligible > 150
    go(at, state.TAB_TRAIN)
    shown = " ".join(str(c.value) for c in at.caption) + " ".join(str(m.value) for m in at.markdown)
    assert f"Measured on 150 people drawn at random from the {report.n_eligible:,} with a loved movie" in shown


def test_every_tab_not_drawn_says_it_is_opening_and_what_to_do_if_it_does_not():
    """A tab's screen is drawn only by the run that opens it; until then (or if a busy server loses the click)
    the tab says it is opening and how to get it drawn, instead of showing nothing."""
    at = new_app()
    waiting = [c.value for c in at.caption if c.value.startswith("Opening the ")]
    for name in (state.TAB_TRAIN, state.TAB_USER, state.TAB_EMBED):
        assert f"Opening the {name} screen… If it does not open, click another tab and then this one." in waiting
    assert not any(f"Opening the {state.TAB_DATA} screen" in text for text in waiting)  # the open one is drawn
    go(at, state.TAB_USER)
    assert not any(f"Opening the {state.TAB_USER} screen" in c.value for c in at.caption)


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


# -- model files ---------------------------------------------------------------------


class _WritesAFile:
    """Unpickling this would create a file: what a crafted model file could do."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def upload_model(at: AppTest, name: str, raw: bytes) -> AppTest:
    go(at, state.TAB_TRAIN)
    at.file_uploader(key=model_file.UP_MODEL).set_value((name, raw, "application/octet-stream"))
    at.run()
    assert_healthy(at)
    return at


def foreign_model_bytes() -> bytes:
    """A small model of other people and movies (ids the demo data does not have)."""
    import cf
    from cf import persist

    rows = [(u, m, float(1 + (u * 7 + m * 3) % 5)) for u in range(5001, 5041) for m in range(9001, 9031) if (u + m) % 3]
    ratings = cf.load_ratings(pd.DataFrame(rows, columns=["userId", "movieId", "rating"]))
    result, _, _ = cf.train_model(ratings, cf.TrainConfig(epochs=2, n_factors=4, valid_frac=0.0))
    return persist.to_bytes(result.recommender)


def test_crafted_model_file_is_refused_and_a_real_one_loads(tmp_path):
    import pickle

    at = new_app()
    first = train(at, epochs=1, n_factors=8)
    target = tmp_path / "pwned.txt"
    for raw in (pickle.dumps(_WritesAFile(str(target))), _torch_bytes(_WritesAFile(str(target)))):
        upload_model(at, "evil.cfmodel", raw)
        (message,) = errors(at)
        assert "refused" in message and "Model 1 is still in use" in message
        assert not target.exists(), "loading the model file ran code"
        assert at.session_state[state.MODEL] is first
        at.file_uploader(key=model_file.UP_MODEL).set_value(None)
        at.run()

    upload_model(at, "other.cfmodel", foreign_model_bytes())
    assert not errors(at)
    loaded = at.session_state[state.MODEL]
    assert loaded is not first and loaded.source == "other.cfmodel" and loaded.name == "Model 2"
    assert "This model knows 40 users and 30 movies; 0 of its 40 users and 0 of its 30 movies are in the data" in (
        loaded.note
    )
    assert any("This model knows 40 users" in i.value for i in at.info)
    assert any(s.value.startswith("Loaded other") for s in at.success)
    # it is usable: its own users and titles come from the file
    go(at, state.TAB_USER)
    assert at.selectbox(key=state.USER).value >= 5001
    assert len(picks_shown(at)) == 10
    # the model it replaced stays in memory (the best on its data), to switch back to
    assert first.loaded and first is not at.session_state[state.MODEL]

    # a model file of the data in use fits it
    from cf import persist

    upload_model(at, "again.cfmodel", persist.to_bytes(loaded.recommender))
    assert "0 of its 40 users" in at.session_state[state.MODEL].note


def _torch_bytes(obj) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save({"format": "cf-recommender", "payload": obj}, buffer)
    return buffer.getvalue()


def test_model_file_download_loads_in_python_and_reopens_in_the_app(download):
    import cf

    at = new_app()
    first = train(at, epochs=1, n_factors=8)
    trained = first.recommender
    raw = download(at, f"cf.model_file.{first.id}")
    frame = at.session_state[state.DATA].ratings.frame.sample(300, random_state=0)
    users, items = frame["user"].to_numpy(), frame["item"].to_numpy()
    assert np.array_equal(cf.Recommender.load(raw).predict(users, items), trained.predict(users, items))

    upload_model(at, "model-1.cfmodel", raw)
    loaded = at.session_state[state.MODEL]
    assert loaded is not first and loaded.source == "model-1.cfmodel"
    assert loaded.note.startswith("It fits the data in use (Demo dataset): all its users and movies are in it.")
    assert np.array_equal(loaded.recommender.predict(users, items), trained.predict(users, items))
    go(at, state.TAB_USER)
    picks = picks_shown(at)
    first_picks = trained.recommend(at.selectbox(key=state.USER).value, 10, min_ratings=10)
    assert [m.split("  \n")[0] for m in picks["Movie"]] == [md(t) for t in first_picks["title"]]


def test_a_model_trained_by_the_command_line_opens_in_the_app(tmp_path, capsys):
    import cf
    from cf.cli import main

    at = new_app()
    demo = at.session_state[state.DATA].ratings.frame.rename(columns={"user": "userId", "item": "movieId"})
    demo.to_csv(tmp_path / "demo.csv", index=False)
    model = tmp_path / "cli-model.pt"
    args = ["train", "--ratings", str(tmp_path / "demo.csv"), "--epochs", "2", "--n-factors", "12", "--model", "dot"]
    assert main([*args, "--out", str(model), "--quiet"]) == 0
    upload_model(at, model.name, model.read_bytes())
    assert not errors(at)
    loaded = at.session_state[state.MODEL]
    assert (loaded.config.model, loaded.config.n_factors, loaded.config.epochs) == ("dot", 12, 2)
    assert loaded.note.startswith("It fits the data in use (Demo dataset)")
    go(at, state.TAB_USER)
    user = at.selectbox(key=state.USER).value
    expected = cf.Recommender.load(model).recommend(user, 10, min_ratings=10)
    assert [m.split("  \n")[0] for m in picks_shown(at)["Movie"]] == [md(t) for t in expected["title"]]


# -- rate movies yourself ------------------------------------------------------------


def rate(at: AppTest, query: str, stars: float) -> AppTest:
    """Type ``query`` on the Rate screen, keep the first match, give it ``stars`` and add it."""
    at.text_input(key=rate_screen.QUERY).set_value(query)
    at.run()
    assert at.selectbox(key=rate_screen.MOVIE).value is not None, f"nothing matches {query!r}"
    at.select_slider(key=rate_screen.VALUE).set_value(stars)
    at.button(key=rate_screen.ADD).click()
    at.run()
    assert_healthy(at)
    return at


def test_rate_movies_and_get_recommendations_without_retraining():
    at = new_app()
    record = train(at, epochs=1, n_factors=16)
    go(at, state.TAB_RATE)
    assert any("appear here as soon as you rate" in i.value for i in at.info)
    default = at.select_slider(key=rate_screen.VALUE).value
    assert at.selectbox(key=rate_screen.MOVIE).value is None and at.button(key=rate_screen.ADD).disabled
    given = [5.0, 1.0, 5.0, 1.5, 4.0]
    rate(at, "the", given[0])
    # after each add the search, the pick and the rating start afresh: the same movie cannot go in twice
    assert at.text_input(key=rate_screen.QUERY).value == ""
    assert at.selectbox(key=rate_screen.MOVIE).value is None and at.button(key=rate_screen.ADD).disabled
    assert at.select_slider(key=rate_screen.VALUE).value == given[0] != default  # the last rating stays
    assert any(c.value.startswith("Fitted to your 1 rating in ") for c in at.caption)  # not "1 ratings"
    for stars in given[1:]:
        rate(at, "the", stars)
    rated = at.session_state[state.RATED]
    assert len(rated) == 5 and list(rated.values()) == given
    titles = record.recommender.describe(record.recommender.items.to_index(list(rated)))["title"]
    assert titles.str.contains("the", case=False).all()
    picks = picks_shown(at)
    shown_titles = set(record.recommender.describe(record.recommender.items.to_index(list(rated)))["title"])
    assert len(picks) == 10 and not set(picks["Movie"]) & {md(t) for t in shown_titles}
    assert set(picks["Because you liked"]) - {"–"} <= {md(t) for t in titles}
    assert picks["Match"].astype(float).is_monotonic_decreasing
    assert any(c.startswith("**Match** is the score the list is ranked by") for c in captions(at))
    assert at.session_state[state.MODEL] is record and len(state_runs(at)) == 1  # no retraining
    (figure,) = charts(at)
    names = [t.get("name") for t in figure["data"]]
    assert {"You", "Movies you rated", "Recommended for you"} <= set(names)
    assert any(re.fullmatch(r"Fitted to your 5 ratings in \d+ ms.*", c.value) for c in at.caption)
    assert not at.warning  # five ratings are enough

    at.button(key=f"cf.rate_remove.{next(iter(rated))}").click()
    at.run()
    assert len(at.session_state[state.RATED]) == 4
    assert any("Rate at least 5 movies" in w.value for w in at.warning)
    at.button(key=rate_screen.CLEAR).click()
    at.run()
    assert not at.session_state[state.RATED]


def test_rate_screen_takes_at_most_twenty_ratings():
    at = new_app()
    record = train(at, epochs=1, n_factors=8)
    go(at, state.TAB_RATE)
    at.session_state[state.RATED] = {int(m): 4.0 for m in record.recommender.items.ids[:19]}
    at.run()
    rate(at, "the", 4.0)  # the 20th
    assert len(at.session_state[state.RATED]) == 20
    add = at.button(key=rate_screen.ADD)
    assert add.disabled and add.help == "At most 20 ratings."
    assert any(m.value == "**Your ratings** (20 of 20)" for m in at.markdown)


def test_rated_movies_on_the_map_show_the_rating_and_few_labels():
    at = new_app()
    train(at, epochs=1, n_factors=16)
    go(at, state.TAB_RATE)
    given = [5.0, 0.5, 4.0, 1.0, 3.0, 4.5, 2.0]
    for stars in given:
        rate(at, "a", stars)
    rated = at.session_state[state.RATED]
    (figure,) = charts(at)
    rings = next(t for t in figure["data"] if t.get("name") == "Movies you rated")
    colours = values(rings["marker"]["color"])
    assert sorted(colours) == sorted(given) and len(set(colours)) == len(given)  # 5 and 1 stars drawn apart
    assert (rings["marker"]["cmin"], rings["marker"]["cmax"]) == (0.5, 5.0)
    labelled = [text for text in rings["text"] if text]
    assert len(labelled) == 5 < len(rated)  # the strongest opinions only: labels do not pile up
    from cf.maps.labels import short_title

    ids = [short_title(row[0]) for row in rings["customdata"]]  # labels are short titles (no year)
    by_title = dict(zip(ids, colours))
    assert sorted(by_title[text] for text in labelled) == [0.5, 1.0, 4.0, 4.5, 5.0]


def state_runs(at: AppTest) -> list:
    return at.session_state[state.RUNS]


# -- similar movies and what the model learned -------------------------------------


def test_movies_screen_similar_biases_and_axis_names():
    at = new_app()
    record = train(at, epochs=1, n_factors=16)
    rec = record.recommender
    go(at, state.TAB_MOVIES)
    movie = at.selectbox(key=movies_screen.PICK).value
    similar = table(at, "match")
    # ranked here from the one definition's scores (cf.similar), among movies with enough ratings
    from cf.similar import for_recommender

    scores = for_recommender(rec).scores(rec.item_index(movie))
    enough = for_recommender(rec).eligible()
    ranked = pd.Series(scores[enough], index=rec.items.ids[enough]).drop(movie).nlargest(10)
    assert similar["movieId"].tolist() == ranked.index.tolist()
    assert np.allclose(similar["match"], (ranked.clip(0, 1) * 100).round().to_numpy())  # shown in whole percent
    # the Embeddings screen lists the same movies for the same movie
    title = rec.describe([rec.item_index(movie)])["title"].iloc[0]
    go(at, state.TAB_EMBED)
    at.text_input(key=embed.QUERY).set_value(title)
    at.run()
    assert_healthy(at)
    assert table(at, "match")["movieId"].tolist() == similar["movieId"].tolist()
    go(at, state.TAB_MOVIES)

    # the user screen says why each pick is there
    go(at, state.TAB_USER)
    picks = picks_shown(at)
    assert (picks["Because you liked"] != "–").sum() >= 5  # where a liked movie is a real reason

    go(at, state.TAB_MOVIES)
    at.segmented_control(key=movies_screen.VIEW).set_value("What the model learned")
    at.run()
    assert_healthy(at)
    high, low = (d.value for d in at.dataframe if "bias" in d.value.columns)
    assert high["bias"].is_monotonic_decreasing and low["bias"].is_monotonic_increasing
    assert high["bias"].iloc[0] > low["bias"].iloc[0]
    assert (high["n_ratings"] >= 20).all() and {"mean_rating", "title"} <= set(high.columns)
    assert charts(at)[0]["layout"]["title"]["text"] == "Learned bias against average rating"
    ends = [m.value for m in at.markdown if m.value.startswith(("Low end:", "High end:"))]
    assert len(ends) == 6
    at.text_input(key=f"cf.axis_name.{record.id}.0").set_value("light <b>vs</b> dark")
    at.run()
    go(at, state.TAB_EMBED)
    (figure,) = charts(at)
    assert figure["layout"]["xaxis"]["title"]["text"] == "light &lt;b&gt;vs&lt;/b&gt; dark"


# -- compare runs and bounded memory ---------------------------------------------------


def test_compare_keeps_the_best_and_latest_models_on_its_own_and_names_the_dropped(monkeypatch):
    monkeypatch.setattr(state, "MAX_WEIGHTS", 3)
    at = new_app()
    go(at, state.TAB_COMPARE)
    assert any("Every model you train" in i.value for i in at.info)
    first = train(at, epochs=3, n_factors=8)
    second = train(at, epochs=1, n_factors=8, model="dot")
    assert first.loaded and second.loaded  # nothing was ticked: the earlier model is still there to switch back to
    go(at, state.TAB_TRAIN)  # the plain dot product learns no biases: its verdict is a warning
    scores = second.scores
    verdict = accuracy_verdict(scores.rmse, scores.bias_rmse, scores.global_mean_rmse)
    assert verdict.level == WORSE and verdict.text in [w.value for w in at.main.warning]

    go(at, state.TAB_COMPARE)
    summary = table(at, "Typical error (stars)")
    assert summary["Run"].tolist() == ["Model 1", "Model 2"]
    assert summary["Model"].tolist() == ["Dot product with biases", "Plain dot product"]
    assert summary[label("epochs")].tolist() == [3, 1] and summary["In memory"].all()
    assert summary["Typical error (stars)"].tolist() == [first.scores.rmse, second.scores.rmse]
    curves, bars = charts(at)[:2]
    assert {t["name"] for t in curves["data"]} >= {"Model 1 · validation", "Model 2 · training"}
    assert len(values(bars["data"][0]["x"])) == 2
    side = [t.value for t in at.table if list(t.value.columns) == ["Rank", "Movie", "Match"]]
    assert len(side) == 2 and all(len(s) == 10 and s["Match"].astype(float).is_monotonic_decreasing for s in side)

    # switch back to the first model, then on to two more plain models: the limit (3) keeps the one in
    # use, the best (the biased model of 3 epochs) and the most recently used; the others are named
    at.button(key=f"cf.use.{first.id}").click()
    at.run()
    assert at.session_state[state.MODEL] is first and second.loaded
    third = train(at, epochs=1, n_factors=8, model="dot")
    fourth = train(at, epochs=1, n_factors=8, model="dot")
    plain = [second, third, fourth]
    assert first.scores.rmse < min(r.scores.rmse for r in plain), "the biased model should be the best"
    assert [r.loaded for r in state_runs(at)] == [True, False, True, True]
    assert second.scores and second.history  # curves and scores stay
    go(at, state.TAB_COMPARE)
    assert table(at, "Typical error (stars)")["Run"].tolist() == ["Model 1", "Model 2", "Model 3", "Model 4"]
    assert any(c.value.startswith("Dropped to save memory: Model 2 (typical error ") for c in at.caption)
    reasons = " ".join(m.value for m in at.markdown)
    assert "Model 1 · Dot product with biases · 8 factors · *the lowest typical error on its data*" in reasons

    # a pinned model stays whatever comes next; the most recent unpinned one makes room
    at.checkbox(key=f"cf.keep.{third.id}").check()
    at.run()
    assert third.keep
    fifth = train(at, epochs=1, n_factors=8, model="dot")
    assert [r.loaded for r in state_runs(at)] == [True, False, True, False, True]
    assert fifth is at.session_state[state.MODEL]
    assert "Model 4 was dropped to save memory" in at.session_state[state.NOTICE][1]


# -- downloads -------------------------------------------------------------------------


def test_all_users_download_agrees_with_the_user_screen_and_respects_its_cap(download, monkeypatch):
    from ui.screens import user as user_tab

    at = new_app()
    record = train(at, epochs=1, n_factors=8)
    rec = record.recommender
    go(at, state.TAB_USER)
    user, shown = at.selectbox(key=state.USER).value, read_csv(download(at, "cf.recs_csv"))
    everyone = read_csv(download(at, "cf.recs_all_csv"))
    assert list(everyone.columns[:4]) == ["userId", "rank", "movieId", "title"]
    assert sorted(set(everyone["userId"])) == sorted(rec.users.ids) and len(everyone) == 10 * len(rec.users)
    assert (everyone.groupby("userId")["rank"].agg(list).map(lambda ranks: ranks == list(range(1, 11)))).all()
    assert everyone.loc[everyone["userId"] == user, "movieId"].tolist() == shown["movieId"].tolist()
    rated = set(zip(rec.users.to_raw(rec.known["user"]), rec.items.to_raw(rec.known["item"])))
    assert not rated & set(zip(everyone["userId"], everyone["movieId"])), "recommended a movie the user rated"

    # the file is capped: past the limit of pairs, only the most active users
    monkeypatch.setattr(user_tab, "EXPORT_MAX_PAIRS", 50 * len(rec.items))
    at.run()
    (button,) = [b for b in at.get("download_button") if b.proto.id.endswith("-cf.recs_all_csv")]
    assert button.label == "Download the top 10 for the 50 most active users (CSV)"
    capped = read_csv(download(at, "cf.recs_all_csv"))
    assert capped["userId"].unique().tolist() == record.user_table()["userId"].head(50).tolist()


def test_projector_files_are_the_movie_vectors_and_their_titles_in_one_order(download):
    at = new_app()
    record = train(at, epochs=1, n_factors=8)
    rec, data = record.recommender, at.session_state[state.DATA]
    go(at, state.TAB_EMBED)
    vectors = np.loadtxt(io.BytesIO(download(at, "cf.vectors_tsv")), delimiter="\t")
    assert vectors.shape == (len(rec.items), 8)
    assert np.allclose(vectors, rec.item_vectors(), rtol=1e-6, atol=1e-7)
    metadata = pd.read_csv(io.BytesIO(download(at, "cf.metadata_tsv")), sep="\t", quoting=3, keep_default_na=False)
    assert list(metadata.columns) == ["title", "genres", "n_ratings"] and len(metadata) == len(rec.items)
    assert metadata["title"].tolist() == data.movies.frame.loc[rec.items.ids, "title"].tolist()
    counts = data.ratings.frame["item"].value_counts()
    assert metadata["n_ratings"].tolist() == counts[rec.items.ids].tolist()


# -- MovieLens in one click ------------------------------------------------------------


@pytest.fixture
def grouplens(tmp_path, monkeypatch, demo_split_dir):
    """A local server with an ml-latest-small.zip built from the demo data's files, and an empty cache."""
    from tests.helpers import release_zip, serve_folder, write_md5

    root = tmp_path / "server"
    root.mkdir()
    release_zip(root / "ml-latest-small.zip", demo_split_dir)
    write_md5(root / "ml-latest-small.zip")
    with serve_folder(root) as url:
        monkeypatch.setenv("CF_MOVIELENS_URL", url)
        monkeypatch.setenv("CF_CACHE_DIR", str(tmp_path / "cache"))
        yield tmp_path / "cache"


def choose_movielens(at: AppTest, release: str) -> AppTest:
    at.segmented_control(key=state.SOURCE).set_value("MovieLens")
    at.run()
    at.selectbox(key=state.ML_RELEASE).set_value(release)
    at.run()
    assert_healthy(at)
    return at


def test_movielens_in_one_click(grouplens, demo_data):
    at = new_app()
    choose_movielens(at, "latest-small")
    button = at.button(key=sidebar.ML_GET)
    assert button.label == "Download and load"
    assert at.session_state[state.DATA].demo  # nothing changes before the click
    button.click()
    at.run()
    assert_healthy(at)
    assert not errors(at), errors(at)
    data = at.session_state[state.DATA]
    ratings, movies = demo_data  # what the served archive holds
    assert data.label == "MovieLens latest-small" and data.ratings.n_ratings == ratings.n_ratings
    assert len(data.movies) == len(movies)
    assert (grouplens / "movielens" / "ml-latest-small.zip").exists()
    assert metrics(at)["Users"] == str(ratings.n_users)
    assert at.query_params["data"] == "ml-latest-small"

    # a new session finds it in the cache
    other = new_app()
    choose_movielens(other, "latest-small")
    assert other.button(key=sidebar.ML_GET).label == "Load"
    assert any("in the local cache" in c.value for c in other.sidebar.caption)


def test_movielens_offline_says_so_and_keeps_the_data(monkeypatch, tmp_path):
    monkeypatch.setenv("CF_MOVIELENS_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CF_CACHE_DIR", str(tmp_path))
    at = new_app()
    choose_movielens(at, "100k")
    at.button(key=sidebar.ML_GET).click()
    at.run()
    assert_healthy(at)
    (message,) = errors(at)
    assert message.startswith("Could not reach 127.0.0.1:9") and "upload it" in message
    assert at.session_state[state.DATA].demo


# -- shareable links -------------------------------------------------------------------


def test_a_link_reopens_the_same_view():
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update(
        {"tab": "User", "data": "demo", "model": "dot", "factors": "8", "epochs": "1", "valid": "10", "seed": "7",
         "train": "1", "user": "5"}
    )  # fmt: skip
    at.run()
    assert_healthy(at)
    assert any("being trained again now" in i.value for i in at.info)
    wait_for_training(at)
    record = at.session_state[state.MODEL]
    assert (record.config.model, record.config.n_factors, record.config.seed) == ("dot", 8, 7)
    assert at.session_state[state.NAV] == state.TAB_USER and at.selectbox(key=state.USER).value == 5
    link = dict(at.query_params)
    assert {k: link[k] for k in ("tab", "data", "model", "factors", "epochs", "seed", "train", "user")} == {
        "tab": "User", "data": "demo", "model": "dot", "factors": "8", "epochs": "1", "seed": "7", "train": "1",
        "user": "5",
    }  # fmt: skip
    at.selectbox(key=state.USER).set_value(9)
    at.run()
    assert at.query_params["user"] == "9"
    go(at, state.TAB_EMBED)
    assert at.query_params["tab"] == "Embeddings"
    assert not any("being trained again" in i.value for i in at.info)  # the note goes once you move on
    go(at, state.TAB_TRAIN)
    assert at.slider(key=state.F_FACTORS).value == 8 and at.radio(key=state.F_MODEL).value == "dot"


def test_a_broken_link_is_ignored_with_a_note():
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update({"tab": "Nowhere", "epochs": "many", "factors": "100000", "train": "1", "data": "ml-99"})
    at.run()
    assert_healthy(at)
    notes = " ".join(i.value for i in at.info)
    assert "not a number" in notes and "settings were ignored" in notes and "does not know" in notes
    assert at.session_state[state.JOB] is None and at.session_state[state.NAV] == state.TAB_DATA
    assert at.session_state[state.DATA].demo and not errors(at)


def test_reading_message_gives_size_and_time_for_big_files():
    from ui.loading.uploads import reading_message

    assert reading_message("small.csv", 2_000_000) == "Reading small.csv…"
    assert reading_message("ratings.csv", 646_000_000) == "Reading ratings.csv (646 MB; about 15 s)…"


def small_movies_csv() -> bytes:
    """Titles for the 20 movies of :func:`small_ratings_csv`."""
    rows = [(m, f"Film number {m} ({1980 + m})", "Drama|Comedy" if m % 2 else "Action") for m in range(1, 21)]
    return pd.DataFrame(rows, columns=["movieId", "title", "genres"]).to_csv(index=False).encode()


def plain(text: str) -> str:
    """Markdown as read: without the backslashes that escape file names' dots and the like."""
    return text.replace("\\", "")


def badges(at: AppTest) -> list[str]:
    """The header's badges ('Demo dataset · 100k ratings', 'Model 1 · typical error ±0.81 stars', ...)."""
    return [plain(m.value) for m in at.main.markdown if "-badge[" in m.value]


def test_a_link_made_with_uploaded_files_waits_for_them_then_reopens_the_view():
    ratings, movies = ("mine.csv", small_ratings_csv()), ("titles.csv", small_movies_csv())
    maker = new_app()
    upload(maker, ratings, movies)
    made_on = maker.session_state[state.DATA]
    train(maker, epochs=1, n_factors=8)
    go(maker, state.TAB_USER)
    maker.selectbox(key=state.USER).set_value(7)
    maker.run()
    link = dict(maker.query_params)
    assert (link["data"], link["files"], link["hash"], link["user"]) == (
        "file",
        "mine.csv + titles.csv",
        made_on.key,
        "7",
    )

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update(link)
    at.run()
    assert_healthy(at)
    # nothing trained or shown on the demo data: the page says which files the link needs, and waits
    assert at.session_state[state.JOB] is None and at.session_state[state.MODEL] is None
    assert any("made with uploaded files: **mine.csv + titles.csv**" in plain(i.value) for i in at.info)
    assert not at.tabs and not at.dataframe and not at.get("plotly_chart")
    assert any("Waiting for mine.csv + titles.csv" in b for b in badges(at)) and not any(
        "Demo" in b for b in badges(at)
    )
    assert any("The link needs **mine.csv + titles.csv**" in plain(c.value) for c in at.sidebar.caption)
    assert dict(at.query_params) == link  # the address still holds the link

    # the ratings alone: still waiting, for the movies file
    upload(at, ratings)
    assert at.session_state[state.JOB] is None
    assert any("upload it as well" in w.value for w in at.warning)
    # other files: told so, with a way to use them anyway
    upload(at, ("other.csv", small_ratings_csv().replace(b",1.0\n", b",2.0\n")), movies)
    assert any("is not the one this link was made with" in w.value for w in at.warning)
    assert at.session_state[state.JOB] is None and plain(at.button(key="cf.link_accept").label).startswith(
        "Use other.csv"
    )

    # the right files: the rest of the link applies (its model trained on them, its user, its screen)
    upload(at, ratings, movies)
    wait_for_training(at)
    record = at.session_state[state.MODEL]
    assert record.data_key == made_on.key and record.config.n_factors == 8
    assert at.session_state[state.NAV] == state.TAB_USER and at.selectbox(key=state.USER).value == 7
    assert any("Model 1 · typical error ±" in b for b in badges(at)) and any(
        "mine.csv + titles.csv" in b for b in badges(at)
    )
    assert not any("trained on" in c.value for c in at.caption)


def test_a_model_is_never_shown_next_to_data_it_was_not_trained_on():
    at = new_app()
    first = train(at, epochs=1, n_factors=8)
    upload(at, ("mine.csv", small_ratings_csv()))
    assert at.session_state[state.MODEL] is first  # kept, but not shown with this data
    assert any("No model for this data" in b for b in badges(at)) and not any("Model 1" in b for b in badges(at))
    go(at, state.TAB_USER)
    (note,) = [plain(i.value) for i in at.info if "was trained on" in i.value]
    assert note.startswith("Model 1 was trained on Demo dataset, not on the data in use (mine.csv): switch back")
    assert not at.dataframe and "train" not in dict(at.query_params)
    go(at, state.TAB_TRAIN)
    assert any(w.value.startswith("Model 1 was trained on Demo dataset") for w in at.warning)

    second = train(at, epochs=1, n_factors=8)
    assert second.data_key == at.session_state[state.DATA].key
    # back to the demo: the model trained on it is in use again, no retraining
    at.segmented_control(key=state.SOURCE).set_value("Demo dataset")
    at.run()
    assert_healthy(at)
    assert at.session_state[state.MODEL] is first and any("Model 1 · typical error ±" in b for b in badges(at))
    go(at, state.TAB_USER)
    assert len(picks_shown(at)) == 10


# -- scores with error bars and Auto settings -------------------------------------------


def cross_validate_run(at: AppTest, record, folds: int, timeout: float = 240.0) -> AppTest:
    """Pick ``record`` on the Compare screen, cross-validate it, and rerun until the result is collected."""
    from ui.jobs import crossval as crossval_job

    go(at, state.TAB_COMPARE)
    at.selectbox(key=crossval_job.RUN).set_value(record.id)
    at.number_input(key=crossval_job.FOLDS).set_value(folds)
    at.button(key=crossval_job.START).click()
    at.run()
    assert_healthy(at)
    deadline = time.monotonic() + timeout
    while at.session_state[crossval_job.JOB] is not None:  # set when the run started
        assert time.monotonic() < deadline, "cross-validation did not finish in time"
        time.sleep(0.3)
        at.run()
        assert_healthy(at)
    return at


def test_auto_settings_then_cross_validation_with_intervals_and_a_paired_test():
    at = upload(new_app(), ("small.csv", small_ratings_csv()))  # small: six trainings in a few seconds
    auto = train(at, epochs=2, auto=True, n_factors=8)
    assert auto.config.auto and auto.note.startswith("Auto tried ")
    picked = auto.recommender.config
    assert (auto.config.epochs, auto.config.weight_decay) == (picked.epochs, picked.weight_decay)
    assert len(auto.history) == picked.epochs
    # shown with the results in plain words, saying what its own figure was measured on
    (note,) = [i.value for i in at.info if i.value.startswith("Auto tried")]
    assert f"picked {picked.epochs} epochs" in note and "Its own check, on a 10% slice" in note
    assert "neighbours" not in note
    heading = f"{picked.epochs} of {picked.epochs} epochs (picked by Auto)"
    assert any(m.value.startswith("#### Model 1") and m.value.endswith(md(heading)) for m in at.markdown)
    captions = [c.value for c in at.main.caption]  # the form shows what Auto used beside its sliders
    assert f"Auto chose {picked.epochs} for {auto.name}." in captions
    assert f"Auto chose {picked.weight_decay:g} for {auto.name}." in captions
    assert at.slider(key=state.F_EPOCHS).value == 2  # the slider keeps the person's choice
    plain = train(at, epochs=1, n_factors=8, model="dot")
    assert not any(c.value.startswith("Auto chose") for c in at.main.caption)  # Auto was off for this one

    cross_validate_run(at, auto, folds=2)
    cross_validate_run(at, plain, folds=2)
    intervals = table(at, "Folds")  # every figure, under Details
    assert intervals["Run"].tolist() == [auto.name, plain.name] and intervals["Folds"].tolist() == [2, 2]
    assert all(" to " in cell for cell in intervals["RMSE"])
    # each run gets a verdict in words, with its interval
    verdicts = [a.value for a in [*at.success, *at.warning] if a.value.startswith("**Model ")]
    assert len(verdicts) == 2 and all("Over 2 splits" in v and "95% interval" in v for v in verdicts)
    rmse_chart = next(c for c in charts(at) if c["layout"]["title"]["text"] == "Typical error (stars)")
    assert len(values(rmse_chart["data"][0]["error_x"]["array"])) == 2
    low, high = rmse_chart["layout"]["xaxis"]["range"]
    assert high - low >= 0.1  # an honest scale: a tenth of a star at least
    sentences = [m.value for m in at.markdown if re.search("noise between splits|exactly the same on every", m.value)]
    assert len(sentences) == 2  # the typical error and the lists, each naming both runs
    assert all(auto.name in text and plain.name in text for text in sentences)
    assert not [m.value for m in at.main.markdown if "t-test" in m.value or "NDCG" in m.value]
    assert sum("paired t-test over 2 folds" in c.value for c in at.caption) == 2  # in Details


def test_a_link_to_a_movielens_release_loads_it_and_trains_the_same_model(grouplens, demo_data):
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.query_params.update(
        {"tab": "User", "data": "ml-latest-small", "model": "dot-bias", "factors": "4", "epochs": "1",
         "seed": "3", "train": "1", "user": "414"}
    )  # fmt: skip
    at.run()
    assert_healthy(at)
    data = at.session_state[state.DATA]
    assert data.label == "MovieLens latest-small" and data.ratings.n_ratings == demo_data[0].n_ratings  # no click
    assert (grouplens / "movielens" / "ml-latest-small.zip").exists()
    wait_for_training(at)
    record = at.session_state[state.MODEL]
    assert record.data_key == data.key and (record.config.n_factors, record.config.seed) == (4, 3)
    assert len(record.recommender.users) == demo_data[0].n_users
    assert at.session_state[state.NAV] == state.TAB_USER and at.selectbox(key=state.USER).value == 414
    assert at.query_params["data"] == "ml-latest-small" and at.query_params["train"] == "1"


def test_a_link_to_a_big_release_asks_before_downloading(grouplens):
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update({"data": "ml-25m", "train": "1", "epochs": "1"})
    at.run()
    assert_healthy(at)
    assert any("uses MovieLens 25m: press Download and load" in i.value for i in at.info)
    assert at.session_state[state.ML_RELEASE] == "25m" and at.session_state[state.DATA].demo  # nothing fetched
    assert not (grouplens / "movielens").exists() or not any((grouplens / "movielens").iterdir())
    at.run()
    assert at.session_state[state.JOB] is None  # the link's model is for 25M: nothing trains on the demo data


def test_a_link_to_a_model_loaded_from_a_file_asks_for_the_file_and_trains_nothing():
    at = new_app()
    upload_model(at, "other.cfmodel", raw := foreign_model_bytes())
    assert at.query_params["train"] == "file"
    link = dict(at.query_params)

    opened = AppTest.from_file(str(APP), default_timeout=120)
    opened.query_params.update(link)
    opened.run()
    assert_healthy(opened)
    assert any("load the file again on the Train screen" in i.value for i in opened.info)
    assert opened.session_state[state.JOB] is None and opened.session_state[state.MODEL] is None
    assert opened.session_state[state.NAV] == state.TAB_TRAIN  # where the file is loaded
    upload_model(opened, "other.cfmodel", raw)
    assert opened.session_state[state.MODEL].source == "other.cfmodel"
    assert opened.query_params["train"] == "file" and not errors(opened)


def test_train_screen_says_where_the_model_ran_and_where_the_time_went():
    at = new_app()
    go(at, state.TAB_TRAIN)
    record = train(at, epochs=2)
    at.run()
    (spent,) = [e for e in at.expander if e.label == "Where it ran and where the time went"]
    assert any(m.value.startswith("**Where:** CPU") for m in spent.markdown)  # the demo is small data
    phases = table(at, "Phase")
    assert {"Training", "The item model that ranks lists", "Scoring on the ratings set aside"} <= set(phases["Phase"])
    assert (phases["Seconds"] >= 0).all()
    trained = phases.set_index("Phase")["Seconds"]["Training"]
    assert trained == pytest.approx(record.phases["training"], abs=0.01)
