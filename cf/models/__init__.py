"""Rating models: the embedding models (``nn.Module``s sharing :class:`RatingModel`), the bias-only
baseline, and (in :mod:`cf.models.ease`) the item model that ranks top-N lists.

The baseline needs only NumPy; the embedding models load torch when first used.
"""

from importlib import import_module

from cf.models.baseline import BiasBaseline

_EMBEDDING = (
    "RatingModel",
    "EmbeddingDot",
    "EmbeddingDotBias",
    "EmbeddingNN",
    "build_model",
    "rating_range",
    "sigmoid_range",
)


def __getattr__(name: str):
    if name in _EMBEDDING:
        value = getattr(import_module("cf.models.embedding"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cf.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EMBEDDING))


__all__ = ["BiasBaseline", *_EMBEDDING]
