"""A company contact's answers, typed: the company itself, the place being drafted, and the places stored.

Company data is business contact data, not a minor's profile. The company's own fields and its places
are columns and rows in the database (``companies``, ``company_places``); the transport builds this
snapshot from them before each event and writes the company fields back after it. ``places`` is that
snapshot of the stored places (the dialog reads it, the transport changes it); ``draft`` is the place
being reported or changed, until it is submitted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

#: Fields of the company itself (``Step.key`` of the company steps that ask them).
COMPANY_FIELDS = ("name", "contact", "reach", "address")
#: Fields of one place (the draft).
PLACE_FIELDS = ("occupation", "count", "start", "certificate", "note")
#: What a stored place can be: waiting for a coach, shown, refused, taken back, filled, expired.
PLACE_STATUSES = ("pending", "approved", "rejected", "withdrawn", "filled", "expired")
#: Certificate value meaning "no requirement" (the certificate question is optional).
NO_REQUIREMENT = "any"


def isolate(text: str) -> str:
    """Text a company typed, isolated (FSI … PDI): a right-to-left override or an Arabic name in it cannot
    reorder the rest of the line it is shown in."""
    return f"\u2068{text}\u2069" if text else text


@dataclass
class Address:
    """Where the company trains: as typed (street part), and the town it was geocoded to."""

    street: str
    postcode: str
    town: str
    lat: float
    lon: float

    @classmethod
    def from_json(cls, data: Any) -> Address | None:
        if not isinstance(data, dict) or "lat" not in data or "lon" not in data:
            return None
        return cls(
            str(data.get("street", "")),
            str(data.get("postcode", "")),
            str(data.get("town", "")),
            float(data["lat"]),
            float(data["lon"]),
        )


@dataclass
class PlaceDraft:
    occupation: str | None = None
    count: int | None = None
    #: ``"YYYY-MM"`` or ``"asap"``.
    start: str | None = None
    #: The least certificate (``knowledge.catalogue.CERTIFICATES``) or :data:`NO_REQUIREMENT`.
    certificate: str | None = None
    #: Free text for young people (at most ``NOTE_MAX`` characters); ``""`` when skipped.
    note: str | None = None

    @property
    def complete(self) -> bool:
        return all(getattr(self, name) is not None for name in PLACE_FIELDS)


@dataclass
class StoredPlace:
    """A place of the company as stored, with its coach verification status."""

    id: int
    occupation: str
    count: int
    start: str
    certificate: str
    note: str
    status: str
    reason: str = ""

    def draft(self) -> PlaceDraft:
        return PlaceDraft(self.occupation, self.count, self.start, self.certificate, self.note)


@dataclass
class CompanyProfile:
    #: ISO date on which the contact read the data note and went on; ``None`` before (nothing stored then).
    accepted: str | None = None
    name: str | None = None
    contact: str | None = None
    #: Phone number or e-mail address.
    reach: str | None = None
    address: Address | None = None
    draft: PlaceDraft = field(default_factory=PlaceDraft)
    #: The stored place the draft changes (``None``: the draft is a new place); also the place chosen in
    #: the company's list of places.
    editing: int | None = None
    places: list[StoredPlace] = field(default_factory=list)

    @property
    def registered(self) -> bool:
        return all(getattr(self, name) is not None for name in COMPANY_FIELDS)

    def place(self, place_id: int | None) -> StoredPlace | None:
        return next((p for p in self.places if p.id == place_id), None)

    # ------------------------------------------------------------ access by step key

    def get(self, key: str) -> Any:
        if key in PLACE_FIELDS:
            return getattr(self.draft, key)
        if key in COMPANY_FIELDS:
            return getattr(self, key)
        raise KeyError(f"the company answers have no field {key!r}")

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def set(self, key: str, value: Any) -> None:
        if key in PLACE_FIELDS:
            setattr(self.draft, key, int(value) if key == "count" else str(value))
        elif key == "address":
            self.address = value if isinstance(value, Address) else Address.from_json(value)
        elif key in COMPANY_FIELDS:
            setattr(self, key, str(value))
        else:
            raise KeyError(f"the company answers have no field {key!r}")

    # ------------------------------------------------------------ stored form (the dialog state's JSON)

    def to_json(self) -> dict[str, Any]:
        """Everything, for the dialog state's JSON; the transport overrides the company's fields and places
        from their columns and rows when it loads a state."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None or value == []:
                continue
            data[f.name] = value if isinstance(value, str | int) else _plain(value)
        if data.get("draft") == {}:
            del data["draft"]
        return data

    @classmethod
    def from_json(cls, data: Any) -> CompanyProfile:
        profile = cls()
        if not isinstance(data, dict):
            return profile
        accepted = data.get("accepted")
        profile.accepted = str(accepted) if accepted else None
        draft = data.get("draft")
        if isinstance(draft, dict):
            for key in PLACE_FIELDS:
                if draft.get(key) is not None:
                    profile.set(key, draft[key])
        editing = data.get("editing")
        profile.editing = editing if isinstance(editing, int) else None
        for name in COMPANY_FIELDS:
            if data.get(name) is not None:
                profile.set(name, data[name])
        places = data.get("places")
        if isinstance(places, list):
            profile.places = [StoredPlace(**p) for p in places if isinstance(p, dict)]
        return profile


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [dataclasses.asdict(v) for v in value]
    return {k: v for k, v in dataclasses.asdict(value).items() if v is not None}
