"""The checker's own period axis, recomputed from the instance tables (it shares no code with
data/seasons.py or models/axis.py, on purpose).

Without a `periods` table the calendar has one period, `None`, the whole horizon: every share is
1, every shipment arrives in the period it is sent, there is no period before it. With one, the
periods are in their `order`; a pair (p, m) sells in period t the share
`length_t * multiplier[p,m,t] / sum_t' length_t' * multiplier[p,m,t']` of its horizon demand
(the seasonality row for the product, else its category, else the market, else the period's own
multiplier); a linehaul shipment sent at the start of t arrives in the period holding day
`start_t + transit_days`, or never past the horizon.
"""

from __future__ import annotations

import math

NEVER = "past the horizon"  # the arrival of a shipment that would land after the last period


def _given(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


class Calendar:
    def __init__(self, tables: dict, settings: dict):
        periods = sorted(tables["periods"].to_dict("records"), key=lambda r: r["order"])
        self.named = bool(periods)
        self.horizon = settings["horizon_days"]
        self.names = [p["period"] for p in periods] or [None]
        self.length = {p["period"]: p["length_days"] for p in periods} or {None: self.horizon}
        self.start, day = {}, 0.0
        for name in self.names:
            self.start[name] = day
            day += self.length[name]
        self.default_multiplier = {p["period"]: p["demand_multiplier"] for p in periods} or {None: 1.0}
        self.season = {}
        for r in tables["seasonality"].to_dict("records"):
            level = (("product", r["product"]) if _given(r["product"]) else ("category", r["category"])
                     if _given(r["category"]) else ("market", None))
            self.season[(r["market"], *level, r["period"])] = r["demand_multiplier"]
        self.freight_multiplier = {(r["mode"], r["period"]): r["cost_multiplier"] for r in tables["period_freight"].to_dict("records")}

    @property
    def many(self) -> bool:
        return len(self.names) > 1

    def share(self, period) -> float:
        """The period's share of the horizon: of yearly costs and capacities."""
        return self.length[period] / self.horizon if self.named else 1.0

    def multiplier(self, p, category, mk, period) -> float:
        for key in ((mk, "product", p, period), (mk, "category", category, period), (mk, "market", None, period)):
            if key in self.season:
                return self.season[key]
        return self.default_multiplier[period]

    def demand_share(self, p, category, mk, period) -> float:
        """The pair's share of its horizon demand in the period (1 without periods)."""
        if not self.named:
            return 1.0
        weights = {t: self.length[t] * self.multiplier(p, category, mk, t) for t in self.names}
        total = sum(weights.values())
        return weights[period] / total if total > 0 else 0.0

    def freight(self, mode, period) -> float:
        return self.freight_multiplier.get((mode, period), 1.0)

    def arrival(self, transit_days: float, period):
        """The period a linehaul shipment sent at the start of `period` arrives in, NEVER past the
        horizon; with one period, that period."""
        if not self.many:
            return period
        day = self.start[period] + transit_days
        for t in self.names:
            if self.start[t] <= day < self.start[t] + self.length[t]:
                return t
        return NEVER

    def previous(self, period):
        i = self.names.index(period)
        return self.names[i - 1] if i > 0 else None

    def after(self, period):
        i = self.names.index(period)
        return self.names[i + 1] if i + 1 < len(self.names) else None
