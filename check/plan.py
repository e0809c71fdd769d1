"""The independent checker: every constraint and the objective of docs/model.md, recomputed, for
one period or many (the rows that carry the period axis are in periods.py, the checker's own
calendar in calendar.py).

It works from the validated instance tables and the plan's decisions and flows only, with plain
Python dictionaries. It shares no code with the model builder or the derived network
(`data/network.py`) on purpose: a mistake there must not be repeated here. It never imports Pyomo.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from ..data.instance import Instance
from ..data.schema import ORIGIN
from . import containers, creators, origins, periods, privacy
from .calendar import Calendar
from .solution import as_number

REL_TOL = 1e-6
MONEY_TERMS = (
    "revenue", "cost_of_goods", "transport", "holding", "handling", "duties", "warehouse_fixed", "marketing",
    "listing", "market_entry", "regimes", "certifications", "mitigation", "payment_loss", "fx",
    "payment_integration", "payment_fees", "refused_orders", "returns", "data_protection", "origins",
)


@dataclass
class Violation:
    family: str  # e.g. "row 8 market balance"
    index: str  # e.g. "p1@US"
    amount: float  # by how much the row is violated (in its own unit)
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.family} [{self.index}]: violated by {self.amount:.6g}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass
class Evaluation:
    objective_kind: str
    terms: dict  # money terms of section 5, each >= 0 except revenue
    objective: float
    violations: list[Violation] = field(default_factory=list)
    lead_time_by_market: dict = field(default_factory=dict)
    units_by_lead_time: dict = field(default_factory=dict)  # (market, lead time in days) -> units delivered
    utilisation: dict = field(default_factory=dict)  # warehouse -> inbound m3 over the horizon / capacity_m3
    peak_utilisation: dict = field(default_factory=dict)  # multi-period: warehouse -> (highest period use, period)
    utilisation_by_period: dict = field(default_factory=dict)  # warehouse -> {period: use of its share of the capacity}
    payment_loss_rate: float = 0.0
    reported_objective: float | None = None
    objective_matches: bool = True

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def ok(self) -> bool:
        return self.feasible and self.objective_matches


def given(value) -> bool:
    """A cell with a value (not None, not NaN)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _excess(lhs: float, rhs: float, scale: float) -> float:
    """Amount by which lhs <= rhs is violated beyond the relative tolerance, else 0."""
    gap = lhs - rhs
    return gap if gap > REL_TOL * max(1.0, abs(scale)) else 0.0


