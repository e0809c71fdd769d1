"""Reproducible, realistic instance generator (same seed and sizes, same document).

Markets, regimes, channels, certifications and warehouses come from `data/catalog.py` (real market
codes with their regimes and channel mixes); products, prices, weights, popularity and the
product-market details are drawn with numpy's seeded generator. Every generated instance is
feasible: profit mode imposes no forced decisions, and cost mode only asks for demand on pairs
that express delivery can serve within the promise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import catalog as c
from .funnels import channel_rates


def _of_markets(rows_of):
    """A mechanic whose rows follow the document's markets."""
    return lambda doc: rows_of([m["market"] for m in doc["markets"]])


MECHANICS = {  # optional table -> its rows for the document's markets or lanes (from the catalogue, no random draw)
    "origins": lambda doc: _with_second_origin(doc),
    "payment_methods": _of_markets(c.payment_methods_of),
    "returns": _of_markets(c.returns_of),
    "data_transfer": _of_markets(c.data_transfer_of),
    "data_obligations": _of_markets(c.data_obligations_of),
    "containers": lambda doc: c.containers_of(doc["lanes"], doc["warehouses"]),
    "creators": lambda doc: _with_creator_pools(doc),
    "funnels": lambda doc: _funnels_of_channels(doc),
}
SIZES = {"s": (50, 6, 4), "m": (300, 10, 6), "l": (1000, 15, 10), "xl": (2000, 20, 15)}

ALL_MARKETS = c.MARKETS + c.MORE_MARKETS
ALL_WAREHOUSES = c.WAREHOUSES + c.MORE_WAREHOUSES
WAREHOUSE_COUNTRY = {
    "LAX": "US", "EWR": "US", "DUS": "DE", "BHX": "UK", "WAW": "PL", "MAD": "ES", "TYO": "JP", "ICN": "KR",
    "SAO": "BR", "MEX": "MX", "BKK": "TH", "SIN": "SG", "DXB": "AE", "SYD": "AU", "YYZ": "CA",
}
EU = {"DE", "FR", "IT", "ES", "NL", "PL"}
COURIER_BY_REGION = {  # cost/unit, cost/kg
    "North America": (4.5, 0.8), "Europe": (4.5, 0.7), "Asia": (5.0, 0.6), "Latin America": (5.0, 0.9),
    "Southeast Asia": (2.0, 0.4), "Middle East": (5.0, 0.8), "Oceania": (6.0, 0.9),
}
CROSS_REGION = {("North America", "Latin America"), ("Middle East", "Europe")}

# category: unit cost range, markup range, weight range (kg), m3 per kg range
CATEGORY_PROFILES = {
    "beauty": ((0.5, 10), (4, 9), (0.03, 0.6), (0.004, 0.008)),
    "fashion": ((1.5, 15), (3, 6), (0.08, 1.0), (0.005, 0.012)),
    "electronics": ((1, 40), (2.5, 5), (0.05, 1.8), (0.003, 0.008)),
    "home": ((2, 12), (2.5, 5), (0.3, 2.0), (0.005, 0.02)),
    "toys": ((0.8, 12), (3, 6), (0.1, 1.3), (0.006, 0.015)),
}


@dataclass(frozen=True)
class GeneratorSpec:
    products: int
    markets: int
    warehouses: int
    seed: int = 0
    objective: str = "profit"
    mechanics: tuple[str, ...] = ()  # optional tables to fill (MECHANICS); none keeps today's presets

    def check(self):
        unknown = sorted(set(self.mechanics) - set(MECHANICS))
        if unknown:
            raise ValueError(f"unknown mechanic(s) {', '.join(unknown)} (known: {', '.join(MECHANICS)})")
        if not 1 <= self.markets <= len(ALL_MARKETS):
            raise ValueError(f"markets must be between 1 and {len(ALL_MARKETS)} (the catalogue's real markets)")
        if not 0 <= self.warehouses <= len(ALL_WAREHOUSES):
            raise ValueError(f"warehouses must be between 0 and {len(ALL_WAREHOUSES)} (the catalogue's candidates)")
        if self.products < 1:
            raise ValueError("products must be at least 1")
        if self.objective not in ("profit", "cost"):
            raise ValueError("objective must be profit or cost")


