"""Presolve: remove what can be decided without the solver, and nothing a limit could need.

Three reductions of the derived `Network`, each provably safe:

1. Dominated linehaul arcs: for a product, warehouse and origin, keep only the cheapest linehaul arc
   among the uncapacitated ones (a linehaul's transit time reaches no customer; holding is in
   its unit cost). A pricier arc can always be replaced by the uncapacitated cheapest one. A
   container lane is never dropped (full containers may make it cheaper than its LCL cost), and
   counts as the dearest it can be, at LCL, when it dominates another.
2. Dominated fulfilment arcs: an arc (direct, or last mile plus its cheapest linehaul) is
   dropped when an uncapacitated direct arc of the same product-market is no dearer and no slower.
   Shifting flow to it keeps every capacity, budget, service target and single-sourcing row
   satisfied and costs no more.
3. Unprofitable pairs (profit mode): a pair whose best unit margin over every route, net of the
   lowest possible payment loss (or fee and loss of a payment method), FX and the refunds of its
   returns less the most a returned unit can be worth, is <= 0 is never worth offering, unless something could
   make a loss-making sale useful: `must_offer`, a service target or level in its market, a revenue-share
   cap or a portfolio payment-loss cap anywhere (those reward revenue itself).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .network import DIRECT, LASTMILE, LINEHAUL, STOCK_KEY, Network

TOL = 1e-9


@dataclass
class PresolveReport:
    pairs_before: int
    pairs_removed: int
    arcs_before: int
    linehaul_removed: int
    fulfilment_removed: int

    @property
    def arcs_removed(self) -> int:
        return self.linehaul_removed + self.fulfilment_removed

    def __str__(self) -> str:
        return (f"presolve removed {self.pairs_removed} of {self.pairs_before} product-markets and "
                f"{self.arcs_removed} of {self.arcs_before} flow arcs "
                f"({self.linehaul_removed} linehaul, {self.fulfilment_removed} direct/last-mile)")


def presolve(net: Network, settings: dict) -> tuple[Network, PresolveReport]:
    arcs = net.arcs
    capped = set(net.lanes.index[net.lanes["capacity_kg"].notna()])
    arcs, line_removed = _drop_dominated_linehaul(arcs, capped)
    free = set(net.origins.index[net.origins["fixed_cost"] <= 0])
    arcs, fulfil_removed = _drop_dominated_fulfilment(arcs, capped, free)
    pairs = net.pairs
    if settings["objective"] == "profit":
        pairs = _drop_unprofitable_pairs(net, arcs, settings)
    arcs = _restrict_to_pairs(arcs, pairs)
    report = PresolveReport(len(net.pairs), len(net.pairs) - len(pairs), len(net.arcs), line_removed, fulfil_removed)
    reduced = replace(
        net,
        pairs=pairs,
        arcs=arcs.reset_index(drop=True),
        potentials=net.potentials[net.potentials["pair"].isin(pairs.index)].reset_index(drop=True),
        cert_needs=net.cert_needs.merge(pairs[["product", "market"]], on=["product", "market"]),
    )
    return reduced, report


def _drop_dominated_linehaul(arcs: pd.DataFrame, capped: set) -> tuple[pd.DataFrame, int]:
    line = arcs[arcs["kind"] == LINEHAUL]
    free = line[~line["lane"].isin(capped)]
    if free.empty:
        return arcs, 0
    best = free.sort_values("unit_cost", kind="stable").groupby(STOCK_KEY, sort=False).head(1)
    best_cost = best.set_index(STOCK_KEY)["unit_cost"]
    key = pd.MultiIndex.from_frame(line[STOCK_KEY])
    threshold = best_cost.reindex(key).to_numpy()
    boxed = line["fcl_saving"].to_numpy() > 0
    dominated = (line["unit_cost"].to_numpy() >= threshold - TOL) & ~line.index.isin(best.index) & ~boxed
    drop = line.index[np.nan_to_num(dominated, nan=0).astype(bool)]
    return arcs.drop(index=drop), len(drop)


def route_costs(arcs: pd.DataFrame) -> pd.Series:
    """Cheapest cost per unit of reaching the customer through each fulfilment arc, the goods'
    extra cost at their origin included (a container lane's linehaul at its cost in full containers)."""
    line = arcs[arcs["kind"] == LINEHAUL]
    cheapest_in = (line["unit_cost"] + line["goods"] - line["fcl_saving"]).groupby(
        [line["product"], line["warehouse"], line["origin"]]).min()
    fulfil = arcs[arcs["kind"] != LINEHAUL]
    extra = fulfil["goods"].to_numpy().copy()
    last = (fulfil["kind"] == LASTMILE).to_numpy()
    key = pd.MultiIndex.from_frame(fulfil.loc[last, STOCK_KEY])
    extra[last] = cheapest_in.reindex(key).to_numpy()
    return pd.Series(fulfil["unit_cost"].to_numpy() + extra, index=fulfil.index)


def _drop_dominated_fulfilment(arcs: pd.DataFrame, capped: set, free_origins: set) -> tuple[pd.DataFrame, int]:
    """Reduction 2; the dominating direct arc comes from an origin without a fixed cost or from
    the dominated arc's own origin, so shifting flow to it opens nothing."""
    cost = route_costs(arcs)
    fulfil = arcs.loc[cost.index, ["pair", "kind", "lane", "lead_time", "origin"]].assign(cost=cost)
    free_direct = fulfil[(fulfil["kind"] == DIRECT) & ~fulfil["lane"].isin(capped)]
    if free_direct.empty:
        return arcs, 0
    candidates = fulfil.reset_index(names="arc").merge(
        free_direct.reset_index(names="dominator")[["pair", "dominator", "cost", "lead_time", "origin"]],
        on="pair", suffixes=("", "_d"),
    )
    opens_nothing = candidates["origin_d"].isin(free_origins) | (candidates["origin_d"] == candidates["origin"])
    candidates = candidates[(candidates["arc"] != candidates["dominator"]) & opens_nothing]
    no_worse = (candidates["cost_d"] <= candidates["cost"] + TOL) & (candidates["lead_time_d"] <= candidates["lead_time"] + TOL)
    strictly = (candidates["cost_d"] < candidates["cost"] - TOL) | (candidates["lead_time_d"] < candidates["lead_time"] - TOL)
    # among exact ties keep the lowest-numbered arc, so one of them always survives
    tie_loses = ~strictly & (candidates["dominator"] < candidates["arc"])
    drop = pd.Index(candidates.loc[no_worse & (strictly | tie_loses), "arc"].unique())
    return arcs.drop(index=drop), len(drop)


def _drop_unprofitable_pairs(net: Network, arcs: pd.DataFrame, settings: dict) -> pd.DataFrame:
    pairs, markets = net.pairs, net.markets
    if settings["max_payment_loss_rate"] is not None or markets["max_revenue_share"].notna().any():
        return pairs
    cost = route_costs(arcs)
    best_route = pd.Series(cost.to_numpy(), index=arcs.loc[cost.index, "pair"].to_numpy()).groupby(level=0).min()
    mitigated = markets["mitigated_loss_rate"].where(markets["mitigation_cost"].notna(), markets["payment_loss_rate"])
    lowest = np.minimum(markets["payment_loss_rate"], mitigated)
    methods = net.methods[net.methods["share"] > 0]
    by_method = (methods["fee_rate"] + methods["loss_rate"]).groupby(methods["market"]).min()
    lowest = np.minimum(lowest, by_method.reindex(markets.index).fillna(np.inf))
    loss = lowest + markets["fx_cost_rate"]
    returned = pairs["return_value"] + pairs["restock_gain"].clip(lower=0).fillna(0.0)  # the best a returned unit is worth
    margin = (pairs["price"] * (1 - loss.reindex(pairs["market"]).to_numpy()) - pairs["unit_cost"]
              - best_route.reindex(pairs.index).to_numpy() - pairs["return_rate"] * (pairs["price"] - returned))
    served = markets["target_avg_lead_time_days"].notna() | markets["service_days"].notna()
    protected = pairs["must_offer"] | pairs["market"].map(served)
    keep = protected | (margin > TOL)
    return pairs[keep]


def _restrict_to_pairs(arcs: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Fulfilment arcs of kept pairs; linehaul arcs only where a kept last mile still needs them."""
    fulfil = arcs[(arcs["kind"] != LINEHAUL) & arcs["pair"].isin(pairs.index)]
    stocked = pd.MultiIndex.from_frame(fulfil.loc[fulfil["kind"] == LASTMILE, STOCK_KEY])
    line = arcs[arcs["kind"] == LINEHAUL]
    line = line[pd.MultiIndex.from_frame(line[STOCK_KEY]).isin(stocked)]
    return pd.concat([fulfil, line]).sort_index()
