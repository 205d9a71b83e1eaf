"""Discovery for the undecided: a few yes/no answers about activities and settings → 3-5 occupations.

The traits and what they point to are data (``knowledge/data/traits.toml``): each trait names concepts of
the vocabulary and catalogue fields. An occupation's affinity to a trait is the largest weight it has in one
of those concepts (0-3), at least 1 when it belongs to one of the fields. A "yes" adds the affinity, a
"no" subtracts three quarters of it; only occupations that are really about a "yes" (affinity 2 or more)
are offered, best first, then those with the most trainees.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from knowledge.catalogue import CERTIFICATES, FIELDS, Catalogue, Occupation, default_catalogue
from knowledge.meaning import default_describer
from knowledge.vocabulary import LANGUAGES, Vocabulary

TRAITS_FILE = Path(__file__).resolve().parent / "data" / "traits.toml"
#: A "no" counts this share of the affinity against an occupation.
NO_WEIGHT = 0.75
#: An occupation is offered only if it weighs at least this much for one "yes".
MIN_AFFINITY = 2


@dataclass(frozen=True)
class Trait:
    id: str
    emoji: str
    labels: Mapping[str, str]
    #: Occupation id → affinity (1-3).
    affinity: Mapping[str, int]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels["de"]


@dataclass(frozen=True)
class Discovery:
    occupation: Occupation
    score: float
    #: The "yes" traits this occupation fits, strongest first (for "passt zu: draußen, Tiere").
    traits: tuple[str, ...]


def load_traits(
    catalogue: Catalogue, vocabulary: Vocabulary, path: Path = TRAITS_FILE
) -> tuple[tuple[Trait, ...], tuple[str, ...]]:
    """The traits, and the problems found (unknown concepts or fields, missing labels)."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    traits: list[Trait] = []
    problems: list[str] = []
    for raw in data.get("trait", []):
        tid = str(raw["id"])
        labels = {str(k): str(v) for k, v in dict(raw.get("label", {})).items()}
        problems += [
            f"{path.name} trait {tid}: label missing for {lang}" for lang in LANGUAGES if not labels.get(lang)
        ]
        affinity: dict[str, int] = {}
        for concept_id in raw.get("concepts", []):
            concept = vocabulary.by_id.get(concept_id)
            if concept is None:
                problems.append(f"{path.name} trait {tid}: unknown concept {concept_id!r}")
                continue
            for occupation_id, weight in concept.weights.items():
                affinity[occupation_id] = max(affinity.get(occupation_id, 0), weight)
        for field_name in raw.get("fields", []):
            if field_name not in FIELDS:
                problems.append(f"{path.name} trait {tid}: unknown field {field_name!r}")
                continue
            for occupation in catalogue:
                if field_name in occupation.fields:
                    affinity[occupation.id] = max(affinity.get(occupation.id, 0), 1)
        traits.append(Trait(tid, str(raw.get("emoji", "")), labels, affinity))
    return tuple(traits), tuple(problems)


class Discoverer:
    def __init__(self, catalogue: Catalogue, vocabulary: Vocabulary, path: Path = TRAITS_FILE) -> None:
        self.catalogue = catalogue
        self.traits, self.problems = load_traits(catalogue, vocabulary, path)
        self.by_id = {t.id: t for t in self.traits}

    def rank(
        self,
        answers: Mapping[str, bool],
        certificate: str | None = None,
        limit: int = 5,
        prefer: Iterable[str] = (),
    ) -> list[Discovery]:
        """Occupations for the answers (trait id → yes/no; traits not asked are left out).

        Occupations that need a much higher certificate than ``certificate`` are left out, as in
        ``Matcher.suggest``; ``prefer`` (e.g. occupations with open places nearby) wins ties.
        """
        unknown = sorted(set(answers) - set(self.by_id))
        if unknown:
            raise ValueError(f"unknown traits: {', '.join(unknown)}")
        level = CERTIFICATES.index(certificate) if certificate in CERTIFICATES else CERTIFICATES.index("msa")
        preferred = set(prefer)
        yes = [self.by_id[t] for t, v in answers.items() if v]
        no = [self.by_id[t] for t, v in answers.items() if not v]
        found: list[tuple[float, int, int, Occupation, tuple[str, ...]]] = []
        for index, occupation in enumerate(self.catalogue):
            if CERTIFICATES.index(occupation.certificate) > max(level, 1) + 1:
                continue
            fits = sorted(
                ((t.affinity.get(occupation.id, 0), t.id) for t in yes if t.affinity.get(occupation.id, 0)),
                key=lambda item: -item[0],
            )
            if not fits or fits[0][0] < MIN_AFFINITY:
                continue
            score = sum(a for a, _ in fits) - NO_WEIGHT * sum(t.affinity.get(occupation.id, 0) for t in no)
            if score <= 0:
                continue
            traits = tuple(tid for _, tid in fits)
            order = self.catalogue.rank(occupation) * len(self.catalogue) + index
            found.append((score, int(occupation.id not in preferred), order, occupation, traits))
        found.sort(key=lambda item: (-item[0], item[1], item[2]))
        return [Discovery(occ, round(score, 2), traits) for score, _, _, occ, traits in found[:limit]]


@cache
def default_discoverer() -> Discoverer:
    return Discoverer(default_catalogue(), default_describer().vocabulary)
