"""What a step of the simulator hands each feeding system's writer, and what a writer uses of the simulator."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np


@dataclass
class Tick:
    """What one step does: its time, the counts drawn and what it wrote."""

    now: datetime
    todo: dict[str, int]
    counts: Counter = field(default_factory=Counter)


class Writer:
    """A feeding system's writer, mixed into seed.simulate.loop.Simulator: it draws from the simulator's one
    random stream (so a seed replays the same rows) and scales by its speed and tick."""

    seed: int
    speed: float
    tick_seconds: float  # how much time one step stands for
    rng: np.random.Generator
