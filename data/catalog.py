"""A catalogue of real markets, social channels, warehouses and lanes with illustrative numbers.

Market codes, data-protection regimes, channel mixes and the order of magnitude of duties and
de-minimis thresholds follow public 2025 rules of thumb; costs, reach and conversion rates are
illustrative, not quotes. The demo instance and the instance generator both draw from here.
"""

from __future__ import annotations

# market, name, region, regime, price_index, entry_cost, promise days, customs days, duty, de minimis (USD),
# payment loss rate, mitigation cost, mitigated loss rate, fx cost rate
MARKETS = [
    ("US", "United States", "North America", "CCPA", 1.00, 15000, 10, 1, 0.08, 0, 0.015, 6000, 0.006, 0.000),
    ("UK", "United Kingdom", "Europe", "UK_GDPR", 0.95, 8000, 10, 1, 0.04, 170, 0.012, 4000, 0.005, 0.010),
    ("DE", "Germany", "Europe", "GDPR", 0.95, 10000, 9, 1, 0.04, 160, 0.010, 4000, 0.004, 0.010),
    ("FR", "France", "Europe", "GDPR", 0.95, 9000, 9, 1, 0.04, 160, 0.012, 4000, 0.005, 0.010),
    ("JP", "Japan", "Asia", "APPI", 1.05, 12000, 7, 1, 0.05, 65, 0.008, 3000, 0.004, 0.012),
    ("BR", "Brazil", "Latin America", "LGPD", 1.15, 25000, 20, 4, 0.20, 0, 0.045, 7000, 0.015, 0.025),
    ("MX", "Mexico", "Latin America", "LFPDPPP", 0.90, 12000, 14, 3, 0.17, 50, 0.035, 5000, 0.012, 0.020),
    ("ID", "Indonesia", "Southeast Asia", "PDP_ID", 0.70, 10000, 12, 3, 0.15, 3, 0.030, 4000, 0.010, 0.020),
    ("TH", "Thailand", "Southeast Asia", "PDPA_TH", 0.75, 7000, 8, 2, 0.10, 0, 0.025, 3500, 0.010, 0.015),
    ("SA", "Saudi Arabia", "Middle East", "PDPL_SA", 1.10, 15000, 12, 2, 0.05, 266, 0.020, 4500, 0.008, 0.005),
]

REGIMES = {
    "CCPA": 10000, "UK_GDPR": 8000, "GDPR": 20000, "APPI": 6000, "LGPD": 12000,
    "LFPDPPP": 5000, "PDP_ID": 6000, "PDPA_TH": 5000, "PDPL_SA": 8000,
}

CHANNELS = {
    "tiktok_shop": "TikTok Shop",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "whatsapp": "WhatsApp",
    "line": "LINE",
    "pinterest": "Pinterest",
    "shopee_live": "Shopee Live",
}

# market -> channel -> (activation cost, reach per year, conversion, viral)
MARKET_CHANNELS = {
    "US": {"tiktok_shop": (60000, 3_000_000, 0.0040, 0.25), "instagram": (45000, 2_000_000, 0.0030, 0.15),
           "facebook": (30000, 1_500_000, 0.0025, 0.10), "pinterest": (15000, 600_000, 0.0030, 0.05)},
    "UK": {"tiktok_shop": (25000, 900_000, 0.0040, 0.20), "instagram": (20000, 700_000, 0.0030, 0.15),
           "pinterest": (8000, 200_000, 0.0030, 0.05)},
    "DE": {"instagram": (22000, 800_000, 0.0030, 0.10), "tiktok_shop": (20000, 600_000, 0.0030, 0.15),
           "whatsapp": (8000, 200_000, 0.0050, 0.20), "pinterest": (8000, 200_000, 0.0025, 0.05)},
    "FR": {"instagram": (20000, 700_000, 0.0030, 0.12), "tiktok_shop": (18000, 500_000, 0.0030, 0.15)},
    "JP": {"line": (30000, 1_200_000, 0.0035, 0.10), "instagram": (25000, 800_000, 0.0025, 0.10),
           "tiktok_shop": (20000, 500_000, 0.0025, 0.15)},
    "BR": {"instagram": (25000, 1_500_000, 0.0025, 0.20), "whatsapp": (15000, 1_000_000, 0.0040, 0.30),
           "tiktok_shop": (20000, 900_000, 0.0025, 0.25), "shopee_live": (12000, 700_000, 0.0030, 0.10)},
    "MX": {"facebook": (15000, 900_000, 0.0025, 0.15), "whatsapp": (10000, 600_000, 0.0040, 0.25),
           "tiktok_shop": (15000, 700_000, 0.0030, 0.20)},
    "ID": {"tiktok_shop": (15000, 2_500_000, 0.0030, 0.30), "shopee_live": (12000, 1_800_000, 0.0035, 0.15),
           "whatsapp": (6000, 800_000, 0.0030, 0.25), "instagram": (10000, 900_000, 0.0020, 0.15)},
    "TH": {"line": (10000, 900_000, 0.0035, 0.15), "tiktok_shop": (10000, 1_200_000, 0.0030, 0.25),
           "shopee_live": (8000, 900_000, 0.0030, 0.10), "facebook": (8000, 700_000, 0.0020, 0.10)},
    "SA": {"instagram": (20000, 600_000, 0.0030, 0.15), "tiktok_shop": (18000, 700_000, 0.0030, 0.20),
           "whatsapp": (8000, 300_000, 0.0045, 0.25)},
}

CATEGORIES = ("beauty", "fashion", "electronics", "home", "toys")

