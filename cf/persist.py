"""The model file: a fitted recommender's parts in a format that cannot run code when opened.

:meth:`cf.Recommender.save` and :meth:`cf.Recommender.load` use it. It meets the recommender
through plain parts: the writers take anything with the fields of :class:`ModelParts` (a
recommender has them), and :func:`read` returns a :class:`ModelParts` that
:meth:`cf.Recommender.load` assembles. So this module does not import the recommender.

The file is written with ``torch.save`` and read with ``torch.load(weights_only=True)``:
only tensors, numbers, strings, lists and dicts are accepted, so a crafted pickle that
would run code is refused. A model file is an upload like any other.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

import numpy as np
import pandas as pd
import torch

from cf.config import TrainConfig
from cf.data import DataError, IdMap, Movies, extras
from cf.models import BiasBaseline, RatingModel, build_model
from cf.placement import Placement

FORMAT = "cf-recommender"
VERSION = 1


class SavedParts(Protocol):
    """What a model file holds: a fitted recommender has these fields, and so has :class:`ModelParts`."""

    model: RatingModel
    users: IdMap
    items: IdMap
    baseline: BiasBaseline
    scale: tuple[float, float]
    known: pd.DataFrame
    movies: Movies
    config: TrainConfig
    metadata: dict
    placement: Placement | None


@dataclass
class ModelParts:
    """A model file's contents, read back: the fields a :class:`cf.Recommender` is built from.

    Attributes are as in :class:`cf.Recommender` (``model``, the id maps, ``baseline``,
    ``scale``, ``known`` ratings, ``movies``, ``config``, ``metadata`` and ``placement``).
    """

    model: RatingModel
    users: IdMap
    items: IdMap
    baseline: BiasBaseline
    scale: tuple[float, float]
    known: pd.DataFrame
    movies: Movies
    config: TrainConfig
    metadata: dict = field(default_factory=dict)
    placement: Placement | None = None


def save(recommender: SavedParts, target: str | os.PathLike | IO[bytes]) -> None:
    """Write ``recommender`` (or any :class:`SavedParts`) to a path or a binary file object."""
    torch.save(to_payload(recommender), target)


def to_bytes(recommender: SavedParts) -> bytes:
    """The model file's bytes (for a download button)."""
    buffer = io.BytesIO()
    save(recommender, buffer)
    return buffer.getvalue()


def to_payload(recommender: SavedParts) -> dict:
    """Everything needed to rebuild the recommender, as plain types and tensors."""
    frame = recommender.movies.frame.reindex(recommender.items.ids)
    known = recommender.known
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": recommender.config.to_dict(),
        "state_dict": {k: v.detach().cpu() for k, v in recommender.model.state_dict().items()},
        "users": _ids_out(recommender.users),
        "items": _ids_out(recommender.items),
        "baseline": {
            "mean": float(recommender.baseline.mean),
            "user_bias": torch.tensor(recommender.baseline.user_bias),
            "item_bias": torch.tensor(recommender.baseline.item_bias),
        },
        "scale": [float(s) for s in recommender.scale],
        "known": {
            "user": torch.tensor(known["user"].to_numpy(np.int64)),
            "item": torch.tensor(known["item"].to_numpy(np.int64)),
            "rating": torch.tensor(known["rating"].to_numpy(np.float32)),
            "held_out": torch.tensor(known["held_out"].to_numpy(bool)),
        },
        "movies": {
            "title": frame["title"].tolist(),
            "genres": ["|".join(g) for g in frame["genres"]],
            "extra": _extras_out(frame, recommender.movies.extra_names()),
        },
        "metadata": {**recommender.metadata, "saved": datetime.now(UTC).isoformat(timespec="seconds")},
        "placement": recommender.placement.to_dict() if recommender.placement is not None else None,
    }


