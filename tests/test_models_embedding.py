import pytest
import torch

from cf.models import EmbeddingDot, EmbeddingDotBias, EmbeddingNN, build_model, rating_range, sigmoid_range


def test_sigmoid_range_stays_inside_its_bounds():
    x = torch.tensor([-1e4, -1.0, 0.0, 1.0, 1e4])
    y = sigmoid_range(x, 0.5, 5.0)
    assert torch.all(y >= 0.5) and torch.all(y <= 5.0)
    assert y[2] == pytest.approx(2.75)
    assert torch.all(y[1:] >= y[:-1])


def test_plain_dot_model_is_an_embedding_lookup_and_dot_product():
    model = EmbeddingDot(5, 7, 4)
    users, items = torch.tensor([0, 3, 4]), torch.tensor([6, 1, 0])
    expected = (model.user_factors.weight[users] * model.item_factors.weight[items]).sum(1)
    assert torch.allclose(model(users, items), expected)
    assert isinstance(model.user_factors, torch.nn.Embedding)


def test_plain_dot_model_starts_near_the_mean_rating():
    model = EmbeddingDot(50, 60, 8, global_mean=3.5)
    out = model(torch.arange(50), torch.arange(50))
    assert out.mean().item() == pytest.approx(3.5, abs=0.2)


@pytest.mark.parametrize("cls", [EmbeddingDotBias, EmbeddingNN])
def test_range_models_predict_inside_the_sigmoid_range(cls):
    torch.manual_seed(0)
    model = cls(10, 12, 6, y_range=(1.0, 5.0), global_mean=3.6)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 5)
    out = model(torch.randint(0, 10, (100,)), torch.randint(0, 12, (100,)))
    assert out.shape == (100,)
    assert torch.all(out >= 1.0) and torch.all(out <= 5.0)
    assert out.min() < 1.5 and out.max() > 4.5  # the range is reached, not clipped elsewhere


def test_bias_model_starts_at_the_global_mean():
    model = EmbeddingDotBias(10, 12, 6, y_range=(0.0, 5.5), global_mean=3.5)
    out = model(torch.arange(10), torch.arange(10))
    assert out.mean().item() == pytest.approx(3.5, abs=0.05)


def test_bias_model_uses_its_biases():
    model = EmbeddingDotBias(3, 3, 2)
    before = model(torch.tensor([0]), torch.tensor([0]))
    with torch.no_grad():
        model.item_bias.weight[0] = 2.0
    assert model(torch.tensor([0]), torch.tensor([0])) > before


def test_penalty_is_the_squared_norm_of_the_looked_up_rows():
    model = EmbeddingDotBias(4, 4, 3)
    users, items = torch.tensor([1, 2]), torch.tensor([0, 3])
    _, penalty = model.with_penalty(users, items)
    expected = model.user_factors.weight[users].pow(2).sum() + model.item_factors.weight[items].pow(2).sum()
    assert penalty.item() == pytest.approx(expected.item())


def test_rating_range_widens_the_scale_by_a_tenth():
    assert rating_range((0.5, 5.0)) == pytest.approx((0.05, 5.45))
    assert rating_range((1, 10)) == pytest.approx((0.1, 10.9))


def test_build_model_knows_each_kind_and_refuses_others():
    kinds = {"dot": EmbeddingDot, "dot-bias": EmbeddingDotBias, "nn": EmbeddingNN}
    for kind, cls in kinds.items():
        assert isinstance(build_model(kind, 3, 4, 5, (1, 5), 3.0), cls)
    with pytest.raises(ValueError, match="unknown model"):
        build_model("svd", 3, 4, 5, (1, 5), 3.0)


@pytest.mark.parametrize("kind", ["dot", "dot-bias", "nn"])
def test_every_model_declares_the_rating_model_interface(kind):
    from cf.models import RatingModel, build_model

    model = build_model(kind, 5, 7, 3, (0.5, 5.0), 3.5).eval()  # no dropout
    assert isinstance(model, RatingModel)
    users, items = torch.tensor([0, 4]), torch.tensor([1, 6])
    predicted, penalty = model(users, items, penalty=True)
    assert torch.allclose(model(users, items), predicted) and penalty > 0
    user = model.user_factors.weight[0].detach()
    bias = model.user_bias_values()
    free = model.score_vectors(user, bias[0] if bias is not None else torch.zeros(()), items[:1])
    assert torch.allclose(free, model(users[:1], items[:1]), atol=1e-6)
    assert (model.item_bias_values() is None) == (kind != "dot-bias")