def generate(spec: GeneratorSpec) -> dict:
    spec.check()
    rng = np.random.default_rng(spec.seed)
    markets = ALL_MARKETS[: spec.markets]
    market_ids = [m[0] for m in markets]
    warehouses = ALL_WAREHOUSES[: spec.warehouses]
    products = _products(rng, spec.products)
    channels = {**c.MARKET_CHANNELS, **c.MORE_MARKET_CHANNELS}
    doc = {
        "settings": _settings(spec, markets, channels),
        "markets": _markets(markets, spec.objective),
        "products": products,
        "product_markets": _product_markets(rng, products, markets, spec.objective, channels),
        "duties": [{"market": m, "category": k, "duty_rate": r} for m, k, r in c.DUTIES if m in market_ids],
        "channels": [{"channel": k, "name": v} for k, v in c.CHANNELS.items()],
        "market_channels": [
            {"market": m, "channel": ch, "activation_cost": cost, "reach": reach, "conversion": conv, "viral": viral}
            for m in market_ids for ch, (cost, reach, conv, viral) in channels[m].items()
        ],
        "channel_fit": [{"channel": ch, "category": k, "fit": f} for ch, fits in c.CHANNEL_FIT.items() for k, f in fits.items()],
        "regimes": [{"regime": g, "compliance_cost": v} for g, v in {**c.REGIMES, **c.MORE_REGIMES}.items()
                    if g in {m[3] for m in markets}],
        "certifications": [{"certification": k, "cost": v} for k, v in {**c.CERTIFICATIONS, **c.MORE_CERTIFICATIONS}.items()],
        "certification_rules": [{"market": m, "category": k, "certification": cert}
                                for m, k, cert in c.CERTIFICATION_RULES + c.MORE_CERTIFICATION_RULES if m in market_ids],
        "warehouses": [
            {"warehouse": w, "name": n, "region": r, "fixed_cost": fc, "capacity_m3": _scaled_capacity(cap, spec.products),
             "handling_cost_per_unit": h, "processing_days": pdays, "cover_days": cover}
            for w, n, r, fc, cap, h, pdays, cover in warehouses
        ],
        "lanes": _lanes(markets, warehouses),
    }
    for name in MECHANICS:  # in this order: the origins' lanes get containers, the creators' pools funnels
        if name in spec.mechanics:
            doc[name] = MECHANICS[name](doc)
    return doc


def _with_second_origin(doc: dict) -> list[dict]:
    """The origins rows (Shenzhen and Ho Chi Minh City, catalogue), after moving the document's
    lanes to SZX, adding SGN's and the origin_duties rows."""
    origins, doc["lanes"], doc["origin_duties"] = c.two_origins(doc["lanes"], doc["warehouses"], doc["markets"])
    return origins


def _with_creator_pools(doc: dict) -> list[dict]:
    """The creators rows of the document's channels, after giving the market_channels rows they
    post on their creator_pool (catalogue)."""
    pools = c.creator_pools(doc["market_channels"])
    for row in doc["market_channels"]:
        if (row["market"], row["channel"]) in pools:
            row["creator_pool"] = pools[(row["market"], row["channel"])]
    return c.creators_of(doc["market_channels"], {m["market"]: m.get("price_index", 1.0) for m in doc["markets"]})


def _funnels_of_channels(doc: dict) -> list[dict]:
    """A funnels row for every market_channels row (catalogue), which then leaves its conversion
    and viral to the funnel."""
    rows = [c.funnel_of(row) for row in doc["market_channels"]]
    for row in doc["market_channels"]:
        row.pop("conversion")
        row.pop("viral", None)
    return rows


def _scaled_capacity(capacity_for_30_products: float, n_products: int) -> float:
    """Catalogue capacities fit the 30-product demo; scale with the assortment (sub-linearly)."""
    return round(capacity_for_30_products * max(1.0, (n_products / 30) ** 0.8), 1)


def _settings(spec, markets, channels) -> dict:
    settings = {"name": f"gen-p{spec.products}-m{spec.markets}-w{spec.warehouses}-s{spec.seed}", "currency": "USD",
                "objective": spec.objective, "holding_rate": 0.25, "origin_processing_days": 1}
    if spec.objective == "profit":
        activation = sum(cost for m in markets for cost, *_ in channels[m[0]].values())
        settings["marketing_budget"] = round(0.6 * activation, -3)
        settings["max_payment_loss_rate"] = 0.02
        if spec.warehouses > 1:
            settings["max_warehouses"] = math.ceil(spec.warehouses / 2)
    return settings


def _markets(markets, objective) -> list[dict]:
    rows = []
    for (m, name, region, regime, pidx, entry, promise, customs, duty, dmin, loss, mcost, mloss, fx) in markets:
        row = {"market": m, "name": name, "region": region, "regime": regime, "price_index": pidx, "entry_cost": entry,
               "max_lead_time_days": promise, "customs_days": customs, "duty_rate": duty, "de_minimis_value": dmin,
               "payment_loss_rate": loss, "mitigation_cost": mcost, "mitigated_loss_rate": mloss, "fx_cost_rate": fx}
        if objective == "profit" and m == "US":
            row["target_avg_lead_time_days"] = 6.5
        rows.append(row)
    return rows


