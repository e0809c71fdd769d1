"""The creators a plan books, from an instance and a plan alone (docs/model.md, "Creators"): the one
account the summary, the plan in words, the market accounts, the output tables and the report share."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["creator", "market", "channel", "tier", "period", "campaigns", "campaigns_per_period", "booked_reach", "fees"]


def creators_table(instance, plan: dict) -> pd.DataFrame:
    """Per creator (and period) booked: its market, channel and tier, the campaigns against the
    most it accepts, the engaged people they reach (counted with repeats) and the fees."""
    rows = instance.table("creators").set_index("creator")
    booked = [{"creator": r["creator"], "period": r.get("period"), "campaigns": r["campaigns"]}
              for r in plan.get("creators", []) if r["creator"] in rows.index]
    if not booked:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(booked)
    rule = rows.reindex(frame["creator"])
    frame["market"], frame["channel"] = rule["market"].to_numpy(), rule["channel"].to_numpy()
    frame["tier"] = rule["tier"].fillna("").to_numpy()
    frame["campaigns_per_period"] = rule["campaigns_per_period"].to_numpy()
    per_campaign = (rule["audience"] * rule["engagement_rate"] * (1.0 - rule["fake_share"])).to_numpy()
    frame["booked_reach"] = frame["campaigns"].to_numpy() * per_campaign
    frame["fees"] = frame["campaigns"].to_numpy() * rule["fee"].to_numpy()
    return frame[COLUMNS]


def reach_by_channel(plan: dict) -> pd.DataFrame:
    """Per market and channel (and period) with creators booked: the people reached counted with
    repeats and the distinct people, from the plan's creator_reach records (the category group that
    reaches the most: with creators who fit every category, all its groups reach the same)."""
    records = plan.get("creator_reach", [])
    if not records:
        return pd.DataFrame(columns=["market", "channel", "period", "booked_reach", "distinct_reach"])
    frame = pd.DataFrame(records)
    if "period" not in frame:
        frame["period"] = None
    frame["period"] = frame["period"].astype(object)
    best = frame.sort_values("booked_reach", ascending=False).drop_duplicates(["market", "channel", "period"])
    return best[["market", "channel", "period", "booked_reach", "distinct_reach"]].reset_index(drop=True)


def creator_fees_by_market(instance, plan: dict) -> dict:
    """market -> the fees of the creators the plan books there."""
    table = creators_table(instance, plan)
    return table.groupby("market")["fees"].sum().to_dict() if len(table) else {}


def tier_name(row) -> str:
    """A creators row's tier, or its id where it names none."""
    return row["tier"] if isinstance(row["tier"], str) and row["tier"] else row["creator"]
