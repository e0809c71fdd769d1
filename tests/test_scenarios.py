"""`xborder scenarios`: scenario files in three formats, checked before any solve, applied
exactly as `xborder convert --scenarios` writes them, infeasible scenarios reported."""

from __future__ import annotations

import copy
import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import DEMO, EXACT, base_instance, write
from xborder.cli import cli
from xborder.data.instance import load_instance
from xborder.data.scenarios import ScenarioError, apply_scenario, read_scenarios
from xborder.data.write import write_instance
from xborder.pipeline import solve_loaded
from xborder.studies.scenarios import run_scenarios

HEADER = "scenario,table,action,column,value,where\n"
SCENARIOS = (HEADER
             + "dearer,lanes,scale,cost_per_unit,2,lane=dA\n"
             + "second_lane,lanes,include,,\"lane=dB;from=origin;to=A;mode=express;transit_days=2;cost_per_unit=0.5\",\n"
             + "no_sales,product_markets,exclude,,,product=P;market=A\n"
             + "budget,settings,set,marketing_budget,100,\n")


def tiny(tmp_path):
    return load_instance(write(base_instance(), tmp_path))


def test_hand_computed_scenarios(tmp_path):
    """Base: (10 - 2 - 1) * 100 = 700. dearer: lane cost 1 * 2 = 2, (10 - 2 - 2) * 100 = 600.
    second_lane: a 0.5 lane is added, (10 - 2 - 0.5) * 100 = 750. no_sales: the only product-market
    row goes, so no organic demand: 0. budget: a marketing budget with no channels changes nothing: 700."""
    (tmp_path / "s.csv").write_text(SCENARIOS)
    base = tiny(tmp_path)
    study = run_scenarios(base, read_scenarios(tmp_path / "s.csv", base), options=EXACT)
    got = dict(zip(study.comparison["scenario"], study.comparison["objective"]))
    assert got == pytest.approx({"base": 700, "dearer": 600, "second_lane": 750, "no_sales": 0, "budget": 700})
    assert study.comparison["checked"].all()
    row = study.comparison.set_index("scenario").loc["dearer"]
    assert row["objective_vs_base"] == pytest.approx(-100) and row["transport_vs_base"] == pytest.approx(100)
    changes = study.changes[study.changes["scenario"] == "no_sales"]
    assert ("product_market", "P@A", "dropped") in set(zip(changes["kind"], changes["item"], changes["change"]))


def test_three_formats_read_the_same(tmp_path):
    """CSV, a 'scenarios' sheet in the instance's own workbook, and a JSON list of rows."""
    base = tiny(tmp_path)
    (tmp_path / "s.csv").write_text(SCENARIOS)
    rows = pd.read_csv(tmp_path / "s.csv", dtype=str, keep_default_na=False)
    workbook = tmp_path / "tiny.xlsx"
    write_instance(base.settings, base.tables, workbook)
    with pd.ExcelWriter(workbook, engine="openpyxl", mode="a") as book:
        rows.to_excel(book, sheet_name="scenarios", index=False)
    (tmp_path / "s.json").write_text(json.dumps(rows.to_dict("records")))
    in_book = load_instance(workbook)  # the instance loads with its scenarios sheet beside it
    read = [read_scenarios(path, in_book) for path in (tmp_path / "s.csv", workbook, tmp_path / "s.json")]
    summary = [[(s.name, [(o.table, o.action, o.column, o.value, o.where) for o in s.overrides]) for s in r] for r in read]
    assert summary[0] == summary[1] == summary[2]


