"""CF Explorer: train and explore collaborative-filtering models in the browser.

Run with ``streamlit run app.py``. This file holds the page layout and the session's
state only; the screens live in ``ui/`` and every computation in ``cf``.
"""

import streamlit as st

st.set_page_config(
    page_title="CF Explorer",
    page_icon=":material/movie_filter:",
    layout="wide",
    initial_sidebar_state="expanded",
)

from pathlib import Path  # noqa: E402

st.html(Path(__file__).with_name("ui") / "style.css")  # layout fixes (style only: takes no space)

from ui import header  # noqa: E402 - light: the title draws before torch loads

badge_slot = header.title()

with st.spinner("Starting up…"):
    from ui import (  # noqa: E402
        compare_tab,
        data_tab,
        embed_tab,
        links,
        movies_tab,
        rate_tab,
        sidebar,
        state,
        train_tab,
        training,
        user_tab,
    )
    from ui.common import guarded  # noqa: E402

state.init()
links.open_link()
finished = training.collect()
if finished is not None:
    st.toast(f"{finished.name} is ready.", icon=":material/check_circle:")

data = sidebar.render()
if links.awaiting(data):  # a link made with uploaded files: nothing is shown on other data meanwhile
    header.waiting(badge_slot, links.wanted())
    links.wait_panel(data)
    st.stop()
links.after_data(data)
model = state.model_for(data)  # never a model trained on other data
header.badges(badge_slot, data, model, state.job(), other_data=model is None and state.model() is not None)

screens = {
    state.TAB_DATA: lambda: data_tab.render(data),
    state.TAB_TRAIN: lambda: train_tab.render(data),
    state.TAB_USER: lambda: user_tab.render(model, data),
    state.TAB_RATE: lambda: rate_tab.render(model, data),
    state.TAB_MOVIES: lambda: movies_tab.render(model, data),
    state.TAB_EMBED: lambda: embed_tab.render(model, data),
    state.TAB_COMPARE: lambda: compare_tab.render(data),
}
links.note()
tabs = st.tabs(list(screens), key=state.NAV, on_change="rerun")
for tab, (name, screen) in zip(tabs, screens.items()):
    if tab.open:
        with tab, guarded(f"showing the {name} screen"):
            screen()

links.sync(data, state.model_for(data))
training.warm_up()  # once per server, after the first page is drawn
