"""Presentation mode: the story of the app in five steps, large, for a projector.

One switch (:func:`switch`, in the header; in the presentation bar while it is on) and a link
parameter (``?present=<step>``, see :func:`link_params`) turn it on. While it is on the sidebar,
the tabs and the screens' secondary controls are hidden (``ui/presentation.css``), text and
charts are enlarged, and the page shows one step of the story at a time: the data, the
training, one person's picks with their reasons, rating a few movies yourself, the map.
Back and Next buttons step through it, and so do the keys a clicker sends (arrow keys,
Page Up / Page Down); Esc leaves.

Each step is drawn by the screens' own render functions, in :mod:`ui.stage` (which sits at the
app's level, beside ``app.py``: a shared component never imports a screen).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    import plotly.graph_objects as go


PRESENT = "cf.present"
"""The presentation switch (a toggle's key): True while presentation mode is on."""
STEP = "cf.present_step"
"""The step shown in presentation mode: 0 to ``len(STEPS) - 1``."""
RETURN_TAB = "cf.present_return"
"""The screen that was open when presentation mode began, opened again when it ends."""
LINK_READ = "cf.present_link"
"""Set once the link's ``present`` parameter has been read (on a session's first run)."""
LINK_PARAM = "present"
"""The link parameter: ``?present=1`` opens presentation mode at its first step, ``?present=3`` at the third."""
NAV = "cf.nav"
"""The tabs' key (:data:`ui.session.state.NAV`; not imported, as that module loads the library)."""
CSS = Path(__file__).resolve().parents[1] / "presentation.css"


@dataclass(frozen=True)
class Step:
    """One step of the story: its short name (the bar), its heading and what it shows, in a sentence."""

    key: str
    name: str
    heading: str
    says: str


STEPS = (
    Step(
        "data",
        "The data",
        "Who rated what",
        "The ratings the model learns from: it is told nothing else about the people or the films.",
    ),
    Step(
        "training",
        "The training",
        "The model learns from the ratings",
        "With each pass over the ratings its guesses get closer; the line shows its error on ratings it never saw.",
    ),
    Step(
        "person",
        "One person's picks",
        "One person's picks, and why",
        "The films this person has not rated that the model expects them to enjoy most, each with the film they "
        "liked that led to it.",
    ),
    Step(
        "rate",
        "Rate movies yourself",
        "Rate a few movies yourself",
        "Pick films you know and give them stars: your picks appear at once, without training again.",
    ),
    Step(
        "map",
        "The map",
        "The map of movies",
        "Each dot is a movie; movies close together are liked by the same people.",
    ),
)

KEYS_JS = """
<script>
(() => {
  if (window.cfPresentKeys) return;  // once per page: the listener stays, and acts only while the bar is shown
  window.cfPresentKeys = true;
  const actions = {ArrowRight: "next", PageDown: "next", ArrowLeft: "back", PageUp: "back", Escape: "leave"};
  const typing = "input:not([type=checkbox]):not([type=radio]), textarea, select, [contenteditable=true], "
    + "[role=slider], [role=combobox], [role=listbox]";  // a switch keeps no keys: the one just used stays focused
  document.addEventListener("keydown", event => {
    const bar = document.querySelector(".st-key-cf-present-bar");
    const action = actions[event.key];
    if (!bar || !action || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest(typing)) return;  // the keys of a control in use
    if (target && target.closest("[data-testid=stDataFrame]") && event.key.startsWith("Arrow")) return;  // a table's
    const button = action === "leave"
      ? bar.querySelector(".st-key-cf-present input")  // the switch (its label does not toggle on a click())
      : bar.querySelector(`.st-key-cf-present-${action} button:not([disabled])`);
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();
</script>
"""
"""Steps with the keyboard: the keys click the bar's Back and Next buttons, Esc its switch."""


def open_link() -> None:
    """On a session's first run, turn presentation mode on when the link says ``present=<step>``."""
    if LINK_READ in st.session_state:
        return
    st.session_state[LINK_READ] = True
    text = st.query_params.get(LINK_PARAM)
    if text is None:
        return
    step = int(text) if text.isdigit() else 1
    st.session_state[PRESENT] = True
    st.session_state[STEP] = min(max(step, 1), len(STEPS)) - 1


def active() -> bool:
    """Whether presentation mode is on."""
    return bool(st.session_state.get(PRESENT))


def step() -> int:
    """The step shown (0-based)."""
    return min(max(int(st.session_state.get(STEP, 0)), 0), len(STEPS) - 1)


def link_params() -> dict[str, str]:
    """The link parameter that reopens the current step in presentation mode (none while it is off)."""
    return {LINK_PARAM: str(step() + 1)} if active() else {}


def switch() -> None:
    """The presentation switch (a toggle); drawn once per run, in the header or in the bar."""
    st.toggle(
        "Presentation mode",
        key=PRESENT,
        on_change=_switched,
        help="The story of this app in five steps, large, for a projector: the data, the training, one person's "
        "picks, rating a few movies yourself, the map. Arrow keys or Page Up / Page Down step through it "
        "(as a presenter's clicker does); Esc leaves.",
    )


def _switched() -> None:
    if st.session_state.get(PRESENT):
        st.session_state[RETURN_TAB] = st.session_state.get(NAV)
        st.session_state[STEP] = 0
    elif st.session_state.get(RETURN_TAB):
        st.session_state[NAV] = st.session_state.pop(RETURN_TAB)  # the tabs come back on the screen left


def start() -> None:
    """Turn presentation mode on at its first step (a button's callback)."""
    st.session_state[PRESENT] = True
    _switched()


def _go(delta: int) -> None:
    st.session_state[STEP] = min(max(step() + delta, 0), len(STEPS) - 1)


def _go_to(index: int) -> None:
    st.session_state[STEP] = index


def bar() -> None:
    """The presentation bar: where the story is, Back and Next, and the switch to leave."""
    st.html(CSS)
    current = step()
    with st.container(key="cf-present-bar", horizontal=True, vertical_alignment="center", gap="small"):
        with st.container(key="cf-present-steps", horizontal=True, vertical_alignment="center", gap="small"):
            for k, item in enumerate(STEPS):
                st.button(
                    f"{k + 1} · {item.name}",
                    key=f"cf.present.step{k}",
                    type="primary" if k == current else "tertiary",
                    on_click=_go_to,
                    args=(k,),
                )
        st.button(
            "Back", key="cf.present.back", icon=":material/arrow_back:", disabled=current == 0, on_click=_go, args=(-1,)
        )
        st.button(
            "Next",
            key="cf.present.next",
            icon=":material/arrow_forward:",
            type="primary",
            disabled=current == len(STEPS) - 1,
            on_click=_go,
            args=(1,),
        )
        switch()
    st.html(KEYS_JS, unsafe_allow_javascript=True)


FONT_SCALE = 1.3
"""How much larger a chart's text is in presentation mode (its height grows by half as much)."""


def enlarged(figure: go.Figure) -> go.Figure:
    """A copy of a plotly figure with every text :data:`FONT_SCALE` times larger, for a projector.

    The default font, the title, the axes (Plotly's own sizes where the figure sets none), the legend,
    annotations and trace labels are scaled, and a set height grows by half as much. The original
    figure is left as it is.
    """
    import plotly.graph_objects as go

    big = go.Figure(figure)

    def scaled(size: float | None) -> float | None:
        return None if size is None else size * FONT_SCALE

    layout = big.layout
    big.update_layout(
        font_size=scaled(layout.font.size or 13),
        title_font_size=scaled(layout.title.font.size or 16),
        legend_font_size=scaled(layout.legend.font.size),
        legend_title_font_size=scaled(layout.legend.title.font.size),
        hoverlabel_font_size=scaled(layout.hoverlabel.font.size),
    )
    if layout.height:
        big.update_layout(height=layout.height * (1 + (FONT_SCALE - 1) / 2))
    big.for_each_annotation(lambda a: a.update(font_size=scaled(a.font.size)))
    for axes in (big.for_each_xaxis, big.for_each_yaxis):
        axes(
            lambda axis: axis.update(
                tickfont_size=scaled(axis.tickfont.size or 12), title_font_size=scaled(axis.title.font.size or 13)
            )
        )
    big.for_each_trace(_scale_trace_text)
    return big


def _scale_trace_text(trace: object) -> None:
    font = getattr(trace, "textfont", None)
    size = getattr(font, "size", None)
    if isinstance(size, (int, float)):
        trace.update(textfont_size=size * FONT_SCALE)
