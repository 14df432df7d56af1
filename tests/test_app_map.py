"""The Embeddings screen's map controls, with Streamlit's AppTest: t-SNE in the background, custom
axes, colour and size by attributes (and by the uploaded movies file's own columns), taste regions,
neighbours, regular expressions and the link."""

from __future__ import annotations

import html
import time

import numpy as np
import pytest

from cf.plots import plot_text
from tests.test_app import assert_healthy, charts, go, n_points, new_app, table, train, values
from ui.screens import embed
from ui.session import state


def wait_for_layouts(at, record, timeout: float = 240.0):
    """Rerun until every map layout the session started is done (the page polls the same way)."""
    deadline = time.monotonic() + timeout
    for job in record.cache.get("layout_jobs", {}).values():
        assert job.wait(max(0.0, deadline - time.monotonic())), "the map layout did not finish in time"
    at.run()
    assert_healthy(at)
    return at


def movie_map(at) -> dict:
    (figure,) = charts(at)
    return figure


@pytest.fixture(scope="module")
def app():
    at = new_app()
    record = train(at, epochs=2)
    go(at, state.TAB_EMBED)
    return at, record


def test_tsne_runs_in_the_background_and_is_cached(app):
    at, record = app
    at.segmented_control(key=embed.METHOD).set_value("t-SNE")
    at.run()
    assert_healthy(at)
    (job,) = record.cache["layout_jobs"].values()
    if job.running:  # meanwhile the page shows the PCA map and the progress
        assert "(PCA)" in movie_map(at)["layout"]["title"]["text"]
    wait_for_layouts(at, record)
    figure = movie_map(at)
    assert figure["layout"]["xaxis"]["title"]["text"] == ""  # t-SNE's axes mean nothing in words
    assert figure["layout"]["title"]["subtitle"]["text"] == "Nearby movies are liked by the same people"
    assert "t-SNE" in figure["layout"]["title"]["text"]
    (titles,) = [t for t in figure["data"] if t["name"] == "Titles"]
    assert 10 <= len(titles["text"]) <= 25  # the best-known titles written on the map
    assert n_points([t for t in figure["data"] if t.get("mode") == "markers"]) >= 300
    assert at.query_params["map"] == "tsne"
    at.segmented_control(key=embed.METHOD).set_value("PCA")
    at.run()
    at.segmented_control(key=embed.METHOD).set_value("t-SNE")
    at.run()
    assert list(record.cache["layout_jobs"].values()) == [job]  # the same setting is not computed again
    at.segmented_control(key=embed.METHOD).set_value("PCA")
    at.run()


def test_custom_axes_are_labelled_and_bad_ends_explained(app):
    at, _ = app
    at.segmented_control(key=embed.METHOD).set_value("Custom axes")
    at.run()
    assert_healthy(at)
    layout = movie_map(at)["layout"]
    assert layout["xaxis"]["title"]["text"] == "← Horror · Romance →"
    assert layout["yaxis"]["title"]["text"] == "← Children · Crime →"
    assert at.query_params["axes"] == "Horror|Romance|Children|Crime"
    at.text_input(key=embed.AXES[1]).set_value("zzz no such thing")
    at.run()
    assert_healthy(at)
    assert any("matches no title" in w.value for w in at.warning)
    assert "(PCA)" in movie_map(at)["layout"]["title"]["text"]  # PCA meanwhile
    at.text_input(key=embed.AXES[1]).set_value("Romance")
    at.segmented_control(key=embed.METHOD).set_value("PCA")
    at.run()


def test_colour_size_and_taste_regions(app):
    at, _ = app
    at.selectbox(key=embed.COLOUR).set_value("Release year")
    at.selectbox(key=embed.SIZE).set_value("Same size")
    at.run()
    assert_healthy(at)
    (movies,) = [t for t in movie_map(at)["data"] if t["name"] == "Movies"]
    assert movies["marker"]["colorbar"]["title"]["text"] == "Release year"
    at.toggle(key=embed.REGIONS).set_value(True)
    at.selectbox(key=embed.COLOUR).set_value("Taste region")
    at.run()
    assert_healthy(at)
    regions = table(at, "titles")
    shown = at.slider(key=embed.MOVIE_COUNT).value
    assert len(regions) == 8 and regions["movies"].sum() == shown  # fitted on the movies the map draws
    assert regions["name"].is_unique and regions["movies"].max() < 0.4 * shown
    figure = movie_map(at)
    (labels,) = [t for t in figure["data"] if t["name"] == "Taste regions"]
    assert len(labels["text"]) == 8
    legend = {t["name"] for t in figure["data"] if t.get("mode") == "markers"} - {"Recommended for the user"}
    assert legend <= {plot_text(name) for name in regions["name"]}
    assert at.query_params["colour"] == "Taste region" and at.query_params["regions"] == "1"
    at.toggle(key=embed.REGIONS).set_value(False)
    at.selectbox(key=embed.COLOUR).set_value("Genre")
    at.selectbox(key=embed.SIZE).set_value("Number of ratings")
    at.run()


