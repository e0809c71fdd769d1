"""The plan in words: one line for each market, entered or not, and each warehouse, open or not,
with the numbers that decide it.

- For what the plan chose, its own accounting: a market's contribution (revenue less the goods,
  freight, duties, handling and holding of what it sells, and its payment losses and FX) against
  the fixed costs it carries (entry, channels, listings, mitigation, payment methods, its
  regime's compliance shared by the markets under the regime, where its customer data lives);
  where each regime's customer data lives and which buyer-volume obligations apply; a payment method's fees,
  refused orders and integration against the buyers who pay no other way; a warehouse's savings (what the units it serves would
  cost on the cheapest direct lane that meets their promise, less what they cost through it)
  against its fixed cost.
- For what it did not choose, an estimate that needs no further solve, labelled as one: a market's
  best case (every channel that pays for itself, each product on its cheapest lane, no limit
  binding) against what entering would cost; a warehouse's best case (the units sold now, each
  moved to it where that is cheaper and within the promise, capacity aside) against its fixed
  cost. `xborder explain --why` is the exact answer.

Costs per unit are the derived ones (data/network.py) at base freight rates, a container lane's
at LCL; the container lanes get their own lines, full containers against LCL, and so do the
channels with creators: the campaigns booked, the people they reach and how many of them are
distinct, and, with an origins table, each origin (report/origins.py): what it supplies and where,
and an opened one's fixed cost against what its units would cost from another origin. Every
number is in the instance's currency.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict

import numpy as np
import pandas as pd

from ..data.network import DIRECT, LASTMILE, LINEHAUL, STOCK_KEY
from ..data.schema import ORIGIN
from ..data.seasons import seasons_of
from .creators import creator_fees_by_market, creators_table, reach_by_channel, tier_name
from .freight import container_name, containers_table
from .origins import origin_lines


def _money(value: float, currency: str) -> str:
    return f"{value + 0.0:,.0f} {currency}"


def channel_spend(instance, plan: dict) -> dict:
    """(market, channel) -> activation cost of the channels the plan runs; on a calendar each
    period run costs activation_cost * length / horizon (docs/model.md, "Periods")."""
    cost = instance.table("market_channels").set_index(["market", "channel"])["activation_cost"]
    share = {}
    if instance.seasonal:
        seasons = seasons_of(instance.tables, instance.settings)
        share = dict(zip(seasons.names, seasons.length_share))
    spend: dict = {}
    for c in plan["channels"]:
        key = (c["market"], c["channel"])
        spend[key] = spend.get(key, 0.0) + float(cost.get(key, 0.0)) * share.get(c.get("period"), 1.0)
    return spend


def regime_orders(instance, plan: dict) -> dict:
    """Orders over the horizon per regime: the plan's units / units_per_order over its markets."""
    regime = dict(zip(instance.tables["markets"]["market"], instance.tables["markets"]["regime"]))
    per_order = dict(zip(instance.tables["products"]["product"], instance.tables["products"]["units_per_order"]))
    orders: dict = defaultdict(float)
    for o in plan["portfolio"]:
        g = regime.get(o["market"])
        if isinstance(g, str):
            orders[g] += o["units"] / per_order[o["product"]]
    return orders


