"""The values of a two-stage plan, recomputed from its checked scenario plans: the first stage
that every scenario must share, the expectation and the conditional value at risk."""

from __future__ import annotations

FIRST_STAGE = ("markets", "regimes", "certifications", "warehouses", "channels", "offers", "payment_methods",
               "data_transfers", "data_hosting", "creators", "origins")


def first_stage_of(plan: dict) -> dict[str, frozenset]:
    """The decisions a two-stage plan takes once for every scenario (docs/uncertainty.md): markets,
    regimes, certifications, warehouses, the channels run (with their periods), the offered
    product-markets, the payment methods offered, where the customer data lives (transfer
    mechanisms and local hosting), the creator campaigns booked (with their periods) and the
    origins sourced from (with an origins table)."""
    return {
        "markets": frozenset(plan["markets"]),
        "regimes": frozenset(plan["regimes"]),
        "certifications": frozenset((c["product"], c["certification"]) for c in plan["certifications"]),
        "warehouses": frozenset(plan["warehouses"]),
        "channels": frozenset((c["market"], c["channel"], c.get("period")) for c in plan["channels"]),
        "offers": frozenset((o["product"], o["market"]) for o in plan["portfolio"]),
        "payment_methods": frozenset((r["market"], r["method"]) for r in plan.get("payment_methods", [])),
        "data_transfers": frozenset(plan.get("data_transfers", [])),
        "data_hosting": frozenset(plan.get("data_hosting", [])),
        "creators": frozenset((r["creator"], r.get("period"), r["campaigns"]) for r in plan.get("creators", [])),
        "origins": frozenset(plan.get("origins", [])),
    }


def first_stage_differences(plans: dict[str, dict]) -> list[str]:
    """Where a scenario's first stage differs from the first scenario's: one line per kind."""
    names = list(plans)
    if not names:
        return []
    reference = first_stage_of(plans[names[0]])
    lines = []
    for name in names[1:]:
        other = first_stage_of(plans[name])
        for kind in FIRST_STAGE:
            if other[kind] != reference[kind]:
                extra, missing = len(other[kind] - reference[kind]), len(reference[kind] - other[kind])
                lines.append(f"first stage: scenario '{name}' differs from '{names[0]}' in {kind} "
                             f"({extra} more, {missing} fewer)")
    return lines


def conditional_value_at_risk(losses, probabilities, alpha: float) -> float:
    """CVaR_alpha of a discrete loss: the probability-weighted mean of the worst 1 - alpha of
    the outcomes, the boundary outcome taken in part (Rockafellar and Uryasev 2002, eq. 8 at
    its minimising eta, the alpha-quantile)."""
    tail, total = 1.0 - alpha, 0.0
    left = tail
    for loss, p in sorted(zip(losses, probabilities), key=lambda pair: -pair[0]):
        take = min(p, left)
        total += take * loss
        left -= take
        if left <= 1e-15:
            break
    return total / tail


def risk_adjusted(objectives, probabilities, maximise: bool, alpha: float = 0.9, weight: float = 0.0) -> float:
    """(1 - weight) E[objective] + weight CVaR_alpha, in the objective's own sense: for profit the
    CVaR is that of the shortfall (minus profit), for cost that of the cost; weight 0 gives the
    expectation."""
    expected = sum(p * v for p, v in zip(probabilities, objectives))
    if weight == 0:
        return expected
    sign = -1.0 if maximise else 1.0
    tail = conditional_value_at_risk([sign * v for v in objectives], probabilities, alpha)
    return sign * ((1 - weight) * sign * expected + weight * tail)