# channel -> category -> fit (default 1)
CHANNEL_FIT = {
    "tiktok_shop": {"beauty": 1.4, "fashion": 1.2, "electronics": 0.9, "home": 0.8, "toys": 1.1},
    "instagram": {"beauty": 1.3, "fashion": 1.4, "electronics": 0.7, "home": 1.0, "toys": 0.8},
    "facebook": {"beauty": 0.9, "fashion": 0.9, "electronics": 1.1, "home": 1.2, "toys": 1.0},
    "whatsapp": {"beauty": 1.0, "fashion": 1.0, "electronics": 1.1, "home": 1.0, "toys": 0.9},
    "line": {"beauty": 1.2, "fashion": 1.0, "electronics": 1.0, "home": 1.0, "toys": 1.1},
    "pinterest": {"beauty": 1.0, "fashion": 1.2, "electronics": 0.4, "home": 1.5, "toys": 0.7},
    "shopee_live": {"beauty": 1.2, "fashion": 1.1, "electronics": 1.1, "home": 0.9, "toys": 1.0},
}

# certification -> cost per certified product
CERTIFICATIONS = {"CE": 1500, "UKCA": 1200, "FCC": 3000, "PSE": 2500, "ANATEL": 4000, "SASO": 1500, "TISI": 1800, "CPNP": 800}

# (market, category) -> certifications required
CERTIFICATION_RULES = [
    ("US", "electronics", "FCC"), ("UK", "electronics", "UKCA"), ("UK", "toys", "UKCA"),
    ("DE", "electronics", "CE"), ("DE", "toys", "CE"), ("FR", "electronics", "CE"), ("FR", "toys", "CE"),
    ("DE", "beauty", "CPNP"), ("FR", "beauty", "CPNP"), ("JP", "electronics", "PSE"),
    ("BR", "electronics", "ANATEL"), ("SA", "electronics", "SASO"), ("TH", "electronics", "TISI"),
]

# category-specific duty rates that differ from the market default
DUTIES = [
    ("US", "fashion", 0.16), ("US", "electronics", 0.03), ("UK", "fashion", 0.12), ("DE", "fashion", 0.12),
    ("FR", "fashion", 0.12), ("JP", "fashion", 0.10), ("BR", "electronics", 0.16), ("MX", "electronics", 0.10),
    ("ID", "fashion", 0.25), ("TH", "beauty", 0.20),
]

# warehouse, name, region, fixed cost, capacity m3 per year, handling per unit, processing days, cover days
WAREHOUSES = [
    ("LAX", "Los Angeles 3PL", "North America", 60000, 250, 1.20, 1, 30),
    ("DUS", "Duesseldorf 3PL", "Europe", 55000, 220, 1.40, 1, 30),
    ("TYO", "Tokyo 3PL", "Asia", 50000, 120, 1.60, 1, 25),
    ("SAO", "Sao Paulo bonded", "Latin America", 45000, 150, 1.10, 2, 45),
    ("BKK", "Bangkok hub", "Southeast Asia", 30000, 150, 0.60, 1, 30),
    ("DXB", "Dubai free zone", "Middle East", 40000, 120, 1.00, 1, 30),
]

# linehaul lanes origin -> warehouse: (warehouse, mode, transit days, cost/unit, cost/kg, cost/m3, dim factor)
LINEHAUL = [
    ("LAX", "sea_freight", 20, 0.0, 0.0, 120.0, 0), ("LAX", "air_freight", 4, 0.0, 4.5, 0.0, 167),
    ("DUS", "rail_freight", 18, 0.0, 0.0, 260.0, 0), ("DUS", "sea_freight", 36, 0.0, 0.0, 110.0, 0),
    ("TYO", "sea_freight", 7, 0.0, 0.0, 90.0, 0), ("TYO", "air_freight", 3, 0.0, 3.0, 0.0, 167),
    ("SAO", "sea_freight", 40, 0.0, 0.0, 170.0, 0),
    ("BKK", "sea_freight", 10, 0.0, 0.0, 80.0, 0), ("BKK", "truck", 6, 0.0, 0.0, 140.0, 0),
    ("DXB", "sea_freight", 22, 0.0, 0.0, 130.0, 0), ("DXB", "air_freight", 5, 0.0, 3.8, 0.0, 167),
]

# last-mile lanes warehouse -> market: (warehouse, market, transit days, cost/unit, cost/kg, customs days)
LASTMILE = [
    ("LAX", "US", 3, 4.5, 0.8, 0), ("LAX", "MX", 4, 7.0, 1.2, 2),
    ("DUS", "DE", 2, 4.0, 0.5, 0), ("DUS", "FR", 3, 5.5, 0.8, 0), ("DUS", "UK", 3, 7.5, 1.0, 2),
    ("TYO", "JP", 1, 5.0, 0.6, 0),
    ("SAO", "BR", 4, 5.0, 0.9, 0),
    ("BKK", "TH", 2, 1.8, 0.4, 0), ("BKK", "ID", 4, 3.5, 0.8, 3),
    ("DXB", "SA", 3, 5.0, 0.8, 2),
]

# direct lanes origin -> market by mode: (mode, transit days by market, cost/unit, cost/kg, dim factor)
DIRECT_TRANSIT = {
    "postal": {"US": 14, "UK": 12, "DE": 12, "FR": 12, "JP": 7, "BR": 25, "MX": 18, "ID": 9, "TH": 6, "SA": 15},
    "dedicated_line": {"US": 8, "UK": 7, "DE": 7, "FR": 8, "JP": 4, "BR": 14, "MX": 10, "ID": 6, "TH": 4, "SA": 9},
    "express": {"US": 4, "UK": 4, "DE": 4, "FR": 4, "JP": 2, "BR": 6, "MX": 5, "ID": 3, "TH": 2, "SA": 4},
}
DIRECT_RATES = {  # mode -> (cost/unit, cost/kg, dim factor kg/m3), scaled per region below
    "postal": (1.2, 9.0, 0),
    "dedicated_line": (2.0, 8.0, 167),
    "express": (6.0, 14.0, 200),
}
REGION_RATE = {"North America": 1.0, "Europe": 1.0, "Asia": 0.7, "Latin America": 1.3, "Southeast Asia": 0.6, "Middle East": 1.0}

