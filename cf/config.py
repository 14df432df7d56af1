"""Training settings: the :class:`TrainConfig` dataclass and the accepted range of each knob.

Kept apart from :mod:`cf.training` so that forms and command lines can show and check the
settings without loading torch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import NamedTuple


class ModelKind(NamedTuple):
    """What a model name stands for, in words for people."""

    label: str
    description: str


MODEL_KINDS = {
    "dot": ModelKind("Plain dot product", "Taste vectors only, no biases. Simpler, usually a little less accurate."),
    "dot-bias": ModelKind(
        "Dot product with biases",
        "A taste vector for each user and movie, plus how generous each user is and how well liked each movie is.",
    ),
    "nn": ModelKind(
        "Neural network", "Both vectors go through a small neural network. Slower; can find subtler patterns."
    ),
}
"""The model names (plain dot product, dot product with biases: the default, neural) and what each is."""
ENGINES = ("auto", "torch", "rowwise")
"""Training loops: ``torch`` (autograd, dense Adam), ``rowwise`` (compiled lazy Adam, CPU dot models)."""

LIMITS = {
    "n_factors": (1, 512),
    "epochs": (1, 500),
    "lr": (1e-5, 1.0),
    "weight_decay": (0.0, 10.0),
    "batch_size": (16, 1_048_576),
    "valid_frac": (0.0, 0.5),
    "knn_blend": (0.0, 1.0),
    "ranker_l2": (0.0, 1e6),
    "ranker_min_ratings": (1, 1_000_000),
    "ranker_max_items": (2, 1_000_000),
}
"""Accepted range of each numeric setting (inclusive)."""
SMALL_BATCH = 4096
"""Batches up to this size train on one CPU thread."""


class ConfigError(ValueError):
    """A training setting out of its range, with the range in the message."""


class TrainingDiverged(RuntimeError):
    """Raised only when training diverges before finishing a single epoch."""


@dataclass
class TrainConfig:
    """Settings of one training run. The defaults are tuned for MovieLens-style data."""

    model: str = "dot-bias"
    """``dot`` (plain dot product), ``dot-bias`` (with biases and a sigmoid range) or ``nn`` (MLP)."""
    n_factors: int = 50
    """Length of each user and movie embedding (latent factors)."""
    epochs: int = 6
    """Passes over the training ratings."""
    lr: float = 0.015
    """Peak learning rate of the one-cycle schedule (Adam)."""
    weight_decay: float = 0.1
    """L2 penalty on the embeddings of each rating's user and movie (regularisation)."""
    batch_size: int | None = None
    """Ratings per optimisation step; None picks it from the data size (:func:`cf.placement.auto_batch_size`)."""
    valid_frac: float = 0.1
    """Share of ratings held out to report validation RMSE each epoch (0 for none)."""
    seed: int = 42
    """Seed of the initial weights, the shuffling and the validation split."""
    device: str = "auto"
    """``auto`` (the ``CF_DEVICE`` variable, else by data size and hardware: :func:`cf.placement.place`), or a
    torch device name."""
    hidden: tuple[int, ...] = (64,)
    """Hidden layer widths of the ``nn`` model."""
    engine: str = "auto"
    """``auto`` (``rowwise`` for the dot models on a CPU, else ``torch``), ``torch`` or ``rowwise``."""
    knn_blend: float = 0.0
    """Share of the item-neighbour prediction (:mod:`cf.models.knn`) in each predicted rating; 0 for the
    embedding model alone. Auto picks it. The embeddings (maps, similar movies, fold-in) are unaffected."""
    ranker_l2: float = 200.0
    """Ridge penalty of the item model that ranks top-N lists (EASE's lambda; :mod:`cf.models.ease`)."""
    ranker_min_ratings: int = 5
    """Movies with fewer training ratings are left out of the item model (and so of its lists)."""
    ranker_max_items: int | None = None
    """At most this many of the most rated movies in the item model; None: by device (:mod:`cf.placement`:
    6,000 on a CPU, 40,000 on CUDA). A fitted model's config holds the cap it used."""
    auto: bool = False
    """Pick ``weight_decay``, ``epochs``, ``lr`` and ``knn_blend`` for the data from a quick internal
    validation split (:mod:`cf.training.auto`) before training; the model keeps the values picked."""

    def validate(self) -> TrainConfig:
        """Return self, or raise :class:`ConfigError` naming the setting and its range."""
        if self.model not in MODEL_KINDS:
            raise ConfigError(f"model must be one of {', '.join(MODEL_KINDS)}, not {self.model!r}")
        if self.engine not in ENGINES:
            raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if name in ("batch_size", "ranker_max_items") and value is None:
                continue
            if not isinstance(value, (int, float)) or not math.isfinite(value) or not low <= value <= high:
                raise ConfigError(f"{name} must be between {low:g} and {high:g}; got {value!r}")
        for name in ("n_factors", "epochs", "batch_size", "seed", "ranker_min_ratings", "ranker_max_items"):
            if getattr(self, name) is not None and int(getattr(self, name)) != getattr(self, name):
                raise ConfigError(f"{name} must be a whole number; got {getattr(self, name)!r}")
        if not isinstance(self.auto, bool):
            raise ConfigError(f"auto must be True or False; got {self.auto!r}")
        if not self.hidden or any(int(h) < 1 for h in self.hidden):
            raise ConfigError(f"hidden must list positive layer widths; got {self.hidden!r}")
        return self

    def to_dict(self) -> dict:
        """The settings as plain values (JSON and model files; tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Inverse of :meth:`to_dict`: unknown keys are dropped and missing ones take their defaults
        (files written by older versions), then the settings are checked (:meth:`validate`)."""
        names = {f.name for f in fields(cls)}
        known = {k: v for k, v in dict(values).items() if k in names}
        if "hidden" in known:
            known["hidden"] = tuple(int(h) for h in known["hidden"])
        return cls(**known).validate()
