"""When coaches answer, e.g. ``Mo-Fr 09:00-16:00`` in local time (``COACH_HOURS``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from knowledge.region import LOCAL_TZ

_DAYS = ("mo", "di", "mi", "do", "fr", "sa", "so")
_DAYS_EN = ("mo", "tu", "we", "th", "fr", "sa", "su")
_HOURS = re.compile(r"^\s*(\w\w)\s*-\s*(\w\w)\s+(\d{1,2}):?(\d{2})?\s*-\s*(\d{1,2}):?(\d{2})?\s*$")


@dataclass(frozen=True)
class CoachHours:
    """When coaches answer, e.g. ``Mo-Fr 09:00-16:00`` (German or English day abbreviations)."""

    first_day: int
    last_day: int
    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str) -> CoachHours:
        m = _HOURS.match(text.lower())
        if not m:
            raise ValueError("use a form like 'Mo-Fr 09:00-16:00'")
        days = []
        for day in (m.group(1), m.group(2)):
            table = _DAYS if day in _DAYS else _DAYS_EN
            if day not in table:
                raise ValueError(f"unknown day {day!r}")
            days.append(table.index(day))
        start = dt.time(int(m.group(3)), int(m.group(4) or 0))
        end = dt.time(int(m.group(5)), int(m.group(6) or 0))
        return cls(days[0], days[1], start, end)

    def open_at(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(LOCAL_TZ)
        return self.first_day <= local.weekday() <= self.last_day and self.start <= local.time() < self.end
