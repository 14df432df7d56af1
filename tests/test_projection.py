import numpy as np
import pytest

import cf
from cf.projection import Projection, project_embeddings
from tests.helpers import small_ratings


def test_pca_finds_the_direction_of_largest_variance():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(500, 5)) * np.array([5.0, 2.0, 1.0, 0.5, 0.1])
    projection = Projection.fit(data, 2)
    assert abs(projection.components[0, 0]) > 0.99 and abs(projection.components[1, 1]) > 0.99
    ratio = projection.explained_variance_ratio
    assert ratio[0] > ratio[1] > 0 and ratio.sum() < 1
    assert np.allclose(projection.components @ projection.components.T, np.eye(2), atol=1e-8)
    coords = projection.transform(data)
    assert np.allclose(coords.mean(0), 0, atol=1e-8)
    assert projection.axis_labels()[0].startswith("PC1 (")


def test_signs_are_deterministic_whatever_the_input_orientation():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(200, 4)) * np.array([3.0, 2.0, 1.0, 0.5])
    a, b = Projection.fit(data, 3), Projection.fit(-data, 3)
    assert np.allclose(a.components, b.components)
    biggest = np.abs(a.components).argmax(1)
    assert (a.components[np.arange(3), biggest] > 0).all()


def test_three_components_and_more_than_available():
    data = np.random.default_rng(2).normal(size=(10, 2))
    assert Projection.fit(data, 3).components.shape == (2, 2)


@pytest.fixture(scope="module")
def rec():
    return cf.fit(small_ratings(), cf.TrainConfig(epochs=3, n_factors=8)).recommender


def test_movies_and_users_share_one_space(rec):
    projection, movies, users = project_embeddings(rec, n_components=3)
    assert movies.shape == (len(rec.items), 3) and users.shape == (len(rec.users), 3)
    assert np.isclose(np.linalg.norm(users, axis=1).mean(), np.linalg.norm(movies, axis=1).mean(), rtol=0.05)
    # a user's position points towards the movies the model rates highest for them
    user = int(np.argmax(np.linalg.norm(users, axis=1)))
    scores = rec.item_vectors() @ rec.user_vectors()[user]
    best, worst = np.argsort(scores)[-20:], np.argsort(scores)[:20]
    direction = users[user] / np.linalg.norm(users[user])
    assert (movies[best] @ direction).mean() > (movies[worst] @ direction).mean()
