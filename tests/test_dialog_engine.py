"""The guided dialog, step by step, without any transport."""

from __future__ import annotations

import copy
import pathlib

import pytest

from dialogs.engine import Engine
from dialogs.model import Event, State
from dialogs.profile import Profile
from dialogs.steps import STEPS
from knowledge.catalogue import default_catalogue
from tests.driver import Chat


def all_buttons(chat: Chat) -> list[str]:
    return [b.data for reply in chat.history for row in reply.buttons for b in row]


def test_full_dialog_reaches_the_menu_with_every_answer_saved(chat: Chat) -> None:
    chat.onboard()
    assert chat.step == "menu"
    assert "profile is complete" in chat.text
    answers = chat.answers
    assert answers["age"] == 17
    assert answers["situation"] == "school_done"
    assert answers["certificate"] == "msa"
    assert answers["german"] == "good"
    assert answers["languages"] == ["tr"]
    assert answers["location"]["name"] == "Herne"  # type: ignore[index]
    assert answers["radius"] == 10
    assert answers["interests"] == ["technik"]
    assert answers["wishes"] == ["kraftfahrzeugmechatroniker"]
    assert answers["start"] == "2027-08"
    assert chat.labels() == [
        "🔎 Open places",
        "💬 Talk to a coach",
        "👤 My profile",
        "🎯 My job wishes",
        "🌐 Language",
        "🔒 Privacy",
    ]


def test_every_button_fits_telegram_callback_data(chat: Chat) -> None:
    chat.onboard()
    chat.tap("My profile")
    data = all_buttons(chat)
    assert data and all(len(d.encode()) <= 64 and d.isascii() for d in data)


def test_welcome_asks_for_age_and_rejects_non_numbers(chat: Chat) -> None:
    chat.send("/start")
    assert "how old are you" in chat.text
    for bad in ("hallo", "5", "150", "12 or 13", ""):
        chat.send(bad) if bad else chat.sticker()
        assert chat.step == "age"
    chat.send("ich bin 17")
    assert chat.step == "consent"


def test_under_15_gets_a_kind_note_and_under_16_confirms_a_guardian(chat: Chat) -> None:
    chat.send("/start")
    chat.send("14")
    assert "usually starts after you finish school" in chat.replies[0].text
    assert "parent or guardian" in chat.text
    chat.tap("my parent or guardian agrees")
    assert chat.answers["guardian_consent"] is True
    assert chat.step == "situation"


def test_over_27_is_pointed_to_adult_services_but_may_continue(chat: Chat) -> None:
    chat.send("/start")
    chat.send("31")
    assert "Jobcenter" in chat.replies[0].text
    assert "parent" not in chat.text
    chat.tap("Yes, I agree")
    assert chat.step == "situation"


def test_declining_consent_keeps_nothing(chat: Chat) -> None:
    chat.send("/start")
    chat.send("17")
    chat.tap("No")
    assert "haven't saved anything" in chat.text
    assert chat.state is not None and not chat.state.consented and chat.answers == {}


def test_foreign_certificate_asks_whether_it_is_recognised(chat: Chat) -> None:
    chat.onboard(until="certificate")
    chat.tap("another country")
    assert chat.step == "cert_recognised"
    chat.tap("I've applied for recognition")
    assert chat.answers["cert_recognised"] == "pending" and chat.step == "german"


def test_choice_can_be_typed_instead_of_tapped(chat: Chat) -> None:
    chat.onboard(until="situation")
    chat.send("something else")
    assert chat.answers["situation"] == "other"
    chat.send("no idea")
    assert chat.step == "certificate" and "tap one of the buttons" in chat.text


def test_multi_select_toggles_and_needs_one_choice(chat: Chat) -> None:
    chat.onboard(until="languages")
    chat.tap("Done")
    assert "at least one" in chat.text and chat.step == "languages"
    chat.tap("English")
    assert chat.last.replace_previous and "✅ English" in chat.labels()
    chat.tap("Polski")
    chat.tap("✅ English")  # untick
    chat.tap("Done")
    assert chat.answers["languages"] == ["pl"]


def test_only_german_ends_the_language_question(chat: Chat) -> None:
    chat.onboard(until="languages")
    chat.tap("Only German")
    assert chat.answers["languages"] == [] and chat.step == "location"


@pytest.mark.parametrize(
    ("typed", "town"),
    [
        ("44623", "Herne"),
        ("Bochum", "Bochum"),
        ("Gelsenkirchn", "Gelsenkirchen"),
        ("Muelheim an der Ruhr", "Mülheim"),
    ],
)
def test_location_by_postcode_or_town(chat: Chat, typed: str, town: str) -> None:
    chat.onboard(until="location")
    assert chat.last.ask_location
    chat.send(typed)
    assert chat.answers["location"]["name"] == town  # type: ignore[index]
    assert chat.replies[0].remove_keyboard and chat.step == "radius"


