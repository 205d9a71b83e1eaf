"""Transport-neutral values that flow in and out of the dialog engine."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from dialogs.callbacks import Packed, StepChoice, unpack
from dialogs.company.profile import CompanyProfile
from dialogs.profile import Profile
from knowledge.discovery import Trait
from knowledge.open_places import OpenPlaces
from knowledge.types import Home, OccupationFacts, OccupationHit

EventKind = Literal["text", "choice", "button", "location", "command", "unsupported"]
#: Work the dialog hands to the transport: show places, open a coach request, export or delete data,
#: relay a message to the coach; for a company contact (``dialogs.company``): submit the place being
#: drafted, withdraw or mark as filled the place chosen, hand the person over to the young people's dialog;
#: and from the young people's dialog to the company flow.
Action = Literal[
    "places",
    "coach",
    "export",
    "delete",
    "relay",
    "company_submit",
    "company_withdraw",
    "company_filled",
    "youth",
    "company",
]


@dataclass(frozen=True)
class Event:
    """One thing the young person did: typed text, pressed a button, shared a location, sent a command.

    ``unsupported`` stands for anything the dialog cannot read (stickers, voice, files ...).
    ``choice`` is a button of a dialog step: ``step`` names the step and ``text`` the value.
    ``button`` is a button outside the dialog steps (places list, rating): ``callback`` says which.
    ``command`` keeps what follows the command's name in ``argument`` (``/start betrieb`` from a link).
    """

    kind: EventKind
    text: str = ""
    step: str = ""
    lat: float | None = None
    lon: float | None = None
    callback: Packed | None = None
    argument: str = ""

    @classmethod
    def typed(cls, text: str) -> Event:
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            name, *rest = stripped[1:].split(maxsplit=1)
            return cls("command", name.split("@")[0].lower(), argument=rest[0].strip() if rest else "")
        return cls("text", text)

    @classmethod
    def pressed(cls, data: str) -> Event:
        """A pressed button from its callback data; unreadable data becomes an outdated step choice."""
        callback = unpack(data)
        if isinstance(callback, StepChoice):
            return cls("choice", callback.value, step=callback.step)
        if callback is None:
            return cls("choice")
        return cls("button", callback=callback)


@dataclass(frozen=True)
class Button:
    """A button: a value of a dialog step, or a typed ``callback`` outside the steps."""

    label: str
    step: str = ""
    value: str = ""
    callback: Packed | None = None

    @property
    def data(self) -> str:
        """Callback data, packed by ``dialogs.callbacks`` (at most 64 bytes)."""
        return self.callback.pack() if self.callback is not None else StepChoice(self.step, self.value).pack()


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    ask_location: bool = False
    #: The reply is an updated version of the message whose button was pressed (multi-select toggles).
    replace_previous: bool = False
    #: Hide the "share my location" keyboard again.
    remove_keyboard: bool = False


@dataclass
class State:
    """Everything the dialog knows about one person; stored as one row (``users``, or ``companies`` for a
    company contact, whose answers are ``company``)."""

    lang: str
    step: str = ""
    profile: Profile = field(default_factory=Profile)
    #: A company contact's answers (``dialogs.company``); empty for a young person.
    company: CompanyProfile = field(default_factory=CompanyProfile)
    #: Temporary data of the current step (pending multi-select, match candidates).
    scratch: dict[str, Any] = field(default_factory=dict)
    #: Where to go after the current step when the young person is editing one answer.
    return_to: str | None = None

    @property
    def consented(self) -> bool:
        return self.profile.consent is not None

    @property
    def completed(self) -> bool:
        return self.profile.completed

    def to_json(self) -> dict[str, Any]:
        data = {
            "step": self.step,
            "answers": self.profile.to_json(),
            "scratch": self.scratch,
            "return_to": self.return_to,
        }
        if self.company != _NO_COMPANY:  # a company contact (young people have no company answers)
            data["company"] = self.company.to_json()
        return data

    def copy(self) -> State:
        """A deep copy for the engine to change: the profile field by field, the small JSON-shaped scratch
        through JSON, a company contact's answers through their stored form (young people have none)."""
        company = self.company
        return State(
            lang=self.lang,
            step=self.step,
            profile=self.profile.copy(),
            company=CompanyProfile.from_json(company.to_json())
            if company != _NO_COMPANY
            else CompanyProfile(),
            scratch=json.loads(json.dumps(self.scratch)) if self.scratch else {},
            return_to=self.return_to,
        )

    @classmethod
    def from_json(cls, lang: str, data: dict[str, Any]) -> State:
        return cls(
            lang=lang,
            step=str(data.get("step") or ""),
            profile=Profile.from_json(data.get("answers")),
            scratch=dict(data.get("scratch") or {}),
            return_to=data.get("return_to"),
            company=CompanyProfile.from_json(data.get("company")),
        )


_NO_COMPANY = CompanyProfile()


@dataclass(frozen=True)
class Outcome:
    replies: list[Reply]
    state: State
    #: Actions outside the dialog the transport must carry out.
    actions: tuple[Action, ...] = ()


class HomeFinder(Protocol):
    """Turns a typed postcode or town, or a shared point, into a home (``knowledge.gazetteer``)."""

    def resolve(self, text: str) -> Home | None: ...

    def nearest(self, lat: float, lon: float) -> Home | None: ...


class Occupations(Protocol):
    """The occupation catalogue as the dialog uses it (``knowledge.matcher.OccupationService``)."""

    def match(self, query: str, lang: str, limit: int = 3) -> Sequence[OccupationHit]: ...

    def is_undecided(self, text: str, lang: str = "de") -> bool: ...

    def suggest(
        self, fields: Sequence[str], certificate: str | None, lang: str, limit: int = 5
    ) -> Sequence[OccupationHit]: ...

    def get(self, occupation_id: str, lang: str) -> OccupationHit | None: ...

    def facts(self, occupation_id: str, lang: str) -> OccupationFacts | None: ...

    def traits(self) -> Sequence[Trait]: ...

    def discover(
        self, answers: Mapping[str, bool], certificate: str | None, lang: str, limit: int = 5
    ) -> Sequence[OccupationHit]: ...


@dataclass(frozen=True)
class Services:
    """What the dialog needs from outside: places on a map, occupations, and today's date."""

    gazetteer: HomeFinder
    occupations: Occupations
    today: Callable[[], dt.date] = dt.date.today
    #: Profiles without activity for this long are deleted (``RETENTION_DAYS``); the privacy text says so.
    retention_days: int = 180
    #: Open places per occupation, for the discovery's cards (filled by the bot from its database).
    open_places: OpenPlaces = field(default_factory=OpenPlaces)
