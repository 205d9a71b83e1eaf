"""The vocabulary of descriptive wishes (``knowledge/data/vocabulary.toml``): concepts such as "Tiere",
"schrauben" or "beim Zahnarzt" with the words people type for them in seven languages, and the occupations
they point to.

The loader is tolerant of the catalogue changing under it: a concept that names an occupation id the
catalogue does not have keeps its other occupations, and the unknown id is listed in ``problems`` (a test
fails on it, the bot does not).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.catalogue import FIELDS, Catalogue

VOCABULARY_FILE = Path(__file__).resolve().parent / "data" / "vocabulary.toml"
LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru", "pl")
KINDS = ("activity", "theme", "place", "broad")

_APOSTROPHES = re.compile(r"[’'`´ʼʻ‘]")
_FOLD = str.maketrans(
    {
        "ä": "a", "ö": "o", "ü": "u", "ı": "i", "ł": "l", "ё": "е",
        "ـ": "", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ٱ": "ا",
    }
)  # fmt: skip
_DIGRAPHS = re.compile(r"(?<=[a-z])(ae|oe|ue)")
_NON_WORD = re.compile(r"[\W_]+")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
#: Arabic article with the prepositions glued to it: removed from vocabulary words and queries alike.
_ARTICLES = ("بال", "وال", "فال", "كال", "لل", "ال")
#: Single-letter prefixes ("and", "with", "for", "like"): only tried on queries, as an extra variant.
_LETTERS = ("و", "ب", "ل", "ك", "ف")
SHRUG = "🤷"


def fold(text: str) -> str:
    """Lower case without accents, umlauts (also typed as ``ae``), apostrophes or Arabic letter variants."""
    text = _APOSTROPHES.sub("", text.casefold()).translate(_FOLD)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.translate(_FOLD)  # NFKD turns "أ" into "ا" + hamza: fold what it leaves
    return _DIGRAPHS.sub(lambda m: m.group(1)[0], text)


def words(text: str) -> list[str]:
    """The folded words of a text, Arabic words without their article."""
    return [_canonical(w) for w in _NON_WORD.sub(" ", fold(text)).split()]


def _canonical(word: str) -> str:
    if _ARABIC.match(word):
        for article in _ARTICLES:
            if word.startswith(article) and len(word) - len(article) >= 3:
                return word[len(article) :]
    return word


def variants(word: str) -> tuple[str, ...]:
    """A query word and, for Arabic, the word without a one-letter prefix (``وسيارات`` → ``سيارات``)."""
    if not _ARABIC.match(word) or len(word) < 4:
        return (word,)
    found = [word]
    for letter in _LETTERS:
        if word.startswith(letter):
            found.append(_canonical(word[1:]))
    return tuple(found)


@dataclass(frozen=True)
class Term:
    """One entry of a word list: a word or phrase; the last word may be a stem (``schraub*``)."""

    words: tuple[str, ...]
    #: Which words are stems (match any word that starts with them).
    stems: tuple[bool, ...]
    #: ``+word``: counts only with a preposition or another meaningful word beside it.
    needs_context: bool = False
    lang: str = ""

    def matches(self, tokens: list[tuple[str, ...]], start: int) -> bool:
        if start + len(self.words) > len(tokens):
            return False
        for offset, (word, stem) in enumerate(zip(self.words, self.stems, strict=True)):
            forms = tokens[start + offset]
            if not any(f.startswith(word) if stem else f == word for f in forms):
                return False
        return True


def parse_term(raw: str, lang: str = "") -> Term | None:
    raw = raw.strip()
    needs_context = raw.startswith("+")
    parts = raw.lstrip("+").split()
    folded: list[str] = []
    stems: list[bool] = []
    for part in parts:
        stem = part.endswith("*")
        pieces = words(part.rstrip("*"))
        if not pieces:
            continue
        folded += pieces
        stems += [False] * (len(pieces) - 1) + [stem]
    if not folded:
        return None
    return Term(tuple(folded), tuple(stems), needs_context, lang)


@dataclass(frozen=True)
class Concept:
    id: str
    kind: str
    labels: Mapping[str, str]
    terms: tuple[Term, ...]
    #: Occupation id → weight (1-3), fields already spread onto their occupations.
    weights: Mapping[str, int]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("de", self.id)


@dataclass(frozen=True)
class Vocabulary:
    concepts: tuple[Concept, ...]
    #: Words without meaning for a wish (folded), in every language.
    filler: frozenset[str]
    #: "I don't know" phrases (folded words).
    undecided: tuple[tuple[str, ...], ...]
    #: Terms that show a text is no job wish ("kaufen", "Millionär").
    not_a_wish: tuple[Term, ...]
    #: Negations ("kein", "not", "не"): concepts right after one do not count.
    negation: tuple[tuple[str, ...], ...] = ()
    by_id: Mapping[str, Concept] = field(default_factory=dict)
    #: What does not fit the catalogue or the rules; empty when all is well (checked by a test).
    problems: tuple[str, ...] = ()


def _word_lists(raw: Mapping[str, object], where: str, problems: list[str]) -> Iterable[tuple[str, str]]:
    for lang in LANGUAGES:
        value = raw.get(lang, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{where}: {lang} must be a list of strings")
            continue
        for item in value:
            yield lang, item


def load_vocabulary(catalogue: Catalogue, path: Path = VOCABULARY_FILE) -> Vocabulary:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    problems: list[str] = []
    concepts: list[Concept] = []
    fields_of = {o.id: set(o.fields) for o in catalogue}
    for index, raw in enumerate(data.get("concept", []), start=1):
        cid = str(raw.get("id", f"#{index}"))
        where = f"{path.name} concept {cid}"
        kind = str(raw.get("kind", ""))
        if kind not in KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(KINDS)}")
        labels = {str(k): str(v) for k, v in dict(raw.get("label", {})).items()}
        missing_labels = [lang for lang in LANGUAGES if not labels.get(lang)]
        if missing_labels:
            problems.append(f"{where}: label missing for {', '.join(missing_labels)}")
        terms = tuple(t for lang, item in _word_lists(raw, where, problems) if (t := parse_term(item, lang)))
        weights: dict[str, int] = {}
        for field_name, weight in dict(raw.get("fields", {})).items():
            if field_name not in FIELDS:
                problems.append(f"{where}: unknown field {field_name!r}")
                continue
            for occupation_id, fields in fields_of.items():
                if field_name in fields:
                    weights[occupation_id] = max(weights.get(occupation_id, 0), int(weight))
        for occupation_id, weight in dict(raw.get("occupations", {})).items():
            if occupation_id not in fields_of:
                problems.append(f"{where}: unknown occupation id {occupation_id!r}")
                continue
            if not 1 <= int(weight) <= 3:
                problems.append(f"{where}: weight of {occupation_id} must be 1, 2 or 3")
            weights[occupation_id] = max(weights.get(occupation_id, 0), int(weight))
        concepts.append(Concept(cid, kind, labels, terms, weights))
    ids = [c.id for c in concepts]
    problems += [
        f"{path.name}: concept id {i!r} appears twice" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    filler = frozenset(
        w for _lang, item in _word_lists(data.get("filler", {}), "filler", problems) for w in words(item)
    )
    undecided = tuple(
        tuple(words(item))
        for _lang, item in _word_lists(data.get("undecided", {}), "undecided", problems)
        if words(item)
    )
    not_a_wish = tuple(
        t
        for lang, item in _word_lists(data.get("not_a_wish", {}), "not_a_wish", problems)
        if (t := parse_term(item, lang))
    )
    negation = tuple(
        tuple(words(item))
        for _lang, item in _word_lists(data.get("negation", {}), "negation", problems)
        if words(item)
    )
    return Vocabulary(
        tuple(concepts), filler, undecided, not_a_wish, negation, {c.id: c for c in concepts}, tuple(problems)
    )
