"""Companies report places through the DialogService on a real database: verification, search, shares, expiry."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import func, select
from telegram import Bot

from bot.coach.routing import CoachGroup, CoachRouting
from bot.coach.verification import Verification
from bot.companies.service import CompanyResult, CompanyService
from bot.models import CoachOutbox, Company, CompanyPlace, CompanyShare, PlaceOffer
from bot.runtime import Runtime
from dialogs.model import Event
from tests.driver import ServiceChat

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
HOSTILE = "<b>Bäckerei</b> & <script>alert(1)</script> 🥖 ‏مخبز‎"


def companies(runtime: Runtime) -> CompanyService:
    assert runtime.dialogs.companies is not None
    runtime.dialogs.companies.clock = lambda: NOW
    return runtime.dialogs.companies


async def report(
    runtime: Runtime, user_id: int = 7001, name: str = "Bäckerei Yılmaz"
) -> tuple[ServiceChat, int]:
    """A company contact reports one Bäcker place in Herne; returns the chat and the place id."""
    companies(runtime)
    chat = ServiceChat(runtime.dialogs, user_id, first_name="Ayşe")
    await chat.send("/start betrieb")
    await chat.tap("Report a place")
    for answer in (name, "Ayşe Yılmaz", "info@example.org", "Bahnhofstraße 5, 44623 Herne", "Bäcker"):
        await chat.send(answer)
    await chat.tap("Bäcker/-in")
    await chat.tap("2")
    await chat.tap("As soon as possible")
    await chat.tap("No requirement")
    await chat.send("Frühschicht ab 5 Uhr.")
    result = await chat.tap("Submit")
    assert isinstance(result, CompanyResult) and len(result.verify) == 1, chat.text
    return chat, result.verify[0]


async def young_person(runtime: Runtime, user_id: int = 7101) -> ServiceChat:
    chat = ServiceChat(runtime.dialogs, user_id, first_name="Lea")
    await chat.onboard(wish="Bäcker", pick="Bäcker/-in")
    return chat


async def test_a_place_is_shown_only_once_approved_and_marked_as_from_the_programme(runtime: Runtime) -> None:
    service = companies(runtime)
    _, place_id = await report(runtime)
    lea = await young_person(runtime)
    await lea.tap("Open places")
    assert "Bäckerei Yılmaz" not in lea.text  # waiting for a coach: not shown
    await service.store.set_status(place_id, "approved", NOW)
    await lea.send("/menu")
    await lea.tap("Open places")
    assert "Bäckerei Yılmaz" in lea.text and "via Ausbildungswege NRW" in lea.text
    assert "info@example.org" not in lea.text
    await lea.tap("ℹ️ 1")
    assert "Frühschicht ab 5 Uhr." in lea.text and "info@example.org" not in lea.text
    await lea.tap("I'm interested")
    assert "May the coach send \u2068Bäckerei Yılmaz\u2069 your first name" in lea.text  # isolated as typed
    result = await lea.tap("Yes, send it")
    assert isinstance(result, CompanyResult) and result.shared is not None
    async with runtime.dialogs.sessions() as session:
        share = await session.get(CompanyShare, result.shared)
    assert share is not None and share.user_id == 7101 and share.first_name == "Lea"


async def test_a_rejected_place_is_never_shown(runtime: Runtime) -> None:
    service = companies(runtime)
    company, place_id = await report(runtime)
    await service.store.set_status(place_id, "rejected", NOW, reason="incomplete")
    lea = await young_person(runtime)
    await lea.tap("Open places")
    assert "Bäckerei" not in lea.text
    await company.send("/menu")
    await company.tap("My places")
    assert "not approved" in company.text
    await company.tap("1. Bäcker")
    assert "incomplete or unclear" in company.text


async def test_places_expire_without_an_answer_and_stay_with_one(runtime: Runtime) -> None:
    service = companies(runtime)
    store = service.store
    _, first = await report(runtime, 7001)
    _, second = await report(runtime, 7002, name="Backstube Bochum")
    for place_id in (first, second):
        await store.set_status(place_id, "approved", NOW)
    assert await store.to_ask(NOW + dt.timedelta(weeks=6, days=-1)) == []
    asked = await store.to_ask(NOW + dt.timedelta(weeks=6, hours=1))
    assert sorted(info.place.place_id for info in asked) == [first, second]
    assert await store.to_ask(NOW + dt.timedelta(weeks=6, hours=2)) == []  # asked once
    # the first company answers "still open"
    owner = ServiceChat(runtime.dialogs, 7001)
    service.clock = lambda: NOW + dt.timedelta(weeks=6, days=2)
    await owner.press(f"cp:s:{first}:1")
    assert "stays visible" in owner.text
    assert await store.expire(NOW + dt.timedelta(weeks=7, hours=2)) == [second]
    async with runtime.dialogs.sessions() as session:
        active = dict((await session.execute(select(PlaceOffer.id, PlaceOffer.active))).all())
        status = dict((await session.execute(select(CompanyPlace.place_id, CompanyPlace.status))).all())
    assert active == {first: True, second: False} and status[second] == "expired"


async def test_a_company_contact_never_sees_the_young_peoples_dialog_and_back(runtime: Runtime) -> None:
    company, _ = await report(runtime)
    for text in ("/start", "/menu", "hallo", "/betrieb"):
        await company.send(text)
        assert "Report a place" in " ".join(company.labels()), (text, company.text)
        assert "How old are you" not in company.text
    lea = await young_person(runtime)
    await lea.send("/betrieb")
    assert "What we store" in lea.text
    await lea.tap("Back")
    assert "Welcome back" in lea.text
    await lea.send("/menu")
    assert "Open places" in " ".join(lea.labels())


async def test_delete_removes_the_company_and_its_places(runtime: Runtime) -> None:
    company, _ = await report(runtime)
    await company.send("/privacy")
    assert "What we store" in company.text and "180" in company.text
    await company.send("/delete")
    await company.tap("Yes, delete everything")
    assert "have been deleted" in company.text
    async with runtime.dialogs.sessions() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(t))
            for t in (Company, CompanyPlace, PlaceOffer)
        ]
    assert counts == [0, 0, 0]
    await company.send("/start")
    assert "how old are you" in company.text.casefold()  # no company any more: the young people's dialog


async def test_changing_a_place_takes_it_off_until_checked_again(runtime: Runtime) -> None:
    service = companies(runtime)
    company, place_id = await report(runtime)
    await service.store.set_status(place_id, "approved", NOW)
    await company.send("/menu")
    await company.tap("My places")
    await company.tap("1. Bäcker")
    await company.tap("Change")
    await company.tap("✏️ Places")
    await company.tap("3")
    result = await company.tap("Submit")
    assert isinstance(result, CompanyResult) and result.verify == (place_id,)
    info = await service.store.info(place_id)
    assert info is not None and info.place.status == "pending" and info.place.count == 3
    async with runtime.dialogs.sessions() as session:
        assert await session.scalar(select(PlaceOffer.active).where(PlaceOffer.id == place_id)) is False
    await company.send("/menu")
    await company.tap("My places")
    await company.tap("1. Bäcker")
    await company.tap("Withdraw")
    info = await service.store.info(place_id)
    assert info is not None and info.place.status == "withdrawn"


def verification(runtime: Runtime) -> Verification:
    group = CoachGroup(0, -100123)
    return Verification(
        CoachRouting((group,), group), companies(runtime), runtime.dialogs.handoffs.outbox, runtime.dialogs.engine,
        runtime.dialogs.state,
        runtime.catalogue, "de", 300.0,
    )  # fmt: skip


HOSTILE_FIELDS = {
    "name": HOSTILE,
    "contact": "‮Ayşe‬ <img src=x onerror=alert(1)>",
    "reach": "<b>info@example.org</b>",
    "street": "<a href='javascript:x'>Straße</a> 5 🏠",
}


async def test_hostile_input_in_every_company_field_is_stored_as_typed_and_shown_safely(
    runtime: Runtime,
) -> None:
    companies(runtime)
    chat = ServiceChat(runtime.dialogs, 7004)
    await chat.send("/betrieb")
    await chat.tap("Report a place")
    for step in ("b_name", "b_contact", "b_reach", "b_address"):  # 5,000 characters are refused everywhere
        result = await chat.send("x" * 5000)
        assert "a lot of text" in chat.text and result.state.step == step
        value = HOSTILE_FIELDS[step.removeprefix("b_").replace("address", "street")]
        await chat.send(value + (", 44623 Herne" if step == "b_address" else ""))
    await chat.send("Bäcker")
    await chat.tap("Bäcker/-in")
    await chat.tap("1")
    await chat.tap("As soon as possible")
    await chat.tap("No requirement")
    await chat.send("n" * 5000)
    assert "a lot of text" in chat.text
    note = "<script>alert(1)</script> 🥖" + "ب" * 470
    await chat.send(note)
    summary = chat.text
    assert all(v in summary for v in HOSTILE_FIELDS.values()) and note in summary  # plain text, as typed
    result = await chat.tap("Submit")
    assert isinstance(result, CompanyResult)
    info = await companies(runtime).store.info(result.verify[0])
    assert info is not None
    company = info.company
    stored = {
        "name": company.name,
        "contact": company.contact,
        "reach": company.reach,
        "street": company.street,
    }
    assert stored == HOSTILE_FIELDS and info.place.note == note
    card = verification(runtime).card_text(info)
    assert "<script>" not in card and "<img" not in card and "<a href" not in card and "<b>info" not in card
    assert "&lt;script&gt;" in card and "🥖" in card and "مخبز" in card and "‮Ayşe" in card
    assert "info@example.org" in card  # the coaches see the contact data


async def test_the_expiry_job_asks_then_deactivates(runtime: Runtime) -> None:
    service = companies(runtime)
    _, place_id = await report(runtime)
    await service.store.set_status(place_id, "approved", NOW)
    bot = FakeBot()
    job = verification(runtime)
    await job.check_expiry(cast(Bot, bot), NOW + dt.timedelta(weeks=6, hours=1))
    ((chat_id, text, markup),) = bot.sent
    assert chat_id == 7001 and text.startswith("Is the place still open?") and markup is not None
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == [
        f"cp:s:{place_id}:1",
        f"cp:s:{place_id}:0",
    ]
    await job.check_expiry(cast(Bot, bot), NOW + dt.timedelta(weeks=7, hours=2))
    assert "no longer shown" in bot.sent[1][1]
    async with runtime.dialogs.sessions() as session:  # a new card for the coach group, through its outbox
        queued = (await session.scalars(select(CoachOutbox).where(CoachOutbox.chat_id == -100123))).all()
    assert len(queued) == 1 and "nicht mehr angezeigt" in queued[0].payload["text"]
    info = await service.store.info(place_id)
    assert info is not None and info.place.status == "expired"


class FakeBot:
    """Records what the job sends (the real Bot API is the end-to-end test's)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, Any]] = []

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None, **_: Any) -> Any:
        self.sent.append((chat_id, text, reply_markup))
        return SimpleNamespace(message_id=len(self.sent))


