"""Transport-neutral values that flow in and out of the dialog engine."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from knowledge.types import Home, OccupationHit

EventKind = Literal["text", "choice", "location", "command", "unsupported"]


@dataclass(frozen=True)
class Event:
    """One thing the young person did: typed text, pressed a button, shared a location, sent a command.

    ``unsupported`` stands for anything the dialog cannot read (stickers, voice, files ...).
    For ``choice`` events ``step`` names the step the pressed button belongs to and ``text`` the value.
    """

    kind: EventKind
    text: str = ""
    step: str = ""
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def typed(cls, text: str) -> Event:
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            name = stripped[1:].split(maxsplit=1)[0].split("@")[0].lower()
            return cls("command", name)
        return cls("text", text)


@dataclass(frozen=True)
class Button:
    label: str
    step: str
    value: str

    @property
    def data(self) -> str:
        """Compact ASCII id (``step:value``), small enough for Telegram's 64-byte callback data."""
        return f"{self.step}:{self.value}"


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
    """Everything the dialog knows about one young person; stored as one row."""

    lang: str
    step: str = "age"
    answers: dict[str, Any] = field(default_factory=dict)
    #: Temporary data of the current step (pending multi-select, match candidates).
    scratch: dict[str, Any] = field(default_factory=dict)
    #: Where to go after the current step when the young person is editing one answer.
    return_to: str | None = None

    @property
    def consented(self) -> bool:
        return bool(self.answers.get("consent"))

    @property
    def completed(self) -> bool:
        return bool(self.answers.get("completed"))

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "answers": self.answers,
            "scratch": self.scratch,
            "return_to": self.return_to,
        }

    def copy(self) -> State:
        """A deep copy, made the way the state is stored (JSON), which is also the fastest way."""
        return State.from_json(self.lang, json.loads(json.dumps(self.to_json())))

    @classmethod
    def from_json(cls, lang: str, data: dict[str, Any]) -> State:
        return cls(
            lang=lang,
            step=str(data.get("step") or "age"),
            answers=dict(data.get("answers") or {}),
            scratch=dict(data.get("scratch") or {}),
            return_to=data.get("return_to"),
        )


@dataclass(frozen=True)
class Outcome:
    replies: list[Reply]
    state: State
    #: Actions outside the dialog the transport must carry out (e.g. ``"coach"``).
    actions: tuple[str, ...] = ()


class HomeFinder(Protocol):
    """Turns a typed postcode or town, or a shared point, into a home (``knowledge.gazetteer``)."""

    def resolve(self, text: str) -> Home | None: ...

    def nearest(self, lat: float, lon: float) -> Home | None: ...


class Occupations(Protocol):
    def match(self, query: str, lang: str, limit: int = 3) -> Sequence[OccupationHit]: ...

    def suggest(
        self, fields: Sequence[str], certificate: str | None, lang: str, limit: int = 5
    ) -> Sequence[OccupationHit]: ...

    def get(self, occupation_id: str, lang: str) -> OccupationHit | None: ...


@dataclass(frozen=True)
class Services:
    """What the dialog needs from outside: places on a map, occupations, and today's date."""

    gazetteer: HomeFinder
    occupations: Occupations
    today: Callable[[], dt.date] = dt.date.today
