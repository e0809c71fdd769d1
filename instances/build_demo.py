"""Build the demo instance (instances/demo.json, instances/demo/, instances/demo.xlsx).

A Shenzhen-based seller of 30 products in 5 categories considers 10 real markets, 7 social
channels, 6 overseas warehouses, a second origin in Ho Chi Minh City for fashion and home goods,
and postal / dedicated-line / express direct lanes or sea, rail, air and truck linehaul plus
courier last mile. Markets, regimes and channel mixes are real; every
number is illustrative (see data/catalog.py). Run from the repository root:

    python -m xborder.instances.build_demo        (or: python instances/build_demo.py)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# product, name, category, unit cost, base price, weight kg, volume m3, popularity
PRODUCTS = [
    ("BEA-LIPTINT", "Velvet lip tint", "beauty", 1.2, 12.9, 0.05, 0.0002, 0.060),
    ("BEA-SERUM", "Vitamin C serum", "beauty", 2.5, 24.9, 0.12, 0.0004, 0.050),
    ("BEA-MASK10", "Sheet masks (10)", "beauty", 1.8, 15.9, 0.25, 0.0008, 0.050),
    ("BEA-NAILKIT", "Gel nail kit", "beauty", 3.0, 19.9, 0.30, 0.0015, 0.030),
    ("BEA-CURLER", "Cordless hair curler", "beauty", 9.0, 49.9, 0.60, 0.0040, 0.030),
    ("BEA-LASH", "Magnetic lash set", "beauty", 0.8, 9.9, 0.03, 0.0001, 0.040),
    ("FAS-LEGGINGS", "Seamless yoga leggings", "fashion", 4.5, 29.9, 0.25, 0.0012, 0.050),
    ("FAS-HOODIE", "Oversized hoodie", "fashion", 7.0, 39.9, 0.60, 0.0040, 0.040),
    ("FAS-BAG", "Crossbody bag", "fashion", 5.5, 34.9, 0.45, 0.0030, 0.030),
    ("FAS-SUNGLASS", "Polarised sunglasses", "fashion", 1.5, 19.9, 0.08, 0.0006, 0.030),
    ("FAS-SCARF", "Silk-feel scarf", "fashion", 3.0, 24.9, 0.10, 0.0005, 0.020),
    ("FAS-SNEAKER", "Chunky sneakers", "fashion", 12.0, 59.9, 0.90, 0.0090, 0.020),
    ("ELE-EARBUDS", "TWS earbuds", "electronics", 6.0, 39.9, 0.12, 0.0006, 0.050),
    ("ELE-CASE", "MagSafe phone case", "electronics", 0.8, 14.9, 0.05, 0.0003, 0.060),
    ("ELE-POWERBANK", "10,000 mAh power bank", "electronics", 7.0, 34.9, 0.35, 0.0008, 0.030),
    ("ELE-WATCH", "Smart watch", "electronics", 14.0, 69.9, 0.15, 0.0007, 0.030),
    ("ELE-RINGLIGHT", "Ring light with stand", "electronics", 5.0, 29.9, 1.10, 0.0080, 0.020),
    ("ELE-PROJECTOR", "Mini projector", "electronics", 35.0, 129.0, 1.60, 0.0120, 0.010),
    ("HOM-LEDSTRIP", "RGB LED strip 5 m", "home", 3.0, 19.9, 0.30, 0.0015, 0.040),
    ("HOM-DIFFUSER", "Aroma diffuser", "home", 6.0, 32.9, 0.70, 0.0040, 0.030),
    ("HOM-STORAGE", "Foldable storage boxes", "home", 4.0, 24.9, 1.20, 0.0200, 0.020),
    ("HOM-KITCHEN", "Kitchen gadget set", "home", 3.5, 22.9, 0.50, 0.0025, 0.030),
    ("HOM-BLANKET", "Sherpa throw blanket", "home", 8.0, 39.9, 1.30, 0.0120, 0.020),
    ("HOM-CLOCK", "Minimalist wall clock", "home", 6.5, 29.9, 0.90, 0.0060, 0.010),
    ("TOY-PLUSH", "Plush toy", "toys", 2.5, 19.9, 0.25, 0.0040, 0.040),
    ("TOY-BLOCKS", "Building blocks set", "toys", 8.0, 44.9, 1.00, 0.0060, 0.020),
    ("TOY-FIDGET", "Fidget set", "toys", 0.9, 9.9, 0.10, 0.0005, 0.050),
    ("TOY-RCCAR", "RC stunt car", "toys", 11.0, 49.9, 1.20, 0.0100, 0.020),
    ("TOY-PUZZLE", "1000-piece puzzle", "toys", 3.0, 21.9, 0.70, 0.0030, 0.020),
    ("TOY-BLINDBOX", "Blind-box figure", "toys", 2.0, 15.9, 0.15, 0.0008, 0.040),
]

# (product, market) overrides: bans, organic demand, commitments, localisation
BANNED = [("ELE-POWERBANK", "SA"), ("BEA-CURLER", "BR"), ("TOY-BLINDBOX", "ID")]
BASE_DEMAND = {"US": 40, "UK": 15, "DE": 20, "JP": 20}  # organic marketplace units per product
MUST_OFFER = [("ELE-CASE", "US")]
MIN_UNITS = {("FAS-LEGGINGS", "US"): 500}
# (market, channel) -> the creator tiers the seller can book there (catalogue rows, data/catalog.py)
CREATOR_TIERS = {("US", "tiktok_shop"): ("nano", "micro", "macro", "mega"), ("US", "instagram"): ("micro", "macro"),
                 ("ID", "shopee_live"): ("nano", "micro"), ("TH", "tiktok_shop"): ("nano", "micro")}
LISTING_COST = {"JP": 400, "SA": 250, "BR": 300}  # per product offered: translation, local listing


def build_document() -> dict:
    from xborder.data import catalog as c

    markets = [
        {
            "market": m, "name": name, "region": region, "regime": regime, "price_index": pidx,
            "entry_cost": entry, "max_lead_time_days": promise, "customs_days": customs, "duty_rate": duty,
            "de_minimis_value": dmin, "payment_loss_rate": loss, "mitigation_cost": mcost,
            "mitigated_loss_rate": mloss, "fx_cost_rate": fx,
        }
        for (m, name, region, regime, pidx, entry, promise, customs, duty, dmin, loss, mcost, mloss, fx) in c.MARKETS
    ]
    for row in markets:
        if row["market"] == "US":
            row["target_avg_lead_time_days"] = 6.5
        if row["market"] == "BR":
            row["max_revenue_share"] = 0.25
    region_of = {m[0]: m[2] for m in c.MARKETS}
    lanes = []
    for mode, transit in c.DIRECT_TRANSIT.items():
        per_unit, per_kg, dim = c.DIRECT_RATES[mode]
        for market, days in transit.items():
            scale = c.REGION_RATE[region_of[market]]
            lanes.append({"lane": f"CN-{market}-{mode}", "from": "origin", "to": market, "mode": mode, "transit_days": days,
                          "cost_per_unit": round(per_unit * scale, 2), "cost_per_kg": round(per_kg * scale, 2),
                          "dim_factor_kg_per_m3": dim})
    for w, mode, days, per_unit, per_kg, per_m3, dim in c.LINEHAUL:
        lanes.append({"lane": f"CN-{w}-{mode}", "from": "origin", "to": w, "mode": mode, "transit_days": days,
                      "cost_per_unit": per_unit, "cost_per_kg": per_kg, "cost_per_m3": per_m3, "dim_factor_kg_per_m3": dim})
    for w, market, days, per_unit, per_kg, customs in c.LASTMILE:
        lanes.append({"lane": f"{w}-{market}-courier", "from": w, "to": market, "mode": "courier", "transit_days": days,
                      "cost_per_unit": per_unit, "cost_per_kg": per_kg, "customs_days": customs})
    lanes.append({"lane": "CN-SA-dedicated_line-air", "from": "origin", "to": "SA", "mode": "dedicated_line",
                  "transit_days": 6, "cost_per_unit": 2.5, "cost_per_kg": 9.5, "dim_factor_kg_per_m3": 167,
                  "capacity_kg": 1500})

    product_markets = []
    banned = set(BANNED)
    for p in PRODUCTS:
        for m in c.MARKETS:
            key = (p[0], m[0])
            row = {"product": p[0], "market": m[0]}
            if key in banned:
                row["banned"] = True
            if m[0] in BASE_DEMAND and key not in banned:
                row["base_demand"] = BASE_DEMAND[m[0]]
            if m[0] in LISTING_COST:
                row["listing_cost"] = LISTING_COST[m[0]]
            if key in MUST_OFFER:
                row["must_offer"] = True
            if key in MIN_UNITS:
                row["min_units"] = MIN_UNITS[key]
            if len(row) > 2:
                product_markets.append(row)

    doc = {
        "settings": {
            "name": "demo", "currency": "USD", "objective": "profit", "holding_rate": 0.25,
            "marketing_budget": 450000, "max_warehouses": 4, "max_payment_loss_rate": 0.02,
            "origin_processing_days": 1,
        },
        "markets": markets,
        "products": [
            {"product": p, "name": n, "category": cat, "unit_cost": uc, "base_price": bp, "weight_kg": w,
             "volume_m3": v, "popularity": pop}
            for p, n, cat, uc, bp, w, v, pop in PRODUCTS
        ],
        "product_markets": product_markets,
        "duties": [{"market": m, "category": cat, "duty_rate": r} for m, cat, r in c.DUTIES],
        "channels": [{"channel": k, "name": v} for k, v in c.CHANNELS.items()],
        "market_channels": [
            {"market": m, "channel": ch, "activation_cost": cost, "reach": reach, "conversion": conv, "viral": viral}
            for m, chans in c.MARKET_CHANNELS.items()
            for ch, (cost, reach, conv, viral) in chans.items()
        ],
        "channel_fit": [
            {"channel": ch, "category": cat, "fit": fit} for ch, fits in c.CHANNEL_FIT.items() for cat, fit in fits.items()
        ],
        "regimes": [{"regime": g, "compliance_cost": cost} for g, cost in c.REGIMES.items()],
        "certifications": [{"certification": k, "cost": cost} for k, cost in c.CERTIFICATIONS.items()],
        "certification_rules": [{"market": m, "category": cat, "certification": k} for m, cat, k in c.CERTIFICATION_RULES],
        "warehouses": [
            {"warehouse": w, "name": n, "region": r, "fixed_cost": fc, "capacity_m3": cap, "handling_cost_per_unit": h,
             "processing_days": pd_, "cover_days": cd}
            for w, n, r, fc, cap, h, pd_, cd in c.WAREHOUSES
        ],
        "lanes": lanes,
        "payment_methods": c.payment_methods_of(m[0] for m in c.MARKETS),
        "returns": c.returns_of(m[0] for m in c.MARKETS),
        "data_transfer": c.data_transfer_of(m[0] for m in c.MARKETS),
        "data_obligations": c.data_obligations_of(m[0] for m in c.MARKETS),
    }
    doc["origins"], doc["lanes"], doc["origin_duties"] = c.two_origins(lanes, doc["warehouses"], markets)
    doc["containers"] = c.containers_of(doc["lanes"], doc["warehouses"])
    pools = c.creator_pools(doc["market_channels"])
    for row in doc["market_channels"]:
        if (row["market"], row["channel"]) in CREATOR_TIERS:
            row["creator_pool"] = pools[(row["market"], row["channel"])]
    doc["creators"] = [r for r in c.creators_of(doc["market_channels"], {m[0]: m[4] for m in c.MARKETS})
                       if r["tier"] in CREATOR_TIERS.get((r["market"], r["channel"]), ())]
    return doc


def main(folder: Path = HERE):
    from xborder.data.instance import load_instance
    from xborder.data.write import write_csv_folder, write_xlsx

    json_path = folder / "demo.json"
    json_path.write_text(json.dumps(build_document(), indent=1) + "\n", encoding="utf-8")
    instance = load_instance(json_path)
    write_csv_folder(instance.settings, instance.tables, folder / "demo")
    write_xlsx(instance.settings, instance.tables, folder / "demo.xlsx")
    print(f"wrote {json_path}, {folder / 'demo'}/ and {folder / 'demo.xlsx'}")


if __name__ == "__main__":
    sys.exit(main())
