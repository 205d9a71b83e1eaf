"""The edges of the dialog (issue #16): consent on every path, dates, typed yes/no, answers that keep
what the person said."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.engine import Engine
from dialogs.model import Event, State
from tests.driver import Chat

# ---------------------------------------------------------------- minors' consent


def test_editing_the_age_to_under_16_asks_for_a_guardian_before_it_is_stored(chat: Chat) -> None:
    chat.onboard(age="17")
    chat.send("/profile")
    chat.tap("Age")
    assert "How old are you?" in chat.text and "Hi!" not in chat.text  # only the question, no welcome
    chat.send("14")
    assert chat.step == "consent" and "parent or guardian" in chat.text
    assert chat.answers["age"] == 17 and not chat.answers.get("guardian_consent")  # nothing stored yet
    chat.tap("parent or guardian agrees")
    assert chat.answers["age"] == 14 and chat.answers["guardian_consent"] is True
    assert chat.step == "summary"


def test_declining_the_guardian_question_after_an_age_edit_deletes_everything(chat: Chat) -> None:
    chat.onboard(age="17")
    chat.send("/profile")
    chat.tap("Age")
    chat.send("15")
    chat.tap("No")
    assert "deleted your data" in chat.text
    assert chat.state is not None and not chat.state.consented and chat.answers == {}
    assert "delete" in chat.actions


EDIT_WALK = st.lists(
    st.one_of(
        st.sampled_from(["/profile", "/menu", "/cancel", "/start", "ja", "nein", "no", "Done"]),
        st.integers(8, 30).map(str),
        st.sampled_from(["tap:Age", "tap:Yes", "tap:No", "tap:All correct", "tap:parent", "tap:Start"]),
    ),
    min_size=5,
    max_size=25,
)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(EDIT_WALK, st.sampled_from(["17", "15", "22"]))
def test_no_stored_person_is_under_16_without_a_guardian(engine: Engine, walk: list[str], age: str) -> None:
    chat = Chat(engine, lang="en")
    chat.onboard(age=age)
    for step in walk:
        if step.startswith("tap:"):
            label = step[4:]
            buttons = [b for row in chat.last.buttons for b in row if label.casefold() in b.label.casefold()]
            if not buttons:
                continue
            chat._apply(Event.pressed(buttons[0].data))
        else:
            chat.send(step)
        state = chat.state
        assert isinstance(state, State)
        profile = state.profile
        if state.consented:  # what the service writes to the database
            assert profile.age is not None and (profile.age >= 16 or profile.guardian_consent), walk


# ---------------------------------------------------------------- ages


@pytest.mark.parametrize("typed", ["5", "120", "0"])
def test_an_age_out_of_range_says_what_is_expected(chat: Chat, typed: str) -> None:
    chat.send("/start")
    chat.send(typed)
    assert "from 10 to 99" in chat.text and chat.step == "age"


def test_arabic_indic_digits_are_an_age(engine: Engine) -> None:
    chat = Chat(engine, lang="ar")
    chat.send("/start")
    chat.send("١٧")
    assert chat.step == "consent" and chat.answers == {"age": 17}


# ---------------------------------------------------------------- start dates


@pytest.mark.parametrize(
    "typed",
    [
        "September 2027",
        "Sept. 2027",
        "sep 2027",
        "09/27",
        "09.2027",
        "سبتمبر 2027",
        "سبتمبر ٢٠٢٧",
        "أيلول 2027",
        "вересень 2027",
        "сентябрь 2027",
        "wrzesień 2027",
        "Eylül 2027",
        "eylul 2027",
    ],
)
def test_typed_start_months_in_every_language(chat: Chat, typed: str) -> None:
    chat.onboard(until="start")
    chat.send(typed)
    assert chat.answers["start"] == "2027-09" and chat.step == "summary"


def test_a_past_start_date_says_it_has_passed_and_offers_asap(chat: Chat) -> None:
    chat.onboard(until="start")
    chat.send("01.08.2026")
    assert "already passed" in chat.text and "for example 08.2027" not in chat.text
    assert "As soon as possible" in chat.labels() and chat.step == "start"


# ---------------------------------------------------------------- typed yes and no


@pytest.mark.parametrize(
    ("lang", "yes"),
    [("de", "ja"), ("en", "yes"), ("tr", "evet"), ("ar", "نعم"), ("uk", "так"), ("ru", "да"), ("pl", "tak")],
)
def test_typed_yes_answers_a_yes_no_question(engine: Engine, lang: str, yes: str) -> None:
    chat = Chat(engine, lang=lang)
    chat.send("/start")
    chat.send("17")
    chat.send(yes)
    assert chat.state is not None and chat.state.consented and chat.step == "situation"


@pytest.mark.parametrize("no", ["nein", "no", "hayır", "لا", "ні", "нет", "nie"])
def test_typed_no_declines(chat: Chat, no: str) -> None:
    chat.send("/start")
    chat.send("17")
    chat.send(no)
    assert chat.state is not None and not chat.state.consented and "haven't saved anything" in chat.text


# ---------------------------------------------------------------- answers that keep what was said


def test_only_german_is_shown_as_such_and_says_it_replaced_the_ticks(chat: Chat) -> None:
    chat.onboard(until="languages")
    chat.tap("English")
    chat.tap("Türkçe")
    chat.tap("Only German")
    assert "“Only German” – I removed the other ticks" in chat.text and chat.answers["languages"] == []
    chat.onboard(until="summary", resume=True)
    assert "Languages: only German" in chat.text


def test_not_sure_interests_read_as_such_on_the_summary(chat: Chat) -> None:
    chat.onboard(until="interests")
    chat.tap("Not sure yet")
    chat.onboard(until="summary", resume=True)
    assert "Interests: not sure yet" in chat.text


def test_recognition_answers_have_their_own_texts(chat: Chat) -> None:
    chat.onboard(until="certificate")
    chat.tap("another country")
    chat.tap("I've applied for recognition")
    chat.onboard(until="summary", resume=True)
    assert "A certificate from another country – recognition applied for" in chat.text


def test_exclusive_choices_stand_apart_after_all_others(chat: Chat) -> None:
    chat.onboard(until="interests")
    rows = [[b.label for b in row] for row in chat.last.buttons]
    assert rows[-2:] == [["🤷 Not sure yet"], ["Done ✔️"]]
    assert all(len(row) == 2 for row in rows[:-2]) or len(rows[-3]) == 1  # the topics keep their two columns


@pytest.mark.parametrize("typed", ["14", "0", "Done", "done ✔️"])
def test_the_done_button_can_be_typed_by_its_number_or_label(chat: Chat, typed: str) -> None:
    """The console chat numbers every button, "Done" too (14 on the languages question)."""
    chat.onboard(until="languages")
    chat.tap("Türkçe")
    assert chat.labels()[13] == "Done ✔️"
    chat.send(typed)
    assert chat.step == "location" and chat.answers["languages"] == ["tr"]
