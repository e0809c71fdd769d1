"""The checker's data-transfer and localisation rows (docs/model.md, "Data transfer and
localisation", rows D1-D2) and their cost, recomputed from the `data_transfer` and
`data_obligations` tables and the plan's `data_transfers`, `data_hosting` and `data_obligations`.
Each function takes the `PlanChecker` (plan.py)."""

from __future__ import annotations

import math
from collections import defaultdict

from .solution import as_number


def read_rules(c, tables: dict):
    """The data_transfer rows by regime and the data_obligations rows by (regime, obligation)."""
    c.data_rules = {r["regime"]: r for r in tables["data_transfer"].to_dict("records")}
    c.data_duties = {(r["regime"], r["obligation"]): r for r in tables["data_obligations"].to_dict("records")}


def read_plan(c, plan: dict):
    """The plan's transfer mechanisms (regimes), locally hosted markets and met obligations;
    unknown ids are flagged and left out."""
    c.DT = c.known("data_transfers", plan.get("data_transfers", []), lambda g: g in c.data_rules)
    c.DH = c.known("data_hosting", plan.get("data_hosting", []), lambda mk: mk in c.markets)
    reported = {(r["regime"], r["obligation"]): r for r in plan.get("data_obligations", [])}
    met = c.known("data_obligations", reported, lambda key: key in c.data_duties)
    c.DW = {key: reported[key] for key in met}


def hosting_cost(c, mk) -> float | None:
    """The hosting_cost of market mk's regime, None where its regime offers no local hosting."""
    rule = c.data_rules.get(c.markets[mk].get("regime"))
    cost = None if rule is None else rule["hosting_cost"]
    return None if cost is None or (isinstance(cost, float) and math.isnan(cost)) else cost


def regime_orders(c) -> dict:
    """Orders over the horizon per regime: sum over its markets' sales of q / units_per_order."""
    orders = defaultdict(float)
    for (p, mk), q in c.Z.items():
        regime = c.markets[mk].get("regime")
        if regime is not None:
            orders[regime] += q / c.products[p]["units_per_order"]
    return orders


def check_data_rules(c):
    """Row D1: each entered market under a regime with a data_transfer row sends its data out
    under the regime's mechanism (not where it must localise) or hosts it locally (where a
    hosting_cost is given). Row D2: an obligation whose threshold the regime's buyers exceed is met."""
    for g in c.DT:
        if c.data_rules[g]["must_localise"]:
            c.flag("row D1 transfer where the regime must localise", g, 1.0)
    for mk in c.DH:
        if hosting_cost(c, mk) is None:
            c.flag("row D1 local hosting not offered", mk, 1.0)
    for mk in c.E:
        regime = c.markets[mk].get("regime")
        if regime in c.data_rules and regime not in c.DT and mk not in c.DH:
            c.flag("row D1 customer data without transfer or local hosting", f"{mk}/{regime}", 1.0)
    orders = regime_orders(c)
    for key, duty in c.data_duties.items():
        buyers = orders.get(key[0], 0.0) / duty["orders_per_buyer"]
        if key not in c.DW:
            c.leq("row D2 obligation applies", "/".join(key), buyers, duty["buyer_threshold"])
        elif "buyers" in c.DW[key]:
            c.eq("row D2 buyers reported", "/".join(key), as_number(c.DW[key]["buyers"]), buyers)


def data_cost(c) -> float:
    """transfer_cost of each mechanism used + hosting_cost of each hosting market + cost of each obligation met."""
    hosting = sum(hosting_cost(c, mk) or 0.0 for mk in c.DH)
    return (sum(c.data_rules[g]["transfer_cost"] for g in c.DT) + hosting
            + sum(c.data_duties[key]["cost"] for key in c.DW))