def test_applied_scenario_equals_the_converted_instance(tmp_path):
    """Applying a scenario then solving gives exactly the optimum of the instance that
    `xborder convert --scenarios --scenario` writes (demo, sea freight 30% dearer)."""
    scenarios = str(DEMO.parent / "demo-scenarios.csv")
    target = tmp_path / "sea.json"
    done = CliRunner().invoke(cli, ["convert", str(DEMO), "--scenarios", scenarios, "--scenario", "sea_freight_plus_30",
                                    "--to", str(target)])
    assert done.exit_code == 0, done.output
    base = load_instance(DEMO)
    scenario = next(s for s in read_scenarios(scenarios, base) if s.name == "sea_freight_plus_30")
    applied = solve_loaded(apply_scenario(base, scenario), options=EXACT)
    converted = solve_loaded(load_instance(target), options=EXACT)
    assert applied.evaluation.ok and converted.evaluation.ok
    assert math.isclose(applied.result.objective, converted.result.objective, rel_tol=1e-9)
    assert not math.isclose(applied.result.objective, solve_loaded(base, options=EXACT).result.objective, rel_tol=1e-6)


def test_cli_demo_scenarios_with_an_infeasible_one(tmp_path):
    out = tmp_path / "scen"
    result = CliRunner().invoke(cli, ["scenarios", str(DEMO), str(DEMO.parent / "demo-scenarios.csv"), "--out", str(out),
                                      "--mip-gap", "1e-9"])
    assert result.exit_code == 0, result.output
    comparison = pd.read_csv(out / "comparison.csv")
    assert list(comparison["scenario"])[:2] == ["base", "no_de_minimis_europe"]
    infeasible = comparison.set_index("scenario").loc["asia_push_small_budget"]
    assert infeasible["status"] == "infeasible" and "compliance budget is" in infeasible["diagnosis"]
    assert (comparison.drop(comparison.index[comparison["status"] == "infeasible"])["checked"]).all()
    assert (out / "comparison.xlsx").is_file() and (out / "changes.csv").is_file()
    for name in comparison["scenario"]:
        assert (out / name / "solution.json").is_file()
    assert "the compliance budget is 64,000 USD short" in result.output  # data costs count in it (44,000 before them)


def test_parallel_jobs_match_serial(tmp_path):
    (tmp_path / "s.csv").write_text(SCENARIOS)
    base = tiny(tmp_path)
    found = read_scenarios(tmp_path / "s.csv", base)
    serial = run_scenarios(base, found, options=EXACT, jobs=1).comparison
    parallel = run_scenarios(base, found, options=EXACT, jobs=2).comparison
    assert list(serial["objective"]) == pytest.approx(list(parallel["objective"]))


BAD_ROWS = [
    ("s1,warehouse,set,fixed_cost,1,", "row 2", "table", "unknown table 'warehouse' (did you mean 'warehouses'?)"),
    ("s1,lanes,set,cost_per_unitt,1,", "row 2", "column", "table lanes has no column 'cost_per_unitt'"),
    ("s1,lanes,scale,cost_per_unit,1.3,modee=postal", "row 2", "where", "table lanes has no column 'modee'"),
    ("s1,lanes,scale,cost_per_unit,abc,", "row 2", "value", "expects a number, got 'abc'"),
    ("s1,lanes,scale,mode,2,", "row 2", "value", "scale needs a numeric column"),
    ("s1,lanes,scale,cost_per_unit,2,mode=sea_freight", "row 2", "where", "'mode=sea_freight' matches no row of lanes"),
    ("base,lanes,scale,cost_per_unit,2,", "row 2", "scenario", "'base' is reserved"),
    ("s1,lanes,multiply,cost_per_unit,2,", "row 2", "action", "unknown action 'multiply'"),
    ("s1,settings,set,marketing_budgett,5,", "row 2", "column", "unknown setting 'marketing_budgett'"),
    ("s1,markets,set,payment_loss_rate,1.5,", "row 2", "payment_loss_rate", "makes the instance invalid"),
]