@pytest.mark.parametrize(
    ("typed", "question", "town"),
    [
        ("Frisör", "Friesdorf (Bonn)", "Friesdorf"),
        ("bochun", "Bochum?", "Bochum"),
        ("Wiiten", "Witten (Bochum)", "Witten"),
    ],
)
def test_a_guessed_town_is_confirmed_before_it_is_saved(
    chat: Chat, typed: str, question: str, town: str
) -> None:
    chat.onboard(until="location")
    chat.send(typed)
    assert "Did you mean" in chat.text and question in chat.text and "location" not in chat.answers
    chat.tap("No, I'll type it again")
    assert chat.step == "location" and chat.last.ask_location
    chat.send(typed)
    chat.tap("Yes")
    assert chat.answers["location"]["name"] == town  # type: ignore[index]
    assert chat.step == "radius"


def test_unknown_place_and_far_location_are_asked_again(chat: Chat) -> None:
    chat.onboard(until="location")
    chat.send("Atlantis")
    assert "don't know this place" in chat.text and chat.step == "location"
    chat.location(52.52, 13.40)  # Berlin
    assert "too far" in chat.text and chat.step == "location"
    chat.location(51.53, 7.22)  # shared from Herne
    assert chat.answers["location"]["name"] == "Herne"  # type: ignore[index]
    assert chat.step == "radius"


def test_start_date_from_button_or_typed(chat: Chat) -> None:
    chat.onboard(until="start")
    assert chat.labels() == ["As soon as possible", "August 2027", "August 2028"]
    chat.send("13.2027")
    assert chat.step == "start" and "month and year" in chat.text
    chat.send("02/2027")
    assert chat.answers["start"] == "2027-02" and chat.step == "summary"


def test_summary_shows_every_answer_and_editing_keeps_later_answers(chat: Chat) -> None:
    chat.onboard(until="summary")
    card = chat.text
    for expected in (
        "Age: 17",
        "School certificate: Mittlerer Schulabschluss (MSA)",
        "Türkçe",
        "Town: Herne, radius up to 10 km",
        "Kraftfahrzeugmechatroniker/-in",
        "Start date: August 2027",
    ):
        assert expected in card
    chat.tap("✏️ Age")
    assert chat.step == "age" and "Your answer so far: 17" in chat.text
    chat.send("18")
    assert chat.step == "summary" and chat.answers["age"] == 18
    assert chat.answers["start"] == "2027-08" and chat.answers["wishes"] == ["kraftfahrzeugmechatroniker"]


def test_editing_location_asks_the_radius_then_returns(chat: Chat) -> None:
    chat.onboard(until="summary")
    chat.tap("✏️ Town")
    chat.send("Bochum")
    assert chat.step == "radius"
    chat.tap("25 km")
    assert chat.step == "summary" and "Town: Bochum, radius up to 25 km" in chat.text


def test_editing_certificate_to_foreign_asks_the_follow_up(chat: Chat) -> None:
    chat.onboard(until="summary")
    chat.tap("School certificate")
    chat.tap("another country")
    assert chat.step == "cert_recognised"
    chat.tap("Yes")
    assert chat.step == "summary"


def test_cancel_while_editing_changes_nothing(chat: Chat) -> None:
    chat.onboard(until="summary")
    chat.tap("Interests")
    chat.tap("Health")
    chat.send("/cancel")
    assert chat.step == "summary" and chat.answers["interests"] == ["technik"]


def test_old_button_says_the_question_is_closed(chat: Chat) -> None:
    chat.onboard(until="certificate")
    chat.tap("Abitur")
    before = copy.deepcopy(chat.answers)
    situation_reply = next(
        r for r in chat.history if any(b.step == "situation" for row in r.buttons for b in row)
    )
    chat.tap("still at school", reply=situation_reply)
    assert "already closed" in chat.text and chat.step == "german"
    assert chat.answers == before and before["situation"] != "pupil"  # the old button changed nothing


def test_forged_button_data_is_refused(chat: Chat) -> None:
    chat.onboard(until="certificate")
    for event in (Event("choice", "doctorate", step="certificate"), Event("choice", "x", step="nosuchstep")):
        chat._apply(event)
        assert "already closed" in chat.text and chat.step == "certificate"


