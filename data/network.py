"""Derived data of docs/model.md ("Network and demand", "Objective"), computed once with pandas before any model.

`Network` holds the sparse sets the model is indexed by:

- `pairs`: the product-market pairs that can be offered (not banned, servable within the
  promise; in cost mode exactly those with demand > 0), with price, duties, U and costs;
- `arcs`: one row per (product, usable lane) that can carry flow, with its unit cost split
  into transport, holding, handling and duty and its customer lead time; on a container lane
  the transport is at the LCL rate (`lcl`), and `fcl_saving` is the most a full container saves;
- `potentials`: pot[p,m,c] > 0 for the pairs' markets' channels;
- `cert_needs`: (p, m, k) rows for constraint 3;
- `methods`: the payment methods (docs/model.md, "Payment methods");
- `lanes`, `warehouses`, `markets`: the tables with derived columns (kind, lead time, usable).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .creators import CreatorSets, creator_bound, creator_sets
from .funnels import channel_rates
from .schema import ORIGIN

DIRECT, LINEHAUL, LASTMILE = "direct", "linehaul", "lastmile"
LEAD_TOLERANCE = 1e-9


@dataclass
class Network:
    objective: str
    markets: pd.DataFrame
    warehouses: pd.DataFrame
    lanes: pd.DataFrame
    candidates: pd.DataFrame
    pairs: pd.DataFrame
    arcs: pd.DataFrame
    potentials: pd.DataFrame
    cert_needs: pd.DataFrame
    methods: pd.DataFrame  # the payment_methods table (positional)
    creators: CreatorSets  # the creators and the groups whose reach overlaps (data/creators.py)

    @property
    def fulfilment_arcs(self) -> pd.DataFrame:
        """Direct and last-mile arcs: the ones that reach a customer."""
        return self.arcs[self.arcs["kind"] != LINEHAUL]


def lane_kinds(lanes: pd.DataFrame, markets: set, warehouses: set) -> pd.Series:
    """Direct (origin -> market), linehaul (origin -> warehouse), last-mile (warehouse -> market)."""
    from_origin = lanes["from"] == ORIGIN
    from_wh = lanes["from"].isin(warehouses)
    to_market = lanes["to"].isin(markets)
    to_wh = lanes["to"].isin(warehouses)
    kind = np.select(
        [from_origin & to_market, from_origin & to_wh, from_wh & to_market],
        [DIRECT, LINEHAUL, LASTMILE],
        default="",
    )
    return pd.Series(kind, index=lanes.index)


def build_network(tables: dict[str, pd.DataFrame], settings: dict) -> Network:
    """Compute every derived quantity once. Assumes the tables passed the load checks."""
    markets = tables["markets"].set_index("market")
    products = tables["products"].set_index("product")
    warehouses = _warehouses(tables, markets)
    lanes = _with_containers(_lanes(tables["lanes"], markets, warehouses, settings), tables["containers"])
    warehouses["usable"] = warehouses.index.isin(lanes.loc[lanes["usable"] & (lanes["kind"] == LASTMILE), "from"])
    candidates = _candidate_pairs(tables, products, markets)
    serving = _serving_arcs(candidates, lanes)
    candidates["servable"] = candidates.index.isin(serving["pair"].unique())
    pairs = _offerable_pairs(candidates, settings["objective"])
    potentials = _potentials(tables, pairs)
    creators = creator_sets(tables, pairs.iloc[:0] if settings["objective"] == "cost" else pairs)
    pairs = _demand_bounds(pairs, potentials, creators, settings["objective"])
    arcs = _arcs(serving, pairs, lanes, products, warehouses, settings)
    cert_needs = pairs[["product", "market", "category"]].merge(
        tables["certification_rules"][["market", "category", "certification"]], on=["market", "category"]
    )[["product", "market", "certification"]]
    methods = tables["payment_methods"].drop(columns="_row").reset_index(drop=True)
    return Network(settings["objective"], markets, warehouses, lanes, candidates, pairs, arcs, potentials, cert_needs,
                   methods, creators)


def _warehouses(tables, markets) -> pd.DataFrame:
    warehouses = tables["warehouses"].set_index("warehouse").copy()
    lanes = tables["lanes"]
    kinds = lane_kinds(lanes, set(markets.index), set(warehouses.index))
    warehouses["has_linehaul"] = warehouses.index.isin(lanes.loc[kinds == LINEHAUL, "to"])
    warehouses["has_lastmile"] = warehouses.index.isin(lanes.loc[kinds == LASTMILE, "from"])
    return warehouses


def _lanes(lanes: pd.DataFrame, markets, warehouses, settings) -> pd.DataFrame:
    """Lane kind, customer lead time (section 2) and usability."""
    lanes = lanes.set_index("lane", drop=False).rename_axis(None).copy()
    lanes["kind"] = lane_kinds(lanes, set(markets.index), set(warehouses.index))
    lead = pd.Series(np.nan, index=lanes.index)
    direct = lanes["kind"] == DIRECT
    lead[direct] = (
        settings["origin_processing_days"]
        + lanes.loc[direct, "transit_days"]
        + markets["customs_days"].reindex(lanes.loc[direct, "to"]).to_numpy()
        + lanes.loc[direct, "customs_days"]
    )
    last = lanes["kind"] == LASTMILE
    lead[last] = (
        warehouses["processing_days"].reindex(lanes.loc[last, "from"]).to_numpy()
        + lanes.loc[last, "transit_days"]
        + lanes.loc[last, "customs_days"]
    )
    lanes["lead_time"] = lead
    source_ok = warehouses["has_linehaul"] & ~warehouses["forbidden"]
    lanes["usable"] = direct | (last & lanes["from"].isin(source_ok.index[source_ok]))
    line = lanes["kind"] == LINEHAUL
    serves_ok = warehouses["has_lastmile"] & ~warehouses["forbidden"]
    lanes.loc[line, "usable"] = lanes.loc[line, "to"].isin(serves_ok.index[serves_ok])
    lanes["market"] = np.where(direct | last, lanes["to"], None)
    lanes["warehouse"] = np.where(last, lanes["from"], np.where(line, lanes["to"], None))
    return lanes


def _with_containers(lanes: pd.DataFrame, containers: pd.DataFrame) -> pd.DataFrame:
    """The lanes with their containers row (docs/model.md, "Containers"): container, container_m3,
    container_kg, container_cost and lcl_rate, blank on lanes without one."""
    rows = containers.drop(columns="_row").set_index("lane").rename(columns={
        "capacity_m3": "container_m3", "capacity_kg": "container_kg", "cost_per_container": "container_cost",
        "lcl_rate_per_m3": "lcl_rate"})
    return lanes.join(rows[["container", "container_m3", "container_kg", "container_cost", "lcl_rate"]])


def freight_tonnes(weight_kg, volume_m3):
    """W/M: the freight tonnes LCL is charged on, the volume in m3 or the weight in tonnes, whichever is more."""
    return np.maximum(volume_m3, np.asarray(weight_kg) / 1000.0)


def _candidate_pairs(tables, products, markets) -> pd.DataFrame:
    """All product x market pairs with the product-market overrides applied (docs/model.md, "Objective")."""
    p = products.reset_index()[["product", "category", "unit_cost", "base_price", "weight_kg", "volume_m3", "popularity", "units_per_order"]]
    m = markets.reset_index()[["market", "price_index", "duty_rate", "de_minimis_value", "max_lead_time_days"]]
    pairs = p.merge(m, how="cross")
    pm = tables["product_markets"].drop(columns="_row")
    pairs = pairs.merge(pm, on=["product", "market"], how="left", suffixes=("_market", ""))
    duties = tables["duties"][["market", "category", "duty_rate"]].rename(columns={"duty_rate": "duty_rate_category"})
    pairs = pairs.merge(duties, on=["market", "category"], how="left")
    pairs["price"] = pairs["price"].fillna(pairs["base_price"] * pairs["price_index"])
    pairs["duty_rate"] = pairs["duty_rate"].fillna(pairs["duty_rate_category"]).fillna(pairs["duty_rate_market"])
    order_value = pairs["price"] * pairs["units_per_order"]
    pairs["duty_direct"] = np.where(order_value <= pairs["de_minimis_value"], 0.0, pairs["duty_rate"] * pairs["price"])
    pairs["duty_bulk"] = pairs["duty_rate"] * pairs["unit_cost"]
    pairs["promise"] = pairs["max_lead_time_days"].fillna(pairs["max_lead_time_days_market"])
    for col, default in (("base_demand", 0.0), ("min_units", 0.0), ("listing_cost", 0.0)):
        pairs[col] = pairs[col].fillna(default)
    for col in ("banned", "must_offer"):
        pairs[col] = pairs[col].astype("boolean").fillna(False).astype(bool)
    pairs = _returns(pairs, tables["returns"])
    keep = [
        "product", "market", "category", "unit_cost", "price", "duty_rate", "duty_direct", "duty_bulk",
        "promise", "base_demand", "demand", "min_units", "listing_cost", "banned", "must_offer",
        "popularity", "units_per_order", "weight_kg", "volume_m3", "return_rate", "return_value", "restock_gain",
    ]
    return pairs[keep]


def _returns(pairs: pd.DataFrame, returns: pd.DataFrame) -> pd.DataFrame:
    """Per pair (docs/model.md, "Returns"): the return rate, the value of a returned unit under
    the better of sending it back to the origin and liquidating it locally (recovery * unit cost
    - cost), and what restocking it in a local warehouse adds to that (NaN where not possible)."""
    table = returns.drop(columns="_row")
    pairs = pairs.merge(table, on=["market", "category"], how="left")
    cost = pairs["unit_cost"]
    liquidate = pairs["liquidate_recovery"].fillna(0.0) * cost - pairs["liquidate_cost"].fillna(0.0)
    origin = pairs["origin_recovery"].fillna(1.0) * cost - pairs["origin_cost"]
    pairs["return_rate"] = pairs["return_rate"].fillna(0.0)
    pairs["return_value"] = np.fmax(liquidate, origin)
    pairs["restock_gain"] = pairs["restock_recovery"].fillna(1.0) * cost - pairs["restock_cost"] - pairs["return_value"]
    return pairs


def _serving_arcs(candidates: pd.DataFrame, lanes: pd.DataFrame) -> pd.DataFrame:
    """(pair, lane) for usable direct/last-mile lanes into the pair's market within its promise."""
    reach = lanes.loc[lanes["usable"] & lanes["kind"].isin([DIRECT, LASTMILE]), ["lane", "market", "lead_time"]]
    arcs = candidates[["market", "promise"]].reset_index(names="pair").merge(reach, on="market")
    ok = arcs["promise"].isna() | (arcs["lead_time"] <= arcs["promise"] + LEAD_TOLERANCE)
    return arcs.loc[ok, ["pair", "lane"]]


