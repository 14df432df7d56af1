"""The fitted recommender: predictions, recommendations and similar movies on raw ids."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from cf import persist
from cf.config import TrainConfig
from cf.data import IdMap, Movies, Ratings, extras
from cf.models import BiasBaseline
from cf.models.ease import ItemModel, interaction_weights
from cf.models.embedding import RatingModel
from cf.placement import MOVIE_CAP, Placement, check_item_model
from cf.similar import SIMILARITY_KEY
from cf.topn import Person, top_n

if TYPE_CHECKING:  # loaded with numba, only when a model blends it in
    from cf.models.knn import ItemNeighbours

_BATCH = 1 << 16
_BLOCK_CELLS = 1 << 25
"""Scores per block (people x movies) when every movie is scored for many people (128 MB of float32)."""


class UnknownUserError(LookupError):
    """A user id that the model was not trained on."""


class UnknownMovieError(LookupError):
    """A movie id that the model was not trained on."""


@dataclass
class Recommender:
    """A trained model with everything needed to use it on raw ids.

    Build one with :func:`cf.fit` or :meth:`Recommender.load`.

    Attributes
    ----------
    model
        The trained ``nn.Module`` (see :mod:`cf.models`).
    users, items
        Id vocabularies: raw id <-> embedding row.
    baseline
        Global mean and biases, the fallback for users or movies the model has not seen.
    scale
        The rating scale; predictions are clipped to it.
    known
        The ratings the model was fitted on (plus validation ones), with columns
        ``user``, ``item`` (indices), ``rating`` and ``held_out``.
    movies
        Titles and genres for every trained movie.
    config
        The settings it was trained with (with Auto: the values it picked; the batch size used).
    ranker
        The item model that ranks top-N lists (:class:`cf.models.ease.ItemModel`), fitted by
        :meth:`fit_ranker`; None ranks by predicted rating.
    """

    model: RatingModel
    users: IdMap
    items: IdMap
    baseline: BiasBaseline
    scale: tuple[float, float]
    known: pd.DataFrame
    movies: Movies
    config: TrainConfig
    metadata: dict = field(default_factory=dict)
    """Anything the caller wants kept with the model (plain values: saved in the model file)."""
    ranker: ItemModel | None = None
    neighbours: ItemNeighbours | None = None
    """The item neighbours blended into predicted ratings when ``config.knn_blend`` is above 0
    (:meth:`fit_neighbours`); the embeddings alone otherwise."""
    placement: Placement | None = None
    """Where and how it was trained (:mod:`cf.placement`), saved in the model file; None for older files."""

    def __post_init__(self) -> None:
        self.model.eval()
        n_items = len(self.items)
        self.item_counts = np.bincount(self.known["item"], minlength=n_items)
        sums = np.bincount(self.known["item"], self.known["rating"], minlength=n_items)
        self.item_means = np.where(self.item_counts > 0, sums / np.maximum(self.item_counts, 1), np.nan)
        self.user_counts = np.bincount(self.known["user"], minlength=len(self.users))
        self._by_user = _sorted_by_user(self.known, n_items)
        self._user_start = np.searchsorted(self._by_user["user"].to_numpy(), np.arange(len(self.users) + 1))
        self._titles = self.movies.frame.reindex(self.items.ids)

    # -- scoring on indices ----------------------------------------------------------

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @torch.no_grad()
    def predict_indices(self, users: np.ndarray, items: np.ndarray, clip: bool = True) -> np.ndarray:
        """Predict for index arrays; ``-1`` (unknown) falls back to the bias baseline.

        Predictions are clipped to the rating scale unless ``clip`` is False (for ranking,
        where clipping would turn the best few into ties).
        """
        users, items = np.asarray(users, dtype=np.int64), np.asarray(items, dtype=np.int64)
        out = self.baseline.predict(users, items)
        known = np.flatnonzero((users >= 0) & (items >= 0))
        blend = self.config.knn_blend if self.neighbours is not None else 0.0
        if blend > 0 and len(known):
            neighbour = out[known] + self.neighbours.predict(users[known], items[known])
        for start in range(0, len(known), _BATCH):
            rows = known[start : start + _BATCH]
            u = torch.from_numpy(users[rows]).to(self.device)
            i = torch.from_numpy(items[rows]).to(self.device)
            out[rows] = self.model(u, i).float().cpu().numpy()
        if blend > 0 and len(known):
            out[known] = (1.0 - blend) * out[known] + blend * neighbour
        return np.clip(out, *self.scale) if clip else out

    def score_users(self, users: np.ndarray, clip: bool = True) -> np.ndarray:
        """Predicted rating of every movie for each known user index: ``len(users) x n_movies`` float32.

        The same predictions as :meth:`predict_indices` of every pair, computed in blocks of people as
        matrix products of the embeddings plus the biases, on the model's device (never the training
        forward, never the penalty). The item neighbours' share is blended in where the model has one.
        """
        return self.score_users_on_device(users, clip).cpu().numpy()

    @torch.no_grad()
    def score_users_on_device(self, users: np.ndarray, clip: bool = True) -> torch.Tensor:
        """:meth:`score_users` as a tensor on the model's device (for top-k there)."""
        users = np.asarray(users, dtype=np.int64)
        n_items = len(self.items)
        out = torch.empty((len(users), n_items), dtype=torch.float32, device=self.device)
        cells = _BLOCK_CELLS if self.device.type == "cpu" else 8 * _BLOCK_CELLS
        block = max(1, cells // max(n_items, 1))
        blend = self.config.knn_blend if self.neighbours is not None else 0.0
        for start in range(0, len(users), block):
            rows = users[start : start + block]
            scores = self.model.score_users(torch.from_numpy(rows).to(self.device)).float()
            if blend > 0:
                neighbours = torch.from_numpy(self._neighbour_scores(rows, n_items)).to(self.device)
                scores = (1.0 - blend) * scores.double() + blend * neighbours  # in float64, as pair by pair
            out[start : start + len(rows)] = scores.clamp(*self.scale) if clip else scores
        return out

    def _neighbour_scores(self, users: np.ndarray, n_items: int) -> np.ndarray:
        """The item neighbours' predictions (baseline plus correction) of every movie for ``users``."""
        pairs = np.repeat(users, n_items), np.tile(np.arange(n_items), len(users))
        return (self.baseline.predict(*pairs) + self.neighbours.predict(*pairs)).reshape(len(users), n_items)

    def score_all_items(self, user_index: int, clip: bool = True) -> np.ndarray:
        """Predicted rating of every movie for one user index (-1: the bias baseline)."""
        if user_index >= 0:
            return self.score_users(np.array([user_index]), clip)[0]
        items = np.arange(len(self.items))
        return self.predict_indices(np.full(len(items), user_index), items, clip)

    # -- the public verbs on raw ids ---------------------------------------------------

    def predict(self, user_ids, movie_ids) -> np.ndarray:
        """Predicted ratings for pairs of raw ids (unknown ones get the fallback)."""
        user_ids, movie_ids = np.atleast_1d(user_ids), np.atleast_1d(movie_ids)
        if len(user_ids) == 1 and len(movie_ids) > 1:
            user_ids = np.repeat(user_ids, len(movie_ids))
        return self.predict_indices(self.users.to_index(user_ids), self.items.to_index(movie_ids))

    def user_index(self, user) -> int:
        """The embedding row of a raw user id, or :class:`UnknownUserError`."""
        index = int(self.users.to_index([user])[0])
        if index < 0:
            raise UnknownUserError(
                f"user {user!r} is not in the training data ({len(self.users):,} users, "
                f"ids such as {', '.join(map(str, self.users.ids[:3]))})"
            )
        return index

    def item_index(self, movie) -> int:
        """The embedding row of a raw movie id, or :class:`UnknownMovieError`."""
        index = int(self.items.to_index([movie])[0])
        if index < 0:
            raise UnknownMovieError(f"movie {movie!r} is not in the training data")
        return index

    def rated_indices(self, user_index: int) -> pd.DataFrame:
        """The rows of ``known`` for one user index."""
        start, stop = self._user_start[user_index], self._user_start[user_index + 1]
        return self._by_user.iloc[start:stop]

    def training_rows_by_user(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The training ratings (held-out rows left out) grouped by user, each user's by movie:
        (``starts``, movie indices, stars), user ``u``'s between ``starts[u]`` and ``starts[u + 1]``.

        From the table sorted when the model was made: no sort of the ratings here.
        """
        training = ~self._by_user["held_out"].to_numpy(bool)
        users = self._by_user["user"].to_numpy()[training]
        starts = np.searchsorted(users, np.arange(len(self.users) + 1))
        items = self._by_user["item"].to_numpy(np.int64)[training]
        return starts, items, self._by_user["rating"].to_numpy(np.float32)[training]

    def person(self, user) -> Person:
        """A known user as a :class:`cf.topn.Person`: every rating the model knows of them."""
        index = self.user_index(user)
        rows = self.rated_indices(index)
        return Person(rows["item"].to_numpy(np.int64), rows["rating"].to_numpy(np.float32), user_index=index)

    def recommend(
        self, user, n: int = 10, min_ratings: int = 0, rank_by: str = "ranker", novelty: float = 0.0
    ) -> pd.DataFrame:
        """The ``n`` best movies that ``user`` has not rated, with predicted stars and "because you liked".

        ``rank_by="ranker"`` (the default) ranks with the item model trained for top-N lists;
        ``"rating"`` by the highest predicted rating (see :func:`cf.topn.top_n`).
        ``min_ratings`` leaves out movies with fewer ratings in the training data;
        ``novelty`` (0 to 1) moves the list from popular towards niche movies.
        """
        return top_n(self, [self.person(user)], n, min_ratings, rank_by, novelty)[0]

    def recommend_many(
        self, users, n: int = 10, min_ratings: int = 0, rank_by: str = "ranker", novelty: float = 0.0
    ) -> list[pd.DataFrame]:
        """:meth:`recommend` for several users at once (one table each, same order)."""
        return top_n(self, [self.person(u) for u in users], n, min_ratings, rank_by, novelty)

    def learned_biases(self, n: int = 10, min_ratings: int = 20) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Movies the model likes more, and less, than their raw mean rating suggests.

        Returns (highest learned bias, lowest learned bias) among movies with at least
        ``min_ratings`` ratings, each with its bias and raw mean rating.
        """
        biases = self.item_biases()
        eligible = np.flatnonzero(self.item_counts >= min(min_ratings, self.item_counts.max()))
        order = eligible[np.argsort(-biases[eligible], kind="stable")]
        tables = []
        for chosen in (order[:n], order[::-1][:n]):
            table = self.describe(chosen)
            table.insert(3, "bias", biases[chosen])
            tables.append(table)
        return tables[0], tables[1]

    def recommend_for_ratings(
        self, ratings: dict, n: int = 10, min_ratings: int = 0, rank_by: str = "ranker", novelty: float = 0.0
    ) -> pd.DataFrame:
        """Recommendations for a new person from a few ratings ({movie id: rating}), without retraining.

        The item model ranks from their ratings directly; their rating-model vector is fitted
        against the fixed movie embeddings, shrunk toward the known users (see
        :mod:`cf.foldin`). Movies they rated are left out, unknown movie ids ignored. To
        also place the person on the map, call :meth:`fold_in` and :meth:`recommend_for_folded`.
        """
        return self.recommend_for_folded(self.fold_in(ratings), n, min_ratings, rank_by, novelty)

    def fold_in(self, ratings: dict):
        """Fit a new person's vector to ``ratings``; returns a :class:`cf.foldin.FoldedUser`."""
        from cf.foldin import fold_in

        return fold_in(self, ratings)

    def recommend_for_folded(
        self, folded, n: int = 10, min_ratings: int = 0, rank_by: str = "ranker", novelty: float = 0.0
    ) -> pd.DataFrame:
        """The top ``n`` movies for a folded-in person (see :meth:`recommend_for_ratings`)."""
        return top_n(self, [folded_person(folded)], n, min_ratings, rank_by, novelty)[0]

    def interaction_weights(self, ratings: np.ndarray) -> np.ndarray:
        """How much each rating counts as "more like this" for the item model (see :mod:`cf.models.ease`)."""
        return interaction_weights(ratings, self.scale)

    @property
    def has_ratings(self) -> bool:
        """False for "who watched what" data without stars (every rating the same)."""
        return self.scale[1] > self.scale[0]

    def ranker_cap(self) -> int:
        """The item model's movie cap: the one decided when the model was trained, wherever it is now.

        From the placement (or the config) the model was trained with; files older than both take
        the CPU's default. Never from the device the model is on now: a model trained on CUDA and
        loaded on a CPU keeps its cap.
        """
        if self.placement is not None:
            return self.placement.ranker_max_items
        return self.config.ranker_max_items or MOVIE_CAP["cpu"]

    def fit_ranker(self) -> ItemModel:
        """Fit the item model on the training rows of ``known`` (held-out rows left out) and keep it.

        It runs on the model's device, with the movie cap of :meth:`ranker_cap`.
        """
        train = self.known[~self.known["held_out"].to_numpy(bool)]
        cfg = self.config
        eligible = int((np.bincount(train["item"], minlength=len(self.items)) >= cfg.ranker_min_ratings).sum())
        check_item_model(min(self.ranker_cap(), max(eligible, 2)), str(self.device))  # before any work
        self.ranker = ItemModel.fit(
            train["user"].to_numpy(),
            train["item"].to_numpy(),
            self.interaction_weights(train["rating"].to_numpy()),
            len(self.users),
            len(self.items),
            l2=cfg.ranker_l2,
            min_ratings=cfg.ranker_min_ratings,
            max_items=self.ranker_cap(),
            device=self.device,
        )
        return self.ranker

    def fit_neighbours(self) -> ItemNeighbours:
        """Fit the item neighbours (:mod:`cf.models.knn`) on the training rows of ``known`` and keep them."""
        from cf.models.knn import ItemNeighbours

        train = self.known[~self.known["held_out"].to_numpy(bool)]
        users, items = train["user"].to_numpy(np.int64), train["item"].to_numpy(np.int64)
        residuals = train["rating"].to_numpy(np.float64) - self.baseline.predict(users, items)
        self.neighbours = ItemNeighbours.fit(users, items, residuals, len(self.users), len(self.items))
        return self.neighbours

    def history(self, user) -> pd.DataFrame:
        """The user's own ratings with the model's prediction beside each."""
        index = self.user_index(user)
        rows = self.rated_indices(index)
        items = rows["item"].to_numpy()
        table = self.describe(items)
        table.insert(3, "rating", rows["rating"].to_numpy())
        table.insert(4, "predicted", self.predict_indices(np.full(len(items), index), items))
        table["held_out"] = rows["held_out"].to_numpy()
        return table.sort_values(["rating", "predicted"], ascending=False, ignore_index=True)

    def similar_movies(self, movie, n: int = 10) -> pd.DataFrame:
        """The ``n`` movies most like ``movie``, best first, with their ``match`` (0 to 1).

        Watched by the same people and rated alike, from the ratings alone, whatever the model
        (see :mod:`cf.similar`): every screen, the report and the CLI give this one list.
        """
        from cf.similar import similar_movies

        return similar_movies(self, self.item_index(movie), n)

    def titles(self) -> np.ndarray:
        """Every movie's title, by index."""
        return self._titles["title"].to_numpy()

    def movie_columns(self) -> dict[str, str]:
        """The movies file's extra columns (beyond title and genres) and their kinds, ``number`` or ``text``."""
        return {name: extras.kind(self._titles[name]) for name in self.movies.extra_names()}

    def movie_column(self, name: str) -> np.ndarray:
        """One extra column of the movies file, by movie index (NaN or None where blank)."""
        if name not in self.movies.extra_names():
            raise KeyError(f"the movies file has no column {name!r}")
        return self._titles[name].to_numpy()

    def unit_item_vectors(self) -> np.ndarray:
        """The movie embeddings scaled to length 1 (for cosine similarity)."""
        vectors = self.item_vectors()
        return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12)

    def describe(self, item_indices: np.ndarray) -> pd.DataFrame:
        """Title, genres and popularity of movies given by index."""
        item_indices = np.asarray(item_indices, dtype=np.int64)
        meta = self._titles.iloc[item_indices]
        return pd.DataFrame(
            {
                "movieId": self.items.to_raw(item_indices),
                "title": meta["title"].to_numpy(),
                "genres": [", ".join(g) if len(g) else "(no genres listed)" for g in meta["genres"]],
                "n_ratings": self.item_counts[item_indices],
                "mean_rating": self.item_means[item_indices],
            }
        )

    def nbytes(self) -> int:
        """Roughly the memory this model holds: its weights, the item model and the ratings it keeps."""
        size = sum(t.numel() * t.element_size() for t in self.model.state_dict().values())
        if self.ranker is not None:
            size += self.ranker.weights.nbytes
        frames = (self.known, self._by_user)
        similarity = self.__dict__.get(SIMILARITY_KEY)  # built on first use (cf.similar)
        size += similarity.nbytes if similarity is not None else 0
        return size + sum(int(f.memory_usage(index=True).sum()) for f in frames)

    def user_table(self) -> pd.DataFrame:
        """Every user id with its number of ratings, most active first."""
        table = pd.DataFrame({"userId": self.users.ids.to_numpy(), "n_ratings": self.user_counts})
        return table.sort_values(["n_ratings", "userId"], ascending=[False, True], ignore_index=True)

    # -- embeddings --------------------------------------------------------------------

    def item_vectors(self) -> np.ndarray:
        """The movie embedding table, one row per movie index."""
        return self.model.item_factors.weight.detach().float().cpu().numpy()

    def user_vectors(self) -> np.ndarray:
        """The user embedding table, one row per user index."""
        return self.model.user_factors.weight.detach().float().cpu().numpy()

    def item_biases(self) -> np.ndarray:
        """The model's learned movie biases, or the baseline's for models without them."""
        biases = self.model.item_bias_values()
        return self.baseline.item_bias.copy() if biases is None else biases.detach().float().cpu().numpy()

    def copy(self) -> Recommender:
        """A copy with its own model weights and metadata (the data tables are shared, read-only)."""
        return Recommender(
            model=copy.deepcopy(self.model),
            users=self.users,
            items=self.items,
            baseline=self.baseline,
            scale=self.scale,
            known=self.known,
            movies=self.movies,
            config=self.config,
            metadata=copy.deepcopy(self.metadata),
            ranker=self.ranker,  # fitted on the ratings alone: shared, read-only
            neighbours=self.neighbours,  # likewise
            placement=self.placement,
        )

    def save(self, target) -> None:
        """Write the model, id maps, settings and metadata to a file (see :mod:`cf.persist`)."""
        persist.save(self, target)

    @classmethod
    def load(cls, source, name: str = "model file") -> Recommender:
        """Read a file written by :meth:`save`; anything but plain data is refused.

        The item model is not stored: it is refitted from the saved ratings (closed form, a
        few seconds), so files saved before it existed get one too; so are the item
        neighbours of a model that blends them in.
        """
        parts = persist.read(source, name)
        recommender = cls(**{f.name: getattr(parts, f.name) for f in fields(parts)})
        recommender.fit_ranker()
        if recommender.config.knn_blend > 0:
            recommender.fit_neighbours()
        return recommender

    def to(self, device: str | torch.device) -> Recommender:
        """Move the model to ``device`` (scoring uses wherever the model is)."""
        self.model.to(device)
        return self


def _sorted_by_user(known: pd.DataFrame, n_items: int) -> pd.DataFrame:
    """``known`` ordered by user, then movie (MovieLens files already are: then no sort is needed)."""
    key = known["user"].to_numpy(np.int64) * max(n_items, 1) + known["item"].to_numpy(np.int64)
    if len(key) > 1 and not bool(np.all(key[1:] >= key[:-1])):
        known = known.take(_stable_order(key))
    return known.reset_index(drop=True)


def _stable_order(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")``, from numpy's faster unstable sort when no key repeats (then
    both orders are one and the same; at 25M ratings the stable sort took twice as long)."""
    order = np.argsort(key)
    ordered = key[order]
    if bool(np.any(ordered[1:] == ordered[:-1])):
        return np.argsort(key, kind="stable")
    return order


def known_ratings(
    train: Ratings,
    valid: Ratings | None,
    users: IdMap,
    items: IdMap,
    train_index: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Index the ratings a model was fitted on (plus validation rows) for :class:`Recommender`.

    ``train_index``: the training rows' user and movie indices when the caller has them already
    (the fit does: mapping 22.5M ids again took seconds at MovieLens 25M size).
    """
    frames = [(train.frame, False, train_index)] + ([(valid.frame, True, None)] if valid is not None else [])
    parts = []
    for frame, held_out, index in frames:
        user, item = index if index is not None else (users.to_index(frame["user"]), items.to_index(frame["item"]))
        part = pd.DataFrame(
            {
                "user": np.array(user, dtype=np.int32),  # a copy: the training loop may shuffle its arrays
                "item": np.array(item, dtype=np.int32),
                "rating": frame["rating"].to_numpy(dtype=np.float32),
                "held_out": held_out,
            }
        )
        parts.append(part[(part["user"] >= 0) & (part["item"] >= 0)])
    return pd.concat(parts, ignore_index=True)


def folded_person(folded) -> Person:
    """A folded-in new person (:class:`cf.foldin.FoldedUser`) as a :class:`cf.topn.Person`."""
    return Person(
        np.array(list(folded.rated), dtype=np.int64),
        np.array(list(folded.rated.values()), dtype=np.float32),
        folded=folded,
    )
