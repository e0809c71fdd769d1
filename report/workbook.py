"""The plan as a workbook for people (solution.xlsx): whole units whose totals agree, and number
formats.

Units are shown as whole numbers by the largest-remainder method, group by group, so that every
total a sheet shows is the sum of the whole numbers it stands for:

1. portfolio units within each market: each market's whole units add up to its rounded total,
   which is what the markets sheet shows;
2. direct and last-mile flows within each product, destination (and period): they add up to
   what the portfolio sheet shows sold there;
3. linehaul flows within each product and warehouse, and stock within each warehouse, to their
   rounded totals.

Each whole number is within 1 of the exact value (the floor or the ceiling). The exact values
stay in the sheet's `units_exact` column, in the CSV files and in solution.json.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MONEY = "#,##0.00"
NUMBER_FORMATS = {"units": "#,##0", "units_exact": "#,##0.000", "price": MONEY, "revenue": MONEY, "value": MONEY,
                  "value_per_unit": MONEY, "mitigation_covered_revenue": MONEY, "capacity_m3": "#,##0.0",
                  "inbound_m3": "#,##0.0", "utilisation": "0.0%", "peak_period_utilisation": "0.0%",
                  "avg_lead_time_days": "0.00", "slack": "#,##0.00", "buyers": "#,##0", "threshold": "#,##0", "cost": MONEY,
                  "in_containers": "#,##0", "containers": "#,##0", "m3_in_containers": "#,##0.0", "kg_in_containers": "#,##0",
                  "fill": "0.0%", "lcl_freight_tonnes": "#,##0.0", "container_cost": MONEY, "lcl_cost": MONEY,
                  "all_lcl_cost": MONEY, "saving": MONEY, "campaigns": "#,##0", "campaigns_per_period": "#,##0",
                  "booked_reach": "#,##0", "fees": MONEY, "fixed_cost": MONEY, "goods_cost": MONEY, "duties": MONEY}


def largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers, each the floor or the ceiling of its value, that add up to `total` (which
    must lie between the sum of the floors and the sum of the ceilings): the floors, plus one for
    the largest fractional parts."""
    values = np.clip(np.asarray(values, dtype=float), 0.0, None)
    floors = np.floor(values + 1e-9)
    short = int(round(total - floors.sum()))
    if short > 0:
        order = np.argsort(-(values - floors), kind="stable")[:short]
        floors[order] += 1
    elif short < 0:  # the exact values sum a hair above the total (solver tolerance): take back the smallest parts
        order = [i for i in np.argsort(values - floors, kind="stable") if floors[i] > 0][:-short]
        floors[order] -= 1
    return floors.astype(np.int64)


def whole_by_group(frame: pd.DataFrame, keys: list[str], totals: pd.Series | None = None) -> pd.Series:
    """`frame.units` as whole numbers, group by group (`keys`); each group adds up to its entry in
    `totals` (indexed like the groups) or else to its rounded sum. Vectorised: within each group
    the rows take their extra unit in the order of their fractional parts."""
    if frame.empty:
        return pd.Series(0, index=frame.index, dtype=np.int64)
    grouped = frame.groupby(keys, sort=False)
    group = grouped.ngroup().to_numpy()
    values = np.clip(frame["units"].to_numpy(dtype=float), 0.0, None)
    floors = np.floor(values + 1e-9)
    if totals is None:
        target = np.round(np.bincount(group, weights=values))
    else:
        labels = pd.MultiIndex.from_frame(frame[keys].drop_duplicates()) if len(keys) > 1 else frame[keys[0]].drop_duplicates()
        target = totals.reindex(labels).fillna(0).to_numpy(dtype=float)
    short = np.rint(target - np.bincount(group, weights=floors, minlength=len(target))).astype(np.int64)
    whole = floors.astype(np.int64)
    order = np.lexsort((-(values - floors), group))  # by group, largest fractional part first
    starts = np.searchsorted(group[order], np.arange(len(target)))
    rank = np.arange(len(order)) - starts[group[order]]
    whole[order[rank < short[group[order]]]] += 1
    for g in np.flatnonzero(short < 0):  # exact values a hair above their total (solver tolerance)
        rows = np.flatnonzero(group == g)
        whole[rows] = largest_remainder(values[rows], int(target[g]))
    return pd.Series(whole, index=frame.index)


def workbook_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The plan's tables (report/solution.py, plan_tables) with whole units (module docstring)."""
    shown = dict(tables)
    period = ["period"] if "period" in tables["portfolio"].columns else []
    portfolio = tables["portfolio"]
    sold = whole_by_group(portfolio, ["market"])
    shown["portfolio"] = portfolio.assign(units=sold, units_exact=portfolio["units"])
    markets = tables["markets"]
    by_market = sold.groupby(portfolio["market"]).sum()
    shown["markets"] = markets.assign(units=markets["market"].map(by_market).fillna(0).astype(np.int64),
                                      units_exact=markets["units"])
    flows = tables["flows"]
    if len(flows):
        outbound = flows["kind"] != "linehaul"
        targets = sold.groupby([portfolio[c] for c in ["product", "market", *period]]).sum()
        whole = pd.concat([whole_by_group(flows[outbound], ["product", "to", *period], targets),
                           whole_by_group(flows[~outbound], ["product", "to"])]).reindex(flows.index)
        shown["flows"] = flows.assign(units=whole, units_exact=flows["units"])
    if "stock" in tables and len(tables["stock"]):
        stock = tables["stock"]
        shown["stock"] = stock.assign(units=whole_by_group(stock, ["warehouse"]), units_exact=stock["units"])
    return shown
