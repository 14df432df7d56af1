"""Score a fitted recommender on held-out ratings, next to simple baselines."""

from __future__ import annotations

import numpy as np

from cf.data import Ratings
from cf.metrics import mae, ranking_metrics, relevance_threshold, rmse
from cf.recommend import Recommender


def evaluate(recommender: Recommender, test: Ratings, k: int = 10) -> dict[str, float]:
    """Accuracy and ranking metrics on ``test``; every row counts.

    Rows whose user or movie was not in training are predicted by the fallback (the
    global mean plus the known biases). Returns ``rmse``, ``mae``, ``global_mean_rmse``,
    ``bias_rmse`` (the bias-only baseline), ``n_test``, ``n_fallback`` and
    ``precision@k``, ``recall@k``, ``ndcg@k``.
    """
    users = recommender.users.to_index(test.frame["user"])
    items = recommender.items.to_index(test.frame["item"])
    actual = test.frame["rating"].to_numpy(dtype=np.float64)
    predicted = recommender.predict_indices(users, items)
    baseline = np.clip(recommender.baseline.predict(users, items), *recommender.scale)
    scores = {
        "rmse": rmse(predicted, actual),
        "mae": mae(predicted, actual),
        "global_mean_rmse": rmse(np.full(len(actual), recommender.baseline.mean), actual),
        "bias_rmse": rmse(baseline, actual),
        "bias_mae": mae(baseline, actual),
        "n_test": int(len(actual)),
        "n_fallback": int(((users < 0) | (items < 0)).sum()),
    }
    if len(actual):
        codes = test.frame["user"].astype("category").cat.codes.to_numpy()
        scores.update(ranking_metrics(codes, actual, predicted, relevance_threshold(recommender.scale), k))
    return scores
