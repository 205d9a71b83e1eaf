"""Data checks for the occupation catalogue (knowledge/data/occupations/*.toml).

The checks are plain functions over a catalogue, so the same rules can be run against an older version of
the data files (``load_catalogue(path)``) to see that they would have caught its mistakes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.catalogue import (
    FOREIGN_LANGUAGES,
    TYPES,
    Catalogue,
    CatalogueError,
    default_catalogue,
    load_catalogue,
)
from knowledge.matcher import Matcher, OccupationService, labels_of, normalize
from knowledge.places import FIT_EXACT, SearchProfile, targets

#: Names that are no longer official (renamed, merged or abolished) → the current official name people who
#: type the old one must land on. None of them may be the name of a current entry.
OUTDATED_NAMES = {
    "Reifen- und Vulkanisationsmechaniker/-in": "Mechaniker/-in für Reifen- und Vulkanisationstechnik",
    "Fahrzeuginnenausstatter/-in": "Fahrzeuginterieur-Mechaniker/-in",
    "Schuhmacher/-in": "Maßschuhmacher/-in",
    "Schuh- und Lederwarenstepper/-in": "Fachkraft für Lederverarbeitung",
    "Systemelektroniker/-in": "Elektroniker/-in",
    "Elektroniker/-in für luftfahrttechnische Systeme": "Fluggerätelektroniker/-in",
    "Fachkraft für Automatenservice": "Automatenfachmann/-frau",
    "Fachkraft für Speiseeis": "Konditor/-in",
    "Kanalbauer/-in": "Kanalbauer/-in für Infrastrukturtechnik",
    "Rohrleitungsbauer/-in": "Leitungsbauer/-in für Infrastrukturtechnik",
    "Bauzeichner/-in": "Bautechnische/r Konstrukteur/-in",
}

#: Ids of removed entries → the id their stored references must resolve to.
REPLACED_IDS = {
    "systemelektroniker": "elektroniker",
    "elektroniker-luftfahrttechnische-systeme": "fluggeraetelektroniker",
    "fachkraft-automatenservice": "automatenfachmann",
    "fachkraft-speiseeis": "konditor",
}

#: Translations a careful read found wrong (a field, a thing or another profession instead of a person doing
#: the job); they must not come back as names.
WRONG_TRANSLATIONS = {
    "pl": {"usługi rolnicze"},
    "uk": {"холодильник", "фізіотерапевт", "дистилятор"},
    "ru": {"физиотерапевт", "дистиллятор"},
    "tr": {"odyometrist", "endüstriyel mekanik", "otomotiv mekatronik"},
    "en": {"office manager"},
}


def incomplete_entries(catalogue: Catalogue) -> list[str]:
    problems = []
    for occ in catalogue:
        missing = [
            what
            for what, ok in (
                ("name", occ.name),
                ("type", occ.type in TYPES),
                ("duration", occ.duration_months > 0),
                ("fields", occ.fields),
                ("description addressed with du", re.search(r"\bdu\b", occ.description, re.IGNORECASE)),
                *((f"names.{lang}", occ.names.get(lang)) for lang in FOREIGN_LANGUAGES),
                ("kldb or a kldb_note saying why not", occ.kldb or occ.kldb_note),
                ("kldb_note for an uncertain code", occ.kldb_certain or occ.kldb_note),
            )
            if not ok
        ]
        if missing:
            problems.append(f"{occ.id}: {', '.join(missing)}")
    return problems


def labels_for_several_occupations(catalogue: Catalogue) -> dict[str, list[str]]:
    """Normalised label → ids, for labels (name, gender forms, synonyms, translations) of more than one."""
    owners: dict[str, set[str]] = {}
    for occ in catalogue:
        for label in labels_of(occ):
            key = normalize(label)
            if key:
                owners.setdefault(key, set()).add(occ.id)
    return {key: sorted(ids) for key, ids in owners.items() if len(ids) > 1}


def outdated_name_problems(catalogue: Catalogue) -> list[str]:
    names = {occ.name for occ in catalogue}
    problems = [f"{old!r} is still a current name" for old in OUTDATED_NAMES if old in names]
    for old, current in OUTDATED_NAMES.items():
        successor = catalogue.by_name(current)
        if successor is None:
            problems.append(f"{current!r} (successor of {old!r}) is missing")
            continue
        keys = {normalize(label) for label in labels_of(successor)}
        if normalize(old) not in keys:
            problems.append(f"{old!r} is not a synonym of {current!r}")
    return problems


def test_every_entry_is_complete() -> None:
    assert incomplete_entries(default_catalogue()) == []


def test_no_label_points_to_two_occupations() -> None:
    catalogue = default_catalogue()
    assert len({o.name for o in catalogue}) == len(catalogue)
    assert labels_for_several_occupations(catalogue) == {}


def test_outdated_names_are_only_synonyms_of_their_successor() -> None:
    assert outdated_name_problems(default_catalogue()) == []


def test_wrong_translations_do_not_come_back() -> None:
    found = [
        (occ.id, lang, name)
        for occ in default_catalogue()
        for lang, wrong in WRONG_TRANSLATIONS.items()
        for name in occ.names.get(lang, ())
        if name in wrong
    ]
    assert found == []


def test_every_occupation_has_a_kldb_code() -> None:
    catalogue = default_catalogue()
    assert [o.id for o in catalogue if not o.kldb] == []
    # the most wanted IT occupation is filed in area 4, not under "Ohne KldB-Zuordnung"
    fachinformatiker = catalogue.by_id["fachinformatiker"]
    assert fachinformatiker.kldb == "43102" and fachinformatiker.kldb_certain
    assert dict(fachinformatiker.kldb_specialisations) == {
        "Anwendungsentwicklung": "43412",
        "Daten- und Prozessanalyse": "43112",
        "Digitale Vernetzung": "43312",
    }


def test_corrected_facts() -> None:
    catalogue = default_catalogue()
    assert catalogue.by_id["boettcher"].kldb == "22382"
    assistant = catalogue.by_id["pflegefachassistent"]
    assert assistant.duration_months == 12
    assert "2027" in assistant.description and "18 Monate" in assistant.description
    assert (
        "Informations- und Telekommunikationstechnik" not in catalogue.by_id["elektroniker"].specialisations
    )
    miner = catalogue.by_name("Berg- und Maschinenmann/-frau")
    assert miner is not None and miner.type == "dual"
    bergbau = {normalize(label) for label in labels_of(catalogue.by_id["bergbautechnologe"])}
    assert normalize("Berg- und Maschinenmann") not in bergbau


def test_new_occupations_and_types() -> None:
    catalogue = default_catalogue()
    for name, kind in (
        ("Asphaltbauer/-in", "dual"),
        ("Biologiemodellmacher/-in", "dual"),
        ("Chemielaborjungwerker/-in", "dual"),
        ("Hafenschiffer/-in", "dual"),
        ("Leichtflugzeugbauer/-in", "dual"),
        ("Produktgestalter/-in – Textil", "dual"),
        ("Servicefahrer/-in", "dual"),
        ("Textillaborant/-in", "dual"),
        ("Verfahrensmechaniker/-in für Brillenoptik", "dual"),
        ("Diätassistent/-in", "schulisch"),
        ("Podologe/Podologin", "schulisch"),
        ("Masseur/-in und medizinische/r Bademeister/-in", "schulisch"),
        ("Informationstechnische/r Assistent/-in", "schulisch"),
        ("Gestaltungstechnische/r Assistent/-in", "schulisch"),
        ("Chemisch-technische/r Assistent/-in", "schulisch"),
        ("Biologisch-technische/r Assistent/-in", "schulisch"),
        ("Kaufmännische/r Assistent/-in", "schulisch"),
        ("Finanzwirt/-in", "beamtenausbildung"),
        ("Justizfachwirt/-in", "beamtenausbildung"),
        ("Verwaltungswirt/-in", "beamtenausbildung"),
    ):
        occupation = catalogue.by_name(name)
        assert occupation is not None, name
        assert occupation.type == kind, name


def test_replaced_ids_resolve_to_their_successor() -> None:
    catalogue = default_catalogue()
    current = {o.id for o in catalogue}
    assert dict(catalogue.replaced) == REPLACED_IDS
    service = OccupationService(Matcher(catalogue))
    for old, new in REPLACED_IDS.items():
        assert old not in current
        successor = catalogue.get(old)
        assert successor is not None and successor.id == new
        assert catalogue.by_id[old] is catalogue.by_id[new]
        hit = service.get(old, "uk")
        assert hit is not None and hit.id == new
        # a wish stored under the old id still finds places of the successor first
        fit = targets(catalogue, SearchProfile(51.54, 7.22, 25, wishes=(old,))).fit
        assert fit[new] == FIT_EXACT
    assert catalogue.get("gibt-es-nicht") is None


def test_the_checks_catch_broken_data(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text(
        """
