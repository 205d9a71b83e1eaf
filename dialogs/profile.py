"""A young person's answers, typed: the one place that reads (and migrates) the stored JSON.

Stored rows keep the shape they always had (``{"age": 17, "location": {...}, ...}``), so old rows load
unchanged; :meth:`Profile.from_json` also repairs the forms earlier versions wrote (a radius as text).
Every dialog step names the field it fills (``Step.key``); ``tests/test_profile.py`` checks that each key
is a field here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Location:
    """Where the person lives: a town or a shared point, with the nearest town's name."""

    name: str
    lat: float
    lon: float
    postcode: str = ""

    @classmethod
    def from_json(cls, data: Any) -> Location | None:
        if not isinstance(data, dict) or "lat" not in data or "lon" not in data:
            return None
        return cls(
            str(data.get("name", "")), float(data["lat"]), float(data["lon"]), str(data.get("postcode", ""))
        )


@dataclass
class Profile:
    age: int | None = None
    #: ISO date of the consent; ``None`` before it (then nothing is stored).
    consent: str | None = None
    #: The person is under 16 and said a parent or guardian agrees (GDPR Art. 8).
    guardian_consent: bool = False
    situation: str | None = None
    certificate: str | None = None
    cert_recognised: str | None = None
    german: str | None = None
    languages: list[str] | None = None
    location: Location | None = None
    radius: int | None = None
    interests: list[str] | None = None
    #: Occupation ids from the catalogue, at most ``MAX_WISHES``.
    wishes: list[str] = field(default_factory=list)
    #: Went on without a job wish ("I don't know yet", also after the discovery): not asked again.
    undecided: bool = False
    #: ``"YYYY-MM"`` or ``"asap"``.
    start: str | None = None
    completed: bool = False
    #: The code of the deep link the person first came with (``knowledge.sources``), or ``unknown``.
    source: str | None = None

    # ------------------------------------------------------------ generic access by step key

    def get(self, key: str) -> Any:
        value = getattr(self, _field(key))
        return None if value == [] and key == "wishes" and not self.undecided else value

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def set(self, key: str, value: Any) -> None:
        setattr(self, _field(key), _coerce(key, value))

    def clear(self, key: str) -> None:
        setattr(self, _field(key), [] if key == "wishes" else None)

    @property
    def interest_fields(self) -> tuple[str, ...]:
        """Chosen interests without "not sure yet"."""
        return tuple(f for f in self.interests or () if f != "unsure")

    def copy(self) -> Profile:
        """An independent copy (lists and the location are new objects)."""
        return dataclasses.replace(
            self,
            languages=None if self.languages is None else list(self.languages),
            location=None if self.location is None else dataclasses.replace(self.location),
            interests=None if self.interests is None else list(self.interests),
            wishes=list(self.wishes),
        )

    # ------------------------------------------------------------ stored form

    def to_json(self) -> dict[str, Any]:
        # written for every message a person sends: plain attribute access, no dataclasses.asdict
        data = {k: v for k, v in self.__dict__.items() if v is not None and v is not False}
        if not self.wishes:
            del data["wishes"]
        if self.location is not None:
            location = self.location
            data["location"] = {
                "name": location.name,
                "lat": location.lat,
                "lon": location.lon,
                "postcode": location.postcode,
            }
        return data

    @classmethod
    def from_json(cls, data: Any) -> Profile:
        profile = cls()
        if not isinstance(data, dict):
            return profile
        for key, value in data.items():
            if key in FIELDS and value is not None:
                try:
                    profile.set(key, value)
                except (TypeError, ValueError):
                    continue  # an unreadable old value is asked again rather than crashing
        return profile


FIELDS = frozenset(f.name for f in dataclasses.fields(Profile))


def _field(key: str) -> str:
    if key not in FIELDS:
        raise KeyError(f"the profile has no field {key!r}")
    return key


def _coerce(key: str, value: Any) -> Any:
    if value is None:
        return [] if key == "wishes" else None
    if key in ("age", "radius"):
        return int(value)
    if key in ("guardian_consent", "completed", "undecided"):
        return bool(value)
    if key == "location":
        return value if isinstance(value, Location) else Location.from_json(value)
    if key in ("languages", "interests", "wishes"):
        return [str(v) for v in value]
    return str(value)
