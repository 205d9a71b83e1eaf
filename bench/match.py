"""Speed of the occupation matcher against plain rapidfuzz over the same labels, in one run.

Prints the median time per query of ``Matcher.match`` and of ``rapidfuzz.process.extract(query, labels,
limit=3)`` (its default scorer, WRatio) over the same label set, and their ratio (target: <= 2x), plus the
matcher's start-up time (target: < 0.5 s). Queries come from the labelled test set.
Then the whole pipeline the chat runs (``OccupationService.match``: "keine Ahnung", names, descriptions) on
the descriptive and undecided queries of tests/data/descriptive_queries: p50 and p95 per query
(target p95 <= 25 ms), and the start-up of the meaning layer (vocabulary, relations, traits).
Run: ``.venv/bin/python bench/match.py``.
"""

from __future__ import annotations

import csv
import statistics
import time
from pathlib import Path

from rapidfuzz import process

from knowledge.catalogue import load_catalogue
from knowledge.discovery import Discoverer
from knowledge.matcher import Matcher, OccupationService, labels_of
from knowledge.meaning import Describer
from knowledge.related import Relations
from knowledge.vocabulary import load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 7


def queries() -> list[str]:
    rows: list[str] = []
    for path in sorted((ROOT / "tests" / "data" / "match_queries").glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            rows += [row["query"] for row in csv.DictReader(fh)]
    return rows


def descriptive_queries() -> list[tuple[str, str]]:
    """(language, query) of the descriptive, held-out, undecided and negative sets."""
    found: list[tuple[str, str]] = []
    for path in sorted((ROOT / "tests" / "data" / "descriptive_queries").glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                found.append((row.get("lang") or path.stem, row["query"]))
    return found


def latencies(service: OccupationService, qs: list[tuple[str, str]]) -> list[float]:
    """Seconds per query, every query once per round, over ``ROUNDS`` rounds."""
    samples = []
    for _ in range(ROUNDS):
        for lang, q in qs:
            start = time.perf_counter()
            service.match(q, lang, limit=3)
            samples.append(time.perf_counter() - start)
    return sorted(samples)


def per_query(fn: object, qs: list[str]) -> float:
    """Median over rounds of the mean seconds per query."""
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for q in qs:
            fn(q)  # type: ignore[operator]
        samples.append((time.perf_counter() - start) / len(qs))
    return statistics.median(samples)


def main() -> None:
    start = time.perf_counter()
    catalogue = load_catalogue()
    matcher = Matcher(catalogue)
    startup = time.perf_counter() - start
    labels = sorted({label for occupation in catalogue for label in labels_of(occupation)})
    qs = queries()
    ours = per_query(lambda q: matcher.match(q, limit=3), qs)
    raw = per_query(lambda q: process.extract(q, labels, limit=3), qs)
    print(f"catalogue: {len(catalogue)} occupations, {len(labels)} labels, {len(qs)} queries")
    print(f"matcher start-up (load + index): {startup * 1000:.0f} ms (target < 500 ms)")
    print(f"median per query: matcher {ours * 1e6:.0f} µs, raw rapidfuzz extract {raw * 1e6:.0f} µs")
    print(f"ratio matcher / raw: {ours / raw:.2f}x (target <= 2x)")

    start = time.perf_counter()
    vocabulary = load_vocabulary(catalogue)
    service = OccupationService(
        matcher,
        Describer(vocabulary, catalogue),
        Relations(catalogue, vocabulary),
        Discoverer(catalogue, vocabulary),
    )
    meaning_startup = time.perf_counter() - start
    described = descriptive_queries()
    samples = latencies(service, described)
    p50, p95 = samples[len(samples) // 2], samples[int(len(samples) * 0.95)]
    print(f"meaning layer start-up (vocabulary, relations, traits): {meaning_startup * 1000:.0f} ms")
    print(
        f"whole pipeline on {len(described)} descriptive/undecided/negative queries: "
        f"p50 {p50 * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, max {samples[-1] * 1000:.2f} ms (target p95 <= 25 ms)"
    )


if __name__ == "__main__":
    main()