[[occupation]]
id = "a"
name = "Aaa/-in"
kldb = "12345"
duration_months = 36
type = "dual"
fields = ["technik"]
certificate = "esa"
description = "Du machst A."
synonyms = ["Bbb"]
[occupation.names]
en = ["welder"]

[[occupation]]
id = "b"
name = "Bbb/-in"
kldb = ""
duration_months = 36
type = "dual"
fields = ["technik"]
certificate = "esa"
description = "Etwas ohne Anrede."
synonyms = ["Systemelektroniker"]
[occupation.names]
en = ["welder"]
""",
        encoding="utf-8",
    )
    catalogue = load_catalogue(tmp_path)
    problems = incomplete_entries(catalogue)
    assert any(
        p.startswith("a: ") and "names.tr" in p and "kldb_note for an uncertain code" in p for p in problems
    )
    assert any(
        p.startswith("b: ") and "description addressed with du" in p and "kldb or a kldb_note" in p
        for p in problems
    )
    assert labels_for_several_occupations(catalogue) == {"bbb": ["a", "b"], "welder": ["a", "b"]}
    assert "'Elektroniker/-in' (successor of 'Systemelektroniker/-in') is missing" in outdated_name_problems(
        catalogue
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('kldb_specialisations = { "Gibt es nicht" = "12345" }', "kldb_specialisations"),
        ('kldb_specialisations = { "Eins" = "123" }', "kldb_specialisations"),
        ('kldb_certain = "ja"', "kldb_certain must be true or false"),
        ('replaces = ["b"]', "is a current id or replaced twice"),
        ('replaces = ["Kein Slug"]', "replaces must list id slugs"),
    ],
)
def test_loader_rejects_broken_kldb_and_replacement_data(tmp_path: Path, extra: str, message: str) -> None:
    entry = """
[[occupation]]
id = "{id}"
name = "{name}"
kldb = "12345"
duration_months = 36
type = "dual"
fields = ["technik"]
certificate = "esa"
description = "Du machst etwas."
specialisations = ["Eins"]
{extra}
"""
    (tmp_path / "x.toml").write_text(
        entry.format(id="a", name="Aaa/-in", extra=extra) + entry.format(id="b", name="Bbb/-in", extra=""),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(tmp_path)
