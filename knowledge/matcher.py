"""Fuzzy matching of whatever a young person types to official Ausbildungsberufe.

Every occupation is known under many labels: its official name and both gender forms, synonyms and
abbreviations, and everyday names in other languages. Labels and queries are normalised the same way
(case, umlauts with or without ``e``, accents, punctuation, filler words, word order). A query is then
looked up exactly, as a phrase inside a longer sentence, and fuzzily with rapidfuzz's ``ratio`` over
token-sorted labels — a plain similarity without WRatio's partial matching, so "Arzt" does not turn into
"Arzthelferin". Below ``threshold`` nothing is returned: an honest "no match" beats a wrong guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import fuzz, process

from knowledge.catalogue import CERTIFICATES, Catalogue, Occupation, berufenet_url, default_catalogue
from knowledge.discovery import Discoverer, Trait, default_discoverer
from knowledge.meaning import Described, Describer, default_describer
from knowledge.related import Relations, relations_for
from knowledge.types import OccupationFacts, OccupationHit
from knowledge.vocabulary import load_vocabulary

#: Words that carry no meaning for matching (German articles and prepositions of official names,
#: and what people add around a job name).
STOPWORDS = frozenset(
    [
        "im",
        "in",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "fur",
        "und",
        "fuer",
        "mit",
        "am",
        "an",
        "zum",
        "zur",
        "fachrichtung",
        "schwerpunkt",
        "m",
        "w",
        "d",
        "ich",
        "will",
        "mochte",
        "mochten",
        "werden",
        "als",
        "beruf",
        "job",
        "ausbildung",
        "the",
        "a",
        "an",
        "of",
        "to",
        "i",
        "want",
        "be",
    ]
)
_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ı": "i", "ł": "l", "ё": "е"})
_DIGRAPHS = re.compile(r"(?<=[a-z])(ae|oe|ue)")
_NON_WORD = re.compile(r"[\W_]+")
_GENDER_SUFFIX = re.compile(r"/-?(in|innen|frau|r|n)\b")


def normalize(text: str) -> str:
    """Fold a label or query into the form that is compared."""
    text = _GENDER_SUFFIX.sub("", text.casefold()).translate(_UMLAUTS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _DIGRAPHS.sub(lambda m: m.group(1)[0], text)
    words = [w for w in _NON_WORD.sub(" ", text).split() if w not in STOPWORDS]
    return " ".join(words)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _sub_phrases(key: str) -> Iterable[str]:
    words = key.split()
    for size in range(1, len(words)):
        for start in range(len(words) - size + 1):
            yield " ".join(words[start : start + size])


def _sorted_tokens(text: str) -> str:
    return " ".join(sorted(text.split()))


@dataclass(frozen=True)
class Match:
    occupation: Occupation
    score: float


class Matcher:
    """Loaded once; ``match`` takes well under a millisecond per query for the whole catalogue."""

    #: Scores below this are no match. Chosen with the labelled test set in tests/data/match_queries.
    threshold = 80.0
    #: Candidates further than this below the best one are not offered.
    spread = 12.0
    #: Queries this short only count when they are an exact label ("MFA", "Kfz").
    min_fuzzy_length = 4
    #: Short words need a closer fuzzy match: one wrong letter in "lekarz" must not make it "dekarz".
    short_word = 7
    short_threshold = 85.0
    #: A word form must share at least this many first letters, and most of the label, with a one-word label.
    min_stem = 6
    stem_score = 85.0
    part_share = 0.6

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        exact: dict[str, set[int]] = {}
        for index, occupation in enumerate(catalogue):
            for label in labels_of(occupation):
                key = normalize(label)
                if key:
                    exact.setdefault(key, set()).add(index)
                    exact.setdefault(_sorted_tokens(key), set()).add(index)
        self._exact = exact
        #: One entry per distinct token-sorted label, each pointing to its occupations.
        self._labels = [key for key in exact if key == _sorted_tokens(key)]
        self._owners = [sorted(exact[key]) for key in self._labels]
        self._max_phrase = max((len(k.split()) for k in self._labels), default=1)
        #: "zoo keeper" = "zookeeper": labels without spaces.
        self._compact: dict[str, set[int]] = {}
        #: One-word labels by their first letters, for word forms: "Gärtnerei" → "Gärtner", "фотографування" → "фотограф".
        self._stems: dict[str, list[tuple[str, list[int]]]] = {}
        #: Most of a longer label: "real estate" for "real estate agent" (never a small part, as "doctor").
        self._parts: dict[str, set[int]] = {}
        for key, owners in zip(self._labels, self._owners, strict=True):
            self._compact.setdefault(key.replace(" ", ""), set()).update(owners)
            for part in _sub_phrases(key):
                if len(part) >= self.part_share * len(key):
                    self._parts.setdefault(part, set()).update(owners)
            if " " not in key and len(key) >= self.min_stem:
                self._stems.setdefault(key[: self.min_stem], []).append((key, owners))

    def match(self, query: str, limit: int = 3) -> list[Match]:
        key = normalize(query[:200])
        if not key:
            return []
        best: dict[int, float] = {}

        def offer(indices: Iterable[int], score: float) -> None:
            for index in indices:
                if score > best.get(index, 0.0):
                    best[index] = score

        offer(self._exact.get(key, ()), 100.0)
        offer(self._exact.get(_sorted_tokens(key), ()), 99.0)
        offer(self._compact.get(key.replace(" ", ""), ()), 98.0)
        offer(self._parts.get(key, ()), self.stem_score)
        for word in key.split():
            for label, owners in self._stems.get(word[: self.min_stem], ()):
                common = _common_prefix(word, label)
                if common >= 0.85 * len(label) and common >= 0.5 * len(word):
                    offer(owners, self.stem_score)
        words = key.split()
        if len(words) > 1:  # a known label inside a longer sentence: "ich will kfz mechatroniker werden"
            for size in range(min(len(words) - 1, self._max_phrase), 0, -1):
                for start in range(len(words) - size + 1):
                    phrase = " ".join(words[start : start + size])
                    if len(phrase) >= 3:
                        offer(self._exact.get(phrase, ()), 90.0 + size)
        if len(key) >= self.min_fuzzy_length:
            cutoff = self.short_threshold if len(key) <= self.short_word else self.threshold
            for _label, score, pos in process.extract(
                _sorted_tokens(key), self._labels, scorer=fuzz.ratio, processor=None,
                limit=limit * 4, score_cutoff=cutoff,
            ):  # fmt: skip
                offer(self._owners[pos], float(score))
        if not best:
            return []
        top = max(best.values())
        popularity = self.catalogue.rank
        occupations = self.catalogue.occupations
        ranked = sorted(best.items(), key=lambda item: (-item[1], popularity(occupations[item[0]]), item[0]))
        return [
            Match(self.catalogue.occupations[index], round(score, 1))
            for index, score in ranked[:limit]
            if score >= self.threshold and score >= top - self.spread
        ]

    def suggest(
        self, fields: Sequence[str], certificate: str | None, limit: int = 5, prefer: Iterable[str] = ()
    ) -> list[Occupation]:
        """Occupations for the chosen interest fields that fit the school certificate.

        ``prefer`` lists occupation ids to put first (for example those with open places nearby).
        """
        level = CERTIFICATES.index(certificate) if certificate in CERTIFICATES else CERTIFICATES.index("msa")
        preferred = set(prefer)
        wanted = set(fields)

        def rank(item: tuple[int, Occupation]) -> tuple[int, int, int, int, int]:
            index, occ = item
            overlap = len(wanted & set(occ.fields))
            too_high = max(0, CERTIFICATES.index(occ.certificate) - level)
            return (-overlap, too_high, occ.id not in preferred, self.catalogue.rank(occ), index)

        pool = [(i, o) for i, o in enumerate(self.catalogue) if not wanted or wanted & set(o.fields)]
        pool = [item for item in pool if CERTIFICATES.index(item[1].certificate) <= max(level, 1) + 1]
        return [occ for _, occ in sorted(pool, key=rank)[:limit]]


def labels_of(occupation: Occupation) -> Iterable[str]:
    yield occupation.name
    yield from occupation.gender_forms
    yield from occupation.synonyms
    for names in occupation.names.values():
        yield from names


class OccupationService:
    """Occupations as the dialog sees them: hits with the name in the young person's language.

    ``match`` is the whole pipeline the chat (and ``ausbildungsbot match``) runs on a typed wish: "keine
    Ahnung" and the like give nothing (the chat starts the discovery instead); names and their typos are
    found by the lexical ``Matcher``; what the text describes ("was mit Tieren", "beim Zahnarzt") by the
    ``Describer``. An exact name is answered alone; otherwise name hits and description hits
    (``kind="description"``, with ``why``; their scores stay below 90) are ranked by score.

    ``with_places`` holds the occupations that have open places; suggestions prefer them. The bot
    refreshes it from the places store (at start and with each alert run).
    """

    #: A name hit from this score on (the exact label, its words in another order) is answered alone.
    exact_name = 98.0
    #: Name hits from this score on (in a sentence, a word form) outrank every description hit; with a
    #: word about buying or getting rich in the text only they count.
    sure_name = 90.0

    def __init__(
        self,
        matcher: Matcher,
        describer: Describer | None = None,
        relations: Relations | None = None,
        discoverer: Discoverer | None = None,
    ) -> None:
        self.matcher = matcher
        catalogue = matcher.catalogue
        default = catalogue is default_catalogue()
        self.describer = describer or (
            default_describer() if default else Describer(load_vocabulary(catalogue), catalogue)
        )
        self.relations = relations or relations_for(catalogue)
        self.discoverer = discoverer or (
            default_discoverer() if default else Discoverer(catalogue, self.describer.vocabulary)
        )
        self.with_places: frozenset[str] = frozenset()

    def _hit(self, occupation: Occupation, lang: str, score: float, **why: object) -> OccupationHit:
        return OccupationHit(occupation.id, occupation.name, occupation.local_name(lang), score, **why)  # type: ignore[arg-type]

    def wish(self, query: str, limit: int = 3) -> Wish:
        """The pipeline on one typed wish, without languages (see ``match``)."""
        text = query[:200]
        understanding = self.describer.understand(text)
        if understanding.undecided_phrase and not understanding.concepts:
            rest = " ".join(understanding.rest)
            if not rest or not self.matcher.match(rest, limit=1):
                return Wish(undecided=True)
        names = self.matcher.match(text, limit)
        if understanding.not_a_wish:
            names = [m for m in names if m.score >= self.sure_name]
        described = self.describer.rank(understanding, limit)
        return Wish(names=names, described=described)

    def match(self, query: str, lang: str, limit: int = 3) -> list[OccupationHit]:
        """Occupations for a typed wish: names first, then what the text describes; nothing for "keine Ahnung"."""
        wish = self.wish(query, limit)
        exact = [self._hit(m.occupation, lang, m.score) for m in wish.names if m.score >= self.exact_name]
        if exact:  # the text is an occupation's name: what else it might describe would only distract
            return exact
        hits: list[OccupationHit] = []
        rest = [(m.score, n, self._hit(m.occupation, lang, m.score)) for n, m in enumerate(wish.names)]
        for n, d in enumerate(wish.described):
            hit = self._hit(
                d.occupation,
                lang,
                d.score,
                kind="description",
                why=(d.concept.id,),
                why_label=d.concept.label(lang),
            )
            rest.append((d.score, len(wish.names) + n, hit))
        seen = {h.id for h in hits}
        for _score, _order, hit in sorted(rest, key=lambda item: (-item[0], item[1])):
            if hit.id not in seen:
                hits.append(hit)
                seen.add(hit.id)
        return hits[:limit]

    def is_undecided(self, text: str, lang: str = "de") -> bool:
        """The text says "I don't know" ("keine Ahnung", "idk", "bilmiyorum", "не знаю", "🤷" …) and names
        or describes nothing else: the chat starts the discovery. ``lang`` is not needed (every language's
        phrases are known) but kept for callers that have it."""
        return self.wish(text, limit=1).undecided

    def similar(self, occupation_id: str, lang: str, limit: int = 3) -> list[OccupationHit]:
        """Truly related occupations (see ``knowledge.related``), each with its reason code and, where they
        share one, the concept in the reader's language ("Fahrzeuge")."""
        return [
            self._hit(
                r.occupation, lang, 0.0, kind="related", reason=r.reason,
                why=(r.concept.id,) if r.concept else (), why_label=r.concept.label(lang) if r.concept else "",
            )
            for r in self.relations.related(occupation_id, limit)
        ]  # fmt: skip

    def traits(self) -> tuple[Trait, ...]:
        """The discovery's yes/no topics, in the order to ask them (id, emoji, labels in seven languages)."""
        return self.discoverer.traits

    def discover(
        self, answers: Mapping[str, bool], certificate: str | None, lang: str, limit: int = 5
    ) -> list[OccupationHit]:
        """3-5 occupations for the discovery's answers (trait id → yes/no), occupations with places first
        among equals; ``why`` lists the "yes" traits each fits."""
        found = self.discoverer.rank(answers, certificate, limit, prefer=self.with_places)
        by_id = self.discoverer.by_id
        return [
            self._hit(
                d.occupation, lang, d.score, kind="discovery", why=d.traits,
                why_label=", ".join(by_id[t].label(lang) for t in d.traits),
            )
            for d in found
        ]  # fmt: skip

    def suggest(
        self, fields: Sequence[str], certificate: str | None, lang: str, limit: int = 5
    ) -> list[OccupationHit]:
        suggested = self.matcher.suggest(fields, certificate, limit, prefer=self.with_places)
        return [self._hit(o, lang, 0.0, kind="suggestion") for o in suggested]

    def get(self, occupation_id: str, lang: str) -> OccupationHit | None:
        occupation = self.matcher.catalogue.get(occupation_id)
        return self._hit(occupation, lang, 100.0) if occupation else None

    def facts(self, occupation_id: str, lang: str) -> OccupationFacts | None:
        """What an occupation card shows (``None`` for an id the catalogue does not know)."""
        occupation = self.matcher.catalogue.get(occupation_id)
        if occupation is None:
            return None
        return OccupationFacts(
            occupation.id, occupation.name, occupation.local_name(lang), occupation.description,
            occupation.duration_months, occupation.certificate, occupation.type, berufenet_url(occupation.name),
        )  # fmt: skip


@dataclass(frozen=True)
class Wish:
    """What the pipeline found in a typed wish."""

    names: list[Match] = field(default_factory=list)
    described: list[Described] = field(default_factory=list)
    #: "keine Ahnung" and nothing else: start the discovery.
    undecided: bool = False


@cache
def default_matcher() -> Matcher:
    return Matcher(default_catalogue())


@cache
def default_occupations() -> OccupationService:
    """The pipeline the chat runs, built once (the CLI's ``match`` uses it too)."""
    return OccupationService(default_matcher())
