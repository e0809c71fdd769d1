"""Derived data of a multi-period plan (docs/model.md, "Periods"): the periods in order, each
pair's share of its horizon demand per period, freight multipliers and linehaul arrival periods.

Shares: a pair (p, m) sells in period t a share `len_t * mult[p,m,t] / sum_t' len_t' * mult[p,m,t']`
of its horizon demand, where `mult` is the seasonality row for the product, else for its category,
else for the whole market (category and product blank), else the period's own multiplier. With one
period, or every multiplier equal, the share is `len_t / horizon`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Seasons:
    periods: pd.DataFrame  # ordered; period, length_days, start_day, demand_multiplier
    horizon: float

    @property
    def count(self) -> int:
        return len(self.periods)

    @property
    def names(self) -> list[str]:
        return list(self.periods["period"])

    @property
    def length_share(self) -> np.ndarray:
        """len_t / horizon: the share of a horizon cost (fixed costs, capacities) in period t."""
        return self.periods["length_days"].to_numpy() / self.horizon


def seasons_of(tables: dict, settings: dict) -> Seasons:
    periods = tables["periods"].drop(columns="_row").sort_values("order", kind="stable").reset_index(drop=True)
    periods["start_day"] = periods["length_days"].cumsum() - periods["length_days"]
    return Seasons(periods[["period", "length_days", "start_day", "demand_multiplier"]], float(settings["horizon_days"]))


def demand_shares(seasons: Seasons, tables: dict, pairs: pd.DataFrame) -> np.ndarray:
    """(pairs x periods) shares of each pair's horizon demand, each row summing to 1 (or 0 when
    every multiplier of the pair is 0)."""
    names = seasons.names
    mult = np.tile(seasons.periods["demand_multiplier"].to_numpy(), (len(pairs), 1))
    season = tables["seasonality"]
    column = {p: j for j, p in enumerate(names)}
    keys = pairs[["product", "market", "category"]].reset_index(drop=True)
    for level, match in (("market", ["market"]), ("category", ["market", "category"]), ("product", ["market", "product"])):
        if level == "market":
            rows = season[season["category"].isna() & season["product"].isna()]
        else:
            rows = season[season[level].notna()]
        if rows.empty:
            continue
        hits = keys.reset_index(names="row").merge(rows[[*match, "period", "demand_multiplier"]], on=match)
        mult[hits["row"].to_numpy(), hits["period"].map(column).to_numpy()] = hits["demand_multiplier"].to_numpy()
    weighted = mult * seasons.periods["length_days"].to_numpy()
    total = weighted.sum(axis=1, keepdims=True)
    return np.divide(weighted, total, out=np.zeros_like(weighted), where=total > 0)


def freight_multipliers(seasons: Seasons, tables: dict, modes: pd.Series) -> np.ndarray:
    """(arcs x periods) multipliers of the transport cost (peak surcharges), 1 where none is given."""
    mult = np.ones((len(modes), seasons.count))
    freight = tables["period_freight"]
    column = {p: j for j, p in enumerate(seasons.names)}
    for row in freight.itertuples():
        mult[(modes == row.mode).to_numpy(), column[row.period]] = row.cost_multiplier
    return mult


def arrival_periods(seasons: Seasons, transit_days: np.ndarray) -> np.ndarray:
    """(linehaul arcs x periods): the period in which a shipment sent at the start of period t
    arrives (the period holding day start_t + transit), or -1 past the horizon's end."""
    starts = seasons.periods["start_day"].to_numpy()
    ends = starts + seasons.periods["length_days"].to_numpy()
    day = starts[None, :] + np.asarray(transit_days, dtype=float)[:, None]
    arrival = np.searchsorted(ends, day, side="right")
    return np.where(arrival < seasons.count, arrival, -1)
