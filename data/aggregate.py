"""The whole-horizon aggregate of a multi-period instance, for a first plan (pipeline.py,
`calendar_start`): the same products, markets, channels, warehouses and lanes on one period.

Quantities are per horizon in both (docs/model.md, "Periods": multipliers move demand within the
year, they do not add to it), so dropping the calendar keeps every demand, capacity and fixed
cost. What only the calendar has is averaged or dropped: each mode's transport costs are scaled by
its length-weighted mean freight multiplier, peaks no longer strain a period's share of a
capacity, channels run all year, and carry-over (word of mouth, retention) is gone. The aggregate
is a guide for the horizon decisions, not a relaxation: its optimum bounds nothing.
"""

from __future__ import annotations

import dataclasses

from .instance import Instance
from .seasons import seasons_of

CALENDAR_TABLES = ("periods", "seasonality", "period_freight")
COST_COLUMNS = ("cost_per_unit", "cost_per_kg", "cost_per_m3")
CONTAINER_COST_COLUMNS = ("cost_per_container", "lcl_rate_per_m3")


def whole_horizon(instance: Instance) -> Instance:
    """`instance` on one period: the calendar tables emptied, each lane's transport costs times
    its mode's mean freight multiplier over the periods, weighted by their length."""
    tables = dict(instance.tables)
    if instance.seasonal:
        tables["lanes"], tables["containers"] = _mean_freight(instance)
    for name in CALENDAR_TABLES:
        tables[name] = instance.tables[name].iloc[0:0].copy()
    return dataclasses.replace(instance, name=f"{instance.name} (whole horizon)", tables=tables, warnings=[])


def _mean_freight(instance: Instance):
    """The lanes and containers tables with each mode's costs scaled by sum_t len_t mult[mode,t] /
    sum_t len_t (a container lane's box and LCL prices too; its boxes are then counted over the
    horizon, not per period, so the aggregate fills them better than the calendar can)."""
    seasons = seasons_of(instance.tables, instance.settings)
    lanes, boxes = instance.tables["lanes"].copy(), instance.tables["containers"].copy()
    freight = instance.tables["period_freight"]
    if freight.empty:
        return lanes, boxes
    length = dict(zip(seasons.names, seasons.periods["length_days"].to_numpy(dtype=float)))
    total = sum(length.values())
    surcharge = (freight["period"].map(length) * (freight["cost_multiplier"] - 1.0)).groupby(freight["mode"]).sum() / total
    factor = 1.0 + lanes["mode"].map(surcharge).fillna(0.0).to_numpy()
    for column in COST_COLUMNS:
        lanes[column] = lanes[column].to_numpy(dtype=float) * factor
    box_factor = 1.0 + boxes["lane"].map(dict(zip(lanes["lane"], lanes["mode"]))).map(surcharge).fillna(0.0).to_numpy()
    for column in CONTAINER_COST_COLUMNS:
        boxes[column] = boxes[column].to_numpy(dtype=float) * box_factor
    return lanes, boxes
