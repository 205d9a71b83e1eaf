"""Open places: imports, the BA adapter, ranked search through the chat, marks and alerts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from bot.runtime import Runtime
from knowledge.ba_jobsuche import FetchError, fetch_offers
from knowledge.demo_places import SOURCE, demo_offers
from knowledge.places import ImportProblem, SearchProfile, bounding_box
from tests.cli import cli
from tests.driver import ServiceChat

BA = Path(__file__).resolve().parent / "data" / "ba"
HEADER = "source_id,title,occupation,employer,street,postcode,city,lat,lon,start_date,published,url,contact,certificate\n"


def csv_text(*rows: str) -> str:
    return HEADER + "".join(row + "\n" for row in rows)


GOOD = csv_text(
    "a1,Ausbildung Kfz,Kfz-Mechatroniker,Werkstatt A,Weg 1,44623,Herne,,,2027-08-01,2026-11-01,https://a.example,,esa",
    "a2,Ausbildung Friseurin,Friseur/-in,Salon B,,44787,Bochum,,,01.08.2027,,,,",
    "a3,Ausbildung Bäcker,Bäcker,Bäckerei C,,,Dortmund,51.5136,7.4653,,,,,",
)


async def test_csv_import_is_idempotent_updates_and_deactivates(runtime: Runtime) -> None:
    reader, store = runtime.offer_reader(), runtime.places_store
    offers = reader.read_csv(GOOD)
    assert [o.occupation_id is not None for o in offers] == [True, True, True]
    first = await store.replace_source("csv:test", offers)
    assert (first.added, first.updated, first.deactivated) == (3, 0, 0)
    again = await store.replace_source("csv:test", reader.read_csv(GOOD))
    assert (again.added, again.updated, again.deactivated) == (0, 0, 0)
    changed = GOOD.replace("Werkstatt A", "Werkstatt A2").replace(
        "a3,Ausbildung Bäcker,Bäcker,Bäckerei C,,,Dortmund,51.5136,7.4653,,,,,\n", ""
    )
    report = await store.replace_source("csv:test", reader.read_csv(changed))
    assert (report.added, report.updated, report.deactivated) == (0, 1, 1)


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (csv_text("a1,Kfz,,,,44623,Herne,,,2027-13-45,,,,"), "line 2: start_date"),
        (csv_text("a1,Kfz,,,,44623,Herne,,,,,,,", "a1,Kfz 2,,,,44623,Herne,,,,,,,"), "line 3: source_id"),
        (csv_text("a1,Kfz,,,,00000,Nowhere,,,,,,,"), "line 2: unknown place"),
        (csv_text(",Kfz,,,,44623,Herne,,,,,,,"), "line 2: source_id is empty"),
        ("title,city\nKfz,Herne\n", "line 1: missing column"),
        (csv_text("a1,Kfz,,,,44623,Herne,abc,7,,,,,"), "line 2: lat/lon"),
    ],
)
def test_broken_csv_names_line_and_reason(runtime: Runtime, broken: str, reason: str) -> None:
    with pytest.raises(ImportProblem, match=reason):
        runtime.offer_reader().read_csv(broken)


async def test_cli_import_changes_nothing_on_a_broken_file(
    db_url: str, tmp_path: Path, runtime: Runtime
) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(GOOD + "a4,Kfz,,,,44623,Herne,,,not-a-date,,,,\n", encoding="utf-8")
    ok = cli(tmp_path, "places", "import", str(good), "--source", "partner", db_url=db_url)
    assert ok.returncode == 0 and "3 added" in ok.stdout
    failed = cli(tmp_path, "places", "import", str(bad), "--source", "partner", db_url=db_url)
    assert failed.returncode == 1 and "line 5" in failed.stderr and "nothing imported" in failed.stderr
    again = cli(tmp_path, "places", "import", str(good), "--source", "partner", db_url=db_url)
    assert "0 added, 0 updated, 0 deactivated" in again.stdout


async def test_ba_client_pages_and_sends_the_api_key() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        page = request.url.params["page"]
        return httpx.Response(200, json=json.loads((BA / f"page{page}.json").read_text()))

    offers = await fetch_offers("Herne", 25, transport=httpx.MockTransport(answer), pause=0)
    assert [o["refnr"] for o in offers] == ["10001-1000000001-S", "10001-1000000002-S", "10001-1000000003-S"]
    assert all(r.headers["X-API-Key"] == "jobboerse-jobsuche" for r in seen)
    assert seen[0].url.path.endswith("/pc/v4/jobs") and seen[0].url.params["angebotsart"] == "4"
    assert seen[0].url.params["wo"] == "Herne" and seen[0].url.params["umkreis"] == "25"


async def test_ba_errors_raise_a_clear_fetch_error() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    with pytest.raises(FetchError, match="HTTP 503"):
        await fetch_offers("Herne", 25, transport=httpx.MockTransport(broken), pause=0)

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(FetchError, match="not reachable"):
        await fetch_offers("Herne", 25, transport=httpx.MockTransport(unreachable), pause=0)


async def test_ba_offers_are_read_with_occupation_and_place(runtime: Runtime) -> None:
    raw = json.loads((BA / "page1.json").read_text())["stellenangebote"]
    offers = runtime.offer_reader().read_ba(raw)
    kfz, hair = offers
    assert kfz.occupation_id == "kraftfahrzeugmechatroniker" and kfz.start_date == dt.date(2027, 8, 1)
    assert kfz.url.endswith("10001-1000000001-S") and kfz.city == "Herne"
    assert hair.lat == pytest.approx(51.48, abs=0.05)  # no coordinates: from the postcode
    assert hair.url == "https://example.org/salon-test"


async def test_cli_ba_import_failure_leaves_the_store_as_it_was(
    db_url: str, runtime: Runtime, tmp_path: Path
) -> None:
    proc = cli(
        tmp_path,
        "places",
        "import",
        "--ba",
        "--where",
        "Herne",
        db_url=db_url,
        BA_API_URL="http://127.0.0.1:9",
    )
    assert proc.returncode == 1 and "nothing imported" in proc.stderr
    assert (
        await runtime.places_store.search(SearchProfile(51.54, 7.22, 50, interests=("technik",)))
    ).ranked == []


def test_bounding_box_contains_the_circle() -> None:
    _, max_lat, _, max_lon = bounding_box(51.5, 7.2, 10)
    assert max_lat - 51.5 == pytest.approx(0.0904, abs=0.001)
    assert max_lon - 7.2 > max_lat - 51.5  # degrees of longitude are shorter here


async def load_demo(runtime: Runtime) -> None:
    offers = demo_offers(dt.date(2026, 11, 28), runtime.offer_reader().occupation_of)
    assert all(o.occupation_id for o in offers), [o.title for o in offers if not o.occupation_id]
    await runtime.places_store.replace_source(SOURCE, offers, demo=True)


async def test_places_are_ranked_explained_paged_and_marked(runtime: Runtime) -> None:
    await load_demo(runtime)
    more = [
        f"k{n},Ausbildung Kfz {n},Kfz-Mechatroniker,Autohaus {n},Weg {n},44623,Herne,51.5{n},7.2{n},2027-08-01,,,,"
        for n in range(8)
    ]
    await runtime.places_store.replace_source(
        "csv:autohaeuser", runtime.offer_reader().read_csv(csv_text(*more))
    )
    chat = ServiceChat(runtime.dialogs, 501)
    await chat.onboard(location="44623")
    await chat.tap("Open places")
    text = chat.text
    assert "EXAMPLE" in text and "km" in text and "fits: Kraftfahrzeugmechatroniker/-in" in text
    first = text.index("1. ")
    assert "Kfz-Mechatroniker" in text[first : first + 120]  # the wish comes first
    assert "Page 1 of" in text
    await chat.tap("More")
    assert "Page 2 of" in chat.text
    await chat.tap("ℹ️ 6")
    details = chat.text
    assert "Employer:" in details and "Address:" in details
    await chat.tap("I'm interested")
    assert "Saved!" in chat.text
    await chat.tap("Back to the list")


async def test_dismissed_places_disappear(runtime: Runtime) -> None:
    await load_demo(runtime)
    chat = ServiceChat(runtime.dialogs, 502)
    await chat.onboard(location="Herne")
    await chat.tap("Open places")
    before = chat.text
    await chat.tap("ℹ️ 1")
    title = chat.last.text.splitlines()[0]
    await chat.tap("Not for me")
    assert (
        "won't show it again" in chat.text and title.split("EXAMPLE (not a real place) ")[-1] not in chat.text
    )
    assert before != chat.text


async def test_places_outside_the_radius_are_not_shown(runtime: Runtime) -> None:
    await load_demo(runtime)
    chat = ServiceChat(runtime.dialogs, 503)
    await chat.onboard(location="44135")  # Dortmund: the demo places in Herne and Bochum are 15-20 km away
    await chat.tap("Open places")
    assert "found no open places for you within 10 km" in chat.text and "EXAMPLE" not in chat.text


async def test_few_places_for_the_wish_point_to_related_jobs(runtime: Runtime) -> None:
    rows = [
        f"r{n},Ausbildung Industriemechanik {n},Industriemechaniker,Werk {n},,44623,Herne,,,,,,,"
        for n in range(4)
    ]
    await runtime.places_store.replace_source("csv:werke", runtime.offer_reader().read_csv(csv_text(*rows)))
    chat = ServiceChat(runtime.dialogs, 506)
    await chat.onboard(location="Herne")  # wishes Kfz-Mechatroniker: no place for it, four related ones
    await chat.tap("Open places")
    assert (
        "Related jobs with more places nearby: Industriemechaniker/-in (4, also: fixing and repairing)"
        in chat.text
    )


async def test_a_hairdresser_is_never_related_to_a_car_mechatronics_wish(runtime: Runtime) -> None:
    rows = [
        "h1,Ausbildung Friseur,Friseur/-in,Salon,,44623,Herne,,,,,,,",
        "h2,Ausbildung Friseurin,Friseur/-in,Salon 2,,44623,Herne,,,,,,,",
    ]
    await runtime.places_store.replace_source("csv:salons", runtime.offer_reader().read_csv(csv_text(*rows)))
    chat = ServiceChat(runtime.dialogs, 507)
    await chat.onboard(location="Herne")  # wish Kfz-Mechatroniker, interest Technology
    await chat.send("/profile")
    await chat.tap("Interests")
    await chat.tap("Crafts")
    await chat.tap("Done")
    await chat.tap("All correct")
    await chat.tap("Open places")
    text = chat.text
    assert "Friseur/-in" in text  # shown for the interest in crafts, and saying so ...
    assert "related: Friseur" not in text and "Related jobs" not in text  # ... never as a similar job
    assert "your interest: 🔨 Crafts" in text


async def test_forged_places_buttons_fall_back_to_the_list(runtime: Runtime) -> None:
    await load_demo(runtime)
    chat = ServiceChat(runtime.dialogs, 504)
    await chat.onboard()
    for data in ("pl:d:999999:0", "pl:y:999999:0", "pl:p:999"):  # well-formed, but no such place or page
        await chat.press(data)
        assert "open place" in chat.text
    for data in ("pl:y:abc:0", "pl:zz", "pl:p:-5", "pl:a:7", "rt:1:9"):  # malformed: the current question
        await chat.press(data)
        assert "already closed" in chat.text and "What would you like to do?" in chat.text


async def test_alert_subscription_finds_only_new_places(runtime: Runtime) -> None:
    await load_demo(runtime)
    chat = ServiceChat(runtime.dialogs, 505)
    await chat.onboard()
    await chat.tap("Open places")
    await chat.tap("Tell me about new places")
    assert "at most once a day" in chat.text
    store = runtime.places_store
    assert await store.subscribed(505)
    (sub,) = await store.subscriptions()
    state = await runtime.dialogs.state(505)
    assert state is not None
    from bot.places.controller import search_profile

    profile = search_profile(state.profile, dt.date(2026, 11, 28))
    assert profile is not None
    assert await store.new_since(profile, sub.checked_at) == []
    reader = runtime.offer_reader()
    await store.replace_source(
        "csv:new", reader.read_csv(csv_text("n1,Kfz neu,Kfz-Mechatroniker,Neu GmbH,,44623,Herne,,,,,,,"))
    )
    assert len(await store.new_since(profile, sub.checked_at - dt.timedelta(seconds=1))) >= 1
    await chat.tap("Stop news")
    assert not await store.subscribed(505)
