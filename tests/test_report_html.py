"""The HTML report, loaded in a real browser (headless Chromium): no console errors, every chart
rendered, a screenshot taken. CI installs Chromium (.ci/run sets XBORDER_REQUIRE_BROWSER=1, so a
missing browser fails there instead of skipping)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from conftest import DEMO, tight_demo
from xborder.cli import cli

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
if BROWSER is None and os.environ.get("XBORDER_REQUIRE_BROWSER") == "1":
    pytest.fail("Chromium is required here (XBORDER_REQUIRE_BROWSER=1) but not installed", pytrace=False)
needs_browser = pytest.mark.skipif(BROWSER is None, reason="no Chromium here (apt-get install chromium)")

WATCH = """<script>window.__errors = [];
window.alert = function (m) { __errors.push('alert(' + m + ') was called'); };
window.addEventListener('error', function (e) { __errors.push(String(e.message)); });
var __error = console.error;
console.error = function () { __errors.push(Array.prototype.join.call(arguments, ' ')); __error.apply(console, arguments); };
</script>"""
REPORT = """<script>window.addEventListener('load', function () { setTimeout(function () {
  var charts = document.querySelectorAll('.plotly-graph-div'), drawn = 0;
  charts.forEach(function (c) { if (c.querySelector('.main-svg')) drawn++; });
  document.body.setAttribute('data-charts', charts.length);
  document.body.setAttribute('data-drawn', drawn);
  document.body.setAttribute('data-errors', JSON.stringify(__errors));
}, 1500); });</script>"""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=15000"]


def load_in_browser(page, tmp_path) -> dict:
    """Open a copy of `page` with an error watcher and a render census; the page's own network
    access is cut (no proxy reachable), so a page that needs the network shows it."""
    probe = tmp_path / f"probe-{page.stem}.html"
    text = page.read_text(encoding="utf-8")
    probe.write_text(text.replace("<head>", "<head>" + WATCH, 1).replace("</body>", REPORT + "</body>", 1), encoding="utf-8")
    done = subprocess.run([BROWSER, *FLAGS, "--proxy-server=127.0.0.1:9", "--dump-dom", probe.as_uri()],
                          capture_output=True, text=True, timeout=180)
    body = re.search(r"<body[^>]*>", done.stdout)
    assert body, done.stderr[-2000:]
    attrs = dict(re.findall(r'data-(\w+)="([^"]*)"', body.group(0)))
    return {"charts": int(attrs["charts"]), "drawn": int(attrs["drawn"]),
            "errors": json.loads(attrs["errors"].replace("&quot;", '"')), "log": done.stderr}


def screenshot(page, target):
    subprocess.run([BROWSER, *FLAGS, "--window-size=1280,2400", f"--screenshot={target}", page.as_uri()],
                   capture_output=True, timeout=180, check=True)
    assert target.stat().st_size > 20_000


def assert_renders(page, tmp_path, at_least: int):
    seen = load_in_browser(page, tmp_path)
    assert seen["errors"] == [], seen["errors"]
    assert "Uncaught" not in seen["log"]
    assert seen["charts"] >= at_least and seen["drawn"] == seen["charts"], seen


def test_page_is_self_contained(tmp_path):
    result = CliRunner().invoke(cli, ["solve", str(tight_demo(tmp_path)), "--out", str(tmp_path), "--report", "-q"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"http", text)  # nothing fetched from the network
    for title in ("From revenue to profit", "Units from the origin", "Demand each channel unlocks",
                  "Warehouse utilisation", "Units by customer lead time", "What one more unit"):
        assert title in text


@needs_browser
def test_plan_report_renders_in_chromium(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["solve", str(tight_demo(tmp_path)), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    made = CliRunner().invoke(cli, ["report", str(out)])
    assert made.exit_code == 0, made.output
    assert_renders(out / "report.html", tmp_path, at_least=6)
    screenshot(out / "report.html", tmp_path / "report.png")


@needs_browser
def test_study_reports_render_in_chromium(tmp_path):
    runner = CliRunner()
    scen = tmp_path / "scen"
    done = runner.invoke(cli, ["scenarios", str(tight_demo(tmp_path)), str(DEMO.parent / "demo-scenarios.csv"), "--out", str(scen),
                               "--report"])
    assert done.exit_code == 0, done.output
    assert_renders(scen / "report.html", tmp_path, at_least=7)
    trade = tmp_path / "trade"
    done = runner.invoke(cli, ["tradeoff", str(DEMO), "--vs", "warehouses", "--out", str(trade)])
    assert done.exit_code == 0, done.output
    assert runner.invoke(cli, ["report", str(trade)]).exit_code == 0
    assert_renders(trade / "report.html", tmp_path, at_least=6)
    alt = tmp_path / "alt"
    done = runner.invoke(cli, ["alternatives", str(DEMO), "--k", "2", "--out", str(alt), "--report"])
    assert done.exit_code == 0, done.output
    assert_renders(alt / "report.html", tmp_path, at_least=6)


def test_report_of_a_folder_without_plans_is_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "give --instance" in result.output
    result = CliRunner().invoke(cli, ["report", str(tmp_path), "--instance", str(DEMO)])
    assert result.exit_code == 2 and "no solution.json with a plan" in result.output
    assert result.output.count(str(tmp_path)) == 1, result.output  # the folder is named once


@needs_browser
def test_seasonal_report_renders_in_chromium(tmp_path):
    out = tmp_path / "seasonal"
    done = CliRunner().invoke(cli, ["solve", str(DEMO.parent / "demo-seasonal.json"), "--time-limit", "30", "--report",
                                    "--out", str(out), "-q"])
    assert done.exit_code == 0, done.output
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "Campaign calendar" in text and "Stock at the end of each period" in text
    assert_renders(out / "report.html", tmp_path, at_least=10)


# ---- the charts show the plan's own numbers -----------------------------------------------------------


def _typed(value):
    """plotly's typed arrays ({"dtype": "f8", "bdata": base64}) as lists; anything else as it is."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return array.reshape(value["shape"]).tolist() if "shape" in value else array.tolist()
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return value


