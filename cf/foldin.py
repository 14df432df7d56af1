"""Fold a new person into a trained model: fit their vector against the fixed movie embeddings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class FoldedUser:
    """A user vector (and bias) fitted to a handful of ratings, the movies left as trained.

    Attributes
    ----------
    vector
        The user's embedding, comparable with the trained users'.
    bias
        The user's bias (0 for models without biases).
    rated
        Movie index -> rating, the ratings it was fitted to (unknown movies dropped).
    """

    vector: np.ndarray
    bias: float
    rated: dict[int, float]


def fold_in(recommender, ratings: Mapping, steps: int = 60) -> FoldedUser:
    """Fit a new user to ``ratings`` ({movie id: rating}) by regularised least squares.

    The loss is the one training used: squared error plus ``weight_decay`` times the
    squared length of the user vector (and bias) for each rating.
    The movie embeddings and the network stay fixed. L-BFGS converges in a few dozen steps.
    """
    model = recommender.model
    index = recommender.items.to_index(list(ratings))
    rated = {int(i): float(r) for i, r in zip(index, ratings.values()) if i >= 0}
    start = recommender.user_vectors().mean(0)
    if not rated:
        return FoldedUser(start, 0.0, {})
    device = recommender.device
    items = torch.tensor(list(rated), device=device)
    target = torch.tensor(list(rated.values()), dtype=torch.float32, device=device)
    vector = torch.tensor(start, dtype=torch.float32, device=device, requires_grad=True)
    bias = torch.zeros((), device=device, requires_grad=True)
    decay = float(recommender.config.get("weight_decay", 0.1))
    optimiser = torch.optim.LBFGS([vector, bias], lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")
    for p in model.parameters():
        p.requires_grad_(False)

    def loss() -> torch.Tensor:
        optimiser.zero_grad()
        error = (model.score_vectors(vector, bias, items) - target).pow(2).sum()
        value = error + len(target) * decay * (vector.pow(2).sum() + bias.pow(2))
        value.backward()
        return value

    try:
        optimiser.step(loss)
    finally:
        for p in model.parameters():
            p.requires_grad_(True)
    return FoldedUser(vector.detach().cpu().numpy(), float(bias.detach()), rated)


@torch.no_grad()
def score_folded(recommender, user: FoldedUser, clip: bool = True) -> np.ndarray:
    """Predicted rating of every movie for a folded-in user (unclipped for ranking when ``clip`` is False)."""
    device = recommender.device
    vector = torch.tensor(user.vector, dtype=torch.float32, device=device)
    bias = torch.tensor(user.bias, device=device)
    items = torch.arange(len(recommender.items), device=device)
    scores = recommender.model.score_vectors(vector, bias, items).float().cpu().numpy()
    return np.clip(scores, *recommender.scale) if clip else scores