class Accounts:
    """Per-unit costs of the instance's pairs and arcs, and the plan's own flows and sales."""

    def __init__(self, instance, plan: dict):
        self.instance, self.plan = instance, plan
        self.net = instance.network
        self.currency = instance.settings["currency"]
        pairs = self.net.pairs
        self.pair_of = {(p, m): i for i, (p, m) in enumerate(zip(pairs["product"], pairs["market"]))}
        arcs = self.net.arcs
        line = arcs[arcs["kind"] == LINEHAUL]
        landed = arcs["unit_cost"] + arcs["goods"]  # with what the goods cost at their origin above unit_cost
        self.inbound = landed[line.index].groupby([line["product"], line["warehouse"], line["origin"]]).min()  # cheapest linehaul per unit
        last = arcs[arcs["kind"] == LASTMILE].copy()
        last["route_cost"] = last["unit_cost"].to_numpy() + self.inbound.reindex(
            pd.MultiIndex.from_frame(last[STOCK_KEY])).to_numpy()
        self.via_warehouse = last  # pair, warehouse, route_cost (linehaul + last mile per unit)
        direct = arcs[arcs["kind"] == DIRECT]
        self.direct_cost = landed[direct.index].groupby(direct["pair"]).min()  # cheapest direct lane per pair (candidate index)
        keys = zip(arcs["product"], arcs["lane"], arcs["origin"])
        self.arc_cost = dict(zip(keys, arcs["unit_cost"]))
        leaving = arcs[arcs["kind"] != LASTMILE]
        self.goods_extra = dict(zip(zip(leaving["product"], leaving["origin"]), leaving["goods"]))  # per unit, above unit_cost
        self.lanes = instance.table("lanes").set_index("lane")

    def payments(self, m: str, revenue: float, units, pairs) -> dict:
        """The payment methods the plan offers in m (docs/model.md, "Payment methods"): the revenue
        they take off the default checkout, their own loss, fees, refused-order cost and integration."""
        methods = self.instance.table("payment_methods")
        offered = {r["method"] for r in self.plan.get("payment_methods", []) if r["market"] == m}
        chosen = methods[(methods["market"] == m) & methods["method"].isin(offered)]
        orders = float((units / pairs["units_per_order"].to_numpy()).sum()) if len(units) else 0.0
        paid = chosen["share"] * revenue
        rate = chosen["refusal_rate"]
        refused = (rate / (1.0 - rate) * chosen["share"] * orders * chosen["refusal_cost_per_order"]).sum()
        return {"paid": float(paid.sum()), "method_loss": float((chosen["loss_rate"] * paid).sum()),
                "fees": float((chosen["fee_rate"] * paid).sum()), "refused": float(refused),
                "integration": float(chosen["integration_cost"].sum())}

    def returns_cost(self, m: str, pairs: pd.DataFrame, units) -> float:
        """The net cost of m's returns (docs/model.md, "Returns"): refunds less what the returned
        units are worth, less what the plan's restocking adds."""
        if not len(units):
            return 0.0
        cost = float((pairs["return_rate"] * (pairs["price"] - pairs["return_value"].fillna(0.0))).to_numpy() @ units)
        gain = dict(zip(zip(pairs["product"], pairs["market"]), pairs["restock_gain"].fillna(0.0)))
        restocked = sum(gain.get((r["product"], r["market"]), 0.0) * r["units"]
                        for r in self.plan.get("restocked", []) if r["market"] == m)
        return cost - float(restocked)

    def regime_buyers(self) -> dict:
        """Orders over the horizon per regime (`regime_orders`), computed once."""
        if not hasattr(self, "orders"):
            self.orders = regime_orders(self.instance, self.plan)
        return self.orders

    @functools.cached_property
    def data_rules(self) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
        """The data_transfer rows by regime, each market's regime and each obligation's cost, read once."""
        return (self.instance.table("data_transfer").set_index("regime"),
                self.instance.table("markets").set_index("market")["regime"],
                self.instance.table("data_obligations").set_index(["regime", "obligation"])["cost"])

    def data_protection(self, m: str, regime) -> float:
        """What m carries of the data-protection costs (docs/model.md, "Data transfer and
        localisation"): its own local hosting, an equal share of its regime's transfer mechanism
        among the entered markets that send their data out, and an equal share of the regime's
        obligations met among its entered markets."""
        rules, markets, duties = self.data_rules
        if not isinstance(regime, str) or regime not in rules.index:
            return 0.0
        under = [e for e in self.plan["markets"] if markets[e] == regime]
        hosted = set(self.plan.get("data_hosting", []))
        cost = float(rules.at[regime, "hosting_cost"]) if m in hosted else 0.0
        senders = [e for e in under if e not in hosted]
        if m not in hosted and regime in self.plan.get("data_transfers", []):
            cost += float(rules.at[regime, "transfer_cost"]) / len(senders)
        met = sum(float(duties[(r["regime"], r["obligation"])]) for r in self.plan.get("data_obligations", [])
                  if r["regime"] == regime)
        return cost + met / len(under)

    def data_to_enter(self, m: str, regime) -> float:
        """The cheapest way for a market not entered to hold its customer data: local hosting, or
        its regime's transfer mechanism unless the plan already pays for it (0 without a rule)."""
        rules = self.data_rules[0]
        if not isinstance(regime, str) or regime not in rules.index:
            return 0.0
        rule = rules.loc[regime]
        ways = [] if rule["must_localise"] else [
            0.0 if regime in self.plan.get("data_transfers", []) else float(rule["transfer_cost"])]
        if rule["hosting_cost"] == rule["hosting_cost"]:
            ways.append(float(rule["hosting_cost"]))
        return min(ways)

    def creator_fees(self) -> dict:
        """market -> the fees of the creators booked there (report/creators.py)."""
        if not hasattr(self, "fees"):
            self.fees = creator_fees_by_market(self.instance, self.plan)
        return self.fees

    def channel_spend(self, m: str) -> tuple[set, float]:
        """The channels the plan runs in m and their activation cost (`channel_spend`)."""
        if not hasattr(self, "spend"):
            self.spend = channel_spend(self.instance, self.plan)
        running = {c for (market, c) in self.spend if market == m}
        return running, sum(v for (market, _), v in self.spend.items() if market == m)

    def sold(self) -> dict:
        """(product, market) -> units sold over the horizon. Computed once."""
        if getattr(self, "units_sold", None) is None:
            self.units_sold = defaultdict(float)
            for o in self.plan["portfolio"]:
                self.units_sold[(o["product"], o["market"])] += o["units"]
        return self.units_sold

    def delivered(self) -> dict:
        """(product, market) -> [units, cost, goods] of the plan's direct and last-mile deliveries:
        each arc at its unit cost (freight, holding, handling, duties), plus, for a last mile, the
        cheapest linehaul into its warehouse from the units' origin; goods is what the units cost at
        their origin above unit_cost. Computed once."""
        if getattr(self, "deliveries", None) is None:
            self.deliveries = defaultdict(lambda: [0.0, 0.0, 0.0])
            for f in self.plan["flows"]:
                if f["kind"] == LINEHAUL:
                    continue
                origin = f.get("origin", ORIGIN)
                unit = self.arc_cost.get((f["product"], f["lane"], origin), 0.0)
                if f["kind"] == LASTMILE:
                    key = (f["product"], f["from"], origin)
                    unit += self.linehaul_costs().get(key, float(self.inbound.get(key, 0.0)))
                delivered = self.deliveries[(f["product"], f["to"])]
                delivered[0] += f["units"]
                delivered[1] += unit * f["units"]
                delivered[2] += self.goods_extra.get((f["product"], origin), 0.0) * f["units"]
        return self.deliveries

    def linehaul_costs(self) -> dict:
        """(product, warehouse, origin) -> what the plan's linehaul of the product into the warehouse
        from the origin costs per unit: its arcs' unit costs, plus each lane's full containers shared
        among the units in them by m3, less the LCL those units do not pay, averaged over the units
        sent. Computed once."""
        if getattr(self, "line_costs", None) is None:
            cost, units = defaultdict(float), defaultdict(float)
            for f in self.plan["flows"]:
                if f["kind"] == LINEHAUL:
                    key = (f["product"], f["to"], f["from"])
                    cost[key] += self.arc_cost.get((f["product"], f["lane"], f["from"]), 0.0) * f["units"]
                    units[key] += f["units"]
            for key, delta in self.container_shares().items():
                cost[key] += delta
            self.line_costs = {key: cost[key] / sent for key, sent in units.items() if sent > 0}
        return self.line_costs

    def container_shares(self) -> dict:
        """(product, warehouse, origin) -> its share of the full containers' cost (by m3, per lane and
        period, at base rates) less the LCL its units in them do not pay."""
        shares = defaultdict(float)
        if self.instance.tables["containers"].empty:
            return shares
        rules = self.instance.table("containers").set_index("lane")
        volume = self.instance.table("products").set_index("product")["volume_m3"]
        arcs = self.net.arcs
        lcl = dict(zip(zip(arcs["product"], arcs["lane"]), arcs["lcl"]))
        boxed = [f for f in self.plan["flows"] if f.get("in_containers", 0.0) > 0]
        m3 = defaultdict(float)
        for f in boxed:
            m3[(f["lane"], f.get("period"))] += f["in_containers"] * volume[f["product"]]
        boxes = {(r["lane"], r.get("period")): r["count"] for r in self.plan.get("containers", [])}
        for f in boxed:
            where = (f["lane"], f.get("period"))
            box_cost = boxes.get(where, 0) * float(rules.at[f["lane"], "cost_per_container"])
            shares[(f["product"], f["to"], f["from"])] += (box_cost * f["in_containers"] * volume[f["product"]] / m3[where]
                                                - f["in_containers"] * lcl.get((f["product"], f["lane"]), 0.0))
        return shares

    def market_flows_cost(self) -> dict:
        """Freight, holding, handling and duties of each market's units (`delivered`). Computed once."""
        if getattr(self, "flows_cost", None) is None:
            self.flows_cost = defaultdict(float)
            for (_, market), (_, total, _) in self.delivered().items():
                self.flows_cost[market] += total
        return self.flows_cost

    def origin_goods(self) -> dict:
        """market -> what its units cost at their origins above unit_cost (`delivered`)."""
        extra = defaultdict(float)
        for (_, market), (_, _, goods) in self.delivered().items():
            extra[market] += goods
        return extra


