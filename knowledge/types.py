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
    """An occupation as the dialog shows it: id, official German name, name in the reader's language, and
    why it was offered."""

    id: str
    name: str
    local_name: str
    score: float
    #: How it was found: ``name`` (its name, or a typo of it), ``description`` (what the text describes),
    #: ``related`` (similar to another occupation), ``discovery`` (quiz answers), ``suggestion`` (fields).
    kind: str = "name"
    #: For ``related``: the reason code, one of ``knowledge.related.REASONS``; empty otherwise.
    reason: str = ""
    #: What it fits: vocabulary concept ids (``autos``) or discovery trait ids (``outdoors``).
    why: tuple[str, ...] = ()
    #: The same in the reader's language, ready for "passt zu: …" (``Autos``).
    why_label: str = ""


@dataclass(frozen=True)
class OccupationFacts:
    """What an occupation card tells: one sentence of what you do, how long, the usual certificate."""

    id: str
    name: str
    local_name: str
    #: One simple German sentence ("Du …").
    description: str
    duration_months: int
    #: The school certificate most trainees have (``esa`` … ``abi``).
    certificate: str
    #: ``dual``, ``schulisch`` or ``beamtenausbildung``.
    type: str
    #: The occupation's page in the Bundesagentur für Arbeit's BERUFENET (a search by its name).
    url: str
