"""Occupation matching measured on the labelled test set in tests/data/match_queries/."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from knowledge.catalogue import FIELDS, default_catalogue
from knowledge.matcher import Matcher, default_matcher

QUERIES = Path(__file__).resolve().parent / "data" / "match_queries"


def labelled() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(QUERIES.glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            rows += [row for row in csv.DictReader(fh) if row["query"].strip()]
    return rows


def test_test_set_is_large_and_names_real_occupations() -> None:
    rows = labelled()
    catalogue = default_catalogue()
    kinds = Counter(row["kind"] for row in rows)
    assert len(rows) >= 200, len(rows)
    for kind in ("typo", "colloquial", "abbreviation", "en", "tr", "ar", "uk", "ru", "negative"):
        assert kinds[kind] >= 5, (kind, kinds)
    for row in rows:
        for name in filter(None, row["expected"].split("|")):
            assert catalogue.by_name(name) is not None, f"{row['query']!r} expects unknown {name!r}"


def test_top3_accuracy_and_honest_no_match() -> None:
    matcher = default_matcher()
    positives = [r for r in labelled() if r["expected"]]
    negatives = [r for r in labelled() if not r["expected"]]
    misses, false_hits = [], []
    per_kind: Counter[str] = Counter()
    for row in positives:
        names = {m.occupation.name for m in matcher.match(row["query"], limit=3)}
        if names & set(row["expected"].split("|")):
            per_kind[row["kind"]] += 1
        else:
            misses.append((row["kind"], row["query"], row["expected"], sorted(names)))
    for row in negatives:
        found = matcher.match(row["query"], limit=3)
        if found:
            false_hits.append((row["query"], [m.occupation.name for m in found]))
    accuracy = 1 - len(misses) / len(positives)
    rejected = 1 - len(false_hits) / len(negatives)
    print(
        f"\ntop-3 accuracy {accuracy:.1%} on {len(positives)} positives; {rejected:.1%} of {len(negatives)} negatives rejected"
    )
    for miss in misses:
        print("  miss", miss)
    for hit in false_hits:
        print("  false hit", hit)
    assert accuracy >= 0.95
    assert rejected >= 0.90


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kfz Mechaniker", "Kraftfahrzeugmechatroniker/-in"),
        ("Frisör", "Friseur/-in"),
        ("Arzthelferin", "Medizinische/r Fachangestellte/r"),
        ("car mechanic", "Kraftfahrzeugmechatroniker/-in"),
        ("kuaför", "Friseur/-in"),
        ("перукар", "Friseur/-in"),
        ("Einzelhandelskaufmann", "Kaufmann/-frau im Einzelhandel"),
        ("MFA", "Medizinische/r Fachangestellte/r"),
    ],
)
def test_everyday_words_find_the_official_occupation(query: str, expected: str) -> None:
    assert expected in [m.occupation.name for m in default_matcher().match(query)]


@pytest.mark.parametrize("query", ["Astronaut", "Arzt", "hallo", "asdf", "", "   ", "?", "x" * 4000])
def test_nonsense_and_degree_jobs_get_no_match(query: str) -> None:
    assert default_matcher().match(query) == []


def test_catalogue_is_complete_enough_and_translated() -> None:
    catalogue = default_catalogue()
    assert len(catalogue) >= 300
    assert sum(o.type == "schulisch" for o in catalogue) >= 9
    translated = [
        o for o in catalogue if all(o.names.get(lang) for lang in ("en", "tr", "ar", "uk", "ru", "pl"))
    ]
    assert len(translated) >= 150
    assert {f for o in catalogue for f in o.fields} == set(FIELDS)
    for required in (
        "Pflegefachmann/-frau", "Erzieher/-in", "Sozialassistent/-in", "Kinderpfleger/-in", "Physiotherapeut/-in",
        "Notfallsanitäter/-in", "Kraftfahrzeugmechatroniker/-in", "Kaufmann/-frau für Büromanagement",
    ):  # fmt: skip
        assert catalogue.by_name(required) is not None, required


def test_suggestions_follow_interests_and_certificate() -> None:
    matcher = default_matcher()
    health = matcher.suggest(["gesundheit"], "esa", limit=5)
    assert health and all("gesundheit" in o.fields for o in health)
    without_certificate = matcher.suggest(["technik"], "none", limit=20)
    assert without_certificate and all("technik" in o.fields for o in without_certificate)
    assert not [o for o in without_certificate if o.certificate in ("fhr", "abi")]
    with_abitur = matcher.suggest(["technik"], "abi", limit=40)
    assert [o for o in with_abitur if o.certificate in ("fhr", "abi")]  # offered once the certificate fits


def test_matcher_is_built_once_and_stateless() -> None:
    assert default_matcher() is default_matcher()
    fresh = Matcher(default_catalogue())
    assert [m.occupation.id for m in fresh.match("Bäcker")] == [
        m.occupation.id for m in default_matcher().match("Bäcker")
    ]


def test_match_cli_json_lines_from_stdin() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "match", "--json", "--limit", "2"],
        input="Kfz Mechaniker\nasdf\n",
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first["q"] == "Kfz Mechaniker" and first["matches"][0]["name"] == "Kraftfahrzeugmechatroniker/-in"
    assert 0 <= first["matches"][0]["score"] <= 100 and len(first["matches"]) <= 2
    assert second == {"q": "asdf", "matches": []}


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("Kraftfahrzeugmechatroniker/-in", ("Kraftfahrzeugmechatroniker", "Kraftfahrzeugmechatronikerin")),
        ("Kaufmann/-frau im Einzelhandel", ("Kaufmann im Einzelhandel", "Kauffrau im Einzelhandel")),
        (
            "Medizinische/r Fachangestellte/r",
            ("Medizinischer Fachangestellter", "Medizinische Fachangestellte"),
        ),
        ("Technische/r Produktdesigner/-in", ("Technischer Produktdesigner", "Technische Produktdesignerin")),
        ("Koch/Köchin", ("Koch", "Köchin")),
        ("Fachkraft für Lagerlogistik", ("Fachkraft für Lagerlogistik",)),
    ],
)
def test_gender_forms_of_official_names(name: str, forms: tuple[str, ...]) -> None:
    from knowledge.catalogue import gender_forms

    assert gender_forms(name) == forms


def test_gender_forms_with_repeated_stems_and_brackets() -> None:
    from knowledge.catalogue import gender_forms

    assert gender_forms("Papiertechnologe/-technologin") == ("Papiertechnologe", "Papiertechnologin")
    assert gender_forms("Drechsler/-in (Elfenbeinschnitzer/-in)") == (
        "Drechsler (Elfenbeinschnitzer)",
        "Drechslerin (Elfenbeinschnitzerin)",
    )
