"""Places that fit the person: start and certificate rank and filter the list, and every line says them.

A place the person can take (certificate requirement met, start not before their earliest start) comes
before one they cannot; places that start earlier are hidden unless there is no other one, and then the
list says so. Dates are relative to today, as the chat's are.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.runtime import Runtime
from dialogs.i18n import LANGUAGES, translator
from dialogs.places_view import PlaceCard, details_reply, list_reply
from knowledge.places import Candidate, SearchProfile, Targets, meets, rank
from tests.driver import ServiceChat
from tests.test_places import csv_text

TODAY = dt.date.today()
#: The next training year and the one after it: "can start from August <LATER>".
SOON, LATER = TODAY.year + 1, TODAY.year + 2
HERNE = (51.5388, 7.2257)


def kfz(source_id: str, title: str, lat: float, start: str, certificate: str = "") -> str:
    return f"{source_id},{title},Kfz-Mechatroniker,Autohaus {source_id},,44623,Herne,{lat},7.2257,{start},,,,{certificate}"


def lines_of(text: str) -> list[str]:
    """The list's entries, each title line joined with its explanation line."""
    entries = text.split("\n\n")
    return [e.replace("\n   ", " | ") for e in entries if e[:1].isdigit()]


async def import_places(runtime: Runtime, *rows: str) -> None:
    await runtime.places_store.replace_source("csv:fit", runtime.offer_reader().read_csv(csv_text(*rows)))


async def start_from(chat: ServiceChat, month: str) -> None:
    await chat.send("/profile")
    await chat.tap("Start date")
    await chat.send(month)
    assert "Start date:" in chat.text, chat.text


async def test_a_later_start_shows_places_from_then_and_hides_earlier_ones(runtime: Runtime) -> None:
    early = [
        kfz("aug-soon", f"Kfz August {SOON}", 51.5390, f"{SOON}-08-01"),  # nearest first: distance alone
        kfz("sep-soon", f"Kfz September {SOON}", 51.5392, f"{SOON}-09-01"),  # would put these on top
    ]
    later = [
        kfz("aug-later", f"Kfz August {LATER}", 51.5450, f"{LATER}-08-01"),
        kfz("sep-later", f"Kfz September {LATER}", 51.5500, f"{LATER}-09-01"),
    ]
    await import_places(runtime, *early, *later)
    chat = ServiceChat(runtime.dialogs, 701)
    await chat.onboard()
    await start_from(chat, f"08/{LATER}")
    await chat.tap("Open places")
    lines = lines_of(chat.text)
    assert [line.split(" – ")[0] for line in lines] == [
        f"1. Kfz August {LATER}",
        f"2. Kfz September {LATER}",
    ], chat.text
    assert f"Start 08/{LATER}" in lines[0] and f"Start 09/{LATER}" in lines[1]
    assert str(SOON) not in chat.text and "start earlier" not in chat.text

    await import_places(runtime, *early)  # only places that start before August LATER are left
    await chat.tap("Open places")
    text = chat.text
    assert f"No place starts from August {LATER}; these start earlier:" in text, text
    lines = lines_of(text)
    assert len(lines) == 2
    assert f"Kfz August {SOON}" in lines[0] and f"Start 08/{SOON}" in lines[0]
    assert f"Kfz September {SOON}" in lines[1] and f"Start 09/{SOON}" in lines[1]


async def test_an_esa_person_sees_places_they_can_take_first_each_line_naming_requirement_and_start(
    runtime: Runtime,
) -> None:
    start = f"{SOON}-08-01"
    await import_places(
        runtime,
        kfz("msa", "Kfz mit MSA", 51.5389, start, "msa"),  # the nearest, but it needs more than ESA
        kfz("abi", "Kfz mit Abitur", 51.5390, start, "abi"),
        kfz("esa", "Kfz mit ESA", 51.5450, start, "esa"),
        kfz("none", "Kfz ohne Abschluss", 51.5500, start, "none"),
        kfz("open", "Kfz ohne Angabe", 51.5550, start),
        # an interest-field place the person can take ranks before the wished occupation's MSA place
        f"im,Industriemechanik mit ESA,Industriemechaniker,Werk,,44623,Herne,51.5600,7.2257,{start},,,,esa",
    )
    chat = ServiceChat(runtime.dialogs, 702)
    await chat.onboard()  # ESA, as soon as possible
    await chat.tap("Open places")
    lines = lines_of(chat.text)
    titles = [line.split(". ", 1)[1].split(" – ")[0] for line in lines]
    assert titles == [
        "Kfz mit ESA",
        "Kfz ohne Abschluss",
        "Kfz ohne Angabe",
        "Industriemechanik mit ESA",
        "Kfz mit MSA",
    ], chat.text
    wanted = {
        "Kfz mit ESA": "needs ESA",
        "Kfz ohne Abschluss": "no certificate needed",
        "Industriemechanik mit ESA": "needs ESA",
        "Kfz mit MSA": "needs MSA",
    }
    for line, title in zip(lines, titles, strict=True):
        assert f"Start 08/{SOON}" in line, line
        if title in wanted:
            assert wanted[title] in line, line
        else:
            assert "needs" not in line and "no certificate" not in line, line  # the place does not say
    await chat.tap("More")  # the Abitur place is on page 2, after the MSA one
    assert "Kfz mit Abitur" in chat.text and "needs Abitur" in chat.text

    await chat.tap("Back")
    await chat.tap("ℹ️ 5")
    details = chat.text
    assert details.startswith("Kfz mit MSA") and "needs MSA" in details
    assert "School certificate: at least Mittlerer Schulabschluss (MSA)" in details, details
    await chat.tap("Back to the list")
    await chat.tap("ℹ️ 2")
    assert "School certificate: none needed" in chat.text


