"""The occupation catalogue: official Ausbildungsberufe from the TOML files in ``knowledge/data/occupations``."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import quote

DATA_DIR = Path(__file__).resolve().parent / "data" / "occupations"

FIELDS = (
    "technik", "handwerk", "it", "buero", "handel", "gesundheit",
    "soziales", "gastronomie", "logistik", "natur", "kreatives",
)  # fmt: skip
#: School certificates from lowest to highest; ``foreign`` is ranked like the MSA for suggestions.
CERTIFICATES = ("none", "esa", "eesa", "msa", "fhr", "abi")
FOREIGN_LANGUAGES = ("en", "tr", "ar", "uk", "ru", "pl")
#: ``dual``: company and Berufsschule (BBiG/HwO); ``schulisch``: at a (Berufs)fachschule or Berufskolleg under
#: federal or Land law; ``beamtenausbildung``: Vorbereitungsdienst for a civil-service career (Beamte auf Widerruf).
TYPES = ("dual", "schulisch", "beamtenausbildung")
_SLUG = re.compile(r"^[a-z0-9-]{1,40}$")


class CatalogueError(ValueError):
    """A data file breaks the catalogue's rules; the message names the file and the entry."""


@dataclass(frozen=True)
class Occupation:
    id: str
    name: str
    kldb: str
    duration_months: int
    type: str
    fields: tuple[str, ...]
    certificate: str
    description: str
    specialisations: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: True when the KldB code is certain (the data file headers say what that means); otherwise
    #: ``kldb_note`` says how the code was chosen (or, without a code, why there is none).
    kldb_certain: bool = False
    kldb_note: str = ""
    #: KldB code per Fachrichtung/Schwerpunkt where it differs from ``kldb``.
    kldb_specialisations: Mapping[str, str] = field(default_factory=dict)
    #: Ids of abolished or merged occupations this one replaces; stored profiles may still hold them.
    replaces: tuple[str, ...] = ()

    def local_name(self, lang: str) -> str:
        """The everyday name in ``lang`` (empty for German or where the catalogue has none)."""
        return self.names.get(lang, ("",))[0]

    @property
    def gender_forms(self) -> tuple[str, ...]:
        return gender_forms(self.name)

    @property
    def kldb_group(self) -> str:
        """KldB 2010 Berufsgruppe (first three digits), empty when the code is unknown."""
        return self.kldb[:3]


def gender_forms(name: str) -> tuple[str, ...]:
    """Male and female form: ``Kaufmann/-frau im Einzelhandel`` → (``Kaufmann im Einzelhandel``,
    ``Kauffrau im Einzelhandel``); ``Technische/r Produktdesigner/-in`` → (``Technischer Produktdesigner``,
    ``Technische Produktdesignerin``); ``Papiertechnologe/-technologin`` → (``Papiertechnologe``,
    ``Papiertechnologin``)."""
    first: list[str] = []
    second: list[str] = []
    for word in name.split(" "):
        parts = _GENDERED.match(word)
        if parts is None:
            first.append(word)
            second.append(word)
            continue
        opening, a, b, closing = parts.groups()
        if b in ("r", "n"):  # "Medizinische/r": the male form adds the letter
            male, female = a + b, a
        elif b.startswith("-"):  # "Mechatroniker/-in", "Kaufmann/-frau", "Papiertechnologe/-technologin"
            male, female = a, _female(a, b[1:])
        else:  # "Koch/Köchin"
            male, female = a, b
        first.append(opening + male + closing)
        second.append(opening + female + closing)
    forms = (" ".join(first), " ".join(second))
    return forms if forms[0] != forms[1] else forms[:1]


_GENDERED = re.compile(r"^(\(?)([^/()]+)/([^/()]+?)(\)?[,.]?)$")


def _female(male: str, suffix: str) -> str:
    if male.endswith("mann") and suffix == "frau":
        return male[: -len("mann")] + suffix
    for size in range(len(suffix) - 1, 2, -1):  # the suffix repeats the end of the word: "-technologin"
        at = male.rfind(suffix[:size])
        if at > 0:
            return male[:at] + suffix
    return male + suffix


