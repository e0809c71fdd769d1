"""Derived data of docs/model.md ("Network and demand", "Objective"), computed once with pandas before any model.

`Network` holds the sparse sets the model is indexed by:

- `pairs`: the product-market pairs that can be offered (not banned, servable within the
  promise; in cost mode exactly those with demand > 0), with price, duties, U and costs;
- `arcs`: one row per (product, usable lane, origin) that can carry flow, with its unit cost
  split into transport, holding, handling and duty and its customer lead time; on a container
  lane the transport is at the LCL rate (`lcl`), and `fcl_saving` is the most a full container
  saves; `origin` is where the units come from (a last-mile arc has one row per origin that can
  stock its warehouse with the product) and `goods` what they cost there above the product's
  unit_cost (docs/model.md, "Origins");
- `origins`: the origins with their processing days, cost factor, fixed cost and categories;
- `potentials`: pot[p,m,c] > 0 for the pairs' markets' channels;
- `cert_needs`: (p, m, k) rows for constraint 3;
- `methods`: the payment methods (docs/model.md, "Payment methods");
- `lanes`, `warehouses`, `markets`: the tables with derived columns (kind, lead time, usable).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .creators import CreatorSets, creator_bound, creator_categories, creator_sets
from .funnels import channel_rates
from .schema import ORIGIN

DIRECT, LINEHAUL, LASTMILE = "direct", "linehaul", "lastmile"
STOCK_KEY = ["product", "warehouse", "origin"]  # a warehouse's stock of a product from one origin
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
    origins: pd.DataFrame  # index: origin id; processing_days, cost_factor, fixed_cost, categories

    @property
    def fulfilment_arcs(self) -> pd.DataFrame:
        """Direct and last-mile arcs: the ones that reach a customer."""
        return self.arcs[self.arcs["kind"] != LINEHAUL]


def lane_kinds(lanes: pd.DataFrame, markets: set, warehouses: set, origins=(ORIGIN,)) -> pd.Series:
    """Direct (origin -> market), linehaul (origin -> warehouse), last-mile (warehouse -> market)."""
    from_origin = lanes["from"].isin(list(origins))
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
    origins = _origins(tables, settings)
    warehouses = _warehouses(tables, markets, origins)
    lanes = _with_containers(_lanes(tables["lanes"], markets, warehouses, origins), tables["containers"])
    warehouses["usable"] = warehouses.index.isin(lanes.loc[lanes["usable"] & (lanes["kind"] == LASTMILE), "from"])
    candidates = _candidate_pairs(tables, products, markets)
    serving = _serving_arcs(candidates, lanes)
    candidates["servable"] = candidates.index.isin(serving["pair"].unique())
    pairs = _offerable_pairs(candidates, settings["objective"])
    potentials = _potentials(tables, pairs)
    creators = creator_sets(tables, pairs.iloc[:0] if settings["objective"] == "cost" else pairs)
    pairs = _demand_bounds(pairs, potentials, creators, settings["objective"])
    arcs = _arcs(serving, pairs, lanes, products, warehouses, settings, _sources(tables, products, origins))
    arcs = _origin_duties(arcs, pairs, tables["origin_duties"], markets)
    cert_needs = pairs[["product", "market", "category"]].merge(
        tables["certification_rules"][["market", "category", "certification"]], on=["market", "category"]
    )[["product", "market", "certification"]]
    methods = tables["payment_methods"].drop(columns="_row").reset_index(drop=True)
    return Network(settings["objective"], markets, warehouses, lanes, candidates, pairs, arcs, potentials, cert_needs,
                   methods, creators, origins)


def _origins(tables, settings) -> pd.DataFrame:
    """The origins table (docs/model.md, "Origins"), or the one hub 'origin' of an instance without one."""
    origins = tables["origins"]
    if origins.empty:
        origins = pd.DataFrame({"origin": [ORIGIN], "name": [""], "processing_days": [np.nan], "cost_factor": [1.0],
                                "fixed_cost": [0.0], "categories": [""]})
    origins = origins.drop(columns="_row", errors="ignore").set_index("origin")
    origins["processing_days"] = origins["processing_days"].fillna(settings["origin_processing_days"])
    return origins


def _sources(tables, products: pd.DataFrame, origins: pd.DataFrame) -> pd.DataFrame:
    """(product, origin, cost): where each product can come from and its unit cost there, an
    origin_costs row or unit_cost x cost_factor for a category the origin makes."""
    made = origins["categories"].map(creator_categories)
    pairs = products[["category", "unit_cost"]].reset_index().merge(
        pd.DataFrame({"origin": origins.index, "factor": origins["cost_factor"].to_numpy(), "made": made.to_numpy()}),
        how="cross")
    given = tables["origin_costs"].drop(columns="_row").rename(columns={"unit_cost": "given"})
    pairs = pairs.merge(given, on=["product", "origin"], how="left")
    makes = np.array([not m or c in m for c, m in zip(pairs["category"], pairs["made"])], dtype=bool)
    pairs = pairs[makes | pairs["given"].notna()]
    cost = pairs["given"].fillna(pairs["unit_cost"] * pairs["factor"])
    return pd.DataFrame({"product": pairs["product"].to_numpy(), "origin": pairs["origin"].to_numpy(), "cost": cost.to_numpy()})


def _warehouses(tables, markets, origins) -> pd.DataFrame:
    warehouses = tables["warehouses"].set_index("warehouse").copy()
    lanes = tables["lanes"]
    kinds = lane_kinds(lanes, set(markets.index), set(warehouses.index), origins.index)
    warehouses["has_linehaul"] = warehouses.index.isin(lanes.loc[kinds == LINEHAUL, "to"])
    warehouses["has_lastmile"] = warehouses.index.isin(lanes.loc[kinds == LASTMILE, "from"])
    return warehouses


def _lanes(lanes: pd.DataFrame, markets, warehouses, origins) -> pd.DataFrame:
    """Lane kind, customer lead time (section 2, with the processing days of the lane's origin) and usability."""
    lanes = lanes.set_index("lane", drop=False).rename_axis(None).copy()
    lanes["kind"] = lane_kinds(lanes, set(markets.index), set(warehouses.index), origins.index)
    lead = pd.Series(np.nan, index=lanes.index)
    direct = lanes["kind"] == DIRECT
    lead[direct] = (
        origins["processing_days"].reindex(lanes.loc[direct, "from"]).to_numpy()
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
    lanes["origin"] = np.where(direct | line, lanes["from"], None)
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


def _arcs(serving, pairs, lanes, products, warehouses, settings, sources) -> pd.DataFrame:
    """Flow arcs with their unit costs (sections 2 and 5) and lead times.

    Direct arcs come from the serving set, for products their lane's origin makes; linehaul arcs
    (p, l into w) exist for each product with a last-mile arc out of w and made at l's origin;
    a last-mile arc has one row per origin whose linehaul can bring p to its warehouse.
    """
    fulfil = serving[serving["pair"].isin(pairs.index)].merge(
        lanes[["lane", "kind", "market", "warehouse", "lead_time", "origin"]], on="lane"
    )
    fulfil["product"] = pairs.loc[fulfil["pair"], "product"].to_numpy()
    made = sources[["product", "origin"]]
    direct = fulfil[fulfil["kind"] == DIRECT].merge(made, on=["product", "origin"])
    last = fulfil[fulfil["kind"] == LASTMILE].drop(columns="origin")
    stocked = last[["product", "warehouse"]].drop_duplicates()
    inbound = lanes.loc[lanes["usable"] & (lanes["kind"] == LINEHAUL), ["lane", "kind", "warehouse", "origin"]]
    line = stocked.merge(inbound, on="warehouse").merge(made, on=["product", "origin"])
    line["pair"], line["market"], line["lead_time"] = -1, None, np.nan
    last = last.merge(line[["product", "warehouse", "origin"]].drop_duplicates(), on=["product", "warehouse"])
    arcs = pd.concat([direct[fulfil.columns], last[fulfil.columns], line[fulfil.columns]], ignore_index=True)
    arcs = arcs.sort_values(["kind", "lane", "product", "origin"], kind="stable").reset_index(drop=True)

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
    arcs["cost_at_origin"] = sources.set_index(["product", "origin"])["cost"].reindex(
        pd.MultiIndex.from_frame(arcs[["product", "origin"]])).to_numpy()
    arcs["goods"] = np.where(kind == LASTMILE, 0.0, arcs["cost_at_origin"].to_numpy() - prod["unit_cost"].to_numpy())
    arcs["holding"] = np.where(
        kind == LINEHAUL,
        arcs["cost_at_origin"].to_numpy() * settings["holding_rate"] * (lane["transit_days"].to_numpy() + cover) / 365.0,
        0.0,
    )
    arcs["handling"] = np.where(kind == LASTMILE, wh["handling_cost_per_unit"].to_numpy(), 0.0)
    arcs["handling"] = np.where(kind == LASTMILE, wh["handling_cost_per_unit"].to_numpy(), 0.0)
    return arcs


def _origin_duties(arcs: pd.DataFrame, pairs: pd.DataFrame, rules: pd.DataFrame, markets: pd.DataFrame) -> pd.DataFrame:
    """Each fulfilment arc's duty (docs/model.md, "Objective" and "Origins"): the pair's duty rate
    plus the extra rate of its origin in the market (the origin_duties row of the category, else
    the one for every category), on the price of a direct parcel above the origin's de-minimis
    value (else the market's) or on the unit cost at the origin of a bulk import; then unit_cost."""
    kind = arcs["kind"].to_numpy()
    pair_rows = pairs.reindex(arcs["pair"])
    extra, threshold = _origin_rules(arcs, pair_rows, rules, markets)
    rate = pair_rows["duty_rate"].to_numpy() + extra
    order_value = (pair_rows["price"] * pair_rows["units_per_order"]).to_numpy()
    direct_duty = np.where(order_value <= threshold, 0.0, rate * pair_rows["price"].to_numpy())
    bulk_duty = rate * arcs["cost_at_origin"].to_numpy()
    arcs["duty"] = np.where(kind == DIRECT, direct_duty, np.where(kind == LASTMILE, bulk_duty, 0.0))
    arcs["unit_cost"] = arcs["transport"] + arcs["holding"] + arcs["handling"] + arcs["duty"]
    return arcs


def _origin_rules(arcs, pair_rows, rules: pd.DataFrame, markets: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(extra duty rate, de-minimis value) per arc: its origin_duties row, the category's before
    the one for every category; 0 and the market's de_minimis_value where none applies."""
    market = pair_rows["market"].to_numpy()
    extra = np.zeros(len(arcs))
    threshold = markets["de_minimis_value"].reindex(market).to_numpy(dtype=float).copy()
    if rules.empty:
        return extra, threshold
    keys = pd.DataFrame({"origin": arcs["origin"].to_numpy(), "market": market,
                         "category": pair_rows["category"].to_numpy()})
    for specific in (False, True):  # the category's row overrides the one for every category
        chosen = rules[rules["category"].notna() == specific].drop(columns="_row")
        on = ["origin", "market", "category"] if specific else ["origin", "market"]
        hit = keys.merge(chosen.drop(columns=[] if specific else ["category"]), on=on, how="left")
        found = hit["extra_duty_rate"].notna().to_numpy()
        extra[found] = hit["extra_duty_rate"].to_numpy()[found]
        limit = hit["de_minimis_value"].notna().to_numpy()
        threshold[limit] = hit["de_minimis_value"].to_numpy()[limit]
    return extra, threshold
