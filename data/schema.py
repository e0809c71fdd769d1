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
                _num("latitude", Range.ANY),
                _num("longitude", Range.ANY),
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
                _num("conversion", Range.UNIT, None),
                _num("viral", Range.UNIT_OPEN_RIGHT, 0.0),
                _num("rho", default=0.0),
                _num("creator_pool", Range.POSITIVE, None),
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
                _num("latitude", Range.ANY),
                _num("longitude", Range.ANY),
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
            "payment_methods",
            ("market", "method"),
            (
                _id("market"),
                _id("method"),
                _text("kind"),
                _num("integration_cost", default=0.0),
                _num("share", Range.UNIT, REQUIRED),
                _num("exclusive_share", Range.UNIT, 0.0),
                _num("fee_rate", Range.UNIT_OPEN_RIGHT, 0.0),
                _num("loss_rate", Range.UNIT_OPEN_RIGHT, 0.0),
                _num("refusal_rate", Range.UNIT_OPEN_RIGHT, 0.0),
                _num("refusal_cost_per_order", default=0.0),
                _bool("must_offer"),
            ),
        ),
        Table(
            "returns",
            ("market", "category"),
            (
                _id("market"),
                _id("category"),
                _num("return_rate", Range.UNIT_OPEN_RIGHT, REQUIRED),
                _num("restock_cost"),
                _num("restock_recovery", Range.UNIT, 1.0),
                _num("origin_cost"),
                _num("origin_recovery", Range.UNIT, 1.0),
                _num("liquidate_cost", default=0.0),
                _num("liquidate_recovery", Range.UNIT, 0.0),
            ),
        ),
        Table(
            "data_transfer",
            ("regime",),
            (
                _id("regime"),
                _text("mechanism"),
                _bool("must_localise"),
                _num("transfer_cost", default=0.0),
                _num("hosting_cost"),
            ),
        ),
        Table(
            "data_obligations",
            ("regime", "obligation"),
            (
                _id("regime"),
                _id("obligation"),
                _num("buyer_threshold", default=REQUIRED),
                _num("orders_per_buyer", Range.POSITIVE, 1.0),
                _num("cost", default=REQUIRED),
            ),
        ),
        Table(
            "containers",
            ("lane",),
            (
                _id("lane"),
                _text("container"),
                _num("capacity_m3", Range.POSITIVE, REQUIRED),
                _num("capacity_kg", Range.POSITIVE, REQUIRED),
                _num("cost_per_container", default=REQUIRED),
                _num("lcl_rate_per_m3", default=REQUIRED),
            ),
        ),
        Table(
            "funnels",
            ("market", "channel"),
            (
                _id("market"),
                _id("channel"),
                _num("exposure", Range.UNIT, REQUIRED),
                _num("interest", Range.UNIT, REQUIRED),
                _num("interaction", Range.UNIT, REQUIRED),
                _num("purchase", Range.UNIT, REQUIRED),
                _num("share", Range.UNIT, 0.0),
                _num("share_reach", default=0.0),
                _num("next_period", Range.UNIT, 0.0),
            ),
        ),
        Table(
            "creators",
            ("creator",),
            (
                _id("creator"),
                _id("market"),
                _id("channel"),
                _text("tier"),
                _num("audience", Range.POSITIVE, REQUIRED),
                _num("engagement_rate", Range.UNIT, REQUIRED),
                _num("fake_share", Range.UNIT_OPEN_RIGHT, 0.0),
                _num("fee", default=0.0),
                _text("categories"),
                Column("campaigns_per_period", Kind.INTEGER, 1, Range.NONNEG),
            ),
        ),
        Table(
            "origins",
            ("origin",),
            (
                _id("origin"),
                _text("name"),
                _num("processing_days"),
                _num("cost_factor", Range.POSITIVE, 1.0),
                _num("fixed_cost", default=0.0),
                _text("categories"),
                _num("latitude", Range.ANY),
                _num("longitude", Range.ANY),
            ),
        ),
        Table(
            "origin_costs",
            ("product", "origin"),
            (
                _id("product"),
                _id("origin"),
                _num("unit_cost", default=REQUIRED),
            ),
        ),
        Table(
            "origin_duties",
            ("origin", "market", "category"),
            (
                _id("origin"),
                _id("market"),
                _id("category", default=None),
                _num("extra_duty_rate", default=0.0),
                _num("de_minimis_value"),
            ),
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

CONTAINER_MODES = ("sea_freight", "rail_freight")  # the modes that ship full containers or LCL

ORIGIN = "origin"  # the one origin of an instance without an origins table


def origin_ids(tables: dict) -> list[str]:
    """The origins lanes may start from: the origins table's ids, or the one hub 'origin'."""
    origins = tables.get("origins")
    return [ORIGIN] if origins is None or origins.empty else list(origins["origin"])


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
        Setting("origin_latitude", Kind.NUMBER, None, Range.ANY),
        Setting("origin_longitude", Kind.NUMBER, None, Range.ANY),
    ]
}