# ---- further markets and warehouses, used by the instance generator -----------------------------

MORE_MARKETS = [
    ("CA", "Canada", "North America", "PIPEDA", 1.05, 9000, 10, 1, 0.06, 110, 0.012, 4000, 0.005, 0.008),
    ("AU", "Australia", "Oceania", "APP_AU", 1.10, 9000, 10, 1, 0.05, 0, 0.010, 3500, 0.004, 0.010),
    ("IT", "Italy", "Europe", "GDPR", 0.92, 9000, 9, 1, 0.04, 160, 0.014, 4000, 0.006, 0.010),
    ("ES", "Spain", "Europe", "GDPR", 0.90, 8000, 9, 1, 0.04, 160, 0.013, 4000, 0.006, 0.010),
    ("NL", "Netherlands", "Europe", "GDPR", 0.98, 8000, 8, 1, 0.04, 160, 0.009, 3500, 0.004, 0.010),
    ("PL", "Poland", "Europe", "GDPR", 0.80, 7000, 9, 1, 0.04, 160, 0.015, 3500, 0.006, 0.015),
    ("KR", "South Korea", "Asia", "PIPA_KR", 1.00, 10000, 6, 1, 0.08, 150, 0.008, 3000, 0.004, 0.012),
    ("SG", "Singapore", "Southeast Asia", "PDPA_SG", 1.05, 6000, 7, 1, 0.00, 0, 0.010, 3000, 0.004, 0.008),
    ("MY", "Malaysia", "Southeast Asia", "PDPA_MY", 0.75, 6000, 9, 2, 0.10, 0, 0.025, 3000, 0.010, 0.015),
    ("PH", "Philippines", "Southeast Asia", "DPA_PH", 0.70, 6000, 12, 3, 0.15, 0, 0.035, 3500, 0.012, 0.020),
    ("VN", "Vietnam", "Southeast Asia", "PDPD_VN", 0.65, 7000, 9, 2, 0.12, 0, 0.030, 3500, 0.012, 0.020),
    ("AE", "United Arab Emirates", "Middle East", "PDPL_AE", 1.10, 12000, 10, 2, 0.05, 270, 0.015, 4000, 0.006, 0.005),
    ("CL", "Chile", "Latin America", "LPDP_CL", 0.95, 9000, 18, 3, 0.06, 41, 0.030, 4500, 0.012, 0.020),
    ("CO", "Colombia", "Latin America", "HABEAS_CO", 0.85, 9000, 16, 3, 0.10, 200, 0.040, 4500, 0.015, 0.025),
    ("TR", "Turkey", "Europe", "KVKK", 0.80, 8000, 12, 3, 0.20, 30, 0.030, 4000, 0.012, 0.030),
]

MORE_REGIMES = {
    "PIPEDA": 6000, "APP_AU": 6000, "PIPA_KR": 8000, "PDPA_SG": 4000, "PDPA_MY": 4000, "DPA_PH": 4000,
    "PDPD_VN": 5000, "PDPL_AE": 6000, "LPDP_CL": 4000, "HABEAS_CO": 4000, "KVKK": 5000,
}

MORE_MARKET_CHANNELS = {
    "CA": {"instagram": (15000, 600_000, 0.0030, 0.12), "tiktok_shop": (15000, 600_000, 0.0030, 0.18),
           "facebook": (10000, 500_000, 0.0025, 0.10)},
    "AU": {"instagram": (15000, 500_000, 0.0030, 0.12), "tiktok_shop": (15000, 600_000, 0.0030, 0.18)},
    "IT": {"instagram": (15000, 600_000, 0.0030, 0.12), "tiktok_shop": (12000, 400_000, 0.0025, 0.15),
           "whatsapp": (6000, 200_000, 0.0040, 0.20)},
    "ES": {"instagram": (14000, 600_000, 0.0030, 0.12), "tiktok_shop": (12000, 500_000, 0.0028, 0.15),
           "whatsapp": (6000, 250_000, 0.0040, 0.20)},
    "NL": {"instagram": (8000, 250_000, 0.0030, 0.10), "pinterest": (4000, 100_000, 0.0025, 0.05)},
    "PL": {"instagram": (8000, 400_000, 0.0025, 0.10), "facebook": (6000, 350_000, 0.0025, 0.10)},
    "KR": {"instagram": (18000, 700_000, 0.0030, 0.12), "tiktok_shop": (10000, 300_000, 0.0020, 0.10)},
    "SG": {"instagram": (6000, 200_000, 0.0035, 0.12), "shopee_live": (5000, 200_000, 0.0035, 0.10),
           "tiktok_shop": (5000, 200_000, 0.0030, 0.15)},
    "MY": {"shopee_live": (8000, 700_000, 0.0030, 0.12), "tiktok_shop": (8000, 800_000, 0.0030, 0.22),
           "whatsapp": (4000, 300_000, 0.0035, 0.20)},
    "PH": {"shopee_live": (8000, 900_000, 0.0030, 0.12), "tiktok_shop": (8000, 1_000_000, 0.0030, 0.25),
           "facebook": (6000, 900_000, 0.0025, 0.15)},
    "VN": {"tiktok_shop": (8000, 1_000_000, 0.0030, 0.25), "shopee_live": (8000, 900_000, 0.0030, 0.12),
           "facebook": (6000, 800_000, 0.0020, 0.12)},
    "AE": {"instagram": (12000, 400_000, 0.0035, 0.15), "tiktok_shop": (10000, 400_000, 0.0030, 0.18),
           "whatsapp": (5000, 200_000, 0.0045, 0.22)},
    "CL": {"instagram": (8000, 350_000, 0.0025, 0.15), "whatsapp": (5000, 300_000, 0.0035, 0.22)},
    "CO": {"instagram": (8000, 400_000, 0.0025, 0.15), "whatsapp": (5000, 400_000, 0.0035, 0.25),
           "tiktok_shop": (6000, 350_000, 0.0025, 0.20)},
    "TR": {"instagram": (10000, 700_000, 0.0030, 0.15), "tiktok_shop": (8000, 500_000, 0.0025, 0.18),
           "whatsapp": (5000, 300_000, 0.0035, 0.20)},
}

