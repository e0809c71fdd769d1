"""Add another 12-month calendar to a generated instance: three peak months of their own in each
market (x1.5-3.0) and one slack month (x0.5), a x4 peak for two categories in four markets,
repeat purchase (markets.retention 0-0.25), word of mouth on two channels in five
(market_channels.rho 0.1-0.3), an air-freight surcharge in November and December (x1.5) and a
sea-freight one around the new year (x1.25 in January and February). Draws from `random.Random(SEED)`.

Usage: python carry-over-calendar.py IN.json OUT.json 12 [SEED]   (SEED: 3 by default)
"""
import json
import random
import sys

if sys.argv[3] != "12":
    sys.exit("this calendar has 12 months")
d = json.load(open(sys.argv[1]))
rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 3)
names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
d["periods"] = [{"period": p, "order": i + 1, "length_days": n} for i, (p, n) in enumerate(zip(names, days))]
season = []
for m in d["markets"]:
    peaks = rnd.sample(names, 3)
    for p in peaks:
        season.append({"market": m["market"], "period": p, "demand_multiplier": round(rnd.uniform(1.5, 3.0), 2)})
    slack = rnd.choice([n for n in names if n not in peaks])
    season.append({"market": m["market"], "period": slack, "demand_multiplier": 0.5})
    m["retention"] = round(rnd.uniform(0.0, 0.25), 3)
categories = sorted({p.get("category") for p in d["products"] if p.get("category")})
for m in d["markets"][:4]:
    for c in categories[:2]:
        season.append({"market": m["market"], "category": c, "period": rnd.choice(names), "demand_multiplier": 4.0})
d["seasonality"] = season
for mc in d.get("market_channels", []):
    mc["rho"] = round(rnd.choice([0.0, 0.0, 0.1, 0.2, 0.3]), 2)
d["period_freight"] = ([{"mode": "air_freight", "period": p, "cost_multiplier": 1.5} for p in ["Nov", "Dec"]]
                       + [{"mode": "sea_freight", "period": p, "cost_multiplier": 1.25} for p in ["Jan", "Feb"]])
json.dump(d, open(sys.argv[2], "w"))
