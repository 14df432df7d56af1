"""A top-N list as a table people read: the order, the score it is ranked by, the predicted stars, the reason.

The list is ranked by its ``score`` (:func:`cf.topn.top_n`), so the *Match* column shows that
score, as a share of the first pick's, next to the rank: the order and the number beside it
always agree. The rating model's predicted stars stand in a column of their own, with what
they mean, because a list ranked for "people like you went on to love it" is not in order of
stars. The table is a static one (``st.table``): its cells wrap, and the genres, number of ratings
and average rating sit on a second line under each title, so the list keeps five columns and
stays readable in a narrow window instead of running off its edge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ui.components.common import md

MATCH_HELP = (
    "**Match** is the score the list is ranked by, as a share of the first pick's (100): how strongly the model "
    "picks the movie, so the list always runs from the highest match down."
)
STARS_HELP = (
    "**Predicted stars** is the rating model's guess of the stars {who} would give the movie. The list is not "
    "ranked by it: a movie many people like {who_obj} went on to watch and love can come first with fewer stars."
)


def match_scores(scores: pd.Series | np.ndarray) -> np.ndarray:
    """Each ranking score as a share of the first (highest) one, 0 to 100; NaN when the first is not positive."""
    values = np.asarray(scores, dtype=np.float64)
    if not len(values) or not np.isfinite(values[0]) or values[0] <= 0:
        return np.full(len(values), np.nan)
    return np.clip(100.0 * values / values[0], 0.0, 100.0)


def picks_frame(table: pd.DataFrame, details: bool = True) -> pd.DataFrame:
    """The rows people see: rank, movie, match, predicted stars and reason. With ``details`` the
    movie's cell has a second, grey line with its genres, number of ratings and average rating: the table
    keeps five columns, so it fits a narrow window. Text is escaped for the table's Markdown."""
    frame = pd.DataFrame({"Rank": [str(k) for k in range(1, len(table) + 1)]})
    titles = [md(t) for t in table["title"]]
    if details:
        lines = [
            f":gray[{md(g)} · {int(n):,} ratings · average {v:.1f} ★]"
            for g, n, v in zip(table["genres"], table["n_ratings"], table["mean_rating"], strict=True)
        ]
        titles = [f"{t}  \n{line}" for t, line in zip(titles, lines, strict=True)]  # a hard line break
    frame["Movie"] = titles
    if "score" in table:
        frame["Match"] = [("–" if np.isnan(m) else f"{m:.0f}") for m in match_scores(table["score"])]
    frame["Predicted stars"] = [f"{v:.1f} ★" for v in table["predicted"]]
    frame["Because you liked"] = [md(r) if isinstance(r, str) and r else "–" for r in table["because_you_liked"]]
    return frame


def picks_table(table: pd.DataFrame, key: str, who: str = "this user", details: bool = True) -> None:
    """Draw the list (in a container keyed ``cf-picks-<key>``) with what *Match* and *Predicted stars* mean."""
    with st.container(key=f"cf-picks-{key}"):
        st.table(picks_frame(table, details), border="horizontal", hide_index=True)
    who_obj = "you" if who == "you" else "them"
    shown = " Under each title: its genres, how many people rated it and their average rating." if details else ""
    st.caption(MATCH_HELP + " " + STARS_HELP.format(who=who, who_obj=who_obj) + shown)
