"""Titles written on a map: short readable titles, placed greedily without overlapping.

:func:`short_title` turns a MovieLens title into one a slide can carry ("Shawshank Redemption,
The (1994)" -> "The Shawshank Redemption"; "Dr. Strangelove or: How I Learned to Stop Worrying
and Love the Bomb (1964)" -> "Dr. Strangelove"). :func:`place_labels` writes the best-known
titles first, each beside its dot (right, left, above or below) where its box, estimated in
data units from the axis ranges and the plot's size in pixels, overlaps no label already
placed and stays inside the axes; titles that find no free place are left to the hover.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

DEFAULT_LABELS = 25
"""How many of the best-known titles a map writes by default."""
MAX_CHARS = 26
"""The longest title written on a map (longer ones are shortened)."""
_YEAR = re.compile(r"\s*\(\d{4}(?:[-–]\d{0,4})?\)\s*$")
_ARTICLE = re.compile(r"^(.*), (The|A|An|Les|La|Le|L'|Il|Das|Der|Die|El|Los|Las)$")
_ALTERNATIVE = re.compile(r"\s*\((?:a\.k\.a\.\s*)?[^()]*\)\s*$")
_SUBTITLE = (" or: ", ", or ", "; or, ", " - ", ": ")
"""Where a long title may be cut, tried in this order (the part before stays)."""


def short_title(title: str, max_chars: int = MAX_CHARS) -> str:
    """A title fit for a map: the year and alternative titles dropped, a trailing article moved to the
    front, and, when still longer than ``max_chars``, cut at a subtitle or else at a word (with "…")."""
    text = _YEAR.sub("", str(title)).strip()
    while len(text) > max_chars and _ALTERNATIVE.search(text) and _ALTERNATIVE.sub("", text).strip():
        text = _ALTERNATIVE.sub("", text).strip()
    text = _front_article(text)
    if len(text) <= max_chars:
        return text
    for mark in _SUBTITLE:
        head = text.split(mark)[0].strip()
        if head != text and 3 <= len(head) <= max_chars:
            return head
    return _cut(text, max_chars)


def _front_article(text: str) -> str:
    found = _ARTICLE.match(text)
    if not found:
        return text
    article = found.group(2)
    return f"{article}{'' if article.endswith(chr(39)) else ' '}{found.group(1)}"


def _cut(text: str, max_chars: int) -> str:
    words, out = text.split(), ""
    for word in words:
        if len(out) + len(word) + (1 if out else 0) > max_chars - 1:
            break
        out = f"{out} {word}" if out else word
    return (out or text[: max_chars - 1]).rstrip(",;:-") + "…"


@dataclass(frozen=True)
class Canvas:
    """What a label's size in data units depends on: the axis ranges and the plot area in pixels."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    width_px: float = 700.0
    height_px: float = 480.0
    font_px: float = 12.0

    def box(self, x: float, y: float, text: str, position: str) -> tuple[float, float, float, float]:
        """The label's box (x0, x1, y0, y1) in data units when written at ``position`` of the point."""
        per_x = (self.x_range[1] - self.x_range[0]) / self.width_px
        per_y = (self.y_range[1] - self.y_range[0]) / self.height_px
        w, h = (0.56 * self.font_px * len(text) + 6) * per_x, 1.35 * self.font_px * per_y
        gap_x, gap_y = 0.0, 0.0  # from the point itself: the real gap shrinks when the plot is wider than assumed
        if position == "middle right":
            return x + gap_x, x + gap_x + w, y - h / 2, y + h / 2
        if position == "middle left":
            return x - gap_x - w, x - gap_x, y - h / 2, y + h / 2
        if position == "top center":
            return x - w / 2, x + w / 2, y + gap_y, y + gap_y + h
        if position == "middle centre":
            return x - w / 2, x + w / 2, y - h / 2, y + h / 2
        return x - w / 2, x + w / 2, y - gap_y - h, y - gap_y

    def inside(self, box: tuple[float, float, float, float]) -> bool:
        return (
            box[0] >= self.x_range[0] and box[1] <= self.x_range[1]
            and box[2] >= self.y_range[0] and box[3] <= self.y_range[1]
        )  # fmt: skip


POSITIONS = ("middle right", "middle left", "top center", "bottom center")


Box = tuple[float, float, float, float]


def place_labels(
    x: np.ndarray,
    y: np.ndarray,
    texts: list[str],
    priority: np.ndarray,
    canvas: Canvas,
    n: int = DEFAULT_LABELS,
    reserved: list[Box] | None = None,
) -> list[tuple[int, str]]:
    """Up to ``n`` labels as (row, text position), the highest ``priority`` first, none overlapping
    another, a ``reserved`` box (e.g. a region's name) or the axes' edge; rows without a free place
    are skipped."""
    placed: list[Box] = list(reserved or [])
    chosen: list[tuple[int, str]] = []
    seen: set[str] = set()
    for row in np.argsort(-np.asarray(priority, dtype=float), kind="stable"):
        if len(chosen) >= n:
            break
        if not (np.isfinite(x[row]) and np.isfinite(y[row])) or not texts[row] or texts[row] in seen:
            continue
        for position in POSITIONS:
            box = canvas.box(float(x[row]), float(y[row]), texts[row], position)
            if canvas.inside(box) and not any(_overlap(box, other) for other in placed):
                placed.append(box)
                chosen.append((int(row), position))
                seen.add(texts[row])
                break
    return chosen


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


SHIFTS = [(0, 0)] + [(dx, dy) for dy in (1, -1, 2, -2, 3, -3, 4, -4, 5, -5) for dx in (0, 0.5, -0.5)]
"""Where :func:`spread_labels` tries a label, nearest first: (label widths across, lines up)."""


def spread_labels(
    x: np.ndarray, y: np.ndarray, texts: list[str], canvas: Canvas
) -> tuple[np.ndarray, np.ndarray, list[Box]]:
    """Centred labels (such as region names) moved, a line or half a label at a time, until none overlaps
    an earlier one (kept where they are when no nearby place is free); the new places and the boxes."""
    x, y = np.asarray(x, dtype=float).copy(), np.asarray(y, dtype=float).copy()
    boxes: list[Box] = []
    for row, text in enumerate(texts):
        x0, x1, y0, y1 = canvas.box(float(x[row]), float(y[row]), text, "middle centre")
        for dx, dy in SHIFTS:
            shift_x, shift_y = dx * (x1 - x0), dy * (y1 - y0)
            box = (x0 + shift_x, x1 + shift_x, y0 + shift_y, y1 + shift_y)
            if canvas.inside(box) and not any(_overlap(box, other) for other in boxes):
                x[row] += shift_x
                y[row] += shift_y
                break
        else:
            box = (x0, x1, y0, y1)
        boxes.append(box)
    return x, y, boxes
