"""Which occupations are truly related: for "similar occupations" in suggestions and the places search.

Two occupations are related when
- ``listed``: ``knowledge/data/related.toml`` names them together (read both ways);
- ``same_subgroup``: they share the KldB 2010 Berufsuntergruppe (first four digits);
- ``shared_activity``: a concept of the vocabulary (an activity, theme or place, never a broad one such as
  "mit den Händen") weighs at least 2 for both;
- ``same_group``: they share the KldB 2010 Berufsgruppe (first three digits).

Interest fields alone ("Handwerk") never make occupations related: a hairdresser is not similar to a car
mechatronics technician. Each relation carries its reason code and, where there is one, the strongest
shared concept, so the chat can say why ("auch: Fahrzeuge"); translating the reason code is the chat's job.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from knowledge.catalogue import Catalogue, Occupation, default_catalogue
from knowledge.meaning import default_describer
from knowledge.vocabulary import Concept, Vocabulary, load_vocabulary

RELATED_FILE = Path(__file__).resolve().parent / "data" / "related.toml"

#: Reason codes, strongest first.
LISTED, SAME_SUBGROUP, SHARED_ACTIVITY, SAME_GROUP = (
    "listed",
    "same_subgroup",
    "shared_activity",
    "same_group",
)
REASONS = (LISTED, SAME_SUBGROUP, SHARED_ACTIVITY, SAME_GROUP)
#: Short texts for the reason codes (the chat translates its own; these serve the CLI, logs and tests).
REASON_TEXT = {
    "de": {
        LISTED: "verwandter Beruf",
        SAME_SUBGROUP: "fast gleiche Arbeit",
        SHARED_ACTIVITY: "auch: {concept}",
        SAME_GROUP: "gleiches Berufsfeld",
    },
    "en": {
        LISTED: "related occupation",
        SAME_SUBGROUP: "almost the same work",
        SHARED_ACTIVITY: "also: {concept}",
        SAME_GROUP: "same occupational field",
    },
}
#: A concept counts as shared when it weighs at least this much for both occupations.
MIN_SHARED_WEIGHT = 2


@dataclass(frozen=True)
class Relation:
    occupation: Occupation
    #: One of ``REASONS``: the strongest reason that holds.
    reason: str
    #: The strongest concept both share (``None`` if they share none), for "auch: Fahrzeuge".
    concept: Concept | None
    strength: float

    def text(self, lang: str) -> str:
        """A short German or English explanation; other languages get the English one."""
        texts = REASON_TEXT.get(lang, REASON_TEXT["en"])
        if self.concept is not None and self.reason != SAME_SUBGROUP:
            return texts[SHARED_ACTIVITY].format(concept=self.concept.label(lang))
        return texts[self.reason].format(concept="")


def load_related(catalogue: Catalogue, path: Path = RELATED_FILE) -> tuple[dict[str, set[str]], list[str]]:
    """Listed relations, both ways, by current id; and the problems found (unknown ids)."""
    with path.open("rb") as fh:
        raw: Mapping[str, object] = tomllib.load(fh).get("related", {})
    listed: dict[str, set[str]] = {}
    problems: list[str] = []
    for key, others in raw.items():
        names = [key, *(others if isinstance(others, list) else [])]
        found = [catalogue.get(str(n)) for n in names]
        for name, occ in zip(names, found, strict=True):
            if occ is None:
                problems.append(f"{path.name}: unknown occupation id {name!r}")
            elif occ.id != name:
                problems.append(f"{path.name}: {name!r} was replaced by {occ.id!r}")
        first = found[0]
        if first is None:
            continue
        for other in found[1:]:
            if other is not None and other.id != first.id:
                listed.setdefault(first.id, set()).add(other.id)
                listed.setdefault(other.id, set()).add(first.id)
    return listed, problems


class Relations:
    def __init__(self, catalogue: Catalogue, vocabulary: Vocabulary, path: Path = RELATED_FILE) -> None:
        self.catalogue = catalogue
        self.listed, problems = load_related(catalogue, path)
        self.problems = tuple(problems)
        #: Occupation id → concept → weight, only concepts that can relate occupations.
        self._weights: dict[str, dict[str, int]] = {}
        self._concepts = {c.id: c for c in vocabulary.concepts if c.kind != "broad"}
        for concept in self._concepts.values():
            for occupation_id, weight in concept.weights.items():
                if weight >= MIN_SHARED_WEIGHT:
                    self._weights.setdefault(occupation_id, {})[concept.id] = weight
        self._cache: dict[str, list[Relation]] = {}

    def concept_label(self, concept_id: str, lang: str) -> str:
        """A shared concept in the reader's language ("Fahrzeuge"); ``""`` for an unknown id."""
        concept = self._concepts.get(concept_id)
        return concept.label(lang) if concept else ""

    def shared(self, a: str, b: str) -> list[tuple[Concept, int]]:
        """Concepts that weigh at least ``MIN_SHARED_WEIGHT`` for both, strongest first."""
        wa, wb = self._weights.get(a, {}), self._weights.get(b, {})
        both = [(self._concepts[c], min(wa[c], wb[c])) for c in wa.keys() & wb.keys()]
        return sorted(both, key=lambda item: (-item[1], item[0].id))

    def relation(self, a: Occupation, b: Occupation) -> Relation | None:
        if a.id == b.id:
            return None
        shared = self.shared(a.id, b.id)
        strength = float(sum(weight for _, weight in shared))
        concept = shared[0][0] if shared else None
        if b.id in self.listed.get(a.id, ()):
            return Relation(b, LISTED, concept, 20.0 + strength)
        if a.kldb and a.kldb[:4] == b.kldb[:4]:
            return Relation(b, SAME_SUBGROUP, concept, 15.0 + strength)
        if shared:
            return Relation(b, SHARED_ACTIVITY, concept, 5.0 + strength)
        if a.kldb and a.kldb_group == b.kldb_group:
            return Relation(b, SAME_GROUP, concept, 1.0)
        return None

    def related(self, occupation_id: str, limit: int | None = None) -> list[Relation]:
        """Related occupations, strongest first (then most trainees)."""
        occupation = self.catalogue.get(occupation_id)
        if occupation is None:
            return []
        if occupation.id not in self._cache:
            found = [r for other in self.catalogue if (r := self.relation(occupation, other)) is not None]
            found.sort(key=lambda r: (-r.strength, self.catalogue.rank(r.occupation), r.occupation.id))
            self._cache[occupation.id] = found
        return self._cache[occupation.id][:limit]


def relations_for(catalogue: Catalogue) -> Relations:
    """The relations of the default catalogue (built once), or fresh ones for another catalogue."""
    if catalogue is default_catalogue():
        return default_relations()
    return Relations(catalogue, load_vocabulary(catalogue))


@cache
def default_relations() -> Relations:
    return Relations(default_catalogue(), default_describer().vocabulary)
