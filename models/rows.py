"""Constraint families as sparse row blocks: built with numpy, held in a Pyomo component.

`LinearRows` is Pyomo's `MatrixConstraint` (a family `lb <= A x <= ub` stored as CSR arrays,
"bypassing Pyomo's expression system" for fast construction) with the indexed-component and
`to_bounded_expression` interfaces current Pyomo writers expect. Every Pyomo tool sees ordinary
constraints (each row's body is built on demand); xborder's HiGHS hand-off reads the CSR arrays
directly.

`RowBuilder` collects (row, column, value) triplets of one family and turns them into a block.
"""

from __future__ import annotations

import weakref

import numpy as np
import scipy.sparse as sp
from pyomo.core.base.indexed_component import IndexedComponent
from pyomo.core.base.matrix_constraint import MatrixConstraint, _MatrixConstraintData
from pyomo.core.expr.relational_expr import EqualityExpression, InequalityExpression, RangedExpression


class LinearRowData(_MatrixConstraintData):
    """One row of a `LinearRows` block."""

    __slots__ = ()

    def to_bounded_expression(self, evaluate_bounds=False):
        return self.lower, self.body, self.upper

    @property
    def expr(self):
        lb, body, ub = self.lower, self.body, self.upper
        if lb is not None and lb == ub:
            return EqualityExpression((body, ub))
        if lb is None:
            return InequalityExpression((body, ub), False)
        if ub is None:
            return InequalityExpression((lb, body), False)
        return RangedExpression((lb, body, ub), (False, False))

    @property
    def lb(self):
        return self.lower

    @property
    def ub(self):
        return self.upper


class LinearRows(MatrixConstraint):
    """A constraint family `lb <= A x <= ub`, A in CSR form over the model's column tuple `x`."""

    keys = IndexedComponent.keys
    values = IndexedComponent.values
    items = IndexedComponent.items

    def __init__(self, matrix: sp.csr_matrix, lb, ub, x: tuple):
        self.matrix = matrix
        self.lb_array = np.asarray(lb, dtype=float)
        self.ub_array = np.asarray(ub, dtype=float)
        lower = [None if not np.isfinite(v) else float(v) for v in self.lb_array]
        upper = [None if not np.isfinite(v) else float(v) for v in self.ub_array]
        super().__init__(matrix.data, matrix.indices, matrix.indptr, lower, upper, x)

    def construct(self, data=None):
        if self._constructed:
            return
        self._constructed = True
        ref = weakref.ref(self)
        self._data = {i: LinearRowData(i, ref) for i in range(len(self._lower))}

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __contains__(self, key):
        return key in self._data

    def __len__(self):
        return len(self._data)


class RowBuilder:
    """Triplets of one constraint family; `rows` are local row numbers 0..n_rows-1."""

    def __init__(self, n_rows: int):
        self.n_rows = n_rows
        self.rows, self.cols, self.vals = [], [], []

    def add(self, rows, cols, vals):
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.broadcast_to(np.asarray(cols, dtype=np.int64), rows.shape)
        vals = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape)
        self.rows.append(rows)
        self.cols.append(cols)
        self.vals.append(vals)
        return self

    def matrix(self, n_cols: int) -> sp.csr_matrix:
        if self.rows:
            rows, cols, vals = (np.concatenate(a) for a in (self.rows, self.cols, self.vals))
        else:
            rows = cols = np.zeros(0, dtype=np.int64)
            vals = np.zeros(0)
        keep = vals != 0
        A = sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(self.n_rows, n_cols))
        A.sum_duplicates()
        A.sort_indices()
        return A
