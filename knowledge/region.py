"""Facts about the region the programme serves (Herne and Bochum, Mittleres Ruhrgebiet, NRW)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: The programme's local time: coach hours, the daily jobs and report dates are read in it.
LOCAL_TZ = ZoneInfo("Europe/Berlin")


def local_date(moment: dt.datetime) -> dt.date:
    """The programme's calendar day of an aware moment."""
    return moment.astimezone(LOCAL_TZ).date()


#: Between the centres of Herne and Bochum (GeoNames coordinates of both towns).
CENTRE = (51.51, 7.22)
#: A town further away than this from the centre is outside the programme's usual area.
USUAL_AREA_KM = 30.0

#: Kilometres per degree of latitude, and per degree of longitude at the equator (times the cosine of the
#: latitude elsewhere): bounding boxes and the planar distance in SQL, before the exact great-circle distance.
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON_AT_EQUATOR = 111.320