# (table, column) -> (referenced table, its key column): every id that names a row of another table
REFERENCES = [
    ("markets", "regime", "regimes", "regime"),
    ("product_markets", "product", "products", "product"),
    ("product_markets", "market", "markets", "market"),
    ("duties", "market", "markets", "market"),
    ("market_channels", "market", "markets", "market"),
    ("market_channels", "channel", "channels", "channel"),
    ("channel_fit", "channel", "channels", "channel"),
    ("certification_rules", "market", "markets", "market"),
    ("certification_rules", "certification", "certifications", "certification"),
    ("seasonality", "market", "markets", "market"),
    ("seasonality", "product", "products", "product"),
    ("seasonality", "period", "periods", "period"),
    ("period_freight", "period", "periods", "period"),
    ("payment_methods", "market", "markets", "market"),
    ("returns", "market", "markets", "market"),
    ("data_transfer", "regime", "regimes", "regime"),
    ("data_obligations", "regime", "regimes", "regime"),
    ("containers", "lane", "lanes", "lane"),
    ("funnels", "market", "markets", "market"),
    ("funnels", "channel", "channels", "channel"),
    ("creators", "market", "markets", "market"),
    ("creators", "channel", "channels", "channel"),
    ("origin_costs", "product", "products", "product"),
    ("origin_costs", "origin", "origins", "origin"),
    ("origin_duties", "origin", "origins", "origin"),
    ("origin_duties", "market", "markets", "market"),
]
# (table, column) -> the key list its values come from (grid drop-downs, template workbooks)
REFERENCES_OF = {(table, column): key for table, column, _, key in REFERENCES}
REFERENCES_OF.update({("lanes", "from"): "place", ("lanes", "to"): "place", ("duties", "category"): "category",
                      ("channel_fit", "category"): "category", ("certification_rules", "category"): "category",
                      ("seasonality", "category"): "category", ("returns", "category"): "category",
                      ("origin_duties", "category"): "category"})

SETTING_NOTES = {
    "name": "instance name (default: the file name)",
    "currency": "money unit of every cost and price (default USD)",
    "objective": "profit (maximise) or cost (fixed demand, minimise)",
    "holding_rate": "yearly inventory carrying cost as a share of unit cost (default 0.25)",
    "marketing_budget": "limit on channel activation spend (blank: none)",
    "compliance_budget": "limit on entry, regime and certification costs (blank: none)",
    "logistics_budget": "limit on transport, holding, handling and duty costs (blank: none)",
    "max_warehouses": "most warehouses open (blank: none)",
    "max_markets": "most markets entered (blank: none)",
    "max_payment_loss_rate": "portfolio expected payment loss / revenue at most this (blank: none)",
    "origin_processing_days": "days from order to hand-over at the origin (default 1)",
    "horizon_days": "days the plan covers; periods add up to it (default 365)",
    "origin_latitude": "the origin hub's latitude, for the map (default Shenzhen)",
    "origin_longitude": "the origin hub's longitude, for the map (default Shenzhen)",
}

