"""The company flow without a database: a company reports a place, edits it, and can go back."""

from __future__ import annotations

from dialogs.company.steps import COMPANY_FLOW
from dialogs.engine import Engine
from dialogs.model import Services
from tests.driver import Chat


def company_chat(services: Services, lang: str = "en") -> Chat:
    return Chat(Engine(services, COMPANY_FLOW), lang=lang)


def report_place(chat: Chat) -> None:
    chat.send("/betrieb")
    chat.tap("Report a place")
    chat.send("Bäckerei Yılmaz")
    chat.send("Ayşe Yılmaz")
    chat.send("02323 123456")
    chat.send("Bahnhofstraße 5, 44623 Herne")
    assert "Herne" in chat.text
    chat.send("Bäcker")
    chat.tap("Bäcker/-in")
    chat.tap("2")
    chat.tap("August 2027")
    chat.tap("ESA")
    chat.send("Frühschicht ab 5 Uhr, nette Kollegen.")


def test_a_company_reports_a_place_and_confirms_the_summary(services: Services) -> None:
    chat = company_chat(services)
    report_place(chat)
    assert chat.step == "b_summary"
    summary = chat.text.replace("\u2068", "").replace("\u2069", "")  # typed values are isolated
    for expected in (
        "Bäcker/-in",
        "Bäckerei Yılmaz",
        "02323 123456",
        "Bahnhofstraße 5, 44623 Herne",
        "August 2027",
    ):
        assert expected in summary
    chat.tap("Submit")
    assert chat.actions == ("company_submit",) and chat.step == "b_menu"
    assert "A coach of Ausbildungswege NRW checks the place" in chat.text


def test_the_occupation_is_matched_and_confirmed_or_typed_again(services: Services) -> None:
    chat = company_chat(services)
    report_place(chat)
    chat.tap("✏️ Ausbildung")
    chat.send("Kfz Mechatroniker")
    assert chat.step == "b_occ_pick" and any("Kraftfahrzeugmechatroniker" in b for b in chat.labels())
    chat.tap("Kraftfahrzeugmechatroniker")
    assert chat.step == "b_summary" and "Kraftfahrzeugmechatroniker" in chat.text
    chat.tap("✏️ Ausbildung")
    chat.send("xqzv wbbq")
    assert "couldn't find an Ausbildung" in chat.text
    chat.tap("Type again")
    assert chat.step == "b_occupation"


def test_a_young_person_who_opened_the_link_can_go_back(services: Services) -> None:
    chat = company_chat(services)
    chat.send("/start betrieb")
    assert chat.step == "b_intro" and "What we store" in chat.text
    chat.tap("Back")
    assert chat.actions == ("youth",)
    assert chat.state is not None and not chat.state.company.accepted


def test_the_company_flow_speaks_german(services: Services) -> None:
    chat = company_chat(services, lang="de")
    chat.send("/betrieb")
    assert "Betrieb" in chat.text or "Ausbildungsplätze" in chat.text
    chat.tap("English")
    assert "Hello" in chat.text


def test_hostile_input_is_refused_when_too_long_and_kept_as_typed_otherwise(services: Services) -> None:
    chat = company_chat(services)
    chat.send("/betrieb")
    chat.tap("Report a place")
    chat.send("x" * 5000)
    assert "a lot of text" in chat.text and chat.step == "b_name"
    hostile = "<b>Böse</b> & <script>alert(1)</script> 🥖 مخبز"
    chat.send(hostile)
    assert chat.state is not None and chat.state.company.name == hostile
    chat.send("‮Ayşe")
    chat.send("not reachable")
    assert "phone number" in chat.text and chat.step == "b_reach"
    chat.send("info@example.org")
    chat.send("44623")
    chat.send("Bäcker")
    chat.tap("Bäcker/-in")
    chat.send("3")
    chat.tap("As soon as possible")
    chat.tap("No requirement")
    chat.send("y" * 501)
    assert "a lot of text" in chat.text
    chat.send("🥖" * 500)
    assert chat.step == "b_summary" and chat.state.company.draft.note == "🥖" * 500
