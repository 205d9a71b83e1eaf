"""Translations: complete, not fuzzy, same placeholders, plural rules, and the whole dialog in every locale."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dialogs.engine import Engine
from dialogs.flow import Ctx
from dialogs.i18n import LANGUAGES, LOCALES_DIR, translator
from dialogs.model import Event, State
from dialogs.places_view import PlaceCard, details_reply, list_reply
from tests.driver import Chat

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"N_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")
#: Plural forms in which a language writes the count as a word, so that ``{n}`` may be left out: Arabic says
#: "no place" (form 0), "one place" (مكانًا واحدًا, form 1) and "two places" (the dual مكانين, form 2).
#: Each such form stands for exactly one number (``test_count_in_words_only_where_a_form_is_one_number``);
#: every other form, and every form of the other languages, must show the number.
COUNT_IN_WORDS: dict[str, dict[int, int]] = {"ar": {0: 0, 1: 1, 2: 2}}
#: Telegram cuts a button label longer than this on a phone (visible characters).
MAX_BUTTON_WIDTH = 40


def source_messages() -> set[str]:
    """Every msgid in the code, extracted the way ``make locales-extract`` does."""
    found: set[str] = set()
    for package in ("bot", "dialogs", "knowledge"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete_and_clean(lang: str) -> None:
    path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    missing = sorted(source_messages() - set(entries))
    assert not missing, f"{lang}: {len(missing)} messages missing, e.g. {missing[:3]}"
    for key, message in entries.items():
        assert not message.fuzzy, f"{lang}: fuzzy {key!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"{lang}: empty translation of {key!r}"
        expected = set(PLACEHOLDER.findall(ids[0]))
        for form, string in enumerate(strings):
            found = set(PLACEHOLDER.findall(string))
            if isinstance(message.id, tuple) and form in COUNT_IN_WORDS.get(lang, {}):
                found |= {"n"}  # the count is in the words of this form
            assert found == expected, f"{lang}: placeholders differ in {key!r}: {string!r}"


def test_count_in_words_only_where_a_form_is_one_number() -> None:
    one, many = "I found {n} open place within {km} km.", "I found {n} open places within {km} km."
    for lang, forms in COUNT_IN_WORDS.items():
        plural = translator(lang).catalogue.plural  # type: ignore[attr-defined]
        for form, number in forms.items():
            assert [n for n in range(1000) if plural(n) == form] == [number], (lang, form)
    # and Arabic uses them: no digits for one and two places, the digits from three on
    ar = translator("ar")
    assert "مكانًا شاغرًا واحدًا" in ar.ngettext(one, many, 1, km="10")
    assert "مكانين" in ar.ngettext(one, many, 2, km="10")
    assert not re.search(r"\b[12]\b", ar.ngettext(one, many, 1, km="10") + ar.ngettext(one, many, 2, km="10"))
    assert "500" in ar.ngettext(one, many, 500, km="10") and "3" in ar.ngettext(one, many, 3, km="10")


def test_plural_forms_follow_each_language() -> None:
    one, many = "I found {n} open place within {km} km.", "I found {n} open places within {km} km."
    forms = {
        lang: {translator(lang).ngettext(one, many, n, km="10") for n in (1, 2, 5, 11, 21, 100)}
        for lang in LANGUAGES
    }
    assert len(forms["ru"]) >= 3 and len(forms["uk"]) >= 3 and len(forms["pl"]) >= 3 and len(forms["ar"]) >= 3
    assert translator("de").ngettext(one, many, 1, km="10") != translator("de").ngettext(
        one, many, 5, km="10"
    )


def test_dates_and_numbers_use_the_locale() -> None:
    assert translator("de").date(dt.date(2026, 8, 1)) == "1. August 2026"
    assert translator("de").number(3.2) == "3,2"
    assert translator("en").number(3.2) == "3.2"
    assert translator("tr").date(dt.date(2026, 8, 1)) == "1 Ağustos 2026"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_full_dialog_in_every_language(engine: Engine, lang: str) -> None:
    def tap(chat: Chat, row: int = 0, col: int = 0) -> None:
        button = chat.last.buttons[row][col]
        chat._apply(Event.pressed(button.data))

    chat, english = Chat(engine, lang=lang), Chat(engine, lang="en")
    for c in (chat, english):
        c.send("/start")
        c.send("17")
        tap(c)  # consent
        tap(c, 1)  # finished school
        tap(c, 3)  # MSA
        tap(c, 1)  # good German
        tap(c)  # first other language
        tap(c, len(c.last.buttons) - 1)  # done
        c.send("44623")
        tap(c, 0, 1)  # 10 km
        tap(c)  # technology
        tap(c, len(c.last.buttons) - 1)  # done
        c.send("Kfz Mechatroniker")
        tap(c)  # first candidate
        tap(c, 1)  # continue
        tap(c, 1)  # next August
        assert c.step == "summary", (c.lang, c.text)
        tap(c)  # all correct
        assert c.step == "menu" and c.answers["completed"] is True
    if lang != "en":
        for ours, theirs in zip(chat.history, english.history, strict=True):
            if any(ch.isalpha() for ch in theirs.text):
                assert ours.text != theirs.text, f"{lang}: not translated: {theirs.text[:60]!r}"
    if lang == "ar":
        card = next(r.text for r in chat.history if "Kraftfahrzeugmechatroniker" in r.text and "\n" in r.text)
        assert "\u2068Kraftfahrzeugmechatroniker/-in" in card  # isolated inside right-to-left text


def visible_width(text: str) -> int:
    """Characters that take room on screen: no combining marks (Arabic vowels), no isolation marks."""
    return sum(1 for ch in text if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_certificate_buttons_fit_a_telegram_button_and_the_question_explains_them(
    engine: Engine, lang: str
) -> None:
    t = translator(lang)
    step = engine.flow.by_id["certificate"]
    ctx = Ctx(State(lang=lang, step="certificate"), engine.flow, t, engine.services)
    labels = [button.label for row in ctx.buttons(step) for button in row]
    assert len(labels) == len(step.choices_for(ctx)) == 7
    too_wide = {label: visible_width(label) for label in labels if visible_width(label) > MAX_BUTTON_WIDTH}
    assert not too_wide, f"{lang}: Telegram cuts these certificate buttons: {too_wide}"
    assert "Erweiterter Erster Schulabschluss (EESA)" in labels and "Mittlerer Schulabschluss (MSA)" in labels
    question = ctx.show(step=step).text
    for short in ("ESA", "EESA", "MSA", "Fachabi", "Abitur", "Fachoberschulreife", "Hauptschulabschluss"):
        assert short in question, f"{lang}: the question does not explain {short}"
    foreign = t.gettext("A certificate from another country")
    assert foreign in labels and foreign in question  # the button a certificate from abroad belongs to
    # home-country school-leaving certificates must not look like the Abitur or the MSA
    misleading = (
        "lise diploması",
        "الشهادة الثانوية العامة",
        "повна середня освіта",
        "полное среднее",
        "matura",
    )
    assert not [word for word in misleading if word in question.casefold() or word in " ".join(labels)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_kilometres_are_written_in_the_language(engine: Engine, lang: str) -> None:
    unit = {"ar": "كم", "uk": "км", "ru": "км"}.get(lang, "km")
    t = translator(lang)
    ctx = Ctx(State(lang=lang, step="radius"), engine.flow, t, engine.services)
    labels = [button.label for row in ctx.buttons(engine.flow.by_id["radius"]) for button in row]
    assert labels == [f"{n} {unit}" for n in (5, 10, 25, 50)]
    card = PlaceCard(
        1, "Ausbildung Kfz", "Kraftfahrzeugmechatroniker/-in", "", "Autohaus Beispiel", "", "44623", "Herne",
        3.2, None, "", "", demo=False, fit=0,
    )  # fmt: skip
    line = list_reply(t, [card], 0, 1, 1, 10, [], subscribed=False).text
    assert f"{t.number(3.2)} {unit}" in line and (unit == "km" or " km" not in line)


def test_arabic_isolates_names_phone_numbers_and_links_and_uses_arabic_commas(engine: Engine) -> None:
    ar = translator("ar")
    card = PlaceCard(
        7, "Ausbildung Kaufleute für Büromanagement", "", "", "Müller & Söhne GmbH", "Bahnhofstr. 1", "44623",
        "Herne", 2.0, None, "https://example.org/stelle?id=7", "+49 2323 123456", demo=False, fit=0,
    )  # fmt: skip
    text = details_reply(ar, card, 0).text
    for fragment in ("+49 2323 123456", "https://example.org/stelle?id=7", "Müller & Söhne GmbH"):
        assert f"\u2068{fragment}\u2069" in text, fragment  # digit groups and names keep their order
    assert "\u2068Ausbildung Kaufleute für Büromanagement\u2069" in text
    assert ar.join(["أ", "ب"]) == "أ، ب" and ar.join_long(["أ", "ب"]) == "أ؛ ب"
    assert translator("de").join(["a", "b"]) == "a, b"
    chat = Chat(engine, lang="ar")
    chat.send("/start")
    chat.send("17")
    chat.tap("نعم")
    chat.tap("أنهيت المدرسة")
    chat.tap("Mittlerer Schulabschluss (MSA)")
    chat.tap("جيد")
    chat.tap("English")
    chat.tap("Türkçe")
    chat.tap("تم")
    assert "English، Türkçe" in (engine.profile_card(chat.state, "ar") if chat.state else "")