def test_regex_search_neighbours_and_isolate(app):
    at, record = app
    at.toggle(key=embed.REGEX).set_value(True)
    at.text_input(key=embed.QUERY).set_value("([")
    at.run()
    assert_healthy(at)
    assert any("not a valid regular expression" in w.value for w in at.warning)
    at.text_input(key=embed.QUERY).set_value(r"^the .*\(19[6-7]\d\)$")
    at.run()
    assert_healthy(at)
    at.slider(key=embed.NEIGHBOUR_COUNT).set_value(20)
    at.toggle(key=embed.ISOLATE).set_value(True)
    at.run()
    assert_healthy(at)
    nearest = table(at, "match")
    assert len(nearest) == 20 and nearest["match"].is_monotonic_decreasing
    figure = movie_map(at)
    (rings,) = [t for t in figure["data"] if t["name"].startswith("Most like ")]
    assert len(values(rings["x"])) == 20
    shown = [
        t
        for t in figure["data"]
        if t.get("mode") == "markers" and not t["name"].startswith(("Search", "User", "Recommended", "Most like"))
    ]
    assert n_points(shown) == 21  # isolated: the first match and its neighbours
    assert at.query_params["q"].startswith("^the") and at.query_params["isolate"] == "1"
    assert at.query_params["nb"] == "20"


def test_colour_and_size_by_columns_of_the_uploaded_movies_file(tmp_path, demo_split_dir):
    from tests.test_app import upload
    from tests.test_data_extras import with_derived_columns

    path = tmp_path / "movies-plus.csv"
    with_derived_columns(demo_split_dir / "movies.csv").to_csv(path, index=False)
    ratings = (demo_split_dir / "ratings.csv").read_bytes().splitlines(keepends=True)
    at = new_app()
    upload(at, ("ratings.csv", b"".join(ratings[:20_001])), ("movies-plus.csv", path.read_bytes()))
    listed = [c.value for c in at.caption if c.value.startswith("The movies file also has")]
    assert listed and listed[0].startswith("The movies file also has 5 columns the map can colour by: “decade”")
    record = train(at, epochs=1)
    go(at, state.TAB_EMBED)
    colour, size = at.selectbox(key=embed.COLOUR), at.selectbox(key=embed.SIZE)
    assert {"decade (movies file)", "title length (movies file)", "first letter (movies file)"} <= set(colour.options)
    assert "title length (movies file)" in size.options and "decade (movies file)" not in size.options
    colour.set_value("title length (movies file)")
    size.set_value("title length (movies file)")
    at.run()
    assert_healthy(at)
    (movies,) = [t for t in movie_map(at)["data"] if t["name"] == "Movies"]
    assert movies["marker"]["colorbar"]["title"]["text"] == "title length (movies file)"
    lengths = [len(html.unescape(row[0])) for row in movies["customdata"]]  # the title, as plotted
    assert np.corrcoef(values(movies["marker"]["color"]), lengths)[0, 1] > 0.99
    assert np.corrcoef(values(movies["marker"]["size"]), lengths)[0, 1] > 0.99
    at.selectbox(key=embed.COLOUR).set_value("first letter (movies file)")
    at.run()
    assert_healthy(at)
    marks = ("Search results", "Recommended for the user")
    traces = [t for t in movie_map(at)["data"] if t.get("mode") == "markers" and t["name"] not in marks]
    names = [t["name"] for t in traces]
    assert len(names) == 11 and "Other" in names and "T" in names  # the ten commonest first letters, then Other
    for trace in traces:
        letters = {html.unescape(row[0])[0] for row in trace["customdata"]}
        assert len(letters) > 1 if trace["name"] == "Other" else letters == {trace["name"]}
    assert at.query_params["colour"] == "first letter (movies file)"
    assert record.recommender.movie_columns()["first letter"] == "text"
