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

    The fit is a MAP estimate: squared error over the noise of the trained model, plus a
    Gaussian prior whose mean and spread are those of the trained users' vectors (and
    biases). With a few ratings the person stays close to a typical user, so five
    ratings cannot push them to an extreme; with many, their ratings decide. The movie
    embeddings and the network stay fixed. L-BFGS converges in a few dozen steps.
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
    precision = torch.tensor(1.0 / prior.variance, dtype=torch.float32, device=device)
    vector = mean.clone().requires_grad_(True)
    bias = torch.tensor(prior.bias_mean, device=device, requires_grad=True)
    optimiser = torch.optim.LBFGS([vector, bias], lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")
    for p in model.parameters():
        p.requires_grad_(False)

    def loss() -> torch.Tensor:
        optimiser.zero_grad()
        error = (model.score_vectors(vector, bias, items) - target).pow(2).sum() / prior.noise
        value = error + ((vector - mean).pow(2) * precision).sum() + (bias - prior.bias_mean) ** 2 / prior.bias_variance
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
    """Where trained users lie: per-factor mean and variance of their vectors, of their biases, and the noise."""

    mean: np.ndarray
    variance: np.ndarray
    bias_mean: float
    bias_variance: float
    noise: float


def population_prior(recommender, sample: int = 20_000) -> Prior:
    """The prior for :func:`fold_in`, from the trained users and the model's error on its training rows."""
    vectors = recommender.user_vectors().astype(np.float64)
    counts = recommender.user_counts
    active = vectors[counts > 0] if (counts > 0).any() else vectors
    biases = _user_biases(recommender)
    rows = recommender.known[~recommender.known["held_out"].to_numpy(bool)]
    rows = rows.iloc[:: max(1, len(rows) // sample)]
    predicted = recommender.predict_indices(rows["user"].to_numpy(), rows["item"].to_numpy())
    noise = float(np.mean((predicted - rows["rating"].to_numpy()) ** 2)) if len(rows) else 1.0
    return Prior(
        mean=active.mean(0),
        variance=active.var(0) + 1e-4,
        bias_mean=float(biases.mean()) if len(biases) else 0.0,
        bias_variance=float(biases.var()) + 1e-4 if len(biases) else 1.0,
        noise=max(noise, 0.05),
    )


def _user_biases(recommender) -> np.ndarray:
    bias = getattr(recommender.model, "user_bias", None)
    return np.zeros(0) if bias is None else bias.weight.detach().float().cpu().numpy()[:, 0]


@torch.no_grad()
def score_folded(recommender, user: FoldedUser, clip: bool = True) -> np.ndarray:
    """Predicted rating of every movie for a folded-in user (unclipped for ranking when ``clip`` is False)."""
    device = recommender.device
    vector = torch.tensor(user.vector, dtype=torch.float32, device=device)
    bias = torch.tensor(user.bias, device=device)
    items = torch.arange(len(recommender.items), device=device)
    scores = recommender.model.score_vectors(vector, bias, items).float().cpu().numpy()
    return np.clip(scores, *recommender.scale) if clip else scores
