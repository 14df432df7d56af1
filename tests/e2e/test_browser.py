"""The app in a real browser: headless Chromium driving ``streamlit run app.py``.

Each test opens its own browser context, so it is a new Streamlit session; the server is
shared (see ``conftest.py``). The steps are in ``driver.py``, which the scripts share.
"""

from __future__ import annotations

import re

import pytest

from benchmarks.paths import shared_data_dir
from tests.e2e import driver
from tests.e2e.driver import KEY_UP_MOVIES, KEY_UP_RATINGS, AppPage

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _good_ratings_csv(n_users: int = 40, n_items: int = 30) -> bytes:
    """A small valid ratings file: every user rates most movies, with some structure."""
    lines = ["userId,movieId,rating,timestamp"]
    for user in range(1, n_users + 1):
        for item in range(1, n_items + 1):
            if (user * 7 + item * 3) % 5 == 0:
                continue
            rating = 1 + ((user % 4) + (item % 5)) % 5
            lines.append(f"{user},{item},{rating},{1_000_000 + user * 100 + item}")
    return ("\n".join(lines) + "\n").encode()


def _as_float(value: str) -> float:
    return float(value)


@pytest.mark.timeout(240)
def test_demo_train_pick_a_user_see_recommendations_and_the_map(in_browser):
    async def scenario(browser, url):
        app = await AppPage.open(browser, url)
        assert "Demo dataset" in await app.in_use()
        title = await app.train(epochs=2)
        assert re.search(r"· 2 of 2 epochs$", title), title
        first = await app.user_screen()
        picked = await app.user_screen(pick=2)
        points = await app.embedding_points()
        return title, first, picked, points, await app.problems()

    title, first, picked, points, problems = in_browser(scenario)
    assert title.startswith("Model 1 · ")
    assert picked.user != first.user, "choosing another user did not change the screen"
    for view in (first, picked):
        assert re.fullmatch(r"Top 10 picks for User \d+", view.heading), view.heading
        assert len(view.picks) == 10
        assert all(row["title"] for row in view.picks)
        predicted = [_as_float(row["predicted"]) for row in view.picks]
        assert all(0.5 <= p <= 5.0 for p in predicted)  # ranked by the item model, stars shown beside
        assert sum(bool(row["because_you_liked"]) for row in view.picks) >= 3  # where a liked movie is a real reason
    # the map: the 300 most rated movies (and the user's picks that are not among them), the user, their picks
    movies = sum(n for name, n in points.items() if name not in (picked.user, "Recommended for the user", "Titles"))
    assert 10 <= points["Titles"] <= 25  # the best-known titles are written on the map
    assert 300 <= movies <= 310 and points["Recommended for the user"] == 10, points
    assert points[picked.user] == 1, points
    assert not problems


@pytest.mark.movielens
@pytest.mark.timeout(240)
def test_upload_movielens_small_train_three_epochs_see_predictions(in_browser):
    folder = shared_data_dir() / "ml-latest-small"
    ratings, movies = folder / "ratings.csv", folder / "movies.csv"
    if not (ratings.exists() and movies.exists()):
        pytest.skip(f"MovieLens latest-small not found in {folder} (set CF_DATA_DIR)")

    async def scenario(browser, url):
        app = await AppPage.open(browser, url)
        await app.use_source("My files")
        await app.upload(KEY_UP_RATINGS, str(ratings))
        await app.wait_in_use("ratings.csv")
        await app.upload(KEY_UP_MOVIES, str(movies))
        in_use = await app.wait_in_use("ratings.csv + movies.csv")
        title = await app.train(epochs=3)
        view = await app.user_screen(history=True)
        return in_use, title, view, await app.errors(), await app.problems()

    in_use, title, view, errors, problems = in_browser(scenario)
    assert "100,836 ratings" in in_use and "610 users" in in_use, in_use
    assert re.search(r"· 3 of 3 epochs$", title), title
    assert view.heading.startswith("Top 10 picks for User ")
    assert len(view.picks) == 10
    # Real titles from movies.csv, with their year, and predictions on the 0.5-5 star scale.
    assert all(re.search(r"\(\d{4}\)", row["title"]) for row in view.picks), [r["title"] for r in view.picks]
    assert view.rated, "the user's own ratings are missing"
    for row in view.rated:
        assert 0.5 <= _as_float(row["rating"]) <= 5.0
        assert 0.5 <= _as_float(row["predicted"]) <= 5.0
    assert not errors and not problems