def regime_context(instance, plan: dict) -> tuple[pd.DataFrame, pd.Series, dict]:
    """The markets table by market, each regime's compliance cost, and how many entered markets
    share each regime (its cost is split equally among them)."""
    markets = instance.table("markets").set_index("market")
    regimes = (instance.table("regimes").set_index("regime")["compliance_cost"] if len(instance.tables["regimes"])
               else pd.Series(dtype=float))
    under_regime = defaultdict(int)
    for m in plan["markets"]:
        under_regime[markets.at[m, "regime"]] += 1
    return markets, regimes, under_regime


def market_lines(accounts: Accounts) -> list[str]:
    """One line per market (entered first, in the instance's order)."""
    markets, regimes, under_regime = regime_context(accounts.instance, accounts.plan)
    entered = set(accounts.plan["markets"])
    lines = []
    for m in [m for m in markets.index if m in entered]:
        lines.append(_entered_market(accounts, m, markets.loc[m], regimes, under_regime))
    for m in [m for m in markets.index if m not in entered]:
        lines.append(_skipped_market(accounts, m, markets.loc[m], regimes, entered, markets))
    return lines


def market_account(accounts: Accounts, m: str, row, regimes, under_regime) -> dict:
    """An entered market's profit and loss from the plan's own numbers: revenue, goods, freight
    (with duties, handling and holding), payment loss, FX, payment-method fees and refused
    orders, returns, the contribution they leave, and the fixed costs it carries (entry, channels,
    listings, mitigation, payment-method integration, its share of its regime's compliance,
    shared equally by the entered markets under the regime, and its data-protection costs)."""
    plan, net = accounts.plan, accounts.net
    sold = {k: u for k, u in accounts.sold().items() if k[1] == m}
    index = [accounts.pair_of[(p, m)] for p, _ in sold if (p, m) in accounts.pair_of]
    units = np.array([sold[(p, m)] for p, _ in sold if (p, m) in accounts.pair_of])
    pairs = net.pairs.iloc[index]
    revenue = float((pairs["price"].to_numpy() * units).sum()) if index else 0.0
    goods = float((pairs["unit_cost"].to_numpy() * units).sum()) if index else 0.0
    goods += accounts.origin_goods().get(m, 0.0)
    listing = float(pairs["listing_cost"].sum()) if index else 0.0
    covered = {x["market"]: x["covered_revenue"] for x in plan["mitigations"]}.get(m, 0.0)
    payments = accounts.payments(m, revenue, units, pairs)
    loss = (row["payment_loss_rate"] * (revenue - payments["paid"]) + payments["method_loss"]
            - (row["payment_loss_rate"] - row["mitigated_loss_rate"]) * covered)
    freight = accounts.market_flows_cost().get(m, 0.0)
    fx = row["fx_cost_rate"] * revenue
    checkout = payments["fees"] + payments["refused"]
    returns = accounts.returns_cost(m, pairs, units)
    running, spend = accounts.channel_spend(m)
    creators = accounts.creator_fees().get(m, 0.0)
    mitigation = float(row["mitigation_cost"]) if m in {x["market"] for x in plan["mitigations"]} else 0.0
    regime = row["regime"]
    share = float(regimes.get(regime, 0.0)) / under_regime[regime] if isinstance(regime, str) and regime in regimes.index else 0.0
    contribution = revenue - goods - freight - loss - fx - checkout - returns
    data = accounts.data_protection(m, regime)
    fixed = float(row["entry_cost"]) + spend + creators + listing + mitigation + share + payments["integration"] + data
    return dict(market=m, products=len(sold), units=float(units.sum()) if index else 0.0, revenue=revenue, goods=goods,
                freight=freight, payment_loss=float(loss), fx=float(fx), payment_fees=payments["fees"],
                refused_orders=payments["refused"], returns=returns, contribution=float(contribution),
                entry=float(row["entry_cost"]), channels=len(running), channel_spend=spend, creator_fees=creators,
                listings=listing,
                mitigation=mitigation, payment_integration=payments["integration"], regime=regime if share else None,
                compliance_share=share, data_protection=data, fixed=fixed,
                net=float(contribution) - fixed)