def _products(rng, n: int) -> list[dict]:
    categories = list(CATEGORY_PROFILES)
    cat = rng.integers(0, len(categories), n)
    popularity = rng.lognormal(0.0, 0.8, n)
    popularity = popularity / popularity.sum() * 1.5 * max(1.0, (n / 30) ** 0.5)  # bigger assortments sell more in all
    rows = []
    for i in range(n):
        (uc_lo, uc_hi), (mk_lo, mk_hi), (w_lo, w_hi), (d_lo, d_hi) = CATEGORY_PROFILES[categories[cat[i]]]
        unit_cost = round(float(np.exp(rng.uniform(math.log(uc_lo), math.log(uc_hi)))), 2)
        price = round(unit_cost * float(rng.uniform(mk_lo, mk_hi)), 2)
        weight = round(float(rng.uniform(w_lo, w_hi)), 3)
        volume = round(weight * float(rng.uniform(d_lo, d_hi)), 5)
        rows.append({"product": f"SKU{i + 1:05d}", "category": categories[cat[i]], "unit_cost": unit_cost,
                     "base_price": price, "weight_kg": weight, "volume_m3": max(volume, 1e-5),
                     "popularity": round(float(popularity[i]), 6)})
    return rows


def _product_markets(rng, products, markets, objective, channels) -> list[dict]:
    """Overrides per pair. Cost mode: fixed demand on 60% of pairs, about half of what the
    market's channels could unlock for the product (popularity x converted reach)."""
    listing = {"JP": 400, "KR": 300, "SA": 250, "AE": 250, "BR": 300, "TR": 200}
    organic = {"US": 40, "UK": 15, "DE": 20, "JP": 20, "CA": 10, "AU": 10}
    n, k = len(products), len(markets)
    ban = rng.random((n, k)) < 0.01
    demand_draw = rng.random((n, k))
    converted = np.array([sum(r * cv / (1 - v) for _, r, cv, v in channels[m[0]].values()) for m in markets])
    popularity = np.array([p["popularity"] for p in products])
    demand_size = 0.5 * np.outer(popularity, converted) * rng.lognormal(0.0, 0.5, (n, k))
    base_share = rng.uniform(0.3, 1.7, (n, k))
    scale = 30 / max(n, 30)
    rows = []
    for i, p in enumerate(products):
        for j, m in enumerate(markets):
            row = {"product": p["product"], "market": m[0]}
            if objective == "cost":
                if demand_draw[i, j] < 0.6:
                    row["demand"] = round(max(float(demand_size[i, j]), 1.0), 1)
            else:
                if ban[i, j]:
                    row["banned"] = True
                if m[0] in organic:
                    row["base_demand"] = round(organic[m[0]] * float(base_share[i, j]) * max(scale, 0.05), 1)
                if m[0] in listing:
                    row["listing_cost"] = round(listing[m[0]] * max(scale, 0.1), 1)
            if len(row) > 2:
                rows.append(row)
    if objective == "cost" and not rows:
        rows.append({"product": products[0]["product"], "market": markets[0][0], "demand": 10.0})
    return rows


def _lanes(markets, warehouses) -> list[dict]:
    region_of = {m[0]: m[2] for m in markets}
    transit = {mode: {**c.DIRECT_TRANSIT[mode], **c.MORE_DIRECT_TRANSIT[mode]} for mode in c.DIRECT_TRANSIT}
    lanes = []
    for mode, (per_unit, per_kg, dim) in c.DIRECT_RATES.items():
        for m in region_of:
            scale = c.REGION_RATE.get(region_of[m], 1.1)
            lanes.append({"lane": f"CN-{m}-{mode}", "from": "origin", "to": m, "mode": mode, "transit_days": transit[mode][m],
                          "cost_per_unit": round(per_unit * scale, 2), "cost_per_kg": round(per_kg * scale, 2),
                          "dim_factor_kg_per_m3": dim})
    for w, _, region, *_ in warehouses:
        for mode, days, per_kg, per_m3, dim in c.LINEHAUL_BY_REGION[region]:
            lanes.append({"lane": f"CN-{w}-{mode}", "from": "origin", "to": w, "mode": mode, "transit_days": days,
                          "cost_per_kg": per_kg, "cost_per_m3": per_m3, "dim_factor_kg_per_m3": dim})
        home = WAREHOUSE_COUNTRY[w]
        for m, m_region in region_of.items():
            if m_region != region and (region, m_region) not in CROSS_REGION:
                continue
            domestic = m == home or (m in EU and home in EU)
            per_unit, per_kg = COURIER_BY_REGION[region]
            factor = 1.0 if m == home else 1.4
            lanes.append({"lane": f"{w}-{m}-courier", "from": w, "to": m, "mode": "courier",
                          "transit_days": 2 if m == home else 3, "cost_per_unit": round(per_unit * factor, 2),
                          "cost_per_kg": round(per_kg * factor, 2), "customs_days": 0 if domestic else 2})
    return lanes


