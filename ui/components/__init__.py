"""Shared parts of the screens: widgets, text helpers, the header and the sidebar."""
