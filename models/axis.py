"""The period axis of the model: every per-period quantity as an array with one column per period.

An instance without a `periods` table is the case of one period, the whole horizon, with nothing
that depends on time: every demand share is 1, the demand bound is U, the arc costs are the
derived unit costs, every linehaul shipment arrives in the period it is sent (there is no other),
and there is no stock between periods. The families of `parts.py` are written once over this
axis; with one period they give exactly the one-period model of docs/model.md.

With a `periods` table (docs/model.md, "Periods"): W[i,t] is the pair's share of its horizon
demand in period t (data/seasons.py), U[i,t] its demand bound with every channel running and the
carry-over of the period before, the arc costs carry each period's freight multiplier, and a
linehaul shipment sent at the start of t arrives in the period that holds day start_t + transit
(or never, past the horizon).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.instance import Instance
from ..data.network import LASTMILE, LINEHAUL, STOCK_KEY
from ..data.seasons import arrival_periods, demand_shares, freight_multipliers, seasons_of
from .index import ModelIndex

HORIZON = "horizon"  # the one period of an instance without a periods table


@dataclass
class PeriodAxis:
    names: list[str]  # in order
    named: bool  # the instance has a periods table: plan records carry their period
    share: np.ndarray  # (T,) length of each period / horizon: its share of horizon costs and capacities
    length_days: np.ndarray  # (T,)
    W: np.ndarray  # (pairs, T) demand shares
    U: np.ndarray  # (pairs, T) demand bound per period
    U_plain: np.ndarray  # (pairs, T) the same without the creators' part (models/creators.py, rows CR3-CR6)
    carry: np.ndarray  # potential rows whose channel's sales carry over into the next period (rho > 0)
    rho: np.ndarray  # word of mouth per potential row
    retention: np.ndarray  # repeat purchase per pair
    unit_cost: np.ndarray  # (arcs, T) cost per unit on each arc in each period
    freight: np.ndarray  # (arcs, T) the freight multiplier of each arc's mode in each period
    line: np.ndarray  # positions of the linehaul arcs
    arrival: np.ndarray  # (linehaul arcs, T): the period a shipment sent in t arrives in, -1 past the horizon
    stock_keys: pd.MultiIndex  # (product, warehouse, origin) with a last mile out: the warehouse balance rows

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def many(self) -> bool:
        return self.count > 1


def period_axis(instance: Instance, ix: ModelIndex) -> PeriodAxis:
    """The axis of `instance` over the index sets `ix` (see the module docstring)."""
    pairs, arcs, pot = ix.pairs, ix.arcs, ix.potentials
    line = np.flatnonzero(arcs["kind"].to_numpy() == LINEHAUL)
    last = arcs[arcs["kind"] == LASTMILE]
    stock_keys = pd.MultiIndex.from_frame(last[STOCK_KEY].drop_duplicates())
    rho = ix.channels["rho"].to_numpy()[pot["k"].to_numpy()] if len(pot) else np.zeros(0)
    retention = ix.markets["retention"].reindex(pairs["market"]).to_numpy()
    if not instance.seasonal:
        return PeriodAxis([HORIZON], False, np.ones(1), np.array([float(instance.settings["horizon_days"])]),
                          np.ones((len(pairs), 1)), ix.pairs["U"].to_numpy()[:, None],
                          (ix.pairs["U"] - ix.pairs["creator_U"]).to_numpy()[:, None], np.flatnonzero(rho > 0), rho,
                          retention, arcs["unit_cost"].to_numpy()[:, None], np.ones((len(arcs), 1)), line,
                          np.zeros((len(line), 1), dtype=np.int64), stock_keys)
    seasons = seasons_of(instance.tables, instance.settings)
    W = demand_shares(seasons, instance.tables, pairs)
    carry = np.flatnonzero(rho > 0)
    modes = ix.lanes["mode"].reindex(arcs["lane"]).reset_index(drop=True)
    freight = freight_multipliers(seasons, instance.tables, modes)
    transit = ix.lanes["transit_days"].reindex(arcs["lane"].to_numpy()[line]).to_numpy()
    arrival = arrival_periods(seasons, transit) if seasons.count > 1 else np.zeros((len(line), 1), dtype=np.int64)
    return PeriodAxis(seasons.names, True, seasons.length_share, seasons.periods["length_days"].to_numpy(dtype=float),
                      W, _demand_bounds(ix, W, seasons.length_share, rho, carry, retention),
                      _demand_bounds(ix, W, seasons.length_share, rho, carry, retention, creators=False), carry, rho,
                      retention, _unit_costs(arcs, freight), freight, line, arrival, stock_keys)


def _demand_bounds(ix: ModelIndex, W: np.ndarray, share: np.ndarray, rho: np.ndarray, carry: np.ndarray,
                   retention: np.ndarray, creators: bool = True) -> np.ndarray:
    """U[i,t]: row 5_t's bound with every channel running and every creator campaign booked (at
    the period's demand intensity W / len_t; none without `creators`), the carry-over of t-1
    included (its channel sales carried at rho, its sales retained); in cost mode the fixed
    demand's share."""
    pairs, pot = ix.pairs, ix.potentials
    n, T = W.shape
    if ix.cost_mode:
        return pairs["demand"].to_numpy()[:, None] * W
    if T == 1 and np.all(W == 1.0):
        return (pairs["U"] - (0.0 if creators else pairs["creator_U"])).to_numpy()[:, None]
    pair_of = pot["pair"].to_numpy(dtype=np.int64)
    pot_sum = np.bincount(pair_of, weights=pot["pot"].to_numpy(), minlength=n)
    carry_pot = np.bincount(pair_of[carry], weights=(rho * pot["pot"].to_numpy())[carry], minlength=n)
    base = (pairs["base_demand"].to_numpy() + pot_sum)[:, None] * W
    if creators:
        base = base + pairs["creator_U"].to_numpy()[:, None] * W / share[None, :]
    bound = np.zeros((n, T))
    for t in range(T):
        bound[:, t] = base[:, t]
        if t > 0:
            bound[:, t] += carry_pot * W[:, t - 1] + retention * bound[:, t - 1]
    return bound


def _unit_costs(arcs: pd.DataFrame, freight: np.ndarray) -> np.ndarray:
    """(arcs, T): transport at each period's freight multiplier, plus holding, handling and duty."""
    rest = (arcs["holding"] + arcs["handling"] + arcs["duty"]).to_numpy()[:, None]
    return arcs["transport"].to_numpy()[:, None] * freight + rest