def _offerable_pairs(candidates: pd.DataFrame, objective: str) -> pd.DataFrame:
    """Row 4: drop banned and unservable pairs; in cost mode keep exactly the pairs with demand."""
    keep = candidates["servable"] & ~candidates["banned"]
    if objective == "cost":
        keep &= candidates["demand"].fillna(0) > 0
    return candidates[keep].copy()


def _potentials(tables, pairs: pd.DataFrame) -> pd.DataFrame:
    """pot[p,m,c] of docs/model.md ("Network and demand"), for the pairs that exist, with a funnel's
    conversion and viral where a funnels row gives them (data/funnels.py); zero potentials dropped."""
    mc = channel_rates(tables)[["market", "channel", "reach", "conversion", "viral", "activation_cost"]]
    pot = pairs[["product", "market", "category", "popularity", "units_per_order"]].reset_index(names="pair").merge(mc, on="market")
    fit = tables["channel_fit"][["channel", "category", "fit"]]
    pot = pot.merge(fit, on=["channel", "category"], how="left")
    pot["fit"] = pot["fit"].fillna(1.0)
    pot["pot"] = pot["reach"] * pot["conversion"] * pot["fit"] * pot["popularity"] * pot["units_per_order"] / (1.0 - pot["viral"])
    return pot.loc[pot["pot"] > 0, ["pair", "product", "market", "channel", "pot"]].reset_index(drop=True)


