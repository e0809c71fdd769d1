"""The checker's creators and funnels (docs/model.md, "Creators", rows CR1-CR2, and "Funnels"): the campaigns of the plan's
`creators` records, the distinct people they reach on the reach curve, recomputed here by
interpolation between its corners, the buyers they bring to row 5 and their fees. Each function
takes the `PlanChecker` (plan.py)."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from ..data.creators import BREAKS, creator_categories
from .solution import as_number

CORNERS = 1.0 - np.exp(-BREAKS)  # the reach curve's share of the pool at each corner


def apply_funnels(c, tables: dict):
    """A funnels row gives its channel's conversion (the product of its four stages), viral uplift
    and word of mouth: the buyers each buyer's shares bring (share x share_reach x conversion),
    split between this period and the next (next_period) (docs/model.md, "Funnels")."""
    for r in tables["funnels"].to_dict("records"):
        key = (r["market"], r["channel"])
        if key in c.market_channels:
            conversion = r["exposure"] * r["interest"] * r["interaction"] * r["purchase"]
            referred = r["share"] * r["share_reach"] * conversion
            c.market_channels[key] = {**c.market_channels[key], "conversion": conversion,
                                      "viral": (1.0 - r["next_period"]) * referred, "rho": r["next_period"] * referred}


def read_rules(c, tables: dict):
    """The creators rows by id."""
    c.creators = {r["creator"]: r for r in tables["creators"].to_dict("records")}


def read_plan(c, plan: dict):
    """Campaigns per (creator, period); an unknown creator or period is flagged and left out."""
    c.campaigns = defaultdict(float)
    for record in plan.get("creators", []):
        if record.get("creator") not in c.creators:
            c.flag("unknown id in creators", str(record.get("creator")), 1.0)
            continue
        period = c._period_of(record, "creators")
        if period is not False:
            c.campaigns[(record["creator"], period)] += as_number(record["campaigns"])


def check_creators(c):
    """Campaigns are whole numbers in [0, campaigns_per_period]; row CR1: a creator is booked
    only in a period its channel runs in its market (in profit mode; fixed demand books none)."""
    for (k, t), count in c.campaigns.items():
        name, rule = k + (f"/{t}" if t is not None else ""), c.creators[k]
        if count < 0 or abs(count - round(count)) > 1e-6:
            c.flag("creator campaigns must be a whole number >= 0", name, abs(count - round(count)) or -count)
        c.leq("creator campaigns within campaigns_per_period", name, count, rule["campaigns_per_period"])
        if count > 1e-6 and (c.cost_mode or (rule["market"], rule["channel"], t) not in c.active):
            c.flag("row CR1 creator booked without its channel running", name, count)


def fits(rule: dict, category) -> bool:
    named = creator_categories(rule["categories"])
    return not named or category in named


def distinct_people(booked: float, pool: float) -> float:
    """The reach curve: the distinct people of `pool` reached by `booked` people in all,
    interpolated between its corners and flat after the last."""
    return pool * float(np.interp(booked / pool, BREAKS, CORNERS))


def creator_buyers(c, p, mk, t, campaigns=None) -> float:
    """The units of p the creators of market mk bring in period t: for each channel, the distinct
    people its creators who fit p's category reach, times the channel's buyers per person
    (conversion * fit * popularity * units_per_order / (1 - viral)), times the period's demand
    intensity (its demand share over its length share). `campaigns`: a function (creator, t) ->
    campaigns, the plan's by default."""
    count = campaigns or (lambda k, period: c.campaigns.get((k, period), 0.0))
    category = c.products[p]["category"]
    booked = defaultdict(float)
    for k, rule in c.creators.items():
        if rule["market"] == mk and fits(rule, category):
            booked[rule["channel"]] += (rule["audience"] * rule["engagement_rate"] * (1.0 - rule["fake_share"])
                                        * count(k, t))
    if not booked:
        return 0.0
    intensity = c.demand_share(p, mk, t) / c.calendar.share(t)
    units = 0.0
    for ch, people in booked.items():
        units += _per_person(c, p, mk, ch) * distinct_people(people, c.market_channels[(mk, ch)]["creator_pool"])
    return units * intensity


def _per_person(c, p, mk, ch) -> float:
    """Units of p that one distinct person reached on channel ch of market mk buys."""
    mc, prod = c.market_channels[(mk, ch)], c.products[p]
    return (mc["conversion"] * c.fit.get((ch, prod["category"]), 1.0) * prod["popularity"] * prod["units_per_order"]
            / (1.0 - mc["viral"]))


def most_creator_buyers(c, p, mk, t) -> float:
    """creator_buyers with every campaign booked (the creators' part of U)."""
    return creator_buyers(c, p, mk, t, lambda k, period: c.creators[k]["campaigns_per_period"])


def creator_fees(c) -> float:
    """fee per campaign booked."""
    return math.fsum(c.creators[k]["fee"] * count for (k, _), count in c.campaigns.items())
