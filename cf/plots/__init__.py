"""Plotly figures for the app (no Streamlit here), in one package by figure family."""

from cf.plots.maps import *  # noqa: F403 - the figures, until they move to their own modules
from cf.plots.maps import NO_GENRE, OTHER, plot_text  # noqa: F401
