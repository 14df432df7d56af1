"""Formatting for people; imports nothing heavy, so the page header can draw before torch loads."""

from __future__ import annotations

import math
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def md(text: object) -> str:
    """``text`` escaped so that Markdown shows it literally (for ids and titles from the data)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def count(n: int | float) -> str:
    """1234567 -> '1,234,567'."""
    return f"{int(n):,}"


def counted(n: int | float, noun: str, plural: str | None = None) -> str:
    """A number with its noun, singular for one: '1 rating', '2 ratings', '1,234 ratings'."""
    word = noun if int(n) == 1 else (plural or f"{noun}s")
    return f"{count(n)} {word}"


def short_count(n: int | float) -> str:
    """1234567 -> '1.2M', 25_000 -> '25k', 950 -> '950'."""
    n = float(n)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            value = n / size
            return f"{value:.1f}{suffix}" if value < 100 else f"{value:.0f}{suffix}"
    return f"{n:.0f}"


def seconds(value: float | None) -> str:
    """A duration for people: '0.8 s', '12 s', '3 min 05 s', '1 h 02 min'."""
    if value is None or not math.isfinite(value):
        return "–"
    if value < 10:
        return f"{value:.1f} s"
    if value < 60:
        return f"{value:.0f} s"
    minutes, secs = divmod(int(round(value)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def stars(value: float) -> str:
    return f"{value:g} ★"
