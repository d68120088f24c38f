"""Learning-rate schedules: the learning rate η as a function of the step number t.

A schedule gives the η the optimizer uses for the step from t to t + 1 (t counted from 0,
so the first step uses η₀, the base learning rate). The values are those of
``torch.optim.lr_scheduler`` after t calls of ``scheduler.step()``, written in their
closed forms (η₀ the base rate):

- ``constant``:     η_t = η₀
- ``step`` (StepLR):            η_t = η₀ · γ^⌊t / step_size⌋
- ``exponential`` (ExponentialLR): η_t = η₀ · γ^t
- ``cosine`` (CosineAnnealingLR): η_t = η_min + (η₀ − η_min) · (1 + cos(π t / T)) / 2,
  which reaches η_min at t = T and, like torch's, climbs back after it (a period of 2T)

A linear **warm-up** of W steps (LinearLR with start factor s and end factor 1, then the
schedule, as ``SequentialLR`` with the milestone W runs them) goes in front of any kind:
η_t = η₀ · (s + (1 − s) · t / W) for t < W, then the schedule's η at t − W.

η depends on t alone, never on the steps taken before, so a rewound run replays the same
rates, and the rate of any step can be read without running to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class ScheduleError(ValueError):
    """A schedule kind or setting that cannot be used."""


#: the setting of a kind → (default, low, high, whole number?, what it does)
SETTINGS: dict[str, tuple[float, float, float, bool, str]] = {
    "step_size": (50, 1, 10**7, True, "steps between two cuts of η"),
    "gamma": (0.5, 1e-6, 1.0, False, "the factor η is multiplied by at each cut"),
    "steps": (1000, 1, 10**7, True, "the steps T over which η falls to its floor"),
    "min_lr": (0.0, 0.0, 100.0, False, "the floor η falls to (η_min)"),
    "warmup": (0, 0, 10**7, True, "steps over which η climbs linearly to its full value"),
    "warmup_start": (1 / 3, 1e-6, 1.0, False,
                     "the fraction of η the warm-up starts from (torch's start_factor)"),
}
#: the kinds, each with its label and the settings it takes (besides the warm-up's)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "constant": ("Constant", ()),
    "step": ("Step decay", ("step_size", "gamma")),
    "exponential": ("Exponential decay", ("gamma",)),
    "cosine": ("Cosine annealing", ("steps", "min_lr")),
}
WARMUP_SETTINGS = ("warmup", "warmup_start")
#: γ's default differs by kind: halving every 50 steps, or 1 % less every step
GAMMA_DEFAULTS = {"step": 0.5, "exponential": 0.99}


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule: its kind, the settings of that kind and the warm-up.

    Settings a kind does not take keep their defaults (and are not saved). Make one with
    ``make_schedule``, which checks every value.
    """

    kind: str = "constant"
    step_size: int = 50
    gamma: float = 0.5
    steps: int = 1000
    min_lr: float = 0.0
    warmup: int = 0
    warmup_start: float = 1 / 3

    @property
    def varies(self) -> bool:
        """Return whether η changes from step to step (not a constant without warm-up)."""
        return self.kind != "constant" or self.warmup > 0

    def settings(self) -> dict[str, float]:
        """Return the settings this schedule uses, by name (the warm-up's only if it has one)."""
        keys = KINDS[self.kind][1] + (WARMUP_SETTINGS if self.warmup else ())
        return {key: getattr(self, key) for key in keys}

    def rate(self, base: float, t: int) -> float:
        """Return η for the step from t to t + 1, for the base learning rate η₀ = ``base``."""
        if t < self.warmup:
            s = self.warmup_start
            return base * (s + (1.0 - s) * t / self.warmup)
        t -= self.warmup
        if self.kind == "step":
            return base * self.gamma ** (t // self.step_size)
        if self.kind == "exponential":
            return base * self.gamma ** t
        if self.kind == "cosine":
            return self.min_lr + (base - self.min_lr) * (1.0 + math.cos(math.pi * t / self.steps)) / 2
        return base

    def describe(self) -> str:
        """Return the schedule in a few words: ``step decay: ×0.5 every 50 steps``."""
        if self.kind == "step":
            text = f"×{self.gamma:g} every {self.step_size:,} steps"
        elif self.kind == "exponential":
            text = f"×{self.gamma:g} every step"
        elif self.kind == "cosine":
            text = f"down to {self.min_lr:g} over {self.steps:,} steps"
        else:
            text = "η stays as set"
        if self.warmup:
            text += f", after a warm-up of {self.warmup:,} steps"
        return f"{KINDS[self.kind][0].lower()}: {text}"


def make_schedule(kind: str = "constant", **settings: float) -> Schedule:
    """Return a schedule, checking the kind and every setting (raises ``ScheduleError``)."""
    if kind not in KINDS:
        raise ScheduleError(f"unknown schedule {kind!r}; choose one of {', '.join(KINDS)}")
    allowed = KINDS[kind][1] + WARMUP_SETTINGS
    values: dict[str, float] = {}
    if kind in GAMMA_DEFAULTS:
        values["gamma"] = GAMMA_DEFAULTS[kind]
    for key, value in settings.items():
        if key not in allowed:
            raise ScheduleError(f"a {kind} schedule has no setting {key!r} "
                                f"(it has: {', '.join(allowed)})")
        _, low, high, whole, _ = SETTINGS[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not math.isfinite(value) or (whole and not float(value).is_integer()):
            raise ScheduleError(f"{key} must be {'a whole number' if whole else 'a number'}, "
                                f"got {value!r}")
        if not low <= value <= high:
            raise ScheduleError(f"{key} must be in {low:g}–{high:g}, got {value:g}")
        values[key] = int(value) if whole else float(value)
    return Schedule(kind, **values)


CONSTANT = Schedule()
