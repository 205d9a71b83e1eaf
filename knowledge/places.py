"""Open Ausbildung places: reading offers from CSV and the BA job search, and ranking them for a profile.

Everything here is pure (no database); ``bot.places_store`` stores offers and runs searches with it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge.catalogue import CERTIFICATES, FIELDS, Catalogue
from knowledge.gazetteer import Gazetteer, distance_km
from knowledge.matcher import Matcher
from knowledge.region import KM_PER_DEGREE_LAT, KM_PER_DEGREE_LON_AT_EQUATOR
from knowledge.related import Relations, relations_for

#: Columns of an import CSV (UTF-8, comma separated, header row). ``source_id`` and ``title`` are required;
#: the place needs either ``lat``/``lon`` or a ``postcode``/``city`` the gazetteer knows.
CSV_COLUMNS = (
    "source_id", "title", "occupation", "employer", "street", "postcode", "city", "lat", "lon",
    "start_date", "published", "url", "contact", "certificate",
)  # fmt: skip
REQUIRED = ("source_id", "title")


class ImportProblem(ValueError):
    """An offer file cannot be imported; nothing was changed. The message names the line and the reason."""


@dataclass(frozen=True)
class Offer:
    """One open place as read from a source, before it is stored."""

    source_id: str
    title: str
    occupation_id: str | None
    lat: float
    lon: float
    employer: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    start_date: dt.date | None = None
    published: dt.date | None = None
    url: str = ""
    contact: str = ""
    certificate: str | None = None


def _date(value: str, line: int, column: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ImportProblem(f"line {line}: {column} {value!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")


class OfferReader:
    """Turns raw rows into ``Offer`` objects, resolving occupation and coordinates offline."""

    def __init__(self, matcher: Matcher, gazetteer: Gazetteer) -> None:
        self.matcher = matcher
        self.gazetteer = gazetteer

    def occupation_of(self, *texts: str) -> str | None:
        for text in texts:
            if text and text.strip():
                found = self.matcher.match(text, limit=1)
                if found:
                    return found[0].occupation.id
        return None

    def read_csv(self, data: str, delimiter: str | None = None) -> list[Offer]:
        """Offers of a CSV file with a header row; ``delimiter`` ``None``: the one the header uses most of
        ``,`` ``;`` and tab (Excel writes ``;`` where the decimal separator is a comma)."""
        header = data.lstrip("\ufeff").partition("\n")[0]
        guess = max((",", ";", "\t"), key=header.count) if header.strip() else ","
        reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")), delimiter=delimiter or guess)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            looks = f"; the columns look separated by {guess!r}" if delimiter and guess != delimiter else ""
            raise ImportProblem(
                f"line 1: missing column(s) {', '.join(missing)}; expected {', '.join(CSV_COLUMNS)}{looks}"
            )
        offers: list[Offer] = []
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            get = {k: (row.get(k) or "").strip() for k in CSV_COLUMNS}
            for column in REQUIRED:
                if not get[column]:
                    raise ImportProblem(f"line {line}: {column} is empty")
            if get["source_id"] in seen:
                raise ImportProblem(f"line {line}: source_id {get['source_id']!r} appears twice")
            seen.add(get["source_id"])
            certificate = get["certificate"] or None
            if certificate is not None and certificate not in CERTIFICATES:
                raise ImportProblem(f"line {line}: certificate must be one of {', '.join(CERTIFICATES)}")
            lat, lon = self._coordinates(get, line)
            offers.append(
                Offer(
                    source_id=get["source_id"],
                    title=get["title"],
                    occupation_id=self.occupation_of(get["occupation"], get["title"]),
                    lat=lat,
                    lon=lon,
                    employer=get["employer"],
                    street=get["street"],
                    postcode=get["postcode"],
                    city=get["city"],
                    start_date=_date(get["start_date"], line, "start_date"),
                    published=_date(get["published"], line, "published"),
                    url=get["url"],
                    contact=get["contact"],
                    certificate=certificate,
                )
            )
        return offers

    def _coordinates(self, row: dict[str, str], line: int) -> tuple[float, float]:
        if row["lat"] or row["lon"]:
            try:
                lat, lon = float(row["lat"].replace(",", ".")), float(row["lon"].replace(",", "."))
            except ValueError:
                raise ImportProblem(f"line {line}: lat/lon must be numbers") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ImportProblem(f"line {line}: lat/lon out of range")
            return lat, lon
        place = self.gazetteer.resolve(row["postcode"]) or self.gazetteer.resolve(row["city"])
        if place is None:
            raise ImportProblem(
                f"line {line}: unknown place {row['postcode']} {row['city']!r}; add lat and lon"
            )
        return place.lat, place.lon

    def read_ba(self, offers: Iterable[dict[str, Any]]) -> list[Offer]:
        """Offers in the shape of the BA job search (``stellenangebote`` entries of ``/pc/v4/jobs``)."""
        result: list[Offer] = []
        for raw in offers:
            where = raw.get("arbeitsort") or {}
            coords = where.get("koordinaten") or {}
            if "lat" in coords and "lon" in coords:
                lat, lon = float(coords["lat"]), float(coords["lon"])
            else:
                place = self.gazetteer.resolve(str(where.get("plz", ""))) or self.gazetteer.resolve(
                    str(where.get("ort", ""))
                )
                if place is None:
                    continue  # an offer without a usable place cannot be shown by distance
                lat, lon = place.lat, place.lon
            refnr = str(raw.get("refnr") or "").strip()
            if not refnr:
                continue
            result.append(
                Offer(
                    source_id=refnr,
                    title=str(raw.get("titel") or raw.get("beruf") or "").strip()[:300],
                    occupation_id=self.occupation_of(
                        str(raw.get("beruf") or ""), str(raw.get("titel") or "")
                    ),
                    lat=lat,
                    lon=lon,
                    employer=str(raw.get("arbeitgeber") or "")[:300],
                    street=str(where.get("strasse") or ""),
                    postcode=str(where.get("plz") or ""),
                    city=str(where.get("ort") or ""),
                    start_date=_iso(raw.get("eintrittsdatum")),
                    published=_iso(raw.get("aktuelleVeroeffentlichungsdatum")),
                    url=str(
                        raw.get("externeUrl") or f"https://www.arbeitsagentur.de/jobsuche/jobdetail/{refnr}"
                    ),
                )
            )
        return result


def _iso(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# ---------------------------------------------------------------- search and ranking


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a square around the point that contains the circle."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    dlon = radius_km / (KM_PER_DEGREE_LON_AT_EQUATOR * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


#: How a place's occupation fits a profile: a wish, truly related to a wish, or one of the interest fields.
FIT_EXACT, FIT_GROUP, FIT_FIELD = 0, 1, 2
FIT_RELATED = FIT_GROUP


@dataclass(frozen=True)
class SearchProfile:
    lat: float
    lon: float
    radius_km: float
    wishes: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    certificate: str | None = None
    earliest_start: dt.date | None = None


@dataclass(frozen=True)
class Targets:
    """Occupation ids by how well they fit: the wishes, occupations truly related to a wish
    (``knowledge.related``: same KldB Berufsgruppe or -untergruppe, listed, shared activities), and those of
    the interest fields the person chose."""

    fit: dict[str, int] = field(default_factory=dict)
    #: Occupation id → why it fits: ``("wish", "")``, a reason code of ``knowledge.related.REASONS`` with
    #: the shared concept id (or ``""``), or ``("interest", field)``. The chat translates the codes:
    #: "ähnlicher Beruf" only for the related ones, "passt zu: Technik" for an interest.
    why: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return sorted(self.fit)


def targets(catalogue: Catalogue, profile: SearchProfile, relations: Relations | None = None) -> Targets:
    """What a profile's places search looks for. Only the interests the person chose count for the
    field tier, not the fields of their wishes: a Kfz wish does not make every Handwerk occupation fit."""
    relations = relations or relations_for(catalogue)
    fit: dict[str, int] = {}
    why: dict[str, tuple[str, str]] = {}
    wished = [o for w in profile.wishes if (o := catalogue.get(w)) is not None]
    for occupation in wished:  # a wish stored under a replaced id counts for its successor
        fit[occupation.id] = FIT_EXACT
        why[occupation.id] = ("wish", "")
    for occupation in wished:
        for relation in relations.related(occupation.id):
            other = relation.occupation.id
            if other not in fit:
                fit[other] = FIT_RELATED
                why[other] = (relation.reason, relation.concept.id if relation.concept else "")
    interests = [f for f in profile.interests if f in FIELDS]
    for occupation in catalogue:
        if occupation.id in fit:
            continue
        shared = [f for f in interests if f in occupation.fields]
        if shared:
            fit[occupation.id] = FIT_FIELD
            why[occupation.id] = ("interest", shared[0])
    return Targets(fit, why)


@dataclass(frozen=True)
class Candidate:
    place_id: int
    occupation_id: str
    lat: float
    lon: float
    start_date: dt.date | None
    certificate: str | None


@dataclass(frozen=True)
class Ranked:
    place_id: int
    occupation_id: str
    fit: int
    distance_km: float
    #: The person meets the place's certificate requirement and can start by its start date.
    takeable: bool = True


def allowed_certificates(certificate: str | None) -> tuple[str, ...] | None:
    """The requirements a person with ``certificate`` meets (``none`` < ``esa`` < … < ``abi``); ``None``:
    all of them, as for an unknown or foreign certificate, which never demotes a place."""
    if certificate not in CERTIFICATES or certificate == CERTIFICATES[-1]:
        return None
    return CERTIFICATES[: CERTIFICATES.index(certificate) + 1]


def meets(required: str | None, certificate: str | None) -> bool:
    """A place without (or with an unknown) requirement fits everyone."""
    allowed = allowed_certificates(certificate)
    return allowed is None or required not in CERTIFICATES or required in allowed


def starts_too_early(start: dt.date | None, earliest: dt.date | None) -> bool:
    """The place starts before the person can; a place without a start date never does."""
    return start is not None and earliest is not None and start < earliest


def rank(candidates: Sequence[Candidate], profile: SearchProfile, fits: Targets) -> list[Ranked]:
    """Places within the radius, best first: places the person can take (certificate met, start not before
    ``earliest_start``), then occupation fit, then distance. Places that start too early are left out unless
    there is no other one; then they come ranked the same way."""
    ranked: list[tuple[tuple[bool, bool, int, float], Ranked]] = []
    for c in candidates:
        distance = distance_km(profile.lat, profile.lon, c.lat, c.lon)
        fit = fits.fit.get(c.occupation_id)
        if distance > profile.radius_km or fit is None:
            continue
        needs_more = not meets(c.certificate, profile.certificate)
        too_early = starts_too_early(c.start_date, profile.earliest_start)
        ranked.append(
            (
                (too_early, needs_more, fit, distance),
                Ranked(c.place_id, c.occupation_id, fit, distance, not (needs_more or too_early)),
            )
        )
    if any(not key[0] for key, _ in ranked):
        ranked = [item for item in ranked if not item[0][0]]
    ranked.sort(key=lambda item: (item[0], item[1].place_id))
    return [r for _, r in ranked]
