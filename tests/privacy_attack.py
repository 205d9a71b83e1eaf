"""The attack on secondary suppression, shared by the tests of the funnel and of the market report."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from bot.report.suppression import SMALL


def hidden_values(column: Sequence[str], total: int) -> list[set[int]]:
    """The attack: every value each hidden cell can take, knowing the total, that ``<5`` is 1-4 and ``x``
    at least 5 (brute force over all combinations)."""
    hidden = [i for i, cell in enumerate(column) if not cell.isdigit()]
    rest = total - sum(int(cell) for cell in column if cell.isdigit())
    ranges = [range(1, 5) if column[i] == SMALL else range(5, rest + 1) for i in hidden]
    seen: list[set[int]] = [set() for _ in hidden]
    for combination in itertools.product(*ranges):
        if sum(combination) == rest:
            for values, value in zip(seen, combination, strict=True):
                values.add(value)
    return seen