def _demand_bounds(pairs: pd.DataFrame, potentials: pd.DataFrame, creators: CreatorSets, objective: str) -> pd.DataFrame:
    """U[p,m] = base + sum_c pot + creator_U (profit mode) or the fixed demand (cost mode);
    creator_U is what the creators sell of the pair in a period of average demand with every
    campaign booked (data/creators.py)."""
    pairs = pairs.copy()
    if objective == "cost":
        pairs["U"] = pairs["demand"].astype(float)
        pairs["creator_U"] = 0.0
    else:
        pot_sum = potentials.groupby("pair")["pot"].sum()
        pairs["creator_U"] = creator_bound(creators, pairs).to_numpy()
        pairs["U"] = pairs["base_demand"] + pot_sum.reindex(pairs.index).fillna(0.0) + pairs["creator_U"]
    return pairs


def _arcs(serving, pairs, lanes, products, warehouses, settings) -> pd.DataFrame:
    """Flow arcs with their unit costs (sections 2 and 5) and lead times.

    Fulfilment arcs (direct, last-mile) come from the serving set; linehaul arcs (p, l into w)
    exist for each product with a last-mile arc out of w.
    """
    fulfil = serving[serving["pair"].isin(pairs.index)].merge(
        lanes[["lane", "kind", "market", "warehouse", "lead_time"]], on="lane"
    )
    fulfil["product"] = pairs.loc[fulfil["pair"], "product"].to_numpy()
    stocked = fulfil.loc[fulfil["kind"] == LASTMILE, ["product", "warehouse"]].drop_duplicates()
    inbound = lanes.loc[lanes["usable"] & (lanes["kind"] == LINEHAUL), ["lane", "kind", "warehouse"]]
    line = stocked.merge(inbound, on="warehouse")
    line["pair"], line["market"], line["lead_time"] = -1, None, np.nan
    arcs = pd.concat([fulfil, line[fulfil.columns]], ignore_index=True)
    arcs = arcs.sort_values(["kind", "lane", "product"], kind="stable").reset_index(drop=True)

    lane = lanes.loc[arcs["lane"]]
    prod = products.loc[arcs["product"]]
    weight, volume = prod["weight_kg"].to_numpy(), prod["volume_m3"].to_numpy()
    arcs["chargeable_kg"] = np.maximum(weight, volume * lane["dim_factor_kg_per_m3"].to_numpy())
    arcs["volume_m3"], arcs["weight_kg"] = volume, weight
    lcl_rate = lane["lcl_rate"].to_numpy(dtype=float)
    boxed = ~np.isnan(lcl_rate)
    arcs["lcl"] = np.where(boxed, lcl_rate * freight_tonnes(weight, volume), 0.0)
    full = lane["container_cost"].to_numpy(dtype=float) * np.maximum(volume / lane["container_m3"].to_numpy(dtype=float),
                                                                    weight / lane["container_kg"].to_numpy(dtype=float))
    arcs["fcl_saving"] = np.where(boxed, np.maximum(arcs["lcl"].to_numpy() - full, 0.0), 0.0)
    freight = np.where(boxed, arcs["lcl"].to_numpy(),
                       lane["cost_per_kg"].to_numpy() * arcs["chargeable_kg"] + lane["cost_per_m3"].to_numpy() * volume)
    arcs["transport"] = lane["cost_per_unit"].to_numpy() + freight
    kind = arcs["kind"].to_numpy()
    wh = warehouses.reindex(arcs["warehouse"].fillna(""))
    cover = wh["cover_days"].to_numpy()
    arcs["holding"] = np.where(
        kind == LINEHAUL,
        prod["unit_cost"].to_numpy() * settings["holding_rate"] * (lane["transit_days"].to_numpy() + cover) / 365.0,
        0.0,
    )
    arcs["handling"] = np.where(kind == LASTMILE, wh["handling_cost_per_unit"].to_numpy(), 0.0)
    pair_rows = pairs.reindex(arcs["pair"])
    arcs["duty"] = np.where(
        kind == DIRECT,
        pair_rows["duty_direct"].to_numpy(),
        np.where(kind == LASTMILE, pair_rows["duty_bulk"].to_numpy(), 0.0),
    )
    arcs["unit_cost"] = arcs["transport"] + arcs["holding"] + arcs["handling"] + arcs["duty"]
    return arcs