def _entered_market(accounts: Accounts, m: str, row, regimes, under_regime) -> str:
    a = market_account(accounts, m, row, regimes, under_regime)
    cur = accounts.currency
    verdict = "pays for itself" if a["contribution"] >= a["fixed"] else (
        "does not pay for itself on its own (a limit or a shared cost keeps it)")
    parts = [f"entry {_money(a['entry'], cur)}"]
    if a["channels"]:
        parts.append(f"{a['channels']} channel(s) {_money(a['channel_spend'], cur)}")
    if a["creator_fees"]:
        parts.append(f"creators {_money(a['creator_fees'], cur)}")
    if a["listings"]:
        parts.append(f"listings {_money(a['listings'], cur)}")
    if a["mitigation"]:
        parts.append(f"mitigation {_money(a['mitigation'], cur)}")
    if a["payment_integration"]:
        parts.append(f"payment methods {_money(a['payment_integration'], cur)}")
    if a["compliance_share"]:
        parts.append(f"its share of {a['regime']} compliance {_money(a['compliance_share'], cur)}")
    if a["data_protection"]:
        parts.append(f"customer data {_money(a['data_protection'], cur)}")
    return (f"{m} entered: contribution {_money(a['contribution'], cur)} from {a['products']} product(s) against fixed costs "
            f"{_money(a['fixed'], cur)} ({', '.join(parts)}); it {verdict}")


