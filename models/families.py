"""The planner-facing constraint families: which setting each row family implements, its unit,
and how its rows read in the planner's words (explanations and marginal values).

Each row of these families carries a key (`LinearRows.row_keys`: the warehouse, lane, market or
product@market it is about). Families not listed here are structural (balances, links) and are
never relaxed or priced.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import pandas as pd


@dataclass(frozen=True)
class Family:
    name: str  # the LinearRows component
    setting: str  # the instance field a planner changes
    unit: str  # unit of the row's right-hand side; "{cur}" is the instance currency
    shortfall: str  # elastic: what had to give, with {key} and {amount}
    worth: str  # marginal value of one more unit of the setting, with {key}
    room: str = "{amount} unused"  # the slack of a limit that does not bind, with {amount}
    priced_by: str = "re-solve with the setting changed (xborder scenarios) to price it"
    per_market_volume: bool = False  # rows in unit-days or units of a market: reported per day / per point

    def unit_text(self, currency: str) -> str:
        return self.unit.replace("{cur}", currency)


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in [
        Family("marketing_budget", "settings.marketing_budget", "{cur}",
               "the marketing budget is {amount} short", "one more {unit} of marketing budget",
               priced_by="xborder tradeoff --vs marketing prices it by re-solving"),
        Family("compliance_budget", "settings.compliance_budget", "{cur}",
               "the compliance budget is {amount} short", "one more {unit} of compliance budget"),
        Family("logistics_budget", "settings.logistics_budget", "{cur}",
               "the logistics budget is {amount} short", "one more {unit} of logistics budget"),
        Family("max_warehouses", "settings.max_warehouses", "warehouse(s)",
               "max_warehouses must be raised by {amount}", "one more warehouse allowed",
               "{amount} more could open", priced_by="xborder tradeoff --vs warehouses prices it by re-solving"),
        Family("max_markets", "settings.max_markets", "market(s)",
               "max_markets must be raised by {amount}", "one more market allowed", "{amount} more could be entered"),
        Family("payment_risk_cap", "settings.max_payment_loss_rate", "{cur}",
               "the expected payment loss is {amount} over max_payment_loss_rate",
               "one more {unit} of tolerated payment loss",
               "the expected payment loss is {amount} below what max_payment_loss_rate allows"),
        Family("revenue_concentration", "markets.max_revenue_share", "{cur}",
               "market {key} needs {amount} more revenue than its max_revenue_share allows",
               "one more {unit} of revenue allowed in {key}", "{amount} more revenue allowed"),
        Family("average_service", "markets.target_avg_lead_time_days", "days",
               "market {key}'s average lead time is {amount} over target_avg_lead_time_days",
               "one more day of average lead time allowed in {key}", "the average lead time is {amount} under target",
               per_market_volume=True),
        Family("service_level", "markets.service_share", "percentage points",
               "market {key} is {amount} short of its service_share within service_days",
               "one percentage point less service_share in {key}", "{amount} above the service share",
               per_market_volume=True),
        Family("warehouse_capacity", "warehouses.capacity_m3", "m3",
               "warehouse {key} needs {amount} more", "one more m3 at {key}"),
        Family("lane_capacity", "lanes.capacity_kg", "kg",
               "lane {key} needs {amount} more capacity", "one more kg of capacity on lane {key}"),
        Family("committed_volume", "product_markets.min_units", "units",
               "the committed volume of {key} is {amount} more than can be sold",
               "one unit less committed volume of {key}", "{amount} sold above the committed volume"),
    ]
}
PER_PERIOD = ("warehouse_capacity", "lane_capacity")  # multi-period plans: one row per period (`_per_period`)

FORCED = {  # fixed decision columns (row 4) -> (setting, what breaking it means)
    "e": ("markets.must_enter", "market {key} cannot be entered as must_enter requires"),
    "y": ("warehouses.must_open", "warehouse {key} cannot be opened as must_open requires"),
    "z": ("product_markets.must_offer", "{key} cannot be offered as must_offer requires"),
}


MARGINAL_COLUMNS = ["setting", "family", "key", "unit", "slack", "value_per_unit", "note"]
BINDING = 1e-6  # relative: a slack this small is a binding limit
NO_DUAL = ("it limits integer decisions only (with the plan's decisions fixed it is a constant), so it has no "
           "LP dual; {priced_by}")


def market_volume(plan: dict) -> dict:
    volume = defaultdict(float)
    for offer in plan["portfolio"]:
        volume[offer["market"]] += offer["units"]
    return volume


def in_setting_units(family: Family, key: str, amount: float, volume: dict) -> float:
    """A row quantity in its setting's unit: unit-days of a market become days of average lead
    time, units of a service level become percentage points of the market's volume."""
    if not family.per_market_volume:
        return amount
    units = volume.get(key, 0.0)
    if units <= 0:
        return 0.0
    return amount / units if family.name == "average_service" else 100.0 * amount / units


