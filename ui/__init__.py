"""The Streamlit app's screens and session state (``app.py`` lays them out)."""
