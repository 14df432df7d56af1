import numpy as np
import pytest

from cf.models.ease import ItemModel, interaction_weights


def _random_interactions(n_users=60, n_items=25, seed=0):
    rng = np.random.default_rng(seed)
    dense = rng.random((n_users, n_items)) < 0.3
    users, items = np.nonzero(dense)
    return users, items, rng.uniform(0.2, 1.0, len(users)).astype(np.float32), n_users, n_items


def test_weights_solve_the_constrained_ridge_regression_column_by_column():
    users, items, weights, n_users, n_items = _random_interactions()
    model = ItemModel.fit(users, items, weights, n_users, n_items, l2=5.0, min_ratings=1)
    x = np.zeros((n_users, n_items))
    x[users, items] = weights
    assert np.allclose(np.diag(model.weights), 0)
    for column in (0, 7, 24):  # each column: ridge regression of that movie on all the others
        others = np.delete(np.arange(n_items), column)
        a = x[:, others]
        direct = np.linalg.solve(a.T @ a + 5.0 * np.eye(len(others)), a.T @ x[:, column])
        assert np.allclose(model.weights[others, column], direct, atol=1e-4)


def test_scores_are_weighted_sums_and_contributions_add_up():
    users, items, weights, n_users, n_items = _random_interactions()
    model = ItemModel.fit(users, items, weights, n_users, n_items, l2=5.0, min_ratings=1)
    mine = np.array([1, 4, 9]), np.array([1.0, 0.5, 0.25], np.float32)
    scores = model.score(model.rows([mine]))[0]
    expected = mine[1] @ model.weights[mine[0]]
    assert np.allclose(scores, expected, atol=1e-5)
    assert model.contributions(*mine, 12).sum() == pytest.approx(scores[12], abs=1e-5)


def test_rows_hold_each_persons_weights_on_the_models_movies_in_order():
    """People's rows: one per person (empty ones too), their weights at the candidates' columns in the order
    given, movies off the model left out."""
    users, items, weights, n_users, n_items = _random_interactions()
    model = ItemModel.fit(users, items, weights, n_users, n_items, l2=5.0, max_items=20, min_ratings=1)
    on, off = model.candidates, np.setdiff1d(np.arange(n_items), model.candidates)
    people = [
        (np.array([on[9], off[0], on[1], on[4]]), np.array([0.25, 1.0, 1.0, 0.5], np.float32)),
        (np.zeros(0, np.int64), np.zeros(0, np.float32)),
        (off[:2], np.ones(2, np.float32)),
        (on[[3]], np.array([0.75], np.float32)),
    ]
    rows = model.rows(people)
    assert rows.shape == (4, len(model.candidates)) and list(np.diff(rows.indptr)) == [3, 0, 0, 1]
    assert list(rows.indices) == [9, 1, 4, 3] and list(rows.data) == [0.25, 1.0, 0.5, 0.75]
    assert model.rows([]).shape == (0, len(model.candidates))


def test_only_movies_with_enough_ratings_up_to_the_cap_take_part():
    users, items, weights, n_users, n_items = _random_interactions()
    counts = np.bincount(items, minlength=n_items)
    threshold = int(np.median(counts))
    model = ItemModel.fit(users, items, weights, n_users, n_items, min_ratings=threshold)
    assert set(model.candidates) == set(np.flatnonzero(counts >= threshold))
    capped = ItemModel.fit(users, items, weights, n_users, n_items, min_ratings=1, max_items=5)
    assert len(capped.candidates) == 5 and counts[capped.candidates].min() >= np.sort(counts)[-5]
    scores = capped.score(capped.rows([(np.arange(n_items), np.ones(n_items))]))[0]
    assert np.isfinite(scores).sum() == 5  # movies off the model cannot be ranked
    assert capped.similar(int(np.argmin(counts))) is None


def test_interaction_weights_follow_the_rating_scale():
    assert np.allclose(
        interaction_weights(np.array([0.5, 2, 3, 3.5, 4, 5]), (0.5, 5)), [0, 0, 0.533, 0.8, 1, 1], atol=0.01
    )
    assert np.allclose(interaction_weights(np.array([1, 2, 3, 4, 5]), (1, 5)), [0, 0, 0.4, 1, 1], atol=0.02)
    assert np.allclose(interaction_weights(np.array([1, 1, 1]), (1, 1)), 1)  # who-watched-what files


def test_the_torch_path_matches_the_scipy_path_on_real_looking_data(demo_data):
    """The GPU path (Gram, solve and scores in torch; on CPU tensors, or on the GPU with CF_DEVICE=cuda)
    gives the scipy path's model."""
    import os

    import scipy.sparse as sp

    from cf.models import ease
    from cf.training import index_ratings

    ratings = demo_data[0]  # 1,500 movies: the cap of 2,000 keeps them all, as it keeps latest-small's top 2,000
    users, items, (u, i, r) = index_ratings(ratings)
    weights = interaction_weights(r, ratings.scale)
    shape = (len(users), len(items))
    host = ItemModel.fit(u, i, weights, *shape, max_items=2000, backend="scipy")
    device = "cuda" if os.environ.get("CF_DEVICE", "").startswith("cuda") else "cpu"
    torch_path = ItemModel.fit(u, i, weights, *shape, max_items=2000, device=device, backend="torch")
    assert host.device_weights is None and torch_path.device_weights is not None
    np.testing.assert_array_equal(host.candidates, torch_path.candidates)
    np.testing.assert_allclose(torch_path.weights, host.weights, rtol=0, atol=1e-4)
    position = host.position[i.astype(np.int64)]
    keep = position >= 0
    entries = (u[keep].astype(np.int64), position[keep], weights[keep])
    small_block = ease.torch_gram(*entries, len(users), 2000, device).cpu()  # one block
    ease.GRAM_BLOCK_CELLS, saved = len(users) * 300, ease.GRAM_BLOCK_CELLS
    try:
        blocked = ease.torch_gram(*entries, len(users), 2000, device).cpu()  # several movie blocks, same matrix
    finally:
        ease.GRAM_BLOCK_CELLS = saved
    np.testing.assert_allclose(blocked, small_block, rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(small_block, ease.scipy_gram(*entries, len(users), 2000), rtol=1e-6, atol=1e-4)
    people = host.rows([(i[u == p], weights[u == p]) for p in range(0, len(users), 5)])
    assert isinstance(people, sp.csr_matrix)
    host_scores, torch_scores = host.score(people), torch_path.score(people)
    np.testing.assert_array_equal(np.isfinite(host_scores), np.isfinite(torch_scores))
    finite = np.isfinite(host_scores)
    np.testing.assert_allclose(torch_scores[finite], host_scores[finite], rtol=0, atol=1e-3)
    top_host = np.argsort(-host_scores, axis=1, kind="stable")[:, :10]
    top_torch = np.argsort(-torch_scores, axis=1, kind="stable")[:, :10]
    assert (top_host == top_torch).mean() > 0.99
