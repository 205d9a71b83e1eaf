"""Translations, plural forms and locale-aware formatting (Babel/gettext).

Message ids are English source texts marked with ``N_`` where they are declared; they are translated
only when a reply is rendered for one user, so a language switch applies to the very next reply.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LANG = "de"
#: Languages the bot speaks, in the order the language picker shows them.
LANGUAGES: tuple[str, ...] = ("de", "en", "tr", "ar", "uk", "ru", "pl")
RTL_LANGUAGES = frozenset({"ar"})

#: Arabic-Indic and Eastern Arabic-Indic digits, read as 0-9 wherever a number is typed.
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Unicode isolates keep German names and numbers readable inside right-to-left text.
_FSI, _PDI = "\u2068", "\u2069"
#: List separators where a language does not use the Latin comma and semicolon: (between items, between
#: items that contain commas themselves).
_LIST_SEPARATORS = {"ar": ("، ", "؛ ")}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, when rendered."""
    return message


#: A distance, as every language writes its unit (km, км, كم).
KM = N_("{n} km")


def negotiate(language_code: str | None) -> str:
    """Pick the bot language for a Telegram ``language_code`` such as ``"tr"`` or ``"pt-br"``."""
    if not language_code:
        return DEFAULT_LANG
    code = language_code.replace("_", "-").lower()
    found = negotiate_locale([code, code.split("-")[0]], list(LANGUAGES), sep="-")
    return found or DEFAULT_LANG


def _load_catalogue(lang: str) -> NullTranslations:
    lc_dir = LOCALES_DIR / lang / "LC_MESSAGES"
    mo, po = lc_dir / f"{DOMAIN}.mo", lc_dir / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    if po.exists():  # not compiled yet (e.g. a fresh checkout): compile in memory
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(buf, domain=DOMAIN)
    return NullTranslations()


@dataclass(frozen=True)
class Translator:
    """Everything one locale needs to render text: gettext, plurals, dates and numbers."""

    lang: str
    catalogue: NullTranslations

    @property
    def rtl(self) -> bool:
        return self.lang in RTL_LANGUAGES

    @property
    def locale(self) -> Locale:
        try:
            return Locale.parse(self.lang)
        except UnknownLocaleError:  # pragma: no cover - LANGUAGES are all known to CLDR
            return Locale.parse(DEFAULT_LANG)

    def gettext(self, message: str, **params: object) -> str:
        text = self.catalogue.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        text = self.catalogue.ngettext(singular, plural, n)
        return text.format(n=self.number(n), **params)

    def number(self, value: float, digits: int = 1) -> str:
        return _number(value, digits, self.locale)

    def date(self, value: dt.date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def month(self, value: dt.date) -> str:
        return format_skeleton("yMMMM", value, locale=self.locale)

    def km(self, value: float) -> str:
        """A distance in kilometres with the language's unit, e.g. ``10 km`` or ``10 كم``."""
        return self.gettext(KM, n=self.number(value))

    def join(self, items: Iterable[str]) -> str:
        """A list with the language's comma: ``a, b`` (Arabic ``a، b``)."""
        return _LIST_SEPARATORS.get(self.lang, (", ", "; "))[0].join(items)

    def join_long(self, items: Iterable[str]) -> str:
        """A list of items that contain commas themselves: ``a; b`` (Arabic ``a؛ b``)."""
        return _LIST_SEPARATORS.get(self.lang, (", ", "; "))[1].join(items)

    def keep_ltr(self, text: str) -> str:
        """Isolate a fragment that is not right-to-left (German name, number, phone number, URL) inside
        right-to-left text. The isolate takes the direction of its first letter, so an Arabic fragment
        stays right-to-left, and digits alone (a phone number) keep their order."""
        return f"{_FSI}{text}{_PDI}" if self.rtl and text else text

    def plain(self, text: str) -> str:
        """``text`` without the isolation marks, for files (the export) rather than chat messages."""
        return text.replace(_FSI, "").replace(_PDI, "")


@cache
def translator(lang: str) -> Translator:
    lang = lang if lang in LANGUAGES else DEFAULT_LANG
    return Translator(lang, _load_catalogue(lang))


@lru_cache(maxsize=4096)
def _number(value: float, digits: int, locale: Locale) -> str:
    """Babel's number formatting for a locale; cached, as the same distances and counts recur."""
    fmt = "#,##0" if digits == 0 or float(value).is_integer() else "#,##0." + "#" * digits
    return format_decimal(value, format=fmt, locale=locale)
