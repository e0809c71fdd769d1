"""Where the map draws things (data/places.py): a row's own coordinates first, then its country's
centre or a known warehouse code, else nowhere; the origin from the settings, else Shenzhen."""

from __future__ import annotations

import math

from xborder.data.places import COUNTRIES, ORIGIN_DEFAULT, WAREHOUSES, origin_of, place_of


def test_own_coordinates_win():
    assert place_of("US", 10.5, -20.25) == (10.5, -20.25)


def test_country_centre_and_known_warehouse():
    assert place_of("us") == COUNTRIES["US"] and place_of("UK") == COUNTRIES["GB"]
    assert place_of("LAX", known=WAREHOUSES) == WAREHOUSES["LAX"]


def test_unknown_or_half_given_is_nowhere_or_the_lookup():
    assert place_of("ZZ") is None
    assert place_of("DE", float("nan"), 3.0) == COUNTRIES["DE"]  # one coordinate is not a place
    assert place_of("W1", None, None, WAREHOUSES) is None


def test_origin():
    assert origin_of({}) == ORIGIN_DEFAULT
    assert origin_of({"origin_latitude": 31.2, "origin_longitude": 121.5}) == (31.2, 121.5)
    assert origin_of({"origin_latitude": 31.2, "origin_longitude": math.nan}) == ORIGIN_DEFAULT
