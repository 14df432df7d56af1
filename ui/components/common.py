"""Small helpers shared by the screens: safe rendering, formatting, CSV export."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

import cf
from cf.export import csv_bytes, neutralise_formulas  # noqa: F401 - re-exported
from ui.components.text import count, counted, md, seconds, short_count, stars  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

    from ui.session.state import DataRecord, ModelRecord

log = logging.getLogger("cf.app")
if not log.handlers:  # the server log gets what people are spared: tracebacks, timings
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """Show an exception raised in the block as a friendly box instead of a traceback.

    The library's own errors (bad data, bad settings, unknown ids) carry messages
    written for people and are shown as they are. Anything else is logged with its
    traceback on the server and shown as one sentence. Streamlit's rerun and stop
    signals are not exceptions of this kind and pass through.
    """
    try:
        yield
    except (cf.DataError, cf.ConfigError) as error:
        st.error(str(error), icon=":material/error:")
    except (cf.UnknownUserError, cf.UnknownMovieError) as error:
        st.warning(str(error).strip("'\""), icon=":material/search_off:")
    except MemoryError:
        log.exception("out of memory while %s", what)
        st.error(
            f"Ran out of memory while {what}. Try a smaller file or fewer movies in the view.",
            icon=":material/memory:",
        )
    except Exception as error:  # noqa: BLE001 - the point is that nothing reaches the page as a traceback
        log.exception("error while %s", what)
        detail = str(error).strip() or type(error).__name__
        st.error(
            f"Something went wrong while {what}: {detail}. Your data and model are unchanged; "
            "try again, or change the settings.",
            icon=":material/error:",
        )


def file_stem(text: object) -> str:
    """A file-name-safe version of ``text``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "export"


def other_data_message(record: ModelRecord, data: DataRecord) -> str:
    """Why ``record`` is not shown with ``data`` (it was trained on other data), and the two ways out."""
    return (
        f"{md(record.name)} was trained on {md(record.data_label)}, not on the data in use ({md(data.label)}): "
        f"switch back to {md(record.data_label)} in the sidebar, or train a model on this data."
    )


def wrapping_columns(spec: int | Sequence[float], key: str, **kwargs: object) -> list[DeltaGenerator]:
    """``st.columns`` that wrap onto rows of their own when the window is too narrow to hold them
    side by side (``ui/style.css`` gives the columns of containers keyed ``cf-wrap-*`` a minimum width)."""
    with st.container(key=f"cf-wrap-{key}"):
        return st.columns(spec, **kwargs)


@contextmanager
def scrolls_sideways(key: str) -> Iterator[None]:
    """Marks the table drawn in the block as one that scrolls sideways by design in a narrow window
    (its first columns pinned): a container keyed ``cf-scroll-<key>``, which the browser tests look for."""
    with st.container(key=f"cf-scroll-{key}"):
        yield


def as_python(value: object) -> object:
    """A NumPy scalar as the plain Python value (widget options and session state keep those)."""
    return value.item() if isinstance(value, np.generic) else value
