"""Sparse index sets of the model, computed once from the `Network` with pandas (no Pyomo here).

Every set is a positional table: pairs, arcs, channels, potentials, certifications, routes. Model
rows are built from these tables with numpy, so no dense product is ever enumerated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.instance import Instance
from ..data.funnels import channel_rates
from ..data.network import DIRECT, LASTMILE, LINEHAUL, STOCK_KEY, Network
from ..data.schema import ORIGIN


@dataclass
class ModelIndex:
    settings: dict
    markets: pd.DataFrame  # index: market id
    pairs: pd.DataFrame  # positional; product, market, price, U, ...
    arcs: pd.DataFrame  # positional; product, lane, kind, pair (position or -1), warehouse, ...
    channels: pd.DataFrame  # positional market_channels rows of entered-able markets
    potentials: pd.DataFrame  # positional; pair, channel row k, pot
    warehouses: pd.DataFrame  # index: usable warehouse ids
    regimes: pd.DataFrame  # index: regimes referenced by a market
    certs: pd.DataFrame  # positional (product, certification, cost)
    cert_links: pd.DataFrame  # (pair, cert) rows for constraint 3
    lanes: pd.DataFrame  # index: lane id, with capacity_kg
    routes: pd.DataFrame  # positional; pair, last (fulfilment arc), first (linehaul arc or -1)
    methods: pd.DataFrame  # positional payment_methods rows
    method_links: pd.DataFrame  # positional; pair, method (row of methods with exclusive buyers), exclusive_share
    restock: pd.DataFrame  # positional; pair, warehouse with a usable last mile into its market, where restocking returns pays
    transfers: pd.DataFrame  # index: regimes with a data_transfer row; mechanism, must_localise, transfer_cost, hosting_cost
    data_markets: pd.DataFrame  # index: markets under those regimes; regime, can_transfer, can_host, hosting_cost
    obligations: pd.DataFrame  # positional data_obligations rows of regimes a market has; threshold in orders
    creators: pd.DataFrame  # positional creators rows; market, channel, k (channel row), per_campaign, fee, most
    creator_groups: pd.DataFrame  # positional (market, channel, category) whose creators' reach overlaps; creator_pool
    creator_members: pd.DataFrame  # (creator row, group row)
    creator_links: pd.DataFrame  # (pair position, group, coef): units of the pair per distinct person reached
    origins: pd.DataFrame  # index: origin id; processing_days, cost_factor, fixed_cost, categories

    @property
    def many_origins(self) -> bool:
        """An origins table: plan records name where their units come from."""
        return len(self.origins) > 1 or self.origins.index[0] != ORIGIN

    @property
    def cost_mode(self) -> bool:
        return self.settings["objective"] == "cost"


def build_index(instance: Instance, with_routes: bool = False, network: Network | None = None) -> ModelIndex:
    """Index sets for one instance (or a presolved network of it); routes (path form) only when asked for."""
    net = network or instance.network
    tables = instance.tables
    pairs = net.pairs.reset_index(names="candidate")
    pair_pos = pd.Series(np.arange(len(pairs)), index=pairs["candidate"])
    arcs = net.arcs.copy()
    arcs["pair"] = np.where(arcs["pair"] >= 0, pair_pos.reindex(arcs["pair"]).fillna(-1).to_numpy(), -1).astype(int)

    markets = net.markets
    channels = channel_rates(tables).drop(columns="_row").reset_index(drop=True)
    ch_pos = pd.Series(np.arange(len(channels)), index=pd.MultiIndex.from_frame(channels[["market", "channel"]]))
    potentials = net.potentials.copy()
    potentials["pair"] = pair_pos.reindex(potentials["pair"]).to_numpy()
    potentials["k"] = ch_pos.reindex(pd.MultiIndex.from_frame(potentials[["market", "channel"]])).to_numpy()

    wh = net.warehouses
    warehouses = wh[wh["has_linehaul"] & wh["has_lastmile"] & ~wh["forbidden"]]
    regime_ids = markets["regime"].dropna().unique()
    regimes = tables["regimes"].set_index("regime").loc[regime_ids]

    cert_needs = net.cert_needs.merge(pairs[["product", "market"]].reset_index(names="pair"), on=["product", "market"])
    certs = cert_needs[["product", "certification"]].drop_duplicates().reset_index(drop=True)
    cert_cost = tables["certifications"].set_index("certification")["cost"]
    certs["cost"] = cert_cost.reindex(certs["certification"]).to_numpy()
    cert_pos = pd.Series(np.arange(len(certs)), index=pd.MultiIndex.from_frame(certs[["product", "certification"]]))
    cert_links = pd.DataFrame(
        {
            "pair": cert_needs["pair"].to_numpy(),
            "cert": cert_pos.reindex(pd.MultiIndex.from_frame(cert_needs[["product", "certification"]])).to_numpy(),
        }
    ).drop_duplicates()

    lanes = net.lanes
    routes = _routes(arcs) if with_routes else pd.DataFrame({"last": [], "pair": [], "first": []}, dtype=int)

    return ModelIndex(
        settings=instance.settings,
        markets=markets,
        pairs=pairs,
        arcs=arcs,
        channels=channels,
        potentials=potentials,
        warehouses=warehouses,
        regimes=regimes,
        certs=certs,
        cert_links=cert_links,
        lanes=lanes,
        routes=routes,
        methods=net.methods,
        method_links=_method_links(pairs, net.methods),
        restock=_restock_options(pairs, net.lanes, warehouses.index),
        **_data_rules(tables, markets, regimes.index),
        **_creator_sets(net, pair_pos, ch_pos),
        origins=net.origins,
    )


def _creator_sets(net: Network, pair_pos: pd.Series, ch_pos: pd.Series) -> dict:
    """The network's creator sets with pair positions (links of presolved-away pairs dropped) and
    each creator's channel row."""
    sets = net.creators
    creators = sets.creators.copy()
    creators["k"] = ch_pos.reindex(pd.MultiIndex.from_frame(creators[["market", "channel"]])).to_numpy()
    links = sets.links.assign(pair=pair_pos.reindex(sets.links["pair"]).to_numpy())
    links = links[links["pair"].notna()].astype({"pair": np.int64}).reset_index(drop=True)
    return {"creators": creators, "creator_groups": sets.groups, "creator_members": sets.members, "creator_links": links}