def _best_case_contribution(accounts: Accounts, m: str, row) -> float:
    """A market's best case if entered: each offerable pair on its cheapest lane at its margin
    net of payment loss and FX, organic demand always, each channel only if what it unlocks at
    those margins exceeds its activation cost."""
    net = accounts.net
    pairs = net.pairs[net.pairs["market"] == m]
    if pairs.empty:
        return 0.0
    via = accounts.via_warehouse.groupby("pair")["route_cost"].min()
    lane = np.fmin(accounts.direct_cost.reindex(pairs.index).to_numpy(), via.reindex(pairs.index).to_numpy())
    lost = row["payment_loss_rate"] + row["fx_cost_rate"]
    margin = pd.Series(np.nan_to_num(pairs["price"].to_numpy() * (1 - lost) - pairs["unit_cost"].to_numpy() - lane,
                                     nan=-np.inf), index=pairs.index).clip(lower=0.0)
    value = float((margin * pairs["base_demand"].fillna(0.0)).sum())
    pot = net.potentials[net.potentials["market"] == m]
    channels = accounts.instance.table("market_channels")
    cost = channels[channels["market"] == m].set_index("channel")["activation_cost"]
    for channel, group in pot.groupby("channel"):
        unlocked = float((group["pot"].to_numpy() * margin.reindex(group["pair"]).fillna(0.0).to_numpy()).sum())
        value += max(0.0, unlocked - float(cost.get(channel, 0.0)))
    return value


def _skipped_market(accounts: Accounts, m: str, row, regimes, entered: set, markets) -> str:
    cur = accounts.currency
    best = _best_case_contribution(accounts, m, row)
    regime = row["regime"]
    regime_paid = isinstance(regime, str) and any(markets.at[e, "regime"] == regime for e in entered)
    regime_cost = 0.0 if regime_paid or not isinstance(regime, str) else float(regimes.get(regime, 0.0))
    data_cost = accounts.data_to_enter(m, regime)
    fixed = float(row["entry_cost"]) + regime_cost + data_cost
    if best <= fixed:
        why = "not worth it even in the best case"
    else:
        why = "the best case would pay, so limits or shared costs decide (budgets, capacities, certifications)"
    regime_text = f", {regime} compliance {_money(regime_cost, cur)}" if regime_cost else ""
    regime_text += f", customer data {_money(data_cost, cur)}" if data_cost else ""
    return (f"{m} not entered: estimate, at most {_money(best, cur)} of contribution against "
            f"{_money(fixed, cur)} to enter (entry {_money(row['entry_cost'], cur)}{regime_text}): {why}; "
            f"xborder explain --why market={m} gives the exact answer")


def warehouse_lines(accounts: Accounts) -> list[str]:
    """One line per warehouse (open first)."""
    inst, plan = accounts.instance, accounts.plan
    warehouses = inst.table("warehouses").set_index("warehouse")
    opened = set(plan["warehouses"])
    served = defaultdict(float)
    for f in plan["flows"]:
        if f["kind"] == LASTMILE:
            served[(f["from"], f["product"], f["to"])] += f["units"]
    cheapest = accounts.via_warehouse.groupby(["warehouse", "product", "market"])["route_cost"].min().to_dict()
    lines = []
    for w in [w for w in warehouses.index if w in opened]:
        lines.append(_open_warehouse(accounts, w, float(warehouses.at[w, "fixed_cost"]), served, cheapest))
    usable = set(accounts.via_warehouse["warehouse"])
    for w in [w for w in warehouses.index if w not in opened]:
        if w not in usable:
            lines.append(f"{w} not opened: it cannot serve any product-market (no usable linehaul in and last mile out)")
            continue
        lines.append(_closed_warehouse(accounts, w, float(warehouses.at[w, "fixed_cost"])))
    return lines