class PlanChecker:
    """One pass over the plan; `evaluate()` returns the terms, KPIs and violations."""

    def __init__(self, instance: Instance, plan: dict, single_sourcing: bool = False):
        self.settings = instance.settings
        self.cost_mode = instance.settings["objective"] == "cost"
        self.single_sourcing = single_sourcing
        tables = {name: instance.table(name) for name in instance.tables}
        self.products = {r["product"]: r for r in tables["products"].to_dict("records")}
        self.markets = {r["market"]: r for r in tables["markets"].to_dict("records")}
        self.warehouses = {r["warehouse"]: r for r in tables["warehouses"].to_dict("records")}
        self.lanes = {r["lane"]: r for r in tables["lanes"].to_dict("records")}
        self.product_markets = {(r["product"], r["market"]): r for r in tables["product_markets"].to_dict("records")}
        self.duties = {(r["market"], r["category"]): r["duty_rate"] for r in tables["duties"].to_dict("records")}
        self.market_channels = {(r["market"], r["channel"]): r for r in tables["market_channels"].to_dict("records")}
        creators.apply_funnels(self, tables)
        self.fit = {(r["channel"], r["category"]): r["fit"] for r in tables["channel_fit"].to_dict("records")}
        self.regime_cost = {r["regime"]: r["compliance_cost"] for r in tables["regimes"].to_dict("records")}
        self.cert_cost = {r["certification"]: r["cost"] for r in tables["certifications"].to_dict("records")}
        self.methods = {(r["market"], r["method"]): r for r in tables["payment_methods"].to_dict("records")}
        self.returns = {(r["market"], r["category"]): r for r in tables["returns"].to_dict("records")}
        privacy.read_rules(self, tables)
        containers.read_rules(self, tables)
        creators.read_rules(self, tables)
        origins.read_rules(self, tables)
        self.cert_rules = defaultdict(set)
        for r in tables["certification_rules"].to_dict("records"):
            self.cert_rules[(r["market"], r["category"])].add(r["certification"])
        self.lanes_into = defaultdict(list)
        for lane in self.lanes.values():
            self.lanes_into[lane["to"]].append(lane)
        self.stocked_warehouses = {l["to"] for l in self.lanes.values() if l["from"] in self.origins and l["to"] in self.warehouses}
        self.serving_warehouses = {l["from"] for l in self.lanes.values() if l["from"] in self.warehouses}
        self.channels_by_market = defaultdict(list)
        for (mk, c) in self.market_channels:
            self.channels_by_market[mk].append(c)
        self.calendar = Calendar(tables, self.settings)
        self.violations: list[Violation] = []
        self._servable: dict = {}
        self._read_plan(plan)
        self._read_periods(plan)
        containers.read_plan(self, plan)
        creators.read_plan(self, plan)
        origins.read_plan(self, plan)

    # ---- plan ------------------------------------------------------------------------------

    def _read_plan(self, plan: dict):
        """The plan's decisions as sets and maps. A decision naming an id the instance does not
        have is a violation and is left out of every other check (it has no data to check)."""
        known_pair = lambda p, mk: p in self.products and mk in self.markets  # noqa: E731
        self.E = self.known("markets", plan.get("markets", []), lambda mk: mk in self.markets)
        self.R = self.known("regimes", plan.get("regimes", []), lambda g: g in self.regime_cost)
        self.Y = self.known("warehouses", plan.get("warehouses", []), lambda w: w in self.warehouses)
        channels = list(dict.fromkeys((c["market"], c["channel"]) for c in plan.get("channels", [])))
        self.S = self.known("channels", channels, lambda key: key in self.market_channels)
        certs = [(c["product"], c["certification"]) for c in plan.get("certifications", [])]
        self.K = self.known("certifications", certs, lambda key: key[0] in self.products and key[1] in self.cert_cost)
        portfolio = defaultdict(float)
        for o in plan.get("portfolio", []):
            portfolio[(o["product"], o["market"])] += as_number(o["units"])  # per-period records add up
        offered = self.known("portfolio", portfolio, lambda k: known_pair(*k))
        self.Z = {k: v for k, v in portfolio.items() if k in offered}
        self.plan = plan
        covered = {x["market"]: as_number(x["covered_revenue"]) for x in plan.get("mitigations", [])}
        mitigable = self.known("mitigations", covered, lambda mk: mk in self.markets)
        self.V = {k: v for k, v in covered.items() if k in mitigable}
        reported = {(x["market"], x["method"]): x for x in plan.get("payment_methods", [])}
        offered_methods = self.known("payment_methods", reported, lambda key: key in self.methods)
        self.O = {k: v for k, v in reported.items() if k in offered_methods}
        self.unpayable = defaultdict(float)  # market -> exclusive shares of the methods not offered
        for key, row in self.methods.items():
            if key not in self.O:
                self.unpayable[key[0]] += row["exclusive_share"]
        privacy.read_plan(self, plan)
        flows = defaultdict(float)
        for f in plan.get("flows", []):
            flows[(f["product"], f["lane"])] += as_number(f["units"])
        usable = self.known("flows", flows, lambda k: k[0] in self.products and k[1] in self.lanes)
        self.flows = defaultdict(float, {k: v for k, v in flows.items() if k in usable})
        for (p, lane), units in self.flows.items():
            if units < -REL_TOL * max(1.0, abs(units)):
                self.flag("flow must be >= 0", f"{p}/{lane}", -units)
        for (p, mk), units in self.Z.items():
            if units < -REL_TOL:
                self.flag("sales must be >= 0", f"{p}@{mk}", -units)

    def _period_of(self, record: dict, what: str):
        """A record's period: its `period` with a calendar of periods (a missing or unknown one is
        flagged, and the record left out), else the one period, None."""
        if not self.calendar.named:
            return None
        period = record.get("period")
        if period not in self.calendar.length:
            self.flag(f"{what} without a known period", str(period), 1.0)
            return False
        return period

    def _read_periods(self, plan: dict):
        """The plan per period: sales q[(p, m, t)], channels running (m, c, t), flows
        flow_t[(p, lane, t)] and end-of-period stock[(p, w, t)]."""
        self.q, self.active, self.flow_t, self.stock = defaultdict(float), set(), defaultdict(float), defaultdict(float)
        self.stock_by_origin = defaultdict(float)
        for o in plan.get("portfolio", []):
            period = self._period_of(o, "portfolio")
            if period is not False and (o["product"], o["market"]) in self.Z:
                self.q[(o["product"], o["market"], period)] += as_number(o["units"])
        for c in plan.get("channels", []):
            period = self._period_of(c, "channels")
            if period is not False and (c["market"], c["channel"]) in self.S:
                self.active.add((c["market"], c["channel"], period))
        for f in plan.get("flows", []):
            period = self._period_of(f, "flows")
            if period is not False and (f["product"], f["lane"]) in self.flows:
                self.flow_t[(f["product"], f["lane"], period)] += as_number(f["units"])
        for record in plan.get("stock", []):
            self._read_stock(record)
        self.restocked = defaultdict(float)  # (product, market, warehouse, period) -> units
        for record in plan.get("restocked", []):
            period = self._period_of(record, "restocked")
            key = (record["product"], record["market"], record["warehouse"])
            if period is False:
                continue
            if key[0] not in self.products or key[1] not in self.markets or key[2] not in self.warehouses:
                self.flag("unknown id in restocked", "/".join(key), 1.0)
                continue
            self.restocked[(*key, period)] += as_number(record["units"])

    def _read_stock(self, record: dict):
        period = self._period_of(record, "stock")
        if period is False:
            return
        p, w, origin = record["product"], record["warehouse"], record.get("origin", ORIGIN)
        if p not in self.products or w not in self.warehouses or origin not in self.origins:
            self.flag("unknown id in stock", f"{p}/{w}/{origin}", 1.0)
            return
        units = as_number(record["units"])
        if units < -REL_TOL:
            self.flag("stock must be >= 0", f"{p}@{w}/{period}", -units)
        if self.calendar.after(period) is None and abs(units) > REL_TOL:
            self.flag("row 9 stock after the last period", f"{p}@{w}", units)
        self.stock[(p, w, period)] += units
        self.stock_by_origin[(p, w, origin, period)] += units

    def known(self, what: str, keys, is_known) -> set:
        """The keys the instance knows; each unknown one is flagged."""
        known = set()
        for key in keys:
            if is_known(key):
                known.add(key)
            else:
                self.flag(f"unknown id in {what}", "/".join(key) if isinstance(key, tuple) else key, 1.0)
        return known

    def flag(self, family: str, index, amount: float, detail: str = ""):
        self.violations.append(Violation(family, str(index), float(amount), detail))

    def leq(self, family: str, index, lhs: float, rhs: float, scale: float | None = None):
        amount = _excess(lhs, rhs, max(abs(lhs), abs(rhs)) if scale is None else scale)
        if amount:
            self.flag(family, index, amount, f"{lhs:.10g} > {rhs:.10g}")

    def eq(self, family: str, index, lhs: float, rhs: float):
        self.leq(family, index, lhs, rhs)
        self.leq(family, index, rhs, lhs)

    # ---- the model's data (docs/model.md), recomputed ---------------------------------------------------------

    def pm(self, p, mk, column, default=None):
        row = self.product_markets.get((p, mk))
        value = None if row is None else row[column]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return default
        return value

    def price(self, p, mk) -> float:
        return self.pm(p, mk, "price", self.products[p]["base_price"] * self.markets[mk]["price_index"])

    def duty_rate(self, p, mk) -> float:
        category = self.products[p]["category"]
        return self.pm(p, mk, "duty_rate", self.duties.get((mk, category), self.markets[mk]["duty_rate"]))

    def promise(self, p, mk):
        value = self.pm(p, mk, "max_lead_time_days", self.markets[mk]["max_lead_time_days"])
        return None if value is None or math.isnan(value) else value

    def lane_kind(self, lane) -> str:
        src, dst = lane["from"], lane["to"]
        if src in self.origins:
            return "direct" if dst in self.markets else "linehaul"
        return "lastmile"

    def lead_time(self, lane) -> float:
        if self.lane_kind(lane) == "direct":
            return (origins.processing_days(self, lane["from"]) + lane["transit_days"]
                    + self.markets[lane["to"]]["customs_days"] + lane["customs_days"])
        return self.warehouses[lane["from"]]["processing_days"] + lane["transit_days"] + lane["customs_days"]

    def chargeable_kg(self, p, lane) -> float:
        prod = self.products[p]
        return max(prod["weight_kg"], prod["volume_m3"] * lane["dim_factor_kg_per_m3"])

    def transport_cost(self, p, lane) -> float:
        """cost_per_unit plus the freight: per chargeable kg and m3, or on a container lane at LCL."""
        if lane["lane"] in self.container_rules:
            return lane["cost_per_unit"] + containers.lcl_freight(self, p, lane["lane"])
        return (lane["cost_per_unit"] + lane["cost_per_kg"] * self.chargeable_kg(p, lane)
                + lane["cost_per_m3"] * self.products[p]["volume_m3"])

    def potential(self, p, mk, c) -> float:
        mc = self.market_channels[(mk, c)]
        prod = self.products[p]
        fit = self.fit.get((c, prod["category"]), 1.0)
        return (mc["reach"] * mc["conversion"] * fit * prod["popularity"] * prod["units_per_order"]
                / (1.0 - mc["viral"]))

    def channels_of(self, mk):
        return self.channels_by_market.get(mk, [])

    def upper(self, p, mk) -> float:
        """U[p,m]: base + all channel potentials (over the periods, with their carry-over), or the
        fixed demand in cost mode."""
        if self.cost_mode:
            return self.pm(p, mk, "demand", 0.0)
        if self.calendar.named:
            return periods.horizon_bound(self, p, mk)
        return (self.pm(p, mk, "base_demand", 0.0) + sum(self.potential(p, mk, c) for c in self.channels_of(mk))
                + creators.most_creator_buyers(self, p, mk, None))

    def demand_share(self, p, mk, period) -> float:
        """The pair's share of its horizon demand in the period."""
        return self.calendar.demand_share(p, self.products[p]["category"], mk, period)

    def warehouse_has_linehaul(self, w) -> bool:
        return w in self.stocked_warehouses

    def warehouse_has_lastmile(self, w) -> bool:
        return w in self.serving_warehouses

    # ---- constraint families ------------------------------------------------------------------

    def check_forced_and_forbidden(self):
        """Row 4: banned/unservable pairs, must_offer, must_enter, must_open, forbidden."""
        for (p, mk), row in self.product_markets.items():
            if row["must_offer"] and (p, mk) not in self.Z:
                self.flag("row 4 must_offer", f"{p}@{mk}", 1.0)
            if row["banned"] and (p, mk) in self.Z:
                self.flag("row 4 banned pair offered", f"{p}@{mk}", 1.0)
        for (p, mk) in self.Z:
            if p in self.products and mk in self.markets and not self.servable(p, mk):
                self.flag("row 4 pair offered without a lane within its promise", f"{p}@{mk}", 1.0)
        for mk, row in self.markets.items():
            if row["must_enter"] and mk not in self.E:
                self.flag("row 4 must_enter", mk, 1.0)
        for w, row in self.warehouses.items():
            if row["must_open"] and w not in self.Y:
                self.flag("row 4 must_open", w, 1.0)
            if w in self.Y and (row["forbidden"] or not (self.warehouse_has_linehaul(w) and self.warehouse_has_lastmile(w))):
                self.flag("row 4 warehouse cannot open", w, 1.0)
        if self.cost_mode:
            for (p, mk), row in self.product_markets.items():
                demand = row["demand"]
                if demand is not None and not math.isnan(demand) and demand > 0:
                    if (p, mk) not in self.Z:
                        self.flag("cost mode: pair with demand not offered", f"{p}@{mk}", demand)
                    else:
                        self.eq("cost mode: q = demand", f"{p}@{mk}", self.Z[(p, mk)], demand)
            for (p, mk) in self.Z:
                if not self.pm(p, mk, "demand", 0.0) > 0:
                    self.flag("cost mode: pair without demand offered", f"{p}@{mk}", 1.0)

    def check_entry_links(self):
        """Rows 1-3: offers, channels and mitigation need entry; entry needs the regime; offers need certifications."""
        for (p, mk) in self.Z:
            if mk not in self.E:
                self.flag("row 1 z <= e", f"{p}@{mk}", 1.0)
            for k in self.cert_rules.get((mk, self.products.get(p, {}).get("category")), ()):
                if (p, k) not in self.K:
                    self.flag("row 3 z <= kappa", f"{p}@{mk}/{k}", 1.0)
        for (mk, c) in self.S:
            if mk not in self.E:
                self.flag("row 1 s <= e", f"{mk}/{c}", 1.0)
        for mk in self.V:
            if mk not in self.E:
                self.flag("row 1 v <= e", mk, 1.0)
            elif self.markets[mk]["mitigation_cost"] is None or math.isnan(self.markets[mk]["mitigation_cost"]):
                self.flag("row 18 mitigation not offered in market", mk, 1.0)
        for (mk, method), row in self.methods.items():
            key = f"{mk}/{method}"
            if (mk, method) in self.O and mk not in self.E:
                self.flag("row P1 o <= e", key, 1.0)
            must = row["must_offer"] or (self.cost_mode and row["exclusive_share"] > 0)
            if must and mk in self.E and (mk, method) not in self.O:
                self.flag("row P1 payment method must be offered", key, 1.0)
        for mk in self.E:
            regime = self.markets.get(mk, {}).get("regime")
            if regime is not None and regime not in self.R:
                self.flag("row 2 e <= r", f"{mk}/{regime}", 1.0)

    def check_demand(self):
        """Rows 5-7 (periods.py): channel-driven demand per period, U bound, committed volume;
        channels run only in entered markets (row 1_t)."""
        periods.check_sales(self)
        if self.calendar.named:
            for (mk, c, t) in self.active:
                if mk not in self.E:
                    self.flag("row 1 s <= e (period)", f"{mk}/{c}/{t}", 1.0)

    def check_lanes_used(self):
        """Row 4 / section 2: flows only on usable lanes within the pair's promise, through open warehouses."""
        for (p, lane_id), units in self.flows.items():
            if abs(units) <= REL_TOL or lane_id not in self.lanes or p not in self.products:
                continue  # below the tolerance every row is checked at: solver noise, not a flow
            lane = self.lanes[lane_id]
            kind = self.lane_kind(lane)
            if kind in ("linehaul", "lastmile"):
                w = lane["to"] if kind == "linehaul" else lane["from"]
                if w not in self.Y:
                    self.flag("row 10 flow through a closed warehouse", f"{p}/{lane_id}", units)
            if kind == "linehaul":
                continue
            mk = lane["to"]
            if (p, mk) not in self.Z:
                self.flag("row 8 flow to a pair not offered", f"{p}@{mk}/{lane_id}", units)
                continue
            if self.pm(p, mk, "banned", False):
                self.flag("row 4 flow on banned pair", f"{p}@{mk}", units)
            promise = self.promise(p, mk)
            if promise is not None and self.lead_time(lane) > promise + 1e-9:
                self.flag("row 4 lane slower than the promise", f"{p}@{mk}/{lane_id}", self.lead_time(lane) - promise)

    def check_balances(self):
        """Rows 8_t and 9_t (periods.py)."""
        periods.check_balances(self)

    def check_capacities(self):
        """Rows 10_t and 11_t (periods.py)."""
        periods.check_capacities(self)

    def check_service(self):
        """Row 12: volume-weighted lead time per market <= target (and the KPI for every market);
        row 12b: at least service_share of the market's volume within service_days."""
        weighted, volume = defaultdict(float), defaultdict(float)
        self.units_by_lead_time = defaultdict(float)
        for (p, lane_id), units in self.flows.items():
            lane = self.lanes.get(lane_id)
            if lane is None or self.lane_kind(lane) == "linehaul":
                continue
            weighted[lane["to"]] += self.lead_time(lane) * units
            self.units_by_lead_time[(lane["to"], self.lead_time(lane))] += units
        for (p, mk), q in self.Z.items():
            volume[mk] += q
        self.lead_times = {mk: weighted[mk] / volume[mk] for mk in volume if volume[mk] > 0}
        for mk, row in self.markets.items():
            target = row["target_avg_lead_time_days"]
            if target is not None and not math.isnan(target):
                self.leq("row 12 average service", mk, weighted.get(mk, 0.0), target * volume.get(mk, 0.0))
        levels = {mk: (row["service_days"], row["service_share"]) for mk, row in self.markets.items()
                  if given(row["service_days"]) and given(row["service_share"])}
        fast = self.volume_within({mk: days for mk, (days, _) in levels.items()})
        for mk, (_, share) in levels.items():
            self.leq("row 12b service level", mk, share * volume.get(mk, 0.0), fast.get(mk, 0.0))

    def volume_within(self, days_by_market: dict) -> dict:
        """Units delivered into each market of `days_by_market` on lanes whose customer lead time
        is at most its number of days."""
        fast = defaultdict(float)
        for (p, lane_id), units in self.flows.items():
            lane = self.lanes.get(lane_id)
            if lane is None or lane["to"] not in days_by_market or self.lane_kind(lane) == "linehaul":
                continue
            if self.lead_time(lane) <= days_by_market[lane["to"]] + 1e-9:
                fast[lane["to"]] += units
        return fast

    def revenue_by_market(self) -> dict:
        rev = defaultdict(float)
        for (p, mk), q in self.Z.items():
            rev[mk] += self.price(p, mk) * q
        return rev

    def availability(self, mk) -> float:
        """Row P2: the share of the market's new buyers who can pay, 1 - the exclusive shares of
        the methods not offered."""
        return 1.0 - self.unpayable.get(mk, 0.0)

    def paid_with(self, rev: dict) -> dict:
        """Row P3: revenue paid with each offered method, share_j * Rev[m]."""
        return {(mk, j): self.methods[(mk, j)]["share"] * rev.get(mk, 0.0) for (mk, j) in self.O}

    def orders_by_market(self) -> dict:
        """Row P4's total: orders per market, sum_p q / units_per_order."""
        orders = defaultdict(float)
        for (p, mk), q in self.Z.items():
            orders[mk] += q / self.products[p]["units_per_order"]
        return orders

    def return_terms(self, p, mk) -> tuple[float, float, float | None]:
        """(return rate, value of a returned unit sent back or liquidated, what restocking adds to
        it or None) of a pair, from its `returns` row (docs/model.md, "Returns")."""
        row = self.returns.get((mk, self.products[p]["category"]))
        if row is None:
            return 0.0, 0.0, None
        cost = self.products[p]["unit_cost"]
        value = row["liquidate_recovery"] * cost - row["liquidate_cost"]
        if given(row["origin_cost"]):
            value = max(value, row["origin_recovery"] * cost - row["origin_cost"])
        gain = row["restock_recovery"] * cost - row["restock_cost"] - value if given(row["restock_cost"]) else None
        return row["return_rate"], value, gain

    def check_returns(self):
        """Rows RT1-RT2: returned units restocked only where restocking is possible, in an open
        warehouse with a last-mile lane into the market, and no more than come back per period."""
        by_pair = defaultdict(float)
        for (p, mk, w, t), units in self.restocked.items():
            where_ = f"{p}@{mk}/{w}" + (f"/{t}" if self.calendar.named else "")
            if units < -REL_TOL:
                self.flag("row RT1 restocked units must be >= 0", where_, -units)
            _, _, gain = self.return_terms(p, mk)
            if gain is None and units > REL_TOL:
                self.flag("row RT1 restocking not possible for the pair", where_, units)
            if w not in self.Y and units > REL_TOL:
                self.flag("row RT2 restocked in a closed warehouse", where_, units)
            if not any(l["from"] == w and l["to"] == mk for l in self.lanes_into.get(mk, ())) and units > REL_TOL:
                self.flag("row RT2 restocked in a warehouse without a last mile into the market", where_, units)
            by_pair[(p, mk, t)] += units
        for (p, mk, t), units in by_pair.items():
            rate, _, _ = self.return_terms(p, mk)
            self.leq("row RT1 restocked within returns", f"{p}@{mk}" + (f"/{t}" if self.calendar.named else ""),
                     units, rate * self.q[(p, mk, t)])

    def returns_cost(self) -> float:
        """The refunds, less what the returned units are worth sent back or liquidated, less what
        restocking adds where the plan restocks."""
        total = 0.0
        for (p, mk), q in self.Z.items():
            rate, value, _ = self.return_terms(p, mk)
            total += rate * q * (self.price(p, mk) - value)
        for (p, mk, _, _), units in self.restocked.items():
            _, _, gain = self.return_terms(p, mk)
            total -= (gain or 0.0) * units
        return total

    def check_payment_methods(self, rev: dict):
        """Rows P3-P4 as the plan reports them: the revenue (and orders) paid with each method
        offered are its share of the market's."""
        paid, orders = self.paid_with(rev), self.orders_by_market()
        for key, record in self.O.items():
            where = "/".join(key)
            if "revenue" in record:
                self.eq("row P3 revenue paid with the method", where, as_number(record["revenue"]), paid[key])
            if "orders" in record:
                self.eq("row P4 orders paid with the method", where, as_number(record["orders"]),
                        self.methods[key]["share"] * orders.get(key[0], 0.0))

    def check_payment_risk(self, rev: dict):
        """Rows 17-21: mitigation coverage (of the default checkout's revenue), portfolio loss cap,
        revenue concentration."""
        self.check_payment_methods(rev)
        default = self.default_checkout_revenue(rev)
        for mk, covered in self.V.items():
            rev_max = sum(self.price(p, mk) * self.upper(p, mk) for p in self.products if self.offerable(p, mk))
            self.leq("row 18 Rv <= Rev", mk, covered, default.get(mk, 0.0))
            self.leq("row 18 Rv <= RevMax v", mk, covered, rev_max)
            if covered < -REL_TOL:
                self.flag("row 18 Rv >= 0", mk, -covered)
        total_rev = sum(rev.values())
        total_loss = sum(self.loss(mk, rev) for mk in self.markets)
        cap = self.settings["max_payment_loss_rate"]
        if cap is not None:
            self.leq("row 20 payment risk cap", "portfolio", total_loss, cap * total_rev)
        for mk, row in self.markets.items():
            share = row["max_revenue_share"]
            if share is not None and not math.isnan(share):
                self.leq("row 21 revenue concentration", mk, rev.get(mk, 0.0), share * total_rev, scale=total_rev)
        self.payment_loss_rate = total_loss / total_rev if total_rev > 0 else 0.0

    def offerable(self, p, mk) -> bool:
        """Row 4: not banned, servable within the promise, and (cost mode) with demand."""
        if self.pm(p, mk, "banned", False) or not self.servable(p, mk):
            return False
        return self.pm(p, mk, "demand", 0.0) > 0 if self.cost_mode else True

    def servable(self, p, mk) -> bool:
        key = (p, mk)
        if key not in self._servable:
            self._servable[key] = self._find_lane_within_promise(p, mk)
        return self._servable[key]

    def _find_lane_within_promise(self, p, mk) -> bool:
        promise = self.promise(p, mk)
        for lane in self.lanes_into.get(mk, ()):
            if self.lane_kind(lane) == "linehaul":
                continue
            if self.lane_kind(lane) == "lastmile":
                w = self.warehouses[lane["from"]]
                if w["forbidden"] or not self.warehouse_has_linehaul(lane["from"]):
                    continue
            if promise is None or self.lead_time(lane) <= promise + 1e-9:
                return True
        return False

    def default_checkout_revenue(self, rev: dict) -> dict:
        """Rev[m] - sum_j Rpay[m,j]: the revenue paid with the market's default checkout."""
        default = dict(rev)
        for (mk, _), paid in self.paid_with(rev).items():
            default[mk] = default.get(mk, 0.0) - paid
        return default

    def loss(self, mk, rev) -> float:
        """Row 19: Loss[m] = loss_rate (Rev - sum_j Rpay_j) - (loss_rate - mitigated_loss_rate) Rv
        + sum_j loss_j Rpay_j."""
        row = self.markets[mk]
        paid = {key: value for key, value in self.paid_with(rev).items() if key[0] == mk}
        default = rev.get(mk, 0.0) - sum(paid.values())
        return (row["payment_loss_rate"] * default - (row["payment_loss_rate"] - row["mitigated_loss_rate"]) * self.V.get(mk, 0.0)
                + sum(self.methods[key]["loss_rate"] * value for key, value in paid.items()))

    # ---- objective (section 5) and budgets (rows 13-16) ----------------------------------------

    def money_terms(self, rev: dict) -> dict:
        terms = dict.fromkeys(MONEY_TERMS, 0.0)
        terms["revenue"] = sum(rev.values())
        for (p, mk), q in self.Z.items():
            terms["cost_of_goods"] += self.products[p]["unit_cost"] * q
            terms["listing"] += self.pm(p, mk, "listing_cost", 0.0)
        self.flow_terms(terms)
        extra_goods, terms["origins"] = origins.goods_and_fixed(self)
        terms["cost_of_goods"] += extra_goods
        transport, marketing, stock_holding = self.period_terms()
        terms["transport"], terms["marketing"] = transport + containers.container_freight(self), marketing
        terms["holding"] += stock_holding
        terms["warehouse_fixed"] = sum(self.warehouses[w]["fixed_cost"] for w in self.Y if w in self.warehouses)
        terms["market_entry"] = sum(self.markets[mk]["entry_cost"] for mk in self.E if mk in self.markets)
        terms["regimes"] = sum(self.regime_cost.get(g, 0.0) for g in self.R)
        terms["certifications"] = sum(self.cert_cost.get(k, 0.0) for (_, k) in self.K)
        terms["mitigation"] = sum(self.markets[mk]["mitigation_cost"] for mk in self.V if mk in self.markets)
        terms["payment_loss"] = sum(self.loss(mk, rev) for mk in self.markets)
        terms["fx"] = sum(self.markets[mk]["fx_cost_rate"] * r for mk, r in rev.items())
        terms["returns"] = self.returns_cost()
        terms["data_protection"] = privacy.data_cost(self)
        terms["payment_integration"] = sum(self.methods[key]["integration_cost"] for key in self.O)
        terms["payment_fees"] = sum(self.methods[key]["fee_rate"] * paid for key, paid in self.paid_with(rev).items())
        orders = self.orders_by_market()
        for key in self.O:
            row = self.methods[key]
            refused = row["refusal_rate"] / (1.0 - row["refusal_rate"]) * row["share"] * orders.get(key[0], 0.0)
            terms["refused_orders"] += row["refusal_cost_per_order"] * refused
        return terms

    def flow_terms(self, terms: dict):
        """Duties, pipeline holding and handling of the flows, by origin: a direct parcel pays the
        duty rate plus its origin's extra above the origin's de-minimis value, a bulk import pays
        them on the unit cost at the origin, which linehaul holding is charged on too."""
        rate = self.settings["holding_rate"]
        for (p, lane_id, origin, _), units in self.sourced.items():
            lane = self.lanes[lane_id]
            kind = self.lane_kind(lane)
            if kind == "direct":
                mk = lane["to"]
                extra, threshold = origins.duty_rule(self, p, mk, origin)
                if self.price(p, mk) * self.products[p]["units_per_order"] > threshold:
                    terms["duties"] += (self.duty_rate(p, mk) + extra) * self.price(p, mk) * units
            elif kind == "linehaul":
                w = self.warehouses[lane["to"]]
                terms["holding"] += origins.origin_cost(self, p, origin) * rate * (lane["transit_days"] + w["cover_days"]) / 365.0 * units
            else:
                w, mk = self.warehouses[lane["from"]], lane["to"]
                terms["handling"] += w["handling_cost_per_unit"] * units
                extra, _ = origins.duty_rule(self, p, mk, origin)
                terms["duties"] += (self.duty_rate(p, mk) + extra) * origins.origin_cost(self, p, origin) * units

    def period_terms(self) -> tuple[float, float, float]:
        """The terms that depend on the period: transport at each period's freight multiplier,
        channels paid per period run (activation_cost * the period's share), and holding on
        stock carried from a period into the next (unit_cost * holding_rate * its days / 365),
        added to the pipeline holding of money_terms."""
        transport = sum(self.transport_cost(p, self.lanes[lane_id]) * self.calendar.freight(self.lanes[lane_id]["mode"], t)
                        * units for (p, lane_id, t), units in self.flow_t.items())
        marketing = sum(self.market_channels[(mk, c)]["activation_cost"] * self.calendar.share(t) for (mk, c, t) in self.active)
        marketing += creators.creator_fees(self)
        rate, holding = self.settings["holding_rate"], 0.0
        for (p, w, origin, t), units in self.stock_by_origin.items():
            after = self.calendar.after(t)
            if after is not None:
                holding += origins.origin_cost(self, p, origin) * rate * self.calendar.length[after] / 365.0 * units
        return transport, marketing, holding

    def check_budgets(self, terms: dict):
        """Rows 13-16: money and count limits."""
        s = self.settings
        limits = [
            ("row 13 marketing budget", "marketing_budget", terms["marketing"]),
            ("row 14 compliance budget", "compliance_budget", terms["market_entry"] + terms["regimes"] + terms["certifications"]
             + terms["data_protection"]),
            ("row 15 logistics budget", "logistics_budget", terms["transport"] + terms["holding"] + terms["handling"] + terms["duties"]),
            ("row 16 max warehouses", "max_warehouses", len(self.Y)),
            ("row 16 max markets", "max_markets", len(self.E)),
        ]
        for family, key, used in limits:
            if s[key] is not None:
                self.leq(family, key, used, s[key])

    def evaluate(self, reported_objective: float | None = None) -> Evaluation:
        self.check_forced_and_forbidden()
        self.check_entry_links()
        self.check_demand()
        self.check_lanes_used()
        self.check_balances()
        self.check_returns()
        privacy.check_data_rules(self)
        containers.check_containers(self)
        origins.check_origins(self)
        creators.check_creators(self)
        self.check_capacities()
        self.check_service()
        rev = self.revenue_by_market()
        self.check_payment_risk(rev)
        terms = self.money_terms(rev)
        self.check_budgets(terms)
        costs = sum(v for k, v in terms.items() if k != "revenue")
        profit = terms["revenue"] - costs
        objective = costs if self.cost_mode else profit
        ev = Evaluation(
            objective_kind="cost" if self.cost_mode else "profit",
            terms={**terms, "total_cost": costs, "profit": profit},
            objective=objective,
            violations=self.violations,
            lead_time_by_market=self.lead_times,
            units_by_lead_time=dict(self.units_by_lead_time),
            utilisation=self.utilisation,
            peak_utilisation=self.peak_utilisation,
            utilisation_by_period=self.utilisation_by_period,
            payment_loss_rate=self.payment_loss_rate,
            reported_objective=reported_objective,
        )
        if reported_objective is not None:
            ev.objective_matches = bool(abs(objective - reported_objective) <= REL_TOL * max(1.0, abs(objective)))
        return ev
