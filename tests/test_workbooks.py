"""Excel in and out: the empty template (`xborder template`) and the result workbook's whole
units, whose totals agree sheet to sheet, with number formats and frozen headers."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from xborder.cli import cli
from xborder.data.instance import load_instance
from xborder.data.schema import LANE_MODES, TABLES
from xborder.report.workbook import largest_remainder, whole_by_group

SEASONAL = REPO / "instances" / "demo-seasonal.json"


def test_largest_remainder_by_hand():
    """0.5, 0.5 and 1.0 make 2: floors 0, 0, 1 and one more for the first of the two halves."""
    assert list(largest_remainder(np.array([0.5, 0.5, 1.0]), 2)) == [1, 0, 1]
    assert list(largest_remainder(np.array([2.4, 3.4, 4.2]), 10)) == [3, 3, 4]  # 9 floors, the largest part 0.4 first
    assert list(largest_remainder(np.array([1.0, 2.0]), 3)) == [1, 2]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=40))
def test_largest_remainder_keeps_the_total_and_each_value_within_one(values):
    values = np.array(values)
    whole = largest_remainder(values, int(round(values.sum())))
    assert whole.sum() == int(round(values.sum()))
    assert np.all(whole >= np.floor(values + 1e-9) - 1e-9) and np.all(whole <= np.ceil(values - 1e-9) + 1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.floats(min_value=0, max_value=1000, allow_nan=False)), min_size=1, max_size=30))
def test_whole_by_group_is_largest_remainder_in_each_group(rows):
    frame = pd.DataFrame(rows, columns=["market", "units"])
    whole = whole_by_group(frame, ["market"])
    for _, group in frame.groupby("market"):
        expected = largest_remainder(group["units"].to_numpy(), int(round(group["units"].sum())))
        assert sorted(whole[group.index]) == sorted(expected) and whole[group.index].sum() == expected.sum()


def test_result_workbook_totals_agree(tmp_path):
    """The seasonal demo: each market's whole units on the markets sheet are the sum of its
    portfolio rows; the direct and last-mile flows into a product-market in a period add up to
    that portfolio row; every whole number is within 1 of its exact value. Any checked plan will
    do, so the solve is held to 30 s: within it the demo's plan ships all three kinds of flow."""
    out = tmp_path / "plan"
    result = CliRunner().invoke(cli, ["solve", str(SEASONAL), "--out", str(out), "--xlsx", "-q", "--time-limit", "30"])
    assert result.exit_code == 0, result.output
    sheets = pd.read_excel(out / "solution.xlsx", sheet_name=None)
    portfolio, markets, flows = sheets["portfolio"], sheets["markets"], sheets["flows"]
    assert {"direct", "lastmile", "linehaul"} <= set(flows["kind"])
    by_market = portfolio.groupby("market")["units"].sum()
    assert (markets.set_index("market")["units"].reindex(by_market.index) == by_market).all()
    into = flows[flows["kind"] != "linehaul"].groupby(["product", "to", "period"])["units"].sum()
    sold = portfolio.set_index(["product", "market", "period"])["units"]
    assert (into == sold.reindex(into.index)).all()
    for sheet in (portfolio, flows, sheets["stock"]):
        assert (sheet["units"] == sheet["units"].round()).all()
        assert ((sheet["units"] - sheet["units_exact"]).abs() < 1).all()
    exact = pd.read_csv(out / "portfolio.csv")["units"]
    assert np.allclose(exact.to_numpy(), portfolio["units_exact"].to_numpy())  # the CSV keeps the exact values
    book = openpyxl.load_workbook(out / "solution.xlsx")
    warehouses = book["warehouses"]
    header = [c.value for c in warehouses[1]]
    assert warehouses.cell(row=2, column=header.index("utilisation") + 1).number_format == "0.0%"
    assert book["portfolio"].cell(row=2, column=4).number_format == "#,##0" and book["portfolio"].freeze_panes == "A2"


def test_template_has_every_table_notes_and_lists(tmp_path):
    target = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(cli, ["template", "--out", str(target)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    assert set(book.sheetnames) == {"settings", *TABLES}
    for name, table in TABLES.items():
        sheet = book[name]
        assert [c.value for c in sheet[1]] == table.column_names
        assert all(c.comment is not None for c in sheet[1]) and sheet.freeze_panes == "A2"
    markets_header = book["markets"]["F1"].comment.text
    assert markets_header.startswith("entry_cost: number, default 0.0") and "one-off cost to enter" in markets_header
    lanes = book["lanes"]
    formulas = {str(v.formula1) for v in lanes.data_validations.dataValidation}
    assert '"' + ",".join(LANE_MODES) + '"' in formulas
    pairs = book["product_markets"]
    assert any("'products'!$A$2" in str(v.formula1) for v in pairs.data_validations.dataValidation)
    assert any("'markets'!$A$2" in str(v.formula1) for v in pairs.data_validations.dataValidation)


def test_a_filled_template_loads(tmp_path):
    """The template with one product, one market and one lane typed in is a valid instance."""
    target = tmp_path / "plan.xlsx"
    CliRunner().invoke(cli, ["template", "--out", str(target)])
    book = openpyxl.load_workbook(target)
    rows = {"markets": {"market": "A"}, "products": {"product": "P", "unit_cost": 2, "base_price": 10, "weight_kg": 1, "volume_m3": 0.01},
            "product_markets": {"product": "P", "market": "A", "base_demand": 100},
            "lanes": {"lane": "dA", "from": "origin", "to": "A", "mode": "postal", "transit_days": 3, "cost_per_unit": 1}}
    for name, values in rows.items():
        header = [c.value for c in book[name][1]]
        for column, value in values.items():
            book[name].cell(row=2, column=header.index(column) + 1, value=value)
    book.save(target)
    instance = load_instance(target)
    assert list(instance.tables["markets"]["market"]) == ["A"]


def test_template_refuses_another_suffix(tmp_path):
    result = CliRunner().invoke(cli, ["template", "--out", str(tmp_path / "plan.csv")])
    assert result.exit_code == 2 and "name it .xlsx" in result.output


@pytest.mark.parametrize("sheet", ["markets", "lanes"])
def test_template_round_trip_is_empty(tmp_path, sheet):
    target = tmp_path / "plan.xlsx"
    CliRunner().invoke(cli, ["template", "--out", str(target)])
    assert openpyxl.load_workbook(target)[sheet].max_row == 1