def _open_warehouse(accounts: Accounts, w: str, fixed: float, served: dict, cheapest: dict) -> str:
    """What w's units would cost more on the cheapest direct lane than on their cheapest route
    through w (`cheapest`: the least route cost per warehouse, product and market)."""
    cur = accounts.currency
    units = saving = stranded = 0.0
    for (source, p, m), u in served.items():
        if source != w:
            continue
        units += u
        i = accounts.pair_of.get((p, m))
        direct = accounts.direct_cost.get(accounts.net.pairs.index[i]) if i is not None else None
        route = cheapest.get((w, p, m))
        if direct is None or pd.isna(direct):
            stranded += u
        elif route is not None:
            saving += (float(direct) - float(route)) * u
    extra = f"; {stranded:,.0f} of them have no direct lane within their promise" if stranded else ""
    verdict = "saves more than it costs" if saving >= fixed or stranded else "costs more than it saves on freight alone"
    return (f"{w} open: serves {units:,.0f} units, which would cost {_money(saving, cur)} more on the cheapest direct lane"
            f"{extra}, against its fixed cost of {_money(fixed, cur)}: it {verdict}")


def _closed_warehouse(accounts: Accounts, w: str, fixed: float) -> str:
    """Estimate: what the units sold now would save if sent through w where that is cheaper."""
    cur = accounts.currency
    current = accounts.delivered()
    via = accounts.via_warehouse[accounts.via_warehouse["warehouse"] == w]
    route = via.groupby(["product", "market"])["route_cost"].min().to_dict()  # from the cheaper origin
    saving = sum(max(0.0, (cost + goods) / units - route[key]) * units for key, (units, cost, goods) in current.items()
                 if units > 0 and key in route and not np.isnan(route[key]))
    verdict = "not worth it even in the best case" if saving <= fixed else "the best case would pay; capacity or other limits decide"
    return (f"{w} not opened: estimate, at most {_money(saving, cur)} saved on the units sold now, capacity aside, "
            f"against its fixed cost of {_money(fixed, cur)}: {verdict}; xborder explain --why warehouse={w} gives the "
            "exact answer")


def payment_lines(accounts: Accounts) -> list[str]:
    """One line per payment method of an entered market: offered, what it costs against the
    exclusive buyers it keeps; not offered, what offering it would cost against the buyers it
    would bring. The buyers' worth is an estimate, labelled as one: the method's exclusive share
    of the market's contribution (scaled up by the buyers already lost when it is not offered)."""
    methods = accounts.instance.table("payment_methods")
    if methods.empty:
        return []
    markets, regimes, under_regime = regime_context(accounts.instance, accounts.plan)
    entered = set(accounts.plan["markets"])
    offered = {(r["market"], r["method"]) for r in accounts.plan.get("payment_methods", [])}
    cur, lines = accounts.currency, []
    for m in [m for m in markets.index if m in entered]:
        mine = methods[methods["market"] == m]
        if mine.empty:
            continue
        a = market_account(accounts, m, markets.loc[m], regimes, under_regime)
        reach = 1.0 - mine.loc[[(m, j) not in offered for j in mine["method"]], "exclusive_share"].sum()
        for row in mine.itertuples():
            lines.append(_payment_line(row, a, (m, row.method) in offered, reach, markets.loc[m], cur))
    return lines


