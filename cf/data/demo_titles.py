"""Made-up movie titles for the demo data (:mod:`cf.data.demo`), flavoured by each movie's genres.

The words live in ``demo_words.json`` (package data): adjectives and nouns per genre and for
any genre, the title forms and the sequel suffixes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources

import numpy as np

_WORDS = json.loads(resources.files("cf.data").joinpath("demo_words.json").read_text(encoding="utf-8"))
"""The title words (``demo_words.json``, package data): per genre, generic, the forms and suffixes."""
_TITLE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    genre: (tuple(words["adjectives"]), tuple(words["nouns"])) for genre, words in _WORDS["genres"].items()
}
_TITLE_FORMS: tuple[str, ...] = tuple(_WORDS["forms"])
_TITLE_SUFFIXES: tuple[str, ...] = tuple(_WORDS["suffixes"])
_GENERIC_ADJ: tuple[str, ...] = tuple(_WORDS["generic"]["adjectives"])
_GENERIC_NOUN: tuple[str, ...] = tuple(_WORDS["generic"]["nouns"])

_FORM_CDF = np.cumsum([0.3, 0.25, 0.15, 0.1, 0.08, 0.12])[:-1]


def _word_pools(genres: Sequence[str], primary: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """Adjectives and nouns of the primary genre, and of all the movie's ``genres``."""
    adj, noun = _TITLE_WORDS[primary]
    all_adj, all_noun = list(_GENERIC_ADJ), list(_GENERIC_NOUN)
    for genre in genres:
        all_adj += _TITLE_WORDS[genre][0]
        all_noun += _TITLE_WORDS[genre][1]
    return list(adj), list(noun), all_adj, all_noun


def _one_title(u: np.ndarray, pools: tuple[list[str], list[str], list[str], list[str]]) -> str:
    """Compose a title from six uniform numbers ``u`` and word pools."""
    adj, noun, all_adj, all_noun = pools
    a_pool = adj if u[0] < 0.6 else all_adj
    n_pool = noun if u[1] < 0.6 else all_noun
    a = a_pool[int(u[2] * len(a_pool))]
    n = n_pool[int(u[3] * len(n_pool))]
    n2 = all_noun[int(u[4] * len(all_noun))]
    if n2 == n:
        n2 = _GENERIC_NOUN[int(u[4] * len(_GENERIC_NOUN))]
    form = _TITLE_FORMS[np.searchsorted(_FORM_CDF, u[5], side="right")]
    suffix = _TITLE_SUFFIXES[int(u[2] * 97) % len(_TITLE_SUFFIXES)]
    title = form.format(a=a, n=n, n2=n2, s=suffix)
    if title.startswith("A ") and n.endswith("s"):  # plural: "The ..."
        title = "The" + title[1:]
    elif title.startswith("A ") and title[2] in "AEIOU":
        title = "An" + title[1:]
    return title


def make_titles(rng: np.random.Generator, member: np.ndarray, primary: np.ndarray, genres: Sequence[str]) -> list[str]:
    """Unique, genre-flavoured titles (without year), one per movie.

    ``member`` marks each movie's genres (a row per movie, a column per name in ``genres``);
    ``primary`` is the column of each movie's main genre.

    A clash is redrawn a few times, then numbered like a sequel ("... 2").
    """
    names: list[str] = []
    used: set[str] = set()
    draws = rng.random((len(member), 6))
    for i, row in enumerate(member):
        pools = _word_pools([genres[g] for g in np.flatnonzero(row)], genres[int(primary[i])])
        name = _one_title(draws[i], pools)
        for _ in range(5):
            if name not in used:
                break
            name = _one_title(rng.random(6), pools)
        base, k = name, 2
        while name in used:
            name, k = f"{base} {k}", k + 1
        used.add(name)
        names.append(name)
    return names