async def test_the_report_counts_places_by_source_and_company_places_filled_through_the_programme(
    runtime: Runtime,
) -> None:
    from bot.report.query import build_report
    from bot.report.render import render_markdown, summary_text
    from knowledge.places import Offer

    service = companies(runtime)
    _, shown = await report(runtime, 7001)
    _, filled = await report(runtime, 7002, name="Backstube Bochum")
    await service.store.set_status(shown, "approved", NOW)
    await service.store.set_status(filled, "approved", NOW)
    await service.store.set_status(filled, "filled", NOW, by_programme=True)
    info = await service.store.info(shown)
    assert info is not None
    offers = [Offer(n, "Bäcker/-in", info.place.occupation_id, 51.54, 7.22, city="Herne") for n in ("1", "2")]
    await runtime.places_store.replace_source("ba:herne:25:", offers[:1])
    await runtime.places_store.replace_source("csv:kammer", offers)
    result = await build_report(runtime.dialogs.sessions, runtime.catalogue, today=NOW.date())
    assert dict(result.by_source) == {"ba": 1, "csv": 2, "company": 1} and result.company_filled == 1
    markdown = render_markdown(result)
    assert "| Betriebe über den Bot | 1 |" in markdown and "besetzt über das Programm: 1" in markdown
    assert "BA 1, CSV 2, Betriebe 1; über das Programm besetzt: 1" in summary_text(result)


