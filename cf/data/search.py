"""Finding movies by the names people type, in MovieLens-style titles.

MovieLens stores "Lion King, The (1994)" and "Monsters, Inc. (2001)"; people type "the
lion king" and "monsters inc". A :class:`TitleIndex` matches them: case, accents and
punctuation are ignored, a leading article may be typed in front or left out (MovieLens
moves articles of many languages to the end: "Misérables, Les", "Avventura, L'"), the
year is optional ("the matrix 1999" or "matrix"), and alternative titles in parentheses
("Visitors, The (Visiteurs, Les)") match too. Matches are ranked by how well the query
matches (a whole title before the start of one, before a few words inside one) and then
by how well known the movie is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ARTICLES: frozenset[str] = frozenset(
    """the a an
    le la les l' un une
    der die das den dem des ein eine
    el los las lo il i gli uno una
    o os as um uma
    de het een
    en ett det
    """.split()
)
"""Leading articles that MovieLens moves to the end of a title ("Shining, The"), lower case: English,
French, German, Spanish, Italian, Portuguese, Dutch and the Scandinavian languages."""

_YEAR_AT_END = re.compile(r"\s*\((\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)\s*$")
_LAST_PARENS = re.compile(r"\s*\(([^()]*)\)\s*$")
_TRAILING_ARTICLE = re.compile(r"^(.*\S),\s*([^\s,]+)$")
_AKA = re.compile(r"^(?:a\.?k\.?a\.?|aka)\s+", re.IGNORECASE)
_APOSTROPHES = re.compile(r"['’`´]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_YEAR_WORD = re.compile(r"^(?:18|19|20)\d\d$")

EXACT, START, WORDS, ALL_WORDS, PART = 5, 4, 3, 2, 1
"""How well a query matches a title, best first: the whole title; its start; whole words inside it;
all the query's words, in any order; a part of a word (or the letters without spaces)."""


def normalise(text: str) -> str:
    """``text`` as the index compares it: lower case, no accents, no punctuation, single spaces.

    Apostrophes join their words ("Schindler's" -> "schindlers"); other punctuation separates them
    ("Spider-Man" -> "spider man").
    """
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("æ", "ae").replace("œ", "oe").replace("ø", "o").replace("ß", "ss").replace("ł", "l")
    return _NOT_WORD.sub(" ", _APOSTROPHES.sub("", plain)).strip()


def split_title(title: str) -> tuple[list[str], int | None]:
    """The names a MovieLens title holds and its year.

    ``"Umbrellas of Cherbourg, The (Parapluies de Cherbourg, Les) (1964)"`` ->
    ``(["Umbrellas of Cherbourg, The", "Parapluies de Cherbourg, Les"], 1964)``.
    """
    text = str(title).strip()
    year = None
    found = _YEAR_AT_END.search(text)
    if found:
        year, text = int(found.group(1)), text[: found.start()]
    alternatives = []
    while (found := _LAST_PARENS.search(text)) and found.start() > 0:
        alternatives.insert(0, _AKA.sub("", found.group(1).strip()))
        text = text[: found.start()]
    return [name for name in [text.strip(), *alternatives] if name], year


def name_forms(name: str) -> list[str]:
    """A name as people may type it, normalised: with a trailing article moved to the front, and without it.

    ``"Lion King, The"`` -> ``["the lion king", "lion king"]``; ``"Avventura, L'"`` ->
    ``["lavventura", "avventura"]``; ``"Monsters, Inc."`` -> ``["monsters inc"]``.
    """
    forms = [normalise(name)]
    found = _TRAILING_ARTICLE.match(name.strip())
    if found and found.group(2).casefold().replace("’", "'") in ARTICLES:
        base, article = found.group(1), found.group(2)
        joined = article + base if article.endswith(("'", "’")) else f"{article} {base}"
        forms = [normalise(joined), normalise(base)]
    else:
        words = forms[0].split()
        if len(words) > 1 and words[0] in ARTICLES:  # typed without its article: "Shining (1997)" for "The Shining"
            forms.append(" ".join(words[1:]))
    return [form for form in dict.fromkeys(forms) if form]


def _query_parts(query: str) -> list[tuple[str, int | None]]:
    """Ways to read a query: all of it as words of a title, and, when it ends in a year, the rest with that year."""
    text = normalise(query)
    readings: list[tuple[str, int | None]] = [(text, None)] if text else []
    words = text.split()
    if len(words) > 1 and _YEAR_WORD.match(words[-1]):
        readings.append((" ".join(words[:-1]), int(words[-1])))
    return readings


def _strength(query: str, forms: Sequence[str]) -> int:
    """How well ``query`` (normalised, not empty) matches the best of a title's ``forms``; 0 for no match."""
    best = 0
    padded_query = f" {query} "
    query_words = set(query.split())
    squeezed = query.replace(" ", "")
    for form in forms:
        if form == query:
            return EXACT
        if form.startswith(query + " "):
            best = max(best, START)
        elif padded_query in f" {form} ":
            best = max(best, WORDS)
        elif query_words <= set(form.split()):
            best = max(best, ALL_WORDS)
        elif query in form or squeezed in form.replace(" ", ""):
            best = max(best, PART)
    return best


@dataclass(frozen=True)
class _Entry:
    forms: tuple[str, ...]
    year: int | None
    haystack: str


class TitleIndex:
    """Titles prepared once for searching as people type.

    Parameters
    ----------
    titles
        One title per movie, MovieLens style ("Matrix, The (1999)").
    popularity
        One number per movie (its number of ratings): among equally good matches, the
        larger comes first. By default, the order of ``titles``.
    """

    def __init__(self, titles: Sequence[str], popularity: Sequence[float] | np.ndarray | None = None):
        self._entries = []
        for title in titles:
            names, year = split_title(title)
            forms = tuple(dict.fromkeys(form for name in names for form in name_forms(name)))
            self._entries.append(_Entry(forms, year, "\n".join(forms) + "\n" + "\n".join(forms).replace(" ", "")))
        n = len(self._entries)
        self._popularity = (
            np.zeros(n) if popularity is None else np.nan_to_num(np.asarray(popularity, dtype=float), nan=0.0)
        )
        if len(self._popularity) != n:
            raise ValueError(f"popularity has {len(self._popularity)} values for {n} titles")

    def __len__(self) -> int:
        return len(self._entries)

    def strengths(self, query: str) -> np.ndarray:
        """How well ``query`` matches each title (:data:`EXACT` ... :data:`PART`, 0 for none)."""
        out = np.zeros(len(self._entries), dtype=np.int8)
        for text, year in _query_parts(query):
            if not text:
                continue
            words = text.split()
            squeezed = text.replace(" ", "")
            for k, entry in enumerate(self._entries):
                if year is not None and entry.year != year:
                    continue
                if squeezed not in entry.haystack and not all(w in entry.haystack for w in words):
                    continue  # cheap test first: most titles share no letters with the query
                out[k] = max(out[k], _strength(text, entry.forms))
        return out

    def search(self, query: str, limit: int | None = None) -> np.ndarray:
        """Positions of the titles that match ``query``, best match first, then most popular first.

        An empty query matches nothing.
        """
        strength = self.strengths(query)
        found = np.flatnonzero(strength)
        order = np.lexsort((found, -self._popularity[found], -strength[found]))
        ranked = found[order]
        return ranked if limit is None else ranked[:limit]