@pytest.mark.timeout(180)
def test_a_broken_upload_shows_a_readable_error_and_keeps_the_earlier_data(in_browser):
    good = {"name": "good_ratings.csv", "mimeType": "text/csv", "buffer": _good_ratings_csv()}
    broken = {
        "name": "broken_ratings.csv",
        "mimeType": "text/csv",
        "buffer": b"userId,movieId,rating\n1,10,4.0\n2,10,lots\n3,11,3.5\n",
    }

    async def scenario(browser, url):
        app = await AppPage.open(browser, url)
        await app.use_source("My files")
        await app.upload(KEY_UP_RATINGS, good)
        before = await app.wait_in_use("good_ratings.csv")
        await app.upload(KEY_UP_RATINGS, broken)
        error_box = app.main().get_by_test_id("stAlertContentError").filter(has_text="broken_ratings.csv")
        await error_box.wait_for()
        await app.idle()
        errors = await app.sidebar().locator("[data-testid='stAlertContentError']").all_inner_texts()
        on_screen = await app.main().locator("[data-testid='stAlertContentError']").all_inner_texts()
        after = await app.in_use()
        still = await app.sidebar().get_by_text(re.compile(r"^Still using")).inner_text()
        title = await app.train(epochs=2)
        trains_on = await app.main().get_by_text(re.compile(r"^Trains on ")).inner_text()
        return before, errors, on_screen, after, still, title, trains_on, await app.problems()

    before, errors, on_screen, after, still, title, trains_on, problems = in_browser(scenario)
    assert len(errors) == 1, errors
    assert on_screen == errors, "the message is not on the Data screen, where a presenter looks"
    message = errors[0]
    # Names the file, the line and the bad value, in words, without a traceback.
    assert "broken_ratings.csv" in message and "line 3" in message and "lots" in message, message
    assert "Traceback" not in message and not problems
    assert after == before and "good_ratings.csv" in after
    assert "good_ratings.csv" in still
    assert re.search(r"· 2 of 2 epochs$", title), title
    assert "good_ratings.csv" in trains_on


@pytest.mark.timeout(120)
def test_the_page_needs_nothing_from_other_servers(in_browser):
    """Works offline: no font server for the page icon, nothing else fetched from elsewhere."""

    async def scenario(browser, url):
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        app = driver.AppPage(page, url)
        await app.load()
        await app.settle()
        icon = await page.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\")?.href || ''")
        return requested, icon, await app.problems()

    requested, icon, problems = in_browser(scenario)
    host = re.compile(r"^(?:https?|wss?)://(?:127\.0\.0\.1|localhost)(?::\d+)?/")
    elsewhere = [u for u in requested if not host.match(u) and not u.startswith(("data:", "blob:"))]
    assert not elsewhere, elsewhere
    assert icon.startswith("data:image/svg+xml"), icon  # the emoji, drawn by the browser
    assert not problems


@pytest.mark.timeout(240)
def test_stopping_a_training_keeps_the_model_of_the_last_finished_epoch(in_browser, hold):
    hold(2)  # the run waits in its third epoch until Stop is pressed

    async def scenario(browser, url):
        app = await AppPage.open(browser, url)
        await app.train(epochs=20, wait=False)
        done = await app.wait_epochs_done(2)
        await app.stop_training()
        title = await app.wait_model()
        notice = await app.main().get_by_text(re.compile(r"^Stopped at epoch \d+ of 20")).inner_text()
        view = await app.user_screen()
        return done, title, notice, view, await app.problems()

    done, title, notice, view, problems = in_browser(scenario)
    assert done == 2
    assert re.search(r"· 2 of 20 epochs$", title), title
    assert notice.startswith("Stopped at epoch 2 of 20; the model of epoch 2 is kept."), notice
    assert len(view.picks) == 10, "the stopped model does not recommend"
    assert not problems