def test_switching_language_repeats_the_question_and_keeps_answers(chat: Chat) -> None:
    chat.onboard(until="german")
    chat.send("/language")
    chat.tap("Deutsch")
    assert chat.state is not None and chat.state.lang == "de" and chat.step == "german"
    assert chat.answers["certificate"] == "msa"
    # confirmed, and the current question asked again, in German with German buttons
    assert chat.text == "Okay, ab jetzt schreibe ich auf Deutsch.\n\nWie gut sprichst du Deutsch?"
    assert "Gut – ich verstehe fast alles" in chat.labels()
    chat.tap("Gut – ich verstehe fast alles")
    assert chat.step == "languages" and "Welche anderen Sprachen sprichst du?" in chat.text


def test_start_resumes_where_the_person_stopped(chat: Chat) -> None:
    chat.onboard(until="interests")
    chat.send("/start")
    assert "Welcome back" in chat.text and chat.step == "interests"


def test_menu_and_profile_before_the_profile_is_complete(chat: Chat) -> None:
    chat.onboard(until="german")
    chat.send("/menu")
    assert "finish your profile first" in chat.text and chat.step == "german"


def test_wishes_can_be_removed_and_added_up_to_three(chat: Chat) -> None:
    chat.onboard()
    chat.tap("My job wishes")
    assert chat.step == "wishes"
    chat.tap("Add a job")
    chat.send("Friseurin")
    chat.tap("Friseur")
    chat.tap("Add another job")
    chat.send("Bäcker")
    chat.tap("Bäcker/-in")
    assert len(chat.answers["wishes"]) == 3  # type: ignore[arg-type]
    assert chat.step == "wishes"
    assert "Add a job" not in " ".join(chat.labels())
    chat.tap("❌ Kraftfahrzeugmechatroniker")
    assert "kraftfahrzeugmechatroniker" not in chat.answers["wishes"]  # type: ignore[operator]


def test_nonsense_wish_is_not_guessed_and_suggestions_follow_interests(chat: Chat) -> None:
    chat.onboard(until="wish")
    chat.send("asdfgh")
    assert "couldn't find" in chat.text and chat.step == "wish_pick"
    assert chat.labels()[-1] == "✏️ Type again"
    chat.tap("Type again")
    chat.send("Kfz Mechatroniker")
    chat.tap("None of these")
    assert "fit your interests" in chat.text
    assert chat.labels()[-2:] == ["🧭 Find out with a few questions", "✏️ Type again"]
    suggested = chat.labels()[:-2]
    assert len(suggested) >= 3
    for label in suggested:  # "Name (everyday name)"; onboard chose the interest Technology
        occupation = default_catalogue().by_name(label.split(" (")[0])
        assert occupation is not None and "technik" in occupation.fields, label


def test_huge_text_gets_a_clear_reply(chat: Chat) -> None:
    chat.onboard(until="wish")
    chat.send("x" * 4096)
    assert "a lot of text" in chat.text and chat.step == "wish"


def test_unknown_stored_step_resumes_instead_of_crashing(engine: Engine) -> None:
    profile = Profile.from_json({"consent": "2026-01-01", "age": 17, "situation": "pupil"})
    state = State(lang="en", step="removed_step", profile=profile)
    outcome = engine.handle(state, Event.typed("hello"), "en")
    assert outcome.state.step == "certificate" and outcome.replies


def test_unknown_command_lists_the_commands(chat: Chat) -> None:
    chat.send("/foo")
    assert "don't know this command" in chat.text and "/language" in chat.text


def test_dialogs_know_nothing_of_telegram() -> None:
    root = pathlib.Path(__file__).resolve().parent.parent
    for package in ("dialogs", "knowledge"):
        for path in (root / package).rglob("*.py"):
            assert "telegram" not in path.read_text(encoding="utf-8").replace("Telegram", ""), path


def test_every_step_names_existing_next_steps() -> None:
    for step in STEPS.values():
        if isinstance(step.next, str) and step.next:
            assert step.next in STEPS
        assert all(s in STEPS for s in step.then)


def test_consent_button_works_even_when_the_age_was_not_kept(engine: Engine) -> None:
    """Another process (or a restart) has no memory of the age: the button carries it."""
    first = Chat(engine)
    first.send("/start")
    first.send("15")
    yes = first.button("parent or guardian agrees")
    fresh = engine.handle(None, Event("choice", yes.value, step=yes.step), "en")
    assert fresh.state.consented and fresh.state.profile.age == 15 and fresh.state.step == "situation"


def test_consent_text_has_no_empty_gap_for_adults(chat: Chat) -> None:
    chat.send("/start")
    chat.send("18")
    assert "\n\n\n" not in chat.text
