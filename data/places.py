"""Where the places of an instance are, for the map: a market's or warehouse's `latitude` and
`longitude` columns when given, else the centre of the country its code names (ISO 3166 alpha-2,
`UK` for the United Kingdom) or the city of a known warehouse code (the catalogue's, mostly IATA
airport codes), else nowhere (the map lists it beside). The one origin of an instance without an
origins table is `settings.origin_latitude` and `origin_longitude`, by default Shenzhen; the
origins of an origins table are placed like warehouses, from their own columns or a known code.
"""

from __future__ import annotations

import math

ORIGIN_DEFAULT = (22.54, 114.06)  # Shenzhen

COUNTRIES = {
    "US": (39.8, -98.6), "CA": (56.1, -106.3), "MX": (23.6, -102.6), "BR": (-14.2, -51.9), "AR": (-38.4, -63.6),
    "CL": (-35.7, -71.5), "CO": (4.6, -74.3), "PE": (-9.2, -75.0), "UK": (54.0, -2.5), "GB": (54.0, -2.5),
    "IE": (53.4, -8.2), "DE": (51.2, 10.5), "FR": (46.6, 2.2), "IT": (42.8, 12.5), "ES": (40.5, -3.7),
    "PT": (39.4, -8.2), "NL": (52.1, 5.3), "BE": (50.5, 4.5), "CH": (46.8, 8.2), "AT": (47.5, 14.6),
    "PL": (51.9, 19.1), "CZ": (49.8, 15.5), "SE": (60.1, 18.6), "NO": (60.5, 8.5), "DK": (56.3, 9.5),
    "FI": (61.9, 25.7), "GR": (39.1, 21.8), "RO": (45.9, 24.97), "HU": (47.2, 19.5), "TR": (38.96, 35.2),
    "RU": (61.5, 105.3), "UA": (48.4, 31.2), "JP": (36.2, 138.3), "KR": (35.9, 127.8), "CN": (35.9, 104.2),
    "HK": (22.3, 114.2), "TW": (23.7, 121.0), "IN": (20.6, 79.0), "PK": (30.4, 69.3), "BD": (23.7, 90.4),
    "ID": (-0.8, 113.9), "TH": (15.9, 101.0), "VN": (14.1, 108.3), "MY": (4.2, 102.0), "SG": (1.35, 103.8),
    "PH": (12.9, 121.8), "AU": (-25.3, 133.8), "NZ": (-40.9, 174.9), "SA": (23.9, 45.1), "AE": (23.4, 53.8),
    "QA": (25.4, 51.2), "KW": (29.3, 47.5), "IL": (31.0, 34.9), "EG": (26.8, 30.8), "MA": (31.8, -7.1),
    "NG": (9.1, 8.7), "KE": (-0.02, 37.9), "ZA": (-30.6, 22.9),
}

WAREHOUSES = {
    "LAX": (33.94, -118.41), "EWR": (40.69, -74.17), "YYZ": (43.68, -79.63), "MEX": (19.44, -99.07),
    "SAO": (-23.55, -46.63), "DUS": (51.29, 6.77), "BHX": (52.45, -1.75), "WAW": (52.17, 20.97),
    "MAD": (40.47, -3.56), "TYO": (35.55, 139.78), "ICN": (37.46, 126.44), "BKK": (13.69, 100.75),
    "SIN": (1.36, 103.99), "DXB": (25.25, 55.36), "SYD": (-33.94, 151.18),
}

ORIGINS = {  # sourcing hubs by airport or port code
    "SZX": (22.54, 114.06), "CAN": (23.13, 113.26), "HKG": (22.31, 113.91), "XMN": (24.48, 118.09),
    "SHA": (31.23, 121.47), "NGB": (29.87, 121.54), "YIW": (29.31, 120.08), "SGN": (10.82, 106.63),
    "HAN": (21.03, 105.85), "DAC": (23.81, 90.41), "BOM": (19.08, 72.88), "DEL": (28.61, 77.21),
    "IST": (41.01, 28.98), "KUL": (3.14, 101.69), "CGK": (-6.2, 106.85),
}


def _given(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def place_of(key: str, latitude=None, longitude=None, known: dict = COUNTRIES) -> tuple[float, float] | None:
    """(latitude, longitude) of a market or warehouse: its own columns, else the lookup table."""
    if _given(latitude) and _given(longitude):
        return float(latitude), float(longitude)
    return known.get(str(key).upper())


def origin_of(settings: dict) -> tuple[float, float]:
    lat, lon = settings.get("origin_latitude"), settings.get("origin_longitude")
    return (float(lat), float(lon)) if _given(lat) and _given(lon) else ORIGIN_DEFAULT
