"""Origins in the independent checker (docs/model.md, "Origins"), without Pyomo.

A plan of an instance with an origins table names the origins it sources from (`origins`) and,
on each last-mile flow and stock record, the origin of its units; a direct or linehaul flow comes
from its lane's origin. Recomputed here from the tables: where each product can be made and what
it costs there, the origin's duty rules, the goods' cost above unit_cost, the fixed costs, and
row O1 (nothing leaves an origin that is not open, its linehaul included).
"""

from __future__ import annotations

from collections import defaultdict

from ..data.creators import creator_categories
from ..data.schema import ORIGIN
from .solution import as_number


def read_rules(c, tables: dict):
    """The origins, the unit costs given per origin and the origin duty rules, on the checker `c`."""
    rows = tables["origins"].to_dict("records")
    if not rows:
        rows = [{"origin": ORIGIN, "processing_days": None, "cost_factor": 1.0, "fixed_cost": 0.0, "categories": ""}]
    c.origins = {r["origin"]: r for r in rows}
    c.origin_cost_given = {(r["product"], r["origin"]): r["unit_cost"] for r in tables["origin_costs"].to_dict("records")}
    c.origin_duty_rules = {(r["origin"], r["market"], _category(r["category"])): r
                           for r in tables["origin_duties"].to_dict("records")}
    c.named_origins = bool(tables["origins"].to_dict("records"))


def _category(value):
    return None if value is None or value != value or value == "" else value


def processing_days(c, origin) -> float:
    days = c.origins[origin]["processing_days"]
    return c.settings["origin_processing_days"] if days is None or days != days else days


def cost_at(c, p, origin) -> float | None:
    """The unit cost of p at the origin, or None where the origin does not make it."""
    given = c.origin_cost_given.get((p, origin))
    if given is not None:
        return given
    row = c.origins[origin]
    made = creator_categories(row["categories"])
    if made and c.products[p]["category"] not in made:
        return None
    return c.products[p]["unit_cost"] * row["cost_factor"]


def duty_rule(c, p, mk, origin) -> tuple[float, float]:
    """(extra duty rate, de-minimis value) for p from the origin into mk: the origin_duties row
    of the category, else the one for every category, else no extra and the market's value."""
    row = (c.origin_duty_rules.get((origin, mk, c.products[p]["category"]))
           or c.origin_duty_rules.get((origin, mk, None)))
    if row is None:
        return 0.0, c.markets[mk]["de_minimis_value"]
    limit = row["de_minimis_value"]
    return row["extra_duty_rate"], c.markets[mk]["de_minimis_value"] if limit is None or limit != limit else limit


def read_plan(c, plan: dict):
    """flows by origin sourced[(p, lane, origin, period)] and the open origins; a last-mile record
    without its origin (with an origins table) or an origin that contradicts its lane is flagged."""
    c.sourced = defaultdict(float)
    for f in plan.get("flows", []):
        key = (f["product"], f["lane"])
        lane = c.lanes.get(f["lane"])
        if key not in c.flows or lane is None:
            continue
        period = f.get("period") if c.calendar.named else None
        if c.calendar.named and period not in c.calendar.length:
            continue  # flagged with the flows
        origin = _origin_of(c, f, lane)
        if origin is not None:
            c.sourced[(*key, origin, period)] += as_number(f["units"])
    listed = plan.get("origins")
    opened = list(c.origins) if listed is None and not c.named_origins else (listed or [])
    c.open_origins = c.known("origins", opened, lambda g: g in c.origins)


def _origin_of(c, record: dict, lane: dict):
    given = record.get("origin")
    if lane["from"] in c.origins:
        if given is not None and given != lane["from"]:
            c.flag("flow origin differs from its lane's", f"{record['product']}/{record['lane']}", as_number(record["units"]))
        return lane["from"]
    if given is None:
        if c.named_origins:
            c.flag("last-mile flow without its origin", f"{record['product']}/{record['lane']}", as_number(record["units"]))
            return None
        return ORIGIN
    if given not in c.origins:
        c.flag("unknown id in flows origin", str(given), 1.0)
        return None
    return given


def check_origins(c):
    """Row O1: units leave only an open origin (one without a fixed cost is always open) that
    makes the product; row 9 per origin: a warehouse sends on no more of an origin's units than
    arrive from it (one period; several periods: `stock_key` in the balance)."""
    for (p, lane_id, origin, t), units in c.sourced.items():
        if units <= 0:
            continue
        where = f"{p}/{lane_id}" + (f"/{t}" if t is not None else "")
        row = c.origins[origin]
        if row["fixed_cost"] > 0 and origin not in c.open_origins:
            c.flag("row O1 units from an origin not open", f"{where} from {origin}", units)
        if cost_at(c, p, origin) is None:
            c.flag("origin does not make the product", f"{where} from {origin}", units)


def goods_and_fixed(c) -> tuple[float, float]:
    """(what the units cost at their origins above unit_cost, the open origins' fixed costs)."""
    extra = 0.0
    for (p, lane_id, origin, _), units in c.sourced.items():
        if c.lane_kind(c.lanes[lane_id]) != "lastmile":
            cost = cost_at(c, p, origin)
            extra += (cost if cost is not None else c.products[p]["unit_cost"]) * units - c.products[p]["unit_cost"] * units
    fixed = sum(c.origins[g]["fixed_cost"] for g in c.open_origins)
    return extra, fixed


def origin_cost(c, p, origin) -> float:
    """The unit cost holding and bulk duty are charged on: the cost at the origin (unit_cost where unknown)."""
    cost = cost_at(c, p, origin)
    return c.products[p]["unit_cost"] if cost is None else cost
