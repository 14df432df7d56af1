"""How every screen shows "movies most like X": the match column and the sentence that explains it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

SIMILAR_CAPTION = (
    "Most alike first: the movies watched by the same people and rated alike. Rarely rated movies have "
    "few people to compare, so their matches are rougher."
)
MATCH_HELP = (
    "How closely the two movies go together, from 0% to 100%: the average of how much more often than by "
    "chance the same people watched both (the phi coefficient) and how alike they rated them (the cosine of "
    "ratings centred on each person's average, shrunk when few people rated both). 100% would be two movies "
    "always watched together and rated the same; 20-40% is already a strong match. Learnt from who rated "
    "what, the same for every model."
)


def match_column() -> st.column_config.Column:
    """The ``match`` column as a whole percentage with its bar (the table holds 0-100: see :func:`in_percent`)."""
    return st.column_config.ProgressColumn("Match", min_value=0, max_value=100, format="%d%%", width=90,
                                           help=MATCH_HELP)  # fmt: skip


def in_percent(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its ``match`` (0-1) as 0-100, as :func:`match_column` shows it."""
    return table.assign(match=(table["match"] * 100).round())