def _as_tuple(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogueError(f"{where}: expected a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def _kldb_map(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CatalogueError(f"{where}: kldb_specialisations must map names to codes")
    return {str(k): v.strip() for k, v in value.items()}


def _occupation(raw: dict[str, object], where: str) -> Occupation:
    certain = raw.get("kldb_certain", False)
    if not isinstance(certain, bool):
        raise CatalogueError(f"{where}: kldb_certain must be true or false")
    try:
        occ = Occupation(
            id=str(raw["id"]),
            name=str(raw["name"]).strip(),
            kldb=str(raw.get("kldb", "")).strip(),
            duration_months=int(raw["duration_months"]),  # type: ignore[call-overload]
            type=str(raw["type"]),
            fields=_as_tuple(raw["fields"], where),
            certificate=str(raw["certificate"]),
            description=str(raw["description"]).strip(),
            specialisations=_as_tuple(raw.get("specialisations", []), where),
            synonyms=_as_tuple(raw.get("synonyms", []), where),
            names={
                lang: _as_tuple(names, f"{where} names.{lang}")
                for lang, names in dict(raw.get("names", {})).items()  # type: ignore[call-overload]
                if lang in FOREIGN_LANGUAGES and names
            },
            kldb_certain=certain,
            kldb_note=str(raw.get("kldb_note", "")).strip(),
            kldb_specialisations=_kldb_map(raw.get("kldb_specialisations", {}), where),
            replaces=_as_tuple(raw.get("replaces", []), where),
        )
    except KeyError as exc:
        raise CatalogueError(f"{where}: missing {exc.args[0]!r}") from exc
    problems = [
        "id must be a lowercase ASCII slug" if not _SLUG.match(occ.id) else "",
        f"unknown field in {occ.fields}" if not occ.fields or set(occ.fields) - set(FIELDS) else "",
        f"unknown certificate {occ.certificate!r}" if occ.certificate not in CERTIFICATES else "",
        f"unknown type {occ.type!r}" if occ.type not in TYPES else "",
        f"KldB code must be 5 digits or empty, got {occ.kldb!r}"
        if occ.kldb and not re.fullmatch(r"\d{5}", occ.kldb)
        else "",
        "kldb_certain without a KldB code" if occ.kldb_certain and not occ.kldb else "",
        f"kldb_specialisations must name specialisations and 5-digit codes: {dict(occ.kldb_specialisations)}"
        if any(
            k not in occ.specialisations or not re.fullmatch(r"\d{5}", v)
            for k, v in occ.kldb_specialisations.items()
        )
        else "",
        f"replaces must list id slugs, got {occ.replaces}"
        if not all(_SLUG.match(r) for r in occ.replaces)
        else "",
        "description missing" if not occ.description else "",
    ]
    problem = next((p for p in problems if p), "")
    if problem:
        raise CatalogueError(f"{where} ({occ.id}): {problem}")
    return occ


@dataclass(frozen=True)
class Catalogue:
    occupations: tuple[Occupation, ...]
    #: Occupation id → occupation. Ids of replaced occupations (abolished, merged) are keys too and give
    #: their successor, so ids stored in profiles and places before a change still resolve.
    by_id: Mapping[str, Occupation]
    #: Occupation id → place in the list of occupations with the most trainees (0 = most).
    popularity: Mapping[str, int] = field(default_factory=dict)
    #: Id of a replaced occupation → id of its successor.
    replaced: Mapping[str, str] = field(default_factory=dict)

    def get(self, occupation_id: str) -> Occupation | None:
        """The occupation with this id, or the successor of a replaced one."""
        return self.by_id.get(occupation_id)

    def rank(self, occupation: Occupation) -> int:
        return self.popularity.get(occupation.id, len(self.popularity))

    def __iter__(self) -> Iterator[Occupation]:
        return iter(self.occupations)

    def __len__(self) -> int:
        return len(self.occupations)

    def by_name(self, name: str) -> Occupation | None:
        return next((o for o in self.occupations if o.name == name), None)


def load_catalogue(data_dir: Path = DATA_DIR) -> Catalogue:
    occupations: list[Occupation] = []
    seen_ids: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    for path in sorted(data_dir.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for index, raw in enumerate(data.get("occupation", []), start=1):
            occ = _occupation(raw, f"{path.name} entry {index}")
            for seen, key in ((seen_ids, occ.id), (seen_names, occ.name)):
                if key in seen:
                    raise CatalogueError(f"{path.name}: {key!r} appears twice (also in {seen[key]})")
                seen[key] = path.name
            occupations.append(occ)
    by_id = {o.id: o for o in occupations}
    replaced: dict[str, str] = {}
    for occ in occupations:
        for old in occ.replaces:
            if old in by_id or old in replaced:
                raise CatalogueError(f"{occ.id}: replaced id {old!r} is a current id or replaced twice")
            replaced[old] = occ.id
    by_id.update({old: by_id[new] for old, new in replaced.items()})
    by_name = {o.name: o.id for o in occupations}
    popularity: dict[str, int] = {}
    ranking = data_dir.parent / "most_trainees.txt"
    if ranking.exists():
        names = [line.strip() for line in ranking.read_text(encoding="utf-8").splitlines()]
        for name in (n for n in names if n and not n.startswith("#")):
            if name not in by_name:
                raise CatalogueError(f"{ranking.name}: {name!r} is not in the catalogue")
            popularity.setdefault(by_name[name], len(popularity))
    return Catalogue(tuple(occupations), by_id, popularity, replaced)


@cache
def default_catalogue() -> Catalogue:
    return load_catalogue()


#: BERUFENET (Bundesagentur für Arbeit) search page; we keep no BERUFENET ids, so a card links the search
#: for the occupation's official name, whose first hit is the occupation itself.
BERUFENET_SEARCH = "https://web.arbeitsagentur.de/berufenet/ergebnisseite?such="


def berufenet_url(name: str) -> str:
    """The BERUFENET search for an official name ("Tierpfleger/-in" → its male form, URL-encoded)."""
    return BERUFENET_SEARCH + quote(gender_forms(name)[0])
