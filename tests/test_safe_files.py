"""Files that are safe to open: names that a spreadsheet would take for a formula are written as
text, and every name is escaped on every HTML page the project writes (data/cells.py,
report/html.py)."""

from __future__ import annotations


import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conftest import base_instance, write
from test_report_html import BROWSER, assert_renders, needs_browser
from xborder.cli import cli
from xborder.data.instance import load_instance
from xborder.data.write import write_instance

LINK = '=HYPERLINK("http://example.com","click")'
FORMULAS = [LINK, "+SUM(1,2)", "-2+3", "@A1"]  # ids and names are read stripped, so none starts with a tab
IMG = "<img src=x onerror=alert(1)>"
SVG = "<svg onload=alert(2)>"
SCRIPT = "<script>alert(3)</script>"


def formula_instance() -> dict:
    """One product per formula-like name, each sold in A like the base product P."""
    doc = base_instance()
    for name in FORMULAS:
        doc["products"].append({"product": name, "name": name, "unit_cost": 2, "base_price": 10, "weight_kg": 1,
                                "volume_m3": 0.01})
        doc["product_markets"].append({"product": name, "market": "A", "base_demand": 10})
    return doc


def test_the_text_mark_is_added_and_taken_off_exactly():
    from xborder.data.cells import as_text, from_text

    for text in (*FORMULAS, "\tTAB", "\rCR"):
        assert as_text(text) == "'" + text and from_text(as_text(text)) == text
    for text in ("plain", "'quoted", "", "a=b"):
        assert as_text(text) == text and from_text(text) == text
    assert as_text(-2.5) == -2.5  # numbers are numbers


def test_formula_like_names_are_text_in_csv_and_xlsx(tmp_path):
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["solve", str(write(formula_instance(), tmp_path)), "--out", str(out), "--xlsx", "-q"])
    assert result.exit_code == 0, result.output
    book = load_workbook(out / "solution.xlsx")
    cells = {c.value: c for row in book["portfolio"].iter_rows(min_row=2) for c in row[:1]}
    for name in FORMULAS:
        assert cells[name].data_type == "s" and cells[name].quotePrefix, name  # text, not a formula
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)
    text = (out / "portfolio.csv").read_text(encoding="utf-8")
    assert f"\"'{LINK.replace(chr(34), chr(34) * 2)}\"" in text  # quoted, with the text mark
    assert "\n'+SUM" in text.replace('"', "") and "\n=" not in text and "\n+" not in text


@pytest.mark.parametrize("target", ["inst", "inst.xlsx"])
def test_formula_like_names_read_back_the_same(tmp_path, target):
    """An instance written as CSV (names marked as text) or as a workbook (text cells) loads back
    with the very same names."""
    instance = load_instance(write(formula_instance(), tmp_path))
    write_instance(instance.settings, instance.tables, tmp_path / target)
    again = load_instance(tmp_path / target)
    assert list(again.tables["products"]["product"]) == list(instance.tables["products"]["product"])


def evil_instance() -> dict:
    """The base with a product, a market and a channel whose names are HTML that would run."""
    doc = base_instance()
    doc["products"][0]["product"] = IMG
    doc["product_markets"][0]["product"] = IMG
    doc["product_markets"][0]["min_units"] = 10  # a limit keyed by the product, in the marginal values
    doc["markets"].append({"market": SVG, "name": SVG})
    doc["product_markets"].append({"product": IMG, "market": SVG, "base_demand": 50})
    doc["lanes"].append({"lane": "dS", "from": "origin", "to": SVG, "mode": "postal", "transit_days": 3, "cost_per_unit": 2})
    doc["channels"] = [{"channel": SCRIPT}]
    doc["market_channels"] = [{"market": SVG, "channel": SCRIPT, "reach": 1000, "conversion": 0.05, "activation_cost": 20}]
    return doc


def _pages(tmp_path) -> list:
    """Every page the project writes: a plan, scenarios, a trade-off, alternatives, a two-stage plan."""
    runner = CliRunner()
    instance = write(evil_instance(), tmp_path)
    scenarios = tmp_path / "s.csv"
    scenarios.write_text("scenario,probability,table,action,column,value,where\n"
                         "dear,0.5,lanes,scale,cost_per_unit,2,\ncheap,0.5,lanes,scale,cost_per_unit,0.5,\n")
    runs = [["solve", str(instance), "--out", str(tmp_path / "plan"), "--report", "-q"],
            ["scenarios", str(instance), str(scenarios), "--out", str(tmp_path / "scen"), "--report"],
            ["tradeoff", str(instance), "--vs", "marketing", "--points", "2", "--out", str(tmp_path / "trade"), "--report"],
            ["alternatives", str(instance), "--k", "2", "--out", str(tmp_path / "alt"), "--report"],
            ["stochastic", str(instance), str(scenarios), "--out", str(tmp_path / "two"), "--no-values"],
            ["report", str(tmp_path / "two")]]
    for args in runs:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
    return [tmp_path / folder / "report.html" for folder in ("plan", "scen", "trade", "alt", "two")]


def test_every_page_escapes_every_name(tmp_path):
    pages = _pages(tmp_path)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for raw in (IMG, SVG, SCRIPT):
            assert raw not in text, (page, raw)
        assert "&lt;svg onload=alert(2)&gt;" in text or "\\u003csvg onload=alert(2)\\u003e" in text, page  # shown, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[0].read_text(encoding="utf-8")  # the product's limit, as text


@needs_browser
def test_no_name_runs_in_the_browser(tmp_path):
    """Loaded in Chromium, with `alert` recorded as an error: no name's markup runs, and every chart
    is drawn."""
    assert BROWSER is not None
    for page in _pages(tmp_path):
        assert_renders(page, tmp_path, at_least=1)
