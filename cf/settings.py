"""The table of training settings: one row per :class:`~cf.config.TrainConfig` field.

Each row (:class:`Setting`) says how people read the setting (a plain label and a help
sentence in plain words, with the specialist's term beside it), what it accepts and its
default (read from :mod:`cf.config`, never repeated), its command-line flag, its key in a
page address, and whether a tuning sweep can vary it (with sensible values, and whether they
are spread on a log scale). The command line (:mod:`cf.cli`), the sweep (:mod:`cf.sweep`),
the charts (:mod:`cf.plots`), the report (:mod:`cf.report`) and the app's Train form and
links all take their words and ranges from here, so a setting has one name everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cf.config import ENGINES, LIMITS, MODEL_KINDS, TrainConfig

ENGINE_LABELS = {
    "auto": "Automatic",
    "torch": "PyTorch (autograd)",
    "rowwise": "Compiled, row by row (CPU)",
}
"""Training loops (:data:`cf.config.ENGINES`) in words."""


@dataclass(frozen=True)
class Setting:
    """One training setting: its words, what it accepts, and where it appears."""

    name: str
    """The :class:`~cf.config.TrainConfig` field."""
    label: str
    """The plain label, the same on the form, in charts, tables and the report."""
    help: str
    """What it does, in plain words (a sentence or two)."""
    term: str
    """The specialist's name for it."""
    flag: str | None = None
    """The command-line option (``train``, ``cv`` and ``tune``), or None when there is none."""
    link: str | None = None
    """The key in a page address (the app's shareable links), or None."""
    sweep: tuple[float, ...] = ()
    """Sensible values for a tuning sweep; empty when a sweep cannot vary it."""
    log: bool = False
    """Whether its sweep values are spread on a log scale (charts draw a log axis)."""
    percent: bool = False
    """Shown as a percentage (a share between 0 and 1)."""

    @property
    def default(self) -> Any:
        """The default, from :class:`~cf.config.TrainConfig`."""
        return getattr(TrainConfig(), self.name)

    @property
    def range(self) -> tuple[float, float] | None:
        """The accepted range (inclusive) of a numeric setting, from :data:`cf.config.LIMITS`; else None."""
        return LIMITS.get(self.name)

    @property
    def choices(self) -> tuple[str, ...] | None:
        """The accepted values of a setting that is one of a few names; else None."""
        return {"model": tuple(MODEL_KINDS), "engine": ENGINES}.get(self.name)

    @property
    def whole(self) -> bool:
        """Whether it takes whole numbers only."""
        if self.name in _WHOLE_OR_AUTO:
            return True
        return isinstance(self.default, int) and not isinstance(self.default, bool)

    @property
    def sweepable(self) -> bool:
        """Whether a tuning sweep can vary it."""
        return bool(self.sweep)

    def described(self) -> str:
        """The help sentence with the specialist's term (for a form's help and the command line)."""
        if self.term.removeprefix("the ").lower() == self.label.lower():
            return self.help
        return f"{self.help} Specialists call it {self.term}."

    def range_text(self) -> str:
        """``"1 to 512"``: the accepted range in words (empty without one)."""
        if self.range is None:
            return ""
        return " to ".join(f"{v:,}" if isinstance(v, int) else f"{v:g}" for v in self.range)

    def plain(self, value: Any) -> str:
        """``value`` as people read it: model and engine names in words, shares as percentages, None as Auto."""
        if value is None:
            return "Auto"
        if isinstance(value, bool):
            return "On" if value else "Off"
        if self.name == "model":
            return MODEL_KINDS[value].label if value in MODEL_KINDS else str(value)
        if self.name == "engine":
            return ENGINE_LABELS.get(value, str(value))
        if self.name == "device" and value == "auto":
            return "Automatic"
        if self.percent:
            return f"{float(value):.0%}"
        if isinstance(value, (tuple, list)):
            return ", ".join(str(v) for v in value)
        if isinstance(value, int):
            return str(value) if self.name == "seed" else f"{value:,}"
        return f"{value:g}" if isinstance(value, float) else str(value)

    def to_link(self, value: Any) -> str:
        """``value`` as written in a page address (shares in percent, no value as ``auto``)."""
        if value is None:
            return "auto"
        if self.percent:
            value = value * 100
        return f"{value:g}" if isinstance(value, float) else str(value)

    def from_link(self, text: str) -> Any:
        """A page address's text back into a value; raises ValueError when it is not one."""
        if isinstance(self.default, str):
            return text
        if text.strip().lower() == "auto" and self.default is None:
            return None
        value = int(text) if self.whole else float(text)
        return value / 100 if self.percent else value


_WHOLE_OR_AUTO = ("batch_size", "ranker_max_items")
"""Whole-number settings whose default (None) is picked automatically."""

SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "model",
            "Model",
            "How the model turns a person's and a movie's taste vectors into a predicted rating.",
            "the model architecture",
            flag="--model",
            link="model",
        ),
        Setting(
            "n_factors",
            "Taste dimensions",
            "How many numbers describe each person's taste and each movie. More can capture finer tastes "
            "but take longer and can memorise noise; 20 to 100 is typical.",
            "latent factors (the embedding size)",
            flag="--n-factors",
            link="factors",
            sweep=(16, 32, 64, 128),
        ),
        Setting(
            "epochs",
            "Training passes",
            "How many times training goes through every rating. Watch the validation line: when it stops "
            "falling, more passes do not help.",
            "epochs",
            flag="--epochs",
            link="epochs",
            sweep=(3, 6, 10, 15),
        ),
        Setting(
            "lr",
            "Step size",
            "How big each learning step is. Too big and training becomes unstable; too small and it learns "
            "slowly. The default suits most data.",
            "the (peak) learning rate",
            flag="--lr",
            link="lr",
            sweep=(0.005, 0.01, 0.015, 0.03),
            log=True,
        ),
        Setting(
            "weight_decay",
            "Regularisation",
            "How strongly the model is held back from memorising the training ratings. Raise it if the "
            "validation error goes up while the training error keeps falling.",
            "weight decay (an L2 penalty on the embeddings)",
            flag="--weight-decay",
            link="wd",
            sweep=(0.03, 0.05, 0.1, 0.2),
            log=True,
        ),
        Setting(
            "batch_size",
            "Ratings per step",
            "How many ratings each learning step looks at. Auto picks 1,024 for small data and more for "
            "millions of ratings. More run faster per pass, especially on a GPU, but learn less per pass.",
            "the batch size",
            flag="--batch-size",
            link="batch",
        ),
        Setting(
            "valid_frac",
            "Validation share",
            "The share of ratings kept aside to check how well the model predicts ratings it has not seen. "
            "With none kept aside, training uses every rating but gives no accuracy score.",
            "the validation fraction",
            flag="--valid-frac",
            link="valid",
            percent=True,
        ),
        Setting(
            "seed",
            "Random seed",
            "The same seed and settings give the same model. Change it to see how much results vary.",
            "the random seed",
            flag="--seed",
            link="seed",
        ),
        Setting(
            "device",
            "Processor",
            "Where training runs: automatic (a CUDA GPU, then Apple's GPU, then the CPU), cpu, cuda or mps.",
            "the torch device",
            flag="--device",
        ),
        Setting(
            "hidden",
            "Network layers",
            "The sizes of the neural network's layers (the neural model only).",
            "hidden layer widths of the MLP",
        ),
        Setting(
            "engine",
            "Training engine",
            "Which training loop runs: automatic (the compiled one for the dot-product models on a CPU), "
            "PyTorch, or the compiled one.",
            "the training loop (rowwise: compiled lazy Adam; torch: autograd)",
            flag="--engine",
        ),
        Setting(
            "knn_blend",
            "Neighbour blend",
            "How much of a second opinion goes into each predicted rating: what the person gave the most "
            "similar movies they rated. Auto picks it.",
            "the item-neighbour (item kNN) blend weight",
            percent=True,
        ),
        Setting(
            "ranker_l2",
            "List regularisation",
            "How strongly the model that ranks the top lists is held back from memorising who rated what. "
            "Higher favours well-known movies.",
            "the ranker's L2 penalty (EASE's lambda)",
            flag="--ranker-l2",
            sweep=(50.0, 100.0, 200.0, 500.0, 1000.0),
            log=True,
        ),
        Setting(
            "ranker_min_ratings",
            "Fewest ratings for lists",
            "Movies with fewer training ratings are left out of the top lists.",
            "the ranker's minimum item support",
        ),
        Setting(
            "ranker_max_items",
            "Most movies for lists",
            "At most this many of the most rated movies can appear in the top lists; Auto: 6,000 on a CPU, "
            "40,000 on a GPU.",
            "the ranker's item cap",
        ),
        Setting(
            "auto",
            "Auto",
            "Before training, a few quick runs on part of the training ratings pick the regularisation, the "
            "passes, the step size and the neighbour blend for this data.",
            "automatic hyper-parameter tuning on an internal validation split",
        ),
    )
}
"""Every training setting by its :class:`~cf.config.TrainConfig` field name, in the form's order."""


def setting(name: str) -> Setting:
    """The row of setting ``name`` (a :class:`~cf.config.TrainConfig` field)."""
    return SETTINGS[name]


def label(name: str) -> str:
    """The plain label of setting ``name``, or ``name`` itself when it is not a setting."""
    return SETTINGS[name].label if name in SETTINGS else name


def sweepable() -> dict[str, Setting]:
    """The settings a tuning sweep can vary, in table order."""
    return {name: s for name, s in SETTINGS.items() if s.sweepable}