def read(source: str | os.PathLike | bytes | IO[bytes], name: str = "model file") -> ModelParts:
    """Read a model file written by :func:`save`: the parts :meth:`cf.Recommender.load` assembles.

    Raises
    ------
    DataError
        If the file is not such a model, is damaged, or holds anything but plain data.
    """
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        name = Path(source).name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            payload = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - any failure of the safe unpickler means "refused"
        raise DataError(
            f"{name} was refused: it is not a model file saved by this tool, or it holds objects other "
            f"than plain data, which are never loaded. ({type(error).__name__})"
        ) from None
    try:
        return parts_from_payload(payload)
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as error:
        raise DataError(
            f"{name} is damaged or from an incompatible version ({error}). Train the model again."
        ) from None


def parts_from_payload(payload: dict) -> ModelParts:
    """The recommender's parts from :func:`to_payload`'s dict (checked: raises on anything malformed)."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError("not a cf-recommender file")
    if payload.get("version") != VERSION:
        raise ValueError(f"file version {payload.get('version')}, this tool reads {VERSION}")
    config = TrainConfig.from_dict(payload["config"])
    users, items = _ids_in(payload["users"]), _ids_in(payload["items"])
    scale = (float(payload["scale"][0]), float(payload["scale"][1]))
    base = payload["baseline"]
    baseline = BiasBaseline(float(base["mean"]), base["user_bias"].numpy(), base["item_bias"].numpy())
    model = build_model(config.model, len(users), len(items), config.n_factors, scale, baseline.mean, config.hidden)
    model.load_state_dict(payload["state_dict"], strict=True)
    known = pd.DataFrame({k: v.numpy() for k, v in payload["known"].items()})
    if len(known) and (known["user"].max() >= len(users) or known["item"].max() >= len(items)):
        raise ValueError("rating indices out of range")
    movies = Movies.from_frame(
        pd.DataFrame({"item": items.ids, "title": payload["movies"]["title"], "genres": payload["movies"]["genres"]}),
        extras=_extras_in(payload["movies"].get("extra", {}), len(items)),
    )
    metadata = payload.get("metadata", {})
    placement = payload.get("placement")  # None in files written before placements were kept
    placement = Placement.from_dict(placement) if placement is not None else None
    return ModelParts(model, users, items, baseline, scale, known, movies, config, dict(metadata), placement)


def _extras_out(frame: pd.DataFrame, names: list[str]) -> dict:
    """The movies file's extra columns: numbers as a float64 tensor, text as a list (None where blank)."""
    out: dict = {}
    for name in names:
        values = frame[name]
        if extras.kind(values) == extras.NUMBER:
            out[name] = torch.tensor(values.to_numpy(dtype=np.float64, na_value=np.nan))
        else:
            out[name] = [None if v is None or v != v else str(v) for v in values]
    return out


def _extras_in(saved: dict, n: int) -> pd.DataFrame:
    """The extra columns written by :func:`_extras_out`, checked: at most :data:`extras.MAX_COLUMNS`, ``n`` rows."""
    if not isinstance(saved, dict) or len(saved) > extras.MAX_COLUMNS:
        raise ValueError("the movies' extra columns are malformed")
    columns = {}
    for name, values in saved.items():
        if isinstance(values, torch.Tensor):
            values = values.numpy().astype(np.float64)
        elif not isinstance(values, list) or not all(v is None or isinstance(v, str) for v in values):
            raise ValueError(f"the movies' extra column {str(name)[:40]!r} is malformed")
        if len(values) != n:
            raise ValueError(f"the movies' extra column {str(name)[:40]!r} has {len(values)} rows, not {n}")
        series = pd.Series(values, dtype=None if len(values) else object)
        columns[str(name)[: extras.MAX_NAME]] = extras.clean_values(series)
    return pd.DataFrame(columns, index=pd.RangeIndex(n))


def _ids_out(ids: IdMap) -> torch.Tensor | list[str]:
    values = ids.ids
    return torch.tensor(values.to_numpy(np.int64)) if values.dtype.kind in "iu" else [str(v) for v in values]


def _ids_in(value) -> IdMap:
    if isinstance(value, torch.Tensor):
        return IdMap(pd.Index(value.numpy().astype(np.int64)))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("ids must be a tensor or a list of strings")
    return IdMap(pd.Index(value, dtype=object))
