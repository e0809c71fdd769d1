"""Column upper bounds implied by the rows, for the LP relaxation's dual simplex.

Sales, flows, stock and revenue columns have no upper bound of their own, so HiGHS's dual simplex
starts dual infeasible on every one with a profitable cost and spends its first phase removing
that. Boxed, each can start at the bound where its cost puts it, with the same optimum. Which
root LPs are boxed, and the timings that decided it, are in solvers/prepare.py (`box_root`).

For a row's upper side `sum_k a_k x_k <= b` (a lower side `>= b'` is the row of `-a` and `-b'`)
and a column j with a_j > 0,

    x_j <= (b - sum_{k != j} min(a_k l_k, a_k u_k)) / a_j

whenever every other term's minimum is finite. A pass applies it to every row at once; the bounds
one pass finds let the next bound the columns that lean on them (`q <= U z` bounds the sales, the
market balance then the flows into the market). Bounds implied by the rows hold at every point
that keeps the rows, so the LP's feasible set and optimum are unchanged (and the MIP's); each is
loosened by SAFETY against rounding.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

MAX_PASSES = 4  # two bound every column of the generated models; later passes only tighten
SAFETY = 1e-7  # relative (and absolute) slack added to each implied bound


def implied_upper(A: sp.spmatrix, row_lower: np.ndarray, row_upper: np.ndarray, col_lower: np.ndarray,
                  col_upper: np.ndarray, passes: int = MAX_PASSES) -> np.ndarray:
    """Column upper bounds: `col_upper` tightened by the module docstring's row, `passes` times
    or until a pass bounds no new column; never below `col_lower`."""
    G, b = _upper_sides(sp.csr_matrix(A), row_lower, row_upper)
    positive = G.multiply(G > 0).tocsr()
    negative = G.multiply(G < 0).tocsr()
    entries = positive.tocoo()
    upper = np.asarray(col_upper, dtype=float).copy()
    lower = np.asarray(col_lower, dtype=float)
    for _ in range(passes):
        bounded = np.isfinite(upper).sum()
        upper = _one_pass(positive, negative, entries, b, lower, upper)
        if np.isfinite(upper).sum() == bounded:
            break
    return np.maximum(upper, lower)


def _upper_sides(A: sp.csr_matrix, row_lower: np.ndarray, row_upper: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Every finite row side as `g x <= b`."""
    up, lo = np.flatnonzero(np.isfinite(row_upper)), np.flatnonzero(np.isfinite(row_lower))
    return sp.vstack([A[up], -A[lo]], format="csr"), np.concatenate([row_upper[up], -row_lower[lo]])


def _one_pass(positive: sp.csr_matrix, negative: sp.csr_matrix, entries: sp.coo_matrix, b: np.ndarray,
              lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """One application of the bound to every (row, positive entry) whose other terms are finite."""
    lower_open, upper_open = ~np.isfinite(lower), ~np.isfinite(upper)
    finite_lower = np.where(lower_open, 0.0, lower)  # an open bound's term is counted in open_terms instead
    least = positive @ finite_lower + negative @ np.where(upper_open, 0.0, upper)
    open_terms = (positive != 0) @ lower_open.astype(float) + (negative != 0) @ upper_open.astype(float)
    row, col, a = entries.row, entries.col, entries.data
    own_open = lower_open[col]
    usable = open_terms[row] - own_open == 0
    row, col, a = row[usable], col[usable], a[usable]
    candidate = (b[row] - least[row] + a * finite_lower[col]) / a
    candidate += SAFETY * (1.0 + np.abs(candidate))
    tightened = upper.copy()
    np.minimum.at(tightened, col, candidate)
    return tightened
