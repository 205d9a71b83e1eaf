"""Secondary suppression: hidden small counts of people must not be recomputable from a shown total.

Counts from 1 to 4 are shown as ``<5`` (primary suppression). Where the rows of a table add up to a total
that is shown (each person in exactly one row), a single ``<5`` could be recomputed as the total minus the
other rows: 9 people, 7 in one row, so the "<5" row is 2. :func:`protect_column` then hides the smallest
other counts too (``x``) until no hidden count can be pinned to one value from the shown counts and the
total, even by somebody who knows that ``<5`` means 1-4 and ``x`` at least 5 (:func:`pinned`). When even
hiding every other count is not enough (two groups of 4, total 8), the total must be hidden as well.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.report.query import MIN_PEOPLE

#: A count hidden because it is 1-4, and one hidden so that such a count cannot be recomputed.
SMALL, HIDDEN = "<5", "x"


def _possible(index: int, domains: Sequence[tuple[int, int | None]], hidden_sum: int) -> int:
    """How many values hidden cell ``index`` can take, given every hidden cell's range and their sum."""
    low, high = domains[index]
    others = [d for i, d in enumerate(domains) if i != index]
    rest_low = sum(lo for lo, _ in others)
    rest_high = None if any(hi is None for _, hi in others) else sum(hi or 0 for _, hi in others)
    top = hidden_sum - rest_low if high is None else min(high, hidden_sum - rest_low)
    bottom = max(low, hidden_sum - rest_high) if rest_high is not None else low
    return max(0, top - bottom + 1)


def pinned(values: Sequence[int], hidden: set[int], total: int) -> bool:
    """Could one hidden cell be recomputed from the shown cells and the column's total? ``<5`` cells are
    known to be 1-4, ``x`` cells at least 5."""
    if not hidden:
        return False
    hidden_sum = total - sum(v for i, v in enumerate(values) if i not in hidden)
    cells = sorted(hidden)
    domains = [(1, MIN_PEOPLE - 1) if 0 < values[i] < MIN_PEOPLE else (MIN_PEOPLE, None) for i in cells]
    return any(_possible(n, domains, hidden_sum) < 2 for n in range(len(cells)))


def protect_column(values: Sequence[int]) -> tuple[list[str], bool]:
    """A column of people counts as shown in a table with a known total: ``<5`` for 1-4, and ``x`` for as
    many of the smallest other counts as it takes so that no hidden count can be recomputed. ``False``
    when even that is not enough (e.g. two groups of 4 and a total of 8): then the total must be hidden."""
    total = sum(values)
    hidden = {i for i, v in enumerate(values) if 0 < v < MIN_PEOPLE}
    protected = True
    if total >= MIN_PEOPLE:
        while pinned(values, hidden, total):
            candidates = sorted((v, i) for i, v in enumerate(values) if i not in hidden and v > 0)
            if not candidates:
                protected = False
                break
            hidden.add(candidates[0][1])
    cells = [
        (SMALL if 0 < v < MIN_PEOPLE else HIDDEN) if i in hidden else str(v) for i, v in enumerate(values)
    ]
    return cells, protected