MORE_CERTIFICATION_RULES = [
    ("CA", "electronics", "FCC"), ("AU", "electronics", "RCM"), ("IT", "electronics", "CE"), ("IT", "toys", "CE"),
    ("ES", "electronics", "CE"), ("ES", "toys", "CE"), ("NL", "electronics", "CE"), ("NL", "toys", "CE"),
    ("PL", "electronics", "CE"), ("PL", "toys", "CE"), ("IT", "beauty", "CPNP"), ("ES", "beauty", "CPNP"),
    ("KR", "electronics", "KC"), ("AE", "electronics", "SASO"), ("TR", "electronics", "CE"),
]
MORE_CERTIFICATIONS = {"RCM": 1500, "KC": 2500}

# warehouse, name, region, fixed cost, capacity m3, handling, processing days, cover days
MORE_WAREHOUSES = [
    ("EWR", "New Jersey 3PL", "North America", 65000, 250, 1.30, 1, 30),
    ("BHX", "Birmingham 3PL", "Europe", 45000, 150, 1.30, 1, 30),
    ("WAW", "Warsaw 3PL", "Europe", 35000, 200, 0.90, 1, 30),
    ("MAD", "Madrid 3PL", "Europe", 40000, 150, 1.10, 1, 30),
    ("MEX", "Mexico City 3PL", "Latin America", 35000, 150, 0.90, 1, 35),
    ("SYD", "Sydney 3PL", "Oceania", 45000, 120, 1.40, 1, 30),
    ("YYZ", "Toronto 3PL", "North America", 45000, 120, 1.30, 1, 30),
    ("SIN", "Singapore hub", "Southeast Asia", 40000, 150, 0.90, 1, 25),
    ("ICN", "Incheon bonded", "Asia", 40000, 120, 1.20, 1, 25),
]

# linehaul modes per region of the warehouse: (mode, transit days, cost/kg, cost/m3, dim factor)
LINEHAUL_BY_REGION = {
    "North America": [("sea_freight", 22, 0.0, 125.0, 0), ("air_freight", 4, 4.5, 0.0, 167)],
    "Europe": [("rail_freight", 18, 0.0, 260.0, 0), ("sea_freight", 36, 0.0, 110.0, 0)],
    "Asia": [("sea_freight", 6, 0.0, 90.0, 0), ("air_freight", 2, 3.0, 0.0, 167)],
    "Latin America": [("sea_freight", 38, 0.0, 160.0, 0), ("air_freight", 6, 5.5, 0.0, 167)],
    "Southeast Asia": [("sea_freight", 8, 0.0, 80.0, 0), ("truck", 6, 0.0, 140.0, 0)],
    "Middle East": [("sea_freight", 22, 0.0, 130.0, 0), ("air_freight", 5, 3.8, 0.0, 167)],
    "Oceania": [("sea_freight", 16, 0.0, 120.0, 0), ("air_freight", 4, 4.2, 0.0, 167)],
}

# direct transit days of the generator's extra markets, by mode
MORE_DIRECT_TRANSIT = {
    "postal": {"CA": 15, "AU": 12, "IT": 13, "ES": 13, "NL": 11, "PL": 12, "KR": 5, "SG": 6, "MY": 7, "PH": 9,
               "VN": 6, "AE": 12, "CL": 25, "CO": 22, "TR": 14},
    "dedicated_line": {"CA": 9, "AU": 8, "IT": 8, "ES": 8, "NL": 7, "PL": 7, "KR": 3, "SG": 4, "MY": 4, "PH": 6,
                       "VN": 4, "AE": 7, "CL": 14, "CO": 12, "TR": 9},
    "express": {"CA": 4, "AU": 4, "IT": 4, "ES": 4, "NL": 3, "PL": 4, "KR": 2, "SG": 2, "MY": 3, "PH": 3,
                "VN": 2, "AE": 4, "CL": 6, "CO": 6, "TR": 5},
}

