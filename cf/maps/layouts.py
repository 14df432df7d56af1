"""t-SNE (openTSNE) and UMAP (umap-learn) layouts of embedding vectors, 2-D or 3-D.

Both methods place points by their nearest neighbours. The vectors are compared by
direction (cosine), as the model scores by dot products of directions and lengths mostly
carry popularity; so they are scaled to unit length first. The neighbours are found exactly
with one matrix product per block (fast up to tens of thousands of points), then handed to
the libraries, which skips their approximate index and makes a seed give the same map.
Above :data:`MAX_POINTS` points a layout is fitted on a sample (the most rated first) and the
other points are placed among their nearest fitted neighbours (:func:`place_rest`), so every
point is on the map: 59k movies take half a minute of a core, not two and a half.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

METHODS = ("tsne", "umap")
NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
MAX_POINTS = 10_000
"""The most points a layout is fitted on; bigger sets are sampled (see :func:`sample`)."""
FFT_FROM = 5_000
"""2-D t-SNE of this many points or more uses openTSNE's FFT gradients (Barnes-Hut below)."""
TSNE_STEPS = (125, 300)
"""t-SNE's early-exaggeration and main optimisation steps. openTSNE's defaults are 250 and 500; with its
automatic learning rate and a PCA start these keep nearly as many neighbours (on 9.7k movies, 0.397 of
each movie's 10 nearest against 0.403) in 36% of the time (``python -m benchmarks.maps``)."""
PLACE_NEIGHBOURS = 10
"""A point left out of the sample sits at the similarity-weighted mean of this many nearest fitted points."""
Report = Callable[[str, float], None]
"""A progress callback: (what is happening, share done from 0 to 1)."""


@dataclass(frozen=True)
class LayoutSettings:
    """The main settings of a layout (the ones that change the picture)."""

    method: str = "tsne"
    dims: int = 2
    perplexity: float = 30.0
    n_neighbors: int = 15
    min_dist: float = 0.1
    seed: int = 0
    tsne_steps: tuple[int, int] = TSNE_STEPS
    """t-SNE's early-exaggeration and main steps (not offered on screen; the benchmark compares)."""

    def validate(self) -> LayoutSettings:
        if self.method not in METHODS:
            raise ValueError(f"Unknown layout {self.method!r}: use one of {', '.join(METHODS)}.")
        if self.dims not in (2, 3):
            raise ValueError(f"A map has 2 or 3 axes, not {self.dims}.")
        if not 2 <= self.perplexity <= 100:
            raise ValueError(f"Perplexity {self.perplexity:g} is out of range: use 2 to 100.")
        if not 2 <= self.n_neighbors <= 200:
            raise ValueError(f"Neighbours {self.n_neighbors} is out of range: use 2 to 200.")
        if not 0.0 <= self.min_dist <= 1.0:
            raise ValueError(f"Minimum distance {self.min_dist:g} is out of range: use 0 to 1.")
        return self

    def label(self) -> str:
        """Like ``t-SNE, perplexity 30`` or ``UMAP, 15 neighbours, min. distance 0.1``."""
        if self.method == "tsne":
            return f"t-SNE, perplexity {self.perplexity:g}"
        return f"UMAP, {self.n_neighbors} neighbours, min. distance {self.min_dist:g}"


