"""CF Explorer: train and explore collaborative-filtering models in the browser.

Run with ``streamlit run app.py``. This file holds the page layout and the session's
state only; the screens live in ``ui/screens/`` and every computation in ``cf``.
"""

import time

import streamlit as st

run_started = time.perf_counter()
st.set_page_config(
    page_title="CF Explorer",
    page_icon="🎬",  # an emoji is drawn by the browser: a Material icon is fetched from a font server
    layout="wide",
    initial_sidebar_state="expanded",
)

from pathlib import Path  # noqa: E402

st.html(Path(__file__).with_name("ui") / "style.css")  # layout fixes (style only: takes no space)

from ui.components import header, presentation  # noqa: E402 - light: the title draws before torch loads

presentation.open_link()
presenting = presentation.active()  # the story, large, without sidebar or tabs
badge_slot = None if presenting else header.title()

with st.spinner("Starting up…"):  # the imports below load torch: after the title is drawn
    from ui import stage
    from ui.components import sidebar, welcome
    from ui.components.common import guarded
    from ui.jobs import training
    from ui.screens import compare, embed, movies, rate, train, tune, user
    from ui.screens import data as data_screen
    from ui.session import links, state

state.init()
VIEWS = {state.TAB_EMBED: embed.LINKED}  # each screen's widgets a page link carries (links names no screen)
links.open_link(VIEWS)
finished = training.collect()
state.visit_memory()  # the server-wide budget: brings back this session's models if they were moved to disk
if finished is not None:
    st.toast(f"{finished.name} is ready.", icon=":material/check_circle:")

data = sidebar.render()  # drawn in presentation mode too (hidden): its widgets keep the data choice
if links.awaiting(data):  # a link made with uploaded files: nothing is shown on other data meanwhile
    if badge_slot is not None:
        header.waiting(badge_slot, links.wanted())
    links.wait_panel(data)
    st.stop()
links.after_data(data)
model = state.model_for(data)  # never a model trained on other data


def presentation_page() -> None:
    """Presentation mode: the bar and the story's current step, instead of the header and the tabs."""
    presentation.bar()
    stage.stage(data, model)
    training.log_run("presentation", run_started)


def screens_page() -> None:
    """The header's badges and switch, and the tabs with the screen that is open."""
    header.badges(badge_slot, data, model, state.job(), other_data=model is None and state.model() is not None)
    with badge_slot:
        presentation.switch()
    screens = {
        state.TAB_DATA: lambda: data_screen.render(data),
        state.TAB_TRAIN: lambda: train.render(data),
        state.TAB_USER: lambda: user.render(model, data),
        state.TAB_RATE: lambda: rate.render(model, data),
        state.TAB_MOVIES: lambda: movies.render(model, data),
        state.TAB_EMBED: lambda: embed.render(model, data),
        state.TAB_COMPARE: lambda: compare.render(data),
        state.TAB_TUNE: lambda: tune.render(data),
    }
    links.note()
    tabs = st.tabs(list(screens), key=state.NAV, on_change="rerun")
    for tab, (name, screen) in zip(tabs, screens.items()):
        if not tab.open:  # seen only until this tab's run draws it, or if a busy server lost the click
            with tab:
                st.caption(f"Opening the {name} screen… If it does not open, click another tab and then this one.")
            continue
        with tab, guarded(f"showing the {name} screen"):
            if name == state.TAB_DATA:
                welcome.render(data, model)
            screen()
        st.container(key=f"drawn-{name}", height=1, border=False)  # the screen is drawn (browser tests wait for it)
        training.log_run(name, run_started)


if presenting:
    presentation_page()
else:
    screens_page()
links.sync(data, state.model_for(data), VIEWS)
training.warm_up()  # once per server, after the first page is drawn
