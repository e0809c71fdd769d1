"""The checker's rows that carry the period axis (docs/model.md, rows 5-11 and "Periods"): sales
within demand per period, market and warehouse balances per period, warehouse and lane capacity
per period. Each function takes the `PlanChecker` (plan.py) and adds its violations; with one
period (no `periods` table) each is exactly the one-period row.

A multi-period plan's rows are named with "(period)" where the one-period row has the same name,
and indexed `<key>/<period>`.
"""

from __future__ import annotations

import math
from collections import defaultdict

from . import creators
from .calendar import NEVER


def where(c, key: str, period) -> str:
    """A row's index: the key, and its period when the calendar has periods."""
    return f"{key}/{period}" if c.calendar.named else key


def check_sales(c):
    """Rows 5_t, 6 and 7 (profit mode): sales per period within organic, active-channel and
    carried-over demand; with one period, within U too; committed volume over the horizon. Cost
    mode: each period's sales are the fixed demand's share."""
    tag = " (period)" if c.calendar.named else ""
    if c.cost_mode:
        if c.calendar.named:
            for (p, mk) in c.Z:
                for t in c.calendar.names:
                    c.eq("cost mode: q = demand share", where(c, f"{p}@{mk}", t), c.q[(p, mk, t)],
                         c.pm(p, mk, "demand", 0.0) * c.demand_share(p, mk, t))
        return
    for (p, mk), total in c.Z.items():
        for t in c.calendar.names:
            c.leq(f"row 5 demand from channels{tag}", where(c, f"{p}@{mk}", t), c.q[(p, mk, t)], unlocked(c, p, mk, t))
        if not c.calendar.named:
            c.leq("row 6 q <= U z", f"{p}@{mk}", total, c.upper(p, mk))
        c.leq("row 7 committed volume", f"{p}@{mk}", c.pm(p, mk, "min_units", 0.0), total)


def unlocked(c, p, mk, t) -> float:
    """Row 5_t's right side: the organic and active channels' demand of the period, less the
    exclusive buyers of the payment methods not offered (row P2), the buyers the booked creators
    bring (creators.py), and what the period before carries over (word of mouth of its channel
    sales, repeat buyers)."""
    w = c.demand_share(p, mk, t)
    demand = c.pm(p, mk, "base_demand", 0.0) * w + sum(c.potential(p, mk, ch) * w for ch in c.channels_of(mk)
                                                       if (mk, ch, t) in c.active)
    demand *= c.availability(mk)
    demand += creators.creator_buyers(c, p, mk, t)
    before = c.calendar.previous(t)
    if before is not None:
        demand += carried(c, p, mk, before) + c.markets[mk]["retention"] * c.q[(p, mk, before)]
    return demand


def carried(c, p, mk, period) -> float:
    """The most word of mouth a period's sales can carry: its sales attributed to the active
    channels with the highest rho first, each up to that channel's potential in the period."""
    left = c.q[(p, mk, period)]
    w = c.demand_share(p, mk, period)
    options = sorted(((c.market_channels[(mk, ch)]["rho"], c.potential(p, mk, ch) * w) for ch in c.channels_of(mk)
                      if (mk, ch, period) in c.active), reverse=True)
    carry = 0.0
    for rho, cap in options:
        take = min(cap, left)
        carry += rho * take
        left -= take
    return carry


def horizon_bound(c, p, mk) -> float:
    """The horizon bound on sales of (p, m) with every channel running: the sum over the periods
    of row 5_t's bound, carry-over included (RevMax of row 18 uses it)."""
    base = c.pm(p, mk, "base_demand", 0.0)
    channels = c.channels_of(mk)
    total, before, before_carry = 0.0, 0.0, 0.0
    for i, t in enumerate(c.calendar.names):
        w = c.demand_share(p, mk, t)
        bound = (base + sum(c.potential(p, mk, ch) for ch in channels)) * w + creators.most_creator_buyers(c, p, mk, t)
        if i > 0:
            bound += before_carry + c.markets[mk]["retention"] * before
        before = bound
        before_carry = sum(c.market_channels[(mk, ch)]["rho"] * c.potential(p, mk, ch) * w for ch in channels)
        total += bound
    return total