def _data_rules(tables: dict, markets: pd.DataFrame, regimes: pd.Index) -> dict:
    """The data-transfer rules of the regimes a market has (docs/model.md, "Data transfer and
    localisation"): per regime, per market under it, and the buyer-volume obligations with their
    threshold in orders (buyer_threshold * orders_per_buyer)."""
    rules = tables["data_transfer"].drop(columns="_row").set_index("regime")
    transfers = rules.loc[rules.index.intersection(regimes, sort=False)]
    under = markets.loc[markets["regime"].isin(transfers.index), ["regime"]]
    rule = transfers.reindex(under["regime"])
    data_markets = under.assign(can_transfer=~rule["must_localise"].to_numpy(dtype=bool),
                                can_host=rule["hosting_cost"].notna().to_numpy(),
                                hosting_cost=rule["hosting_cost"].to_numpy())
    duties = tables["data_obligations"].drop(columns="_row")
    obligations = duties[duties["regime"].isin(regimes)].reset_index(drop=True)
    obligations["threshold"] = obligations["buyer_threshold"] * obligations["orders_per_buyer"]
    return {"transfers": transfers, "data_markets": data_markets, "obligations": obligations}


def _restock_options(pairs: pd.DataFrame, lanes: pd.DataFrame, warehouses: pd.Index) -> pd.DataFrame:
    """(pair, warehouse) where the pair's returns are worth restocking (restock_gain > 0) and the
    warehouse can open and has a usable last-mile lane into the pair's market."""
    worth = pairs[(pairs["return_rate"] > 0) & (pairs["restock_gain"] > 0)]
    last = lanes[(lanes["kind"] == LASTMILE) & lanes["usable"] & lanes["from"].isin(warehouses)]
    local = last[["from", "to"]].drop_duplicates().rename(columns={"from": "warehouse", "to": "market"})
    options = worth[["market"]].reset_index(names="pair").merge(local, on="market")
    return options[["pair", "warehouse"]].reset_index(drop=True)


def _method_links(pairs: pd.DataFrame, methods: pd.DataFrame) -> pd.DataFrame:
    """(pair, method, exclusive_share) for every offerable pair and every method of its market with exclusive buyers."""
    held = methods.loc[methods["exclusive_share"] > 0, ["market", "exclusive_share"]].reset_index(names="method")
    links = pairs[["market"]].reset_index(names="pair").merge(held, on="market")
    return links[["pair", "method", "exclusive_share"]].reset_index(drop=True)


def _routes(arcs: pd.DataFrame) -> pd.DataFrame:
    """Path form (docs/model.md, "Formulation options"): a direct arc alone, or a linehaul arc then
    a last-mile arc of p via w from the same origin."""
    pos = arcs.reset_index(names="arc")
    direct = pos.loc[pos["kind"] == DIRECT, ["arc", "pair"]].rename(columns={"arc": "last"})
    direct["first"] = -1
    last = pos.loc[pos["kind"] == LASTMILE, ["arc", "pair", *STOCK_KEY]].rename(columns={"arc": "last"})
    line = pos.loc[pos["kind"] == LINEHAUL, ["arc", *STOCK_KEY]].rename(columns={"arc": "first"})
    via = last.merge(line, on=STOCK_KEY)[["last", "pair", "first"]]
    return pd.concat([direct[["last", "pair", "first"]], via], ignore_index=True)
