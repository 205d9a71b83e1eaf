"""Which coach group answers a young person: one group per operator (``COACH_GROUPS``), chosen by the
person's town, else the nearest configured town; ``COACH_CHAT_ID`` for people without a location yet.

``COACH_GROUPS="Herne=-1001111111111,Bochum=-1002222222222"``: a person from Herne goes to Herne's group,
one from Witten or Castrop-Rauxel (or a shared point) to the group of the nearest configured town. Alone,
``COACH_CHAT_ID`` is one group for everyone; with ``COACH_GROUPS`` it is the group of people who have not
said where they live (without it, the first group listed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.coach.hours import CoachHours
from bot.config import ConfigError, Settings
from knowledge.gazetteer import Gazetteer, distance_km


class Place(Protocol):
    """Where a person lives, as the profile keeps it (``dialogs.profile.Location``)."""

    @property
    def name(self) -> str: ...

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


@dataclass(frozen=True)
class CoachGroup:
    """One operator's coach group (a Telegram forum supergroup)."""

    #: Position in the routing, used in callback data (``CoachHandOver``).
    index: int
    chat_id: int
    #: The town as the gazetteer spells it; empty for the ``COACH_CHAT_ID`` group without a town.
    town: str = ""
    lat: float | None = None
    lon: float | None = None
    hours: CoachHours | None = None
    #: Who answers, per chat language (``COACH_CONTACT_TEXT_<TOWN>[_<LANG>]``).
    contact_texts: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How coaches and young people see the group: its town (or nothing for the only group)."""
        return self.town


@dataclass(frozen=True)
class CoachRouting:
    groups: tuple[CoachGroup, ...]
    #: The group of people without a location.
    fallback: CoachGroup

    def group_for(self, home: Place | None) -> CoachGroup:
        """The group of the person's town, else of the nearest configured town; the fallback without one."""
        located = [g for g in self.groups if g.lat is not None and g.lon is not None]
        if home is None or not located:
            return self.fallback
        for group in located:
            if group.town.casefold() == home.name.casefold():
                return group
        return min(located, key=lambda g: distance_km(home.lat, home.lon, g.lat or 0.0, g.lon or 0.0))

    def by_chat(self, chat_id: int | None) -> CoachGroup | None:
        return next((g for g in self.groups if g.chat_id == chat_id), None)

    def of_handoff(self, chat_id: int | None) -> CoachGroup:
        """The group a hand-off belongs to (hand-offs from before groups existed: the fallback group)."""
        return self.by_chat(chat_id) or self.fallback

    def by_index(self, index: int) -> CoachGroup | None:
        return self.groups[index] if 0 <= index < len(self.groups) else None

    @property
    def chat_ids(self) -> list[int]:
        return [g.chat_id for g in self.groups]

    def by_town(self, town: str) -> CoachGroup | None:
        return next((g for g in self.groups if g.town and g.town.casefold() == town.casefold()), None)

    def area(self, group: CoachGroup, towns: Iterable[Place]) -> frozenset[str]:
        """The names of the ``towns`` whose people this group has (its own town and those nearest to it)."""
        return frozenset(town.name for town in towns if self.group_for(town) == group)


def coach_routing(settings: Settings, gazetteer: Gazetteer) -> CoachRouting | None:
    """The coach groups of the settings; ``None`` when neither ``COACH_GROUPS`` nor ``COACH_CHAT_ID`` is set.

    A town in ``COACH_GROUPS`` the gazetteer does not know exactly stops start-up (``ConfigError``)."""
    groups: list[CoachGroup] = []
    for town, chat_id in settings.coach_group_pairs:
        home = gazetteer.resolve(town)
        if home is None or not home.exact or home.name.casefold() != town.casefold():
            guess = f" (did you mean {home.name}?)" if home is not None else ""
            raise ConfigError(f"COACH_GROUPS: unknown town {town!r}{guess}")
        groups.append(
            CoachGroup(
                len(groups), chat_id, home.name, home.lat, home.lon,
                hours=settings.group_hours(home.name), contact_texts=settings.group_contact_texts(home.name),
            )
        )  # fmt: skip
    fallback_id = settings.coach_chat_id
    fallback = next((g for g in groups if g.chat_id == fallback_id), None)
    if fallback is None and fallback_id is not None:
        fallback = CoachGroup(len(groups), fallback_id, hours=settings.hours)
        groups.append(fallback)
    if not groups:
        return None
    return CoachRouting(tuple(groups), fallback or groups[0])
