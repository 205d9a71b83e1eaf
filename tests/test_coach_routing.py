"""Coach groups without Telegram (issue 18): routing by town, per-group settings, moves, the outbox order
and the honest "coaches are busy" notice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from bot.chat.service import CoachOptions
from bot.coach.outbox import Priority
from bot.coach.routing import coach_routing
from bot.config import ConfigError, Settings, town_key
from bot.models import CoachOutbox
from bot.runtime import Runtime
from dialogs.profile import Location
from knowledge.gazetteer import default_gazetteer
from tests.driver import ServiceChat

HERNE, BOCHUM, FALLBACK = -1001111111111, -1002222222222, -1003333333333


def two_operators(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(
        coach_groups=f"Herne={HERNE}, Bochum={BOCHUM}",
        coach_chat_id=FALLBACK,
        coach_hours="Mo-Fr 09:00-16:00",
    )


def test_a_person_goes_to_the_group_of_their_town_or_the_nearest(monkeypatch: pytest.MonkeyPatch) -> None:
    routing = coach_routing(two_operators(monkeypatch), default_gazetteer())
    assert routing is not None
    gazetteer = default_gazetteer()

    def group_of(town: str) -> int:
        home = gazetteer.resolve(town)
        assert home is not None
        return routing.group_for(Location(home.name, home.lat, home.lon)).chat_id

    assert group_of("Herne") == HERNE and group_of("Wanne-Eickel") == HERNE  # a district of Herne
    assert group_of("Bochum") == BOCHUM
    assert group_of("Witten") == BOCHUM and group_of("Castrop-Rauxel") == HERNE  # the nearest town
    assert routing.group_for(Location("", 51.48, 7.22)).chat_id == BOCHUM  # a shared point in Bochum
    assert routing.group_for(None).chat_id == FALLBACK  # no location yet: COACH_CHAT_ID
    assert [g.town for g in routing.groups] == ["Herne", "Bochum", ""]


def test_coach_groups_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="Town=chat_id"):
        Settings(coach_groups="Herne:-100111")
    with pytest.raises(ValueError, match="named twice"):
        Settings(coach_groups="Herne=-1001,herne=-1002")
    with pytest.raises(ConfigError, match="unknown town 'Hernee'"):
        coach_routing(Settings(coach_groups="Hernee=-1001"), default_gazetteer())
    alone = coach_routing(Settings(coach_chat_id=FALLBACK), default_gazetteer())
    assert alone is not None and [g.chat_id for g in alone.groups] == [FALLBACK]
    assert town_key("Castrop-Rauxel") == "CASTROP_RAUXEL" and town_key("Lünen") == "LUENEN"


def test_hours_and_contact_text_per_group(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = two_operators(
        monkeypatch,
        COACH_HOURS_BOCHUM="Mo-Do 08:00-15:00",
        COACH_CONTACT_TEXT_HERNE="GBH Herne, 02323 000000",
        COACH_CONTACT_TEXT_HERNE_TR="GBH Herne, bizi arayın: 02323 000000",
    )
    routing = coach_routing(settings, default_gazetteer())
    assert routing is not None
    herne, bochum, _ = routing.groups
    assert herne.hours is not None and herne.hours.end == dt.time(16, 0)
    assert bochum.hours is not None and bochum.hours.end == dt.time(15, 0) and bochum.hours.last_day == 3
    assert herne.contact_texts["de"] == herne.contact_texts["en"] == "GBH Herne, 02323 000000"
    assert herne.contact_texts["tr"] == "GBH Herne, bizi arayın: 02323 000000"
    assert not bochum.contact_texts


async def test_requests_are_routed_stay_in_their_group_after_a_move_and_queue_their_card(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = two_operators(monkeypatch, COACH_CONTACT_TEXT_BOCHUM="Bildungsinstitut Vogel, 0234 000000")
    routing = coach_routing(settings, default_gazetteer())
    runtime.dialogs.coach = CoachOptions(relay=True, routing=routing)
    chat = ServiceChat(runtime.dialogs, 801, first_name="Jonas")
    await chat.onboard(location="Witten")
    await chat.send("/coach")
    assert "Bildungsinstitut Vogel, 0234 000000" in chat.text  # Witten is nearer to Bochum
    handoff = await runtime.dialogs.handoffs.active(801)
    assert handoff is not None and handoff.coach_chat_id == BOCHUM
    async with runtime.dialogs.sessions() as session:
        card = (await session.scalars(select(CoachOutbox))).all()
    assert [(row.chat_id, row.kind, row.handoff_id) for row in card] == [(BOCHUM, "card", handoff.id)]

    await chat.send("/profile")  # moves to Herne while the request is open
    await chat.tap("Town")
    await chat.send("Herne")
    await chat.send("/coach")
    still = await runtime.dialogs.handoffs.active(801)
    assert still is not None and still.id == handoff.id and still.coach_chat_id == BOCHUM
    assert "still open" in chat.text and "Bildungsinstitut Vogel" in chat.text
    await runtime.dialogs.handoffs.set_status(handoff.id, "closed")
    await chat.send("/coach")  # the next request goes to the new town's group
    new = await runtime.dialogs.handoffs.active(801)
    assert new is not None and new.coach_chat_id == HERNE


async def test_a_backed_up_group_is_named_honestly(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    routing = coach_routing(two_operators(monkeypatch), default_gazetteer())
    runtime.dialogs.coach = CoachOptions(relay=True, routing=routing, group_rate_per_minute=20)
    outbox = runtime.dialogs.handoffs.outbox
    for n in range(50):
        await outbox.enqueue(HERNE, "text", {"text": f"digest {n}"}, Priority.DIGEST)
    chat = ServiceChat(runtime.dialogs, 802)
    await chat.onboard(location="Herne")
    await chat.send("/coach")
    assert "busy" not in chat.text  # the backlog is fresh
    async with runtime.dialogs.sessions.begin() as session:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
        await session.execute(update(CoachOutbox).values(created_at=old))
    await chat.send("/coach")
    assert "very busy right now" in chat.text and "about 3 minutes" in chat.text  # 51 messages at 20 a minute
    row = await outbox.next(HERNE)
    assert row is not None and row.kind == "card"  # the card goes before the digests


async def test_handoffs_lists_one_groups_requests(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from bot.cli import main

    settings = two_operators(monkeypatch)
    runtime.dialogs.coach = CoachOptions(routing=coach_routing(settings, default_gazetteer()))
    for user, town in ((811, "Herne"), (812, "Witten")):
        chat = ServiceChat(runtime.dialogs, user, first_name=f"P{user}")
        await chat.onboard(location=town)
        await chat.send("/coach")
    monkeypatch.setenv("COACH_GROUPS", f"Herne={HERNE},Bochum={BOCHUM}")
    assert await asyncio.to_thread(main, ["handoffs", "--group", "bochum"]) == 0
    listed = capsys.readouterr().out
    assert "P812" in listed and "P811" not in listed
    assert await asyncio.to_thread(main, ["handoffs", "--group", "Dortmund"]) == 2
    assert "no coach group for 'Dortmund' (COACH_GROUPS: Herne, Bochum)" in capsys.readouterr().err


async def test_the_market_report_of_one_groups_area(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.report.query import build_report

    routing = coach_routing(two_operators(monkeypatch), default_gazetteer())
    assert routing is not None
    for user, town in ((821, "Herne"), (822, "Witten"), (823, "Bochum")):
        await ServiceChat(runtime.dialogs, user).onboard(location=town)
    bochum = routing.by_town("bochum")
    assert bochum is not None
    area = routing.area(bochum, default_gazetteer().towns.values())
    assert {"Bochum", "Witten"} <= area and "Herne" not in area
    report = await build_report(runtime.dialogs.sessions, runtime.catalogue, towns=area)
    assert {row.city for row in report.rows} == {"Bochum", "Witten"}


async def test_a_start_queues_what_an_older_version_left_unsent(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.coach.desk import CoachDesk
    from bot.models import RelayMessage

    settings = two_operators(monkeypatch)
    chat = ServiceChat(runtime.dialogs, 831)
    await chat.onboard(location="Herne")
    store = runtime.dialogs.handoffs
    handoff, _ = await store.open(831, "Mira", HERNE)  # no card queued: as an older version made it
    async with runtime.dialogs.sessions.begin() as session:
        session.add(
            RelayMessage(
                handoff_id=handoff.id,
                direction="to_coach",
                from_chat_id=831,
                from_message_id=7,
                state="pending",
            )
        )
    group = CoachDesk(settings, runtime.dialogs, runtime.places_store).groups[HERNE]
    await group.queue_missing()
    await group.queue_missing()  # a second start adds nothing
    async with runtime.dialogs.sessions() as session:
        rows = (await session.scalars(select(CoachOutbox).order_by(CoachOutbox.id))).all()
    assert [(row.chat_id, row.kind, row.priority) for row in rows] == [
        (HERNE, "card", Priority.CARD),
        (HERNE, "relay", Priority.RELAY),
    ]