async def test_places_the_person_can_take_are_found_behind_many_nearer_ones(runtime: Runtime) -> None:
    """The search fetches only the best few rows of a tier: nearer places that need more must not crowd
    out the one the person can take."""
    start = f"{SOON}-08-01"
    crowd = [kfz(f"m{n}", f"Kfz MSA {n}", 51.5389 + n * 0.0001, start, "msa") for n in range(60)]
    early = [kfz(f"e{n}", f"Kfz früh {n}", 51.5389, f"{TODAY.year - 1}-08-01", "esa") for n in range(3)]
    await import_places(runtime, *crowd, *early, kfz("far", "Kfz ESA weiter weg", 51.58, start, "esa"))
    store = runtime.places_store
    esa = SearchProfile(
        *HERNE, 10, wishes=("kraftfahrzeugmechatroniker",), certificate="esa", earliest_start=TODAY
    )
    result = await store.search(esa)
    rows = await store.get([r.place_id for r in result.ranked])
    titles = [rows[r.place_id].title for r in result.ranked]
    assert titles[0] == "Kfz ESA weiter weg" and result.ranked[0].takeable
    assert not any(r.takeable for r in result.ranked[1:])
    assert not any("früh" in t for t in titles) and result.total == 61 and not result.earlier
    # a certificate from abroad is not known to be lower: nothing is demoted, the nearest comes first
    foreign = await store.search(SearchProfile(*HERNE, 10, wishes=esa.wishes, certificate="foreign"))
    assert (await store.get([foreign.ranked[0].place_id]))[foreign.ranked[0].place_id].title.startswith("Kfz")
    assert foreign.ranked[0].distance_km < result.ranked[0].distance_km
    assert all(r.takeable for r in foreign.ranked)


def candidate(place_id: int, start: dt.date | None, certificate: str | None, lat: float = 51.54) -> Candidate:
    return Candidate(place_id, "kfz", lat, 7.2257, start, certificate)


def test_rank_hides_early_starts_unless_there_is_nothing_else() -> None:
    profile = SearchProfile(*HERNE, 10, certificate="esa", earliest_start=dt.date(2028, 8, 1))
    fits = Targets({"kfz": 0})
    early, late = dt.date(2027, 8, 1), dt.date(2028, 9, 1)
    ranked = rank(
        [
            candidate(1, early, None),
            candidate(2, late, "msa"),
            candidate(3, None, None),
            candidate(4, late, "esa"),
        ],
        profile,
        fits,
    )
    assert [r.place_id for r in ranked] == [3, 4, 2]  # place 1 starts too early: hidden
    assert [r.takeable for r in ranked] == [True, True, False]
    only_early = rank([candidate(1, early, "msa"), candidate(5, early, "none", lat=51.56)], profile, fits)
    assert [r.place_id for r in only_early] == [5, 1] and not any(r.takeable for r in only_early)


@pytest.mark.parametrize(
    ("required", "have", "ok"),
    [
        (None, "none", True),
        ("none", "none", True),
        ("esa", "none", False),
        ("esa", "esa", True),
        ("eesa", "esa", False),
        ("msa", "eesa", False),
        ("msa", "fhr", True),
        ("abi", "fhr", False),
        ("abi", "abi", True),
        ("abi", "foreign", True),  # unknown: never demoted
        ("msa", None, True),
    ],
)
def test_certificate_order(required: str | None, have: str | None, ok: bool) -> None:
    assert meets(required, have) is ok


def card(certificate: str | None) -> PlaceCard:
    return PlaceCard(
        id=1,
        title="Ausbildung Kfz",
        occupation="Kraftfahrzeugmechatroniker/-in",
        local_name="",
        employer="Autohaus",
        street="",
        postcode="44623",
        city="Herne",
        distance_km=1.2,
        start_date=dt.date(2027, 8, 1),
        url="",
        contact="",
        demo=False,
        fit=0,
        certificate=certificate,
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_requirement_and_start_are_said_in_every_language(lang: str) -> None:
    def texts(lang: str) -> tuple[str, str, str]:
        t = translator(lang)
        shown = list_reply(t, [card("msa")], 0, 1, 1, 10, [], False, earlier_than=dt.date(2028, 8, 1)).text
        return shown, details_reply(t, card("msa"), 0).text, details_reply(t, card("none"), 0).text

    shown, details, none_needed = texts(lang)
    assert "MSA" in shown and "08/2027" in shown and "(MSA)" in details
    assert none_needed != details_reply(translator(lang), card(None), 0).text  # "none needed" is said
    if lang != "en":  # translated, not the English source text
        assert all(
            ours != theirs for ours, theirs in zip((shown, details, none_needed), texts("en"), strict=True)
        )
    if lang == "de":
        assert "ab MSA" in shown and "Start 08/2027" in shown
        assert "Keine Stelle beginnt ab August 2028" in shown
        assert "Schulabschluss: mindestens Mittlerer Schulabschluss (MSA)" in details
    if lang == "ar":  # Latin fragments and numbers isolated inside right-to-left text
        assert "\u2068MSA\u2069" in shown and "\u206808/2027\u2069" in shown
