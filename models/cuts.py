"""Valid inequalities that tighten the LP relaxation, separated from an LP point.

A separator takes the model and a vector `x` of column values (the model's global column order)
and returns the inequalities of its family that `x` violates, as rows `a x <= 0` of a CSR matrix.
Every inequality holds for every integer-feasible plan, so adding them never changes the optimum
(tests/test_cuts.py checks this against solves without them); they only remove fractional points.

The HiGHS back end runs them in a short loop on the root LP before the branch-and-bound starts
(solvers/prepare.py and solvers/relaxed.py, `cut_loop`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .creators import creator_demand_terms, creator_most_reach
from .flows import carried_demand_terms, over_periods
from .rows import RowBuilder

VIOLATION_ABS = 1e-6
VIOLATION_REL = 1e-5


def _violated(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Positions where lhs exceeds rhs by more than the absolute-plus-relative tolerance."""
    return np.flatnonzero(lhs - rhs > VIOLATION_ABS + VIOLATION_REL * np.abs(lhs))


def _rows_of(selected: np.ndarray, n: int) -> np.ndarray:
    """Local row number of each selected position (-1 elsewhere)."""
    row = np.full(n, -1, dtype=np.int64)
    row[selected] = np.arange(len(selected))
    return row


def channel_demand_cuts(m, x: np.ndarray) -> sp.csr_matrix:
    """Rows 5_t-6_t lifted, for any subset S of the channels of m, in every period t:

        q[p,m,t] <= W[p,m,t] (base[p,m] z[p,m] + sum_{c in S} pot[p,m,c] s[m,c,t] + sum_{c not in S} pot[p,m,c] z[p,m])
                    + sum_{j in S'} coef[p,m,j,t] Rc[j,t] + sum_{j not in S'} coef[p,m,j,t] Rmax[j] z[p,m]
                    + carried[p,m,t]

    for any subset S' of the creator groups of (p, m) too (their buyers as in row 5, with Rmax the
    distinct people a group reaches with every campaign booked; models/creators.py), and carried
    the carry-over terms of row 5_t as they stand (word of mouth and retention of t-1; none in
    the first period or with one period, where W = 1).
    Valid: with z = 0 row 6_t forces q = 0; with z = 1 the right side is at least row 5_t's, as
    s <= 1 and Rc <= Rmax.
    Together over all S these are the projection of the `demand = by_channel` split (qc <= pot s,
    qc <= pot z) onto (q, z, s), so with one period the loop reaches that formulation's LP bound
    without its columns. The most violated S for a pair and period takes c into S exactly when
    s[m,c,t] < z[p,m]."""
    c, ix, axis = m.cols, m.ix, m.axis
    n, T = len(ix.pairs), axis.count
    i, t = over_periods(T, n)
    q, z = x[c.at("q", i, t)], x[c.at("z", i)]
    base = ix.pairs["base_demand"].to_numpy()[i] * axis.W[i, t]
    pot = ix.potentials
    j, tj = over_periods(T, len(pot))
    pot_pos = tj * n + pot["pair"].to_numpy(dtype=np.int64)[j]
    pot_value = pot["pot"].to_numpy()[j] * axis.W[i[pot_pos], tj]
    s_col = c.at("s", pot["k"].to_numpy(dtype=np.int64)[j], tj)
    s = x[s_col]
    via_channel = s < z[pot_pos]
    crea_pair, crea_t, crea_cols, crea_coefs = creator_demand_terms(m, ix)
    crea_pos = crea_t * n + crea_pair
    crea_most = crea_coefs * np.tile(creator_most_reach(ix)[ix.creator_links["group"].to_numpy(dtype=np.int64)], T) if len(crea_pair) else crea_coefs
    via_reach = crea_coefs * x[crea_cols] < crea_most * z[crea_pos]
    carried_cols, carried_coefs, carried_pos = carried_demand_terms(m, n)
    size = n * T
    best = (base * z + np.bincount(pot_pos, weights=pot_value * np.minimum(s, z[pot_pos]), minlength=size)
            + np.bincount(crea_pos, weights=np.minimum(crea_coefs * x[crea_cols], crea_most * z[crea_pos]), minlength=size)
            + np.bincount(carried_pos, weights=carried_coefs * x[carried_cols], minlength=size))
    cut = _violated(q, best)
    row = _rows_of(cut, size)
    z_coef = (base + np.bincount(pot_pos, weights=np.where(via_channel, 0.0, pot_value), minlength=size)
              + np.bincount(crea_pos, weights=np.where(via_reach, 0.0, crea_most), minlength=size))
    terms = (row[pot_pos] >= 0) & via_channel
    b = (RowBuilder(len(cut)).add(np.arange(len(cut)), c.at("q", i[cut], t[cut]), 1.0)
         .add(np.arange(len(cut)), c.at("z", i[cut]), -z_coef[cut])
         .add(row[pot_pos[terms]], s_col[terms], -pot_value[terms]))
    crea = (row[crea_pos] >= 0) & via_reach
    b.add(row[crea_pos[crea]], crea_cols[crea], -crea_coefs[crea])
    carried = row[carried_pos] >= 0
    b.add(row[carried_pos[carried]], carried_cols[carried], -carried_coefs[carried])
    return b.matrix(len(c))