@pytest.mark.parametrize("row,place,column,message", BAD_ROWS)
def test_bad_scenario_rows_exit_2_before_solving(tmp_path, row, place, column, message):
    instance = write(base_instance(), tmp_path)
    (tmp_path / "bad.csv").write_text(HEADER + row + "\n")
    result = CliRunner().invoke(cli, ["scenarios", str(instance), str(tmp_path / "bad.csv"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "bad.csv" in result.output and place in result.output and f"column '{column}'" in result.output
    assert message in result.output
    assert "solved" not in result.output and not (tmp_path / "o" / "base").exists()


def test_scenario_error_lists_every_bad_row(tmp_path):
    base = tiny(tmp_path)
    (tmp_path / "bad.csv").write_text(HEADER + "s1,lanes,set,nope,1,\ns2,nope,set,x,1,\n")
    with pytest.raises(ScenarioError) as err:
        read_scenarios(tmp_path / "bad.csv", base)
    assert [i.row for i in err.value.issues] == [2, 3]


def test_each_action_by_hand_against_a_document_edited_by_hand(tmp_path):
    """The base (lane dA costing 1.5 per unit, 100 units of organic demand, marketing budget 400)
    with dA's cost scaled by 3 (4.5, not the 3 that `set` would give), 2 added to the demand
    (102) and the budget set to 250, compared with the same document edited by hand, and
    solved: (10 - 2 - 4.5) * 102 = 357."""
    doc = base_instance(marketing_budget=400)
    doc["lanes"][0]["cost_per_unit"] = 1.5
    base = load_instance(write(doc, tmp_path))
    (tmp_path / "s.csv").write_text(HEADER + "edit,lanes,scale,cost_per_unit,3,lane=dA\n"
                                    + "edit,product_markets,add,base_demand,2,product=P;market=A\n"
                                    + "edit,settings,set,marketing_budget,250,\n")
    applied = apply_scenario(base, read_scenarios(tmp_path / "s.csv", base)[0])
    by_hand = copy.deepcopy(doc)
    by_hand["lanes"][0]["cost_per_unit"] = 4.5
    by_hand["product_markets"][0]["base_demand"] = 102
    by_hand["settings"]["marketing_budget"] = 250
    expected = load_instance(write(by_hand, tmp_path, "by-hand"))
    for name in expected.tables:
        pd.testing.assert_frame_equal(applied.table(name), expected.table(name), check_dtype=False)
    assert applied.settings["marketing_budget"] == 250
    assert solve_loaded(applied, options=EXACT).result.objective == pytest.approx(357.0)


def test_every_scenario_problem_at_once(tmp_path):
    """Two scenarios that each make the instance invalid: both are named in one run, and the
    message is about the scenario file."""
    instance = write(base_instance(), tmp_path)
    (tmp_path / "bad.csv").write_text(HEADER + "s1,markets,set,payment_loss_rate,1.5,\n"
                                      + "s2,lanes,set,transit_days,-1,\n")
    result = CliRunner().invoke(cli, ["scenarios", str(instance), str(tmp_path / "bad.csv"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "the scenario file has 2 problem(s)" in result.output, result.output
    assert "scenario 's1'" in result.output and "scenario 's2'" in result.output


def test_the_decisions_changed_column_agrees_with_changes_csv(tmp_path):
    """A scenario that only drops a product-market says so in the table (not "0"), as changes.csv does."""
    doc = base_instance()
    doc["products"].append({"product": "Q", "unit_cost": 2, "base_price": 10, "weight_kg": 1, "volume_m3": 0.01})
    doc["product_markets"].append({"product": "Q", "market": "A", "base_demand": 50})
    instance = write(doc, tmp_path)
    (tmp_path / "s.csv").write_text(HEADER + "ban_q,product_markets,set,banned,true,product=Q;market=A\n")
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["scenarios", str(instance), str(tmp_path / "s.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    changes = pd.read_csv(out / "changes.csv")
    assert list(zip(changes["kind"], changes["item"], changes["change"])) == [("product_market", "Q@A", "dropped")]
    line = next(line for line in result.output.splitlines() if line.startswith("ban_q"))
    assert line.rstrip().endswith("product-markets +0/-1"), line


def test_a_scenario_solution_names_the_base_instance_and_its_scenario(tmp_path):
    """Each scenario's solution.json names the base instance (a file that exists) and the scenario;
    `xborder check` applies the scenario and passes it."""
    instance = write(base_instance(), tmp_path)
    (tmp_path / "s.csv").write_text(SCENARIOS)
    out = tmp_path / "o"
    assert CliRunner().invoke(cli, ["scenarios", str(instance), str(tmp_path / "s.csv"), "--out", str(out)]).exit_code == 0
    doc = json.loads((out / "dearer" / "solution.json").read_text())
    assert doc["instance"] == "tiny" and doc["source"] == str(instance) and doc["scenario"]["name"] == "dearer"
    checked = CliRunner().invoke(cli, ["check", str(instance), str(out / "dearer")])
    assert checked.exit_code == 0 and "check passed" in checked.output, checked.output
    wrong = CliRunner().invoke(cli, ["check", str(instance), str(out / "dearer"), "--scenarios", str(tmp_path / "none.csv")])
    assert wrong.exit_code == 2 and "none.csv, which is not there" in wrong.output


def test_a_sweep_is_one_scenario_per_point(tmp_path):
    """dA's cost per unit x1, x1.5, x2 (FROM:TO:STEP 1:2:0.5) while the second row of the same
    scenario (a marketing budget, no channels: no effect) applies at every point. By hand the
    margin is 10 - 2 - c: 700, 650 and 600."""
    (tmp_path / "s.csv").write_text(HEADER + "lane_cost,lanes,scale,cost_per_unit,1:2:0.5,lane=dA\n"
                                    + "lane_cost,settings,set,marketing_budget,100,\n")
    base = tiny(tmp_path)
    scenarios = read_scenarios(tmp_path / "s.csv", base)
    assert [s.name for s in scenarios] == ["lane_cost@1", "lane_cost@1.5", "lane_cost@2"]
    assert all(len(s.overrides) == 2 for s in scenarios)
    assert [s.sweep.value for s in scenarios] == [1.0, 1.5, 2.0]
    study = run_scenarios(base, scenarios, options=EXACT)
    table = study.comparison.set_index("scenario")
    assert list(table["objective"]) == pytest.approx([700, 700, 650, 600])
    assert list(table["swept_value"].iloc[1:]) == [1.0, 1.5, 2.0]
    assert table["swept"].iloc[1] == "lanes.cost_per_unit scale where lane=dA"


@pytest.mark.parametrize("value, probability, message", [
    ("1:2:0", "", "the step of FROM:TO:STEP must be positive"),
    ("2:1:0.5", "", "TO must not be below FROM"),
    ("0:5000:1", "", "a sweep has at most 1,000"),
    ("1:2:0.5", "0.5", "leave probability empty"),
])
def test_bad_sweeps_are_refused_with_their_row(tmp_path, value, probability, message):
    (tmp_path / "s.csv").write_text("scenario,table,action,column,value,where,probability\n"
                                    f"s,lanes,scale,cost_per_unit,{value},lane=dA,{probability}\n")
    with pytest.raises(ScenarioError) as err:
        read_scenarios(tmp_path / "s.csv", tiny(tmp_path))
    issue = err.value.issues[0]
    assert message in issue.message and issue.row == 2


def test_one_sweep_per_scenario(tmp_path):
    (tmp_path / "s.csv").write_text(HEADER + "s,lanes,scale,cost_per_unit,1:2:0.5,lane=dA\n"
                                    + "s,products,scale,unit_cost,1:2:0.5,product=P\n")
    with pytest.raises(ScenarioError, match="already sweeps a value"):
        read_scenarios(tmp_path / "s.csv", tiny(tmp_path))


def test_the_sweep_chart_plots_against_the_swept_value(tmp_path):
    instance = tmp_path / "tiny.json"
    instance.write_text(json.dumps(base_instance()))
    (tmp_path / "s.csv").write_text(HEADER + "lane_cost,lanes,scale,cost_per_unit,1:2:0.5,lane=dA\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["scenarios", str(instance), str(tmp_path / "s.csv"), "--out", str(out), "--report"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    assert "The objective against the swept value" in page
    figure = page[page.index('"chart-sweep"'):]
    assert '"x":[1.0,1.5,2.0]' in figure.replace(" ", "") and '"y":[700.0,650.0,600.0]' in figure.replace(" ", "")
    result = CliRunner().invoke(cli, ["check", str(instance), str(out / "lane_cost@1.5" / "solution.json"),
                                      "--scenarios", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