async def test_retention_deletes_quiet_companies_with_their_places(runtime: Runtime) -> None:
    await report(runtime)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=181)
    await runtime.dialogs.apply_retention(180, 90, now=later)
    async with runtime.dialogs.sessions() as session:
        counts = [await session.scalar(select(func.count()).select_from(t)) for t in (Company, PlaceOffer)]
    assert counts == [0, 0]


async def test_new_company_details_send_its_places_to_the_coaches_again(runtime: Runtime) -> None:
    service = companies(runtime)
    company, place_id = await report(runtime)
    await service.store.set_status(place_id, "approved", NOW)
    await company.send("/menu")
    await company.tap("Company details")
    await company.tap("✏️ Company")
    result = await company.send("Bäckerei Yılmaz & Tochter")
    assert isinstance(result, CompanyResult) and result.verify == (place_id,)
    info = await service.store.info(place_id)
    assert info is not None and info.place.status == "pending"
    async with runtime.dialogs.sessions() as session:
        row = await session.get(PlaceOffer, place_id)
    assert row is not None and not row.active and row.employer == "Bäckerei Yılmaz & Tochter"


async def test_the_export_names_the_companies_a_person_agreed_to_share_with(runtime: Runtime) -> None:
    service = companies(runtime)
    _, place_id = await report(runtime)
    await service.store.set_status(place_id, "approved", NOW)
    lea = await young_person(runtime)
    await lea.press(f"sh:a:{place_id}:1")
    result = await lea.send("/export")
    assert result.attachment is not None
    assert '"company": "Bäckerei Yılmaz"' in result.attachment[1].decode()