SCREENS = [
    ("Data", None),
    ("Train", None),
    ("User", None),
    ("Rate", None),
    ("Movies", None),
    ("Movies", "What the model learned"),
    ("Embeddings", None),
    ("Embeddings", "Users"),
    ("Compare", None),
    ("Tune", None),
]
"""Every screen, and the second view of the screens that have one."""
FIRST_VIEW = {"Movies": "Similar movies", "Embeddings": "Movies"}
WIDTHS = [(1280, 800), (900, 700)]
WIDE_BY_DESIGN = {"runs"}
"""Tables too wide for any window (every setting and score of each run): they scroll sideways."""


@pytest.mark.movielens
@pytest.mark.timeout(420)
def test_every_screen_fits_a_1280_and_a_900_pixel_window(in_browser):
    """MovieLens titles, two models, a rating on the Rate screen: nothing is cut off sideways, and every
    table shows all its columns, except the ones marked to scroll sideways when the window is narrow."""
    folder = shared_data_dir() / "ml-latest-small"
    if not (folder / "ratings.csv").exists():
        pytest.skip(f"MovieLens latest-small not found in {folder} (set CF_DATA_DIR)")

    async def scenario(browser, url):
        app = await AppPage.open(browser, url, *WIDTHS[0])
        await app.use_source("My files")
        await app.upload(KEY_UP_RATINGS, str(folder / "ratings.csv"))
        await app.upload(KEY_UP_MOVIES, str(folder / "movies.csv"))
        await app.wait_in_use("ratings.csv + movies.csv")
        await app.train(epochs=1, kind="Plain dot product")
        await app.train(epochs=2, kind="Dot product with biases")
        await app.user_screen()  # picks a user for the other screens
        await app.tab("Rate")
        await app.choose(app.main().get_by_role("combobox", name=re.compile(r"^Movie")), 0)
        await app.main().get_by_role("button", name="Add rating", exact=True).click()
        await app.main().get_by_role("heading", name="Your top picks").wait_for()
        seen = {}
        for width, height in WIDTHS:
            await app.page.set_viewport_size({"width": width, "height": height})
            for screen, view in SCREENS:
                await app.tab(screen)
                if view:
                    await app.view(view)
                seen[(width, screen, view)] = await app.layout()
                if view:  # back to the first view for the next width
                    await app.view(FIRST_VIEW[screen])
        return seen, await app.problems()

    seen, problems = in_browser(scenario, timeout=400)
    assert not problems
    cut = [
        f"{screen} {view or ''} at {width} px: {p}"
        for (width, screen, view), out in seen.items()
        for p in out["problems"]
    ]
    assert not cut, "\n".join(cut)
    for (width, screen, view), out in seen.items():
        for table in out["tables"]:
            fits = table["needs"] <= table["has"] + 1
            where = f"{screen} {view or ''} at {width} px: a table needs {table['needs']} px, has {table['has']} px"
            if width >= 1280:
                assert fits or table["key"] in WIDE_BY_DESIGN, where
            else:
                assert fits or table["key"], where + " and is not marked to scroll sideways"
    counts = {screen: len(seen[(1280, screen, None)]["tables"]) for screen in ("User", "Rate", "Movies", "Compare")}
    assert counts == {"User": 2, "Rate": 1, "Movies": 1, "Compare": 3}, counts  # the tables were there to check
    for width, _ in WIDTHS:  # the lists of picks fit without scrolling: they wrap
        picks = [
            t for t in seen[(width, "User", None)]["tables"] + seen[(width, "Rate", None)]["tables"] if t.get("static")
        ]
        assert len(picks) == 2 and all(t["needs"] <= t["has"] + 1 for t in picks), (width, picks)


SESSIONS = 2
"""Sessions at once here; ``scripts/loadtest.py`` runs 30 (queue waits, tab switches, memory)."""


@pytest.mark.timeout(300)
def test_two_sessions_at_once_each_train_and_see_only_their_own_model(app_server):
    results = driver.run_async(lambda: driver.run_sessions(app_server.url, SESSIONS, timeout_s=240), timeout=280)
    report = "\n".join(
        f"session {r.index}: {r.expected!r} -> {r.title!r} / after all: {r.title_after_all!r}; "
        f"{r.rows} picks; {r.seconds}; error={r.error}"
        for r in results
    )
    assert all(r.error is None for r in results), report + "\n--- app log ---\n" + app_server.log_tail()
    assert all(r.isolated for r in results), "a session saw another session's model:\n" + report
    assert all(r.rows == 10 for r in results), report
    assert len({r.title for r in results}) == SESSIONS, report
