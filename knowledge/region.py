"""Facts about the region the programme serves (Herne and Bochum, Mittleres Ruhrgebiet, NRW)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

#: The programme's local time: coach hours, the daily jobs and report dates are read in it.
LOCAL_TZ = ZoneInfo("Europe/Berlin")

#: Between the centres of Herne and Bochum (GeoNames coordinates of both towns).
CENTRE = (51.51, 7.22)
#: A town further away than this from the centre is outside the programme's usual area.
USUAL_AREA_KM = 30.0
