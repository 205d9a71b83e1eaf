"""The meaning layer: what a young person describes ("was mit Tieren", "beim Zahnarzt", "ich schraube an
Motorrädern") mapped to occupations through the curated vocabulary, and "keine Ahnung" recognised.

Every word of the text is looked up as a whole word, as a word starting with a stem ("schraub*" for
"schraube"), and, for words of six letters or more without a hit, with one typo allowed (two from ten
letters on; stems of seven letters or more; never in the first letter). A concept right after a negation
("kein Büro", "не в офисе") does not count. Phrases ("erste hilfe") match consecutive words. A concept found counts with its weight for
each of its occupations; occupations are ranked by the sum. The concept that contributed most is the
reason shown to the person ("passt zu: Autos").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from knowledge.catalogue import Catalogue, Occupation, default_catalogue
from knowledge.vocabulary import SHRUG, Concept, Term, Vocabulary, load_vocabulary, variants, words

#: Quality of a concept found through a word with a typo.
TYPO_QUALITY = 0.75


@dataclass(frozen=True)
class Described:
    """An occupation found through what the text describes."""

    occupation: Occupation
    score: float
    #: The concept that contributed most, e.g. ``autos``.
    concept: Concept


@dataclass(frozen=True)
class Understanding:
    """What the meaning layer reads in a text."""

    #: Concept id → quality (1.0, or ``TYPO_QUALITY`` when found only through a typo).
    concepts: dict[str, float]
    #: The text says "I don't know" (possibly beside other words).
    undecided_phrase: bool
    #: Words that are neither filler, nor part of an "I don't know", nor of a concept found.
    rest: tuple[str, ...]
    #: The text is about buying, getting rich or famous: no job wish.
    not_a_wish: bool


class Describer:
    """Loaded once per catalogue; a text takes well under a millisecond."""

    #: Occupations below this summed weight are not offered (one concept of weight 2 is enough).
    min_weight = 2.0
    #: … nor those below this share of the best one.
    share_of_best = 0.5
    #: Typos are looked for in words of at least this length (the first letter must be right) …
    min_typo_length = 6
    #: … and in the first letters of a word only for stems at least this long.
    min_typo_stem = 7
    #: A concept this many words after a negation ("kein Büro") does not count.
    negation_reach = 3

    def __init__(self, vocabulary: Vocabulary, catalogue: Catalogue) -> None:
        self.vocabulary = vocabulary
        self.catalogue = catalogue
        self._order = {o.id: i for i, o in enumerate(catalogue)}
        #: First word of a term (whole word) → (concept index, term).
        self._exact: dict[str, list[tuple[int, Term]]] = {}
        #: First word of a term (stem) → (concept index, term).
        self._stems: dict[str, list[tuple[int, Term]]] = {}
        for index, concept in enumerate(vocabulary.concepts):
            for term in concept.terms:
                table = self._stems if term.stems[0] else self._exact
                table.setdefault(term.words[0], []).append((index, term))
        self._blockers: dict[str, list[Term]] = {}
        for term in vocabulary.not_a_wish:
            self._blockers.setdefault(term.words[0], []).append(term)
        #: First letter → whole words, (length, first letter) → stems that typos are looked for in.
        self._typo_words: dict[str, list[str]] = {}
        for word in sorted(self._exact):
            if len(word) >= self.min_typo_length:
                self._typo_words.setdefault(word[0], []).append(word)
        self._typo_stems: dict[tuple[int, str], list[str]] = {}
        for stem in sorted(self._stems):
            if len(stem) >= self.min_typo_stem:
                self._typo_stems.setdefault((len(stem), stem[0]), []).append(stem)
        self._max_stem = max((len(s) for s in self._stems), default=0)
        self._undecided = vocabulary.undecided

    # ------------------------------------------------------------ reading a text

    def _candidates(
        self, table: dict[str, list[tuple[int, Term]]], forms: tuple[str, ...]
    ) -> Iterable[tuple[int, Term]]:
        if table is self._exact:
            for form in forms:
                yield from table.get(form, ())
            return
        for form in forms:
            for size in range(1, min(len(form), self._max_stem) + 1):
                yield from table.get(form[:size], ())

    def _typo_forms(self, word: str) -> tuple[str, ...]:
        """Vocabulary words and stems within one typo (two from ten letters on) of ``word``."""
        if len(word) < self.min_typo_length or word in self.vocabulary.filler:
            return ()
        cutoff = 2 if len(word) >= 10 else 1
        found: list[str] = []
        candidates = self._typo_words.get(word[0], [])
        hit = process.extractOne(word, candidates, scorer=Levenshtein.distance, score_cutoff=cutoff)
        if hit is not None:
            found.append(hit[0])
        for size in range(self.min_typo_stem, len(word) + 1):
            stems = self._typo_stems.get((size, word[0]))
            if not stems:
                continue
            hit = process.extractOne(word[:size], stems, scorer=Levenshtein.distance, score_cutoff=1)
            if hit is not None:
                found.append(hit[0])
        return tuple(found)

    def understand(self, text: str) -> Understanding:
        raw = words(text[:300])
        tokens = [variants(w) for w in raw]
        used = [False] * len(raw)
        filler = self.vocabulary.filler
        undecided = SHRUG in text
        for phrase in self._undecided:
            for start in range(len(raw)):
                positions = _phrase_at(raw, start, phrase, filler)
                if positions:
                    undecided = True
                    for i in positions:
                        used[i] = True
        negated: set[int] = set()
        for phrase in self.vocabulary.negation:
            for start in range(len(raw) - len(phrase) + 1):
                if not used[start] and tuple(raw[start : start + len(phrase)]) == phrase:
                    after = start + len(phrase)
                    negated.update(range(after, after + self.negation_reach))
        not_a_wish = False
        for start, forms in enumerate(tokens):
            for form in forms:
                for term in self._blockers.get(form, ()) or self._stem_blockers(form):
                    if term.matches(tokens, start):
                        not_a_wish = True
        meaningful = [i for i, w in enumerate(raw) if w not in filler and not used[i]]
        found: dict[str, float] = {}
        context_needed: dict[str, set[int]] = {}

        def take(concept_index: int, term: Term, start: int, quality: float) -> None:
            concept = self.vocabulary.concepts[concept_index]
            span = set(range(start, start + len(term.words)))
            if start in negated:  # "kein Büro": the word is taken, the concept does not count
                return
            if term.needs_context:
                context_needed.setdefault(concept.id, set()).update(span)
            else:
                found[concept.id] = max(found.get(concept.id, 0.0), quality)

        # The most specific match claims a word: phrases first, then whole words, then stems, then typos.
        for phase in ("phrase", "word", "stem", "typo"):
            claimed: list[int] = []
            for start, forms in enumerate(tokens):
                if used[start]:
                    continue
                tokens_here, quality = tokens, 1.0
                if phase == "typo":
                    typo_forms = self._typo_forms(raw[start])
                    if not typo_forms:
                        continue
                    tokens_here = [*tokens[:start], typo_forms, *tokens[start + 1 :]]
                    forms, quality = typo_forms, TYPO_QUALITY
                hits = [*self._candidates(self._exact, forms), *self._candidates(self._stems, forms)]
                for concept_index, term in hits:
                    single = len(term.words) == 1
                    if phase == "phrase" and single:
                        continue
                    if phase == "word" and (not single or term.stems[0]):
                        continue
                    if phase == "stem" and (not single or not term.stems[0]):
                        continue
                    if not term.matches(tokens_here, start):
                        continue
                    take(concept_index, term, start, quality)
                    claimed += range(start, start + len(term.words))
            for i in claimed:
                used[i] = True
        for concept_id, span in context_needed.items():
            if concept_id in found:
                continue
            others = [i for i in range(len(raw)) if i not in span and (raw[i] not in filler)]
            if others:
                found[concept_id] = 1.0
        rest = tuple(raw[i] for i in meaningful if not used[i])
        return Understanding(found, undecided, rest, not_a_wish)

    def _stem_blockers(self, form: str) -> list[Term]:
        return [
            term
            for size in range(1, len(form) + 1)
            for term in self._blockers.get(form[:size], ())
            if term.stems[0]
        ]

    # ------------------------------------------------------------ occupations

    def rank(self, understanding: Understanding, limit: int = 3) -> list[Described]:
        if understanding.not_a_wish or not understanding.concepts:
            return []
        totals: dict[str, float] = {}
        best: dict[str, tuple[float, Concept]] = {}
        for concept_id, quality in understanding.concepts.items():
            concept = self.vocabulary.by_id[concept_id]
            for occupation_id, weight in concept.weights.items():
                share = quality * weight
                totals[occupation_id] = totals.get(occupation_id, 0.0) + share
                if share > best.get(occupation_id, (0.0, concept))[0]:
                    best[occupation_id] = (share, concept)
        if not totals:
            return []
        top = max(totals.values())
        by_id = self.catalogue.by_id
        ranked = sorted(
            (oid for oid in totals if oid in by_id),
            key=lambda oid: (-totals[oid], -best[oid][0], self.catalogue.rank(by_id[oid]), self._order[oid]),
        )
        return [
            Described(by_id[oid], score_of(totals[oid]), best[oid][1])
            for oid in ranked[:limit]
            if totals[oid] >= self.min_weight and totals[oid] >= self.share_of_best * top
        ]

    def match(self, text: str, limit: int = 3) -> list[Described]:
        return self.rank(self.understand(text), limit)


def score_of(weight: float) -> float:
    """A 0-100 score below the lexical matcher's exact hits: weight 2 → 70, 3 → 80, 4 or more → 89."""
    return round(min(89.0, 50.0 + 10.0 * weight), 1)


def _phrase_at(raw: list[str], start: int, phrase: tuple[str, ...], filler: frozenset[str]) -> list[int]:
    """Positions of ``phrase`` starting at ``start``, one typo per long word, up to two filler words
    between its words ("weiß es echt nicht"); empty if it is not there."""
    positions: list[int] = []
    index, skipped = start, 0
    for number, word in enumerate(phrase):
        while (
            number
            and index < len(raw)
            and not _close(raw[index], word)
            and raw[index] in filler
            and skipped < 2
        ):
            index += 1
            skipped += 1
        if index >= len(raw) or not _close(raw[index], word):
            return []
        positions.append(index)
        index += 1
    return positions


def _close(word: str, target: str) -> bool:
    if word == target:
        return True
    if len(target) < 5 or abs(len(word) - len(target)) > 1:
        return False
    return Levenshtein.distance(word, target, score_cutoff=1) <= 1


@cache
def default_describer() -> Describer:
    catalogue = default_catalogue()
    return Describer(load_vocabulary(catalogue), catalogue)