def _payment_line(row, a: dict, is_offered: bool, reach: float, market, cur: str) -> str:
    revenue = a["revenue"] / reach if not is_offered and reach > 0 else a["revenue"]
    paid = row.share * revenue
    orders = a["units"] / reach if not is_offered and reach > 0 else a["units"]
    refused = row.refusal_rate / (1.0 - row.refusal_rate) * row.share * orders * row.refusal_cost_per_order
    costs = row.integration_cost + (row.fee_rate + row.loss_rate - market["payment_loss_rate"]) * paid + refused
    buyers = row.exclusive_share * a["contribution"] / max(reach, 1e-9)
    cost_text = (f"integration {_money(row.integration_cost, cur)}, fees {_money(row.fee_rate * paid, cur)} on "
                 f"{100 * row.share:.0f}% of the market's revenue" + (f", refused orders {_money(refused, cur)}" if refused else ""))
    kind = f" ({row.kind})" if row.kind else ""
    if is_offered:
        keeps = (f"; without it its {100 * row.exclusive_share:.0f}% of buyers who pay no other way would not buy (about "
                 f"{_money(buyers, cur)} of contribution, an estimate)" if row.exclusive_share > 0 else
                 "; no buyer depends on it, it is offered for its lower fees and losses")
        return f"{a['market']}/{row.method}{kind} offered: {cost_text}{keeps}"
    return (f"{a['market']}/{row.method}{kind} not offered: it would cost about {_money(costs, cur)} ({cost_text}, with "
            f"its fraud and chargeback loss instead of the card checkout's) against about {_money(buyers, cur)} from the {100 * row.exclusive_share:.0f}% of buyers who pay no other way (an estimate; "
            f"xborder explain --why payment={a['market']}/{row.method} gives the exact answer)")


def data_lines(accounts: Accounts) -> list[str]:
    """Per regime with a data_transfer row and an entered market: where its customer data lives
    and what the other way would cost; per obligation of such a regime, met or not, with the
    regime's buyers against its threshold (docs/model.md, "Data transfer and localisation")."""
    rules = accounts.instance.table("data_transfer")
    plan, cur, lines = accounts.plan, accounts.currency, []
    markets = accounts.instance.table("markets").set_index("market")["regime"]
    hosted = set(plan.get("data_hosting", []))
    for rule in rules.itertuples():
        under = [m for m in plan["markets"] if markets[m] == rule.regime]
        if not under:
            continue
        local = [m for m in under if m in hosted]
        if local:
            other = ("the regime allows no transfer" if rule.must_localise else
                     f"its transfer mechanism would cost {_money(rule.transfer_cost, cur)} for them all")
            lines.append(f"{rule.regime} customer data hosted in {', '.join(local)}: {len(local)} x "
                         f"{_money(rule.hosting_cost, cur)} ({other})")
        sent = [m for m in under if m not in hosted]
        if sent:
            other = (f"hosting it in each would cost {len(sent)} x {_money(rule.hosting_cost, cur)}"
                     if rule.hosting_cost == rule.hosting_cost else "the regime offers no local hosting")
            how = f" under {rule.mechanism}" if rule.mechanism else ""
            lines.append(f"{rule.regime} customer data of {', '.join(sent)} leaves the market{how}: "
                         f"{_money(rule.transfer_cost, cur)} for them all ({other})")
    lines += _obligation_lines(accounts, markets)
    return lines


def _obligation_lines(accounts: Accounts, markets: pd.Series) -> list[str]:
    duties = accounts.instance.table("data_obligations")
    plan, cur, lines = accounts.plan, accounts.currency, []
    met = {(r["regime"], r["obligation"]) for r in plan.get("data_obligations", [])}
    orders = accounts.regime_buyers()
    for duty in duties.itertuples():
        if not any(markets[m] == duty.regime for m in plan["markets"]):
            continue
        buyers = orders.get(duty.regime, 0.0) / duty.orders_per_buyer
        name = f"{duty.regime}/{duty.obligation}"
        if (duty.regime, duty.obligation) in met:
            lines.append(f"{name} met for {_money(duty.cost, cur)}: the plan's {buyers:,.0f} buyers exceed its threshold "
                         f"of {duty.buyer_threshold:,.0f}")
        elif buyers >= duty.buyer_threshold * (1 - 1e-6) and duty.buyer_threshold > 0:
            lines.append(f"{name} not needed: the plan holds the regime's buyers at its threshold of "
                         f"{duty.buyer_threshold:,.0f}; more would cost {_money(duty.cost, cur)}")
        else:
            lines.append(f"{name} not needed: {buyers:,.0f} buyers, under its threshold of {duty.buyer_threshold:,.0f}")
    return lines


