"""Reading a typed start month in any of the bot's languages: "September 2027", "Sept. 2027", "09/27",
"سبتمبر ٢٠٢٧", "вересень 2027", "wrzesień 2027", "Eylül 2027", "08.2027", "2027".

Month names and abbreviations come from Babel (CLDR) for every language the bot speaks, in their
format and stand-alone forms; Levantine Arabic month names are added because many Syrian young people
use them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from babel.dates import get_month_names

from dialogs.i18n import ARABIC_DIGITS, LANGUAGES

#: Levantine (Syrian, Lebanese, Iraqi) month names, January to December.
LEVANTINE_MONTHS = (
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
)
_NUMERIC = (
    re.compile(r"^(?:\d{1,2}[./-])?(\d{1,2})\s*[./\-\s]\s*(\d{4}|\d{2})$"),  # 09.2027, 9/27, 01.09.2027
    re.compile(r"^(\d{4})-(\d{1,2})$"),  # 2027-09
)
_YEAR = re.compile(r"(?<!\d)(\d{4}|\d{2})(?!\d)")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c)).replace(".", "").strip()


@cache
def month_names() -> dict[str, int]:
    """Every known spelling of a month (folded) → its number."""
    names: dict[str, int] = {}
    for lang in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=lang).items():
                    names.setdefault(_fold(name), number)
    for number, name in enumerate(LEVANTINE_MONTHS, start=1):
        names.setdefault(_fold(name), number)
    return names


def _full_year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def read_month(text: str) -> tuple[int, int] | None:
    """``(year, month)`` from a typed date, or ``None`` when it does not look like one.

    A year alone means August of that year, when most Ausbildungen start."""
    text = " ".join(text.translate(ARABIC_DIGITS).split())
    for pattern in _NUMERIC:
        m = pattern.match(text)
        if m:
            first, second = m.groups()
            year, number = (
                (_full_year(second), int(first)) if pattern is _NUMERIC[0] else (int(first), int(second))
            )
            return (year, number) if 1 <= number <= 12 else None
    years = _YEAR.findall(text)
    if len(years) != 1:
        return None
    rest = _fold(_YEAR.sub(" ", text))
    if not rest:
        return (_full_year(years[0]), 8) if len(years[0]) == 4 else None
    names = month_names()
    month: int | None = names.get(rest)
    if month is None:  # "sept", "wrzes": a prefix of exactly one month's name
        found = {n for name, n in names.items() if len(rest) >= 3 and name.startswith(rest)}
        month = found.pop() if len(found) == 1 else None
    return (_full_year(years[0]), month) if month else None
