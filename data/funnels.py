"""The social funnel (docs/model.md, "Funnels"): a `funnels` row gives its market-channel's
conversion and viral uplift from the stages a planner measures.

conversion = exposure * interest * interaction * purchase (the share of the people reached who
buy); each buyer shares with probability `share`, a share reaches `share_reach` people, and they
go through the same funnel, so each buyer brings r = share * share_reach * conversion more on
average. Of those, `next_period` buy in the next period: viral = (1 - next_period) r is the
referral coefficient of section 3 (demand times 1 / (1 - viral)), and rho = next_period r the
word of mouth carried into the next period ("Periods").
"""

from __future__ import annotations

import pandas as pd


RATES = ("conversion", "viral", "rho")  # the market_channels columns a funnel gives


def funnel_rates(funnels: pd.DataFrame) -> pd.DataFrame:
    """(market, channel) -> conversion, viral and rho of each funnels row."""
    conversion = funnels["exposure"] * funnels["interest"] * funnels["interaction"] * funnels["purchase"]
    referred = funnels["share"] * funnels["share_reach"] * conversion
    later = funnels["next_period"]
    return pd.DataFrame({"conversion": conversion.to_numpy(), "viral": ((1.0 - later) * referred).to_numpy(),
                         "rho": (later * referred).to_numpy()},
                        index=pd.MultiIndex.from_frame(funnels[["market", "channel"]]))


def channel_rates(tables: dict) -> pd.DataFrame:
    """The market_channels table with the conversion, viral and rho of its funnels rows in place of its own."""
    channels = tables["market_channels"].copy()
    funnels = tables["funnels"]
    if funnels.empty:
        return channels
    rates = funnel_rates(funnels)
    keys = pd.MultiIndex.from_frame(channels[["market", "channel"]])
    given = keys.isin(rates.index)
    for column in RATES:
        channels.loc[given, column] = rates[column].reindex(keys[given]).to_numpy()
    return channels
