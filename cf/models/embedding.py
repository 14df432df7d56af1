"""The rating models: pure ``nn.Module`` representations, trained elsewhere (:mod:`cf.training`).

Each takes a batch of user indices and movie indices and returns predicted ratings.
Users and movies are embeddings: rows of a table looked up by index.
"""

from __future__ import annotations

import torch
from torch import nn

from cf.config import MODEL_KINDS


def sigmoid_range(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Squash ``x`` into ``(low, high)`` with a sigmoid."""
    return torch.sigmoid(x) * (high - low) + low


def _embedding(n: int, dim: int, std: float) -> nn.Embedding:
    table = nn.Embedding(n, dim)
    nn.init.normal_(table.weight, 0.0, std)
    return table


def _squared(user: torch.Tensor, item: torch.Tensor) -> torch.Tensor:
    return user.pow(2).sum() + item.pow(2).sum()


class RatingModel(nn.Module):
    """What every rating model declares: user and movie embeddings, predictions with their L2
    term, scores for a free user vector (fold-in), and its biases when it has them.

    Subclasses implement :meth:`with_penalty` and :meth:`score_vectors`; ``forward`` is shared.
    """

    user_factors: nn.Embedding
    item_factors: nn.Embedding

    def forward(self, users: torch.Tensor, items: torch.Tensor, penalty: bool = False):
        """Predicted ratings; with ``penalty`` also the L2 term (see :meth:`with_penalty`)."""
        return self.with_penalty(users, items) if penalty else self.predict(users, items)

    def predict(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Predicted ratings of (user, movie) index pairs, without the L2 term."""
        return self.with_penalty(users, items)[0]

    def score_users(self, users: torch.Tensor) -> torch.Tensor:
        """Predicted ratings of every movie for a block of user indices: ``len(users) x n_movies``.

        The dot models compute it as one matrix product (overridden); this generic form
        predicts every pair.
        """
        n_items = self.item_factors.num_embeddings
        items = torch.arange(n_items, device=users.device).repeat(len(users))
        return self.predict(users.repeat_interleave(n_items), items).view(len(users), n_items)

    def with_penalty(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Predictions and the summed squared norms of the embeddings used (for L2)."""
        raise NotImplementedError

    def score_vectors(self, user: torch.Tensor, user_bias: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Predictions for a free user vector (and bias, where the model has one) against ``items``."""
        raise NotImplementedError

    def item_bias_values(self) -> torch.Tensor | None:
        """One learned bias per movie, or None for a model without biases."""
        return None

    def user_bias_values(self) -> torch.Tensor | None:
        """One learned bias per user, or None for a model without biases."""
        return None


class EmbeddingDot(RatingModel):
    """The plain model: a rating is the dot product of a user and a movie vector."""

    def __init__(self, n_users: int, n_items: int, n_factors: int, global_mean: float = 0.0):
        super().__init__()
        self.user_factors = _embedding(n_users, n_factors, 0.01)
        self.item_factors = _embedding(n_items, n_factors, 0.01)
        if global_mean > 0:  # start with every dot product near the mean rating
            with torch.no_grad():
                self.user_factors.weight.add_((global_mean / n_factors) ** 0.5)
                self.item_factors.weight.add_((global_mean / n_factors) ** 0.5)

    def with_penalty(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Predictions and the summed squared norms of the embeddings used (for L2)."""
        user, item = self.user_factors(users), self.item_factors(items)
        return (user * item).sum(1), _squared(user, item)

    def predict(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Predicted ratings of (user, movie) index pairs, without the L2 term."""
        return (self.user_factors(users) * self.item_factors(items)).sum(1)

    def score_users(self, users: torch.Tensor) -> torch.Tensor:
        """Every movie's predicted rating for a block of users: one matrix product."""
        return self.user_factors(users) @ self.item_factors.weight.T

    def score_vectors(self, user: torch.Tensor, user_bias: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Predictions for a free user vector (``user_bias`` is unused here) against ``items``."""
        return self.item_factors(items) @ user


class EmbeddingDotBias(RatingModel):
    """Dot product plus a user bias, a movie bias and a global offset, squashed into ``y_range``.

    Parameters
    ----------
    y_range
        ``(low, high)`` of the sigmoid: a little wider than the data's rating scale so
        that the extreme ratings can be reached.
    global_mean
        The mean training rating; the offset starts where the sigmoid gives it.
    """

    def __init__(
        self,
        n_users: int,
        n_items: int,
        n_factors: int,
        y_range: tuple[float, float] = (0.0, 5.5),
        global_mean: float | None = None,
    ):
        super().__init__()
        self.y_range = (float(y_range[0]), float(y_range[1]))
        self.user_factors = _embedding(n_users, n_factors, 0.01)
        self.item_factors = _embedding(n_items, n_factors, 0.01)
        self.user_bias = _embedding(n_users, 1, 0.0)
        self.item_bias = _embedding(n_items, 1, 0.0)
        low, high = self.y_range
        share = 0.5 if global_mean is None else (global_mean - low) / (high - low)
        share = min(max(share, 0.01), 0.99)
        self.offset = nn.Parameter(torch.logit(torch.tensor(share)))

    def with_penalty(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Predictions and the summed squared norms of the embeddings used (for L2)."""
        user, item = self.user_factors(users), self.item_factors(items)
        raw = (user * item).sum(1) + self.user_bias(users).squeeze(1) + self.item_bias(items).squeeze(1)
        return sigmoid_range(raw + self.offset, *self.y_range), _squared(user, item)

    def predict(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Predicted ratings of (user, movie) index pairs, without the L2 term."""
        raw = (self.user_factors(users) * self.item_factors(items)).sum(1)
        raw = raw + self.user_bias(users).squeeze(1) + self.item_bias(items).squeeze(1)
        return sigmoid_range(raw + self.offset, *self.y_range)

    def score_users(self, users: torch.Tensor) -> torch.Tensor:
        """Every movie's predicted rating for a block of users: one matrix product plus the biases."""
        raw = torch.addmm(self.item_bias.weight.T, self.user_factors(users), self.item_factors.weight.T)
        raw += self.user_bias(users) + self.offset  # in place: each pass over the block costs at scale
        low, high = self.y_range
        return raw.sigmoid_().mul_(high - low).add_(low)

    def score_vectors(self, user: torch.Tensor, user_bias: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Predictions for a free user vector and bias against ``items``."""
        raw = self.item_factors(items) @ user + user_bias + self.item_bias(items).squeeze(1)
        return sigmoid_range(raw + self.offset, *self.y_range)

    def item_bias_values(self) -> torch.Tensor:
        return self.item_bias.weight[:, 0]

    def user_bias_values(self) -> torch.Tensor:
        return self.user_bias.weight[:, 0]


class EmbeddingNN(RatingModel):
    """The neural variant: user and movie vectors concatenated into a small MLP.

    Parameters
    ----------
    hidden
        Width of each hidden layer.
    dropout
        Dropout after each hidden layer.
    """

    def __init__(
        self,
        n_users: int,
        n_items: int,
        n_factors: int,
        y_range: tuple[float, float] = (0.0, 5.5),
        hidden: tuple[int, ...] = (64,),
        dropout: float = 0.1,
        global_mean: float | None = None,
    ):
        super().__init__()
        self.y_range = (float(y_range[0]), float(y_range[1]))
        self.user_factors = _embedding(n_users, n_factors, 0.01)
        self.item_factors = _embedding(n_items, n_factors, 0.01)
        layers: list[nn.Module] = []
        width = 2 * n_factors
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        self.mlp = nn.Sequential(*layers)
        self.head = nn.Linear(width, 1)
        low, high = self.y_range
        share = 0.5 if global_mean is None else min(max((global_mean - low) / (high - low), 0.01), 0.99)
        nn.init.constant_(self.head.bias, float(torch.logit(torch.tensor(share))))

    def with_penalty(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Predictions and the summed squared norms of the embeddings used (for L2)."""
        user, item = self.user_factors(users), self.item_factors(items)
        out = self.head(self.mlp(torch.cat([user, item], dim=1))).squeeze(1)
        return sigmoid_range(out, *self.y_range), _squared(user, item)

    def score_vectors(self, user: torch.Tensor, user_bias: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Predictions for a free user vector (``user_bias`` is unused here) against ``items``."""
        item = self.item_factors(items)
        joined = torch.cat([user.expand(len(item), -1), item], dim=1)
        return sigmoid_range(self.head(self.mlp(joined)).squeeze(1), *self.y_range)


def rating_range(scale: tuple[float, float]) -> tuple[float, float]:
    """The sigmoid range for a rating scale: 10% of the span beyond each end (0.5-5 gives 0.05-5.45)."""
    low, high = scale
    margin = 0.1 * (high - low) if high > low else 0.5  # a file without ratings: every value the same
    return (low - margin, high + margin)


def build_model(
    kind: str,
    n_users: int,
    n_items: int,
    n_factors: int,
    scale: tuple[float, float],
    global_mean: float,
    hidden: tuple[int, ...] = (64,),
) -> RatingModel:
    """Make an untrained model of ``kind`` (one of :data:`MODEL_KINDS`)."""
    if kind == "dot":
        return EmbeddingDot(n_users, n_items, n_factors, global_mean=global_mean)
    if kind == "dot-bias":
        return EmbeddingDotBias(n_users, n_items, n_factors, rating_range(scale), global_mean)
    if kind == "nn":
        return EmbeddingNN(n_users, n_items, n_factors, rating_range(scale), hidden, global_mean=global_mean)
    raise ValueError(f"unknown model {kind!r}; choose one of {', '.join(MODEL_KINDS)}")
