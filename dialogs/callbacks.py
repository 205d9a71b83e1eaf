"""Every button's callback data, packed and unpacked in one place.

Telegram hands a pressed button's data back as a string of at most 64 bytes. Each kind of button is a
small frozen dataclass with a ``PREFIX``; ``pack()`` joins the prefix and the fields with ``:``, and
:func:`unpack` turns a string back into the right kind, with typed fields, or ``None`` when it is
malformed or forged (the transport then simply shows the current question again).

Buttons of dialog steps are :class:`StepChoice`: ``<step id>:<value>``. Step ids therefore must not equal
a prefix of another kind; ``tests/test_callbacks.py`` checks that, and that everything packed fits.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeAlias

#: Telegram's limit for ``callback_data``, in bytes (UTF-8).
MAX_BYTES = 64
SEP = ":"


class Packed:
    """Base of the typed kinds: fields in declaration order after the prefix."""

    PREFIX: ClassVar[str]

    def pack(self) -> str:
        values = [_encode(getattr(self, f.name)) for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        data = SEP.join([self.PREFIX, *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def _unpack(cls, parts: list[str]) -> Packed | None:
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        if len(parts) != len(fields):
            return None
        values: list[Any] = []
        for f, raw in zip(fields, parts, strict=True):
            value = _decode(f.type, raw)
            if value is None:
                return None
            values.append(value)
        try:
            return cls(*values)
        except ValueError:
            return None


def _encode(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _decode(kind: object, raw: str) -> object | None:
    if kind in ("int", int):
        return int(raw) if raw.isdigit() and len(raw) <= 18 else None
    if kind in ("bool", bool):
        return {"1": True, "0": False}.get(raw)
    return raw if raw else None


@dataclass(frozen=True)
class StepChoice:
    """A button of a dialog step: the step it belongs to and the chosen value (may contain ``:``)."""

    step: str
    value: str

    def pack(self) -> str:
        data = f"{self.step}{SEP}{self.value}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
        return data


# ---------------------------------------------------------------- open places (``pl``)


@dataclass(frozen=True)
class PlacesPage(Packed):
    PREFIX: ClassVar[str] = "pl:p"
    page: int


@dataclass(frozen=True)
class PlaceDetails(Packed):
    PREFIX: ClassVar[str] = "pl:d"
    place_id: int
    page: int


@dataclass(frozen=True)
class PlaceInterested(Packed):
    PREFIX: ClassVar[str] = "pl:y"
    place_id: int
    page: int


@dataclass(frozen=True)
class PlaceDismissed(Packed):
    PREFIX: ClassVar[str] = "pl:n"
    place_id: int
    page: int


@dataclass(frozen=True)
class PlaceAlerts(Packed):
    PREFIX: ClassVar[str] = "pl:a"
    on: bool


# ---------------------------------------------------------------- coach desk and rating


@dataclass(frozen=True)
class Rating(Packed):
    """The young person's stars for a closed coach conversation."""

    PREFIX: ClassVar[str] = "rt"
    handoff_id: int
    stars: int

    def __post_init__(self) -> None:
        if not 1 <= self.stars <= 5:
            raise ValueError("stars must be 1-5")


CoachAction: TypeAlias = Literal["take", "close", "reopen"]


@dataclass(frozen=True)
class CoachTake(Packed):
    PREFIX: ClassVar[str] = "co:t"
    handoff_id: int


@dataclass(frozen=True)
class CoachClose(Packed):
    PREFIX: ClassVar[str] = "co:c"
    handoff_id: int


@dataclass(frozen=True)
class CoachReopen(Packed):
    PREFIX: ClassVar[str] = "co:r"
    handoff_id: int


@dataclass(frozen=True)
class CoachHandOver(Packed):
    """Hand a person over to another operator's coach group (``bot/coach/routing.py``, by position)."""

    PREFIX: ClassVar[str] = "co:h"
    handoff_id: int
    group_index: int


# ---------------------------------------------------------------- companies' places (``vf``, ``cp``, ``sh``)


@dataclass(frozen=True)
class VerifyApprove(Packed):
    """A coach approves a company's place ("Freigeben")."""

    PREFIX: ClassVar[str] = "vf:a"
    place_id: int


