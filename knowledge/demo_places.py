"""A small fictional set of places in Herne and Bochum, so a fresh installation has something to show.

Every employer here is invented; the places are stored with ``demo=True`` and every view marks them as
examples. Addresses are real streets, coordinates are the town centres' neighbourhoods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from knowledge.places import Offer

SOURCE = "demo"

# fmt: off
_DEMO = (
    # source_id, title (the occupation is matched from it), employer, street, postcode, city, lat, lon,
    # start month, certificate
    ("d01", "Ausbildung Kfz-Mechatroniker/-in (Pkw)", "Beispiel-Autohaus Herne", "Bochumer Straße 10", "44623", "Herne", 51.535, 7.219, 8, "esa"),
    ("d02", "Ausbildung Friseur/-in", "Salon Beispiel", "Hauptstraße 5", "44651", "Herne", 51.546, 7.164, 8, None),
    ("d03", "Kaufmann/-frau im Einzelhandel", "Beispiel-Markt Bochum", "Kortumstraße 20", "44787", "Bochum", 51.48, 7.218, 8, "esa"),
    ("d04", "Medizinische/r Fachangestellte/r", "Praxis Dr. Beispiel", "Wittener Straße 40", "44789", "Bochum", 51.476, 7.229, 8, "msa"),
    ("d05", "Fachinformatiker/-in Anwendungsentwicklung", "Beispiel IT GmbH", "Universitätsstraße 100", "44799", "Bochum", 51.447, 7.26, 8, "msa"),
    ("d06", "Elektroniker/-in Energie- und Gebäudetechnik", "Beispiel Elektro Herne", "Holsterhauser Straße 2", "44625", "Herne", 51.53, 7.2, 8, "esa"),
    ("d07", "Koch/Köchin", "Restaurant Beispiel", "Bahnhofstraße 12", "44623", "Herne", 51.54, 7.224, 9, None),
    ("d08", "Fachkraft für Lagerlogistik", "Beispiel Logistik", "Gahlensche Straße 150", "44809", "Bochum", 51.495, 7.18, 8, "esa"),
    ("d09", "Kaufmann/-frau für Büromanagement", "Beispiel Verwaltung GmbH", "Friedrich-Ebert-Platz 1", "44623", "Herne", 51.539, 7.226, 8, "msa"),
    ("d10", "Anlagenmechaniker/-in SHK", "Beispiel Haustechnik", "Castroper Straße 200", "44791", "Bochum", 51.495, 7.24, 8, "esa"),
    ("d11", "Pflegefachmann/-frau", "Beispiel-Klinikum", "Gudrunstraße 56", "44791", "Bochum", 51.49, 7.23, 10, "msa"),
    ("d12", "Verkäufer/-in", "Beispiel-Discount Wanne", "Hauptstraße 200", "44649", "Herne", 51.532, 7.155, 8, "esa"),
)
# fmt: on


def demo_offers(today: dt.date, occupation_of: Callable[[str], str | None]) -> list[Offer]:
    """The demo set with start dates in the next training year; occupations are matched from the titles."""
    year = today.year if today.month < 8 else today.year + 1
    return [
        Offer(
            source_id=sid,
            title=title,
            occupation_id=occupation_of(title),
            lat=lat,
            lon=lon,
            employer=employer,
            street=street,
            postcode=postcode,
            city=city,
            start_date=dt.date(year, month, 1),
            published=today,
            certificate=cert,
            contact="ausbildungswege@example.org",
        )
        for sid, title, employer, street, postcode, city, lat, lon, month, cert in _DEMO
    ]