def check_balances(c):
    """Rows 8_t and 9_t: the flows into a market in a period are its sales then; per product and
    warehouse, stock carried in plus arrivals = last-mile flows plus stock carried out (one
    period: linehaul in = last mile out); no linehaul arriving after the horizon. Under single
    sourcing, one lane per product-market."""
    named = c.calendar.named
    into, out, arrive = defaultdict(float), defaultdict(float), defaultdict(float)
    for (p, lane_id, origin, t), units in c.sourced.items():
        lane = c.lanes[lane_id]
        kind = c.lane_kind(lane)
        if kind == "linehaul":
            when = c.calendar.arrival(lane["transit_days"], t)
            if when is NEVER:
                c.flag("row 9 linehaul arriving after the horizon", f"{p}/{lane_id}/{t}", units)
                continue
            arrive[(p, lane["to"], origin, when)] += units
        else:
            into[(p, lane["to"], t)] += units
            if kind == "lastmile":
                out[(p, lane["from"], origin, t)] += units
    c.arrivals = defaultdict(float)
    for (p, w, _, t), units in arrive.items():
        c.arrivals[(p, w, t)] += units
    for (p, mk) in set(c.Z) | {(p, mk) for (p, mk, _) in into}:
        for t in c.calendar.names:
            c.eq("row 8 market balance" + (" (period)" if named else ""), where(c, f"{p}@{mk}", t),
                 into.get((p, mk, t), 0.0), c.q[(p, mk, t)])
    family = "row 9 stock balance" if named else "row 9 warehouse balance"
    stock = c.stock_by_origin
    for p, w, g in {key[:3] for key in set(arrive) | set(out) | set(stock)}:
        label = f"{p}@{w}" + (f" from {g}" if c.named_origins else "")
        for t in c.calendar.names:
            before = c.calendar.previous(t)
            carried_in = stock[(p, w, g, before)] if before is not None else 0.0
            c.eq(family, where(c, label, t), carried_in + arrive.get((p, w, g, t), 0.0),
                 out.get((p, w, g, t), 0.0) + stock[(p, w, g, t)])
    if c.single_sourcing:
        _check_single_sourcing(c)


def _check_single_sourcing(c):
    lanes_of_pair = defaultdict(int)
    for (p, lane_id), units in c.flows.items():
        lane = c.lanes.get(lane_id)
        if units > 0 and lane is not None and c.lane_kind(lane) != "linehaul":
            lanes_of_pair[(p, lane["to"])] += 1
    for key, count in lanes_of_pair.items():
        if count > 1:
            c.flag("single sourcing: one lane per product-market", "@".join(key), count - 1)


def check_capacities(c):
    """Rows 10_t and 11_t: the volume of a warehouse's stock carried in plus arrivals plus returns
    restocked (row RT3), and a lane's
    chargeable kg, within each period's share of the capacity (one period: inbound volume and
    kg against the capacity). Records each open warehouse's utilisation (inbound m3 over the
    horizon / capacity), its use in each period (stock carried in plus arrivals over the period's
    share of the capacity) and, with several periods, its peak period."""
    tag = " (period)" if c.calendar.named else ""
    c.utilisation, c.peak_utilisation, c.utilisation_by_period = {}, {}, {}
    inbound = defaultdict(float)
    for (p, w, _), units in c.arrivals.items():
        inbound[w] += c.products[p]["volume_m3"] * units
    restocked = defaultdict(float)  # (warehouse, period) -> m3 of returns restocked there (row RT3)
    for (p, _, w, t), units in c.restocked.items():
        restocked[(w, t)] += c.products[p]["volume_m3"] * units
        inbound[w] += c.products[p]["volume_m3"] * units
    for w in c.Y:
        cap = c.warehouses.get(w, {}).get("capacity_m3")
        if cap is None or math.isnan(cap):
            c.utilisation[w] = None
            continue
        c.utilisation[w] = inbound.get(w, 0.0) / cap
        for t in c.calendar.names:
            before = c.calendar.previous(t)
            volume = sum(prod["volume_m3"] * ((c.stock[(p, w, before)] if before is not None else 0.0)
                                             + c.arrivals.get((p, w, t), 0.0)) for p, prod in c.products.items())
            volume += restocked.get((w, t), 0.0)
            limit = cap * c.calendar.share(t)
            c.leq(f"row 10 warehouse capacity{tag}", where(c, w, t), volume, limit)
            c.utilisation_by_period.setdefault(w, {})[t] = volume / limit
            if c.calendar.many and (w not in c.peak_utilisation or volume / limit > c.peak_utilisation[w][0]):
                c.peak_utilisation[w] = (volume / limit, t)
    kg = defaultdict(float)
    for (p, lane_id, t), units in c.flow_t.items():
        kg[(lane_id, t)] += c.chargeable_kg(p, c.lanes[lane_id]) * units
    for (lane_id, t), used in kg.items():
        cap = c.lanes[lane_id]["capacity_kg"]
        if cap is not None and not math.isnan(cap):
            c.leq(f"row 11 lane capacity{tag}", where(c, lane_id, t), used, cap * c.calendar.share(t))
