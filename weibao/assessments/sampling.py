"""Reproducible random samples of closed tickets (服务效果抽查).

The rules:

* The population is a list of ticket ids; it is sorted first, so the order the database returned
  them in does not matter.
* The assessor gives a size, or a percent of the population (rounded up: 5 % of 41 tickets is 3).
  A size larger than the population takes the whole population.
* The draw is ``random.Random(seed).sample``; the seed is recorded with the sample, so drawing
  again with the same seed and population gives the same rows. A new seed is
  ``secrets.randbits(32)``.

Pure Python: no Django, no database.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from decimal import ROUND_CEILING, Decimal


class SamplingError(ValueError):
    """A size or percent that cannot be drawn."""


def new_seed() -> int:
    return secrets.randbits(32)


def sample_size(population: int, *, size: int | None = None, percent: Decimal | None = None) -> int:
    """How many rows to draw: ``size``, or ``percent`` of the population rounded up."""
    if (size is None) == (percent is None):
        raise SamplingError("give a size or a percent, not both and not neither")
    if size is not None:
        if size < 1:
            raise SamplingError("the sample size must be at least 1")
        return min(size, population)
    assert percent is not None
    if not Decimal(0) < percent <= Decimal(100):
        raise SamplingError("the percent must be above 0 and at most 100")
    return int((Decimal(population) * percent / 100).to_integral_value(rounding=ROUND_CEILING))


def draw(
    population: Iterable[int], *, seed: int, size: int | None = None, percent: Decimal | None = None
) -> list[int]:
    """The sampled ids, in the order drawn."""
    ids = sorted(set(population))
    k = sample_size(len(ids), size=size, percent=percent)
    return random.Random(seed).sample(ids, k)
