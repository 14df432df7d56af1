"""Score a fitted recommender the way the field does, next to simple baselines in the same call.

* :func:`evaluate`: rating accuracy (RMSE, MAE) on held-out ratings, beside the global
  mean and the bias-only baseline.
* :func:`evaluate_topn`: the full-catalogue top-N protocol (as in LensKit, RecBole and
  Microsoft Recommenders): for every person with a held-out rating of 4 stars or more,
  rank every movie they did not rate in training and count the loved ones in the top k;
  beside a most-popular list and a list ranked by predicted stars.
* :func:`evaluate_new_people`: the new-person protocol: people unseen in training give
  N of their ratings (fold-in), and their other ratings are scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from cf.data import Ratings
from cf.metrics import coverage, list_metrics, mae, personalisation, relevance_threshold, rmse
from cf.recommend import Recommender
from cf.toplists import lists_for, popularity_order
from cf.topn import Person

LIST_METRICS = ("precision", "recall", "ndcg", "map", "hit_rate")
_PEOPLE_PER_BATCH = 256
_CELLS_PER_BATCH = 1 << 25
"""People x movies scored at once in the top-N evaluation (128 MB of float32; more people on a GPU)."""


def evaluate(recommender: Recommender, test: Ratings) -> Scores:
    """Rating accuracy on ``test`` beside two baselines; every row counts.

    Rows whose user or movie was not in training are predicted by the fallback (the
    global mean plus the known biases). The top-N report is left empty: add it with
    :func:`evaluate_topn` (as :func:`evaluate_all` does).
    """
    users = recommender.users.to_index(test.frame["user"])
    items = recommender.items.to_index(test.frame["item"])
    actual = test.frame["rating"].to_numpy(dtype=np.float64)
    predicted = recommender.predict_indices(users, items)
    baseline = np.clip(recommender.baseline.predict(users, items), *recommender.scale)
    return Scores(
        rmse=rmse(predicted, actual),
        mae=mae(predicted, actual),
        global_mean_rmse=rmse(np.full(len(actual), recommender.baseline.mean), actual),
        bias_rmse=rmse(baseline, actual),
        bias_mae=mae(baseline, actual),
        n_test=int(len(actual)),
        n_fallback=int(((users < 0) | (items < 0)).sum()),
    )


def evaluate_all(recommender: Recommender, test: Ratings, max_people: int | None = None, seed: int = 0) -> Scores:
    """:func:`evaluate` with the top-N report of :func:`evaluate_topn` on the same ratings (``max_people`` and
    ``seed``: see there)."""
    scores = evaluate(recommender, test)
    scores.topn = evaluate_topn(recommender, test, max_people=max_people, seed=seed)
    return scores


@dataclass
class TopNScores:
    """How good one ranking's top-k lists are, averaged over people (see :func:`evaluate_topn`)."""

    precision: float
    """Share of the k picks that the person went on to love."""
    recall: float
    """Share of the loved movies that made the list."""
    ndcg: float
    """Normalised discounted cumulative gain: hits near the top count more (1 is perfect)."""
    map: float
    """Mean average precision at k."""
    hit_rate: float
    """Share of people with at least one loved movie in their list."""
    coverage: float
    """Share of the catalogue shown to at least one person."""
    mean_popularity: float
    """Mean number of training ratings of a pick (lower: less obvious picks)."""
    personalisation: float
    """1 minus the mean overlap of two people's lists (0: everyone gets the same list)."""
    per_person: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    """Each list metric per person (for intervals and paired tests)."""

    def to_dict(self) -> dict[str, float]:
        """The averages as plain values."""
        return {name: float(getattr(self, name)) for name in self.__dataclass_fields__ if name != "per_person"}


@dataclass
class TopNReport:
    """Top-N quality of the model's lists beside baselines, all on the same people."""

    k: int
    n_people: int
    """People whose lists were scored."""
    model: TopNScores
    """The product's default ranking (the item model)."""
    popular: TopNScores
    """The most popular movies each person has not rated."""
    by_rating: TopNScores | None = None
    """Ranked by the rating model's predicted stars."""
    n_eligible: int | None = None
    """People with a loved held-out movie: more than ``n_people`` when a random sample of them was scored
    (``max_people`` of :func:`evaluate_topn`); None when everyone was."""

    @property
    def sampled(self) -> bool:
        """True when the lists of a random sample of the eligible people were scored, not everyone's."""
        return self.n_eligible is not None and self.n_eligible > self.n_people

    def lift(self) -> float:
        """How many times as many loved movies the model's lists find as most-popular lists."""
        return self.model.precision / self.popular.precision if self.popular.precision > 0 else float("inf")

    def sentence(self) -> str:
        """The result in words a stakeholder reads."""
        return (
            f"Its top {self.k} lists find {self.lift():.1f}x as many of the movies people went on to love as a "
            f"most-popular list: {self.model.hit_rate:.0%} of {self.n_people:,} people get at least one "
            f"(most popular: {self.popular.hit_rate:.0%})."
        )

    def to_dict(self) -> dict:
        """Plain values (for JSON, model files and tables)."""
        out = {"k": self.k, "n_people": self.n_people, "model": self.model.to_dict(), "popular": self.popular.to_dict()}
        if self.by_rating is not None:
            out["by_rating"] = self.by_rating.to_dict()
        if self.sampled:
            out["n_eligible"] = self.n_eligible
        return out

    @classmethod
    def from_dict(cls, values: dict) -> TopNReport:
        """Inverse of :meth:`to_dict` (per-person arrays are not kept)."""

        def scores(name: str) -> TopNScores | None:
            return TopNScores(**values[name]) if name in values else None

        eligible = values.get("n_eligible")
        return cls(
            int(values["k"]), int(values["n_people"]), scores("model"), scores("popular"), scores("by_rating"),
            int(eligible) if eligible is not None else None,
        )  # fmt: skip