# ---- payment methods (the `payment_methods` table) ------------------------------------------------
# Checkout options beside each market's default card checkout (whose fraud and chargeback rate is
# the market's payment_loss_rate above). Shares follow the order of magnitude of public 2024-2025
# payment reports (e.g. the Worldpay Global Payments Report, regional PSP reports): cash on delivery
# still pays for a quarter to a third of e-commerce in the Gulf and South-East Asia, with 10-20% of
# its parcels refused at the door; Pix pays for about 40% in Brazil, iDEAL for over half in the
# Netherlands, BLIK for about 40% in Poland; invoice and BNPL are large in Germany and growing in the
# Gulf (Tabby, Tamara), though most BNPL users also hold a card; convenience-store payment (konbini) is a cash habit in Japan. Exclusive
# shares (buyers who do not buy without the method) are rough guesses at the unbanked or
# card-averse part of that share. Fees are typical merchant rates (BNPL 4-6%, wallets 1.5-3.5%,
# bank transfers under 1%); a refused COD parcel costs the two-way last mile and handling.
# market, method, kind, integration cost, share, exclusive share, fee rate, loss rate, refusal rate, refusal cost / order
PAYMENT_METHODS = [
    ("US", "wallet", "e-wallet", 1000, 0.30, 0.05, 0.035, 0.005, 0.0, 0.0),
    ("US", "bnpl", "buy-now-pay-later", 3000, 0.08, 0.01, 0.050, 0.003, 0.0, 0.0),
    ("UK", "wallet", "e-wallet", 1000, 0.30, 0.04, 0.035, 0.005, 0.0, 0.0),
    ("UK", "bnpl", "buy-now-pay-later", 2500, 0.10, 0.01, 0.050, 0.003, 0.0, 0.0),
    ("DE", "invoice", "buy-now-pay-later", 3000, 0.25, 0.10, 0.045, 0.003, 0.0, 0.0),
    ("DE", "wallet", "e-wallet", 1000, 0.30, 0.05, 0.035, 0.004, 0.0, 0.0),
    ("FR", "wallet", "e-wallet", 1000, 0.20, 0.03, 0.035, 0.005, 0.0, 0.0),
    ("JP", "konbini", "bank transfer", 2000, 0.12, 0.06, 0.030, 0.000, 0.0, 0.0),
    ("JP", "wallet", "e-wallet", 1500, 0.15, 0.04, 0.030, 0.003, 0.0, 0.0),
    ("BR", "pix", "bank transfer", 1500, 0.40, 0.15, 0.010, 0.002, 0.0, 0.0),
    ("BR", "boleto", "bank transfer", 1500, 0.10, 0.05, 0.020, 0.000, 0.0, 0.0),
    ("MX", "oxxo", "cash voucher", 1500, 0.15, 0.08, 0.030, 0.000, 0.0, 0.0),
    ("ID", "cod", "cash on delivery", 2000, 0.25, 0.15, 0.020, 0.000, 0.12, 4.0),
    ("ID", "wallet", "e-wallet", 1500, 0.40, 0.10, 0.020, 0.008, 0.0, 0.0),
    ("TH", "cod", "cash on delivery", 2000, 0.30, 0.15, 0.020, 0.000, 0.10, 3.5),
    ("TH", "wallet", "e-wallet", 1000, 0.30, 0.05, 0.015, 0.005, 0.0, 0.0),
    ("SA", "cod", "cash on delivery", 2500, 0.35, 0.20, 0.020, 0.000, 0.18, 6.0),
    ("SA", "bnpl", "buy-now-pay-later", 3000, 0.12, 0.02, 0.060, 0.003, 0.0, 0.0),
    ("AE", "cod", "cash on delivery", 2500, 0.25, 0.12, 0.020, 0.000, 0.15, 6.0),
    ("AE", "bnpl", "buy-now-pay-later", 3000, 0.12, 0.02, 0.060, 0.003, 0.0, 0.0),
    ("MY", "cod", "cash on delivery", 1500, 0.20, 0.10, 0.020, 0.000, 0.10, 3.0),
    ("MY", "wallet", "e-wallet", 1000, 0.30, 0.08, 0.015, 0.005, 0.0, 0.0),
    ("PH", "cod", "cash on delivery", 1500, 0.35, 0.20, 0.020, 0.000, 0.15, 3.0),
    ("PH", "wallet", "e-wallet", 1000, 0.30, 0.08, 0.020, 0.006, 0.0, 0.0),
    ("VN", "cod", "cash on delivery", 1500, 0.40, 0.25, 0.020, 0.000, 0.15, 2.5),
    ("VN", "wallet", "e-wallet", 1000, 0.20, 0.05, 0.015, 0.006, 0.0, 0.0),
    ("NL", "ideal", "bank transfer", 1000, 0.50, 0.25, 0.005, 0.001, 0.0, 0.0),
    ("PL", "blik", "bank transfer", 1000, 0.40, 0.15, 0.010, 0.002, 0.0, 0.0),
    ("KR", "wallet", "e-wallet", 2000, 0.40, 0.15, 0.025, 0.003, 0.0, 0.0),
    ("CL", "cash_voucher", "cash voucher", 1500, 0.12, 0.06, 0.030, 0.000, 0.0, 0.0),
    ("CO", "cash_voucher", "cash voucher", 1500, 0.12, 0.06, 0.030, 0.000, 0.0, 0.0),
]
PAYMENT_METHOD_COLUMNS = ("market", "method", "kind", "integration_cost", "share", "exclusive_share", "fee_rate",
                          "loss_rate", "refusal_rate", "refusal_cost_per_order")


def payment_methods_of(markets) -> list[dict]:
    """The catalogue's payment methods of the given markets, as table rows."""
    wanted = set(markets)
    return [dict(zip(PAYMENT_METHOD_COLUMNS, row)) for row in PAYMENT_METHODS if row[0] in wanted]