def test_under_16_sharing_is_offered_only_with_the_guardians_consent() -> None:
    from dialogs.i18n import translator
    from dialogs.places_view import may_share, share_question
    from dialogs.profile import Profile

    assert may_share(Profile(age=17)) and not may_share(Profile(age=15)) and not may_share(Profile())
    assert may_share(Profile(age=15, guardian_consent=True))
    question = share_question(translator("de"), 1, "Bäckerei", guardian=True)
    assert (
        "Darf der Coach Bäckerei deinen Vornamen" in question.text
        and "Erziehungsberechtigten" in question.text
    )


async def test_a_submit_delivered_again_after_a_crash_adds_no_second_place(runtime: Runtime) -> None:
    company, _ = await report(runtime)
    await company.send("/menu")
    await company.tap("Report a place")
    await company.send("Bäcker")
    await company.tap("Bäcker/-in")
    await company.tap("1")
    await company.tap("As soon as possible")
    await company.tap("No requirement")
    await company.tap("Skip")
    submit = next(b for r in company.last.buttons for b in r if "Submit" in b.label)
    event = Event.pressed(submit.data)
    first = await runtime.dialogs.handle(7001, event, "en", update_id=900)
    again = await runtime.dialogs.handle(7001, event, "en", update_id=900)
    assert isinstance(first, CompanyResult) and len(first.verify) == 1
    assert again.duplicate and not getattr(again, "verify", ())
    async with runtime.dialogs.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CompanyPlace)) == 2
