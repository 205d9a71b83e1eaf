"""Translations: complete, not fuzzy, same placeholders, plural rules, and the whole dialog in every locale."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dialogs.engine import Engine
from dialogs.i18n import LANGUAGES, LOCALES_DIR, translator
from dialogs.model import Event
from tests.driver import Chat

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"N_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


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
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, (
                f"{lang}: placeholders differ in {key!r}: {string!r}"
            )


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
