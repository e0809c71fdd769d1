"""Named load-time checks of the instance format (README.md, "Instance format"; docs/model.md, "Choices where the specification leaves room"). Each `check_*` appends located issues to the log.

Table checks run on the typed tables; network checks run on the derived `Network` because they
are about what can be served within a promise.
"""

from __future__ import annotations

import pandas as pd

from .creators import creator_categories
from .funnels import RATES, funnel_rates
from .errors import IssueLog, key_hint
from .network import DIRECT, LASTMILE, LINEHAUL, Network, lane_kinds
from .schema import CONTAINER_MODES, LANE_MODES, ORIGIN, REFERENCES, TABLES, origin_ids



class Checker:
    """Runs the checks with knowledge of which file holds which table."""

    def __init__(self, tables: dict[str, pd.DataFrame], files: dict[str, str], log: IssueLog):
        self.tables, self.files, self.log = tables, files, log

    def error(self, table, message, row=None, column=None):
        self.log.error(self.files.get(table, table), table, message, row, column)

    def warn(self, table, message, row=None, column=None):
        self.log.warn(self.files.get(table, table), table, message, row, column)

    # ---- table checks ----------------------------------------------------------------------

    def check_unique_keys(self):
        for name, frame in self.tables.items():
            key = list(TABLES[name].key)
            if frame.empty or not set(key) <= set(frame.columns):
                continue
            dup = frame[frame.duplicated(key, keep="first") & frame[key].notna().all(axis=1)]
            for _, row in dup.iterrows():
                first = frame[(frame[key] == row[key]).all(axis=1)]["_row"].iloc[0]
                value = ", ".join(str(row[k]) for k in key)
                self.error(name, f"duplicate key ({value}); first defined at row {first}", row["_row"], key[-1])

    def check_references(self):
        for table, column, target, target_key in REFERENCES:
            frame = self.tables[table]
            if frame.empty:
                continue
            keys = list(self.tables[target][target_key].dropna().unique())
            bad = frame[frame[column].notna() & ~frame[column].isin(keys)]
            for _, row in bad.iterrows():
                self.error(table, f"'{row[column]}' is not a key of table '{target}'{key_hint(str(row[column]), keys)}",
                           row["_row"], column)

    def check_reserved_and_shared_ids(self):
        markets = set(self.tables["markets"]["market"])
        for table, column in (("markets", "market"), ("warehouses", "warehouse")):
            frame = self.tables[table]
            for _, row in frame[frame[column] == ORIGIN].iterrows():
                self.error(table, f"'{ORIGIN}' is reserved for the origin hub", row["_row"], column)
            for _, row in frame[frame[column].isin(set(origin_ids(self.tables)) - {ORIGIN})].iterrows():
                self.error(table, f"'{row[column]}' is also an origin id; lanes would be ambiguous", row["_row"], column)
        wh = self.tables["warehouses"]
        for _, row in wh[wh["warehouse"].isin(markets)].iterrows():
            self.error("warehouses", f"'{row['warehouse']}' is also a market id; lanes would be ambiguous", row["_row"], "warehouse")

    def check_lanes(self):
        lanes = self.tables["lanes"]
        markets = set(self.tables["markets"]["market"])
        warehouses = set(self.tables["warehouses"]["warehouse"])
        origins = origin_ids(self.tables)
        kinds = lane_kinds(lanes, markets, warehouses, origins)
        bad_mode = lanes["mode"].notna() & ~lanes["mode"].isin(LANE_MODES)
        for _, row in lanes[bad_mode].iterrows():
            self.error("lanes", f"unknown mode '{row['mode']}' (allowed: {', '.join(LANE_MODES)})", row["_row"], "mode")
        for _, row in lanes[kinds == ""].iterrows():
            src, dst = row["from"], row["to"]
            if src not in origins and src not in warehouses:
                named = "'origin'" if origins == [ORIGIN] else "an origin id"
                self.error("lanes", f"'{src}' is neither {named} nor a warehouse id", row["_row"], "from")
            elif dst not in markets and dst not in warehouses:
                self.error("lanes", f"'{dst}' is neither a market nor a warehouse id", row["_row"], "to")
            elif src in warehouses and dst in warehouses:
                self.error("lanes", f"a lane between two warehouses ({src} -> {dst}) is not part of the network", row["_row"], "to")
            else:
                self.error("lanes", f"a lane from {src} to {dst} is not direct, linehaul or last-mile", row["_row"], "to")

    def check_warehouse_flags(self):
        wh = self.tables["warehouses"]
        for _, row in wh[wh["must_open"] & wh["forbidden"]].iterrows():
            self.error("warehouses", "must_open and forbidden are both true", row["_row"], "forbidden")

    def check_service_levels(self):
        """markets.service_days and service_share come as a pair (row 12b)."""
        markets = self.tables["markets"]
        for column, other in (("service_days", "service_share"), ("service_share", "service_days")):
            for _, row in markets[markets[column].notna() & markets[other].isna()].iterrows():
                self.error("markets", f"{column} is given but {other} is not: a service level needs both "
                                      f"(at least service_share of the volume within service_days days)",
                           row["_row"], other)

    def check_payment_methods(self):
        """A method's exclusive buyers are among its users (exclusive_share <= share), and the
        methods of a market take at most all of its revenue (their shares add up to <= 1; the
        rest is paid with the market's default checkout)."""
        methods = self.tables["payment_methods"]
        if methods.empty:
            return
        for _, row in methods[methods["exclusive_share"] > methods["share"] + 1e-12].iterrows():
            self.error("payment_methods", f"exclusive_share {row['exclusive_share']:g} is more than share {row['share']:g}: "
                                          "the buyers who pay only with a method are among the ones who use it",
                       row["_row"], "exclusive_share")
        totals = methods.groupby("market", sort=False)["share"].sum()
        for market, total in totals[totals > 1 + 1e-9].items():
            last = methods[methods["market"] == market]["_row"].max()
            self.error("payment_methods", f"the shares of market {market}'s methods add up to {total:g}, more than 1",
                       last, "share")

    def check_data_transfer(self):
        """A regime whose data must stay in each market offers local hosting (a hosting_cost)."""
        rules = self.tables["data_transfer"]
        for _, row in rules[rules["must_localise"] & rules["hosting_cost"].isna()].iterrows():
            self.error("data_transfer", f"regime {row['regime']} must host its customer data in each market "
                                        "(must_localise) but has no hosting_cost", row["_row"], "hosting_cost")

    def check_containers(self):
        """A containers row names a sea or rail linehaul lane (origin to a warehouse)."""
        lanes = self.tables["lanes"].drop_duplicates("lane").set_index("lane")
        warehouses = set(self.tables["warehouses"]["warehouse"])
        for _, row in self.tables["containers"].iterrows():
            if row["lane"] not in lanes.index:
                continue  # reported by check_references
            lane = lanes.loc[row["lane"]]
            if lane["from"] not in origin_ids(self.tables) or lane["to"] not in warehouses or lane["mode"] not in CONTAINER_MODES:
                self.error("containers", f"lane {row['lane']} is not a sea or rail linehaul lane from origin to a "
                                         f"warehouse (it goes {lane['from']} -> {lane['to']} by {lane['mode']})",
                           row["_row"], "lane")

    def check_funnels(self):
        """Each market_channels row has its conversion from its own column or from a funnels row,
        not both; a funnels row names a market_channels row and gives a viral uplift below 1."""
        channels, funnels = self.tables["market_channels"], self.tables["funnels"]
        keyed = set(zip(funnels["market"], funnels["channel"]))
        for _, row in channels.iterrows():
            key = (row["market"], row["channel"])
            if pd.isna(row["conversion"]) and key not in keyed:
                self.error("market_channels", "conversion is blank and no funnels row gives it", row["_row"], "conversion")
        if funnels.empty:
            return
        own = channels.drop_duplicates(["market", "channel"]).set_index(["market", "channel"])
        rates = funnel_rates(funnels)
        for (_, row), viral in zip(funnels.iterrows(), rates["viral"]):
            key = (row["market"], row["channel"])
            if key not in own.index:
                self.error("funnels", f"channel {key[1]} does not run in market {key[0]} (no market_channels row)",
                           row["_row"], "channel")
                continue
            given = [c for c in RATES if pd.notna(own.loc[key, c]) and (c == "conversion" or own.loc[key, c] > 0)]
            if given:
                self.error("funnels", f"market_channels row {key[0]}/{key[1]} gives {', '.join(given)} too; the funnel "
                                      "gives them: leave them blank there", row["_row"], "channel")
            if viral >= 1:
                self.error("funnels", f"(1 - next_period) x share x share_reach x conversion = {viral:g}: each buyer would "
                                      "bring one buyer or more (the viral uplift must be below 1)", row["_row"], "share_reach")

    def check_creators(self):
        """A creator posts on a market_channels row of its market that has a creator_pool, and
        fits categories that some product has."""
        creators = self.tables["creators"]
        if creators.empty:
            return
        pools = self.tables["market_channels"].drop_duplicates(["market", "channel"]).set_index(["market", "channel"])
        categories = set(self.tables["products"]["category"])
        for _, row in creators.iterrows():
            key = (row["market"], row["channel"])
            if key not in pools.index:
                self.error("creators", f"channel {key[1]} does not run in market {key[0]} (no market_channels row)",
                           row["_row"], "channel")
            elif pd.isna(pools.loc[key, "creator_pool"]):
                self.error("creators", f"market_channels row {key[0]}/{key[1]} has no creator_pool, the audience "
                                       "its creators share", row["_row"], "channel")
            unknown = [g for g in creator_categories(row["categories"]) if g not in categories]
            if unknown:
                self.error("creators", f"unknown categor{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)} "
                                       "(no product has it)", row["_row"], "categories")

    def check_origins(self):
        """An origin makes categories that some product has; an origin_duties row names a known
        category; every origin has a lane."""
        origins = self.tables["origins"]
        if origins.empty:
            return
        categories = set(self.tables["products"]["category"])
        for _, row in origins.iterrows():
            unknown = [g for g in creator_categories(row["categories"]) if g not in categories]
            if unknown:
                self.error("origins", f"unknown categor{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)} "
                                      "(no product has it)", row["_row"], "categories")
            if not (self.tables["lanes"]["from"] == row["origin"]).any():
                self.error("origins", f"no lane starts at origin {row['origin']}", row["_row"], "origin")
        duties = self.tables["origin_duties"]
        for _, row in duties[duties["category"].notna() & ~duties["category"].isin(categories)].iterrows():
            self.error("origin_duties", f"unknown category {row['category']} (no product has it)", row["_row"], "category")

    def check_periods(self, settings: dict):
        """The periods add up to the horizon and have distinct orders; a seasonality row names a
        category or a product, not both; period_freight names known modes."""
        periods = self.tables["periods"]
        if len(periods):
            total = periods["length_days"].sum()
            horizon = settings["horizon_days"]
            if abs(total - horizon) > 1e-6 * horizon:
                self.error("periods", f"the periods' lengths add up to {total:g} days, not the horizon of {horizon:g} "
                                      "(settings.horizon_days, 365 by default)", column="length_days")
            for _, row in periods[periods.duplicated("order", keep="first")].iterrows():
                self.error("periods", f"order {row['order']} is given twice; each period needs its own place",
                           row["_row"], "order")
        season = self.tables["seasonality"]
        for _, row in season[season["category"].notna() & season["product"].notna()].iterrows():
            self.error("seasonality", "give a category or a product, not both", row["_row"], "product")
        keys = season[["market", "category", "product", "period"]].fillna("")
        for _, row in season[keys.duplicated(keep="first")].iterrows():
            self.error("seasonality", "this market, category/product and period are given twice", row["_row"], "period")
        freight = self.tables["period_freight"]
        for _, row in freight[~freight["mode"].isin(LANE_MODES)].iterrows():
            self.error("period_freight", f"unknown mode '{row['mode']}' (modes: {', '.join(LANE_MODES)})", row["_row"], "mode")
        for name in ("seasonality", "period_freight"):
            if len(self.tables[name]) and not len(periods):
                self.error(name, "needs a periods table")

    def check_cost_mode_columns(self, objective: str):
        pm = self.tables["product_markets"]
        if objective == "cost" and (pm.empty or not (pm["demand"].fillna(0) > 0).any()):
            self.error("product_markets", "objective = cost needs fixed demand: no row has demand > 0", column="demand")

    # ---- network checks ---------------------------------------------------------------------

    def check_must_enter_reachable(self, net: Network):
        fast = net.lanes[net.lanes["usable"] & net.lanes["kind"].isin([DIRECT, LASTMILE])]
        fastest = fast.groupby("market")["lead_time"].min()
        markets = self.tables["markets"]
        for _, row in markets[markets["must_enter"]].iterrows():
            best = fastest.get(row["market"])
            promise = row["max_lead_time_days"]
            if best is None:
                self.error("markets", "must_enter market has no usable lane into it", row["_row"], "must_enter")
            elif pd.notna(promise) and best > promise + 1e-9:
                self.error(
                    "markets",
                    f"must_enter market cannot be reached within its promise ({promise:g} days; fastest lane {best:g})",
                    row["_row"], "must_enter",
                )

    def check_product_market_flags(self, net: Network):
        pm = self.tables["product_markets"]
        if pm.empty:
            return
        cand = net.candidates.set_index(["product", "market"])
        cost_mode = net.objective == "cost"
        flagged = pm["must_offer"] | ((pm["demand"].fillna(0) > 0) & cost_mode)
        for _, row in pm[flagged].iterrows():
            key = (row["product"], row["market"])
            if key not in cand.index:
                continue  # dangling reference, reported by check_references
            servable = bool(cand.loc[key, "servable"])
            if row["must_offer"]:
                if row["banned"]:
                    self.error("product_markets", "must_offer pair is also banned", row["_row"], "must_offer")
                elif not servable:
                    self.error("product_markets", "must_offer pair has no lane within its delivery promise", row["_row"], "must_offer")
                elif cost_mode and not row["demand"] > 0:
                    self.error("product_markets", "objective = cost: a must_offer pair needs demand > 0", row["_row"], "must_offer")
            if cost_mode and row["demand"] > 0:
                if row["banned"]:
                    self.error("product_markets", "objective = cost: pair has demand but is banned", row["_row"], "demand")
                elif not servable:
                    self.error("product_markets", "objective = cost: pair has demand but no lane within its delivery promise", row["_row"], "demand")

    def check_must_open(self, net: Network):
        wh = self.tables["warehouses"]
        derived = net.warehouses
        for _, row in wh[wh["must_open"]].iterrows():
            w = derived.loc[row["warehouse"]]
            if not (w["has_linehaul"] and w["has_lastmile"]):
                self.error("warehouses", "must_open warehouse needs a linehaul lane in and a last-mile lane out", row["_row"], "must_open")

    def warn_idle_warehouses(self, net: Network):
        wh = self.tables["warehouses"]
        derived = net.warehouses
        for _, row in wh.iterrows():
            w = derived.loc[row["warehouse"]]
            if not w["has_linehaul"]:
                self.warn("warehouses", "no linehaul lane in: it stays closed", row["_row"], "warehouse")
            elif not w["has_lastmile"]:
                self.warn("warehouses", "no last-mile lane out: it stays closed", row["_row"], "warehouse")

    def warn_unreachable_targets(self, net: Network):
        fast = net.lanes[net.lanes["usable"] & net.lanes["kind"].isin([DIRECT, LASTMILE])]
        fastest = fast.groupby("market")["lead_time"].min()
        markets = self.tables["markets"]
        for _, row in markets[markets["target_avg_lead_time_days"].notna()].iterrows():
            best = fastest.get(row["market"])
            if best is not None and row["target_avg_lead_time_days"] < best - 1e-9:
                self.warn(
                    "markets",
                    f"target average lead time {row['target_avg_lead_time_days']:g} is below the fastest usable lane "
                    f"({best:g} days): the market can only be entered if nothing is sold there",
                    row["_row"], "target_avg_lead_time_days",
                )

    def warn_dead_channels_and_products(self, net: Network):
        if net.objective == "cost":
            return
        live_channels = set(net.potentials["channel"])
        for _, row in self.tables["channels"].iterrows():
            if row["channel"] not in live_channels:
                self.warn("channels", "channel can never produce demand (no market, reach, conversion or fit)", row["_row"], "channel")
        live_products = set(net.pairs.loc[net.pairs["U"] > 0, "product"])
        for _, row in self.tables["products"].iterrows():
            if row["product"] not in live_products:
                self.warn("products", "product can never produce demand in any servable market", row["_row"], "product")


    def check_derived_magnitudes(self, net: Network):
        """The demand bound U of a pair and a market's revenue bound (sum price x U) enter the
        matrix as coefficients; from 1e13 and 1e14 on they pass what the solver handles
        accurately (HiGHS refuses values from 1e15). Named at the market's channel rows."""
        if net.pairs.empty or net.objective == "cost":
            return
        by_market = net.pairs.assign(revenue=net.pairs["price"] * net.pairs["U"]).groupby("market")
        largest_u, revenue = by_market["U"].max(), by_market["revenue"].sum()
        mc = self.tables["market_channels"]
        for market in largest_u.index[(largest_u >= MAX_DERIVED_UNITS) | (revenue.reindex(largest_u.index) >= MAX_DERIVED_MONEY)]:
            rows = mc[mc["market"] == market]
            row = rows.loc[rows["reach"].idxmax()] if len(rows) else None
            self.error(
                "market_channels" if row is not None else "product_markets",
                f"market '{market}': demand bound {largest_u[market]:.3g} units and revenue bound {revenue[market]:.3g} "
                "(reach x conversion x fit x popularity x units_per_order / (1 - viral), times price) are too large "
                "for the solver's precision; check the units of reach and base_demand",
                None if row is None else row["_row"], "reach" if row is not None else "base_demand",
            )


MAX_DERIVED_UNITS = 1e13
MAX_DERIVED_MONEY = 1e14


def run_table_checks(checker: Checker, objective: str, settings: dict | None = None):
    checker.check_unique_keys()
    checker.check_references()
    checker.check_reserved_and_shared_ids()
    checker.check_lanes()
    checker.check_warehouse_flags()
    checker.check_service_levels()
    checker.check_payment_methods()
    checker.check_data_transfer()
    checker.check_containers()
    checker.check_funnels()
    checker.check_creators()
    checker.check_origins()
    if settings is not None:
        checker.check_periods(settings)
    checker.check_cost_mode_columns(objective)


def run_network_checks(checker: Checker, net: Network):
    checker.check_derived_magnitudes(net)
    checker.check_must_enter_reachable(net)
    checker.check_product_market_flags(net)
    checker.check_must_open(net)
    checker.warn_idle_warehouses(net)
    checker.warn_unreachable_targets(net)
    checker.warn_dead_channels_and_products(net)


__all__ = ["Checker", "run_table_checks", "run_network_checks", "LINEHAUL"]