@dataclass
class Layout:
    """Coordinates of the fitted points.

    Attributes
    ----------
    coords
        One row per vector given (those left out of a sample placed by :func:`place_rest`).
    fitted
        The indices of the vectors the layout was fitted on (all of them unless sampled).
    seconds
        How long the fit took.
    """

    coords: np.ndarray
    fitted: np.ndarray
    seconds: float = 0.0
    settings: LayoutSettings = field(default_factory=LayoutSettings)

    @property
    def sampled(self) -> bool:
        return len(self.fitted) < len(self.coords)

    def axis_labels(self) -> list[str]:
        name = NAMES[self.settings.method]
        return [f"{name} {k + 1}" for k in range(self.coords.shape[1])]


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def sample(n: int, priority: np.ndarray | None, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` of ``n`` points: the highest ``priority`` first (e.g. ratings)."""
    if n <= max_points:
        return np.arange(n)
    order = np.argsort(-np.asarray(priority), kind="stable") if priority is not None else np.arange(n)
    return np.sort(order[:max_points])


def cosine_neighbours(unit: np.ndarray, k: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``k`` nearest neighbours of each row of ``unit`` (self excluded) and their cosine distances."""
    n = len(unit)
    k = max(1, min(k, n - 1))
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, block):
        rows = slice(start, min(start + block, n))
        sims = unit[rows] @ unit.T
        sims[np.arange(sims.shape[0]), np.arange(start, rows.stop)] = -np.inf  # not your own neighbour
        top, top_sims = largest(sims, k)
        indices[rows] = top
        distances[rows] = np.clip(1.0 - top_sims, 0.0, 2.0)
    return indices, distances


def largest(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The columns of the ``k`` largest values in each row, largest first, and those values.

    torch's top-k: five times as fast as NumPy's ``argpartition`` on rows of 10,000 (measured).
    """
    import torch

    found, columns = torch.topk(torch.from_numpy(np.ascontiguousarray(values)), k, dim=1)
    return columns.numpy(), found.numpy()


def place_rest(unit: np.ndarray, fitted: np.ndarray, coords: np.ndarray, k: int = PLACE_NEIGHBOURS) -> None:
    """Fill the rows of ``coords`` not in ``fitted``: each at the mean of its ``k`` nearest fitted points
    (by cosine, weighted by similarity), so points left out of a sample still show on the map."""
    rest = np.setdiff1d(np.arange(len(unit)), fitted)
    anchors = unit[fitted]
    k = max(1, min(k, len(fitted)))
    for start in range(0, len(rest), 2048):
        rows = rest[start : start + 2048]
        sims = unit[rows] @ anchors.T
        top, top_sims = largest(sims, k)
        weights = np.clip(top_sims, 1e-6, None)
        placed = coords[fitted[top]]  # (rows, k, dims)
        coords[rows] = (placed * weights[:, :, None]).sum(1) / weights.sum(1, keepdims=True)


def neighbour_preservation(vectors: np.ndarray, coords: np.ndarray, k: int = 10, block: int = 2048) -> float:
    """The share of each point's ``k`` nearest neighbours (cosine, in ``vectors``) that are also among its
    ``k`` nearest on the map (Euclidean, in ``coords``): 1 keeps every neighbourhood, about ``k / n`` is chance."""
    true, _ = cosine_neighbours(unit_rows(vectors), k)
    points = np.asarray(coords, dtype=np.float64)
    squares = (points**2).sum(1)
    kept = 0
    for start in range(0, len(points), block):
        rows = slice(start, min(start + block, len(points)))
        gaps = squares[rows, None] + squares[None] - 2 * points[rows] @ points.T
        gaps[np.arange(gaps.shape[0]), np.arange(start, rows.stop)] = np.inf
        near = np.argpartition(gaps, k - 1, axis=1)[:, :k]
        kept += sum(len(set(a) & set(b)) for a, b in zip(near.tolist(), true[rows].tolist()))
    return kept / (len(points) * true.shape[1])


def fit_layout(
    vectors: np.ndarray,
    settings: LayoutSettings,
    priority: np.ndarray | None = None,
    max_points: int = MAX_POINTS,
    report: Report | None = None,
) -> Layout:
    """Lay out the rows of ``vectors`` by ``settings`` (t-SNE or UMAP on their directions).

    ``priority`` (e.g. number of ratings) chooses the sample when there are more than
    ``max_points`` rows. ``report`` gets progress. The same settings and seed give the same map.
    """
    import time

    settings = settings.validate()
    report = report or (lambda _what, _share: None)
    started = time.perf_counter()
    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) < 5:
        raise ValueError(f"A {NAMES[settings.method]} map needs at least 5 points; there are {len(vectors)}.")
    fitted = sample(len(vectors), priority, max_points)
    unit = unit_rows(vectors[fitted])
    report("Finding each point's nearest neighbours", 0.05)
    if settings.method == "tsne":
        coords = _tsne(unit, settings, report)
    else:
        coords = _umap(unit, settings, report)
    full = np.full((len(vectors), settings.dims), np.nan)
    full[fitted] = coords
    if len(fitted) < len(vectors):
        report(f"Placing the other {len(vectors) - len(fitted):,} points beside their nearest fitted ones", 0.97)
        place_rest(unit_rows(vectors), fitted, full)
    report("Done", 1.0)
    return Layout(full, fitted, time.perf_counter() - started, settings)


def _tsne(unit: np.ndarray, settings: LayoutSettings, report: Report) -> np.ndarray:
    import openTSNE
    from openTSNE.affinity import PerplexityBasedNN
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    n = len(unit)
    perplexity = min(settings.perplexity, max(1.0, (n - 1) / 3.0))
    indices, distances = cosine_neighbours(unit, min(n - 1, int(3 * perplexity)))
    affinities = PerplexityBasedNN(
        perplexity=perplexity, knn_index=PrecomputedNeighbors(indices, distances), random_state=settings.seed
    )
    early, main = settings.tsne_steps
    total, done = early + main, [0]

    def progress(_iteration: int, _error: float, _embedding) -> None:
        done[0] = min(total, done[0] + 25)
        report(f"t-SNE: step {done[0]} of {total}", 0.1 + 0.85 * done[0] / total)

    tsne = openTSNE.TSNE(
        n_components=settings.dims,
        random_state=settings.seed,
        n_jobs=1,  # threads fight over 2 shared cores (measured: 5x slower), and one is deterministic
        callbacks=progress,
        callbacks_every_iters=25,
        # measured on 9.7k movies, one thread: FFT 38 s CPU, Barnes-Hut 50 s; BH is quicker on small sets
        negative_gradient_method="fft" if settings.dims == 2 and n >= FFT_FROM else "bh",
        early_exaggeration_iter=early,
        n_iter=main,
    )
    return np.asarray(tsne.fit(affinities=affinities, initialization=_pca_init(unit, settings)), dtype=float)


def _pca_init(unit: np.ndarray, settings: LayoutSettings) -> np.ndarray:
    """The first principal axes, scaled as openTSNE recommends (a standard deviation of 1e-4)."""
    centred = unit - unit.mean(0)
    _, _, rows = np.linalg.svd(centred, full_matrices=False)
    init = centred @ rows[: settings.dims].T
    if init.shape[1] < settings.dims:
        init = np.hstack(
            [init, np.random.default_rng(settings.seed).normal(size=(len(init), settings.dims - init.shape[1]))]
        )
    signs = np.sign(init[np.abs(init).argmax(0), np.arange(settings.dims)])
    init = init * np.where(signs == 0, 1, signs)
    return init / (init[:, 0].std() + 1e-12) * 1e-4


def _umap(unit: np.ndarray, settings: LayoutSettings, report: Report) -> np.ndarray:
    n = len(unit)
    k = min(settings.n_neighbors, n - 1)
    indices, distances = cosine_neighbours(unit, k - 1)
    # umap counts each point as its own first neighbour
    indices = np.hstack([np.arange(n)[:, None], indices])
    distances = np.hstack([np.zeros((n, 1), dtype=np.float32), distances])
    report("UMAP: loading (the first time compiles for a minute)", 0.1)
    import umap

    report("UMAP: optimising the layout", 0.3)
    model = umap.UMAP(
        n_components=settings.dims,
        n_neighbors=k,
        min_dist=settings.min_dist,
        metric="cosine",
        random_state=settings.seed,
        n_epochs=200,
        init="spectral" if n > settings.dims + 1 else "random",
        precomputed_knn=(indices, distances, None),
        n_jobs=1,
    )
    return np.asarray(model.fit_transform(unit), dtype=float)