def chart_data(text: str, chart: str) -> list[dict]:
    """The traces a page hands to Plotly.newPlot for the div `chart-<chart>`."""
    match = re.search(r'Plotly\.newPlot\(\s*"chart-' + re.escape(chart) + r'",\s*', text)
    assert match, f"no chart {chart}"
    traces, _ = json.JSONDecoder().raw_decode(text, match.end())
    return _typed(traces)


def test_plan_charts_show_the_plans_numbers(tmp_path):
    """The waterfall's bars are the KPIs of solution.json (revenue, each cost, profit), the
    utilisation bars the warehouses' utilisation, the lead-time bars add up to the units sold."""
    out = tmp_path / "demo"
    assert CliRunner().invoke(cli, ["solve", str(DEMO), "--out", str(out), "--report", "-q"]).exit_code == 0
    text = (out / "report.html").read_text(encoding="utf-8")
    kpis = json.loads((out / "solution.json").read_text())["kpis"]
    (waterfall,) = chart_data(text, "waterfall")
    costs = {k: v for k, v in kpis["costs"].items() if abs(v) > 0.005}
    assert waterfall["x"] == ["revenue", *[k.replace("_", " ") for k in costs], "profit"]
    assert waterfall["y"][:-1] == pytest.approx([kpis["revenue"], *[-v for v in costs.values()]])
    assert waterfall["text"][-1] == f"{kpis['profit'] / 1e3:,.1f}k"
    (bars,) = chart_data(text, "utilisation")
    used = {w: 100 * u for w, u in kpis["warehouse_utilisation"].items() if u is not None}
    assert dict(zip(bars["x"], bars["y"])) == pytest.approx(used)
    portfolio = json.loads((out / "solution.json").read_text())["decisions"]["portfolio"]
    lead = chart_data(text, "leadtimes")
    assert sum(sum(t["y"]) for t in lead) == pytest.approx(sum(o["units"] for o in portfolio))


def test_seasonal_stock_chart_is_the_stock_table(tmp_path):
    """Each bar of the stock chart is the stock table's units of that warehouse and period."""
    import pandas as pd

    out = tmp_path / "seasonal"
    done = CliRunner().invoke(cli, ["solve", str(DEMO.parent / "demo-seasonal.json"), "--time-limit", "30", "--report",
                                    "--out", str(out), "-q"])
    assert done.exit_code == 0, done.output
    stock = pd.read_csv(out / "stock.csv").groupby(["warehouse", "period"])["units"].sum()
    shown = {(t["name"], period): units for t in chart_data((out / "report.html").read_text(encoding="utf-8"), "stock")
             for period, units in zip(t["x"], t["y"])}
    assert len(stock) > 0 and shown == pytest.approx(stock.to_dict())


def test_report_of_a_plan_whose_limits_were_not_priced(tmp_path):
    """An interrupted solve may write marginal_values with no limits (no time was left for the
    fixed-plan LP); the report of that folder says so instead of failing."""
    out = tmp_path / "demo"
    assert CliRunner().invoke(cli, ["solve", str(DEMO), "--out", str(out), "-q"]).exit_code == 0
    doc = json.loads((out / "solution.json").read_text())
    doc["marginal_values"] = {"note": "no time left for the fixed-plan LP", "limits": []}
    (out / "solution.json").write_text(json.dumps(doc))
    result = CliRunner().invoke(cli, ["report", str(out), "--instance", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert "The plan in words" in (out / "report.html").read_text()