# ---- returns (the `returns` table) ----------------------------------------------------------------
# Share of units sent back, by category, and how much more or less a market returns. Fashion is
# the category with the most returns (a fifth to a third of online apparel in the US and Europe,
# more in Germany, where free returns are the norm), electronics and home goods a few percent,
# beauty the fewest (opened cosmetics are rarely taken back); buyers in Asia and Latin America send
# back far less than in the US and Europe (rules of thumb from published e-commerce return
# statistics, e.g. the NRF/Appriss and Statista series). A returned unit can be restocked in a
# local warehouse (inspection and repacking, about 1 USD, resold as new at 90% of its cost),
# shipped back to the origin (cross-border return postage) or sold off to a local liquidator
# (half its cost, less handling).
RETURN_RATES = {"fashion": 0.20, "electronics": 0.07, "home": 0.06, "toys": 0.05, "beauty": 0.03}
RETURN_MARKET_FACTOR = {
    "US": 1.0, "UK": 1.0, "DE": 1.5, "FR": 1.0, "IT": 0.9, "ES": 0.9, "NL": 1.2, "PL": 0.8, "CA": 0.9, "AU": 0.8,
    "JP": 0.4, "KR": 0.6, "SG": 0.5, "MY": 0.5, "PH": 0.5, "VN": 0.5, "ID": 0.5, "TH": 0.5,
    "BR": 0.6, "MX": 0.6, "CL": 0.6, "CO": 0.6, "SA": 0.5, "AE": 0.6, "TR": 0.7,
}
RETURN_ORIGIN_COST = {"North America": 8.0, "Europe": 7.0, "Oceania": 8.0, "Asia": 4.0, "Southeast Asia": 3.0,
                      "Latin America": 9.0, "Middle East": 7.0}


def returns_of(markets) -> list[dict]:
    """The catalogue's returns rows (market x category) of the given markets, as table rows."""
    region = {m[0]: m[2] for m in MARKETS + MORE_MARKETS}
    rows = []
    for market in markets:
        for category, rate in RETURN_RATES.items():
            rows.append({"market": market, "category": category,
                         "return_rate": round(min(rate * RETURN_MARKET_FACTOR.get(market, 1.0), 0.5), 3),
                         "restock_cost": 1.0, "restock_recovery": 0.9, "origin_cost": RETURN_ORIGIN_COST[region[market]],
                         "origin_recovery": 1.0, "liquidate_cost": 0.3, "liquidate_recovery": 0.5})
    return rows

# ---- data transfer and localisation (the `data_transfer` and `data_obligations` tables) -----------
# How each regime lets a seller based in China keep its buyers' data, per horizon (a year). Most
# regimes allow a transfer abroad under a mechanism: standard contractual clauses in the EU (with a
# transfer impact assessment; counsel and set-up about 15,000 USD), the UK's IDTA, Brazil's ANPD
# clauses (mandatory since August 2024), consent or contract in most of Asia and Latin America,
# nothing specific under the CCPA (no mechanism, no cost); Vietnam's Decree 53 (2022) asks many online services to keep
# Vietnamese users' data in Vietnam. Hosting a market's data in a local cloud region with its own
# store instance costs a few thousand USD a year. Obligations that start at a buyer volume: an
# Article 27 representative in the EU and UK once processing is more than occasional (taken as
# 1,000 buyers); a data-protection impact assessment for large-scale processing (100,000); the
# CCPA's 100,000-consumer threshold, counted on California residents (about 12% of US buyers, so
# about 800,000 US buyers); a DPO under the LGPD and Indonesia's PDP Law (taken as 10,000 and
# 20,000 buyers) and under Thailand's PDPA at 100,000 data subjects (PDPC notification, 2023), which
# also asks a foreign controller for a local representative from the first buyer; Korea's domestic
# agent at 1 million users; Turkey's VERBIS registration. Thresholds count buyers: a buyer places
# 1.2 orders a year (a rough repeat-purchase rate for a social seller). Costs are rough estimates.
# regime, mechanism, must localise, transfer cost, hosting cost per market
DATA_TRANSFER = [
    ("CCPA", "", False, 0, 9000),
    ("UK_GDPR", "IDTA", False, 8000, 7000),
    ("GDPR", "SCC", False, 15000, 7000),
    ("APPI", "consent", False, 5000, 4000),
    ("LGPD", "ANPD clauses", False, 8000, 9000),
    ("LFPDPPP", "notice", False, 2000, 6000),
    ("PDP_ID", "consent", False, 5000, 6000),
    ("PDPA_TH", "contract", False, 4000, 5000),
    ("PDPL_SA", "safeguards", False, 10000, 8000),
    ("PIPEDA", "contract", False, 2000, 7000),
    ("APP_AU", "contract", False, 3000, 7000),
    ("PIPA_KR", "consent", False, 6000, 6000),
    ("PDPA_SG", "contract", False, 3000, 5000),
    ("PDPA_MY", "consent", False, 2000, 4000),
    ("DPA_PH", "contract", False, 3000, 4000),
    ("PDPD_VN", "", True, 0, 6000),
    ("PDPL_AE", "safeguards", False, 5000, 7000),
    ("LPDP_CL", "contract", False, 2000, 5000),
    ("HABEAS_CO", "contract", False, 3000, 5000),
    ("KVKK", "undertaking", False, 8000, 5000),
]
# regime, obligation, buyer threshold, cost
DATA_OBLIGATIONS = [
    ("GDPR", "representative", 1000, 4000),
    ("GDPR", "assessment", 100000, 15000),
    ("UK_GDPR", "representative", 1000, 3000),
    ("CCPA", "consumer_rights", 800000, 20000),
    ("LGPD", "dpo", 10000, 8000),
    ("PDP_ID", "dpo", 20000, 6000),
    ("PDPA_TH", "representative", 0, 4000),
    ("PDPA_TH", "dpo", 100000, 6000),
    ("PIPA_KR", "domestic_agent", 1000000, 10000),
    ("PDPL_SA", "assessment", 50000, 8000),
    ("PDPD_VN", "assessment", 0, 3000),
    ("KVKK", "registration", 0, 2000),
]
ORDERS_PER_BUYER = 1.2


def _regimes_of(markets) -> list[str]:
    regime = {m[0]: m[3] for m in MARKETS + MORE_MARKETS}
    return list(dict.fromkeys(regime[m] for m in markets if m in regime))