def mitigation_cuts(m, x: np.ndarray) -> sp.csr_matrix:
    """Row 18 lifted, for any subset S of the (product, period) sales of a mitigable market m:

        Rv[m] <= sum_{(p,t) in S} price[p,m] q[p,m,t] + (sum_{(p,t) not in S} price[p,m] U[p,m,t]) v[m]

    with U[p,m,t] the period's sales bound (row 6_t). Valid: with v = 0 the right side is >= 0 =
    Rv; with v = 1 it is >= sum_{p,t} price q = Rev[m] (q <= U, prices >= 0). S = all sales is
    row 18's first half, S = none its second. Subsets of whole products (every period of p in S
    or none) are the horizon's version of the row; the periods' subsets contain them, so this
    family is at least as tight. The most violated S takes (p,t) into S exactly when
    q[p,m,t] < U[p,m,t] v[m]."""
    c, ix, T = m.cols, m.ix, m.axis.count
    mitigable = c.keys["v"]
    if len(mitigable) == 0:
        return sp.csr_matrix((0, len(c)))
    market_row = mitigable.get_indexer(ix.pairs["market"])
    pairs = np.flatnonzero(market_row >= 0)
    k, t = over_periods(T, len(pairs))
    market = market_row[pairs][k]
    price = ix.pairs["price"].to_numpy()[pairs][k]
    cover = price * m.axis.U[pairs[k], t]
    q_cols = c.at("q", pairs[k], t)
    sales = price * x[q_cols]
    covered = cover * x[c.of("v", mitigable)][market]
    in_s = sales < covered
    n = len(mitigable)
    best = np.bincount(market, weights=np.minimum(sales, covered), minlength=n)
    cut = _violated(x[c.of("Rv", mitigable)], best)
    row = _rows_of(cut, n)
    v_coef = np.bincount(market, weights=np.where(in_s, 0.0, cover), minlength=n)
    terms = (row[market] >= 0) & in_s
    b = (RowBuilder(len(cut)).add(np.arange(len(cut)), c.of("Rv", mitigable[cut]), 1.0)
         .add(np.arange(len(cut)), c.of("v", mitigable[cut]), -v_coef[cut])
         .add(row[market[terms]], q_cols[terms], -price[terms]))
    return b.matrix(len(c))


def lifted_families(m) -> dict:
    """Each separator with the constraint families its validity rests on. Sales never exceed U
    (row 6 in profit mode; in cost mode q is fixed at demand = U)."""
    sales_bound = () if m.ix.cost_mode else ("demand_bound",)
    return {
        channel_demand_cuts: ("demand_from_channels", "demand_bound"),
        mitigation_cuts: ("mitigation_within_revenue", "mitigation_needs_purchase", *sales_bound),
    }


def active_separators(m) -> tuple:
    """The separators whose families are all in the model and active: channel-demand cuts for the
    aggregated demand rows (profit mode), mitigation cuts when a market can buy mitigation. A
    family switched off (e.g. to study its effect) takes its cuts with it. The cuts are stated for
    every period and for the horizon (rows 5_t-6_t and 18 over the period axis)."""
    found = []
    for separator, families in lifted_families(m).items():
        blocks = [m.component(name) for name in families]
        if all(b is not None and b.active and len(b) for b in blocks):
            found.append(separator)
    return tuple(found)
