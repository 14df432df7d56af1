"""The one-file HTML report: every section, plotly.js once, scores from the held-out ratings, the CLI."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import cf
from cf.cli import main
from cf.evaluation import evaluate
from cf.report import SECTIONS, ReportInputs, build_report, curve_points, held_out, score_held_out
from cf.settings import SETTINGS


@pytest.fixture(scope="module")
def trained(demo_split_dir):
    """A quick model on the first 150 people of the demo split's training file, 10% held out."""
    ratings = cf.load_ratings(demo_split_dir / "train.csv")
    ratings = ratings.subset(ratings.frame["user"].to_numpy() <= 150)
    train, valid, _ = cf.validation_split(ratings, 0.1, 42)
    result = cf.fit(train, cf.TrainConfig(epochs=3, n_factors=16), valid, cf.load_movies(demo_split_dir / "movies.csv"))
    return result, ratings, valid


class Page(HTMLParser):
    """What the tests look for: section ids and headings, figure divs, scripts and their sources."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.figures: list[str] = []
        self.script_sources: list[str] = []
        self.n_scripts = 0
        self.ledes: list[str] = []
        self._in_lede = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "div" and str(attrs.get("id", "")).startswith("fig-"):
            self.figures.append(attrs["id"])
        if tag == "script":
            self.n_scripts += 1
            if attrs.get("src"):
                self.script_sources.append(attrs["src"])
        self._in_lede = tag == "p" and attrs.get("class") == "lede"

    def handle_data(self, data):
        if self._in_lede and data.strip():
            self.ledes.append(data.strip())
            self._in_lede = False


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def test_report_holds_every_section_with_its_figures_and_plotly_once(trained):
    result, ratings, _ = trained
    rec = result.recommender
    scores = score_held_out(rec)
    text = build_report(ReportInputs(rec, ratings, scores, result.history, data_label="first 150 people"))
    page = parse(text)
    assert page.sections == list(SECTIONS)
    assert len(page.ledes) == len(SECTIONS)  # one plain sentence per section
    assert set(page.figures) == {"fig-ratings", "fig-tail", "fig-training", "fig-accuracy", "fig-topn", "fig-map"}
    assert page.script_sources == []  # nothing to fetch: it opens offline
    assert text.count("plotly.js v") == 1  # the library's banner: embedded once, not once per figure
    assert f"{scores.rmse:.4f}" in text
    assert "User " in text and "Person " not in text and "Like " in text  # one word, as in the app
    # plain words first: the specialist's terms only inside the folded details
    words = re.sub(r"<script.*?</script>|<details>.*?</details>|<style>.*?</style>", "", text, flags=re.S)
    for term in ("NDCG", "recision@", "Full-catalogue", "RMSE", "bias-only", "Person "):
        assert term not in words, term
    assert "NDCG@10" in text and "Full-catalogue protocol" in text  # still there, one click away
    assert f"typically off by {scores.rmse:.2f} of a star" in page.ledes[SECTIONS_INDEX["accuracy"]]
    assert "at least one of their 10 suggestions" in page.ledes[SECTIONS_INDEX["topn"]]


SECTIONS_INDEX = {name: k for k, name in enumerate(SECTIONS)}


def test_the_reports_map_has_the_apps_axes_and_shares(trained):
    """The report and the app's maps fit one projection (cf.projection.MAP_MIN_RATINGS): same PC shares."""
    from cf.projection import project_embeddings

    result, ratings, _ = trained
    rec = result.recommender
    shares = project_embeddings(rec, 2)[0].explained_variance_ratio[:2]  # what the app's map says
    text = build_report(ReportInputs(rec, ratings))
    assert all(f"{share:.1%}" in text for share in shares), shares
    everything = project_embeddings(rec, 2, min_ratings=1)[0].explained_variance_ratio[:2]
    assert [f"{s:.1%}" for s in everything] != [f"{s:.1%}" for s in shares]  # a different set: other shares


