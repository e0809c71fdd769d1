"""Bad input that used to get through: each gives exit 2 and a message naming the place, before
anything is solved or written."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from conftest import DEMO, REPO, base_instance, write, write_csv_folder
from xborder.cli import cli


def _validate(path):
    return CliRunner().invoke(cli, ["validate", str(path)])


def test_duplicate_json_keys_are_errors(tmp_path):
    """`marketing_budget` twice in settings, and `base_price` twice in a products record: the
    JSON parser would keep the last value silently."""
    text = json.dumps(base_instance(marketing_budget=1000))
    text = text.replace('"marketing_budget": 1000', '"marketing_budget": 1000, "marketing_budget": 5')
    text = text.replace('"base_price": 10', '"base_price": 10, "base_price": 99')
    path = tmp_path / "dup.json"
    path.write_text(text)
    result = _validate(path)
    assert result.exit_code == 2
    assert "dup.json: table 'settings', column 'marketing_budget': 'marketing_budget' is given twice" in result.output
    assert "dup.json: table 'products', row 1, column 'base_price': 'base_price' is given twice" in result.output


def test_missing_settings_block_is_an_error_in_every_format(tmp_path):
    doc = base_instance()
    del doc["settings"]
    result = _validate(write(doc, tmp_path))
    assert result.exit_code == 2 and '"settings": {}' in result.output
    folder = write_csv_folder(tmp_path / "csv", "market\nA\n", "from,to,mode,transit_days\norigin,A,postal,3\n")
    (folder / "settings.json").unlink()
    result = _validate(folder)
    assert result.exit_code == 2 and "settings.json is missing" in result.output and "{}" in result.output
    from xborder.data.instance import load_instance
    from xborder.data.write import write_xlsx

    inst = load_instance(DEMO)
    book = tmp_path / "no-settings.xlsx"
    write_xlsx(inst.settings, inst.tables, book)
    from openpyxl import load_workbook

    wb = load_workbook(book)
    del wb["settings"]
    wb.save(book)
    result = _validate(book)
    assert result.exit_code == 2 and "no 'settings' sheet" in result.output and "key, value" in result.output


def test_empty_settings_take_the_defaults(tmp_path):
    folder = write_csv_folder(tmp_path / "csv", "market\nA\n", "from,to,mode,transit_days\norigin,A,postal,3\n")
    assert _validate(folder).exit_code == 0


@pytest.mark.parametrize("where", ["reach", "setting"])
def test_huge_numbers_are_refused_at_validate(tmp_path, where):
    """1e15 used to pass `validate` and fail inside the solver with a numpy broadcast error."""
    doc = base_instance()
    if where == "reach":
        doc["channels"] = [{"channel": "T"}]
        doc["market_channels"] = [{"market": "A", "channel": "T", "reach": 1e15, "conversion": 0.1}]
        expect = "table 'market_channels', row 1, column 'reach': expected a number below 1e12"
    else:
        doc["settings"]["marketing_budget"] = 1e15
        expect = "table 'settings', column 'marketing_budget': expected a number below 1e12"
    path = write(doc, tmp_path)
    for command in ("validate", "solve"):
        result = CliRunner().invoke(cli, [command, str(path), "--out", str(tmp_path / "o")][: 2 if command == "validate" else 4])
        assert result.exit_code == 2 and expect in result.output, result.output
    assert not (tmp_path / "o").exists()


def test_derived_demand_too_large_for_the_solver(tmp_path):
    """Each number is below 1e12, but reach x conversion x popularity is 9e13 units."""
    doc = base_instance()
    doc["products"][0]["popularity"] = 9e5
    doc["channels"] = [{"channel": "T"}]
    doc["market_channels"] = [{"market": "A", "channel": "T", "reach": 1e11, "conversion": 1.0}]
    result = _validate(write(doc, tmp_path))
    assert result.exit_code == 2
    assert "table 'market_channels', row 1, column 'reach': market 'A': demand bound 9e+16 units" in result.output


def test_latin1_csv_names_the_line_and_says_utf8(tmp_path):
    folder = write_csv_folder(tmp_path / "inst", "market,name\nA,Alpha\nB,S\u00e3o Paulo\n",
                              "from,to,mode,transit_days\norigin,A,postal,3\n")
    (folder / "markets.csv").write_bytes("market,name\nA,Alpha\nB,S\u00e3o Paulo\n".encode("latin-1"))
    result = _validate(folder)
    assert result.exit_code == 2
    assert "markets.csv" in result.output and "line 3" in result.output and "UTF-8" in result.output


def test_semicolon_csv_is_detected(tmp_path):
    folder = write_csv_folder(tmp_path / "inst", "market;name\nA;Alpha\n", "from,to,mode,transit_days\norigin,A,postal,3\n")
    result = _validate(folder)
    assert result.exit_code == 2 and "markets.csv" in result.output and "semicolons" in result.output


def test_table_and_column_names_differing_by_case_or_spaces_get_a_suggestion(tmp_path):
    folder = write_csv_folder(tmp_path / "inst", "market\nA\n", "from,to,mode,transit_days\norigin,A,postal,3\n")
    (folder / "Market Channels.csv").write_text("market,channel,reach,conversion\n")
    (folder / "channels.csv").write_text("Channel \n")
    result = _validate(folder)
    assert result.exit_code == 2
    assert "unknown table 'Market Channels' (did you mean 'market_channels'?)" in result.output
    assert "unknown column 'Channel' (did you mean 'channel'?)" in result.output


def test_unwritable_out_fails_before_the_solve(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["solve", str(DEMO), "--out", str(blocker / "out")])
    assert result.exit_code == 2 and "cannot write to the output folder" in result.output
    assert "independent check" not in result.output  # nothing was solved


def test_check_with_another_instances_solution(tmp_path):
    out = tmp_path / "gen"
    gen = tmp_path / "gen.json"
    runner = CliRunner()
    assert runner.invoke(cli, ["generate", "--size", "s", "--seed", "3", "--out", str(gen)]).exit_code == 0
    assert runner.invoke(cli, ["solve", str(gen), "--out", str(out), "--quiet"]).exit_code == 0
    result = runner.invoke(cli, ["check", str(DEMO), str(out / "solution.json")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "belongs to another instance" in result.output and "'gen-p50-m6-w4-s3'" in result.output and "'demo'" in result.output


def test_generate_and_convert_refuse_an_output_that_names_no_format(tmp_path):
    for args in (["generate", "--out", str(tmp_path / "x.csv")], ["convert", str(DEMO), "--to", str(tmp_path / "y.txt")]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and "is not an instance format" in result.output
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "y.txt").exists()


def test_bench_exits_non_zero_when_a_run_errored(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = CliRunner().invoke(cli, ["bench", str(REPO / "benchmarks" / "orlib" / "cflp" / "cap41.txt"), str(broken),
                                      "--time-limit", "30", "--out", str(tmp_path / "b")])
    assert result.exit_code == 1 and "run broken / default / highs: error" in result.output
    with open(tmp_path / "b" / "bench.csv", newline="") as f:
        statuses = {row["instance"]: row["status"] for row in csv.DictReader(f)}
    assert statuses == {"cap41": "optimal", "broken": "error"}
