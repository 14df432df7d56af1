"""Reasons for picks ("because you liked") only where the named movie is a real one (:mod:`cf.reasons`)."""

import numpy as np
import pytest

import cf
from cf.reasons import CLOSE_MATCH, MATCH_FLOOR, because_you_liked
from cf.similar import for_recommender, same_kind

HORROR_FAN = {1258: 5.0, 1982: 5.0, 1214: 5.0, 1997: 5.0, 1407: 5.0}  # Shining, Halloween, Alien, Exorcist, Scream


@pytest.fixture(scope="module")
def rec(ml_small_ratings_path, ml_small_movies_path):
    ratings, movies = cf.load_ratings(ml_small_ratings_path), cf.load_movies(ml_small_movies_path)
    return cf.fit(ratings, cf.TrainConfig(epochs=1), movies=movies).recommender


def _index(rec, title: str) -> int:
    return int(np.flatnonzero(rec.titles() == title)[0])


def _reasons(rec, ratings: dict, titles: list[str], by_item_model: bool) -> list[str]:
    items = rec.items.to_index(list(ratings))
    picks = np.array([_index(rec, t) for t in titles])
    return because_you_liked(rec, items, np.array(list(ratings.values()), np.float32), picks, by_item_model)


def test_art_films_are_not_there_because_a_horror_fan_liked_alien(rec):
    # under "Most stars" the horror fan got these "because you liked Alien (1979)"
    bad = ["Ran (1985)", "Secrets & Lies (1996)", "8 1/2 (8½) (1963)", "Hustler, The (1961)"]
    assert _reasons(rec, HORROR_FAN, bad, by_item_model=False) == [""] * 4
    good = _reasons(rec, HORROR_FAN, ["Aliens (1986)", "Misery (1990)"], by_item_model=False)
    assert good[0] == "Alien (1979)" and good[1] in {"Shining, The (1980)", "Exorcist, The (1973)"}


def test_finding_nemo_is_not_there_because_user_599_liked_pulp_fiction(rec):
    person = rec.person(599)
    assert person.ratings[person.items == _index(rec, "Pulp Fiction (1994)")] >= 4  # they did like it
    nemo = np.array([_index(rec, "Finding Nemo (2003)")])
    (reason,) = because_you_liked(rec, person.items, person.ratings, nemo, by_item_model=True)
    assert reason != "Pulp Fiction (1994)"
    if reason:  # a liked movie of its kind instead (WALL·E, an animated film, at the time of writing)
        assert "Animation" in rec.movies.frame.set_index("title").loc[reason, "genres"]


@pytest.mark.parametrize("rank_by", ["ranker", "rating"])
def test_every_named_reason_is_liked_and_of_the_same_kind(rec, rank_by):
    similarity, titles = for_recommender(rec), rec.titles()
    meta = rec.movies.frame.reindex(rec.items.ids)
    named = 0
    for user in (599, 414, 68, 1):
        person = rec.person(user)
        liked = {titles[i]: i for i in person.items[person.ratings >= 4]}
        table = rec.recommend(user, 10, rank_by=rank_by)
        for movie, reason in zip(table["movieId"], table["because_you_liked"]):
            if not reason:
                continue
            named += 1
            pick, source = rec.item_index(movie), liked[reason]
            match = similarity.scores(pick)[source]
            assert match >= MATCH_FLOOR
            assert match >= CLOSE_MATCH or same_kind(meta["genres"].iloc[pick], meta["genres"].iloc[source])
    assert named >= 5  # good reasons remain


def test_a_toy_story_fan_gets_toy_story_2_because_of_toy_story(rec):
    fan = {1: 5.0, 2355: 4.5, 4306: 4.0}  # Toy Story, A Bug's Life, Shrek
    table = rec.recommend_for_ratings(fan, n=20)
    sequel = table[table["title"] == "Toy Story 2 (1999)"]
    assert len(sequel) == 1 and sequel["because_you_liked"].iloc[0] == "Toy Story (1995)"