def data_transfer_of(markets) -> list[dict]:
    """The catalogue's data_transfer rows of the regimes of the given markets."""
    wanted = set(_regimes_of(markets))
    return [{"regime": g, "mechanism": how, "must_localise": local, "transfer_cost": send, "hosting_cost": host}
            for g, how, local, send, host in DATA_TRANSFER if g in wanted]


def data_obligations_of(markets) -> list[dict]:
    """The catalogue's data_obligations rows of the regimes of the given markets."""
    wanted = set(_regimes_of(markets))
    return [{"regime": g, "obligation": name, "buyer_threshold": threshold, "orders_per_buyer": ORDERS_PER_BUYER,
             "cost": cost} for g, name, threshold, cost in DATA_OBLIGATIONS if g in wanted]


# ---- containers (the `containers` table) ------------------------------------------------------------
# Sea and rail linehaul from South China in 40-foot high-cube containers (40HC): 76 m3 inside, of
# which about 68 m3 is usable with cartons, and a payload of about 26,000 kg. The freight of one
# container per lane is a rounded planning value within the range the Drewry World Container Index
# and the Freightos Baltic Index reported for 2024-2025 (spot rates moved two- to three-fold over
# those years: a scenario away): transpacific to the US West Coast about 3,000 USD, Asia to North
# Europe about 3,500, China-Europe rail about 6,500 (China Railway Express quotes), intra-Asia 600-900,
# to Santos about 4,500, to Jebel Ali about 2,000, to Sydney about 2,200. LCL is charged per freight
# tonne (m3, or 1,000 kg if heavier) at the lane's own per-m3 rate (`LINEHAUL`, `LINEHAUL_BY_REGION`),
# so with the table a lane keeps today's cost for light goods shipped LCL and gains the full
# container: at 68 m3 a transpacific box is about 44 USD a m3 against 120-125 LCL.
CONTAINER = ("40HC", 68.0, 26000.0)  # type, usable m3, payload kg
CONTAINER_COST = {  # (warehouse region, mode) -> USD per 40HC
    ("North America", "sea_freight"): 3000.0, ("Europe", "sea_freight"): 3500.0, ("Europe", "rail_freight"): 6500.0,
    ("Asia", "sea_freight"): 900.0, ("Latin America", "sea_freight"): 4500.0, ("Southeast Asia", "sea_freight"): 600.0,
    ("Middle East", "sea_freight"): 2000.0, ("Oceania", "sea_freight"): 2200.0,
}


def containers_of(lanes: list[dict], warehouses: list[dict]) -> list[dict]:
    """The containers rows of the sea and rail linehaul lanes (an origin to a warehouse) among `lanes`:
    a 40HC at the catalogue's cost for the warehouse's region, LCL at the lane's cost_per_m3."""
    region = {w["warehouse"]: w.get("region") for w in warehouses}
    kind, m3, kg = CONTAINER
    return [{"lane": lane["lane"], "container": kind, "capacity_m3": m3, "capacity_kg": kg,
             "cost_per_container": CONTAINER_COST[(region[lane["to"]], lane["mode"])],
             "lcl_rate_per_m3": lane.get("cost_per_m3", 0.0)}
            for lane in lanes
            if lane["from"] not in region and lane["to"] in region and (region[lane["to"]], lane["mode"]) in CONTAINER_COST]


# ---- origins (the `origins`, `origin_costs` and `origin_duties` tables) -----------------------------
# A second origin for the "China plus one" question: Ho Chi Minh City (SGN) beside Shenzhen (SZX).
# Vietnamese suppliers are strong in apparel, footwear, bags and home goods; for a small seller
# their unit costs run a little above South China's (inputs are often imported from China, runs are
# smaller): a planning premium of 5%. Qualifying suppliers there (samples, a third-party factory
# audit, a part-time QC agent for the year) is a fixed cost of about 3,000 USD. Order handling takes a day longer. Parcels and
# freight from SGN take a little longer and cost a little more than from Shenzhen's hubs (fewer
# consolidated flights and sailings): +2 days direct, +3 days by sea, rates x 1.05.
# US duties by origin as of late 2025, on top of the MFN duty in `duties`: goods of Chinese origin pay
# the 10% IEEPA and 10% reciprocal tariffs and Section 301's 7.5% on most consumer goods (list 4A):
# 27.5%; home goods (furniture, lighting, storage and kitchen ware, largely on lists 1-3) pay 25%
# under Section 301: 45%. Goods of Vietnamese origin pay the 20% reciprocal tariff. The US
# suspended its 800 USD de-minimis exemption for every origin in August 2025 (the demo's US
# threshold is already 0), so every parcel pays.
ORIGIN_HUB = ("SZX", "Shenzhen")
SECOND_ORIGIN = {"origin": "SGN", "name": "Ho Chi Minh City", "processing_days": 2, "cost_factor": 1.05,
                 "fixed_cost": 3000.0, "categories": "fashion;home"}
SECOND_ORIGIN_REGIONS = ("North America", "Europe")  # where SGN gets lanes (copies of Shenzhen's)
SECOND_ORIGIN_DELAY = {"direct": 2, "linehaul": 3}  # extra transit days
SECOND_ORIGIN_RATE = 1.05
ORIGIN_TARIFFS = {("SZX", "US", None): 0.275, ("SZX", "US", "home"): 0.45, ("SGN", "US", None): 0.20}  # extra duty rate (origin, market, category or every one)


