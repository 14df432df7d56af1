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
    """Fit a new user to ``ratings`` ({movie id: rating}), shrunk toward the users the model knows.

    The loss is training's squared error, but the penalty pulls the vector and bias
    toward the trained users' mean (not toward zero) with a fixed strength: the one a
    typical trained user had (``weight_decay`` times their median number of ratings).
    With five ratings the person stays near a typical user, so a few ratings cannot push
    them to an extreme; with many, their ratings decide. The movie embeddings and the
    network stay fixed. L-BFGS converges in a few dozen steps.
    """
    model = recommender.model
    index = recommender.items.to_index(list(ratings))
    rated = {int(i): float(r) for i, r in zip(index, ratings.values()) if i >= 0}
    prior = population_prior(recommender)
    if not rated:
        return FoldedUser(prior.mean.copy(), prior.bias_mean, {})
    device = recommender.device
    items = torch.tensor(list(rated), device=device)
    target = torch.tensor(list(rated.values()), dtype=torch.float32, device=device)
    mean = torch.tensor(prior.mean, dtype=torch.float32, device=device)
    vector = mean.clone().requires_grad_(True)
    bias = torch.tensor(prior.bias_mean, device=device, requires_grad=True)
    optimiser = torch.optim.LBFGS([vector, bias], lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")
    for p in model.parameters():
        p.requires_grad_(False)

    def loss() -> torch.Tensor:
        optimiser.zero_grad()
        error = (model.score_vectors(vector, bias, items) - target).pow(2).sum()
        value = error + prior.strength * ((vector - mean).pow(2).sum() + (bias - prior.bias_mean) ** 2)
        value.backward()
        return value

    try:
        optimiser.step(loss)
    finally:
        for p in model.parameters():
            p.requires_grad_(True)
    return FoldedUser(vector.detach().cpu().numpy(), float(bias.detach()), rated)


@dataclass
class Prior:
    """Where a new person starts and how hard they are pulled back there (see :func:`fold_in`)."""

    mean: np.ndarray
    """Mean vector of the trained users who rated something."""
    bias_mean: float
    """Their mean bias (0 for models without biases)."""
    strength: float
    """L2 weight toward the mean: ``weight_decay`` times the median ratings per trained user."""


def population_prior(recommender) -> Prior:
    """The prior for :func:`fold_in`, from the trained users."""
    counts = recommender.user_counts
    active = counts > 0 if (counts > 0).any() else np.ones(len(counts), bool)
    vectors = recommender.user_vectors()[active].astype(np.float64)
    bias = recommender.model.user_bias_values()
    biases = bias.detach().float().cpu().numpy()[active] if bias is not None else np.zeros(1)
    decay = recommender.config.weight_decay
    return Prior(vectors.mean(0), float(biases.mean()), max(decay, 1e-3) * float(np.median(counts[active])))


@torch.no_grad()
def score_folded(recommender, user: FoldedUser, clip: bool = True) -> np.ndarray:
    """Predicted rating of every movie for a folded-in user (unclipped for ranking when ``clip`` is False)."""
    device = recommender.device
    vector = torch.tensor(user.vector, dtype=torch.float32, device=device)
    bias = torch.tensor(user.bias, device=device)
    items = torch.arange(len(recommender.items), device=device)
    scores = recommender.model.score_vectors(vector, bias, items).float().cpu().numpy()
    return np.clip(scores, *recommender.scale) if clip else scores
