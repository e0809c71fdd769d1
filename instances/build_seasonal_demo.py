"""Build the seasonal demo (instances/demo-seasonal.json) from the demo: the same seller over
twelve months, with the peaks of cross-border social commerce and peak freight surcharges.

- demand: Black Friday and Christmas (Nov x2.2, Dec x2.6) in the US, UK, DE and FR; 11.11 and
  12.12 in Indonesia and Thailand (Nov x2.5, Dec x1.6); Ramadan and Eid in Saudi Arabia
  (Mar x2.0); Brazil's and Mexico's Black Friday (Nov x1.8); Japan's year-end (Dec x1.5);
  a quiet Chinese New Year month for everyone (Feb x0.8, with the market-wide rows);
- freight: the sea-freight peak season (Aug to Oct x1.35), air freight, express and dedicated
  lines in the parcel peak (Nov and Dec x1.4);
- creators: a month takes a twelfth of the campaigns a year the demo's creator tiers accept
  (at least one);
- word of mouth: this month's TikTok Shop buyers bring 8% more next month, Instagram's 5%
  (market_channels.rho); repeat purchase: 10% of a month's buyers buy again the next month
  (markets.retention, 15% in Japan).

Every number is illustrative. Run from the repository root:

    python instances/build_seasonal_demo.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
MONTHS = [("Jan", 31), ("Feb", 28), ("Mar", 31), ("Apr", 30), ("May", 31), ("Jun", 30), ("Jul", 31), ("Aug", 31),
          ("Sep", 30), ("Oct", 31), ("Nov", 30), ("Dec", 31)]
PEAKS = {
    ("US", "Nov"): 2.2, ("US", "Dec"): 2.6, ("UK", "Nov"): 2.2, ("UK", "Dec"): 2.6,
    ("DE", "Nov"): 2.2, ("DE", "Dec"): 2.6, ("FR", "Nov"): 2.2, ("FR", "Dec"): 2.6,
    ("ID", "Nov"): 2.5, ("ID", "Dec"): 1.6, ("TH", "Nov"): 2.5, ("TH", "Dec"): 1.6,
    ("SA", "Mar"): 2.0, ("BR", "Nov"): 1.8, ("MX", "Nov"): 1.8, ("JP", "Dec"): 1.5,
}
FREIGHT = [("sea_freight", month, 1.35) for month in ("Aug", "Sep", "Oct")] + [
    (mode, month, 1.4) for mode in ("air_freight", "express", "dedicated_line") for month in ("Nov", "Dec")]
RHO = {"tiktok_shop": 0.08, "instagram": 0.05}
RETENTION = {"JP": 0.15}


def build() -> dict:
    doc = json.loads((HERE / "demo.json").read_text(encoding="utf-8"))
    doc["settings"]["name"] = "demo-seasonal"
    doc["periods"] = [{"period": name, "order": i + 1, "length_days": days} for i, (name, days) in enumerate(MONTHS)]
    season = [{"market": m, "period": p, "demand_multiplier": x} for (m, p), x in PEAKS.items()]
    season += [{"market": m["market"], "period": "Feb", "demand_multiplier": 0.8} for m in doc["markets"]]
    doc["seasonality"] = season
    doc["period_freight"] = [{"mode": mode, "period": p, "cost_multiplier": x} for mode, p, x in FREIGHT]
    for row in doc["market_channels"]:
        if row["channel"] in RHO:
            row["rho"] = RHO[row["channel"]]
    for market in doc["markets"]:
        market["retention"] = RETENTION.get(market["market"], 0.10)
    for creator in doc.get("creators", []):
        creator["campaigns_per_period"] = max(1, round(creator["campaigns_per_period"] / len(MONTHS)))
    return doc


def main():
    target = HERE / "demo-seasonal.json"
    target.write_text(json.dumps(build(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
