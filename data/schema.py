"""The instance schema as data: every table, column, type, default and range of the instance format (README.md, "Instance format").

Readers and validators consult this table; nothing about a column's meaning is hard-coded
elsewhere. `Column.default` is the value an absent or blank optional cell takes (`None` means
"no value": the column's feature is off for that row).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    ID = "id"
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    BOOL = "bool"


class Range(str, Enum):
    """Allowed interval of a numeric column (finite numbers only, always)."""

    ANY = "any finite number"
    NONNEG = "a number >= 0"
    POSITIVE = "a number > 0"
    UNIT = "a number in [0, 1]"
    UNIT_OPEN_RIGHT = "a number in [0, 1)"
    UNIT_OPEN_LEFT = "a number in (0, 1]"

    def contains(self, values):
        """Vectorised membership test on a float numpy array."""
        if self is Range.NONNEG:
            return values >= 0
        if self is Range.POSITIVE:
            return values > 0
        if self is Range.UNIT:
            return (values >= 0) & (values <= 1)
        if self is Range.UNIT_OPEN_RIGHT:
            return (values >= 0) & (values < 1)
        if self is Range.UNIT_OPEN_LEFT:
            return (values > 0) & (values <= 1)
        return values == values


REQUIRED = object()  # sentinel: the column must be present and non-blank on every row


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    default: object = None
    range: Range = Range.ANY

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _id(name, default=REQUIRED):
    return Column(name, Kind.ID, default)


def _text(name, default=""):
    return Column(name, Kind.TEXT, default)


def _num(name, rng=Range.NONNEG, default=None):
    return Column(name, Kind.NUMBER, default, rng)


def _bool(name):
    return Column(name, Kind.BOOL, False)


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "markets",
            ("market",),
            (
                _id("market"),
                _text("name"),
                _text("region"),
                _id("regime", default=None),
                _num("price_index", Range.POSITIVE, 1.0),
                _num("entry_cost", default=0.0),
                _num("max_lead_time_days", Range.POSITIVE),
                _num("target_avg_lead_time_days", Range.POSITIVE),
                _num("service_days", Range.POSITIVE),
                _num("service_share", Range.UNIT),
                _num("customs_days", default=0.0),
                _num("duty_rate", Range.UNIT, 0.0),
                _num("de_minimis_value", default=0.0),
                _num("payment_loss_rate", Range.UNIT_OPEN_RIGHT, 0.0),
                _num("mitigation_cost"),
                _num("mitigated_loss_rate", Range.UNIT_OPEN_RIGHT),
                _num("fx_cost_rate", Range.UNIT_OPEN_RIGHT, 0.0),
                _num("max_revenue_share", Range.UNIT_OPEN_LEFT),
                _num("retention", Range.UNIT_OPEN_RIGHT, 0.0),
                _bool("must_enter"),
            ),
            required=True,
        ),
        Table(
            "products",
            ("product",),
            (
                _id("product"),
                _text("name"),
                _id("category", default="general"),
                _num("unit_cost", default=REQUIRED),
                _num("base_price", default=REQUIRED),
                _num("weight_kg", Range.POSITIVE, REQUIRED),
                _num("volume_m3", Range.POSITIVE, REQUIRED),
                _num("popularity", default=1.0),
                _num("units_per_order", Range.POSITIVE, 1.0),
            ),
            required=True,
        ),
        Table(
            "product_markets",
            ("product", "market"),
            (
                _id("product"),
                _id("market"),
                _num("price"),
                _num("base_demand", default=0.0),
                _num("demand"),
                _num("min_units", default=0.0),
                _num("listing_cost", default=0.0),
                _num("duty_rate", Range.UNIT),
                _num("max_lead_time_days", Range.POSITIVE),
                _bool("banned"),
                _bool("must_offer"),
            ),
        ),
        Table(
            "duties",
            ("market", "category"),
            (_id("market"), _id("category"), _num("duty_rate", Range.UNIT, REQUIRED)),
        ),
        Table("channels", ("channel",), (_id("channel"), _text("name"))),
        Table(
            "market_channels",
            ("market", "channel"),
            (
                _id("market"),
                _id("channel"),
                _num("activation_cost", default=0.0),
                _num("reach", default=REQUIRED),
                _num("conversion", Range.UNIT, REQUIRED),
                _num("viral", Range.UNIT_OPEN_RIGHT, 0.0),
                _num("rho", default=0.0),
            ),
        ),
        Table(
            "channel_fit",
            ("channel", "category"),
            (_id("channel"), _id("category"), _num("fit", default=1.0)),
        ),
        Table(
            "regimes",
            ("regime",),
            (_id("regime"), _num("compliance_cost", default=0.0)),
        ),
        Table(
            "certifications",
            ("certification",),
            (_id("certification"), _num("cost", default=0.0)),
        ),
        Table(
            "certification_rules",
            ("market", "category", "certification"),
            (_id("market"), _id("category"), _id("certification")),
        ),
        Table(
            "warehouses",
            ("warehouse",),
            (
                _id("warehouse"),
                _text("name"),
                _text("region"),
                _num("fixed_cost", default=0.0),
                _num("capacity_m3", Range.POSITIVE),
                _num("handling_cost_per_unit", default=0.0),
                _num("processing_days", default=1.0),
                _num("cover_days", default=30.0),
                _bool("must_open"),
                _bool("forbidden"),
            ),
        ),
        Table(
            "lanes",
            ("lane",),
            (
                _id("lane", default=None),  # derived as from-to-mode when blank
                _id("from"),
                _id("to"),
                _id("mode"),
                _num("transit_days", default=REQUIRED),
                _num("cost_per_unit", default=0.0),
                _num("cost_per_kg", default=0.0),
                _num("cost_per_m3", default=0.0),
                _num("dim_factor_kg_per_m3", default=0.0),
                _num("customs_days", default=0.0),
                _num("capacity_kg", Range.POSITIVE),
            ),
            required=True,
        ),
        Table(
            "periods",
            ("period",),
            (
                _id("period"),
                Column("order", Kind.INTEGER, REQUIRED),
                _num("length_days", Range.POSITIVE, REQUIRED),
                _num("demand_multiplier", default=1.0),
            ),
        ),
        Table(
            "seasonality",
            ("market", "category", "product", "period"),
            (
                _id("market"),
                _id("category", default=None),
                _id("product", default=None),
                _id("period"),
                _num("demand_multiplier", default=REQUIRED),
            ),
        ),
        Table(
            "period_freight",
            ("mode", "period"),
            (_id("mode"), _id("period"), _num("cost_multiplier", default=REQUIRED)),
        ),
    ]
}

LANE_MODES = (
    "postal",
    "express",
    "dedicated_line",
    "air_freight",
    "sea_freight",
    "rail_freight",
    "truck",
    "courier",
)

ORIGIN = "origin"


@dataclass(frozen=True)
class Setting:
    key: str
    kind: Kind
    default: object = None
    range: Range = Range.ANY
    choices: tuple[str, ...] = ()


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in [
        Setting("name", Kind.TEXT),
        Setting("currency", Kind.TEXT, "USD"),
        Setting("objective", Kind.TEXT, "profit", choices=("profit", "cost")),
        Setting("holding_rate", Kind.NUMBER, 0.25, Range.NONNEG),
        Setting("marketing_budget", Kind.NUMBER, None, Range.NONNEG),
        Setting("compliance_budget", Kind.NUMBER, None, Range.NONNEG),
        Setting("logistics_budget", Kind.NUMBER, None, Range.NONNEG),
        Setting("max_warehouses", Kind.INTEGER, None, Range.NONNEG),
        Setting("max_markets", Kind.INTEGER, None, Range.NONNEG),
        Setting("max_payment_loss_rate", Kind.NUMBER, None, Range.UNIT),
        Setting("origin_processing_days", Kind.NUMBER, 1.0, Range.NONNEG),
        Setting("horizon_days", Kind.NUMBER, 365.0, Range.POSITIVE),
    ]
}