# ---- uncertainty sets ------------------------------------------------------------------------------

VIRAL_CHANNELS = ("tiktok_shop", "instagram", "shopee_live")
MAX_CONVERSION = 0.5  # a drawn conversion stays a plausible share (and within [0, 1] after a hit on a shock)


def draw_scenarios(instance, count: int, seed: int = 0, region_sigma: float = 0.25, global_sigma: float = 0.1,
                   hit_chance: float = 0.15, hit_shape: float = 2.5, freight_sigma: float = 0.15) -> list[dict]:
    """`count` equally likely scenarios as scenario-file rows (data/scenarios.py), numbers only:

    - a demand shock per region, correlated within it: every market of a region shares one
      lognormal factor exp(N(0, global_sigma) + N(0, region_sigma)), applied to its channels'
      conversion and its organic demand;
    - viral outcomes, heavy-tailed: with probability `hit_chance` a viral channel's campaign in a
      market is a hit, its conversion scaled by 1 + a Pareto(`hit_shape`) draw;
    - a channel with a funnel takes the shocks on its purchase stage, which scales its conversion
      (and its viral uplift with it, as its buyers' shares bring buyers at the same rate);
    - freight: one lognormal factor exp(N(0, freight_sigma)) on every lane's per-kg and per-m3 rate.
    """
    rng = np.random.default_rng(seed)
    markets = instance.table("markets")
    mc = channel_rates(instance.tables)
    funneled = set(zip(instance.tables["funnels"]["market"], instance.tables["funnels"]["channel"]))
    pm = instance.table("product_markets")
    lanes = instance.table("lanes")
    rows = []
    for k in range(count):
        name, p = f"s{k + 1:03d}", 1.0 / count
        common = rng.normal(0.0, global_sigma)
        for region, group in markets.groupby("region", sort=True):
            factor = float(np.exp(common + rng.normal(0.0, region_sigma)))
            with_channels = [m for m in group["market"] if m in set(mc["market"])]
            with_demand = [m for m in group["market"] if m in set(pm.loc[pm["base_demand"] > 0, "market"])]
            if with_channels:
                highest = mc.loc[mc["market"].isin(with_channels), "conversion"].max()
                rows += _conversion_rows(name, p, mc[mc["market"].isin(with_channels)], funneled,
                                         min(factor, MAX_CONVERSION / highest), {"market": with_channels})
            if with_demand:
                rows.append(_row(name, p, "product_markets", "scale", "base_demand", factor, {"market": with_demand}))
        for (market, channel, conversion) in mc[mc["channel"].isin(VIRAL_CHANNELS)][["market", "channel", "conversion"]].itertuples(index=False):
            if rng.random() < hit_chance:
                hit = min(1.0 + float(rng.pareto(hit_shape)), MAX_CONVERSION / max(conversion, 1e-12) / 2)
                key = {"market": [market], "channel": [channel]}
                rows += _conversion_rows(name, p, pd.DataFrame(key), funneled, hit, key)
        freight = float(np.exp(rng.normal(0.0, freight_sigma)))
        for column in ("cost_per_kg", "cost_per_m3"):
            if (lanes[column] > 0).any():
                rows.append(_row(name, p, "lanes", "scale", column, freight, {}))
        if not any(r["scenario"] == name for r in rows):
            rows.append(_row(name, p, "settings", "scale", "holding_rate", 1.0, {}))
    return rows


def _conversion_rows(name: str, p: float, channels: pd.DataFrame, funneled: set, factor: float, where: dict) -> list[dict]:
    """Scenario rows scaling the conversion of `channels` (market, channel) by `factor`: one
    market_channels row with `where` when none has a funnel (as before funnels existed), else one
    row per channel, the purchase stage of those with a funnels row."""
    keys = list(zip(channels["market"], channels["channel"]))
    if not any(k in funneled for k in keys):
        return [_row(name, p, "market_channels", "scale", "conversion", factor, where)]
    return [_row(name, p, "funnels", "scale", "purchase", factor, {"market": [m], "channel": [ch]}) if (m, ch) in funneled
            else _row(name, p, "market_channels", "scale", "conversion", factor, {"market": [m], "channel": [ch]})
            for m, ch in keys]


def _row(scenario, probability, table, action, column, value, where) -> dict:
    text = ";".join(f"{key}={'|'.join(map(str, values))}" for key, values in where.items())
    return {"scenario": scenario, "probability": round(probability, 12), "table": table, "action": action,
            "column": column, "value": round(value, 6), "where": text}