def container_lines(instance, plan: dict) -> list[str]:
    """Per container lane that carries units: its full containers and LCL over the horizon against
    LCL only; with one period, why not one container more (it would cost more than the LCL it
    replaces) or one fewer (its units would cost more at LCL) (docs/model.md, "Containers")."""
    if instance.tables["containers"].empty:
        return []
    table, cur, lines = containers_table(instance, plan), instance.settings["currency"], []
    rules = instance.table("containers").set_index("lane")
    one_period = "period" not in table
    for lane, rows in table.groupby("lane", sort=False):
        rule, n = rules.loc[lane], int(rows["containers"].sum())
        kind = container_name(rule["container"])
        lcl, lcl_cost = rows["lcl_freight_tonnes"].sum(), rows["lcl_cost"].sum()
        text = f"{lane} ships "
        if n:
            m3 = rows["m3_in_containers"].sum()
            text += f"{n} x {kind} ({m3:,.1f} m3, {m3 / (n * rule['capacity_m3']):.0%} of their room) for {_money(rows['container_cost'].sum(), cur)}"
            text += f" and {lcl:,.1f} freight t LCL for {_money(lcl_cost, cur)}" if lcl > 0.05 else ""
            text += f": LCL only would cost {_money(rows['all_lcl_cost'].sum(), cur)}"
        else:
            text += f"{lcl:,.1f} freight t LCL for {_money(lcl_cost, cur)}"
        if one_period and lcl > 0.05:
            text += (f"; one {kind} more ({_money(rule['cost_per_container'], cur)}) would cost more than the "
                     f"{_money(lcl_cost, cur)} of LCL it replaces")
        elif one_period and n:
            last = m3 - (n - 1) * rule["capacity_m3"]
            avoided = (rows["all_lcl_cost"].sum() - lcl_cost) * last / m3  # the LCL its units do not pay
            text += (f"; the last {kind} carries {last:,.1f} m3 for {_money(rule['cost_per_container'], cur)} against "
                     f"{_money(avoided, cur)} at LCL")
        lines.append(text)
    return lines


def creator_lines(instance, plan: dict) -> list[str]:
    """Per market and channel with creators: the campaigns booked per tier and their fees, the
    people they reach counted with repeats and the distinct ones (the rest overlap on the
    channel's creator pool), and the tiers not booked, with the question that prices them
    (docs/model.md, "Creators")."""
    rows = instance.table("creators")
    if rows.empty:
        return []
    table, cur, lines = creators_table(instance, plan), instance.settings["currency"], []
    reach = reach_by_channel(plan).groupby(["market", "channel"])[["booked_reach", "distinct_reach"]].sum()
    pools = instance.table("market_channels").set_index(["market", "channel"])["creator_pool"]
    for (market, channel), offered in rows.groupby(["market", "channel"], sort=False):
        booked = table[(table["market"] == market) & (table["channel"] == channel)]
        label = {r["creator"]: tier_name(r) for _, r in offered.iterrows()}
        idle = [k for k in label if k not in set(booked["creator"])]
        text = f"{market} {channel} creators: "
        if len(booked):
            per = booked.groupby("creator", sort=False)["campaigns"].sum()
            text += (" and ".join(f"{int(n)} {label[k]}" for k, n in per.items())
                     + f" campaign{'s' if per.sum() != 1 else ''} for {_money(booked['fees'].sum(), cur)}")
            if (market, channel) in reach.index:
                r = reach.loc[(market, channel)]
                text += (f" reach {r['booked_reach']:,.0f} engaged people, {r['distinct_reach']:,.0f} of them distinct "
                         f"(the rest overlap on the channel's pool of {pools.loc[(market, channel)]:,.0f})")
        if idle:
            text += (f"{'; ' if len(booked) else ''}not booked: {', '.join(label[k] for k in idle)} (xborder explain "
                     f"--why creator={idle[0]} gives what one campaign would change)")
        lines.append(text)
    return lines


def plan_in_words(instance, plan: dict) -> list[str]:
    """The lines of the module docstring: markets, payment methods, customer data, warehouses, then
    origins, creators and containers."""
    accounts = Accounts(instance, plan)
    return (market_lines(accounts) + payment_lines(accounts) + data_lines(accounts) + warehouse_lines(accounts)
            + origin_lines(accounts) + creator_lines(instance, plan) + container_lines(instance, plan))


def run_in_words(run) -> list[str] | None:
    """The plan in words of a run with a plan (None without one); its seconds go in run.seconds["words"]."""
    if not run.has_plan:
        return None
    start = time.perf_counter()
    lines = plan_in_words(run.instance, run.plan)
    run.seconds["words"] = time.perf_counter() - start
    return lines


def market_accounts(instance, plan: dict) -> pd.DataFrame:
    """The entered markets' profit and loss (market_account), one row each."""
    accounts = Accounts(instance, plan)
    markets, regimes, under_regime = regime_context(instance, plan)
    rows = [market_account(accounts, m, markets.loc[m], regimes, under_regime) for m in markets.index if m in set(plan["markets"])]
    return pd.DataFrame(rows)