COLUMN_NOTES = {
    ("markets", "market"): "unique key, e.g. US, DE, BR",
    ("markets", "regime"): "data-protection regime (a key of regimes)",
    ("markets", "price_index"): "multiplies a product's base price (default 1)",
    ("markets", "entry_cost"): "one-off cost to enter (registration, local entity, store set-up)",
    ("markets", "max_lead_time_days"): "delivery promise: slower lanes cannot serve the market",
    ("markets", "target_avg_lead_time_days"): "volume-weighted average lead-time target",
    ("markets", "service_days"): "with service_share: that share of units within these days",
    ("markets", "service_share"): "with service_days: at least this share of units within them",
    ("markets", "customs_days"): "clearance days added to direct parcels",
    ("markets", "duty_rate"): "default import duty rate",
    ("markets", "de_minimis_value"): "parcels priced at or below this clear duty-free",
    ("markets", "payment_loss_rate"): "expected fraud + chargeback loss per unit of revenue",
    ("markets", "mitigation_cost"): "cost of payment-risk mitigation (blank: not offered)",
    ("markets", "mitigated_loss_rate"): "loss rate under mitigation (default: payment_loss_rate)",
    ("markets", "fx_cost_rate"): "currency conversion / hedging cost per unit of revenue",
    ("markets", "max_revenue_share"): "concentration cap: most share of total revenue",
    ("markets", "retention"): "share of a period's buyers who buy again the next period",
    ("markets", "must_enter"): "the plan must enter this market",
    ("markets", "latitude"): "for the map (default: the country's centre)",
    ("markets", "longitude"): "for the map (default: the country's centre)",
    ("products", "product"): "unique key (SKU or product family)",
    ("products", "category"): "links to channel fit, duties and certifications (default general)",
    ("products", "unit_cost"): "cost landed at the origin",
    ("products", "base_price"): "selling price before the market's price index",
    ("products", "weight_kg"): "weight of one unit",
    ("products", "volume_m3"): "volume of one unit",
    ("products", "popularity"): "share of a channel's converted buyers who buy this product",
    ("products", "units_per_order"): "units in one order (default 1)",
    ("product_markets", "price"): "price in this market (default base_price x price_index)",
    ("product_markets", "base_demand"): "organic units per horizon, no channel needed",
    ("product_markets", "demand"): "fixed demand, used when objective = cost",
    ("product_markets", "min_units"): "committed volume if offered",
    ("product_markets", "listing_cost"): "localisation / listing cost of offering it here",
    ("product_markets", "duty_rate"): "duty rate of this pair (default: the market's, by category)",
    ("product_markets", "max_lead_time_days"): "delivery promise of this pair (default: the market's)",
    ("product_markets", "banned"): "not allowed in this market",
    ("product_markets", "must_offer"): "the plan must offer it",
    ("duties", "duty_rate"): "duty rate of a category in a market",
    ("market_channels", "activation_cost"): "campaign / creator / ads budget to run the channel",
    ("market_channels", "reach"): "people reached per horizon",
    ("market_channels", "conversion"): "share of reached people who buy (blank: its funnels row gives it)",
    ("market_channels", "viral"): "referral coefficient in [0, 1)",
    ("market_channels", "rho"): "word of mouth into the next period",
    ("market_channels", "creator_pool"): "people on the channel in the market whom creators can reach (needed by its creators)",
    ("channel_fit", "fit"): "how well the channel sells the category (default 1)",
    ("regimes", "compliance_cost"): "one-off cost covering every market under the regime",
    ("certifications", "cost"): "cost per certified product",
    ("warehouses", "fixed_cost"): "cost of operating it for the horizon",
    ("warehouses", "capacity_m3"): "inbound volume per horizon (blank: uncapacitated)",
    ("warehouses", "handling_cost_per_unit"): "cost per unit shipped out",
    ("warehouses", "processing_days"): "order-to-dispatch days (default 1)",
    ("warehouses", "cover_days"): "days of stock kept (default 30)",
    ("warehouses", "must_open"): "the plan must open it",
    ("warehouses", "forbidden"): "the plan may not open it",
    ("warehouses", "latitude"): "for the map (default: known warehouse ids)",
    ("warehouses", "longitude"): "for the map (default: known warehouse ids)",
    ("lanes", "lane"): "unique key (default from-to-mode)",
    ("lanes", "from"): "origin, or a warehouse",
    ("lanes", "to"): "a warehouse (linehaul) or a market (direct, last mile)",
    ("lanes", "mode"): "postal, express, dedicated_line, air/sea/rail freight, truck or courier",
    ("lanes", "transit_days"): "days in transit",
    ("lanes", "cost_per_unit"): "transport cost per unit",
    ("lanes", "cost_per_kg"): "transport cost per chargeable kg",
    ("lanes", "cost_per_m3"): "transport cost per m3",
    ("lanes", "dim_factor_kg_per_m3"): "volumetric weight factor (e.g. 167 air, 200 express)",
    ("lanes", "customs_days"): "extra clearance days on this lane",
    ("lanes", "capacity_kg"): "chargeable kg per horizon (blank: uncapacitated)",
    ("payment_methods", "method"): "a checkout option of the market, e.g. card, wallet, cod, bnpl",
    ("payment_methods", "kind"): "card, e-wallet, cash on delivery, buy-now-pay-later or bank transfer (a label)",
    ("payment_methods", "integration_cost"): "one-off cost of offering it in the market (PSP set-up, contract)",
    ("payment_methods", "share"): "share of the market's revenue paid with it when offered",
    ("payment_methods", "exclusive_share"): "share of the market's new buyers who buy only if it is offered (<= share)",
    ("payment_methods", "fee_rate"): "processing fee per unit of revenue paid with it",
    ("payment_methods", "loss_rate"): "fraud + chargeback loss per unit of revenue paid with it",
    ("payment_methods", "refusal_rate"): "cash on delivery: share of orders refused at the door",
    ("payment_methods", "refusal_cost_per_order"): "two-way shipping and handling of one refused order",
    ("payment_methods", "must_offer"): "the plan must offer it if the market is entered",
    ("returns", "category"): "the product category the row covers in the market",
    ("returns", "return_rate"): "share of the units sold that come back, refunded at their price",
    ("returns", "restock_cost"): "cost per returned unit restocked in an open local warehouse (blank: not possible)",
    ("returns", "restock_recovery"): "value of a restocked unit as a share of its unit cost (default 1)",
    ("returns", "origin_cost"): "cost per returned unit sent back to the origin (blank: not possible)",
    ("returns", "origin_recovery"): "value of a unit back at the origin as a share of its unit cost (default 1)",
    ("returns", "liquidate_cost"): "cost per returned unit sold off locally (default 0)",
    ("data_transfer", "regime"): "the data-protection regime the row covers (a key of regimes)",
    ("data_transfer", "mechanism"): "how customer data may leave its market, e.g. SCC, adequacy, consent (a label)",
    ("data_transfer", "must_localise"): "customer data must be hosted in each market (no transfer allowed)",
    ("data_transfer", "transfer_cost"): "one-off cost of the transfer mechanism, covering every market of the regime",
    ("data_transfer", "hosting_cost"): "cost of hosting one market's customer data in that market (blank: not offered)",
    ("data_obligations", "regime"): "the data-protection regime whose buyers are counted (a key of regimes)",
    ("data_obligations", "obligation"): "e.g. representative, assessment, dpo",
    ("data_obligations", "buyer_threshold"): "applies when the regime's buyers over the horizon exceed this",
    ("data_obligations", "orders_per_buyer"): "orders one buyer places over the horizon (default 1: every order a buyer)",
    ("data_obligations", "cost"): "cost of meeting the obligation for the horizon",
    ("containers", "lane"): "a sea or rail linehaul lane (origin to warehouse) that ships in full containers or LCL",
    ("containers", "container"): "the container type, e.g. 40HC (a label)",
    ("containers", "capacity_m3"): "usable volume of one container, m3",
    ("containers", "capacity_kg"): "payload of one container, kg",
    ("containers", "cost_per_container"): "freight of one full container on the lane, per shipment period",
    ("containers", "lcl_rate_per_m3"): "less-than-container-load freight per freight tonne (m3, or 1,000 kg if heavier)",
    ("funnels", "market"): "the market of the channel's funnel",
    ("funnels", "channel"): "the channel (a market_channels row whose conversion and viral the funnel gives)",
    ("funnels", "exposure"): "share of reached people who see the content",
    ("funnels", "interest"): "share of those exposed who take an interest (click, watch on)",
    ("funnels", "interaction"): "share of the interested who interact (visit the shop, add to cart)",
    ("funnels", "purchase"): "share of those interacting who buy",
    ("funnels", "share"): "share of buyers who share the product (default 0)",
    ("funnels", "share_reach"): "people one buyer's share reaches (default 0)",
    ("funnels", "next_period"): "share of the buyers shares bring who buy in the next period (word of mouth; default 0)",
    ("creators", "creator"): "a creator (influencer) the seller can book, or a tier of them",
    ("creators", "market"): "the market of the creator's audience",
    ("creators", "channel"): "the channel the creator posts on (a market_channels row with a creator_pool)",
    ("creators", "tier"): "nano, micro, macro or mega (a label)",
    ("creators", "audience"): "followers",
    ("creators", "engagement_rate"): "share of followers who engage with one campaign",
    ("creators", "fake_share"): "share of the audience that is fake or inactive",
    ("creators", "fee"): "fee per campaign",
    ("creators", "categories"): "categories the creator fits, separated by ';' (blank: every category)",
    ("creators", "campaigns_per_period"): "most campaigns the creator accepts per period (default 1)",
    ("origins", "origin"): "a place the seller sources from (for example CN or VN); lanes start there",
    ("origins", "name"): "a label, e.g. Shenzhen",
    ("origins", "processing_days"): "days from order to hand-over at the origin (blank: the origin_processing_days setting)",
    ("origins", "cost_factor"): "unit cost at this origin as a multiple of the product's unit_cost (default 1)",
    ("origins", "fixed_cost"): "cost of sourcing from the origin over the horizon (default 0: always open)",
    ("origins", "categories"): "categories the origin makes, separated by ';' (blank: every category)",
    ("origins", "latitude"): "for the map (default: known origin codes)",
    ("origins", "longitude"): "for the map (default: known origin codes)",
    ("origin_costs", "unit_cost"): "the product's unit cost at the origin (overrides unit_cost x cost_factor)",
    ("origin_duties", "category"): "the product category the row covers (blank: every category)",
    ("origin_duties", "extra_duty_rate"): "tariff on goods of this origin in the market, added to the duty rate",
    ("origin_duties", "de_minimis_value"): "the market's de-minimis threshold for parcels from this origin (0: none)",
    ("returns", "liquidate_recovery"): "what a liquidated unit fetches as a share of its unit cost (default 0: written off)",
    ("periods", "order"): "the period's place in the calendar",
    ("periods", "length_days"): "days; the periods add up to horizon_days",
    ("periods", "demand_multiplier"): "demand weight of the period (default 1)",
    ("seasonality", "demand_multiplier"): "demand weight of a market, category or product in a period",
    ("period_freight", "cost_multiplier"): "transport cost multiplier of a mode in a period",
}
