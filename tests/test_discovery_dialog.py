"""Guiding the undecided in the chat (issue #15): descriptions, "I don't know", the discovery and its cards."""

from __future__ import annotations

import pytest

from dialogs.discovery import MAX_QUESTIONS, questions
from dialogs.engine import Engine
from dialogs.flow import Ctx
from dialogs.i18n import translator
from dialogs.model import Services, State
from dialogs.steps import FLOW
from tests.driver import Chat


def answer_all(chat: Chat, label: str = "Both") -> None:
    while chat.step == "discover":
        labels = chat.labels()
        chat.tap(label if any(label in x for x in labels) else "Yes")


def test_i_dont_know_yet_leads_to_questions_and_cards_and_on_to_the_menu(chat: Chat) -> None:
    chat.onboard(until="wish")
    chat.tap("I don't know yet")
    assert chat.step == "discover" and "Question 1 of" in chat.text
    asked = 0
    while chat.step == "discover":
        asked += 1
        chat.tap("Both") if "👍 Both" in chat.labels() else chat.tap("Yes")
    assert asked <= MAX_QUESTIONS and chat.step == "discover_pick"
    cards = chat.text
    assert "⏱" in cards and "🎓 usually" in cards and "open place" in cards and "berufenet" in cards
    assert "fits:" in cards
    first = next(label for label in chat.labels() if label.startswith("☐"))
    chat.tap(first)
    assert chat.labels()[0].startswith("✅")
    chat.tap("Continue")
    assert chat.step == "start" and chat.answers["wishes"]
    chat.onboard(until="menu", resume=True)
    assert chat.step == "menu"


def test_keeping_nothing_still_goes_on_and_is_not_asked_again(chat: Chat) -> None:
    chat.onboard(until="wish")
    chat.send("keine Ahnung")
    assert chat.step == "discover"
    answer_all(chat, "Neither")
    chat.tap("Continue")
    assert chat.step == "start" and chat.answers.get("undecided") is True
    chat.onboard(until="summary", resume=True)
    assert "not sure yet" in chat.text
    chat.tap("All correct")
    assert chat.step == "menu"


def test_every_discovery_screen_has_a_way_back(chat: Chat) -> None:
    chat.onboard(until="wish")
    chat.tap("I don't know yet")
    chat.tap("Back")
    assert chat.step == "wish"
    chat.tap("I don't know yet")
    chat.tap("Both")
    assert "Question 2" in chat.text
    chat.tap("Back")
    assert "Question 1" in chat.text
    answer_all(chat)
    chat.tap("Back")
    assert chat.step == "discover" and "Question" in chat.text


def test_a_human_is_reachable_from_the_cards(chat: Chat) -> None:
    chat.onboard(until="wish")
    chat.tap("I don't know yet")
    answer_all(chat)
    chat.tap("Talk to a coach")
    assert chat.actions == ("coach",)


@pytest.mark.parametrize(
    ("lang", "typed"),
    [
        ("de", "Weiß ich noch nicht"),
        ("de", "keine ahnung"),
        ("de", "egal"),
        ("en", "idk"),
        ("tr", "bilmiyorum"),
        ("ar", "لا أعرف"),
        ("uk", "не знаю"),
        ("ru", "не знаю"),
        ("pl", "nie wiem"),
    ],
)
def test_typed_i_dont_know_starts_the_discovery_in_every_language(
    engine: Engine, lang: str, typed: str
) -> None:
    chat = Chat(engine, lang=lang)
    chat.onboard(until="wish") if lang == "en" else _onboard_to_wish(chat)
    chat.send(typed)
    assert chat.step == "discover"


def _onboard_to_wish(chat: Chat) -> None:
    """Through the questions by position, whatever the language."""
    chat.send("/start")
    chat.send("17")
    while chat.step != "wish":
        if chat.step == "location":
            chat.send("44623")
        else:
            chat.send("1")  # the first button
            if chat.step in ("languages", "interests"):
                chat.send("0")  # done


@pytest.mark.parametrize(
    ("lang", "typed", "expected"),
    [
        ("de", "was mit Tieren", "Tier"),
        ("en", "something with animals", "Tier"),
        ("de", "ich würde gerne etwas mit Autos machen, weil ich an Motorrädern schraube", "mechatroniker"),
        ("tr", "bilgisayarla ilgili bir şey", "informatik"),
        ("ar", "شيء له علاقة بالكمبيوتر", "informatik"),
        ("uk", "щось із комп’ютерами", "informatik"),
        ("ru", "что-то с компьютерами", "informatik"),
        ("pl", "coś z komputerami", "informatik"),
    ],
)
def test_described_wishes_are_offered_with_a_reason_to_confirm(
    engine: Engine, lang: str, typed: str, expected: str
) -> None:
    chat = Chat(engine, lang=lang)
    _onboard_to_wish(chat)
    chat.send(typed)
    assert chat.step == "wish_pick"
    assert any(expected.casefold() in label.casefold() for label in chat.labels()), chat.labels()
    assert "–" in chat.text  # each described hit says what it fits


def test_nonsense_gets_an_honest_no_match_with_a_way_on(chat: Chat) -> None:
    chat.onboard(until="wish")
    chat.send("Millionär")
    assert "couldn't find an Ausbildung" in chat.text
    assert chat.labels() == ["🧭 Find out with a few questions", "✏️ Type again"]


def test_questions_are_at_most_eight_and_cover_every_topic_once(services: Services) -> None:
    ctx = Ctx(State(lang="en"), FLOW, translator("en"), services)
    asked = questions(ctx)
    ids = [trait.id for question in asked for trait in question]
    assert len(asked) <= MAX_QUESTIONS and len(ids) == len(set(ids)) == len(services.occupations.traits())