def two_origins(lanes: list[dict], warehouses: list[dict], markets: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """(origins, lanes, origin_duties) of a document with the second origin: Shenzhen's lanes start
    at SZX, SGN gets a copy of each lane into a market or warehouse of `SECOND_ORIGIN_REGIONS` at
    the catalogue's delay and rate, and the US tariffs apply by origin."""
    hub, name = ORIGIN_HUB
    region = {w["warehouse"]: w.get("region") for w in warehouses} | {m["market"]: m.get("region") for m in markets}
    moved = [{**lane, "from": hub} if lane["from"] == "origin" else lane for lane in lanes]
    copies = []
    for lane in moved:
        if lane["from"] != hub or region.get(lane["to"]) not in SECOND_ORIGIN_REGIONS:
            continue
        kind = "linehaul" if lane["to"] in {w["warehouse"] for w in warehouses} else "direct"
        copy = {**lane, "lane": lane["lane"].replace("CN-", "VN-", 1), "from": SECOND_ORIGIN["origin"],
                "transit_days": lane["transit_days"] + SECOND_ORIGIN_DELAY[kind]}
        for column in ("cost_per_unit", "cost_per_kg", "cost_per_m3"):
            if column in copy:
                copy[column] = round(copy[column] * SECOND_ORIGIN_RATE, 2)
        copy.pop("capacity_kg", None)
        copies.append(copy)
    origins = [{"origin": hub, "name": name}, dict(SECOND_ORIGIN)]
    market_ids = {m["market"] for m in markets}
    duties = [{"origin": g, "market": mk, **({"category": k} if k else {}), "extra_duty_rate": rate}
              for (g, mk, k), rate in ORIGIN_TARIFFS.items() if mk in market_ids]
    return origins, moved + copies, duties


# ---- creators (the `creators` table) ----------------------------------------------------------------
# One row per creator tier on a channel of a market: a planner books "micro creators on TikTok Shop
# in the US" as a pool of similar creators, up to the campaigns a year the tier can supply. Typical
# followers per tier (nano 1k-10k, micro 10k-100k, macro 100k-1M, mega 1M+), the share of real
# followers one campaign reaches and engages with (video views for TikTok and Shopee Live, story
# and feed reach for Instagram; smaller accounts reach a larger share), the share of fake or
# inactive followers (audits put it at 10-25%, higher for larger accounts) and the fee per campaign
# are rounded planning values in the range of the 2024-2025 rate cards and benchmarks published by
# influencer-marketing platforms (TikTok: nano 5-25 USD a post, micro 25-125, macro 1,250-2,500,
# mega 2,500+; Instagram: nano 10-100, micro 100-500, macro 5,000-10,000, mega 10,000+), for the US;
# other markets scale the fee by their price index. The channel's creator_pool, the people on it
# in the market whom creators can reach, is taken as twice the seller's own reach on the channel.
CREATOR_CHANNELS = ("tiktok_shop", "instagram", "shopee_live")
CREATOR_POOL_PER_REACH = 2.0
# tier -> followers, share reached and engaged, fake share, campaigns a year, fee (USD) by channel
CREATOR_TIERS = {
    "nano": (5_000, 0.25, 0.10, 40, {"tiktok_shop": 20, "instagram": 60, "shopee_live": 20}),
    "micro": (40_000, 0.18, 0.15, 20, {"tiktok_shop": 120, "instagram": 400, "shopee_live": 100}),
    "macro": (400_000, 0.12, 0.20, 6, {"tiktok_shop": 2_500, "instagram": 8_000, "shopee_live": 2_000}),
    "mega": (2_000_000, 0.08, 0.25, 2, {"tiktok_shop": 8_000, "instagram": 20_000, "shopee_live": 6_000}),
}


def creator_pools(market_channels: list[dict]) -> dict:
    """(market, channel) -> creator_pool for the rows of the channels creators post on."""
    return {(r["market"], r["channel"]): CREATOR_POOL_PER_REACH * r["reach"] for r in market_channels
            if r["channel"] in CREATOR_CHANNELS and r.get("reach", 0) > 0}


def creators_of(market_channels: list[dict], price_index: dict) -> list[dict]:
    """The creators rows, one per tier, of the market_channels rows creators post on; fees scaled
    by each market's price index."""
    return [{"creator": f"{market}-{channel}-{tier}", "market": market, "channel": channel, "tier": tier,
             "audience": followers, "engagement_rate": engaged, "fake_share": fake,
             "fee": round(fees[channel] * price_index.get(market, 1.0), 0), "campaigns_per_period": most}
            for (market, channel) in creator_pools(market_channels)
            for tier, (followers, engaged, fake, most, fees) in CREATOR_TIERS.items()]


# ---- funnels (the `funnels` table) ------------------------------------------------------------------
# The stages of a social-commerce funnel as planners measure them: of the people a channel reaches,
# about 60% see the seller's content (exposure), 15% of those watch on or click (interest), 25% of
# those visit the shop or add to cart (interaction), and the purchase stage is what makes the
# channel's conversion. A buyer's share reaches about 500 people (a post or a group message), and
# the share of buyers who share is what makes the channel's viral coefficient. With the funnel the
# catalogue's conversion and viral are unchanged: the table shows where they come from.
FUNNEL_STAGES = (0.60, 0.15, 0.25)  # exposure, interest, interaction
SHARE_REACH = 500.0


def funnel_of(row: dict) -> dict:
    """The funnels row of a market_channels row whose stages give its conversion and viral."""
    exposure, interest, interaction = FUNNEL_STAGES
    conversion, viral = row["conversion"], row.get("viral", 0.0)
    reach = max(SHARE_REACH, viral / conversion) if conversion > 0 else SHARE_REACH
    return {"market": row["market"], "channel": row["channel"], "exposure": exposure, "interest": interest,
            "interaction": interaction, "purchase": conversion / (exposure * interest * interaction),
            "share": viral / (reach * conversion) if conversion > 0 else 0.0, "share_reach": reach}