@dataclass
class Scores:
    """Held-out quality of one model: rating accuracy beside two baselines, and its top-N
    report when one was computed (see :func:`evaluate` and :func:`evaluate_all`)."""

    rmse: float
    """Root mean squared error of the predicted stars."""
    mae: float
    """Mean absolute error of the predicted stars."""
    global_mean_rmse: float
    """RMSE of always predicting the average rating (the simplest baseline)."""
    bias_rmse: float
    """RMSE of the average plus each user's and movie's bias (the bias-only baseline)."""
    bias_mae: float
    """MAE of the bias-only baseline."""
    n_test: int
    """Held-out ratings scored."""
    n_fallback: int
    """Of those, ratings of users or movies unseen in training (predicted by the baseline)."""
    topn: TopNReport | None = None
    """Top-N quality on the same held-out ratings (:func:`evaluate_topn`), when computed."""

    def gain(self) -> float:
        """Share of the bias-only baseline's RMSE that the model removes (negative: worse)."""
        return 1 - self.rmse / self.bias_rmse if self.bias_rmse else 0.0

    def to_dict(self) -> dict:
        """Plain values (for JSON and model files); the top-N report nested, or None."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "topn"}
        out["topn"] = self.topn.to_dict() if self.topn is not None else None
        return out

    @classmethod
    def from_dict(cls, values: dict) -> Scores:
        """Inverse of :meth:`to_dict`."""
        names = [name for name in cls.__dataclass_fields__ if name != "topn"]
        topn = values.get("topn")
        return cls(**{name: values[name] for name in names}, topn=TopNReport.from_dict(topn) if topn else None)


def evaluate_topn(
    recommender: Recommender,
    test: Ratings,
    k: int = 10,
    by_rating: bool = True,
    max_people: int | None = None,
    seed: int = 0,
) -> TopNReport:
    """The full-catalogue top-N protocol on ``test`` (see the module docstring).

    People are the known users with at least one rating in ``test`` at or above the
    relevance threshold (4 stars on a 0.5-5 scale). Candidates are every movie the model
    knows that the person did not rate in training (``known`` rows not held out). A loved
    movie the model never saw counts as missed.

    ``max_people``: score the lists of at most this many of those people, drawn at random
    (``seed``), when there are more (the report's ``n_eligible`` says how many there were).
    The app does at large sizes, where scoring everyone's lists takes minutes; None scores
    everyone.
    """
    rec = recommender
    training = ~rec.known["held_out"].to_numpy(bool)
    threshold = relevance_threshold(rec.scale) if rec.has_ratings else -np.inf
    loved = test.frame[test.frame["rating"].to_numpy() >= threshold]
    users = rec.users.to_index(loved["user"])
    items = rec.items.to_index(loved["item"])
    # a movie the model never saw gets a distinct negative id: it counts as relevant but can't be hit
    items = np.where(items >= 0, items, -2 - np.arange(len(items)))
    keep = users >= 0
    people_index, relevant = _grouped(users[keep], items[keep])
    n_eligible = len(people_index)
    if max_people is not None and n_eligible > max_people:
        chosen = np.sort(np.random.default_rng(seed).choice(n_eligible, int(max_people), replace=False))
        people_index, relevant = people_index[chosen], [relevant[c] for c in chosen]
    starts, rated, stars = rec.training_rows_by_user()  # sorted once, when the model was made
    people = [
        Person(rated[starts[u] : starts[u + 1]], stars[starts[u] : starts[u + 1]], user_index=int(u))
        for u in people_index
    ]
    counts = np.bincount(rec.known["item"].to_numpy()[training], minlength=len(rec.items)).astype(np.float32)
    rankings = {"model": "ranker", "popular": "popular"} | ({"by_rating": "rating"} if by_rating else {})
    scores = {name: score_lists(rec, people, relevant, k, how, counts) for name, how in rankings.items()}
    sampled = n_eligible if len(people) < n_eligible else None
    return TopNReport(k, len(people), scores["model"], scores["popular"], scores.get("by_rating"), sampled)


def score_lists(
    rec: Recommender,
    people: Sequence[Person],
    relevant: list[np.ndarray],
    k: int,
    rank_by: str,
    counts: np.ndarray,
) -> TopNScores:
    """Make each person's top-k list with ``rank_by`` (``ranker``, ``rating`` or ``popular``) and score it."""
    lists = np.full((len(people), k), -1, dtype=np.int64)
    order = popularity_order(counts)
    step = max(_PEOPLE_PER_BATCH, _CELLS_PER_BATCH // max(len(rec.items), 1))  # few calls: each costs on a busy CPU
    step = step if rec.device.type == "cpu" else 16 * step
    for start in range(0, len(people), step):
        batch = people[start : start + step]
        lists[start : start + len(batch)] = lists_for(rec, batch, k, rank_by, order)
    per_person = list_metrics(lists, relevant, k)
    shown = lists[lists >= 0]
    return TopNScores(
        **{name: float(np.mean(per_person[name])) if len(people) else float("nan") for name in LIST_METRICS},
        coverage=coverage(lists, len(rec.items)),
        mean_popularity=float(counts[shown].mean()) if len(shown) else float("nan"),
        personalisation=personalisation(lists),
        per_person=per_person,
    )


def _grouped(users: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Unique users (sorted) and, for each, their items."""
    order = np.argsort(users, kind="stable")
    users, items = users[order], items[order]
    unique, starts = np.unique(users, return_index=True)
    return unique, np.split(items, starts[1:])


@dataclass
class NewPeopleResult:
    """The new-person protocol for one number of given ratings."""

    given: int
    """Ratings each new person gave (folded in)."""
    n_people: int
    rmse: float
    """RMSE of the folded-in rating model on the person's other ratings."""
    baseline_rmse: float
    """RMSE of the global mean plus movie biases on the same ratings."""
    topn: TopNReport


def evaluate_new_people(
    ratings: Ratings,
    config=None,
    given: Sequence[int] = (5, 10, 20),
    share: float = 0.2,
    k: int = 10,
    seed: int = 0,
) -> list[NewPeopleResult]:
    """The new-person protocol: hold out a ``share`` of the users, train on the rest, fold each
    held-out person in from N of their ratings (drawn at random, seeded) and score the others.

    Only users with at least ``max(given) + 5`` ratings take part, so every N leaves
    ratings to score; the same people and draws serve every N.
    """
    from cf.foldin import fold_in, score_folded
    from cf.training import fit

    rng = np.random.default_rng(seed)
    frame = ratings.frame
    sizes = frame.groupby("user", sort=True).size()
    eligible = sizes.index[sizes.to_numpy() >= max(given) + 5].to_numpy()
    chosen = rng.choice(eligible, size=max(1, int(round(share * len(eligible)))), replace=False)
    is_new = frame["user"].isin(chosen).to_numpy()
    rec = fit(ratings.subset(~is_new, "train"), config).recommender
    threshold = relevance_threshold(rec.scale) if rec.has_ratings else -np.inf
    counts = rec.item_counts.astype(np.float32)
    draws = {u: rng.permutation(len(rows)) for u, rows in frame[is_new].groupby("user", sort=True)}
    results = []
    for n in given:
        people, relevant, errors, base_errors = [], [], [], []
        for user, rows in frame[is_new].groupby("user", sort=True):
            rows = rows.iloc[draws[user]]
            first, rest = rows.iloc[:n], rows.iloc[n:]
            folded = fold_in(rec, dict(zip(first["item"], first["rating"])))
            items = rec.items.to_index(rest["item"])
            actual = rest["rating"].to_numpy(np.float64)
            fallback = np.clip(rec.baseline.predict(np.full(len(items), -1), items), *rec.scale)
            predicted = np.where(items >= 0, score_folded(rec, folded)[np.maximum(items, 0)], fallback)
            errors.append((predicted - actual) ** 2)
            base_errors.append((fallback - actual) ** 2)
            loved = actual >= threshold
            relevant.append(np.where(items[loved] >= 0, items[loved], -2 - np.arange(int(loved.sum()))))
            people.append(
                Person(np.array(list(folded.rated), np.int64), np.array(list(folded.rated.values())), folded=folded)
            )
        has_loved = [i for i, r in enumerate(relevant) if len(r)]
        people, relevant = [people[i] for i in has_loved], [relevant[i] for i in has_loved]
        report = TopNReport(
            k,
            len(people),
            score_lists(rec, people, relevant, k, "ranker", counts),
            score_lists(rec, people, relevant, k, "popular", counts),
            score_lists(rec, people, relevant, k, "rating", counts),
        )
        results.append(
            NewPeopleResult(
                n,
                len(draws),
                float(np.sqrt(np.concatenate(errors).mean())),
                float(np.sqrt(np.concatenate(base_errors).mean())),
                report,
            )
        )
    return results
