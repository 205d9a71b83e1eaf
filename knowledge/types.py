"""Values that knowledge/ hands out: a resolved home location and an occupation found by the matcher.

They live here, not in dialogs/, so the dependency order is knowledge ← dialogs ← bot.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Home:
    """Where a young person lives: a town (or shared point) with coordinates."""

    name: str
    lat: float
    lon: float
    postcode: str = ""


@dataclass(frozen=True)
class OccupationHit:
    """An occupation as the dialog shows it: id, official German name, name in the reader's language."""

    id: str
    name: str
    local_name: str
    score: float
