"""The independent checker's rows of a multi-period plan (docs/model.md, "Periods").

Like plan.py it works from the instance tables and the plan only, with plain dictionaries, and
shares no code with the model or the derived data (data/seasons.py): the period shares, arrival
periods and carry-over bounds are recomputed here in their own way. Horizon rows (entry links,
promises, service, budgets, payment risk) are the one-period checker's, on the plan's totals.
"""

from __future__ import annotations

import math
from collections import defaultdict

from .plan import REL_TOL, PlanChecker, given
from .solution import as_number


class PeriodPlanChecker(PlanChecker):
    def __init__(self, instance, plan: dict, single_sourcing: bool = False):
        super().__init__(instance, plan, single_sourcing)
        t = instance.tables
        periods = sorted(t["periods"].drop(columns="_row").to_dict("records"), key=lambda r: r["order"])
        self.period_names = [p["period"] for p in periods]
        self.length = {p["period"]: p["length_days"] for p in periods}
        self.horizon = self.settings["horizon_days"]
        self.start, day = {}, 0.0
        for p in periods:
            self.start[p["period"]] = day
            day += p["length_days"]
        self.default_mult = {p["period"]: p["demand_multiplier"] for p in periods}
        self.season = {}
        for r in t["seasonality"].drop(columns="_row").to_dict("records"):
            level = ("product", r["product"]) if given(r["product"]) else ("category", r["category"]) if given(r["category"]) else ("market", None)
            self.season[(r["market"], *level, r["period"])] = r["demand_multiplier"]
        self.freight = {(r["mode"], r["period"]): r["cost_multiplier"] for r in t["period_freight"].to_dict("records")}
        self._read_periods(plan)

    # ---- the plan per period ---------------------------------------------------------------------

    def _period_of(self, record: dict, what: str):
        period = record.get("period")
        if period not in self.length:
            self.flag(f"{what} without a known period", str(period), 1.0)
            return None
        return period

    def _read_periods(self, plan: dict):
        self.q = defaultdict(float)  # (p, m, t)
        for o in plan.get("portfolio", []):
            period = self._period_of(o, "portfolio")
            if period is not None and (o["product"], o["market"]) in self.Z:
                self.q[(o["product"], o["market"], period)] += as_number(o["units"])
        self.active = set()  # (m, c, t)
        for c in plan.get("channels", []):
            period = self._period_of(c, "channels")
            if period is not None:
                self.active.add((c["market"], c["channel"], period))
        self.flow_t = defaultdict(float)  # (p, lane, t)
        for f in plan.get("flows", []):
            period = self._period_of(f, "flows")
            if period is not None and (f["product"], f["lane"]) in self.flows:
                self.flow_t[(f["product"], f["lane"], period)] += as_number(f["units"])
        self.stock = defaultdict(float)  # (p, w, t): end of period t
        for s in plan.get("stock", []):
            period = self._period_of(s, "stock")
            if period is None:
                continue
            if s["product"] not in self.products or s["warehouse"] not in self.warehouses:
                self.flag("unknown id in stock", f"{s['product']}/{s['warehouse']}", 1.0)
                continue
            units = as_number(s["units"])
            if units < -REL_TOL:
                self.flag("stock must be >= 0", f"{s['product']}@{s['warehouse']}/{period}", -units)
            if period == self.period_names[-1] and abs(units) > REL_TOL:
                self.flag("row 9 stock after the last period", f"{s['product']}@{s['warehouse']}", units)
            self.stock[(s["product"], s["warehouse"], period)] += units

    # ---- recomputed data ---------------------------------------------------------------------------

    def multiplier(self, p, mk, period) -> float:
        category = self.products[p]["category"]
        for key in ((mk, "product", p, period), (mk, "category", category, period), (mk, "market", None, period)):
            if key in self.season:
                return self.season[key]
        return self.default_mult[period]

    def share(self, p, mk, period) -> float:
        """The pair's share of its horizon demand in the period: length x multiplier, normalised."""
        weights = {t: self.length[t] * self.multiplier(p, mk, t) for t in self.period_names}
        total = sum(weights.values())
        return weights[period] / total if total > 0 else 0.0

    def upper(self, p, mk) -> float:
        """The horizon bound on sales of (p, m) with every channel running: the sum over the
        periods of the row 5_t bound, carry-over included (RevMax of row 18 uses it)."""
        if self.cost_mode:
            return super().upper(p, mk)
        base = self.pm(p, mk, "base_demand", 0.0)
        channels = self.channels_of(mk)
        total, before, before_carry = 0.0, 0.0, 0.0
        for i, t in enumerate(self.period_names):
            w = self.share(p, mk, t)
            bound = (base + sum(self.potential(p, mk, c) for c in channels)) * w
            if i > 0:
                bound += before_carry + self.markets[mk]["retention"] * before
            before = bound
            before_carry = sum(self.market_channels[(mk, c)]["rho"] * self.potential(p, mk, c) * w for c in channels)
            total += bound
        return total

    def arrival(self, lane, period):
        """Period a linehaul shipment sent at the start of `period` arrives in, None past the end."""
        day = self.start[period] + lane["transit_days"]
        for t in self.period_names:
            if self.start[t] <= day < self.start[t] + self.length[t]:
                return t
        return None

    def previous(self, period):
        i = self.period_names.index(period)
        return self.period_names[i - 1] if i > 0 else None

    # ---- rows ----------------------------------------------------------------------------------------

    def check_demand(self):
        """Rows 5_t and 7: sales per period within organic, active-channel and carried-over demand."""
        if self.cost_mode:
            for (p, mk), total in self.Z.items():
                for t in self.period_names:
                    self.eq("cost mode: q = demand share", f"{p}@{mk}/{t}", self.q[(p, mk, t)],
                            self.pm(p, mk, "demand", 0.0) * self.share(p, mk, t))
            return
        retention = {mk: row["retention"] for mk, row in self.markets.items()}
        for (p, mk), total in self.Z.items():
            base = self.pm(p, mk, "base_demand", 0.0)
            for t in self.period_names:
                w = self.share(p, mk, t)
                unlocked = base * w + sum(self.potential(p, mk, c) * w for c in self.channels_of(mk) if (mk, c, t) in self.active)
                before = self.previous(t)
                if before is not None:
                    unlocked += self.carried(p, mk, before) + retention[mk] * self.q[(p, mk, before)]
                self.leq("row 5 demand from channels (period)", f"{p}@{mk}/{t}", self.q[(p, mk, t)], unlocked)
            self.leq("row 7 committed volume", f"{p}@{mk}", self.pm(p, mk, "min_units", 0.0), total)
        for (mk, c, t) in self.active:
            if mk not in self.E:
                self.flag("row 1 s <= e (period)", f"{mk}/{c}/{t}", 1.0)

    def carried(self, p, mk, period) -> float:
        """The most word of mouth last period's sales can carry: its sales attributed to the
        active channels with the highest rho first, each up to that channel's potential."""
        left = self.q[(p, mk, period)]
        w = self.share(p, mk, period)
        options = sorted(((self.market_channels[(mk, c)]["rho"], self.potential(p, mk, c) * w) for c in self.channels_of(mk)
                          if (mk, c, period) in self.active), reverse=True)
        carry = 0.0
        for rho, cap in options:
            take = min(cap, left)
            carry += rho * take
            left -= take
        return carry

    def check_balances(self):
        """Rows 8_t and 9_t (and the horizon totals of the one-period checker)."""
        super().check_balances()
        into = defaultdict(float)
        out = defaultdict(float)
        arrive = defaultdict(float)
        for (p, lane_id, t), units in self.flow_t.items():
            lane = self.lanes[lane_id]
            kind = self.lane_kind(lane)
            if kind == "linehaul":
                when = self.arrival(lane, t)
                if when is None:
                    self.flag("row 9 linehaul arriving after the horizon", f"{p}/{lane_id}/{t}", units)
                    continue
                arrive[(p, lane["to"], when)] += units
            else:
                into[(p, lane["to"], t)] += units
                if kind == "lastmile":
                    out[(p, lane["from"], t)] += units
        for (p, mk) in self.Z:
            for t in self.period_names:
                self.eq("row 8 market balance (period)", f"{p}@{mk}/{t}", into.get((p, mk, t), 0.0), self.q[(p, mk, t)])
        self.arrivals = arrive
        keys = {(p, w) for (p, w, _) in set(arrive) | set(out) | set(self.stock)}
        for p, w in keys:
            for t in self.period_names:
                before = self.previous(t)
                carried = self.stock[(p, w, before)] if before is not None else 0.0
                self.eq("row 9 stock balance", f"{p}@{w}/{t}", carried + arrive.get((p, w, t), 0.0),
                        out.get((p, w, t), 0.0) + self.stock[(p, w, t)])

    def check_capacities(self):
        """Rows 10_t and 11_t: stock in plus arrivals, and lane kg, within each period's share."""
        super().check_capacities()
        peak = {}  # w -> (the highest share of a period's capacity used, that period)
        for w in self.Y:
            cap = self.warehouses.get(w, {}).get("capacity_m3")
            if cap is None or math.isnan(cap):
                continue
            for t in self.period_names:
                before = self.previous(t)
                volume = 0.0
                for p, prod in self.products.items():
                    held = (self.stock[(p, w, before)] if before is not None else 0.0) + self.arrivals.get((p, w, t), 0.0)
                    volume += prod["volume_m3"] * held
                limit = cap * self.length[t] / self.horizon
                self.leq("row 10 warehouse capacity (period)", f"{w}/{t}", volume, limit)
                if w not in peak or volume / limit > peak[w][0]:
                    peak[w] = (volume / limit, t)
        self.peak_utilisation = peak
        kg = defaultdict(float)
        for (p, lane_id, t), units in self.flow_t.items():
            kg[(lane_id, t)] += self.chargeable_kg(p, self.lanes[lane_id]) * units
        for (lane_id, t), used in kg.items():
            cap = self.lanes[lane_id]["capacity_kg"]
            if cap is not None and not math.isnan(cap):
                self.leq("row 11 lane capacity (period)", f"{lane_id}/{t}", used, cap * self.length[t] / self.horizon)

    def money_terms(self, rev: dict) -> dict:
        """Transport at each period's freight multiplier, channels paid per period run, and the
        holding of stock carried into the next period."""
        terms = super().money_terms(rev)
        terms["transport"] = sum(self.transport_cost(p, self.lanes[lane_id])
                                 * self.freight.get((self.lanes[lane_id]["mode"], t), 1.0) * units
                                 for (p, lane_id, t), units in self.flow_t.items())
        terms["marketing"] = sum(self.market_channels[(mk, c)]["activation_cost"] * self.length[t] / self.horizon
                                 for (mk, c, t) in self.active if (mk, c) in self.market_channels)
        rate = self.settings["holding_rate"]
        for (p, w, t), units in self.stock.items():
            after = self.period_names.index(t) + 1
            if after < len(self.period_names):
                terms["holding"] += self.products[p]["unit_cost"] * rate * self.length[self.period_names[after]] / 365.0 * units
        return terms
