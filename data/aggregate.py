"""Smaller models of an instance that guide a first plan (pipeline.py): the whole-horizon
aggregate of a multi-period instance (the calendar start) and a sample of the products (the
sample start, `product_sample`).

The whole-horizon aggregate has the same products, markets, channels, warehouses and lanes on one period.

Quantities are per horizon in both (docs/model.md, "Periods": multipliers move demand within the
year, they do not add to it), so dropping the calendar keeps every demand, capacity and fixed
cost. What only the calendar has is averaged or dropped: each mode's transport costs are scaled by
its length-weighted mean freight multiplier, peaks no longer strain a period's share of a
capacity, channels run all year, and carry-over (word of mouth, retention) is gone. The aggregate
is a guide for the horizon decisions, not a relaxation: its optimum bounds nothing.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .instance import Instance
from .seasons import seasons_of

CALENDAR_TABLES = ("periods", "seasonality", "period_freight")
COST_COLUMNS = ("cost_per_unit", "cost_per_kg", "cost_per_m3")
CONTAINER_COST_COLUMNS = ("cost_per_container", "lcl_rate_per_m3")


def whole_horizon(instance: Instance) -> Instance:
    """`instance` on one period: the calendar tables emptied, each lane's transport costs times
    its mode's mean freight multiplier over the periods, weighted by their length, and organic
    demand and channel reach times what carry-over adds over the calendar (`_carried_demand`)."""
    tables = dict(instance.tables)
    if instance.seasonal:
        tables["lanes"], tables["containers"] = _mean_freight(instance)
        tables["product_markets"], tables["market_channels"] = _carried_demand(instance)
    for name in CALENDAR_TABLES:
        tables[name] = instance.tables[name].iloc[0:0].copy()
    return dataclasses.replace(instance, name=f"{instance.name} (whole horizon)", tables=tables, warnings=[])


def _carried_demand(instance: Instance):
    """The product_markets and market_channels tables with organic demand and reach scaled by what
    the calendar's carry-over adds to a horizon's sales when every channel runs all year (row 5_t):
    sum_t b_t, with b_t = len_t + rho len_{t-1} + retention b_{t-1} (len_t the period's share of
    the horizon; rho 0 for organic demand; nothing carried into the first period). The one-period
    aggregate has no carry-over of its own, so without this it under-rates markets with repeat
    buyers or word of mouth. Cost mode (demand given) is left as it is."""
    pm, mc = instance.tables["product_markets"].copy(), instance.tables["market_channels"].copy()
    if instance.objective == "cost":
        return pm, mc
    seasons = seasons_of(instance.tables, instance.settings)
    share = seasons.periods["length_days"].to_numpy(dtype=float)
    share = share / share.sum()
    retention = instance.tables["markets"].set_index("market")["retention"].fillna(0.0)
    pm["base_demand"] = pm["base_demand"].fillna(0.0).to_numpy(dtype=float) * _carry_factor(
        share, retention.reindex(pm["market"]).fillna(0.0).to_numpy(), np.zeros(len(pm)))
    rho = mc["rho"].fillna(0.0).to_numpy(dtype=float) if "rho" in mc else np.zeros(len(mc))
    mc["reach"] = mc["reach"].to_numpy(dtype=float) * _carry_factor(
        share, retention.reindex(mc["market"]).fillna(0.0).to_numpy(), rho)
    return pm, mc


def _carry_factor(share: np.ndarray, retention: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """sum_t b_t of `_carried_demand`, one value per row of `retention` and `rho`."""
    total = carried = np.zeros(len(retention))
    for t, length in enumerate(share):
        carried = length + (rho * share[t - 1] + retention * carried if t else 0.0)
        total = total + carried
    return total


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


# Values shared by every product, per horizon: a sample of 1/k of the products pays 1/k of them.
SHARED_EXTENSIVE = {
    "markets": ("entry_cost", "mitigation_cost"),
    "market_channels": ("activation_cost",),
    "regimes": ("compliance_cost",),
    "warehouses": ("fixed_cost", "capacity_m3"),
    "lanes": ("capacity_kg",),
    "payment_methods": ("integration_cost",),
    "data_transfer": ("transfer_cost", "hosting_cost"),
    "data_obligations": ("cost", "buyer_threshold"),
    "creators": ("fee",),
    "origins": ("fixed_cost",),
}
SHARED_BUDGETS = ("marketing_budget", "compliance_budget", "logistics_budget")


def product_sample(instance: Instance, size: int) -> tuple[Instance, float]:
    """A scale model of the business for a first plan (pipeline.py, the sample start): about
    `size` of its products, every k-th of each category by popularity x base price (k = products
    / size, at least one per category), and every value shared by all products (entry, channel,
    regime, warehouse, payment, data, creator and origin fixed costs; warehouse and lane
    capacities; the budgets) times the share of products kept, so that each product kept stands
    for k like it. Returns the sample and that share. Like the whole-horizon aggregate, it is a
    guide for the shared decisions, not a relaxation: its optimum bounds nothing."""
    tables = dict(instance.tables)
    kept = _every_kth_by_category(tables["products"], size)
    share = len(kept) / len(tables["products"])
    for name, table in tables.items():
        if "product" in table.columns:  # a blank product (a seasonality row for a whole category) stays
            product = table["product"]
            tables[name] = table[product.isin(kept) | product.isna() | (product.astype(str) == "")].copy()
    for name, columns in SHARED_EXTENSIVE.items():
        tables[name] = _scaled(tables[name], columns, share)
    settings = {**instance.settings, **{budget: instance.settings[budget] * share
                                        for budget in SHARED_BUDGETS if instance.settings.get(budget) is not None}}
    name = f"{instance.name} (sample of {len(kept)} products)"
    return dataclasses.replace(instance, name=name, tables=tables, settings=settings, warnings=[]), share


def _every_kth_by_category(products, size: int) -> set:
    """Every k-th product of each category, from its most valuable (popularity x base price)."""
    step = max(1, round(len(products) / max(size, 1)))
    value = products["popularity"].to_numpy(dtype=float) * products["base_price"].to_numpy(dtype=float)
    ranked = products.assign(_value=value).sort_values(["category", "_value", "product"], ascending=[True, False, True])
    position = ranked.groupby("category", sort=False).cumcount().to_numpy()
    return set(ranked["product"].to_numpy()[position % step == 0])


def _scaled(table, columns, share: float):
    table = table.copy()
    for column in columns:
        if column in table.columns:
            table[column] = table[column].to_numpy(dtype=float) * share
    return table
