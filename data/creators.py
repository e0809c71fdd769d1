"""Creators and their overlapping reach (docs/model.md, "Creators"), derived once with pandas.

A creator k posts on channel c in market m and reaches a_k = audience * engagement_rate *
(1 - fake_share) engaged, real people per campaign. The people a market-channel's creators reach
together overlap: with A people reached in all (counted with repeats) out of a pool of N, the
distinct people reached are N (1 - exp(-A / N)), each campaign drawing its people at random from
the pool (the exponential reach curve of media planning). The model uses the concave
piecewise-linear curve through the points of that curve at A / N in `BREAKS`, flat after the
last; a product's buyers from them follow the channel's conversion, fit and viral uplift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .funnels import channel_rates

BREAKS = np.array([0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0])  # A / N at the corners of the reach curve


def creator_categories(text) -> list[str]:
    """The categories of a creators row's `categories` cell ('a;b'); blank: none named (every category)."""
    if not isinstance(text, str):
        return []
    return [g.strip() for g in text.split(";") if g.strip()]


def reach_lines() -> tuple[np.ndarray, np.ndarray]:
    """(slope, intercept) of the lines whose minimum is the reach curve g(x) of x = A / N, in
    shares of the pool: the chords of 1 - exp(-x) between consecutive BREAKS, then the flat line
    at the last corner."""
    f = 1.0 - np.exp(-BREAKS)
    slope = np.diff(f) / np.diff(BREAKS)
    intercept = f[:-1] - slope * BREAKS[:-1]
    return np.append(slope, 0.0), np.append(intercept, f[-1])


def distinct_reach(booked: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """g: the distinct people reached out of `pool` by `booked` people reached in all."""
    slope, intercept = reach_lines()
    x = np.asarray(booked, dtype=float) / np.asarray(pool, dtype=float)
    return np.asarray(pool, dtype=float) * np.min(intercept[:, None] + slope[:, None] * np.atleast_1d(x)[None, :], axis=0)


@dataclass
class CreatorSets:
    creators: pd.DataFrame  # positional creators rows: creator, market, channel, per_campaign, fee, most
    groups: pd.DataFrame  # positional (market, channel, category) with creators and a pair: pool
    members: pd.DataFrame  # (creator row, group row): the creator fits the group's category
    links: pd.DataFrame  # (pair, group, coef): buyers of the pair per distinct person reached


def creator_sets(tables: dict, pairs: pd.DataFrame) -> CreatorSets:
    """The creators of `tables` over the offerable `pairs` (index: candidate pair id; product,
    market, category, popularity, units_per_order)."""
    rows = tables["creators"]
    channels = channel_rates(tables).drop_duplicates(["market", "channel"])
    creators = rows[["creator", "market", "channel", "fee", "campaigns_per_period", "categories"]].reset_index(drop=True)
    creators["per_campaign"] = (rows["audience"] * rows["engagement_rate"] * (1.0 - rows["fake_share"])).to_numpy()
    creators["most"] = creators["campaigns_per_period"].astype(int)
    sold = pairs[["market", "category"]].drop_duplicates()
    fits = creators[["market"]].reset_index(names="creator_row").assign(
        named=creators["categories"].map(creator_categories)).merge(sold, on="market")
    fits = fits[fits.apply(lambda r: not r["named"] or r["category"] in r["named"], axis=1)]
    fits = fits.assign(channel=creators["channel"].to_numpy()[fits["creator_row"].to_numpy(dtype=np.int64)])
    groups = fits[["market", "channel", "category"]].drop_duplicates().reset_index(drop=True)
    groups = groups.merge(channels[["market", "channel", "creator_pool"]], on=["market", "channel"], how="left")
    group_of = pd.Series(np.arange(len(groups)), index=pd.MultiIndex.from_frame(groups[["market", "channel", "category"]]))
    members = pd.DataFrame({"creator": fits["creator_row"].to_numpy(dtype=np.int64),
                            "group": group_of.reindex(pd.MultiIndex.from_frame(fits[["market", "channel", "category"]])).to_numpy()})
    return CreatorSets(creators.drop(columns=["campaigns_per_period", "categories"]), groups, members,
                       _links(tables, pairs, groups, channels))


def _links(tables: dict, pairs: pd.DataFrame, groups: pd.DataFrame, channels: pd.DataFrame) -> pd.DataFrame:
    """(pair, group, coef) with coef = conversion * fit * popularity * units_per_order / (1 - viral):
    the units of the pair that one distinct person reached on the group's channel buys (the
    channel potential of docs/model.md per unit of reach)."""
    on = groups.reset_index(names="group").merge(channels[["market", "channel", "conversion", "viral"]],
                                                on=["market", "channel"])
    links = pairs[["market", "category", "popularity", "units_per_order"]].reset_index(names="pair").merge(
        on, on=["market", "category"])
    fit = tables["channel_fit"][["channel", "category", "fit"]]
    links = links.merge(fit, on=["channel", "category"], how="left")
    links["coef"] = (links["conversion"] * links["fit"].fillna(1.0) * links["popularity"] * links["units_per_order"]
                     / (1.0 - links["viral"]))
    return links.loc[links["coef"] > 0, ["pair", "group", "coef"]].reset_index(drop=True)


def most_reach(sets: CreatorSets) -> np.ndarray:
    """Per group: the distinct people its creators reach in a period with every campaign booked."""
    booked = np.bincount(sets.members["group"].to_numpy(dtype=np.int64),
                         weights=(sets.creators["per_campaign"] * sets.creators["most"]).to_numpy()[
                             sets.members["creator"].to_numpy(dtype=np.int64)], minlength=len(sets.groups))
    return distinct_reach(booked, sets.groups["creator_pool"].to_numpy()) if len(booked) else np.zeros(0)


def creator_bound(sets: CreatorSets, pairs: pd.DataFrame) -> pd.Series:
    """Per pair (index of `pairs`): the most it sells in a period of average demand from creators
    with every campaign booked, sum over its groups of coef * g(most booked)."""
    most = most_reach(sets)
    links = sets.links
    per_link = links["coef"].to_numpy() * most[links["group"].to_numpy(dtype=np.int64)] if len(links) else np.zeros(0)
    return pd.Series(per_link, index=links["pair"].to_numpy()).groupby(level=0).sum().reindex(pairs.index).fillna(0.0)