def test_held_out_scores_are_those_of_the_validation_split(trained):
    result, _, valid = trained
    rec = result.recommender
    test = held_out(rec)
    assert test.n_ratings == valid.n_ratings
    assert score_held_out(rec).rmse == pytest.approx(evaluate(rec, valid).rmse, rel=1e-9)


def test_report_without_held_out_ratings_or_curves_says_so(trained):
    result, _, _ = trained
    rec = result.recommender
    known = rec.known.assign(held_out=False)
    bare = dataclasses.replace(rec, known=known)
    assert score_held_out(bare) is None
    text = build_report(ReportInputs(bare))
    page = parse(text)
    assert page.sections == list(SECTIONS)
    assert "No ratings were held out" in text and "training curves were not recorded" in text
    assert "fig-accuracy" not in page.figures and "fig-map" in page.figures


def test_titles_are_escaped(trained):
    result, _, _ = trained
    rec = result.recommender
    first = int(np.argmax(rec.item_counts))
    frame = rec.movies.frame.copy()
    frame.iloc[first, frame.columns.get_loc("title")] = "<script>alert(1)</script>"
    odd = dataclasses.replace(rec, movies=cf.Movies(frame))
    text = build_report(ReportInputs(odd))
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_cli_report_from_a_saved_model(trained, tmp_path, capsys, demo_split_dir):
    result, ratings, _ = trained
    model = tmp_path / "model.pt"
    rec = result.recommender
    rec.metadata["history"] = curve_points(result.history)
    rec.save(model)
    train_path = demo_split_dir / "train.csv"
    out = tmp_path / "report.html"
    code = main(["report", "--model", str(model), "--ratings", str(train_path), "--out", str(out)])
    assert code == 0
    assert "report written to" in capsys.readouterr().out
    page = parse(out.read_text(encoding="utf-8"))
    assert page.sections == list(SECTIONS)
    assert "fig-training" in page.figures and "fig-topn" in page.figures


def test_cli_report_of_a_missing_model_exits_2(tmp_path, capsys):
    code = main(["report", "--model", str(tmp_path / "none.pt"), "--out", str(tmp_path / "r.html")])
    assert code == 2
    assert "error:" in capsys.readouterr().err


def test_settings_section_shows_plain_labels_and_values(trained):
    result, _, _ = trained
    rec = dataclasses.replace(result.recommender)
    rec.config = dataclasses.replace(rec.config, auto=True, knn_blend=0.4, engine="auto")
    text = build_report(ReportInputs(rec))
    start = text.index("<section id='settings'>")
    section = text[start : text.index("</section>", start)]
    for name in ("n_factors", "weight_decay", "knn_blend", "ranker_l2", "engine"):
        assert SETTINGS[name].label in section
        assert f">{name}<" not in section  # the field's name is not shown
    assert ">40%<" in section and ">Automatic<" in section and ">Dot product with biases<" in section


@pytest.mark.movielens
def test_the_reports_map_is_a_readable_slide(tmp_path):
    """300 dots with the best-known titles written, axes in words, the app's own PCA shares."""
    import numpy as np

    import cf
    from cf.report import MAP_MOVIES, ReportInputs, _map
    from tests.helpers import movies_path, split_paths

    train_path, _ = split_paths()
    rec = cf.fit(
        cf.load_ratings(train_path), cf.TrainConfig(epochs=1), movies=cf.load_movies(movies_path())
    ).recommender
    lede, html_text = _map(ReportInputs(recommender=rec))
    assert MAP_MOVIES == 300 and "300 most rated" in lede
    from cf.projection import project_embeddings

    shares = project_embeddings(rec, 2)[0].explained_variance_ratio[:2]
    assert all(f"{share:.1%}" in lede for share in shares)  # the same figures as the app's map
    assert '"Titles"' in html_text and "Nearby movies are liked by the same people" in html_text
    assert np.isfinite(shares).all()