@dataclass(frozen=True)
class VerifyReject(Packed):
    """A coach wants to reject a company's place: the card then offers the reasons."""

    PREFIX: ClassVar[str] = "vf:r"
    place_id: int


@dataclass(frozen=True)
class VerifyReason(Packed):
    """The reason a coach rejects a place with (a code of ``dialogs.company.steps.REJECT_REASONS``)."""

    PREFIX: ClassVar[str] = "vf:x"
    place_id: int
    reason: str


@dataclass(frozen=True)
class VerifyAsk(Packed):
    """A coach has a question about a place ("Rückfrage"): opens a topic with the company."""

    PREFIX: ClassVar[str] = "vf:q"
    place_id: int


@dataclass(frozen=True)
class VerifyFilled(Packed):
    """A coach records that a young person of the programme got the place."""

    PREFIX: ClassVar[str] = "vf:f"
    place_id: int


@dataclass(frozen=True)
class StillOpen(Packed):
    """The company's answer to "Ist der Platz noch frei?"."""

    PREFIX: ClassVar[str] = "cp:s"
    place_id: int
    open: bool


@dataclass(frozen=True)
class CompanyMeet(Packed):
    """The company would like to meet the young person of a profile card the coach sent."""

    PREFIX: ClassVar[str] = "cp:m"
    share_id: int


@dataclass(frozen=True)
class ShareAnswer(Packed):
    """The young person's answer: may the coach send the company their first name and profile?"""

    PREFIX: ClassVar[str] = "sh:a"
    place_id: int
    yes: bool


@dataclass(frozen=True)
class SendProfile(Packed):
    """A coach sends the profile card of an agreed share to the company."""

    PREFIX: ClassVar[str] = "sh:s"
    share_id: int


#: The answers under a follow-up message (``dialogs/followup.py``).
FollowUpChoice: TypeAlias = Literal["resume", "stop", "searching", "found", "pause"]
FOLLOW_UP_CHOICES: tuple[FollowUpChoice, ...] = ("resume", "stop", "searching", "found", "pause")


@dataclass(frozen=True)
class FollowUpAnswer(Packed):
    """A button under a reminder or the "still looking?" check."""

    PREFIX: ClassVar[str] = "fu"
    choice: str

    def __post_init__(self) -> None:
        if self.choice not in FOLLOW_UP_CHOICES:
            raise ValueError(f"unknown follow-up choice {self.choice!r}")


PLACES_KINDS: tuple[type[Packed], ...] = (
    PlacesPage,
    PlaceDetails,
    PlaceInterested,
    PlaceDismissed,
    PlaceAlerts,
)
COACH_KINDS: tuple[type[Packed], ...] = (CoachTake, CoachClose, CoachReopen, CoachHandOver)
#: Buttons of the coach group's verification cards and share notices (``bot/coach/verification.py``).
VERIFY_KINDS: tuple[type[Packed], ...] = (
    VerifyApprove,
    VerifyReject,
    VerifyReason,
    VerifyAsk,
    VerifyFilled,
    SendProfile,
)
#: Buttons in private chats about companies' places (``bot/companies/service.py``).
COMPANY_KINDS: tuple[type[Packed], ...] = (StillOpen, CompanyMeet, ShareAnswer)
KINDS: tuple[type[Packed], ...] = (
    *PLACES_KINDS, Rating, *COACH_KINDS, *VERIFY_KINDS, *COMPANY_KINDS, FollowUpAnswer
)  # fmt: skip
#: First segments that belong to a typed kind: no step may be called like this.
RESERVED = frozenset(kind.PREFIX.split(SEP)[0] for kind in KINDS)
#: Buttons of earlier versions still in people's chats: old namespace -> step id.
LEGACY_STEPS = {"lang": "language", "pv": "privacy"}

Callback: TypeAlias = StepChoice | Packed


def unpack(data: str) -> Callback | None:
    """The button behind ``data``, or ``None`` when it is empty, malformed or too long."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    for kind in KINDS:
        if data.startswith(kind.PREFIX + SEP):
            return kind._unpack(data[len(kind.PREFIX) + 1 :].split(SEP))
    step, _, value = data.partition(SEP)
    if step in RESERVED or not step or not value:
        return None
    return StepChoice(LEGACY_STEPS.get(step, step), value)
