"""The instance generator: reproducible, valid in every format, feasible and interesting."""

from __future__ import annotations


import pytest
from click.testing import CliRunner

from xborder.cli import cli
from xborder.data.generate import SIZES, GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.pipeline import solve_loaded
from xborder.solvers import SolveOptions


def test_same_seed_same_file_and_different_seed_differs(tmp_path):
    runner = CliRunner()
    for name, seed in (("a.json", 3), ("b.json", 3), ("c.json", 4)):
        assert runner.invoke(cli, ["generate", "--size", "s", "--seed", str(seed), "--out", str(tmp_path / name)]).exit_code == 0
    a, b, c = ((tmp_path / n).read_text() for n in ("a.json", "b.json", "c.json"))
    assert a == b and a != c


@pytest.mark.parametrize("target", ["g.xlsx", "g_csv"])
def test_other_formats_load_to_the_same_instance(tmp_path, target):
    runner = CliRunner()
    assert runner.invoke(cli, ["generate", "--products", "12", "--markets", "4", "--warehouses", "3", "--out", str(tmp_path / "g.json")]).exit_code == 0
    assert runner.invoke(cli, ["generate", "--products", "12", "--markets", "4", "--warehouses", "3", "--out", str(tmp_path / target)]).exit_code == 0
    a, b = load_instance(tmp_path / "g.json"), load_instance(tmp_path / target)
    for name in a.tables:
        assert a.table(name).equals(b.table(name)), name


def test_size_presets():
    assert SIZES["xl"][0] >= 2000 and SIZES["xl"][1] >= 20 and SIZES["xl"][2] >= 15
    doc = generate(GeneratorSpec(*SIZES["xl"]))
    assert len(doc["products"]) == SIZES["xl"][0] and len(doc["markets"]) == SIZES["xl"][1]
    assert len(doc["warehouses"]) == SIZES["xl"][2]
    assert {m["market"] for m in doc["markets"]} >= {"US", "DE", "JP", "BR", "ID"}


@pytest.mark.parametrize("objective", ["profit", "cost"])
def test_small_preset_solves_to_an_interesting_checked_plan(objective):
    inst = load_document(generate(GeneratorSpec(*SIZES["s"], seed=1, objective=objective)), "gen.json")
    run = solve_loaded(inst, options=SolveOptions(mip_gap=1e-6, time_limit=120))
    assert run.result.status.value == "optimal" and run.evaluation.ok
    kinds = {f["kind"] for f in run.plan["flows"]}
    assert "direct" in kinds and "lastmile" in kinds, "both direct and warehouse fulfilment"
    if objective == "profit":
        assert 0 < len(run.plan["markets"]) < SIZES["s"][1], "some markets entered, some not"


def test_bad_generator_arguments_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["generate", "--markets", "99", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2 and "markets must be between 1 and 25" in result.output
