"""Facts about the region the programme serves (Herne and Bochum, Mittleres Ruhrgebiet, NRW)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

#: The programme's local time: coach hours, the daily jobs and report dates are read in it.
LOCAL_TZ = ZoneInfo("Europe/Berlin")
