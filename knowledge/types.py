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
    #: Found by its exact name or postcode; ``False`` for a fuzzy guess (a typo, or another word).
    exact: bool = True
    #: How close a fuzzy guess was (rapidfuzz ratio, 0-100).
    score: float = 100.0
    #: The nearest big city, to tell villages and districts apart ("Friesdorf (Bonn)").
    area: str = ""


@dataclass(frozen=True)
class OccupationHit:
    """An occupation as the dialog shows it: id, official German name, name in the reader's language."""

    id: str
    name: str
    local_name: str
    score: float