def _per_period(rows, shares: dict) -> list:
    """Rows of a per-period limit (key `<id>/<period>`: warehouse and lane capacity of a
    multi-period plan, each period holding its share of the horizon's capacity) as one row per
    id in the setting's unit: one more unit of the setting adds share_t to every period's limit,
    so it is worth sum_t share_t value_t, and the room is min_t slack_t / share_t."""
    grouped, order = defaultdict(list), []
    for r in rows:
        base, _, period = r.key.rpartition("/")
        if r.family in PER_PERIOD and base and period in shares:
            if (r.family, base) not in grouped:
                order.append((r.family, base))
            grouped[(r.family, base)].append((r, shares[period]))
        else:
            order.append(r)
    out = []
    for item in order:
        if not isinstance(item, tuple):
            out.append(item)
            continue
        parts = grouped[item]
        first = parts[0][0]
        slack = min(_slack(r) / share for r, share in parts if share > 0)
        # a period whose row holds integer decisions only (nothing can arrive then) adds nothing
        value = None if all(r.value is None for r, _ in parts) else sum(share * (r.value or 0.0) for r, share in parts)
        out.append(replace(first, key=item[1], activity=first.limit - slack if first.upper else first.limit + slack,
                           value=value))
    return out


def _slack(r) -> float:
    return max((r.limit - r.activity) if r.upper else (r.activity - r.limit), 0.0)


def _note(family: Family, slack: float, limit: float, value) -> str:
    """Why a limit has no value, or a binding one is worth nothing."""
    if value is None:
        return NO_DUAL.format(priced_by=family.priced_by)
    if value <= 1e-9 and slack <= BINDING * max(1.0, abs(limit)):
        return ("binding, but one more unit is worth nothing with this plan's decisions fixed (another limit, or an "
                "integer decision, holds the plan there)")
    return ""


def marginal_table(rows, plan: dict, capacitated: set, shares: dict | None = None) -> pd.DataFrame:
    """One row per priced limit: its setting, key, unit, slack (unused room, in the setting's
    unit), value of one more unit (None where the row holds integer decisions only) and a note
    saying why a value is missing or zero. Only warehouses that are open and have a capacity
    (`capacitated`) are listed. With `shares` (period -> share of the horizon), the per-period
    rows of a multi-period plan are gathered per warehouse and lane (`_per_period`)."""
    volume = market_volume(plan)
    records = []
    for r in _per_period(rows, shares or {}):
        family = FAMILIES[r.family]
        if r.family == "warehouse_capacity" and (r.key not in plan["warehouses"] or r.key not in capacitated):
            continue
        slack = in_setting_units(family, r.key, _slack(r), volume)
        value = r.value
        if value is not None and family.per_market_volume:
            units = volume.get(r.key, 0.0)
            value = value * units if family.name == "average_service" else value * units / 100.0
        records.append({"setting": family.setting, "family": r.family, "key": r.key, "unit": family.unit,
                        "slack": slack, "value_per_unit": value, "note": _note(family, _slack(r), r.limit, value)})
    return pd.DataFrame.from_records(records, columns=MARGINAL_COLUMNS)
